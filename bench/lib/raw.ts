/**
 * The raw floor: sql.js used directly, as an application would without the engine — its own
 * module instance, each statement prepared once and reused, transactions with `exec('BEGIN')` /
 * `exec('COMMIT')`. The bench is outside src/, so the layer rule that keeps sql.js behind the SQL
 * port does not bind it.
 *
 * Parameters are bound by position: each statement's `:name`s are numbered once, when it is
 * prepared, and its values handed to sql.js as an array, as the engine's port does
 * (src/store/sqljs.ts). Binding by name (`{ ':a': 1 }`) makes sql.js ask SQLite for each name's
 * index on every call, which costs raw about a third more on a dual write's five statements; a
 * floor that paid for it would credit the engine with a saving any application can make.
 *
 * Every raw database gets the engine's connection pragmas (`CONNECTION_PRAGMAS` of
 * src/store/sqljs.ts: `locking_mode=EXCLUSIVE`, `journal_mode=MEMORY`), set right after it is
 * opened, as the engine's port does. With sql.js's defaults instead, SQLite creates, looks up and
 * deletes the rollback-journal file in Emscripten's file system around every transaction and
 * stats it before every autocommit read. That roughly doubles a small write and slows a point
 * read, on the raw side only, which made the engine's ratios look better than they were. Any
 * application can set the same two pragmas, so the floor does too.
 */
import initSqlJs, { type BindParams, type Database, type SqlJsStatic, type Statement } from 'sql.js';
import type { Params } from '../../src/engine/sql.ts';
import { scanParams } from '../../src/engine/sql-params.ts';
import { CONNECTION_PRAGMAS } from '../../src/store/sqljs.ts';

let loading: Promise<SqlJsStatic> | undefined;

/** sql.js for the raw baselines (a module instance of its own, not the engine's). */
export function rawSql(): Promise<SqlJsStatic> {
  loading ??= initSqlJs();
  return loading;
}

/** `{ a: 1 }` → `{ ':a': 1 }`, only the names `sql` uses (what the engine's journal keeps too). */
export function bindFor(sql: string, params: Params): BindParams {
  const out: Record<string, Params[string]> = {};
  for (const m of sql.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = m[1] as string;
    if (!(`:${name}` in out)) out[`:${name}`] = params[name] ?? null;
  }
  return out as BindParams;
}

/** A prepared statement and its `:name` parameters in SQLite's numbering (index i + 1 is `names[i]`). */
interface RawStatement {
  readonly statement: Statement;
  readonly names: readonly string[];
}

/** `names`' values in `params`, by position (a missing one is NULL). */
function positional(names: readonly string[], params: Params): BindParams {
  return names.map((name) => params[name] ?? null) as BindParams;
}

/** A plain sql.js database with prepared statements reused by text. */
export class RawDb {
  readonly #cache = new Map<string, RawStatement>();

  constructor(readonly db: Database) {}

  /**
   * A database with `schema` (or `bytes`), set up as the engine's port sets up its own.
   * `defaults: true` keeps sql.js's default pragmas instead: only for showing what they cost
   * (bench/trace.ts), never as a floor.
   */
  static async open(schema: readonly string[] = [], bytes?: Uint8Array, options: { defaults?: boolean } = {}): Promise<RawDb> {
    const SQL = await rawSql();
    const raw = new RawDb(new SQL.Database(bytes));
    if (!options.defaults) for (const pragma of CONNECTION_PRAGMAS) raw.db.exec(pragma);
    for (const sql of schema) raw.db.exec(sql);
    return raw;
  }

  statement(sql: string): RawStatement {
    let st = this.#cache.get(sql);
    if (!st) {
      const scan = scanParams(sql);
      // Only :name parameters are numbered in order of first use; the scenarios use no other kind.
      if (scan.otherStyles.length > 0) throw new Error(`raw: parameters other than :name in ${sql}`);
      st = { statement: this.db.prepare(sql), names: scan.named };
      this.#cache.set(sql, st);
    }
    return st;
  }

  /** Runs `statements` (each with `params`, only the names it uses) in one transaction. */
  transaction(statements: readonly string[], params: Params): void {
    this.db.exec('BEGIN');
    try {
      for (const sql of statements) {
        const st = this.statement(sql);
        st.statement.run(positional(st.names, params));
      }
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** One query's rows as objects (what the engine's SQL port returns). */
  query(sql: string, params: Params): Record<string, unknown>[] {
    const { statement: st, names } = this.statement(sql);
    const rows: Record<string, unknown>[] = [];
    try {
      st.bind(positional(names, params));
      while (st.step()) rows.push(st.getAsObject());
    } finally {
      st.reset();
    }
    return rows;
  }

  /** Runs a script without parameters. */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  close(): void {
    for (const st of this.#cache.values()) st.statement.free();
    this.#cache.clear();
    this.db.close();
  }
}

/** The version of sql.js in node_modules. */
export async function sqlJsVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { createRequire } = await import('node:module');
  const main = createRequire(import.meta.url).resolve('sql.js');
  // node_modules/sql.js/dist/sql-wasm.js → node_modules/sql.js/package.json
  const pkg = JSON.parse(await readFile(new URL('../package.json', `file://${main.replace(/\/dist\/[^/]+$/, '/dist/')}`), 'utf8')) as { version: string };
  return pkg.version;
}
