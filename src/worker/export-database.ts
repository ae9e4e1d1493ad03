/**
 * Exports a side of the open rehearsal as a `.sqlite` file (`EngineApi.exportDatabase`): a copy of
 * the side's database with the engine's own objects (`__cutover_…`) dropped and, where one file
 * holds both sides (topology `shared`), the other side's objects dropped too; then VACUUM, so the
 * bytes hold nothing that was dropped. The rehearsal's own database is only read.
 */
import { quoteIdent } from '../engine/scenario/starter.ts';
import type { Rehearsal } from '../engine/rehearsal.ts';
import type { Scenario, Side } from '../engine/scenario/format.ts';
import type { SqlDatabase, SqlEngine } from '../engine/sql.ts';
import type { ExportedDatabase } from './protocol.ts';

const ENGINE_PREFIX = '__cutover_';

/** The side's database file without the engine's tables (and without the other side's, in a shared file). */
export function exportDatabase(rehearsal: Rehearsal, sql: SqlEngine, side: Side): ExportedDatabase {
  if (side === 'old' && rehearsal.phase === 'old-dropped') {
    throw new Error('the old database cannot be exported: its schema was dropped (restore the backup to bring it back)');
  }
  const live = rehearsal.database(side);
  if (live.inTransaction) throw new Error('the database is in the middle of a transaction; export again in a moment');
  const copy = sql.open(live.export());
  try {
    const other: Side = side === 'old' ? 'new' : 'old';
    const foreign = rehearsal.scenario.topology === 'shared' ? otherSideNames(rehearsal.scenario, sql, side, other) : new Set<string>();
    dropObjects(copy, (name) => name.startsWith(ENGINE_PREFIX) || foreign.has(name));
    copy.exec('VACUUM');
    const tables = rowsPerTable(copy);
    return { fileName: exportFileName(rehearsal.id, side), bytes: copy.export(), tables };
  } finally {
    copy.close();
  }
}

/**
 * `<rehearsal-id>-<side>.sqlite`, accents stripped and anything else but ASCII letters, digits, `.`,
 * `_` and `-` made a `-`. The side, not its label: labels describe schemas ("members.full_name",
 * "shop.sqlite") and made names that hid which file was which.
 */
export function exportFileName(rehearsalId: string, side: Side): string {
  const safe = rehearsalId
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return `${safe || 'rehearsal'}-${side}.sqlite`;
}

/** Names the other side's DDL makes and this side's does not (both run on a scratch database). */
function otherSideNames(scenario: Scenario, sql: SqlEngine, side: Side, other: Side): Set<string> {
  const mine = namesMadeBy(scenario.schema[side], sql);
  return new Set([...namesMadeBy(scenario.schema[other], sql)].filter((n) => !mine.has(n)));
}

/** Names of the schema objects `ddl` makes, run on a scratch database (the host's schema panel uses it too). */
export function namesMadeBy(ddl: readonly string[], sql: SqlEngine): Set<string> {
  const scratch = sql.open();
  try {
    for (const statement of ddl) scratch.exec(statement);
    return new Set(scratch.query(`SELECT name FROM sqlite_master`).map((r) => String(r.name)));
  } finally {
    scratch.close();
  }
}

/** Drops every schema object `unwanted` names: triggers and views first, then tables (their indexes go with them), then loose indexes. */
function dropObjects(db: SqlDatabase, unwanted: (name: string) => boolean): void {
  const objects = db
    .query(`SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`)
    .map((o) => ({ type: String(o.type), name: String(o.name) }))
    .filter((o) => unwanted(o.name));
  const order = ['trigger', 'view', 'table', 'index'];
  const dropped = new Set<string>();
  db.exec('BEGIN');
  try {
    for (const type of order) {
      for (const o of objects.filter((x) => x.type === type)) {
        // An index of a dropped table is gone already.
        if (type === 'index' && db.query(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :n`, { n: o.name }).length === 0) continue;
        db.exec(`DROP ${type.toUpperCase()} IF EXISTS ${quoteIdent(o.name)}`);
        if (type === 'table') dropped.add(o.name);
      }
    }
    // AUTOINCREMENT counters of dropped tables would otherwise stay behind.
    if (dropped.size > 0 && db.query(`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`).length > 0) {
      for (const name of dropped) db.run(`DELETE FROM sqlite_sequence WHERE name = :n`, { n: name });
    }
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}

/** Rows in each table of `db`, SQLite's own tables aside. */
function rowsPerTable(db: SqlDatabase): Record<string, number> {
  const names = db.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`).map((r) => String(r.name));
  // fromEntries defines own properties: a table named __proto__ is counted, not made a prototype.
  return Object.fromEntries(names.map((name) => [name, Number(db.query(`SELECT COUNT(*) AS n FROM ${quoteIdent(name)}`)[0]?.n ?? 0)]));
}

