import initSqlJs from 'sql.js';
import type { SqlEngine } from '../engine/sql.ts';
import { createSqlJsEngine } from '../store/sqljs.ts';

let loading: Promise<SqlEngine> | undefined;

/** sql.js in Node: the WebAssembly file is found next to sql.js's own script. */
export function loadNodeSqlEngine(): Promise<SqlEngine> {
  loading ??= initSqlJs().then((SQL) => createSqlJsEngine(SQL));
  return loading;
}
