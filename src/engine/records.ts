/**
 * Records: the canonical form both sides share, and the engine's own bookkeeping beside each
 * side's tables — a version per record and tombstones for deletes — written in the same
 * transaction as the change it describes. Versions let backfill and reverse-sync copy only what is
 * newer (never overwriting a newer dual-written row) and tell a deleted record from a missing one.
 */
import { NO_EXPRESSIONS, type Expressions } from './expressions.ts';
import type { Collection, Scenario, Side, ValueRef, WriteOperation } from './scenario/format.ts';
import { tokenize } from './sql-params.ts';
import type { BoundStatement, Params, Row, SqlDatabase, SqlValue } from './sql.ts';

/** Table holding record versions and tombstones on `side`. */
export const versionTable = (side: Side): string => `__cutover_versions_${side}`;
/** Table holding engine state (cursors) on `side`. */
export const stateTable = (side: Side): string => `__cutover_state_${side}`;

/** DDL of the engine's tables on `side`. */
export function engineTablesDdl(side: Side): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${versionTable(side)} (collection TEXT NOT NULL, record_key TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (collection, record_key)) WITHOUT ROWID`,
    `CREATE TABLE IF NOT EXISTS ${stateTable(side)} (name TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  ];
}

/** A record's identity: its key values as a JSON array, in the collection's key order. */
export function recordKey(collection: Collection, row: Readonly<Record<string, SqlValue>>): string {
  return JSON.stringify(collection.key.map((k) => jsonSafe(row[k] ?? null)));
}

function jsonSafe(v: SqlValue): string | number | null {
  if (v instanceof Uint8Array) return `x'${[...v].map((b) => b.toString(16).padStart(2, '0')).join('')}'`;
  return v;
}

/** Resolves a value reference of an effect against an invocation's parameters. */
export function resolveRef(ref: ValueRef, params: Params, expressions: Expressions = NO_EXPRESSIONS): SqlValue {
  if (typeof ref === 'string') return params[ref] ?? null;
  if ('value' in ref) return ref.value;
  if ('expr' in ref) return expressions.evaluate(ref.expr, params);
  const v = params[ref.param] ?? null;
  return v === null ? ref.ifNull : v;
}

/** The key columns of the record a write names. */
export function effectKey(op: WriteOperation, params: Params, expressions: Expressions = NO_EXPRESSIONS): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  for (const [col, ref] of Object.entries(op.effect.key)) out[col] = resolveRef(ref, params, expressions);
  return out;
}

/** The fields a write sets. */
export function effectFields(op: WriteOperation, params: Params, expressions: Expressions = NO_EXPRESSIONS): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  for (const [col, ref] of Object.entries(op.effect.set ?? {})) out[col] = resolveRef(ref, params, expressions);
  return out;
}

const keyParam = (col: string): string => `__key_${col}`;
const lastParam = (col: string): string => `__last_${col}`;

/** `"a" IS :__key_a AND "b" IS :__key_b`: null-safe match of a record by key. */
function keyMatch(collection: Collection): string {
  return collection.key.map((k) => `"${k}" IS :${keyParam(k)}`).join(' AND ');
}

/**
 * The query that finds one record by key on `side`: the canonical `rows` query filtered by key.
 * SQLite flattens the subquery (or pushes the WHERE down into it), so the key terms reach the
 * tables' indexes: with `rows` computing the key (`json_extract(value, '$.job_id') AS job_id`) an
 * index on that expression turns the lookup from `SCAN` into `SEARCH`. `IS` keeps the match
 * null-safe and is used for an index as `=` is (`query-plans.ts` checks the plan).
 */
export function keyLookupSql(collection: Collection, side: Side): string {
  return `SELECT * FROM (${collection.rows[side]}) WHERE ${keyMatch(collection)} LIMIT 2`;
}

/** The parameters of `keyLookupSql` for one record's key values. */
export function keyLookupParams(collection: Collection, key: Readonly<Record<string, SqlValue>>): Record<string, SqlValue> {
  return keyParams(collection, key);
}

function keyParams(collection: Collection, key: Readonly<Record<string, SqlValue>>): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  for (const k of collection.key) out[keyParam(k)] = key[k] ?? null;
  return out;
}

/** A record's version on one side; `deleted` marks a tombstone. Absent means never written through the engine. */
export interface VersionInfo {
  readonly version: number;
  readonly deleted: boolean;
}

