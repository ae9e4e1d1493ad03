/**
 * The SQL console's rules: one statement at a time, capped in size and in rows returned; ATTACH,
 * DETACH, VACUUM INTO and PRAGMA writable_schema refused; a write goes through the engine so it is
 * journaled like any change. Runaway queries are the watchdog's business (client.ts): sql.js
 * cannot interrupt one, so the worker is killed.
 */
import type { Rehearsal } from '../engine/rehearsal.ts';
import type { Side } from '../engine/scenario/format.ts';
import { SqlError, type SqlValue } from '../engine/sql.ts';
import { CONSOLE_LIMITS, type QueryResult, type SchemaObject } from './protocol.ts';

/** A statement the console refuses, with why. */
export class ConsoleRefusal extends Error {
  override readonly name = 'ConsoleRefusal';
}

/** The statement with comments and quoted text blanked, so keywords inside them do not count. */
function codeOnly(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
    .replace(/`[^`]*`/g, '``')
    .replace(/\[[^\]]*\]/g, '[]');
}

const REFUSED: readonly [RegExp, string][] = [
  [/\bATTACH\b/i, 'ATTACH is not allowed: the console works on this rehearsal’s databases only'],
  [/\bDETACH\b/i, 'DETACH is not allowed: the console works on this rehearsal’s databases only'],
  [/\bVACUUM\b[\s\S]*\bINTO\b/i, 'VACUUM INTO is not allowed: it writes a database file'],
  [/\bPRAGMA\b[\s\S]*\bwritable_schema\b/i, 'PRAGMA writable_schema is not allowed: it can corrupt the database'],
  [/\b(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|END)\b\s*(TRANSACTION\b|;|$)/i, 'transaction control is not allowed: each statement runs in its own transaction'],
];

/** Why the console refuses `sql`, or undefined. */
export function refusal(sql: string): string | undefined {
  if (sql.trim() === '') return 'type a statement first';
  if (sql.length > CONSOLE_LIMITS.maxStatementChars) return `the statement is ${sql.length} characters; the console takes at most ${CONSOLE_LIMITS.maxStatementChars}`;
  const code = codeOnly(sql);
  for (const [pattern, message] of REFUSED) if (pattern.test(code)) return message;
  if (/__cutover_/i.test(code) && !/^\s*(SELECT|WITH|EXPLAIN)\b/i.test(code)) return 'the engine’s own tables (__cutover_…) are read-only in the console';
  return undefined;
}

/** Runs one console statement on a side of `rehearsal`. */
export async function runConsoleStatement(rehearsal: Rehearsal, side: Side, sql: string, now: () => number): Promise<QueryResult> {
  const refused = refusal(sql);
  if (refused) throw new ConsoleRefusal(refused);
  const db = rehearsal.database(side);
  try {
    db.describe(sql);
  } catch (e) {
    throw new ConsoleRefusal(e instanceof SqlError && /expected one statement/.test(e.message) ? 'run one statement at a time' : (e as Error).message);
  }
  const start = now();
  // Try it in a transaction that is always rolled back: a read returns its rows, a write shows
  // itself by changing total_changes() or the schema, and is then run again through the engine.
  const probe = 'SELECT total_changes() AS changes, (SELECT schema_version FROM pragma_schema_version) AS schema';
  db.exec('BEGIN');
  let rows: Record<string, SqlValue>[];
  let wrote: boolean;
  try {
    const before = db.query(probe)[0];
    rows = db.query(sql);
    const after = db.query(probe)[0];
    wrote = before?.changes !== after?.changes || before?.schema !== after?.schema;
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
  }
  if (wrote) {
    const changes = await rehearsal.consoleWrite(side, sql);
    return { side, columns: [], rows: [], truncated: false, changes, kind: 'write', durationMs: now() - start };
  }
  const columns = rows.length > 0 ? Object.keys(rows[0] as object) : db.describe(sql).columns;
  const capped = rows.slice(0, CONSOLE_LIMITS.maxRows);
  return {
    side,
    columns: [...columns],
    rows: capped.map((r) => columns.map((c) => r[c] ?? null)),
    truncated: rows.length > capped.length,
    changes: 0,
    kind: 'read',
    durationMs: now() - start,
  };
}

/**
 * A side's tables, views, indexes and triggers with their columns. In a shared database both
 * sides' objects live together: `owned` names the side's own (from its DDL), engine tables aside.
 */
export function describeSchema(rehearsal: Rehearsal, side: Side, owned?: ReadonlySet<string>): SchemaObject[] {
  const db = rehearsal.database(side);
  const objects = db.query(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'view' THEN 1 WHEN 'index' THEN 2 ELSE 3 END, name`);
  const mine = (name: string): boolean => (name.startsWith('__cutover_') ? name.endsWith(`_${side}`) : owned === undefined || owned.has(name));
  return objects
    .filter((o) => mine(String(o.name)))
    .map((o) => {
      const type = String(o.type) as SchemaObject['type'];
      const columns =
        type === 'table' || type === 'view'
          ? db.query(`SELECT name, type, pk FROM pragma_table_info(:t)`, { t: String(o.name) }).map((c) => ({ name: String(c.name), type: String(c.type ?? ''), pk: Number(c.pk) > 0 }))
          : [];
      return { type, name: String(o.name), sql: String(o.sql), columns, engine: String(o.name).startsWith('__cutover_') };
    });
}
