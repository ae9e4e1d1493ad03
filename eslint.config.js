// @ts-check
/**
 * Lint for Cutover Lab: ESLint's and typescript-eslint's recommended rules, the type-checked ones
 * for TypeScript (floating and misused promises, `any` leaking out of JSON, thrown non-errors),
 * and the layer rules of DESIGN.md section 7 written as `no-restricted-imports` patterns.
 * `npm test` runs it before the tests; a layer violation fails the build.
 */
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// Layers
//
// `no-restricted-imports` matches the import specifier as written, not the file it resolves to,
// so `../store/x.ts` means src/store from src/engine/rehearsal.ts but src/engine/store from
// src/engine/durability/corrupt.ts. The rules below are therefore written as paths from src/ (or
// from the repository root) and translated, for each folder depth, into a specifier pattern: a
// file D folders below src/ reaches src/ with exactly D `../`. One config block per layer and
// depth carries that depth's patterns (a later block replaces a rule's options, it does not add
// to them, so every block holds the complete list). Specifiers must be normalized (no `a/../b`)
// for this to be exact, and a rule says so. Folders deeper than MAX_DEPTH are refused outright.
// ---------------------------------------------------------------------------------------------

/** The deepest folder below src/ that the layer rules cover (src/ui/history/ is 2). */
const MAX_DEPTH = 6;

/** The top-level folders of src/ that have rules of their own. */
const LAYERS = ['engine', 'ui', 'worker', 'store', 'harness', 'scenarios'];

/** The only files that may import sql.js: the port implementation, its browser and Node loaders. */
const SQL_JS_FILES = ['src/store/sqljs.ts', 'src/store/browser-sql.ts', 'src/harness/node-sql.ts'];

/** The only file that may import idb-keyval: the IndexedDB durable store. */
const IDB_KEYVAL_FILES = ['src/store/idb-backend.ts'];

/** The port implementations the worker hands to the engine; the page has no business with them. */
const ENGINE_SIDE_STORE = ['sqljs', 'browser-sql', 'memory-backend', 'idb-backend', 'real-clock', 'digest'];

/**
 * Where a block applies: `layer` is the top-level folder of src/ ('' for src/ itself, '*' for a
 * folder with no rules of its own), `depth` the number of folders below src/, `test` whether the
 * files are tests or test support, `file` set only for the blocks of single excepted files.
 * @typedef {{ layer: string, depth: number, test: boolean, file?: string }} Where
 */

/**
 * One layer rule: the files it binds (`binds`) and what they may not import, as a regex over the
 * target's path from src/ (`src`), from the repository root (`root`), or over a package
 * specifier (`spec`, matched as written). `message` names the rule in every report.
 * @typedef {{ binds: (w: Where) => boolean, src?: string, root?: string, spec?: string, message: string }} LayerRule
 */

/** Files outside src/engine; the engine's two rules already refuse everything the others do. */
const notEngine = (/** @type {Where} */ w) => w.layer !== 'engine';