/** Reads and writes canonical records and their versions on the databases of a scenario. */
export class RecordAccess {
  readonly #lookups = new Map<Collection, { old?: string; new?: string }>();

  constructor(private readonly scenario: Scenario) {}

  #lookupSql(c: Collection, side: Side): string {
    let entry = this.#lookups.get(c);
    if (!entry) this.#lookups.set(c, (entry = {}));
    return (entry[side] ??= keyLookupSql(c, side));
  }

  collection(name: string): Collection {
    const c = this.scenario.collections[name];
    if (!c) throw new Error(`no collection "${name}"`);
    return c;
  }

  /** The canonical record with `key` on `side`, or undefined. */
  readRecord(db: SqlDatabase, side: Side, collectionName: string, key: Readonly<Record<string, SqlValue>>): Row | undefined {
    const c = this.collection(collectionName);
    return db.query(this.#lookupSql(c, side), keyParams(c, key), 1)[0];
  }

  /** Every canonical record of a collection on `side`, in key order. */
  allRecords(db: SqlDatabase, side: Side, collectionName: string): Row[] {
    const c = this.collection(collectionName);
    return db.query(`SELECT * FROM (${c.rows[side]}) ORDER BY ${c.key.map((k) => `"${k}"`).join(', ')}`);
  }

  /**
   * Up to `limit` canonical records after `after` (a row of key values), in key order; with
   * `keysOnly`, only their key columns (what a batch needs to lock and to move its cursor).
   */
  recordsAfter(db: SqlDatabase, side: Side, collectionName: string, after: Readonly<Record<string, SqlValue>> | undefined, limit: number, options: { readonly keysOnly?: boolean } = {}): Row[] {
    const c = this.collection(collectionName);
    const order = c.key.map((k) => `"${k}"`).join(', ');
    const columns = options.keysOnly ? order : '*';
    if (!after) return db.query(`SELECT ${columns} FROM (${c.rows[side]}) ORDER BY ${order} LIMIT :__limit`, { __limit: limit });
    // Row values compare lexicographically in SQLite, the same order as ORDER BY.
    const cursor = c.key.map((k) => `:${keyParam(k)}`).join(', ');
    return db.query(`SELECT ${columns} FROM (${c.rows[side]}) WHERE (${order}) > (${cursor}) ORDER BY ${order} LIMIT :__limit`, {
      ...keyParams(c, after),
      __limit: limit,
    });
  }

  /**
   * The canonical records with keys after `after` (none: from the first) up to and including
   * `last`, in key order: a batch read again in one query. Row values compare as ORDER BY sorts,
   * so this is the range `recordsAfter` returned, as it is now.
   */
  recordsThrough(
    db: SqlDatabase,
    side: Side,
    collectionName: string,
    after: Readonly<Record<string, SqlValue>> | undefined,
    last: Readonly<Record<string, SqlValue>>,
    options: { readonly keysOnly?: boolean } = {},
  ): Row[] {
    const c = this.collection(collectionName);
    const order = c.key.map((k) => `"${k}"`).join(', ');
    const columns = options.keysOnly ? order : '*';
    const upTo = c.key.map((k) => `:${lastParam(k)}`).join(', ');
    const lastParams: Record<string, SqlValue> = {};
    for (const k of c.key) lastParams[lastParam(k)] = last[k] ?? null;
    if (!after) return db.query(`SELECT ${columns} FROM (${c.rows[side]}) WHERE (${order}) <= (${upTo}) ORDER BY ${order}`, lastParams);
    const cursor = c.key.map((k) => `:${keyParam(k)}`).join(', ');
    return db.query(`SELECT ${columns} FROM (${c.rows[side]}) WHERE (${order}) > (${cursor}) AND (${order}) <= (${upTo}) ORDER BY ${order}`, { ...keyParams(c, after), ...lastParams });
  }

  /**
   * `recordsThrough` joined with the records' versions on the same side, in one query: the
   * version row is found by `json_array(key…)`, which SQLite must spell as `recordKey` does. Each
   * row's spelling is checked; undefined when one differs (a real SQLite prints with 15 digits, a
   * lone surrogate, a blob key), and the caller reads the versions with `versionsOf` instead.
   * The rows carry three extra columns, `__cutover_record_key`, `__cutover_version` and
   * `__cutover_deleted`.
   */
  recordsThroughWithVersions(
    db: SqlDatabase,
    side: Side,
    collectionName: string,
    after: Readonly<Record<string, SqlValue>> | undefined,
    last: Readonly<Record<string, SqlValue>>,
  ): { rows: Row[]; versions: Map<string, VersionInfo> } | undefined {
    const c = this.collection(collectionName);
    const order = c.key.map((k) => `r."${k}"`).join(', ');
    const upTo = c.key.map((k) => `:${lastParam(k)}`).join(', ');
    const params: Record<string, SqlValue> = { __c: collectionName };
    for (const k of c.key) params[lastParam(k)] = last[k] ?? null;
    let where = `(${order}) <= (${upTo})`;
    if (after) {
      where = `(${order}) > (${c.key.map((k) => `:${keyParam(k)}`).join(', ')}) AND ${where}`;
      Object.assign(params, keyParams(c, after));
    }
    const sql = `SELECT r.*, json_array(${order}) AS __cutover_record_key, v.version AS __cutover_version, v.deleted AS __cutover_deleted FROM (${c.rows[side]}) AS r LEFT JOIN ${versionTable(side)} AS v ON v.collection = :__c AND v.record_key = json_array(${order}) WHERE ${where} ORDER BY ${order}`;
    let rows: Row[];
    try {
      rows = db.query(sql, params);
    } catch {
      return undefined; // json_array refuses a blob key
    }
    const versions = new Map<string, VersionInfo>();
    for (const r of rows) {
      const key = recordKey(c, r);
      if (r.__cutover_record_key !== key) return undefined;
      if (r.__cutover_version !== null && r.__cutover_version !== undefined) versions.set(key, { version: Number(r.__cutover_version), deleted: Number(r.__cutover_deleted) === 1 });
    }
    return { rows, versions };
  }

  /** The versions of the records with these record keys on `side`, in one query; absent keys are not in the map. */
  versionsOf(db: SqlDatabase, side: Side, collectionName: string, keys: readonly string[]): Map<string, VersionInfo> {
    const out = new Map<string, VersionInfo>();
    if (keys.length === 0) return out;
    const rows = db.query(`SELECT record_key, version, deleted FROM ${versionTable(side)} WHERE collection = :c AND record_key IN (SELECT value FROM json_each(:keys))`, {
      c: collectionName,
      keys: JSON.stringify(keys),
    });
    for (const r of rows) out.set(String(r.record_key), { version: Number(r.version), deleted: Number(r.deleted) === 1 });
    return out;
  }

  /**
   * One statement recording the versions of many records (tombstones where `deleted`), as
   * `versionStatement` does for one: the rows travel as one JSON parameter.
   */
  versionsStatement(side: Side, collectionName: string, entries: readonly { readonly key: string; readonly version: number; readonly deleted: boolean }[]): BoundStatement {
    return {
      sql: `INSERT INTO ${versionTable(side)} (collection, record_key, version, deleted) SELECT :c, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(:rows) WHERE true ON CONFLICT (collection, record_key) DO UPDATE SET version = excluded.version, deleted = excluded.deleted`,
      params: { c: collectionName, rows: JSON.stringify(entries.map((e) => [e.key, e.version, e.deleted ? 1 : 0])) },
    };
  }

  /** The version of one record on `side`. */
  readVersion(db: SqlDatabase, side: Side, collectionName: string, key: string): VersionInfo | undefined {
    const rows = db.query(`SELECT version, deleted FROM ${versionTable(side)} WHERE collection = :c AND record_key = :k`, { c: collectionName, k: key });
    const r = rows[0];
    return r ? { version: Number(r.version), deleted: Number(r.deleted) === 1 } : undefined;
  }

  /** Every version row of a collection on `side`, by record key. */
  allVersions(db: SqlDatabase, side: Side, collectionName: string): Map<string, VersionInfo> {
    const out = new Map<string, VersionInfo>();
    for (const r of db.query(`SELECT record_key, version, deleted FROM ${versionTable(side)} WHERE collection = :c`, { c: collectionName })) {
      out.set(String(r.record_key), { version: Number(r.version), deleted: Number(r.deleted) === 1 });
    }
    return out;
  }

  /** Tombstones of a collection on `side` after `afterKey`, in record-key order. */
  tombstonesAfter(db: SqlDatabase, side: Side, collectionName: string, afterKey: string | undefined, limit: number): { key: string; version: number }[] {
    return db
      .query(
        `SELECT record_key, version FROM ${versionTable(side)} WHERE collection = :c AND deleted = 1 AND record_key > :after ORDER BY record_key LIMIT :__limit`,
        { c: collectionName, after: afterKey ?? '', __limit: limit },
      )
      .map((r) => ({ key: String(r.record_key), version: Number(r.version) }));
  }

  /** Highest version on `side` (0 when none). */
  maxVersion(db: SqlDatabase, side: Side): number {
    const r = db.query(`SELECT max(version) AS v FROM ${versionTable(side)}`)[0];
    return Number(r?.v ?? 0);
  }

  /** Statement recording `version` for a record (a tombstone when `deleted`). */
  versionStatement(side: Side, collectionName: string, key: string, version: number, deleted: boolean): BoundStatement {
    return {
      sql: `INSERT INTO ${versionTable(side)} (collection, record_key, version, deleted) VALUES (:c, :k, :v, :d) ON CONFLICT (collection, record_key) DO UPDATE SET version = excluded.version, deleted = excluded.deleted`,
      params: { c: collectionName, k: key, v: version, d: deleted ? 1 : 0 },
    };
  }

  /** Statement removing a record's version row (restoring "never written"). */
  clearVersionStatement(side: Side, collectionName: string, key: string): BoundStatement {
    return { sql: `DELETE FROM ${versionTable(side)} WHERE collection = :c AND record_key = :k`, params: { c: collectionName, k: key } };
  }

  /**
   * Statements that write many canonical records on `side`, as `upsertStatements` without the
   * version would one after another, but in one INSERT: the records travel as one JSON
   * parameter into a temporary view whose INSTEAD OF trigger runs the collection's upsert
   * statements for each row, in order (record 1's statements, then record 2's, …), `:column`
   * read as `NEW."column"`. The view and trigger are created with the batch (IF NOT EXISTS: a
   * journal replay on a reopened database creates them again); they live in the connection's
   * temp schema, never in the file. Undefined when the batch cannot go this way: the upsert
   * statements cannot run in a trigger (a WITH clause, a qualified table name), or a value cannot
   * travel as JSON exactly as sql.js would bind it (a blob, a string holding NUL or a lone
   * surrogate, a number that is not finite).
   */
  batchUpsertStatements(db: SqlDatabase, side: Side, collectionName: string, records: readonly Row[]): BoundStatement[] | undefined {
    const c = this.collection(collectionName);
    const batch = this.#batchSql(db, side, c);
    if (!batch) return undefined;
    const rows = batchRowsJson(records, batch.columns);
    if (rows === undefined) return undefined;
    return [{ sql: batch.view }, { sql: batch.trigger }, { sql: batch.insert, params: { rows } }];
  }

  readonly #batches = new Map<Collection, { old?: BatchSql | null; new?: BatchSql | null }>();

  /** The batch statements of a collection on `side`, made and tried once; null when its upserts cannot run in a trigger. */
  #batchSql(db: SqlDatabase, side: Side, c: Collection): BatchSql | undefined {
    let entry = this.#batches.get(c);
    if (!entry) this.#batches.set(c, (entry = {}));
    const known = entry[side];
    if (known !== undefined) return known ?? undefined;
    if (db.inTransaction) return undefined;
    const made = batchSql(c, side);
    let works = made !== undefined;
    if (made) {
      // Try it on the real schema (rolled back): SQLite refuses some statements inside triggers.
      db.exec('BEGIN');
      try {
        db.exec(made.view);
        db.exec(made.trigger);
      } catch {
        works = false;
      } finally {
        db.exec('ROLLBACK');
      }
    }
    entry[side] = works ? (made as BatchSql) : null;
    return entry[side] ?? undefined;
  }

  /** Statements that write canonical `record` on `side` with its version (without it when `withVersion` is false: the caller records many at once). */
  upsertStatements(side: Side, collectionName: string, record: Readonly<Record<string, SqlValue>>, version: number, options: { readonly withVersion?: boolean } = {}): BoundStatement[] {
    const c = this.collection(collectionName);
    const params = pick(record, [...c.key, ...c.fields]);
    const upserts = c.upsert[side].map((sql) => ({ sql, params }));
    return options.withVersion === false ? upserts : [...upserts, this.versionStatement(side, collectionName, recordKey(c, record), version, false)];
  }

  /** Statements that remove a record on `side`, leaving a tombstone at `version` (not when `withVersion` is false: the caller records many at once). */
  removeStatements(side: Side, collectionName: string, key: Readonly<Record<string, SqlValue>>, version: number, options: { readonly withVersion?: boolean } = {}): BoundStatement[] {
    const c = this.collection(collectionName);
    const params = pick(key, c.key);
    const removes = c.remove[side].map((sql) => ({ sql, params }));
    return options.withVersion === false ? removes : [...removes, this.versionStatement(side, collectionName, recordKey(c, key), version, true)];
  }
}

