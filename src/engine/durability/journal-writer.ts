/**
 * The journal's write side: appends are queued and stored in order, one backend write at a time
 * (one entry per write in `strict`, a group commit of whatever accumulated in `group` — after
 * letting the appends already under way join it, see `#gather` — after a delay in
 * `unsafe-ack-first`). A refused write breaks its files: later entries of those files are
 * refused too, so the journal never has a gap, until the engine has reloaded them.
 */
import type { Clock } from '../clock.ts';
import { describeError } from './describe-error.ts';
import type { StoreKeys } from './store-keys.ts';
import { StorageError, type DurabilityMode, type JournalEntry, type KeyValueBackend } from './types.ts';

/** Most microtask hops a group commit waits for more appends before it flushes. */
const GATHER_HOPS = 64;
/** Hops without a new append after which the group is taken as complete. */
const GATHER_QUIET_HOPS = 2;

/** Storage-level listener for writes that were acknowledged and then could not be stored (unsafe mode). */
export type LostAckListener = (file: string, seqs: readonly number[], error: StorageError) => void;

/** What the journal writer needs. */
export interface JournalWriterOptions {
  readonly backend: KeyValueBackend;
  readonly keys: StoreKeys;
  readonly mode: DurabilityMode;
  readonly clock: Clock;
  /** How long `unsafe-ack-first` waits before storing acknowledged entries. */
  readonly unsafeFlushDelayMs: number;
  /** Largest group commit. */
  readonly groupMaxEntries: number;
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

/** Appends journal entries and tells when they are stored, refused or lost. */
export class JournalWriter {
  readonly #backend: KeyValueBackend;
  readonly #keys: StoreKeys;
  readonly #mode: DurabilityMode;
  readonly #clock: Clock;
  readonly #flushDelay: number;
  readonly #groupMax: number;

  #queue: Pending[] = [];
  #inFlight = false;
  /** A group commit is waiting for the appends under way to join it (`#gather`). */
  #gathering = false;
  #cancelTimer: (() => void) | undefined;
  #disposed = false;
  /** Files whose journal lost an entry: nothing more is appended until the engine reloads them. */
  readonly #broken = new Map<string, StorageError>();
  /** Durability of the last entry appended per file (settles, never rejects). */
  readonly #lastSettled = new Map<string, Promise<void>>();
  /** Durability of the last entry appended per file (rejects if it was not stored). */
  readonly #lastDurable = new Map<string, Promise<void>>();
  readonly #lostAckListeners = new Set<LostAckListener>();

  constructor(options: JournalWriterOptions) {
    this.#backend = options.backend;
    this.#keys = options.keys;
    this.#mode = options.mode;
    this.#clock = options.clock;
    this.#flushDelay = options.unsafeFlushDelayMs;
    this.#groupMax = options.groupMaxEntries;
  }

  /**
   * Appends one committed transaction. Resolves when the change may be acknowledged under this
   * writer's mode; rejects with StorageError when it was not stored (strict, group).
   */
  append(file: string, entry: JournalEntry): Promise<void> {
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
    if (this.#mode === 'unsafe-ack-first') {
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
    if (this.#mode === 'unsafe-ack-first') this.#flushSoon();
    if (file !== undefined) {
      await this.#lastDurable.get(file);
      return;
    }
    await Promise.all(this.#lastDurable.values());
  }

  /** Resolves when every entry appended so far has been stored or refused. */
  async settled(): Promise<void> {
    if (this.#mode === 'unsafe-ack-first') this.#flushSoon();
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

  /** Whether `dispose` was called. */
  get disposed(): boolean {
    return this.#disposed;
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
    if (this.#inFlight || this.#gathering || this.#queue.length === 0 || this.#disposed) return;
    if (this.#mode === 'group' && this.#queue.length < this.#groupMax) {
      this.#gathering = true;
      void this.#gather();
      return;
    }
    this.#flush();
  }

  /**
   * Group commit: before taking a group, lets the operations already under way commit too. Callers
   * that append together (64 writes started at once) commit one after another in successive
   * microtasks, so flushing on the first append would store it alone and the rest in a second
   * transaction. Waits microtask by microtask while the queue still grows (at most GATHER_HOPS
   * hops, never for a timer or a task), then flushes whatever is queued. Deterministic: no clock.
   */
  async #gather(): Promise<void> {
    let quiet = 0;
    for (let hop = 0; hop < GATHER_HOPS && quiet < GATHER_QUIET_HOPS && this.#queue.length < this.#groupMax; hop++) {
      const seen = this.#queue.length;
      await Promise.resolve();
      quiet = this.#queue.length === seen ? quiet + 1 : 0;
    }
    this.#gathering = false;
    if (this.#inFlight || this.#queue.length === 0 || this.#disposed) return;
    this.#flush();
  }

  #flush(): void {
    const take = this.#mode === 'strict' ? 1 : this.#groupMax;
    const batch = this.#queue.splice(0, take);
    this.#inFlight = true;
    const keys = batch.map((p) => [this.#keys.journal(p.file, p.entry.seq), p.entry] as const);
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
}
