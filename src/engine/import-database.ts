/**
 * Checks a database file for import and makes a starter scenario of it (the worker's
 * `EngineApi.inspectDatabase`, and `cutover-lab starter`).
 * In order: the size cap, the SQLite header, the file's length against the header's page count (a
 * file cut short in a copy or a download), opening it, `PRAGMA integrity_check`, then its tables.
 * Every refusal says what is wrong and what to do; nothing is stored either way.
 */
import { MAX_IMPORT_BYTES, sqliteFileProblem, withoutWal } from './import-file.ts';
import type { Scenario } from './scenario/format.ts';
import { starterScenario, quoteIdent, type ColumnSample, type SchemaTable } from './scenario/starter.ts';
import { formatProblems, validateScenario } from './scenario/validate.ts';
import type { SqlDatabase, SqlEngine } from './sql.ts';

/** One table of an imported database, as the import shows it. */
export interface ImportedTable {
  readonly name: string;
  readonly rows: number;
  readonly columns: readonly { readonly name: string; readonly type: string; readonly notNull: boolean; /** Position in the primary key from 1; 0 when not in it. */ readonly pk: number }[];
  readonly foreignKeys: readonly { readonly from: readonly string[]; readonly table: string; readonly to: readonly string[] }[];
  /** The starter scenario's collection for it, or null when it has none (`note` says why). */
  readonly collection: string | null;
  readonly note?: string;
}

/**
 * A `.sqlite` file checked for import: its tables and a starter scenario made from them; or why it
 * cannot be imported, with what to do. Nothing is stored.
 */
export type DatabaseInspection =
  | {
      readonly ok: true;
      /** The worker keeps the file under this id for dry runs (until the next import or a restart). */
      readonly importId: string;
      readonly fileName: string;
      readonly bytes: number;
      readonly tables: readonly ImportedTable[];
      /** A scenario to edit: the old schema is the file's, the new one a copy, a collection per table with a primary key. */
      readonly starter: Scenario;
      /** What the starter left out or changed, in words (a table without a primary key, a view). */
      readonly notes: readonly string[];
      /** How long each stage took, in milliseconds (open, integrity check, tables, starter), by the `now` given. */
      readonly timings: Readonly<Record<string, number>>;
    }
  | { readonly ok: false; readonly problem: string };

/** How an inspection is named and timed (the engine has no clock of its own: the host passes one). */
export interface InspectOptions {
  readonly importId: string;
  /** Milliseconds, for `timings` (default: none measured, all 0). */
  readonly now?: () => number;
}

/** Checks `bytes` (the file `fileName`) and makes its starter scenario. */
export function inspectDatabase(sql: SqlEngine, bytes: Uint8Array, fileName: string, options: InspectOptions): DatabaseInspection {
  const now = options.now ?? (() => 0);
  const timings: Record<string, number> = {};
  const timed = <T>(stage: string, fn: () => T): T => {
    const t0 = now();
    try {
      return fn();
    } finally {
      timings[stage] = Math.round(now() - t0);
    }
  };
  const problem = sqliteFileProblem(bytes, MAX_IMPORT_BYTES);
  if (problem) return { ok: false, problem };
  const { bytes: readable, notes: walNotes } = withoutWal(bytes);
  let db: SqlDatabase;
  try {
    db = timed('open', () => sql.open(readable));
  } catch (error) {
    return { ok: false, problem: `SQLite cannot open it (${(error as Error).message}): it is damaged or not a database. Check it with "sqlite3 ${shellWord(fileName)} 'PRAGMA integrity_check'", or recover it with sqlite3's .recover, then import the result.` };
  }
  try {
    let integrity: string[];
    try {
      integrity = timed('integrity', () => db.query('PRAGMA integrity_check(20)').map((r) => String(Object.values(r)[0])));
    } catch (error) {
      return { ok: false, problem: damaged(fileName, [(error as Error).message]) };
    }
    if (integrity.length !== 1 || integrity[0] !== 'ok') return { ok: false, problem: damaged(fileName, integrity) };
    return describe(db, sql, bytes, fileName, walNotes, timings, options.importId, now);
  } finally {
    db.close();
  }
}

