/** Types of the durable store (DESIGN.md section 5): journal entries, snapshots, the key-value backend port. */
import type { BoundStatement } from '../sql.ts';

/**
 * When a committed change may be acknowledged.
 * - `strict`: after its journal entry is stored (one backend transaction per entry).
 * - `group`: after the batch holding its entry is stored (group commit).
 * - `unsafe-ack-first`: at once; the entry is stored later — a crash in between loses an acknowledged write.
 */
export const DURABILITY_MODES = ['strict', 'group', 'unsafe-ack-first'] as const;
export type DurabilityMode = (typeof DURABILITY_MODES)[number];

/** One committed transaction of one database file, replayable in order. */
export interface JournalEntry {
  /** 1, 2, 3… per file, without gaps. */
  readonly seq: number;
  /** The statements of the transaction, with their parameters. */
  readonly statements: readonly BoundStatement[];
  /**
   * The whole database the file was replaced with (restoring a backup); `statements` is then
   * empty. Journaled, so the restore is as durable as any write, whatever happens to snapshots.
   */
  readonly image?: Uint8Array;
}

/** The snapshot format this build writes and reads. */
export const SNAPSHOT_FORMAT = 1;

/** A checkpoint of one database file: `export()` bytes with what it takes to trust them. */
export interface SnapshotRecord {
  /** Format version; a newer one is refused and left untouched. */
  readonly format: number;
  /** 1, 2, 3… per file. */
  readonly generation: number;
  /** The last journal entry whose change the bytes include. */
  readonly seq: number;
  /** SHA-256 of `bytes`, lower-case hex. */
  readonly checksum: string;
  /** Length of `bytes` when written; a shorter record was truncated. */
  readonly byteLength: number;
  readonly bytes: Uint8Array;
}

/** A change to the backend applied as one atomic, durable transaction. */
export interface BackendWrite {
  readonly set?: readonly (readonly [string, unknown])[];
  readonly delete?: readonly string[];
}

/**
 * The storage under the durable store: a key-value space with atomic multi-key writes.
 * IndexedDB (idb-keyval, strict durability) implements it in the browser; a Map in Node.
 */
export interface KeyValueBackend {
  get(key: string): Promise<unknown>;
  /** Keys starting with `prefix`, in ascending order. */
  keys(prefix: string): Promise<string[]>;
  /** Applies every set and delete in one transaction; resolves once it is durable, rejects if nothing was applied. */
  write(change: BackendWrite): Promise<void>;
}

/** SHA-256 of some bytes as lower-case hex (WebCrypto at the edge). */
export type Digest = (bytes: Uint8Array) => Promise<string>;

/** Storage refused a write (quota, an aborted transaction); nothing of that write was stored. */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';
  constructor(
    message: string,
    /** What the backend said. */
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** A write attempted through a read-only store: another tab is the rehearsal's writer. */
export class ReadOnlyError extends StorageError {
  override readonly name = 'ReadOnlyError';
  constructor(message = 'this tab is read-only: another tab holds the rehearsal open for writing') {
    super(message);
  }
}

/** Durable state could not be rebuilt without losing data; nothing was changed. */
export class RecoveryError extends Error {
  override readonly name = 'RecoveryError';
  constructor(
    message: string,
    /** Everything found wrong on the way. */
    readonly problems: readonly string[],
  ) {
    super(message);
  }
}
