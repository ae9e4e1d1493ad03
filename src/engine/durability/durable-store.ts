/**
 * The durable store (DESIGN.md section 5): a journal of committed transactions and checkpoint
 * snapshots per database file, over any `KeyValueBackend`. The same code runs over IndexedDB in
 * the browser and over a Map in Node, so the contract tests prove both.
 *
 * Keys, under the rehearsal's namespace:
 *   f/<file>/j/<seq>            journal entry
 *   f/<file>/s/<gen>-<seq>      snapshot generation <gen>, covering the journal up to <seq>
 *   meta/<name>                 control state (phase, settings, cursors)
 *   backup/<name>               backups taken before dropping the old schema
 *
 * Retention: a checkpoint trims the journal only up to the *previous* generation, so that when the
 * newest snapshot turns out corrupt, recovery falls back one generation and replays the journal
 * from there without losing a committed change.
 */
import type { Clock } from '../clock.ts';
import { hasSqliteHeader, runInTransaction, type SqlDatabase, type SqlEngine } from '../sql.ts';
import {
  ReadOnlyError,
  RecoveryError,
  SNAPSHOT_FORMAT,
  StorageError,
  type Digest,
  type DurabilityMode,
  type JournalEntry,
  type KeyValueBackend,
  type SnapshotRecord,
} from './types.ts';

/** Steps inside a checkpoint, where a crash injector may strike. */
export type CheckpointStep = 'before-snapshot' | 'snapshot-written' | 'journal-trimmed';

/** How to build a durable store. */
export interface DurableStoreOptions {
  readonly backend: KeyValueBackend;
  /** Prefix of every key: one rehearsal's space. */
  readonly namespace: string;
  readonly mode: DurabilityMode;
  readonly digest: Digest;
  readonly clock: Clock;
  /** How long `unsafe-ack-first` waits before storing acknowledged entries (default 50 ms). */
  readonly unsafeFlushDelayMs?: number;
  /** Largest group commit (default 256 entries). */
  readonly groupMaxEntries?: number;
  /** Called at each checkpoint step; a crash injector throws from here. */
  readonly onCheckpointStep?: (file: string, step: CheckpointStep) => void;
  /** Refuse every write (a second tab while another holds the writer lock). */
  readonly readOnly?: boolean;
  /** Fault injection: returns a damaged copy of a snapshot about to be written, or undefined. */
  readonly damageSnapshot?: (record: SnapshotRecord) => SnapshotRecord | undefined;
}

/** What recovery rebuilt for one file. */
export interface RecoveredFile {
  readonly db: SqlDatabase;
  /** Last journal entry applied. */
  readonly seq: number;
  /** Generation of the snapshot used, 0 when replayed from empty. */
  readonly generation: number;
  /** Journal entries replayed on top of the snapshot. */
  readonly replayed: number;
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

/** A backup snapshot, stored under a name. */
export interface BackupRecord {
  readonly format: number;
  readonly checksum: string;
  readonly byteLength: number;
  readonly bytes: Uint8Array;
  /** Free-form facts about when it was taken. */
  readonly info: Readonly<Record<string, string | number>>;
}

interface Pending {
  readonly file: string;
  readonly entry: JournalEntry;
  readonly resolve: () => void;
  readonly reject: (error: StorageError) => void;
}

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: StorageError) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: StorageError) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Storage-level listener for writes that were acknowledged and then could not be stored (unsafe mode). */
export type LostAckListener = (file: string, seqs: readonly number[], error: StorageError) => void;

/** Journal, checkpoints and recovery for the database files of one rehearsal. */
export class DurableStore {
  readonly mode: DurabilityMode;
  /** Whether every write is refused with ReadOnlyError. */
  readonly readOnly: boolean;
  readonly #backend: KeyValueBackend;
  readonly #ns: string;
  readonly #digest: Digest;
  readonly #clock: Clock;
  readonly #flushDelay: number;
  readonly #groupMax: number;
  readonly #onStep: ((file: string, step: CheckpointStep) => void) | undefined;
  readonly #damage: ((record: SnapshotRecord) => SnapshotRecord | undefined) | undefined;

  #queue: Pending[] = [];
  #inFlight = false;
  #cancelTimer: (() => void) | undefined;
  #disposed = false;
  /** Files whose journal lost an entry: nothing more is appended until the engine reloads them. */
  readonly #broken = new Map<string, StorageError>();
  /** Durability of the last entry appended per file (settles, never rejects). */
  readonly #lastSettled = new Map<string, Promise<void>>();
  /** Durability of the last entry appended per file (rejects if it was not stored). */
  readonly #lastDurable = new Map<string, Promise<void>>();
  /** Generations that must never be deleted (a newer format this build does not read). */
  readonly #protected = new Set<string>();
  /** Generations recovery found damaged: never chosen as the one to fall back to. */
  readonly #bad = new Set<string>();
  readonly #lostAckListeners = new Set<LostAckListener>();

