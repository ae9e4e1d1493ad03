/**
 * The size budget of the page's initial JavaScript: what index.html loads before any interaction,
 * i.e. the entry chunks and every chunk they import statically (dynamic `import()`s are not
 * counted; the engine's worker and the sql.js wasm are assets of their own). The sum of their gzip
 * sizes must stay within `sizeBudget.initialJsGzipKb` of package.json (kB of 1,000 bytes, as Vite
 * prints them), or `vite build` fails — and with it `npm start` and the end-to-end tests.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Where the figure lives, named in the failure message. */
export const BUDGET_FIELD = 'sizeBudget.initialJsGzipKb';

/** The budget from a package.json's text, in kB. */
export function readBudgetKb(packageJsonText) {
  const kb = JSON.parse(packageJsonText)?.sizeBudget?.initialJsGzipKb;
  if (typeof kb !== 'number' || !(kb > 0)) throw new Error(`package.json has no positive "${BUDGET_FIELD}"`);
  return kb;
}

/**
 * The chunks loaded before any interaction, with their sizes: the entries and their static
 * imports, transitively. `bundle` is Rollup's output bundle (file name → chunk or asset).
 */
export function initialChunks(bundle) {
  const chunks = new Map(Object.values(bundle).filter((o) => o.type === 'chunk').map((c) => [c.fileName, c]));
  const seen = new Set();
  const pending = [...chunks.values()].filter((c) => c.isEntry).map((c) => c.fileName);
  while (pending.length > 0) {
    const name = pending.pop();
    if (seen.has(name) || !chunks.has(name)) continue;
    seen.add(name);
    pending.push(...chunks.get(name).imports);
  }
  return [...seen]
    .map((fileName) => {
      const code = chunks.get(fileName).code;
      return { fileName, bytes: byteLength(code), gzipBytes: gzipSync(code).length };
    })
    .sort((a, b) => b.gzipBytes - a.gzipBytes);
}

const byteLength = (text) => Buffer.byteLength(text);
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

/**
 * Checks `bundle` against `budgetKb`: `{ ok, totalGzipBytes, chunks, message }`, the message
 * naming the budget, where it is set, and the biggest initial chunks when it is exceeded.
 */
export function checkBudget(bundle, budgetKb) {
  const chunks = initialChunks(bundle);
  const totalGzipBytes = chunks.reduce((sum, c) => sum + c.gzipBytes, 0);
  const ok = totalGzipBytes <= budgetKb * 1000;
  const biggest = chunks
    .slice(0, 5)
    .map((c) => `  ${c.fileName}  ${kB(c.gzipBytes)} gzip (${kB(c.bytes)} raw)`)
    .join('\n');
  const message = ok
    ? `size budget: initial JavaScript ${kB(totalGzipBytes)} gzip in ${chunks.length} chunk${chunks.length === 1 ? '' : 's'}, within the budget of ${budgetKb} kB (package.json "${BUDGET_FIELD}")`
    : `Size budget exceeded: the initial JavaScript (the entry and its static imports) is ${kB(totalGzipBytes)} gzip, over the budget of ${budgetKb} kB set in package.json "${BUDGET_FIELD}". ` +
      `Load what the first paint does not need with import(), or raise the budget there. Biggest initial chunks:\n${biggest}`;
  return { ok, totalGzipBytes, chunks, message };
}

/** The Vite plugin: fails the client build when the initial JavaScript is over the budget. */
export function sizeBudget() {
  let budgetKb = 0;
  return {
    name: 'cutover-lab-size-budget',
    apply: 'build',
    configResolved(config) {
      budgetKb = readBudgetKb(readFileSync(join(config.root, 'package.json'), 'utf8'));
    },
    generateBundle(_options, bundle) {
      const result = checkBudget(bundle, budgetKb);
      if (!result.ok) this.error(result.message);
      this.info(result.message);
    },
  };
}
