/**
 * The key-value backend on IndexedDB, through idb-keyval with a custom store whose transactions
 * ask for `strict` durability: a write resolves only once the browser has flushed it to disk, so
 * an acknowledged change survives a killed tab and a power cut alike.
 */
import { get, promisifyRequest, type UseStore } from 'idb-keyval';
import { StorageError, type BackendWrite, type KeyValueBackend } from '../engine/durability/types.ts';

/** Name of the IndexedDB database and object store holding every rehearsal. */
export const IDB_DATABASE = 'cutover-lab';
export const IDB_STORE = 'rehearsals';

/** What the browser said when it discarded a database it found damaged (Chromium's `dataLoss`). */
export interface BrowserDataLoss {
  readonly kind: string;
  readonly message: string;
}

const dataLossReports = new Map<string, BrowserDataLoss>();

/**
 * Whether the browser reported, when `dbName` was opened, that it had discarded its contents.
 * Chromium deletes an IndexedDB backing store it finds corrupt and says so only through the
 * `dataLoss` field of the upgrade event; without checking, a rehearsal would silently start empty.
 */
export function browserDataLoss(dbName = IDB_DATABASE): BrowserDataLoss | undefined {
  return dataLossReports.get(dbName);
}

/**
 * idb-keyval's `createStore`, with `{ durability: 'strict' }` on every transaction. Chromium
 * defaults to 'relaxed' (complete before the data reaches disk); strict is what the contract needs.
 */
export function createStrictStore(dbName = IDB_DATABASE, storeName = IDB_STORE): UseStore {
  let opening: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> => {
    opening ??= (() => {
      const request = indexedDB.open(dbName);
      request.onupgradeneeded = (event) => {
        const loss = (event as IDBVersionChangeEvent & { dataLoss?: string; dataLossMessage?: string }).dataLoss;
        if (loss && loss !== 'none') {
          dataLossReports.set(dbName, { kind: loss, message: (event as IDBVersionChangeEvent & { dataLossMessage?: string }).dataLossMessage ?? '' });
        }
        if (!request.result.objectStoreNames.contains(storeName)) request.result.createObjectStore(storeName);
      };
      return promisifyRequest(request).then(
        (db) => {
          // Another tab upgrading the database closes this connection; reopen on next use.
          db.onversionchange = () => {
            db.close();
            opening = undefined;
          };
          // The browser closed it (storage cleared, a disk error): reopen on next use too.
          db.onclose = () => {
            opening = undefined;
          };
          return db;
        },
        (error: unknown) => {
          // A failed open is not cached: the next use tries again.
          opening = undefined;
          throw error;
        },
      );
    })();
    return opening;
  };
  return async (txMode, callback) => {
    const db = await open();
    return callback(db.transaction(storeName, txMode, { durability: 'strict' }).objectStore(storeName));
  };
}

/** Test hooks: see a write's transaction before it commits (to abort it, as a full quota does). */
export interface IndexedDbHooks {
  beforeCommit?(transaction: IDBTransaction): void;
  /** Largest byte array stored as one value (default CHUNK_BYTES); tests make it small. */
  chunkBytes?: number;
}

/**
 * Largest byte array stored as one IndexedDB value. Chromium refuses a serialised value over about
 * 128 MiB (the write's transaction aborts), and a 1,000,000-record database is about 300 MiB, so a
 * snapshot, backup or journal image above this is stored in chunks under keys of its own, in the
 * same transaction, and put together again when read.
 */
export const CHUNK_BYTES = 32 * 1024 * 1024;

/** Chunk keys follow their value's key: `key` + this + the chunk's index. U+0000 sorts them right after it. */
const CHUNK_SEPARATOR = '\u0000chunk\u0000';

/** What a chunked byte array is stored as in its value: how many chunks, and the total length. */
interface ChunkedField {
  readonly __cutoverChunks: number;
  readonly byteLength: number;
}

