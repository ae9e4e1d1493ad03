/**
 * Records: the canonical form both sides share, and the engine's own bookkeeping beside each
 * side's tables — a version per record and tombstones for deletes — written in the same
 * transaction as the change it describes. Versions let backfill and reverse-sync copy only what is
 * newer (never overwriting a newer dual-written row) and tell a deleted record from a missing one.
 */
import { NO_EXPRESSIONS, type Expressions } from './expressions.ts';
import type { Collection, Scenario, Side, ValueRef, WriteOperation } from './scenario/format.ts';
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

  /** Up to `limit` canonical records after `after` (a row of key values), in key order. */
  recordsAfter(db: SqlDatabase, side: Side, collectionName: string, after: Readonly<Record<string, SqlValue>> | undefined, limit: number): Row[] {
    const c = this.collection(collectionName);
    const order = c.key.map((k) => `"${k}"`).join(', ');
    if (!after) return db.query(`SELECT * FROM (${c.rows[side]}) ORDER BY ${order} LIMIT :__limit`, { __limit: limit });
    // Row values compare lexicographically in SQLite, the same order as ORDER BY.
    const cursor = c.key.map((k) => `:${keyParam(k)}`).join(', ');
    return db.query(`SELECT * FROM (${c.rows[side]}) WHERE (${order}) > (${cursor}) ORDER BY ${order} LIMIT :__limit`, {
      ...keyParams(c, after),
      __limit: limit,
    });
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

  /** Statements that write canonical `record` on `side` with its version. */
  upsertStatements(side: Side, collectionName: string, record: Readonly<Record<string, SqlValue>>, version: number): BoundStatement[] {
    const c = this.collection(collectionName);
    const params = pick(record, [...c.key, ...c.fields]);
    return [...c.upsert[side].map((sql) => ({ sql, params })), this.versionStatement(side, collectionName, recordKey(c, record), version, false)];
  }

  /** Statements that remove a record on `side`, leaving a tombstone at `version`. */
  removeStatements(side: Side, collectionName: string, key: Readonly<Record<string, SqlValue>>, version: number): BoundStatement[] {
    const c = this.collection(collectionName);
    const params = pick(key, c.key);
    return [...c.remove[side].map((sql) => ({ sql, params })), this.versionStatement(side, collectionName, recordKey(c, key), version, true)];
  }
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
