/** Exports a side of the open rehearsal as a `.sqlite` file (`EngineApi.exportDatabase`). */
import type { Rehearsal } from '../engine/rehearsal.ts';
import type { Side } from '../engine/scenario/format.ts';
import type { SqlEngine } from '../engine/sql.ts';
import type { ExportedDatabase } from './protocol.ts';

/** The side's database file without the engine's tables. */
export function exportDatabase(_rehearsal: Rehearsal, _sql: SqlEngine, _side: Side): ExportedDatabase {
  throw new Error('export is not built yet');
}
