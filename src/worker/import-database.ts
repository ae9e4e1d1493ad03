/** Checks a database file for import and makes a starter scenario of it (`EngineApi.inspectDatabase`). */
import type { SqlEngine } from '../engine/sql.ts';
import type { DatabaseInspection } from './protocol.ts';

export function inspectDatabase(_sql: SqlEngine, _bytes: Uint8Array, _fileName: string): DatabaseInspection {
  return { ok: false, problem: 'import is not built yet' };
}