  constructor(options: DurableStoreOptions) {
    this.mode = options.mode;
    this.#backend = options.backend;
    this.#ns = options.namespace;
    this.#digest = options.digest;
    this.#clock = options.clock;
    this.#flushDelay = options.unsafeFlushDelayMs ?? 50;
    this.#groupMax = options.groupMaxEntries ?? 256;
    this.#onStep = options.onCheckpointStep;
    this.#damage = options.damageSnapshot;
    this.readOnly = options.readOnly ?? false;
  }

  // -------------------------------------------------------------------------------------------
  // Journal

  /**
   * Appends one committed transaction. Resolves when the change may be acknowledged under this
   * store's mode; rejects with StorageError when it was not stored (strict, group).
   */
  append(file: string, entry: JournalEntry): Promise<void> {
    if (this.readOnly) return Promise.reject(new ReadOnlyError());
    if (this.#disposed) return Promise.reject(new StorageError('the store was closed'));
    const broken = this.#broken.get(file);
    if (broken) return Promise.reject(new StorageError(`the journal of "${file}" lost an entry (${broken.message}); recover it first`, broken));
    const d = deferred();
    this.#queue.push({ file, entry, resolve: d.resolve, reject: d.reject });
    const settled = d.promise.then(
      () => undefined,
      () => undefined,
    );
    this.#lastSettled.set(file, settled);
    this.#lastDurable.set(file, d.promise);
    if (this.mode === 'unsafe-ack-first') {
      d.promise.catch((error: StorageError) => {
        for (const listener of this.#lostAckListeners) listener(file, [entry.seq], error);
      });
      this.#cancelTimer ??= this.#clock.setTimer(this.#flushDelay, () => {
        this.#cancelTimer = undefined;
        this.#pump();
      });
      return Promise.resolve();
    }
    this.#pump();
    return d.promise;
  }

  /** Resolves when every entry appended so far for `file` (or every file) is stored; rejects if one was not. */
  async durable(file?: string): Promise<void> {
    if (this.mode === 'unsafe-ack-first') this.#flushSoon();
    if (file !== undefined) {
      await this.#lastDurable.get(file);
      return;
    }
    await Promise.all(this.#lastDurable.values());
  }

  /** Resolves when every entry appended so far has been stored or refused. */
  async settled(): Promise<void> {
    if (this.mode === 'unsafe-ack-first') this.#flushSoon();
    await Promise.all(this.#lastSettled.values());
  }

  /** Subscribes to acknowledged entries that could not be stored (only `unsafe-ack-first` acknowledges before storing). */
  onLostAck(listener: LostAckListener): () => void {
    this.#lostAckListeners.add(listener);
    return () => this.#lostAckListeners.delete(listener);
  }

  /** Whether `file` lost an entry and must be reloaded. */
  isBroken(file: string): boolean {
    return this.#broken.has(file);
  }

  /** Called after the engine reloaded `file` from durable state. */
  clearBroken(file: string): void {
    this.#broken.delete(file);
    this.#lastDurable.delete(file);
    this.#lastSettled.delete(file);
  }

  /** Entries appended but not yet stored. */
  get pendingEntries(): number {
    return this.#queue.length;
  }

  /** A crash: everything not yet handed to the backend is gone. In-flight backend writes finish or not, as storage decides. */
  dispose(): void {
    this.#disposed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    // Whoever waits for these entries must wake up: they will never be stored.
    const lost = this.#queue;
    this.#queue = [];
    for (const p of lost) p.reject(new StorageError('the store was closed before this entry was stored'));
  }

  #flushSoon(): void {
    if (this.#cancelTimer) {
      this.#cancelTimer();
      this.#cancelTimer = undefined;
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#inFlight || this.#queue.length === 0 || this.#disposed) return;
    const take = this.mode === 'strict' ? 1 : this.#groupMax;
    const batch = this.#queue.splice(0, take);
    this.#inFlight = true;
    const keys = batch.map((p) => [this.#journalKey(p.file, p.entry.seq), p.entry] as const);
    this.#backend.write({ set: keys }).then(
      () => {
        this.#inFlight = false;
        for (const p of batch) p.resolve();
        this.#pump();
      },
      (cause: unknown) => {
        this.#inFlight = false;
        const error = cause instanceof StorageError ? cause : new StorageError(`storage refused the write: ${describeError(cause)}`, cause);
        const files = new Set(batch.map((p) => p.file));
        for (const f of files) this.#broken.set(f, error);
        // Later entries of these files would leave a gap in the journal: refuse them too.
        const refused = [...batch, ...this.#queue.filter((p) => files.has(p.file))];
        this.#queue = this.#queue.filter((p) => !files.has(p.file));
        for (const p of refused) p.reject(error);
        this.#pump();
      },
    );
  }

  #journalKey(file: string, seq: number): string {
    return `${this.#ns}/f/${file}/j/${pad(seq, 12)}`;
  }

  #snapshotKey(file: string, generation: number, seq: number): string {
    return `${this.#ns}/f/${file}/s/${pad(generation, 8)}-${pad(seq, 12)}`;
  }

  async #snapshotIndex(file: string): Promise<{ key: string; generation: number; seq: number }[]> {
    const prefix = `${this.#ns}/f/${file}/s/`;
    const keys = await this.#backend.keys(prefix);
    return keys
      .map((key) => {
        const [g, s] = key.slice(prefix.length).split('-');
        return { key, generation: Number(g), seq: Number(s) };
      })
      .filter((x) => Number.isInteger(x.generation) && Number.isInteger(x.seq))
      .sort((a, b) => b.generation - a.generation);
  }

  async #journalIndex(file: string): Promise<{ key: string; seq: number }[]> {
    const prefix = `${this.#ns}/f/${file}/j/`;
    const keys = await this.#backend.keys(prefix);
    return keys.map((key) => ({ key, seq: Number(key.slice(prefix.length)) })).filter((x) => Number.isInteger(x.seq)).sort((a, b) => a.seq - b.seq);
  }

