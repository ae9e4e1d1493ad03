/**
 * 64 operations in flight, in Node on the MemoryBackend (memory, not IndexedDB: the IndexedDB
 * figure is the page part, bench/idb-group.bench.test.ts): consensus-artifacts storeArtifact in
 * old-only, 64 `execute` calls started together, 8 such batches a round on a fresh rehearsal,
 * then `store.settled()` (so unsafe-ack-first pays for its storage inside the round too).
 *
 * The baseline is the floor under any journaled write: raw sql.js running the same statements
 * one transaction each, and one batched `MemoryBackend.write` of the 64 journal entries.
 */
import type { DurabilityMode } from '../../src/engine/durability/types.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { pick, type Config, type Spec } from '../lib/config.ts';
import { artifactParams, expectOk, nodeSql, open, scenario, type Opened } from '../lib/engine.ts';
import { interleave, perSecond } from '../lib/measure.ts';
import { bindFor, type RawDb } from '../lib/raw.ts';
import { row, type Row } from '../lib/report.ts';
import { rawFor, writeOp } from './writes.ts';

const IN_FLIGHT = 64;
const BATCHES = 8;

function inflight(mode: DurabilityMode): Spec {
  return {
    id: `inflight64.${mode}`,
    run: async (config: Config): Promise<Row[]> => {
      const s = scenario(await nodeSql(), 'consensus-artifacts');
      const op = writeOp(s, 'storeArtifact');
      const rounds = pick(config, 3, 9);
      let engine: Opened | undefined;
      let raw: RawDb | undefined;
      let backend: MemoryBackend | undefined;
      const m = await interleave(
        rounds,
        {
          setup: async () => {
            engine = await open(s, mode);
          },
          block: async (round) => {
            const r = (engine as Opened).rehearsal;
            for (let b = 0; b < BATCHES; b++) {
              const results = await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => r.execute('storeArtifact', artifactParams(`E${round + 1}`, b * IN_FLIGHT + i))));
              results.forEach(expectOk);
            }
            await r.store.settled();
            return BATCHES * IN_FLIGHT;
          },
        },
        {
          setup: async () => {
            raw?.close();
            raw = await rawFor(s);
            backend = new MemoryBackend();
          },
          block: async (round) => {
            let seq = 0;
            for (let b = 0; b < BATCHES; b++) {
              const entries: [string, unknown][] = [];
              for (let i = 0; i < IN_FLIGHT; i++) {
                const params = artifactParams(`E${round + 1}`, b * IN_FLIGHT + i);
                (raw as RawDb).transaction(op.old, params);
                seq++;
                entries.push([`journal/main/${String(seq).padStart(12, '0')}`, { seq, statements: op.old.map((sql) => ({ sql, params: bindFor(sql, params) })) }]);
              }
              await (backend as MemoryBackend).write({ set: entries });
            }
            return BATCHES * IN_FLIGHT;
          },
        },
      );
      raw?.close();
      return [
        row({
          id: `inflight64.${mode}`,
          path: `${IN_FLIGHT} writes in flight (storeArtifact, old-only, consensus-artifacts), ${mode}, Node on MemoryBackend — memory, not IndexedDB`,
          kind: 'throughput',
          unit: 'ops/s',
          engine: perSecond(m.a),
          raw: perSecond(m.b),
          rawLabel: `raw sql.js transactions + one batched MemoryBackend.write per ${IN_FLIGHT}`,
          target: '— (the IndexedDB target, ≥ 0.9× raw batched and ≥ 5,000/s in group, is the page row)',
          rounds,
          extra: { cpuUsPerOp: { engine: m.a, raw: m.b }, wallUsPerOp: { engine: m.aWall, raw: m.bWall } },
        }),
      ];
    },
  };
}

export const INFLIGHT_SPECS: readonly Spec[] = (['strict', 'group', 'unsafe-ack-first'] as const).map(inflight);
