/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and prints where the time went: the functions with
 * the most self time, and inclusive time per function of src/ (and of a few sql.js / Emscripten
 * and Node internals worth naming), as shares of the profile's total.
 *
 *   node --expose-gc --cpu-prof --cpu-prof-dir=bench/profiles --import tsx bench/run.ts --node-only --only <row>
 *   node --import tsx bench/profile-summary.ts bench/profiles/<file>.cpuprofile [--top 30] [--match <regex>]
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

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '30' }, match: { type: 'string' } }, allowPositionals: true });
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

// Self time per node: each sample's delta is charged to the node sampled.
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const short = (url: string) => url.replace(/^file:\/\/.*?\/(src|bench|node_modules)\//, '$1/').replace(/^node:/, 'node:');
const label = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${f.url ? `${short(f.url)}:${f.lineNumber + 1}` : ''}`.trim();

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
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
console.log(`\nself time, top ${top}:`);
for (const [k, t] of [...selfByFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)} ${ms(t)}  ${k}`);
const interesting = new RegExp(values.match ?? '(^|\\s)src/|sql-wasm|structuredClone|digest|\\(garbage collector\\)|lookupPath|FS\\.|stat|exec|prepare|export');
console.log(`\ninclusive time (functions of src/ and a few named internals), top ${top}:`);
for (const [k, t] of [...inclusive].filter(([k]) => interesting.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)} ${ms(t)}  ${k}`);