  // -------------------------------------------------------------------------------------------
  // Checkpoints

  /**
   * Stores `bytes` (the file's state after journal entry `seq`) as a new generation, then trims
   * the journal up to the previous generation. Waits until entries up to `seq` are stored first:
   * a snapshot must never make durable a change whose append failed.
   */
  async checkpoint(file: string, bytes: Uint8Array, seq: number): Promise<CheckpointInfo> {
    if (this.readOnly) throw new ReadOnlyError();
    await this.durable(file);
    this.#onStep?.(file, 'before-snapshot');
    const index = await this.#snapshotIndex(file);
    const generation = (index[0]?.generation ?? 0) + 1;
    const record: SnapshotRecord = {
      format: SNAPSHOT_FORMAT,
      generation,
      seq,
      checksum: await this.#digest(bytes),
      byteLength: bytes.length,
      bytes,
    };
    await this.#backend.write({ set: [[this.#snapshotKey(file, generation, seq), this.#damage?.(record) ?? record]] });
    this.#onStep?.(file, 'snapshot-written');

    // Keep this generation and the one before it, with the journal since the one before. The one
    // before is read back and checked first: recovery may have to fall back on it (this one may
    // have been written damaged), so the journal is trimmed only up to a snapshot known to be good.
    const previous = await this.#newestGoodBefore(index, seq);
    const trimUpTo = previous ? previous.seq : 0;
    const deletions: string[] = [];
    if (previous) {
      for (const old of index) {
        if (old.generation >= previous.generation || this.#protected.has(old.key)) continue;
        // Recovery stops at the first good generation, so an older one of a newer format may
        // never have been looked at in this incarnation: look before deleting.
        const record = (await this.#backend.get(old.key)) as Partial<SnapshotRecord> | undefined;
        if (typeof record?.format === 'number' && record.format > SNAPSHOT_FORMAT) {
          this.#protected.add(old.key);
          continue;
        }
        deletions.push(old.key);
      }
    }
    let trimmed = 0;
    for (const j of await this.#journalIndex(file)) {
      if (j.seq <= trimUpTo) {
        deletions.push(j.key);
        trimmed++;
      }
    }
    if (deletions.length > 0) await this.#backend.write({ delete: deletions });
    this.#onStep?.(file, 'journal-trimmed');
    return { generation, seq, bytes: bytes.length, trimmed };
  }

  /** The newest generation in `index` up to `seq` that passes every check, or undefined. */
  async #newestGoodBefore(index: readonly { key: string; generation: number; seq: number }[], seq: number): Promise<{ key: string; generation: number; seq: number } | undefined> {
    for (const x of index) {
      if (x.seq > seq || this.#protected.has(x.key) || this.#bad.has(x.key)) continue;
      const verdict = await this.#checkSnapshot(await this.#backend.get(x.key), x.generation);
      if (verdict.newerFormat) this.#protected.add(x.key);
      else if (verdict.problem) this.#bad.add(x.key);
      else return x;
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Recovery

  /**
   * Rebuilds `file`: the newest snapshot that passes every check, then the journal after it.
   * A corrupt or unreadable snapshot is skipped with a message naming what was wrong; when no
   * source can rebuild the file without losing data, throws RecoveryError and changes nothing.
   */
  async recover(file: string, sql: SqlEngine): Promise<RecoveredFile> {
    const problems: string[] = [];
    const snapshots = await this.#snapshotIndex(file);
    const journal = await this.#journalIndex(file);
    let base: { db: SqlDatabase; generation: number; seq: number } | undefined;

    for (const snap of snapshots) {
      const record = await this.#backend.get(snap.key);
      const verdict = await this.#checkSnapshot(record, snap.generation);
      if (verdict.newerFormat) this.#protected.add(snap.key);
      else if (verdict.problem) this.#bad.add(snap.key);
      if (verdict.problem) {
        problems.push(`snapshot generation ${snap.generation} of "${file}" ${verdict.problem}`);
        continue;
      }
      const bytes = (record as SnapshotRecord).bytes;
      try {
        const db = sql.open(bytes);
        const check = db.query('PRAGMA integrity_check');
        const first = check[0] ? Object.values(check[0])[0] : undefined;
        if (first !== 'ok') {
          db.close();
          this.#bad.add(snap.key);
          problems.push(`snapshot generation ${snap.generation} of "${file}" failed PRAGMA integrity_check: ${String(first)}`);
          continue;
        }
        base = { db, generation: snap.generation, seq: snap.seq };
        break;
      } catch (error) {
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
      base = { db: sql.open(), generation: 0, seq: 0 };
    }

    let seq = base.seq;
    let replayed = 0;
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
    return { db: base.db, seq, generation: base.generation, replayed, fresh, problems };
  }

  async #checkSnapshot(record: unknown, generation: number): Promise<{ problem?: string; newerFormat?: boolean }> {
    if (typeof record !== 'object' || record === null) return { problem: 'is missing or unreadable' };
    const r = record as Partial<SnapshotRecord>;
    if (typeof r.format !== 'number') return { problem: 'has no format version' };
    if (r.format > SNAPSHOT_FORMAT) {
      return { problem: `was written in snapshot format ${r.format}, newer than this build reads (${SNAPSHOT_FORMAT}); it is kept untouched`, newerFormat: true };
    }
    if (r.generation !== generation) return { problem: `says it is generation ${String(r.generation)}` };
    if (!(r.bytes instanceof Uint8Array)) return { problem: 'holds no bytes' };
    if (r.bytes.length === 0) return { problem: 'is empty (0 bytes)' };
    if (typeof r.byteLength === 'number' && r.bytes.length < r.byteLength) return { problem: `is truncated: ${r.bytes.length} of ${r.byteLength} bytes` };
    if (!hasSqliteHeader(r.bytes)) return { problem: 'is not a SQLite database (no SQLite header)' };
    if (typeof r.checksum !== 'string' || (await this.#digest(r.bytes)) !== r.checksum) return { problem: 'failed its SHA-256 checksum (bits flipped)' };
    return {};
  }

  // -------------------------------------------------------------------------------------------
  // Meta and backups

  /** Reads a control-state value, or undefined. */
  async readMeta<T>(name: string): Promise<T | undefined> {
    return (await this.#backend.get(`${this.#ns}/meta/${name}`)) as T | undefined;
  }

  /** Stores a control-state value; resolves once durable, whatever the mode. */
  async writeMeta(name: string, value: unknown): Promise<void> {
    if (this.readOnly) throw new ReadOnlyError();
    if (this.#disposed) throw new StorageError('the store was closed');
    await this.#backend.write({ set: [[`${this.#ns}/meta/${name}`, value]] });
  }

  /** Stores a backup of `bytes` under `name`. */
  async writeBackup(name: string, bytes: Uint8Array, info: Readonly<Record<string, string | number>>): Promise<void> {
    if (this.readOnly) throw new ReadOnlyError();
    const record: BackupRecord = { format: SNAPSHOT_FORMAT, checksum: await this.#digest(bytes), byteLength: bytes.length, bytes, info };
    await this.#backend.write({ set: [[`${this.#ns}/backup/${name}`, record]] });
  }

  /** Reads a backup after checking it like a snapshot; throws RecoveryError naming what is wrong. */
  async readBackup(name: string): Promise<BackupRecord> {
    const record = await this.#backend.get(`${this.#ns}/backup/${name}`);
    if (record === undefined) throw new RecoveryError(`there is no backup named "${name}"`, []);
    const verdict = await this.#checkSnapshot({ ...(record as object), generation: 0 }, 0);
    if (verdict.problem) throw new RecoveryError(`backup "${name}" ${verdict.problem}`, [verdict.problem]);
    return record as BackupRecord;
  }

  /** Names of stored backups. */
  async listBackups(): Promise<string[]> {
    const prefix = `${this.#ns}/backup/`;
    return (await this.#backend.keys(prefix)).map((k) => k.slice(prefix.length));
  }

  /** Newest generation and journal length of `file`, for figures and tests. */
  async describeFile(file: string): Promise<{ generations: number[]; journal: number[] }> {
    return {
      generations: (await this.#snapshotIndex(file)).map((s) => s.generation),
      journal: (await this.#journalIndex(file)).map((j) => j.seq),
    };
  }

}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