/** @type {LayerRule[]} */
const LAYER_RULES = [
  {
    binds: (w) => w.layer === 'engine',
    src: '(?!engine/)',
    message: 'layers: src/engine imports nothing outside src/engine (ports come in through RehearsalPorts).',
  },
  {
    binds: (w) => w.layer === 'engine',
    spec: '^(?!\\.)',
    message: 'layers: src/engine imports no packages (no sql.js, idb-keyval, lit, node:*): the host comes in through ports (RehearsalPorts).',
  },
  {
    binds: (w) => w.layer === 'ui',
    src: 'engine/(?!vocabulary\\.ts$)',
    message: "layers: src/ui takes the engine's vocabulary from src/engine/vocabulary.ts only, never engine internals (it talks to the engine through src/worker/client.ts).",
  },
  {
    binds: (w) => w.layer === 'ui',
    src: 'worker/(?!(?:client|protocol)\\.ts$)',
    message: 'layers: src/ui reaches the worker through src/worker/client.ts and src/worker/protocol.ts only.',
  },
  {
    binds: (w) => w.layer === 'ui',
    src: `store/(?:${ENGINE_SIDE_STORE.join('|')})\\.ts$`,
    message: "layers: src/ui uses page-storage modules of src/store (writer-lock.ts and the like), not the engine's port implementations, which belong to the worker.",
  },
  {
    binds: (w) => notEngine(w) && w.layer !== 'ui' && w.layer !== '',
    src: 'ui/',
    message: 'layers: src/ui is the top of the page: only src/ui and src/main.ts import it.',
  },
  {
    binds: (w) => w.layer === 'store',
    src: 'worker/',
    message: 'layers: src/store implements the engine\'s ports and the page\'s storage: it imports src/engine only, never the worker that hosts it.',
  },
  {
    binds: (w) => notEngine(w) && w.layer !== 'harness' && w.layer !== 'worker',
    src: 'harness/',
    message: 'layers: src/harness is the Node edge (driver, simulate, CLI): nothing else in src imports it.',
  },
  {
    binds: (w) => w.layer === 'worker',
    src: 'harness/(?!plan/)',
    message: 'layers: src/worker hosts the plan runner (src/harness/plan) for replays in the page; the rest of src/harness is the Node edge.',
  },
  {
    binds: (w) => w.layer === 'harness' && w.depth >= 2,
    spec: '^node:|^\\.\\./(?:cli|node-sql|parallel|simulate-worker)\\.',
    message: 'layers: src/harness/plan runs in the engine worker too: no node:* builtins and none of the Node-only harness modules (cli, node-sql, parallel, simulate-worker).',
  },
  {
    binds: (w) => notEngine(w) && w.layer !== 'harness',
    spec: '^node:',
    message: 'layers: node:* builtins only in src/harness (the Node edge); the rest of src runs in the browser too.',
  },
  {
    binds: (w) => notEngine(w) && !SQL_JS_FILES.includes(w.file ?? ''),
    spec: '^sql\\.js(?:/|$)',
    message: `layers: sql.js is imported only by ${SQL_JS_FILES.join(', ')}; everything else speaks the SqlDatabase port.`,
  },
  {
    binds: (w) => notEngine(w) && !IDB_KEYVAL_FILES.includes(w.file ?? ''),
    spec: '^idb-keyval(?:/|$)',
    message: `layers: idb-keyval is imported only by ${IDB_KEYVAL_FILES.join(', ')}; everything else goes through a src/store module.`,
  },
  {
    binds: notEngine,
    root: 'test(?:/|$)',
    message: 'layers: test support (test/**) is never imported from src/.',
  },
  {
    binds: (w) => !w.test,
    spec: '(?:^|/)test-support\\.ts$|\\.test\\.ts$|^(?:vitest|@vitest/[^/]+|playwright-core|fast-check)(?:/|$)',
    message: 'layers: test support (test-support.ts, *.test.ts, vitest, playwright, fast-check) is imported only by tests.',
  },
  {
    binds: () => true,
    spec: '(?:^|/)(?!\\.\\.(?:/|$))[^/]+/\\.\\.?(?:/|$)',
    message: 'layers: write relative imports normalized (no ./../ or a/../b) so that the layer rules read them right.',
  },
];

/** The regex prefix of a specifier written `depth` folders below src/ that lands in src/. */
const toSrc = (/** @type {number} */ depth) => (depth === 0 ? '\\./' : `(?:\\.\\./){${depth}}`);

/** The `no-restricted-imports` patterns for files at `where`. */
function layerPatterns(/** @type {Where} */ where) {
  return LAYER_RULES.filter((rule) => rule.binds(where)).map((rule) => {
    const regex =
      rule.src !== undefined ? `^${toSrc(where.depth)}(?:${rule.src})`
      : rule.root !== undefined ? `^(?:\\.\\./){${where.depth + 1}}(?:${rule.root})`
      : rule.spec;
    return { regex, caseSensitive: true, message: rule.message };
  });
}

