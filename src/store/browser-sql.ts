import initSqlJs from 'sql.js';
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import type { SqlEngine } from '../engine/sql.ts';
import { createSqlJsEngine } from './sqljs.ts';

let loading: Promise<SqlEngine> | undefined;

/** sql.js in a page or worker: the WebAssembly file is a build asset served from our origin. */
export function loadBrowserSqlEngine(): Promise<SqlEngine> {
  loading ??= initSqlJs({ locateFile: () => wasmUrl }).then((SQL) => createSqlJsEngine(SQL));
  return loading;
}
