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
}

/** The durable store's backend on IndexedDB. */
export class IndexedDbBackend implements KeyValueBackend {
  readonly #store: UseStore;
  readonly #hooks: IndexedDbHooks;

  constructor(store: UseStore = createStrictStore(), hooks: IndexedDbHooks = {}) {
    this.#store = store;
    this.#hooks = hooks;
  }

  get(key: string): Promise<unknown> {
    return get(key, this.#store);
  }

  keys(prefix: string): Promise<string[]> {
    // Every key starts with the prefix and sorts before prefix + U+FFFF.
    return this.#store('readonly', (store) => promisifyRequest(store.getAllKeys(IDBKeyRange.bound(prefix, `${prefix}\uffff`)))).then((keys) => keys.map(String));
  }

  async write(change: BackendWrite): Promise<void> {
    try {
      await this.#store('readwrite', (store) => {
        const done = promisifyRequest(store.transaction);
        try {
          for (const [key, value] of change.set ?? []) store.put(value, key);
          const deletes = change.delete ?? [];
          if (deletes.length < RANGE_DELETE_MIN) {
            for (const key of deletes) store.delete(key);
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
    const request = store.getAllKeys(IDBKeyRange.bound(first, last));
    request.onsuccess = () => {
      let runStart: IDBValidKey | undefined;
      let runEnd: IDBValidKey | undefined;
      const endRun = (): void => {
        if (runStart === undefined || runEnd === undefined) return;
        store.delete(runStart === runEnd ? runStart : IDBKeyRange.bound(runStart, runEnd));
        runStart = runEnd = undefined;
      };
      for (const stored of request.result) {
        if (typeof stored === 'string' && wanted.has(stored)) {
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
  if (error instanceof DOMException) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return error.message;
  if (error === null || error === undefined) return 'the transaction was aborted';
  if (typeof error !== 'object') return String(error as string | number | boolean | bigint | symbol);
  // A hook may throw anything; a plain object would otherwise read "[object Object]".
  try {
    return `${JSON.stringify(error)} was thrown`;
  } catch {
    return 'a value that is not an Error was thrown';
  }
}
