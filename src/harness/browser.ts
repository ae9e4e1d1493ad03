/**
 * What `rehearse()` needs in a browser (`cutover-lab/harness/browser`), for Vitest browser mode or
 * a page built with Vite: sql.js compiled to WebAssembly, served as a build asset, and a durable
 * store on IndexedDB. Node has defaults for both; a browser passes them:
 *
 *   rehearse(scenario, plan, { seed: 1, durability: 'strict', sql: await loadBrowserSqlEngine(), store: indexedDbStore('my-rehearsal') })
 */
import type { KeyValueBackend } from '../engine/durability/types.ts';
import { createStrictStore, IndexedDbBackend } from '../store/idb-backend.ts';

export { loadBrowserSqlEngine } from '../store/browser-sql.ts';

/**
 * A durable store in the IndexedDB database `dbName` (each transaction `durability: 'strict'`).
 * Give each rehearsal a database of its own: what a store holds is recovered, not replaced.
 */
export function indexedDbStore(dbName: string): KeyValueBackend {
  return new IndexedDbBackend(createStrictStore(dbName));
}
