/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and prints where the time went: the functions with
 * the most self time, and inclusive time per function of src/ (and of a few sql.js / Emscripten
 * and Node internals worth naming), as shares of the profile's total.
 *
 *   node --expose-gc --cpu-prof --cpu-prof-dir=bench/profiles --import tsx bench/run.ts --node-only --only <row>
 *   node --import tsx bench/profile-summary.ts bench/profiles/<file>.cpuprofile [--top 30] [--match <regex>] [--root <regex>]
 *
 * --exclude drops samples with a frame matching it on the stack (the raw baseline, setup), e.g.
 * `--exclude 'bench/lib/raw.ts|validateScenario|seed|RawDb|Rehearsal.open|\(idle\)|\(program\)'`.
 * --root keeps only samples with a frame matching it on the stack (e.g. `--root '^execute '` for the
 * engine's half of an interleaved row); --match picks the functions of the inclusive list.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '30' }, match: { type: 'string' }, root: { type: 'string' }, exclude: { type: 'string' } }, allowPositionals: true });
const file = positionals[0];
if (!file) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [--top N] [--match <regex>]');
  process.exit(2);
}
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
const top = Number(values.top);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const short = (url: string) => url.replace(/^file:\/\/.*?\/(src|bench|node_modules)\//, '$1/').replace(/^node:/, 'node:');

/**
 * What the minified functions of sql.js 1.16's dist/sql-wasm.js are (Emscripten's runtime), by
 * name and line, read off the code at those positions. Other versions print unnamed.
 */
const SQLJS_1_16: Record<string, string> = {
  'A:103': 'UTF8ToString',
  'ab:103': 'PATH.normalize',
  'createNode:106': 'MEMFS.createNode',
  'ab:108': 'MEMFS.setattr',
  'lookup:109': 'MEMFS.lookup (throws ENOENT: file absent)',
  'read:110': 'MEMFS.stream.read (copies pages out of the file)',
  'write:110': 'MEMFS.stream.write (copies pages into the file)',
  'B:118': 'FS.lookupPath',
  'ib:120': 'FS.lookupNode',
  'Sb:122': 'FS.createStream',
  'ac:125': 'FS.stat',
  'fc:127': 'FS.open',
  'jc:130': 'FS.write',
  'Xc:139': 'ccall (JS → WASM, strings copied)',
  'fa:139': 'stringToNewUTF8',
  'g:146': '__syscall_fstat64',
  'x:148': '__syscall_openat',
  'N:149': '__syscall_stat64',
  't:156': 'fd_read',
  'q:158': 'fd_write',
};
const FS_ROLES = /MEMFS|FS\.|__syscall|fd_write|fd_read|PATH\./;

const label = (f: CallFrame) => {
  const base = `${f.functionName || '(anonymous)'} ${f.url ? `${short(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
  const role = f.url.endsWith('sql.js/dist/sql-wasm.js') ? SQLJS_1_16[`${f.functionName}:${f.lineNumber + 1}`] : undefined;
  return role ? `${base} [${role}]` : base;
};

// With --root, only samples whose stack holds a frame matching it count (e.g. the engine's side of an interleaved bench).
const root = values.root ? new RegExp(values.root) : undefined;
const underRoot = new Map<number, boolean>();
function inRoot(id: number): boolean {
  if (!root) return true;
  const known = underRoot.get(id);
  if (known !== undefined) return known;
  const n = byId.get(id);
  const p = parent.get(id);
  const yes = (n !== undefined && root.test(label(n.callFrame))) || (p !== undefined && inRoot(p));
  underRoot.set(id, yes);
  return yes;
}

// With --exclude, samples with a frame matching it on the stack are dropped (the raw baseline, setup).
const exclude = values.exclude ? new RegExp(values.exclude) : undefined;
const excluded = new Map<number, boolean>();
function isExcluded(id: number): boolean {
  if (!exclude) return false;
  const known = excluded.get(id);
  if (known !== undefined) return known;
  const n = byId.get(id);
  const p = parent.get(id);
  const yes = (n !== undefined && exclude.test(label(n.callFrame))) || (p !== undefined && isExcluded(p));
  excluded.set(id, yes);
  return yes;
}

// Self time per node: each sample's delta is charged to the node sampled.
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  if (inRoot(id) && !isExcluded(id)) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

// Self time by function.
const selfByFn = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id);
  if (!n) continue;
  const k = label(n.callFrame);
  selfByFn.set(k, (selfByFn.get(k) ?? 0) + t);
}

// Inclusive time by function: a sample counts once per distinct function on its stack.
const inclusive = new Map<string, number>();
for (const [id, t] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (!n) break;
    const k = label(n.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + t);
  }
}

const pct = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)} %`;
const ms = (t: number) => `${(t / 1000).toFixed(0).padStart(7)} ms`;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled${root ? ` under frames matching /${root.source}/` : ''}${exclude ? `, without stacks matching /${exclude.source}/` : ''}`);
console.log(`\nself time, top ${top}:`);
for (const [k, t] of [...selfByFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)} ${ms(t)}  ${k}`);
const interesting = new RegExp(values.match ?? '(^|\\s)src/|sql-wasm|structuredClone|digest|\\(garbage collector\\)|lookupPath|FS\\.|stat|exec|prepare|export');
console.log(`\ninclusive time (functions of src/ and a few named internals), top ${top}:`);
for (const [k, t] of [...inclusive].filter(([k]) => interesting.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)} ${ms(t)}  ${k}`);

// Emscripten's file system (sql.js keeps its database and rollback journal in MEMFS): a sample
// counts if any frame on its stack is one of those functions.
let fs = 0;
for (const [id, t] of self) {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (n && FS_ROLES.test(label(n.callFrame))) {
      fs += t;
      break;
    }
  }
}
console.log(`\nEmscripten file system (MEMFS, FS.*, syscalls) on the stack: ${pct(fs)} ${ms(fs)}`);
