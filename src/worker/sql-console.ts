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
import { identifier, tokenize } from './sql-tokens.ts';

/** A statement the console refuses, with why. */
export class ConsoleRefusal extends Error {
  override readonly name = 'ConsoleRefusal';
}

/** Pragmas that only read: the console allows these and no other. */
const READING_PRAGMAS = new Set([
  'table_info', 'table_xinfo', 'table_list', 'index_list', 'index_info', 'index_xinfo', 'foreign_key_list',
  'integrity_check', 'quick_check', 'schema_version', 'user_version', 'page_count', 'page_size', 'freelist_count',
  'compile_options', 'collation_list', 'function_list', 'pragma_list', 'database_list', 'data_version', 'encoding',
]);

const TRANSACTION_CONTROL = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);

/** What the console's rules say about a statement. */
export interface ConsoleAnalysis {
  /** Why it is refused, if it is. */
  readonly refusal?: string;
  /** It names one of the engine's own tables (__cutover_…): reading is fine, writing is refused. */
  readonly touchesEngineTables: boolean;
}

/** Reads a statement token by token: comments and quoting cannot hide a keyword from it. */
export function analyse(sql: string): ConsoleAnalysis {
  if (sql.trim() === '') return { refusal: 'type a statement first', touchesEngineTables: false };
  if (sql.length > CONSOLE_LIMITS.maxStatementChars) {
    return { refusal: `the statement is ${sql.length} characters; the console takes at most ${CONSOLE_LIMITS.maxStatementChars}`, touchesEngineTables: false };
  }
  const tokens = tokenize(sql);
  const keywords = tokens.filter((t) => t.kind === 'word' && !t.quoted).map((t) => t.text);
  const touchesEngineTables = tokens.some((t) => t.kind === 'word' && identifier(t).startsWith('__cutover_'));
  const refuse = (refusal: string): ConsoleAnalysis => ({ refusal, touchesEngineTables });
  if (keywords.includes('ATTACH')) return refuse('ATTACH is not allowed: the console works on this rehearsal’s databases only');
  if (keywords.includes('DETACH')) return refuse('DETACH is not allowed: the console works on this rehearsal’s databases only');
  if (keywords.includes('VACUUM')) return refuse(keywords.includes('INTO') ? 'VACUUM INTO is not allowed: it writes a database file' : 'VACUUM is not allowed in the console');
  const first = keywords[0] ?? '';
  if (TRANSACTION_CONTROL.has(first)) return refuse('transaction control is not allowed: each statement runs in its own transaction');
  const pragmaAt = tokens.findIndex((t) => t.kind === 'word' && !t.quoted && t.text === 'PRAGMA');
  if (pragmaAt >= 0) {
    // PRAGMA [schema.]name [= value | (value)]
    const rest = tokens.slice(pragmaAt + 1);
    const dot = rest[1]?.kind === 'symbol' && rest[1].text === '.';
    const nameToken = dot ? rest[2] : rest[0];
    const name = nameToken && (nameToken.kind === 'word' || nameToken.kind === 'string') ? nameToken.text.toLowerCase() : '';
    if (name === 'writable_schema') return refuse('PRAGMA writable_schema is not allowed: it can corrupt the database');
    if (!READING_PRAGMAS.has(name)) return refuse(`PRAGMA ${name || '(no name)'} is not allowed in the console: only pragmas that read, such as table_info`);
    if (rest.some((t) => t.kind === 'symbol' && t.text === '=')) return refuse(`PRAGMA ${name} cannot be set from the console`);
  }
  return { touchesEngineTables };
}

/** Why the console refuses `sql`, or undefined. */
export function refusal(sql: string): string | undefined {
  return analyse(sql).refusal;
}

/** Runs one console statement on a side of `rehearsal`. */
export async function runConsoleStatement(rehearsal: Rehearsal, side: Side, sql: string, now: () => number): Promise<QueryResult> {
  const analysis = analyse(sql);
  if (analysis.refusal) throw new ConsoleRefusal(analysis.refusal);
  const db = rehearsal.database(side);
  try {
    db.describe(sql);
  } catch (e) {
    throw new ConsoleRefusal(e instanceof SqlError && /expected one statement/.test(e.message) ? 'run one statement at a time' : (e as Error).message);
  }
  const start = now();
  // Try it in a transaction that is always rolled back: a read returns its rows (no more than the
  // cap plus one are stepped), a write shows itself by changing total_changes() or the schema, and
  // is then run again through the engine.
  const probe = 'SELECT total_changes() AS changes, (SELECT schema_version FROM pragma_schema_version) AS schema';
  db.exec('BEGIN');
  let rows: Record<string, SqlValue>[];
  let wrote: boolean;
  try {
    const before = db.query(probe)[0];
    rows = db.query(sql, undefined, CONSOLE_LIMITS.maxRows + 1);
    const after = db.query(probe)[0];
    wrote = before?.changes !== after?.changes || before?.schema !== after?.schema;
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
  }
  if (wrote) {
    if (analysis.touchesEngineTables) throw new ConsoleRefusal('the engine’s own tables (__cutover_…) are read-only in the console');
    const changes = await rehearsal.consoleWrite(side, sql);
    return { side, columns: [], rows: [], truncated: false, truncatedValues: 0, changes, kind: 'write', durationMs: now() - start };
  }
  const columns = rows.length > 0 ? Object.keys(rows[0] as object) : db.describe(sql).columns;
  const capped = rows.slice(0, CONSOLE_LIMITS.maxRows);
  let truncatedValues = 0;
  const cell = (v: SqlValue): SqlValue => {
    // Huge values would freeze the page that renders them: keep a prefix and say so.
    if (typeof v === 'string' && v.length > CONSOLE_LIMITS.maxValueChars) {
      truncatedValues++;
      return `${v.slice(0, CONSOLE_LIMITS.maxValueChars)}… (${v.length} characters)`;
    }
    if (v instanceof Uint8Array && v.length > CONSOLE_LIMITS.maxBlobBytes) {
      truncatedValues++;
      return v.slice(0, CONSOLE_LIMITS.maxBlobBytes);
    }
    return v;
  };
  return {
    side,
    columns: [...columns],
    rows: capped.map((r) => columns.map((c) => cell(r[c] ?? null))),
    truncated: rows.length > capped.length,
    truncatedValues,
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
