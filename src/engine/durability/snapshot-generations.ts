/**
 * Snapshot generations of each database file: writing one (a checkpoint) and rebuilding a file
 * from the newest good one and the journal after it (recovery).
 *
 * Retention: a checkpoint trims the journal only up to the *previous* generation, so that when the
 * newest snapshot turns out corrupt, recovery falls back one generation and replays the journal
 * from there without losing a committed change.
 */
import { hasSqliteHeader, runInTransaction, type SqlDatabase, type SqlEngine } from '../sql.ts';
import { describeError } from './describe-error.ts';
import { journalEntryBytes } from './journal-size.ts';
import { checkSnapshot } from './snapshot-check.ts';
import { listJournal, listSnapshots, type SnapshotKey, type StoreKeys } from './store-keys.ts';
import { RecoveryError, SNAPSHOT_FORMAT, type Digest, type JournalEntry, type KeyValueBackend, type SnapshotRecord } from './types.ts';

/** Steps inside a checkpoint, where a crash injector may strike. */
export type CheckpointStep = 'before-snapshot' | 'snapshot-written' | 'journal-trimmed';

/** What recovery rebuilt for one file. */
export interface RecoveredFile {
  readonly db: SqlDatabase;
  /** Last journal entry applied. */
  readonly seq: number;
  /** Generation of the snapshot used, 0 when replayed from empty. */
  readonly generation: number;
  /** Journal entries replayed on top of the snapshot. */
  readonly replayed: number;
  /** Their size as `journalEntryBytes` counts it. */
  readonly replayedBytes: number;
  /** Size of the snapshot used, 0 when replayed from empty. */
  readonly fileBytes: number;
  /** True when nothing was stored yet. */
  readonly fresh: boolean;
  /** Everything found wrong and skipped, each naming what was wrong. */
  readonly problems: readonly string[];
}

/** Facts about a checkpoint just written. */
export interface CheckpointInfo {
  readonly generation: number;
  readonly seq: number;
  readonly bytes: number;
  /** Journal entries deleted because an older generation now covers them. */
  readonly trimmed: number;
}

/** What snapshot generations need. */
export interface SnapshotGenerationsOptions {
  readonly backend: KeyValueBackend;
  readonly keys: StoreKeys;
  readonly digest: Digest;
  /** Resolves when the journal entries appended so far for `file` are stored; rejects if one was not. */
  readonly durable: (file: string) => Promise<void>;
  /** Called at each checkpoint step; a crash injector throws from here. */
  readonly onCheckpointStep?: ((file: string, step: CheckpointStep) => void) | undefined;
  /** Fault injection: returns a damaged copy of a snapshot about to be written, or undefined. */
  readonly damageSnapshot?: ((record: SnapshotRecord) => SnapshotRecord | undefined) | undefined;
}

/** Checkpoints and recovery for the database files of one rehearsal. */
export class SnapshotGenerations {
  readonly #backend: KeyValueBackend;
  readonly #keys: StoreKeys;
  readonly #digest: Digest;
  readonly #durable: (file: string) => Promise<void>;
  readonly #onStep: ((file: string, step: CheckpointStep) => void) | undefined;
  readonly #damage: ((record: SnapshotRecord) => SnapshotRecord | undefined) | undefined;

  /** Generations that must never be deleted (a newer format this build does not read). */
  readonly #protected = new Set<string>();
  /** Generations recovery found damaged: never chosen as the one to fall back to. */
  readonly #bad = new Set<string>();
  /**
   * Generations known good in this incarnation, without reading them again: written here from
   * bytes hashed here (and not damaged by the fault hook), or read back and checked here (by
   * recovery, or by a checkpoint looking for one to keep). See docs/design-notes.md, "Checkpoints
   * that do not read back".
   */
  readonly #known = new Set<string>();

  constructor(options: SnapshotGenerationsOptions) {
    this.#backend = options.backend;
    this.#keys = options.keys;
    this.#digest = options.digest;
    this.#durable = options.durable;
    this.#onStep = options.onCheckpointStep;
    this.#damage = options.damageSnapshot;
  }