/** The statements of a batch upsert (`RecordAccess.batchUpsertStatements`). */
interface BatchSql {
  readonly columns: readonly string[];
  readonly view: string;
  readonly trigger: string;
  readonly insert: string;
}

/** The view, trigger and INSERT that upsert a batch of `c`'s records on `side`; undefined when a statement uses a parameter that is not a column. */
function batchSql(c: Collection, side: Side): BatchSql | undefined {
  const columns = [...new Set([...c.key, ...c.fields])];
  const body: string[] = [];
  for (const sql of c.upsert[side]) {
    const tokens = tokenize(sql);
    // Drop a trailing ';' (and what follows it): each statement ends where the body says.
    let end = tokens.length;
    while (end > 0 && ['space', 'comment'].includes((tokens[end - 1] as { kind: string }).kind)) end--;
    if (end > 0 && tokens[end - 1]?.text === ';') end--;
    let out = '';
    for (const t of tokens.slice(0, end)) {
      if (t.kind === 'other-param') return undefined;
      if (t.kind === 'param') {
        const name = t.text.slice(1);
        if (!columns.includes(name)) return undefined;
        out += `NEW.${quoteName(name)}`;
      } else out += t.text;
    }
    // A line comment at the end would swallow the ';' on the same line.
    body.push(`${out}\n;`);
  }
  if (body.length === 0) return undefined;
  const name = `__cutover_copy_${side}_${fnv1a(`${columns.join('\u0000')}\u0001${body.join('\n')}`)}`;
  return {
    columns,
    view: `CREATE TEMP VIEW IF NOT EXISTS ${quoteName(name)} AS SELECT ${columns.map((col) => `NULL AS ${quoteName(col)}`).join(', ')}`,
    trigger: `CREATE TEMP TRIGGER IF NOT EXISTS ${quoteName(`${name}_rows`)} INSTEAD OF INSERT ON ${quoteName(name)} BEGIN\n${body.join('\n')}\nEND`,
    insert: `INSERT INTO temp.${quoteName(name)} (${columns.map(quoteName).join(', ')}) SELECT ${columns.map((_, i) => `json_extract(value, '$[${i}]')`).join(', ')} FROM json_each(:rows)`,
  };
}

