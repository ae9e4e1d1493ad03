/**
 * The SQL port: what the engine needs from a SQLite database. sql.js implements it in
 * `src/store/sqljs.ts`; the engine itself never imports sql.js.
 */

/** A value SQLite can store. */
export type SqlValue = string | number | null | Uint8Array;

/** Named parameters, without their `:` prefix: `{ spec_id: 'SPEC-1' }` binds `:spec_id`. */
export type Params = Readonly<Record<string, SqlValue>>;

/** One row, keyed by column name. */
export type Row = Readonly<Record<string, SqlValue>>;

/** A statement with its parameters, as executed and as journaled. */
export interface BoundStatement {
  readonly sql: string;
  readonly params?: Params;
}

/** What `describe` learns from preparing one statement. */
export interface StatementShape {
  /** Result column names (empty for statements that return no rows). */
  readonly columns: readonly string[];
  /** Named parameters the statement uses, without prefix. */
  readonly params: readonly string[];
  /** Whether running it leaves the database unchanged, as `sqlite3_stmt_readonly` decides (false for `UPDATE … RETURNING`). */
  readonly readonly: boolean;
}

/** An error raised by SQLite, with its message unchanged ("no such table: agent_output"). */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  constructor(
    message: string,
    /** The statement that failed. */
    readonly sql: string,
  ) {
    super(message);
  }
}

/** One open SQLite database. Synchronous, as sql.js is. */
export interface SqlDatabase {
  /** Executes one statement that returns no rows; returns the number of rows it changed. */
  run(sql: string, params?: Params): number;
  /** Executes one statement and returns its rows (at most `limit`, when given: the rest are never stepped). */
  query(sql: string, params?: Params, limit?: number): Row[];
  /** Runs a script of several statements without parameters (DDL, BEGIN/COMMIT). */
  exec(script: string): void;
  /** Prepares every statement in `sql` without running it; throws SqlError if any fails or `sql` holds more than one. */
  describe(sql: string): StatementShape;
  /** The whole database file as bytes (a consistent image; never call inside a transaction). */
  export(): Uint8Array;
  /** Whether a transaction is open. */
  readonly inTransaction: boolean;
  /** Frees the database; it cannot be used afterwards. */
  close(): void;
}

/** Opens databases: empty, or from the bytes of a SQLite file. */
export interface SqlEngine {
  /** Throws SqlError with a clear message when `bytes` is not a SQLite database. */
  open(bytes?: Uint8Array): SqlDatabase;
}

/** Runs `statements` in one transaction: all or nothing. Rethrows the first error after rolling back. */
export function runInTransaction(db: SqlDatabase, statements: readonly BoundStatement[]): void {
  db.exec('BEGIN');
  try {
    for (const s of statements) db.run(s.sql, s.params);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** True when `bytes` begins with the 100-byte SQLite file header ("SQLite format 3\0"). */
export function hasSqliteHeader(bytes: Uint8Array): boolean {
  const header = 'SQLite format 3\u0000';
  if (bytes.length < 100) return false;
  for (let i = 0; i < header.length; i++) if (bytes[i] !== header.charCodeAt(i)) return false;
  return true;
}

/** Renders a value from a database as text (blobs as hex), for reports and the UI. */
export function sqlValueToText(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (value instanceof Uint8Array) return `x'${[...value].map((b) => b.toString(16).padStart(2, '0')).join('')}'`;
  return String(value);
}

/** A JSON-safe form of a value: blobs become `{ "blob": "<hex>" }`. */
export function sqlValueToJson(value: SqlValue): string | number | null | { blob: string } {
  if (value instanceof Uint8Array) return { blob: [...value].map((b) => b.toString(16).padStart(2, '0')).join('') };
  return value;
}

/** Equality of two values as SQLite would compare them for identity (blobs by bytes; 1 and 1.0 equal). */
export function sqlValuesEqual(a: SqlValue, b: SqlValue): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    return a.every((byte, i) => byte === b[i]);
  }
  return a === b;
}
