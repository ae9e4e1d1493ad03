/**
 * The page's own IndexedDB database: the history it records (write-ahead: an operation's
 * invocation is stored before the engine runs it) and what it remembers between visits (the open
 * rehearsal, its settings). Every write is one `strict` transaction, so what a write stored
 * survives a whole-browser kill — unlike localStorage, which Chromium writes to disk lazily.
 */
import { browserDataLoss, createStrictStore, IndexedDbBackend, type BrowserDataLoss } from './idb-backend.ts';

/** The database and object store the page keeps its history and settings in. */
export const PAGE_DATABASE = 'cutover-lab-ui';
export const PAGE_STORE = 'history';

/** A key-value space with atomic, durable multi-key writes (the shape of the engine's `KeyValueBackend`). */
export interface PageDb {
  get(key: string): Promise<unknown>;
  /** Keys starting with `prefix`, in ascending order. */
  keys(prefix: string): Promise<string[]>;
  /** Every set and delete in one transaction; resolves once it is durable, rejects if nothing was applied. */
  write(change: { readonly set?: readonly (readonly [string, unknown])[]; readonly delete?: readonly string[] }): Promise<void>;
}

/** Opens the page's database (another name for tests that want one of their own). */
export function openPageDb(dbName = PAGE_DATABASE): PageDb {
  return new IndexedDbBackend(createStrictStore(dbName, PAGE_STORE));
}

/**
 * Whether the browser said, when the page first opened its database, that it had discarded the
 * site's IndexedDB data (Chromium's `dataLoss`, after finding its files damaged — rarely, after a
 * killed browser). Chromium keeps one store per site, so the rehearsals went with it; the page
 * opens its database before the worker opens the engine's, so only the page hears of it.
 */
export function pageDataLoss(dbName = PAGE_DATABASE): BrowserDataLoss | undefined {
  return browserDataLoss(dbName);
}