/** A config block giving `files` the layer rules of `where`. */
function layerBlock(/** @type {string[]} */ files, /** @type {Where} */ where) {
  const name = `cutover-lab/layers/${where.file ?? `${where.layer || '(src)'}@${where.depth}${where.test ? '/tests' : ''}`}`;
  return { name, files, rules: { 'no-restricted-imports': ['error', { patterns: layerPatterns(where) }] } };
}

/** One block per layer and depth (and its tests), then the excepted files, then the guard. */
function layerBlocks() {
  const blocks = [];
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    for (const layer of depth === 0 ? [''] : ['*', ...LAYERS]) {
      const dir = depth === 0 ? 'src/' : `src/${layer}/${'*/'.repeat(depth - 1)}`;
      blocks.push(layerBlock([`${dir}*.{ts,mts,js,mjs}`], { layer, depth, test: false }));
      blocks.push(layerBlock([`${dir}*.test.ts`, `${dir}test-support.ts`], { layer, depth, test: true }));
    }
  }
  for (const file of [...SQL_JS_FILES, ...IDB_KEYVAL_FILES]) {
    const [, layer = '', ...rest] = file.split('/');
    blocks.push(layerBlock([file], { layer, depth: rest.length, test: false, file }));
  }
  blocks.push({
    name: 'cutover-lab/layers/too-deep',
    files: [`src/${'*/'.repeat(MAX_DEPTH + 1)}**`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '.', message: `layers: the layer rules cover folders up to ${MAX_DEPTH} deep below src/; raise MAX_DEPTH in eslint.config.js.` }] }],
    },
  });
  return blocks;
}

// ---------------------------------------------------------------------------------------------

/** Node's globals, for the plain JavaScript files (scripts, bin, this config); TypeScript knows its own. */
const NODE_GLOBALS = { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' };

export default defineConfig(
  globalIgnores(['dist/**', 'coverage/**', 'test-results/**', '.tmp/**', '.vitest-attachments/**', '**/__screenshots__/**']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    name: 'cutover-lab/rules',
    rules: {
      // `_`-prefixed names are deliberately unused: a parameter a signature requires, or a field
      // taken out of an object by destructuring so that the rest can be passed on.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    name: 'cutover-lab/type-checked',
    files: ['**/*.{ts,mts}'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Lit calls a template's event listeners with the component as `this`
      // (`@click=${this.handleX}`), which is how every component here is written.
      '@typescript-eslint/unbound-method': 'off',
      // Async methods that implement a Promise-returning port or protocol without awaiting
      // anything are correct as they are; the rule would only add churn.
      '@typescript-eslint/require-await': 'off',
      // Flags casts the compiler could do without (dozens in the scenario validator); harmless
      // under `strict`, and removing them is churn, not a fix.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Vitest's asymmetric matchers (`expect.objectContaining`) and JSON fixtures are `any` by
    // design; in tests that is not a leak.
    name: 'cutover-lab/tests',
    files: ['test/**', 'src/**/*.test.ts', 'src/**/test-support.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    name: 'cutover-lab/javascript',
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: NODE_GLOBALS },
  },
  {
    // The engine is deterministic (STYLE.md): randomness comes from its Random, time from its
    // Clock, so that a seed replays a run. Host globals (DOM, Node, TextEncoder, structuredClone)
    // are refused by tsconfig.engine.json, which has the ES library only.
    name: 'cutover-lab/engine-determinism',
    files: ['src/engine/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'engine: take randomness from the seeded Random port, not Math.random().' },
        { object: 'Date', property: 'now', message: 'engine: take time from the Clock port, not Date.now().' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'engine: take time from the Clock port, not new Date().' },
      ],
    },
  },
  ...layerBlocks(),
);
