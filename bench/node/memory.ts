/**
 * Peak memory of the 100k backfill (consensus-artifacts, batch 50 and 5000) against the raw
 * INSERT … SELECT of the same rows, each in a child process of its own (bench/memory-child.ts).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pick, type Config, type Spec } from '../lib/config.ts';
import { stats } from '../lib/measure.ts';
import { row, type Row } from '../lib/report.ts';

interface ChildReport {
  readonly copied: number;
  readonly processMaxRssMiB: number;
  readonly peakSampled: { rssMiB: number; heapUsedMiB: number; externalAndArrayBuffersMiB: number };
  readonly beforeCopy: { rssMiB: number; heapUsedMiB: number; externalAndArrayBuffersMiB: number };
}

const child = fileURLToPath(new URL('../memory-child.ts', import.meta.url));

function runChild(mode: 'engine' | 'raw', records: number, batch: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', '--import', 'tsx', child, mode, String(records), String(batch)], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`memory-child ${mode} failed: ${error.message}\n${stderr}`));
        return;
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      const report = JSON.parse(last) as ChildReport;
      if (report.copied !== records) {
        reject(new Error(`memory-child ${mode} copied ${report.copied} of ${records}`));
        return;
      }
      resolve(report);
    });
  });
}

export const MEMORY_SPEC: Spec = {
  id: 'memory.backfill',
  run: async (config: Config): Promise<Row[]> => {
    const records = pick(config, 2_000, 100_000);
    const raw = await runChild('raw', records, 1);
    const rows: Row[] = [];
    for (const batch of pick(config, [50], [50, 5000])) {
      config.log(`  memory: engine backfill of ${records} at batch ${batch} in a child process`);
      const engine = await runChild('engine', records, batch);
      const one = (x: number) => stats([x]);
      rows.push(
        row({
          id: `memory.backfill.batch${batch}`,
          path: `peak RSS during a backfill of ${records.toLocaleString('en-US')} records (consensus-artifacts, batch ${batch}), sampled after every batch: +${Math.round(engine.peakSampled.rssMiB - engine.beforeCopy.rssMiB)} MiB over the ${engine.beforeCopy.rssMiB} MiB before it; peak heapUsed ${engine.peakSampled.heapUsedMiB} MiB, external + arrayBuffers ${engine.peakSampled.externalAndArrayBuffersMiB} MiB (stored snapshots and journal included)`,
          kind: 'info',
          unit: 'MiB',
          engine: one(engine.peakSampled.rssMiB),
          raw: one(raw.peakSampled.rssMiB),
          rawLabel: `RSS after one raw INSERT … SELECT of the same rows (+${Math.round(raw.peakSampled.rssMiB - raw.beforeCopy.rssMiB)} MiB over ${raw.beforeCopy.rssMiB} MiB)`,
          target: '— (reported, no target)',
          rounds: 1,
          notes: [`process peak RSS (maxRSS, seeding included): engine ${engine.processMaxRssMiB} MiB, raw ${raw.processMaxRssMiB} MiB.`],
          extra: { engine, raw },
        }),
      );
    }
    return rows;
  },
};
