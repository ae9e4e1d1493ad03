/**
 * The durable store (DESIGN.md section 5): a journal of committed transactions and checkpoint
 * snapshots per database file, over any `KeyValueBackend`. The same code runs over IndexedDB in
 * the browser and over a Map in Node, so the contract tests prove both.
 *
 * This class is the one the engine holds; the work is done in its parts:
 *   journal-writer.ts         appends, group commit, durability waits, broken files
 *   snapshot-generations.ts   checkpoints, retention and recovery
 *   snapshot-check.ts         what a snapshot or backup must pass to be trusted
 *   store-keys.ts             the key layout in the backend
 * Control state (meta) and backups, a read or a write each, live here.
 */
import type { Clock } from '../clock.ts';
import type { SqlEngine } from '../sql.ts';
import { JournalWriter, type LostAckListener } from './journal-writer.ts';
import { checkSnapshot } from './snapshot-check.ts';
import { SnapshotGenerations, type CheckpointInfo, type CheckpointStep, type RecoveredFile } from './snapshot-generations.ts';
import { listJournal, listSnapshots, StoreKeys } from './store-keys.ts';
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

export type { CheckpointInfo, CheckpointStep, LostAckListener, RecoveredFile };

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

/** A backup snapshot, stored under a name. */
export interface BackupRecord {
  readonly format: number;
  readonly checksum: string;
  readonly byteLength: number;
  readonly bytes: Uint8Array;
  /** Free-form facts about when it was taken. */
  readonly info: Readonly<Record<string, string | number>>;
}

/**
 * Journal, checkpoints and recovery for the database files of one rehearsal.
 *
 * Methods that only delegate return their part's promise as it is, never through an `async`
 * wrapper: an extra await would shift microtask order, and the simulation's seeds depend on it.
 */
export class DurableStore {
  readonly mode: DurabilityMode;
  /** Whether every write is refused with ReadOnlyError. */
  readonly readOnly: boolean;
  readonly #backend: KeyValueBackend;
  readonly #keys: StoreKeys;
  readonly #digest: Digest;
  readonly #journal: JournalWriter;
  readonly #generations: SnapshotGenerations;

