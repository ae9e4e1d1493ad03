import type { BindParams, Database, SqlJsStatic, Statement } from 'sql.js';
import { hasSqliteHeader, SqlError, type Params, type Row, type SqlDatabase, type SqlEngine, type StatementShape } from '../engine/sql.ts';
import { scanParams, tokenize } from '../engine/sql-params.ts';

/**
 * Set on every database this port opens. sql.js keeps the file in Emscripten's in-memory file
 * system, and by default SQLite looks the rollback-journal file up, creates and deletes it around
 * every transaction, and stats it (the hot-journal check) before every autocommit read: a fifth
 * of a small write's CPU and up to a fifth of a point read's. Holding the file's lock for the
 * connection's life (nothing else ever opens it) and keeping the rollback journal in memory
 * removes those calls. ROLLBACK still undoes a transaction, which is all the engine asks of
 * SQLite's journal: a crash loses the whole process, the in-memory file with it, and durability
 * is the engine's own journal and snapshots (`src/engine/durability`). Neither setting is stored
 * in the file: `export()` copies pages through the backup API and marks the image as a
 * rollback-journal database, so the bytes open anywhere with the defaults.
 */
export const CONNECTION_PRAGMAS = ['PRAGMA locking_mode=EXCLUSIVE', 'PRAGMA journal_mode=MEMORY'] as const;

/** The SQL port on sql.js. `SQL` is the initialised module: loading it differs in Node and the browser. */
export function createSqlJsEngine(SQL: SqlJsStatic): SqlEngine {
  return {
    open(bytes) {
      if (bytes !== undefined && bytes.length > 0) {
        // sql.js happily "opens" any bytes and fails later; check up front for a clear message.
        if (!hasSqliteHeader(bytes)) throw new SqlError('not a SQLite database (the file header is missing)', '');
      }
      const db = new SQL.Database(bytes && bytes.length > 0 ? bytes : undefined);
      try {
        for (const pragma of CONNECTION_PRAGMAS) db.exec(pragma);
      } catch (error) {
        db.close();
        throw new SqlError(`not a usable SQLite database: ${(error as Error).message}`, '');
      }
      const wrapped = new SqlJsDatabase(db);
      if (bytes && bytes.length > 0) {
        try {
          wrapped.query('SELECT count(*) AS n FROM sqlite_master');
        } catch (error) {
          wrapped.close();
          throw new SqlError(`not a usable SQLite database: ${(error as Error).message}`, '');
        }
      }
      return wrapped;
    },
  };
}

/**
 * The `:name` parameters of `sql` in SQLite's numbering (index i + 1 is `names[i]`), or undefined
 * when the text has anything the numbering here might get wrong. SQLite numbers a statement's
 * parameters in order of first appearance, a name used twice keeping its first number; `?`,
 * `?NNN`, `@x`, `$x` and `#x` take numbers too, and SQLite's tokenizer reads some names this lexer
 * splits differently (`:a::b`, `:1`, `:a$`, `:aé`). Any of those, and the statement is bound by
 * name as sql.js does it, so binding never depends on the guess.
 */
export function positionalNames(sql: string): readonly string[] | undefined {
  const tokens = tokenize(sql);
  const names: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as (typeof tokens)[number];
    if (t.kind === 'other-param') return undefined;
    if (t.kind === 'other' && (t.text === ':' || t.text === '@' || t.text === '$' || t.text === '#')) return undefined;
    if (t.kind !== 'param') continue;
    const after = tokens[i + 1]?.text[0];
    if (after !== undefined && (after === '$' || after === ':' || after === '(' || after.charCodeAt(0) >= 0x80)) return undefined;
    const name = t.text.slice(1);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

const ROW_STATEMENTS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'WITH', 'VALUES']);

/**
 * Whether running `sql` could change the schema (and so the columns a prepared statement
 * returns): anything but a plain SELECT, INSERT, UPDATE, DELETE, REPLACE, WITH or VALUES, and
 * those too when they name the schema table (`writable_schema`).
 */