const isChunked = (v: unknown): v is ChunkedField => typeof v === 'object' && v !== null && typeof (v as ChunkedField).__cutoverChunks === 'number';
const chunkKey = (key: string, field: string, index: number): string => `${key}${CHUNK_SEPARATOR}${field}\u0000${String(index).padStart(6, '0')}`;
const chunkRange = (key: string): IDBKeyRange => IDBKeyRange.bound(`${key}${CHUNK_SEPARATOR}`, `${key}${CHUNK_SEPARATOR}\uffff`);
const isChunkKey = (key: string): boolean => key.includes(CHUNK_SEPARATOR);
const ownerOf = (key: string): string => key.slice(0, key.indexOf(CHUNK_SEPARATOR));

/**
 * The puts that store `value` under `key`: the value itself, with every byte array over
 * `limit` at its top level replaced by a ChunkedField, and one put per chunk (a copy of its bytes:
 * a view would clone its whole buffer). Undefined when nothing needs chunks.
 */
function chunked(key: string, value: unknown, limit: number): [string, unknown][] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return undefined;
  const big = Object.entries(value).filter((e): e is [string, Uint8Array] => e[1] instanceof Uint8Array && e[1].byteLength > limit);
  if (big.length === 0) return undefined;
  const outer: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const puts: [string, unknown][] = [];
  for (const [field, bytes] of big) {
    const count = Math.ceil(bytes.byteLength / limit);
    outer[field] = { __cutoverChunks: count, byteLength: bytes.byteLength } satisfies ChunkedField;
    for (let i = 0; i < count; i++) puts.push([chunkKey(key, field, i), bytes.slice(i * limit, Math.min(bytes.byteLength, (i + 1) * limit))]);
  }
  return [[key, outer], ...puts];
}

/** The durable store's backend on IndexedDB. */
export class IndexedDbBackend implements KeyValueBackend {
  readonly #store: UseStore;
  readonly #hooks: IndexedDbHooks;

  constructor(store: UseStore = createStrictStore(), hooks: IndexedDbHooks = {}) {
    this.#store = store;
    this.#hooks = hooks;
  }

  async get(key: string): Promise<unknown> {
    const value: unknown = await get(key, this.#store);
    if (typeof value !== 'object' || value === null || !Object.values(value).some(isChunked)) return value;
    // Put together again, from the chunks read in one transaction with the value itself.
    return this.#store('readonly', async (store) => {
      const [outer, keys, chunks] = (await Promise.all([promisifyRequest(store.get(key)), promisifyRequest(store.getAllKeys(chunkRange(key))), promisifyRequest(store.getAll(chunkRange(key)))])) as [unknown, IDBValidKey[], unknown[]];
      if (typeof outer !== 'object' || outer === null) return outer;
      const out: Record<string, unknown> = { ...(outer as Record<string, unknown>) };
      for (const [field, v] of Object.entries(out)) {
        if (!isChunked(v)) continue;
        const bytes = new Uint8Array(v.byteLength);
        let offset = 0;
        for (let i = 0; i < v.__cutoverChunks; i++) {
          const at = keys.indexOf(chunkKey(key, field, i));
          const chunk = chunks[at];
          if (at < 0 || !(chunk instanceof Uint8Array)) throw new StorageError(`IndexedDB lost chunk ${i + 1} of ${v.__cutoverChunks} of "${key}" (${field})`);
          bytes.set(chunk, offset);
          offset += chunk.byteLength;
        }
        if (offset !== v.byteLength) throw new StorageError(`IndexedDB holds ${offset} of the ${v.byteLength} bytes of "${key}" (${field})`);
        out[field] = bytes;
      }
      return out;
    });
  }

  keys(prefix: string): Promise<string[]> {
    // Every key starts with the prefix and sorts before prefix + U+FFFF; chunks are not keys of their own.
    return this.#store('readonly', (store) => promisifyRequest(store.getAllKeys(IDBKeyRange.bound(prefix, `${prefix}\uffff`)))).then((keys) => keys.map(String).filter((k) => !isChunkKey(k)));
  }

  async write(change: BackendWrite): Promise<void> {
    try {
      await this.#store('readwrite', (store) => {
        const done = promisifyRequest(store.transaction);
        try {
          const limit = this.#hooks.chunkBytes ?? CHUNK_BYTES;
          for (const [key, value] of change.set ?? []) {
            const puts = chunked(key, value, limit);
            if (!puts) {
              store.put(value, key);
              continue;
            }
            store.delete(chunkRange(key)); // chunks of a value this one replaces
            for (const [k, v] of puts) store.put(v, k);
          }
          const deletes = change.delete ?? [];
          if (deletes.length < RANGE_DELETE_MIN) {
            for (const key of deletes) {
              store.delete(key);
              store.delete(chunkRange(key));
            }
            this.#hooks.beforeCommit?.(store.transaction);
          } else {
            deleteAsRanges(store, deletes, () => this.#hooks.beforeCommit?.(store.transaction));
          }
        } catch (error) {
          // A put that throws (a value that cannot be cloned) would otherwise let the puts before
          // it commit on their own: abort, so the write stays all or nothing.
          done.catch(() => undefined);
          store.transaction.abort();
          throw error;
        }
        // Resolves on 'complete' (durable, strict), rejects on 'abort' or 'error': all or nothing.
        return done;
      });
    } catch (error) {
      throw new StorageError(`IndexedDB refused the write: ${describe(error)}`, error);
    }
  }
}