  constructor(options: DurableStoreOptions) {
    this.mode = options.mode;
    this.#backend = options.backend;
    this.#keys = new StoreKeys(options.namespace);
    this.#digest = options.digest;
    this.readOnly = options.readOnly ?? false;
    this.#journal = new JournalWriter({
      backend: options.backend,
      keys: this.#keys,
      mode: options.mode,
      clock: options.clock,
      unsafeFlushDelayMs: options.unsafeFlushDelayMs ?? 50,
      groupMaxEntries: options.groupMaxEntries ?? 256,
    });
    this.#generations = new SnapshotGenerations({
      backend: options.backend,
      keys: this.#keys,
      digest: options.digest,
      durable: (file) => this.durable(file),
      onCheckpointStep: options.onCheckpointStep,
      damageSnapshot: options.damageSnapshot,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Journal

  /**
   * Appends one committed transaction. Resolves when the change may be acknowledged under this
   * store's mode; rejects with StorageError when it was not stored (strict, group).
   */
  append(file: string, entry: JournalEntry): Promise<void> {
    if (this.readOnly) return Promise.reject(new ReadOnlyError());
    return this.#journal.append(file, entry);
  }

  /** Resolves when every entry appended so far for `file` (or every file) is stored; rejects if one was not. */
  durable(file?: string): Promise<void> {
    return this.#journal.durable(file);
  }

  /** Resolves when every entry appended so far has been stored or refused. */
  settled(): Promise<void> {
    return this.#journal.settled();
  }

  /** Subscribes to acknowledged entries that could not be stored (only `unsafe-ack-first` acknowledges before storing). */
  onLostAck(listener: LostAckListener): () => void {
    return this.#journal.onLostAck(listener);
  }

  /** Whether `file` lost an entry and must be reloaded. */
  isBroken(file: string): boolean {
    return this.#journal.isBroken(file);
  }

  /** Called after the engine reloaded `file` from durable state. */
  clearBroken(file: string): void {
    this.#journal.clearBroken(file);
  }

  /** Entries appended but not yet stored. */
  get pendingEntries(): number {
    return this.#journal.pendingEntries;
  }

  /** A crash: everything not yet handed to the backend is gone. In-flight backend writes finish or not, as storage decides. */
  dispose(): void {
    this.#journal.dispose();
  }

  // -------------------------------------------------------------------------------------------
  // Checkpoints and recovery

  /**
   * Stores `bytes` (the file's state after journal entry `seq`) as a new generation, then trims
   * the journal up to the previous generation. Waits until entries up to `seq` are stored first:
   * a snapshot must never make durable a change whose append failed.
   */
  checkpoint(file: string, bytes: Uint8Array, seq: number): Promise<CheckpointInfo> {
    if (this.readOnly) return Promise.reject(new ReadOnlyError());
    return this.#generations.checkpoint(file, bytes, seq);
  }

  /**
   * Rebuilds `file`: the newest snapshot that passes every check, then the journal after it.
   * A corrupt or unreadable snapshot is skipped with a message naming what was wrong; when no
   * source can rebuild the file without losing data, throws RecoveryError and changes nothing.
   */
  recover(file: string, sql: SqlEngine): Promise<RecoveredFile> {
    return this.#generations.recover(file, sql);
  }

  /**
   * Tells the store that the stored snapshot under `key` was changed behind its back (the
   * `snapshot-corrupt` fault at rest, `corruptNewestSnapshot`): it forgets having known that
   * generation good, so the next checkpoint reads it back and falls back past it if it is damaged.
   * A store thrown away after the damage (a crash) needs no telling: recovery reads everything.
   */
  snapshotChanged(key: string): void {
    this.#generations.distrust(key);
  }

  /** Newest generation and journal length of `file`, for figures and tests. */
  async describeFile(file: string): Promise<{ generations: number[]; journal: number[] }> {
    return {
      generations: (await listSnapshots(this.#backend, this.#keys, file)).map((s) => s.generation),
      journal: (await listJournal(this.#backend, this.#keys, file)).map((j) => j.seq),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Meta and backups

  /** Reads a control-state value, or undefined. */
  async readMeta<T>(name: string): Promise<T | undefined> {
    return (await this.#backend.get(this.#keys.meta(name))) as T | undefined;
  }

  /** Stores a control-state value; resolves once durable, whatever the mode. */
  async writeMeta(name: string, value: unknown): Promise<void> {
    if (this.readOnly) throw new ReadOnlyError();
    if (this.#journal.disposed) throw new StorageError('the store was closed');
    await this.#backend.write({ set: [[this.#keys.meta(name), value]] });
  }

  /** Stores a backup of `bytes` under `name`. */
  async writeBackup(name: string, bytes: Uint8Array, info: Readonly<Record<string, string | number>>): Promise<void> {
    if (this.readOnly) throw new ReadOnlyError();
    const record: BackupRecord = { format: SNAPSHOT_FORMAT, checksum: await this.#digest(bytes), byteLength: bytes.length, bytes, info };
    await this.#backend.write({ set: [[this.#keys.backup(name), record]] });
  }

  /** Reads a backup after checking it like a snapshot; throws RecoveryError naming what is wrong. */
  async readBackup(name: string): Promise<BackupRecord> {
    const record = await this.#backend.get(this.#keys.backup(name));
    if (record === undefined) throw new RecoveryError(`there is no backup named "${name}"`, []);
    const verdict = await checkSnapshot({ ...(record as object), generation: 0 }, 0, this.#digest);
    if (verdict.problem) throw new RecoveryError(`backup "${name}" ${verdict.problem}`, [verdict.problem]);
    return record as BackupRecord;
  }

  /** Names of stored backups. */
  async listBackups(): Promise<string[]> {
    const prefix = this.#keys.backupPrefix();
    return (await this.#backend.keys(prefix)).map((k) => k.slice(prefix.length));
  }
}