export function mayChangeSchema(sql: string): boolean {
  const first = tokenize(sql).find((t) => t.kind !== 'space' && t.kind !== 'comment');
  if (first?.kind !== 'ident' || !ROW_STATEMENTS.has(first.text.toUpperCase())) return true;
  return /sqlite_(master|schema|temp_master|temp_schema)/i.test(sql);
}

/**
 * One row as an object, as sql.js's `getAsObject` builds it (a later column of the same name wins
 * and keeps the first one's place; a column named `__proto__` is an own property).
 */
function rowOf(names: readonly string[], values: readonly unknown[]): Row {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (name === '__proto__') Object.defineProperty(row, name, { value: values[i], writable: true, enumerable: true, configurable: true });
    else row[name] = values[i];
  }
  return row as Row;
}

const isOwnEnumerable = (o: object, key: string): boolean => Object.prototype.propertyIsEnumerable.call(o, key);

/** `{ a: 1 }` → `{ ':a': 1 }`: sql.js's object binding, for statements bound by name. */
function prefixed(params: Params): Record<string, Params[string]> {
  const out: Record<string, Params[string]> = {};
  for (const [k, v] of Object.entries(params)) out[`:${k}`] = v;
  return out;
}

/**
 * A prepared statement and how to bind it: positionally when its parameter names could be
 * numbered (`names`), reusing one array of values (sql.js copies them into wasm memory before
 * `bind` returns), else by name.
 */
class Prepared {
  readonly #values: Params[string][];
  /** The statement's column names, read after a step in schema generation `columnsAt` of its database. */
  columns: readonly string[] = [];
  columnsAt = -1;

  constructor(
    readonly statement: Statement,
    readonly names: readonly string[] | undefined,
    /** Running it may change the schema: its database starts a new schema generation first. */
    readonly changesSchema: boolean,
  ) {
    this.#values = names ? new Array<Params[string]>(names.length).fill(null) : [];
  }

  /**
   * What to hand sql.js's `bind` / `run` for `params`: the same values named binding would bind,
   * by position. A parameter `params` does not have stays NULL, a name `sql` does not use is
   * ignored, and an own property holding `undefined` is passed on, so sql.js refuses it with the
   * same error as before.
   */
  values(params: Params | undefined): Params[string][] | Record<string, Params[string]> | null {
    if (!params) return null;
    const names = this.names;
    if (!names) return prefixed(params);
    const values = this.#values;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      values[i] = isOwnEnumerable(params, name) ? (params[name] as Params[string]) : null;
    }
    return values;
  }
}

class SqlJsDatabase implements SqlDatabase {
  readonly #db: Database;
  // Preparing is most of the cost of a small statement; the engine reuses a few dozen texts.
  readonly #cache = new Map<string, Prepared>();
  #closed = false;

  constructor(db: Database) {
    this.#db = db;
  }