/** A file name as one shell word, for the commands a message suggests: a name is the file's, not ours. */
const shellWord = (name: string): string => (/^[A-Za-z0-9._/-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`);

function damaged(fileName: string, messages: readonly string[]): string {
  const shown = messages.slice(0, 3).join('; ');
  return `the database is damaged: PRAGMA integrity_check reports ${shown}${messages.length > 3 ? ` and ${messages.length - 3} more` : ''}. Recover it with the sqlite3 tool ("sqlite3 ${shellWord(fileName)} .recover > recovered.sql"), load that into a new file, and import that.`;
}

function describe(db: SqlDatabase, sql: SqlEngine, bytes: Uint8Array, fileName: string, walNotes: readonly string[], timings: Record<string, number>, importId: string, now: () => number): DatabaseInspection {
  const started = now();
  // `PRAGMA table_list` (SQLite 3.37) tells tables from views, virtual tables and their shadow tables.
  const list = db.query('PRAGMA table_list').filter((r) => r.schema === 'main');
  const kind = new Map(list.map((r) => [String(r.name), String(r.type)]));
  const engineOwned = [...kind.keys()].filter((n) => n.startsWith('__cutover_'));
  if (engineOwned.length > 0) {
    return { ok: false, problem: `it holds Cutover Lab's own tables (${engineOwned.slice(0, 3).join(', ')}): it is a copy of a rehearsal's storage, not an application's database. Import a database exported with "Export" (which leaves them out), or the application's own file.` };
  }
  const notes: string[] = [...walNotes];
  const master = db.query("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid");
  const ddl: string[] = [];
  // A virtual table (FTS5, R*Tree) is kept when this build's SQLite can make it (its shadow tables
  // come with it); one it cannot make is left out, with every trigger that writes to it.
  const virtualTables = new Set<string>();
  const skipped = new Set<string>();
  const scratch = sql.open();
  try {
    for (const r of master) {
      const table = String(r.tbl_name);
      if (kind.get(table) !== 'virtual' || r.type !== 'table' || virtualTables.has(table) || skipped.has(table)) continue;
      try {
        scratch.exec(String(r.sql));
        virtualTables.add(table);
      } catch (error) {
        skipped.add(table);
        notes.push(`virtual table "${table}" is left out of both schemas (this build's SQLite cannot make it: ${(error as Error).message}), with the triggers that write to it; its data stays in the old database`);
      }
    }
  } finally {
    scratch.close();
  }
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // A name stands alone when no word character touches it (quotes and dots do not).
  const mentionsSkipped = (statement: string): string | undefined => [...skipped].find((t) => new RegExp(`(^|\\W)${escape(t)}(\\W|$)`, 'i').test(statement));
  for (const r of master) {
    const name = String(r.name);
    const table = String(r.tbl_name);
    if (name.startsWith('sqlite_') || table.startsWith('sqlite_')) continue;
    const t = kind.get(table);
    if (t === 'shadow' || skipped.has(table)) continue;
    if (r.type === 'trigger') {
      const target = mentionsSkipped(String(r.sql));
      if (target !== undefined) {
        notes.push(`trigger "${name}" is left out of both schemas: it writes to the virtual table "${target}", which is left out`);
        continue;
      }
    }
    ddl.push(String(r.sql));
  }
  const tables: SchemaTable[] = [];
  // In creation order (sqlite_master's), as the application's schema declares them.
  const tableNames = master.filter((r) => r.type === 'table').map((r) => String(r.name));
  for (const name of tableNames) {
    if (kind.get(name) !== 'table' || name.startsWith('sqlite_')) continue;
    const q = quoteIdent(name);
    const columns = db.query(`PRAGMA table_xinfo(${q})`).filter((c) => Number(c.hidden) !== 1).map((c) => ({
      name: String(c.name),
      type: String(c.type ?? ''),
      notNull: Number(c.notnull) === 1,
      pk: Number(c.pk),
      generated: Number(c.hidden) === 2 || Number(c.hidden) === 3,
    }));
    const fks = new Map<number, { from: string[]; table: string; to: string[] }>();
    for (const f of db.query(`PRAGMA foreign_key_list(${q})`)) {
      const id = Number(f.id);
      const entry = fks.get(id) ?? { from: [], table: String(f.table), to: [] };
      entry.from.push(String(f.from));
      if (f.to !== null && f.to !== undefined) entry.to.push(String(f.to));
      fks.set(id, entry);
    }
    const rows = Number(db.query(`SELECT count(*) AS n FROM ${q}`)[0]?.n ?? 0);
    const unique = uniqueColumns(db, q);
    const samples = sampleColumns(db, q, columns.map((c) => c.name));
    const described = columns.map((c) => ({ ...c, ...(unique.has(c.name) ? { unique: true } : {}), ...(samples.get(c.name) ? { sample: samples.get(c.name) as ColumnSample } : {}) }));
    const keyColumns = columns.filter((c) => c.pk > 0);
    let keyRange: [number, number] | undefined;
    if (keyColumns.length === 1 && rows > 0) {
      const k = quoteIdent((keyColumns[0] as { name: string }).name);
      const r = db.query(`SELECT min(${k}) AS lo, max(${k}) AS hi FROM ${q}`)[0];
      if (r && Number.isSafeInteger(r.lo) && Number.isSafeInteger(r.hi)) keyRange = [r.lo as number, r.hi as number];
    }
    const unkeyable = rows > 0 ? keyProblem(db, q, keyColumns.map((c) => c.name)) : undefined;
    tables.push({ name, columns: described, foreignKeys: [...fks.values()], rows, ...(keyRange ? { keyRange } : {}), ...(unkeyable ? { unkeyable } : {}) });
  }
  const views = [...kind].filter(([, t]) => t === 'view').map(([n]) => n);
  const t0 = now();
  timings.tables = Math.round(t0 - started);
  const starter = starterScenario({ fileName, ddl, tables, views, virtualTables: [...virtualTables] });
  const v = validateScenario(starter.scenario, sql);
  timings.starter = Math.round(now() - t0);
  if (!v.ok) notes.push(`the starter needs editing before it can run:\n${formatProblems(v.problems)}`);
  const importedTables: ImportedTable[] = tables.map((t) => ({
    name: t.name,
    rows: t.rows,
    columns: t.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, pk: c.pk })),
    foreignKeys: t.foreignKeys,
    collection: starter.collections[t.name] ?? null,
    ...(starter.tableNotes[t.name] ? { note: starter.tableNotes[t.name] as string } : {}),
  }));
  return {
    ok: true,
    importId,
    fileName,
    bytes: bytes.length,
    tables: importedTables,
    starter: starter.scenario,
    notes: [...notes, ...starter.notes],
    timings,
  };
}

