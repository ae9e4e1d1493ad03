/**
 * Reads in `read-new` (job-keys getJob): a hit on new against a direct raw read of new, and a
 * fallback to old against a raw miss on new then the read on old. The raw databases are byte
 * copies of the engine's (export, then opened in raw sql.js), so both read the same rows.
 */
import type { ReadOperation } from '../../src/engine/scenario/format.ts';
import { pick, type Config, type Spec } from '../lib/config.ts';
import { enqueueParams, expectOk, forceTo, getJobParams, nodeSql, open, scenario, type Opened } from '../lib/engine.ts';
import { interleave } from '../lib/measure.ts';
import { RawDb } from '../lib/raw.ts';
import { row, type Row } from '../lib/report.ts';

/** Records of each kind: written in old-only (only old has them) and in dual-write (both sides have them). */
const FULL_RECORDS = 500;
let RECORDS = FULL_RECORDS;

interface Rig {
  readonly engine: Opened;
  readonly read: ReadOperation;
  readonly rawOld: RawDb;
  readonly rawNew: RawDb;
}

let rig: Promise<Rig> | undefined;

/** One rehearsal in read-new holding RECORDS old-only jobs ("old-…") and RECORDS jobs on both sides ("both-…"). */
function readRig(config: Config): Promise<Rig> {
  RECORDS = pick(config, 200, FULL_RECORDS);
  rig ??= (async () => {
    const s = scenario(await nodeSql(), 'job-keys');
    const read = s.operations.getJob;
    if (read?.kind !== 'read') throw new Error('job-keys: getJob is not a read');
    const engine = await open(s, 'strict');
    const r = engine.rehearsal;
    for (let i = 0; i < RECORDS; i++) expectOk(await r.execute('enqueue', enqueueParams(`old-${i}`, i)));
    await forceTo(r, 'dual-write');
    for (let i = 0; i < RECORDS; i++) expectOk(await r.execute('enqueue', enqueueParams(`both-${i}`, i)));
    await forceTo(r, 'read-new');
    await r.store.settled();
    const rawOld = await RawDb.open([], r.database('old').export());
    const rawNew = await RawDb.open([], r.database('new').export());
    return { engine, read, rawOld, rawNew };
  })();
  return rig;
}

function readSpec(kind: 'hit' | 'fallback'): Spec {
  return {
    id: `read.read-new.${kind}`,
    run: async (config: Config): Promise<Row[]> => {
      const { engine, read, rawOld, rawNew } = await readRig(config);
      const r = engine.rehearsal;
      const prefix = kind === 'hit' ? 'both' : 'old';
      const ops = pick(config, 400, 1000);
      const rounds = pick(config, 3, 9);
      const m = await interleave(
        rounds,
        {
          block: async () => {
            for (let i = 0; i < ops; i++) {
              const n = i % RECORDS;
              const result = expectOk(await r.execute('getJob', getJobParams(`${prefix}-${n}`, n)));
              const wantSide = kind === 'hit' ? 'new' : 'old';
              if (result.servedBy !== wantSide || result.rows?.length !== 1) throw new Error(`getJob ${prefix}-${n} was served by ${result.servedBy} with ${result.rows?.length} rows`);
            }
            return ops;
          },
        },
        {
          block: () => {
            for (let i = 0; i < ops; i++) {
              const n = i % RECORDS;
              const params = getJobParams(`${prefix}-${n}`, n);
              let rows = rawNew.query(read.new, params);
              if (kind === 'fallback') {
                if (rows.length !== 0) throw new Error('raw: an old-only job was found on new');
                rows = rawOld.query(read.old, params);
              }
              if (rows.length !== 1) throw new Error(`raw: ${prefix}-${n} not found`);
            }
            return ops;
          },
        },
      );
      return [
        row({
          id: `read.read-new.${kind}`,
          path:
            kind === 'hit'
              ? `read (getJob) in read-new, job-keys, hit on new (${RECORDS} records on each side)`
              : `read (getJob) in read-new, job-keys, miss on new and fallback to old (${RECORDS} old-only records)`,
          kind: 'cost',
          unit: 'µs/op',
          engine: m.a,
          raw: m.b,
          rawLabel: kind === 'hit' ? 'raw sql.js: the read on new' : 'raw sql.js: the read on new (miss), then on old',
          target: kind === 'hit' ? '≤ 1.2×' : '≤ 1.3× raw miss-then-read',
          rounds,
          check: (ratio) => (ratio === undefined ? undefined : ratio <= (kind === 'hit' ? 1.2 : 1.3)),
          extra: { wallUsPerOp: { engine: m.aWall, raw: m.bWall } },
        }),
      ];
    },
  };
}

export const READ_SPECS: readonly Spec[] = [readSpec('hit'), readSpec('fallback')];