  /**
   * Stores `bytes` (the file's state after journal entry `seq`) as a new generation, then trims
   * the journal up to the previous generation. Waits until entries up to `seq` are stored first:
   * a snapshot must never make durable a change whose append failed.
   */
  async checkpoint(file: string, bytes: Uint8Array, seq: number): Promise<CheckpointInfo> {
    await this.#durable(file);
    this.#onStep?.(file, 'before-snapshot');
    const index = await listSnapshots(this.#backend, this.#keys, file);
    const generation = (index[0]?.generation ?? 0) + 1;
    const byteLength = bytes.length;
    const record: SnapshotRecord = {
      format: SNAPSHOT_FORMAT,
      generation,
      seq,
      // The one hash of these bytes: they are handed to the backend as they are, never copied here.
      checksum: await this.#digest(bytes),
      byteLength,
      bytes,
    };
    const key = this.#keys.snapshot(file, generation, seq);
    const damaged = this.#damage?.(record);
    await this.#backend.write({ set: [[key, damaged ?? record]] });
    // Stored as hashed, unless the fault hook damaged it: that one is read back and judged at the
    // next checkpoint like a generation this incarnation never saw.
    if (damaged === undefined) this.#known.add(key);
    this.#onStep?.(file, 'snapshot-written');

    // Keep this generation and the one before it, with the journal since the one before. Recovery
    // may have to fall back on the one before (this one may be damaged), so the journal is trimmed
    // only up to a snapshot known to be good: written or checked in this incarnation, or else read
    // back and checked now.
    const previous = await this.#newestGoodBefore(index, seq);
    const trimUpTo = previous ? previous.seq : 0;
    const deletions: string[] = [];
    if (previous) {
      for (const old of index) {
        if (old.generation >= previous.generation || this.#protected.has(old.key)) continue;
        // Recovery stops at the first good generation, so an older one of a newer format may
        // never have been looked at in this incarnation: look before deleting (one known good
        // here is of this build's format).
        if (!this.#known.has(old.key)) {
          const record = (await this.#backend.get(old.key)) as Partial<SnapshotRecord> | undefined;
          if (typeof record?.format === 'number' && record.format > SNAPSHOT_FORMAT) {
            this.#protected.add(old.key);
            continue;
          }
        }
        deletions.push(old.key);
      }
    }
    let trimmed = 0;
    for (const j of await listJournal(this.#backend, this.#keys, file)) {
      if (j.seq <= trimUpTo) {
        deletions.push(j.key);
        trimmed++;
      }
    }
    if (deletions.length > 0) {
      await this.#backend.write({ delete: deletions });
      for (const deleted of deletions) this.#known.delete(deleted);
    }
    this.#onStep?.(file, 'journal-trimmed');
    return { generation, seq, bytes: byteLength, trimmed };
  }

  /**
   * Forgets what this incarnation knew of `key` (a snapshot about to be changed behind the store's
   * back, as the `snapshot-corrupt` fault does at rest): the next checkpoint reads it back again.
   */
  distrust(key: string): void {
    this.#known.delete(key);
  }

  /** The newest generation in `index` up to `seq` that passes every check, or undefined. */
  async #newestGoodBefore(index: readonly SnapshotKey[], seq: number): Promise<SnapshotKey | undefined> {
    for (const x of index) {
      if (x.seq > seq || this.#protected.has(x.key) || this.#bad.has(x.key)) continue;
      if (this.#known.has(x.key)) return x;
      const verdict = await checkSnapshot(await this.#backend.get(x.key), x.generation, this.#digest);
      if (verdict.newerFormat) this.#protected.add(x.key);
      else if (verdict.problem) this.#bad.add(x.key);
      else {
        this.#known.add(x.key);
        return x;
      }
    }
    return undefined;
  }

  /**
   * Rebuilds `file`: the newest snapshot that passes every check, then the journal after it.
   * A corrupt or unreadable snapshot is skipped with a message naming what was wrong; when no
   * source can rebuild the file without losing data, throws RecoveryError and changes nothing.
   */
  async recover(file: string, sql: SqlEngine): Promise<RecoveredFile> {
    const problems: string[] = [];
    const snapshots = await listSnapshots(this.#backend, this.#keys, file);
    const journal = await listJournal(this.#backend, this.#keys, file);
    let base: { db: SqlDatabase; generation: number; seq: number; fileBytes: number } | undefined;

    for (const snap of snapshots) {
      const record = await this.#backend.get(snap.key);
      const verdict = await checkSnapshot(record, snap.generation, this.#digest);
      if (verdict.newerFormat) this.#protected.add(snap.key);
      else if (verdict.problem) this.#bad.add(snap.key);
      if (verdict.problem) {
        problems.push(`snapshot generation ${snap.generation} of "${file}" ${verdict.problem}`);
        continue;
      }
      const bytes = (record as SnapshotRecord).bytes;
      // Its checksum matched: these are the very bytes a checkpoint exported and hashed, from a
      // database that was serving reads and writes. A `PRAGMA integrity_check` (a read of every
      // page, a third of recovery's checking time) is not run on them: all the damage storage and
      // the faults do comes after hashing and the checksum catches it, including a flipped bit in
      // a stored value that integrity_check passes; what integrity_check alone could catch is
      // sql.js exporting a malformed file from a working database. Reading the schema makes sure
      // `open` has read the file (the port promises nothing about when it does), so one that
      // cannot be read is passed over here (and recovery falls back a generation) instead of
      // failing the first replayed entry. See docs/design-notes.md, "Checkpoints that do not
      // read back".
      let db: SqlDatabase | undefined;
      try {
        db = sql.open(bytes);
        db.query('SELECT count(*) AS n FROM sqlite_master');
        this.#known.add(snap.key);
        base = { db, generation: snap.generation, seq: snap.seq, fileBytes: bytes.length };
        break;
      } catch (error) {
        db?.close();
        this.#bad.add(snap.key);
        problems.push(`snapshot generation ${snap.generation} of "${file}" could not be opened: ${describeError(error)}`);
      }
    }

    const fresh = snapshots.length === 0 && journal.length === 0;
    if (!base) {
      // Without a snapshot, only a journal that starts at entry 1 rebuilds the file.
      const startsAtOne = journal.length === 0 ? snapshots.length === 0 : journal[0]?.seq === 1;
      if (!startsAtOne) {
        throw new RecoveryError(
          `cannot rebuild "${file}": no snapshot passed its checks and the journal starts at entry ${journal[0]?.seq ?? 'none'}; nothing was changed`,
          problems,
        );
      }
      base = { db: sql.open(), generation: 0, seq: 0, fileBytes: 0 };
    }

    let seq = base.seq;
    let replayed = 0;
    let replayedBytes = 0;
    try {
      for (const j of journal) {
        if (j.seq <= seq) continue;
        if (j.seq !== seq + 1) {
          throw new RecoveryError(`cannot rebuild "${file}": the journal jumps from entry ${seq} to ${j.seq}`, problems);
        }
        const entry = (await this.#backend.get(j.key)) as JournalEntry | undefined;
        if (!entry || !Array.isArray(entry.statements) || entry.seq !== j.seq) {
          throw new RecoveryError(`cannot rebuild "${file}": journal entry ${j.seq} is unreadable`, problems);
        }
        try {
          if (entry.image !== undefined) {
            // A restore: the entry holds the whole database it replaced the file with.
            if (!(entry.image instanceof Uint8Array) || !hasSqliteHeader(entry.image)) throw new Error('the restored image is not a SQLite database');
            const restored = sql.open(entry.image);
            base.db.close();
            base = { ...base, db: restored };
          } else runInTransaction(base.db, entry.statements);
          replayedBytes += journalEntryBytes(entry);
        } catch (error) {
          throw new RecoveryError(`cannot rebuild "${file}": journal entry ${j.seq} failed to replay: ${describeError(error)}`, problems);
        }
        seq = j.seq;
        replayed++;
      }
    } catch (error) {
      base.db.close();
      throw error;
    }
    if (problems.length > 0) {
      problems.push(
        base.generation > 0
          ? `recovered "${file}" from snapshot generation ${base.generation} and ${replayed} journal entries`
          : `recovered "${file}" by replaying ${replayed} journal entries from the start`,
      );
    }
    // A broken file stays broken until the caller has swapped the rebuilt database in
    // (clearBroken): a commit in between would run on the stale one.
    return { db: base.db, seq, generation: base.generation, replayed, replayedBytes, fileBytes: base.fileBytes, fresh, problems };
  }
}