/** Fewest deletes in one write worth a key read to turn runs of them into range deletes. */
const RANGE_DELETE_MIN = 8;

/**
 * Deletes `keys` in `store`'s transaction with one request per run of consecutive stored keys
 * instead of one per key (a checkpoint trims hundreds of journal entries: 257 deletes took 20–50 ms
 * of a strict transaction that blocks the next group commit). A range delete only ever removes keys
 * of the list: the keys stored between the first and the last of each group (keys sharing a parent,
 * `…/j/`) are read first, in the same transaction, after the puts of this write, and a run ends at
 * any stored key not in the list. `then` runs once every delete is issued (the transaction is still
 * active then: this is a request's success callback).
 */
function deleteAsRanges(store: IDBObjectStore, keys: readonly string[], then: () => void): void {
  const wanted = new Set(keys);
  const groups = new Map<string, string[]>();
  for (const key of wanted) {
    const parent = key.slice(0, key.lastIndexOf('/') + 1);
    const group = groups.get(parent);
    if (group) group.push(key);
    else groups.set(parent, [key]);
  }
  let pending = groups.size;
  for (const group of groups.values()) {
    // String keys sort in IndexedDB as in JavaScript: by UTF-16 code unit.
    group.sort();
    const first = group[0] as string;
    const last = group[group.length - 1] as string;
    const request = store.getAllKeys(IDBKeyRange.bound(first, `${last}${CHUNK_SEPARATOR}\uffff`));
    request.onsuccess = () => {
      let runStart: IDBValidKey | undefined;
      let runEnd: IDBValidKey | undefined;
      const endRun = (): void => {
        if (runStart === undefined || runEnd === undefined) return;
        store.delete(runStart === runEnd ? runStart : IDBKeyRange.bound(runStart, runEnd));
        runStart = runEnd = undefined;
      };
      for (const stored of request.result) {
        // A listed value's chunks sort right after it: they go with it.
        if (typeof stored === 'string' && (wanted.has(stored) || (isChunkKey(stored) && wanted.has(ownerOf(stored))))) {
          runStart ??= stored;
          runEnd = stored;
        } else {
          endRun();
        }
      }
      endRun();
      pending -= 1;
      if (pending === 0) then();
    };
  }
}

function describe(error: unknown): string {
  if (error instanceof DOMException && error.name === 'QuotaExceededError') {
    return `${error.name}: ${error.message} — this site's storage is full: delete rehearsals you no longer need (Rehearsals…, Delete), or free disk space`;
  }
  if (error instanceof DOMException) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return error.message;
  // Chromium gives no reason when its backing store refuses a commit: most often the quota, which
  // a private window keeps small (its storage lives in memory).
  if (error === null || error === undefined) return 'the transaction was aborted, without a reason from the browser (most often the storage quota: a private window keeps its storage in memory, with a small quota; a normal window has much more)';
  if (typeof error !== 'object') return String(error as string | number | boolean | bigint | symbol);
  // A hook may throw anything; a plain object would otherwise read "[object Object]".
  try {
    return `${JSON.stringify(error)} was thrown`;
  } catch {
    return 'a value that is not an Error was thrown';
  }
}
