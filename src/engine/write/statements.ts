/** The statements a write commits on one side: the operation's SQL, its parameters and the version bookkeeping. */
import { effectKey, pick, type RecordAccess, type VersionInfo } from '../records.ts';
import type { Side, WriteOperation } from '../scenario/format.ts';
import { scanParams } from '../sql-params.ts';
import type { BoundStatement, Params, Row, SqlDatabase, SqlValue } from '../sql.ts';

/** A record and its version as they were before a write, for a compensation to put back. */
export interface PreviousRecord {
  readonly record: Row | undefined;
  readonly version: VersionInfo | undefined;
}

/** The authoritative side's version before this write, or 'self' when this is the authoritative side. */
export type BaseVersion = VersionInfo | undefined | 'self';

const paramCache = new Map<string, readonly string[]>();

/** Only the parameters a statement uses: journal entries stay small and exact. */
export function paramsFor(sql: string, params: Params): Params {
  let names = paramCache.get(sql);
  if (!names) {
    names = scanParams(sql).named;
    if (paramCache.size > 2000) paramCache.clear();
    paramCache.set(sql, names);
  }
  const out: Record<string, SqlValue> = {};
  for (const n of names) out[n] = params[n] ?? null;
  return out;
}

/** The statements themselves, each with the parameters it uses. */
export function bindAll(sqls: readonly string[], params: Params): BoundStatement[] {
  return sqls.map((sql) => ({ sql, params: paramsFor(sql, params) }));
}

/** One write on one side, as the statements builder needs it. */
export interface SideWrite {
  readonly op: WriteOperation;
  readonly params: Params;
  readonly version: number;
  readonly key: Record<string, SqlValue>;
  readonly recordKey: string;
}

/**
 * The op's statements for one side plus the version bookkeeping, decided against the current
 * state. `base` is the authoritative side's version before this write: a partial change (an
 * update, an append) applied to a side that was not at that version leaves it half-old, so it
 * keeps its older version and backfill or reverse-sync copies the whole record later. This keeps
 * the invariant that equal versions mean equal records.
 */
export function sideStatements(records: RecordAccess, side: Side, db: SqlDatabase, sqls: readonly string[], write: SideWrite, base: BaseVersion): BoundStatement[] {
  const { op, params, version, key, recordKey } = write;
  const type = op.effect.type;
  const existed = type === 'insert' || type === 'update' ? records.readRecord(db, side, op.effect.collection, key) !== undefined : undefined;
  const statements = bindAll(sqls, params);
  const partial = type === 'update' || (type === 'upsert' && op.effect.append !== undefined);
  const inStep = base === 'self' || sameVersion(base, records.readVersion(db, side, op.effect.collection, recordKey));
  const writesVersion = (type === 'upsert' || type === 'delete' || (type === 'insert' && !existed) || (type === 'update' && existed)) && (!partial || inStep);
  if (writesVersion) statements.push(records.versionStatement(side, op.effect.collection, recordKey, version, type === 'delete'));
  return statements;
}

/** Statements that undo a write on `side`: the scenario's own compensation, or the previous record put back. */
export function compensationStatements(records: RecordAccess, side: Side, write: SideWrite, previous: PreviousRecord | undefined): BoundStatement[] {
  const { op, params, recordKey } = write;
  const collection = op.effect.collection;
  const restoreVersion = previous?.version
    ? records.versionStatement(side, collection, recordKey, previous.version.version, previous.version.deleted)
    : records.clearVersionStatement(side, collection, recordKey);
  const custom = op.compensate?.[side];
  if (custom && custom.length > 0) return [...bindAll(custom, params), restoreVersion];
  const c = records.collection(collection);
  if (previous?.record) {
    return [...c.upsert[side].map((sql) => ({ sql, params: pick(previous.record as Row, [...c.key, ...c.fields]) })), restoreVersion];
  }
  return [...c.remove[side].map((sql) => ({ sql, params: pick(effectKey(op, params), c.key) })), restoreVersion];
}

function sameVersion(a: VersionInfo | undefined, b: VersionInfo | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.version === b.version && a.deleted === b.deleted;
}