const quoteName = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** 32-bit FNV-1a of `text`, as 8 hex digits: names the batch view by what it runs. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

// A lone surrogate (JSON would escape it; sql.js would encode it differently) or NUL (sql.js binds text up to it).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unsafeText = (s: string): boolean => s.includes('\u0000') || LONE_SURROGATE.test(s);

/**
 * The records' values as a JSON array of arrays, each value as SQLite reads it back with
 * json_extract exactly as sql.js would bind it: text as text, a 32-bit integer as an integer,
 * any other number as a REAL (sql.js binds a number outside int32 as a double: `1e12` becomes
 * `1000000000000.0`), null as NULL. Undefined when a value cannot travel that way.
 */
export function batchRowsJson(records: readonly Row[], columns: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const r of records) {
    const values: string[] = [];
    for (const col of columns) {
      const v = r[col] ?? null;
      if (v === null) values.push('null');
      else if (typeof v === 'string') {
        if (unsafeText(v)) return undefined;
        values.push(JSON.stringify(v));
      } else if (typeof v === 'number') {
        if (!Number.isFinite(v)) return undefined;
        if (v === (v | 0)) values.push(String(v));
        else {
          const s = String(v);
          values.push(/[.eE]/.test(s) ? s : `${s}.0`);
        }
      } else return undefined;
    }
    parts.push(`[${values.join(',')}]`);
  }
  return `[${parts.join(',')}]`;
}

/** The named entries of `record`, with null for absent ones. */
export function pick(record: Readonly<Record<string, SqlValue>>, names: readonly string[]): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  for (const n of names) out[n] = record[n] ?? null;
  return out;
}

/** Parses a record key back into key values. */
export function parseRecordKey(collection: Collection, key: string): Record<string, SqlValue> {
  const values = JSON.parse(key) as SqlValue[];
  const out: Record<string, SqlValue> = {};
  collection.key.forEach((k, i) => (out[k] = values[i] ?? null));
  return out;
}
