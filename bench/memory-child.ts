/**
 * Peak memory of one backfill, in a process of its own so that nothing else measured before counts:
 *
 *   node --expose-gc --import tsx bench/memory-child.ts engine|raw <records> <batch>
 *
 * `engine`: a consensus-artifacts rehearsal in dual-write with <records> artifacts on old, backfilled
 * at <batch>, memory sampled after every batch. `raw`: the same rows copied by one INSERT … SELECT.
 * Prints one JSON line: the highest rss / heapUsed / external + arrayBuffers sampled during the copy
 * (sql.js's WebAssembly memory is an ArrayBuffer; the raw copy is one statement, so it is sampled
 * only before and after), the same before the copy, and the peak RSS of the whole process
 * (`process.resourceUsage().maxRSS`), which may have been reached while seeding.
 */
import { nodeSql, scenario } from './lib/engine.ts';
import { collectGarbage } from './lib/measure.ts';
import { artifactsRehearsal, engineBackfill, rawArtifacts, rawArtifactsBackfill } from './node/backfill.ts';

const [mode, recordsArg, batchArg] = process.argv.slice(2);
const records = Number(recordsArg);
const batch = Number(batchArg);
if ((mode !== 'engine' && mode !== 'raw') || !(records > 0) || !(batch > 0)) {
  console.error('usage: memory-child.ts engine|raw <records> <batch>');
  process.exit(2);
}

const MiB = 1024 * 1024;
const peak = { rss: 0, heapUsed: 0, external: 0 };
function sample(): void {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
  peak.external = Math.max(peak.external, m.external + m.arrayBuffers);
}

const s = scenario(await nodeSql(), 'consensus-artifacts');
let copied: number;
let before: NodeJS.MemoryUsage;
if (mode === 'engine') {
  const o = await artifactsRehearsal(s, records);
  collectGarbage();
  before = process.memoryUsage();
  sample();
  copied = await engineBackfill(o, batch, records, sample);
} else {
  const raw = await rawArtifacts(s, records);
  collectGarbage();
  before = process.memoryUsage();
  sample();
  copied = rawArtifactsBackfill(raw);
}
sample();
const mib = (n: number) => Math.round((n / MiB) * 10) / 10;
console.log(
  JSON.stringify({
    mode,
    records,
    batch,
    copied,
    processMaxRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    peakSampled: { rssMiB: mib(peak.rss), heapUsedMiB: mib(peak.heapUsed), externalAndArrayBuffersMiB: mib(peak.external) },
    beforeCopy: { rssMiB: mib(before.rss), heapUsedMiB: mib(before.heapUsed), externalAndArrayBuffersMiB: mib(before.external + before.arrayBuffers) },
  }),
);
