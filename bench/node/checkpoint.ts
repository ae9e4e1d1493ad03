/**
 * Checkpoints at ~10 and ~50 MiB (consensus-artifacts, one shared file "main"): what the engine's
 * checkpoint does — `export()` of the database, then `store.checkpoint(file, bytes, seq)` (wait for
 * the journal, list generations, hash, store the snapshot, read back and check the previous
 * generation, trim) — against a raw `export()` of a byte-identical plain sql.js database, per MiB.
 *
 * The rehearsal's own checkpoints are turned off (`checkpointEvery` 100,000) so that only the ones
 * measured run; the amortised share of a write's cost uses the default `checkpointEvery` (200)
 * and a single write measured on the same database.
 */
import { pick, type Config, type Spec } from '../lib/config.ts';
import { artifactParams, expectOk, nodeSql, open, scenario, seedArtifacts } from '../lib/engine.ts';
import { interleave, stats } from '../lib/measure.ts';
import { RawDb } from '../lib/raw.ts';
import { row, type Row } from '../lib/report.ts';
import { writeOp } from './writes.ts';

const MiB = 1024 * 1024;
/** Characters of notes per seeded artifact: rows of about 1.1 KiB. */
const PAD = 1000;
/** The default `checkpointEvery`: journal entries (writes) per checkpoint. */
const DEFAULT_CHECKPOINT_EVERY = 200;

function checkpoint(mib: number): Spec {
  return {
    id: `checkpoint.${mib}mib`,
    full: mib > 10,
    run: async (config: Config): Promise<Row[]> => {
      const s = scenario(await nodeSql(), 'consensus-artifacts', { settings: { checkpointEvery: 100_000 } });
      const o = await open(s, 'strict');
      const r = o.rehearsal;
      const db = r.database('old');
      // Rows of ~1.1 KiB plus index entries: about 880 rows a MiB.
      seedArtifacts(db, Math.round(mib * 880), PAD, true);
      // One write through the engine, so the journal has an entry after the seeded rows.
      expectOk(await r.execute('storeArtifact', artifactParams('PRE', 0)));
      await r.store.durable();
      const journal = (await r.store.describeFile('main')).journal;
      const seq = Math.max(...journal);
      const size = db.export().length / MiB;
      const raw = await RawDb.open([], db.export());
      const rounds = pick(config, 2, 7);
      let generations = 0;
      const m = await interleave(
        rounds,
        {
          block: async () => {
            const bytes = db.export();
            const info = await r.store.checkpoint('main', bytes, seq);
            if (info.bytes !== bytes.length) throw new Error('the checkpoint did not store the whole file');
            generations = info.generation;
            return bytes.length / MiB;
          },
        },
        { block: () => raw.db.export().length / MiB },
      );
      raw.close();

      // A single write on this database (no checkpoint in it), against the raw write on a copy of it, for the amortised share.
      const op = writeOp(s, 'storeArtifact');
      const raw2 = await RawDb.open([], db.export());
      const w = await interleave(
        rounds,
        {
          block: async (round) => {
            for (let i = 0; i < 100; i++) expectOk(await r.execute('storeArtifact', artifactParams(`W${round + 1}`, i)));
            return 100;
          },
        },
        {
          block: (round) => {
            for (let i = 0; i < 100; i++) raw2.transaction(op.old, artifactParams(`W${round + 1}`, i));
            return 100;
          },
        },
      );
      raw2.close();
      // µs per MiB → ms per checkpoint of this file, amortised over DEFAULT_CHECKPOINT_EVERY writes.
      const checkpointUs = m.a.median * size;
      const amortisedUs = checkpointUs / DEFAULT_CHECKPOINT_EVERY;
      const share = amortisedUs / (w.a.median + amortisedUs);
      const toMs = (x: ReturnType<typeof stats>) => stats(x.values.map((v) => v / 1000));
      return [
        row({
          id: `checkpoint.${mib}mib`,
          path: `checkpoint of a ${size.toFixed(1)} MiB file (consensus-artifacts), per MiB; amortised over ${DEFAULT_CHECKPOINT_EVERY} writes it is ${(share * 100).toFixed(1)} % of a write's cost (${(amortisedUs / 1000).toFixed(2)} ms of ${((w.a.median + amortisedUs) / 1000).toFixed(2)} ms)`,
          kind: 'cost',
          unit: 'ms/MiB',
          engine: toMs(m.a),
          raw: toMs(m.b),
          rawLabel: 'raw sql.js export() of the same bytes',
          target: '≤ 1.5× raw export; ≤ 10 % of a write’s cost amortised',
          rounds,
          check: (ratio) => (ratio === undefined ? undefined : ratio <= 1.5 && share <= 0.1),
          extra: {
            fileMiB: size,
            generationsWritten: generations,
            checkpointMs: { engine: m.a.median * size / 1000, raw: m.b.median * size / 1000 },
            writeUsAtThisSize: { engine: w.a, raw: w.b },
            amortisedCheckpointUsPerWrite: amortisedUs,
            amortisedShareOfWrite: share,
            wallUsPerMiB: { engine: m.aWall, raw: m.bWall },
          },
        }),
      ];
    },
  };
}

export const CHECKPOINT_SPECS: readonly Spec[] = [checkpoint(10), checkpoint(50)];