/**
 * Why the rows of `table` cannot be told apart by `key`, or undefined: a NULL in a key column
 * (SQLite allows it outside an INTEGER PRIMARY KEY, so such rows share one key), or an integer
 * beyond ±2^53, which JavaScript reads rounded (distinct keys would read as one, and paging by key
 * would never move past them).
 */
function keyProblem(db: SqlDatabase, table: string, key: readonly string[]): string | undefined {
  for (const column of key) {
    const k = quoteIdent(column);
    const nulls = Number(db.query(`SELECT count(*) AS n FROM ${table} WHERE ${k} IS NULL`)[0]?.n ?? 0);
    if (nulls > 0) return `${nulls.toLocaleString('en-US')} of its rows have no value (NULL) in key column "${column}", so they cannot be told apart`;
    const huge = Number(db.query(`SELECT count(*) AS n FROM ${table} WHERE typeof(${k}) = 'integer' AND (${k} > 9007199254740991 OR ${k} < -9007199254740991)`)[0]?.n ?? 0);
    if (huge > 0) return `key column "${column}" holds ${huge.toLocaleString('en-US')} integers beyond ±2^53 (snowflake-style ids), which JavaScript reads rounded, so distinct keys would read as one`;
  }
  return undefined;
}

/** Columns a one-column UNIQUE constraint or unique index holds (a primary key aside). */
function uniqueColumns(db: SqlDatabase, table: string): Set<string> {
  const out = new Set<string>();
  for (const index of db.query(`PRAGMA index_list(${table})`)) {
    if (Number(index.unique) !== 1 || index.origin === 'pk' || Number(index.partial) === 1) continue;
    const columns = db.query(`PRAGMA index_info(${quoteIdent(String(index.name))})`);
    if (columns.length === 1 && columns[0]?.name !== null && columns[0]?.name !== undefined) out.add(String(columns[0].name));
  }
  return out;
}

/** Rows a column sample reads (the table's first, in its own order). */
const SAMPLE_ROWS = 2_000;
/** Most distinct values taken for a column of a few values (a status, a flag)… */
const FEW_VALUES = 8;
/** …when the sample has at least this many rows. */
const FEW_VALUES_MIN_ROWS = 20;

/** What the first rows of `table` hold in each column, for the starter's generators. */
function sampleColumns(db: SqlDatabase, table: string, columns: readonly string[]): Map<string, ColumnSample> {
  const rows = db.query(`SELECT ${columns.map(quoteIdent).join(', ')} FROM ${table} LIMIT ${SAMPLE_ROWS}`);
  const out = new Map<string, ColumnSample>();
  if (rows.length === 0) return out;
  for (const column of columns) {
    const values = rows.map((r) => r[column] ?? null);
    const present = values.filter((v) => v !== null);
    const nulls = present.length < values.length;
    const distinct = [...new Set(present.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number'))];
    const few = rows.length >= FEW_VALUES_MIN_ROWS && distinct.length > 0 && distinct.length <= FEW_VALUES && distinct.length === new Set(present).size;
    const numbers = present.filter((v): v is number => typeof v === 'number');
    // Integers beyond ±2^53 arrive rounded: no range is taken from them.
    const allInts = present.length > 0 && numbers.length === present.length && numbers.every((n) => Number.isSafeInteger(n));
    const allNumbers = present.length > 0 && numbers.length === present.length;
    let lo = Infinity;
    let hi = -Infinity;
    for (const n of numbers) {
      if (n < lo) lo = n;
      if (n > hi) hi = n;
    }
    out.set(column, {
      nulls,
      ...(few ? { values: distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) } : {}),
      ...(allInts ? { ints: [lo, hi] as const } : {}),
      ...(allNumbers && !allInts ? { reals: [...new Set(numbers)].slice(0, 6) } : {}),
    });
  }
  return out;
}