  // sql.js does not export sqlite3_get_autocommit; the engine opens and closes transactions only
  // through exec('BEGIN' | 'COMMIT' | 'ROLLBACK'), so tracking them here is exact.
  #inTransaction = false;
  /**
   * Bumped before anything that may change the schema (or undo a change) runs, and after any
   * failure: column names read in an older generation are read again. One connection owns the
   * file (`locking_mode=EXCLUSIVE`), so nothing else changes it.
   */
  #schemaGeneration = 0;
  /** BEGIN, COMMIT and ROLLBACK, each prepared once (every write runs two of them). */
  readonly #control = new Map<string, Statement>();

  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  #statement(sql: string): Prepared {
    let p = this.#cache.get(sql);
    if (!p) {
      let st: Statement;
      try {
        st = this.#db.prepare(sql);
      } catch (error) {
        throw new SqlError((error as Error).message, sql);
      }
      if (this.#cache.size > 200) {
        const [oldestSql, oldest] = this.#cache.entries().next().value as [string, Prepared];
        oldest.statement.free();
        this.#cache.delete(oldestSql);
      }
      p = new Prepared(st, positionalNames(sql), mayChangeSchema(sql));
      this.#cache.set(sql, p);
    }
    return p;
  }

  run(sql: string, params?: Params): number {
    this.#assertOpen();
    const p = this.#statement(sql);
    const st = p.statement;
    if (p.changesSchema) this.#schemaGeneration++;
    try {
      st.run(p.values(params) as BindParams);
    } catch (error) {
      // A failure may roll the transaction back, and a schema change in it with it.
      this.#schemaGeneration++;
      st.reset();
      throw new SqlError((error as Error).message, sql);
    }
    return this.#db.getRowsModified();
  }

  query(sql: string, params?: Params, limit = Number.POSITIVE_INFINITY): Row[] {
    this.#assertOpen();
    const p = this.#statement(sql);
    const st = p.statement;
    const rows: Row[] = [];
    if (p.changesSchema) this.#schemaGeneration++;
    try {
      st.bind(p.values(params) as BindParams);
      while (rows.length < limit && st.step()) {
        // Names are read after a step: a statement prepared before a schema change is prepared
        // again by its first step, and may then return other columns.
        if (p.columnsAt !== this.#schemaGeneration) {
          p.columns = st.getColumnNames();
          p.columnsAt = this.#schemaGeneration;
        }
        rows.push(rowOf(p.columns, st.get()));
      }
    } catch (error) {
      this.#schemaGeneration++;
      throw new SqlError((error as Error).message, sql);
    } finally {
      st.reset();
    }
    return rows;
  }

  exec(script: string): void {
    this.#assertOpen();
    const upper = script.trim().toUpperCase();
    // Anything but BEGIN and COMMIT may change the schema or undo a change (ROLLBACK).
    if (upper !== 'BEGIN' && upper !== 'COMMIT') this.#schemaGeneration++;
    try {
      if (upper === 'BEGIN' || upper === 'COMMIT' || upper === 'ROLLBACK') {
        const st = this.#controlStatement(upper);
        try {
          st.step();
        } finally {
          // A failed COMMIT (a deferred constraint) must not leave the statement active.
          st.reset();
        }
      } else this.#db.exec(script);
    } catch (error) {
      this.#schemaGeneration++;
      throw new SqlError((error as Error).message, script);
    }
    if (upper === 'BEGIN' || upper.startsWith('BEGIN ')) this.#inTransaction = true;
    else if (upper === 'COMMIT' || upper === 'ROLLBACK' || upper === 'END') this.#inTransaction = false;
  }

  #controlStatement(sql: string): Statement {
    let st = this.#control.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#control.set(sql, st);
    }
    return st;
  }

  describe(sql: string): StatementShape {
    this.#assertOpen();
    let count = 0;
    let columns: string[] = [];
    try {
      for (const st of this.#db.iterateStatements(sql)) {
        count++;
        if (count === 1) columns = st.getColumnNames();
        st.free();
      }
    } catch (error) {
      throw new SqlError((error as Error).message, sql);
    }
    if (count === 0) throw new SqlError('empty statement', sql);
    if (count > 1) throw new SqlError(`expected one statement, found ${count}`, sql);
    return { columns, params: scanParams(sql).named, readonly: this.#readonly(sql) };
  }

  // sql.js does not export sqlite3_stmt_readonly, so this applies its rule to the statement's
  // program as EXPLAIN lists it: a statement writes when it opens a write transaction
  // (Transaction with P2 ≠ 0) or vacuums, checkpoints or changes the journal mode. Transaction
  // control (BEGIN, COMMIT) counts as read-only there too, as SQLite documents.
  #readonly(sql: string): boolean {
    if (/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*explain\b/i.test(sql)) return true;
    let program: Statement;
    try {
      program = this.#db.prepare(`EXPLAIN ${sql}`);
    } catch (error) {
      throw new SqlError((error as Error).message, sql);
    }
    try {
      while (program.step()) {
        const [, opcode, , p2] = program.get();
        if (opcode === 'Transaction' && p2 !== 0) return false;
        if (opcode === 'Vacuum' || opcode === 'Checkpoint' || opcode === 'JournalMode') return false;
      }
      return true;
    } finally {
      program.free();
    }
  }

  export(): Uint8Array {
    this.#assertOpen();
    return this.#db.export();
  }

  close(): void {
    if (this.#closed) return;
    for (const st of [...[...this.#cache.values()].map((p) => p.statement), ...this.#control.values()]) st.free();
    this.#cache.clear();
    this.#control.clear();
    this.#db.close();
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new SqlError('database is closed', '');
  }
}
