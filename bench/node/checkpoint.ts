/**
 * Checkpoints at ~10 and ~50 MiB (consensus-artifacts, one shared file "main"): what the engine's
 * checkpoint does — `export()` of the database, then `store.checkpoint(file, bytes, seq)` (wait for
 * the journal, list generations, hash, store the snapshot, find the previous generation good —
 * known from having written it, so not read back — and trim) — against a raw `export()` of a
 * byte-identical plain sql.js database, per MiB.
 *
 * The rehearsal's own checkpoints are turned off (`checkpointEvery` 100,000) so that only the ones
 * measured run. The amortised share of a write's cost divides a checkpoint by the writes between
 * two checkpoints under the default trigger (`entriesPerCheckpoint`: `checkpointEvery` 200 and,
 * for a file of 1 MiB or more, journal entries holding half the file), with the size of
 * the journal entries these writes made, and a single write measured on the same database.
 */
import { pick, type Config, type Spec } from '../lib/config.ts';
import { artifactParams, expectOk, nodeSql, open, scenario, seedArtifacts } from '../lib/engine.ts';
import { interleave, stats } from '../lib/measure.ts';
import { RawDb } from '../lib/raw.ts';
import { row, type Row } from '../lib/report.ts';
import { entriesPerCheckpoint } from '../../src/engine/checkpoints.ts';
import { journalEntryBytes } from '../../src/engine/durability/journal-size.ts';
import type { JournalEntry } from '../../src/engine/durability/types.ts';
import { writeOp } from './writes.ts';

const MiB = 1024 * 1024;
/** Characters of notes per seeded artifact: rows of about 1.1 KiB. */
const PAD = 1000;
/** The default `checkpointEvery`: the fewest journal entries (writes) between checkpoints. */
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
      // The journal entries those writes made (after `seq`: the checkpoints above trimmed up to it).
      const entries = o.backend
        .allKeys()
        .filter((k) => k.includes('/f/main/j/'))
        .map((k) => o.backend.peek(k) as JournalEntry)
        .filter((e) => e.seq > seq);
      const entryBytes = entries.reduce((n, e) => n + journalEntryBytes(e), 0) / Math.max(1, entries.length);
      const writesPerCheckpoint = entriesPerCheckpoint(size * MiB, entryBytes, DEFAULT_CHECKPOINT_EVERY);
      // µs per MiB → ms per checkpoint of this file, amortised over the writes between two checkpoints.
      const checkpointUs = m.a.median * size;
      const amortisedUs = checkpointUs / writesPerCheckpoint;
      const share = amortisedUs / (w.a.median + amortisedUs);
      const toMs = (x: ReturnType<typeof stats>) => stats(x.values.map((v) => v / 1000));
      return [
        row({
          id: `checkpoint.${mib}mib`,
          path: `checkpoint of a ${size.toFixed(1)} MiB file (consensus-artifacts), per MiB; amortised over ${writesPerCheckpoint} writes (default trigger, ${Math.round(entryBytes)} journal bytes a write) it is ${(share * 100).toFixed(1)} % of a write's cost (${(amortisedUs / 1000).toFixed(3)} ms of ${((w.a.median + amortisedUs) / 1000).toFixed(3)} ms)`,
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
            journalBytesPerWrite: entryBytes,
            writesPerCheckpoint,
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
