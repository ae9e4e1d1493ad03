/** The statements a write commits on one side: the operation's SQL, its parameters and the version bookkeeping. */
import { effectKey, pick, type RecordAccess, type VersionInfo } from '../records.ts';
import type { Side, WriteOperation } from '../scenario/format.ts';
import { scanParams } from '../sql-params.ts';
import type { BoundStatement, Params, Row, SqlDatabase, SqlValue } from '../sql.ts';

/** A record and its version as they were before a write, for a compensation to put back. */
export interface PreviousRecord {
  /** The record before the write (undefined: absent); read only when `recordRead`. */
  readonly record: Row | undefined;
  /** Whether `record` was read: a compensation with statements of its own, or none at all, does not need it. */
  readonly recordRead: boolean;
  /** The version before the write (undefined: never written); read only when `versionRead`. */
  readonly version: VersionInfo | undefined;
  /** Whether `version` was read: only a compensation and a partial change on the second side need it. */
  readonly versionRead: boolean;
}

/** Whether `op` changes only part of a record (an update, or an upsert that appends): the second side takes its version only when in step. */
export function isPartial(op: WriteOperation): boolean {
  return op.effect.type === 'update' || (op.effect.type === 'upsert' && op.effect.append !== undefined);
}

/**
 * The authoritative side's version before this write, or 'self' when this is the authoritative
 * side; a function reads it only when it is needed (a partial change on the second side).
 */
export type BaseVersion = VersionInfo | undefined | 'self' | (() => VersionInfo | undefined);

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
  const partial = isPartial(op);
  const changes = type === 'upsert' || type === 'delete' || (type === 'insert' && !existed) || (type === 'update' && existed);
  // Versions are read only for a partial change on the second side, the one case they decide.
  const inStep = () => base === 'self' || sameVersion(typeof base === 'function' ? base() : base, records.readVersion(db, side, op.effect.collection, recordKey));
  if (changes && (!partial || inStep())) statements.push(records.versionStatement(side, op.effect.collection, recordKey, version, type === 'delete'));
  return statements;
}

/** Whether a compensation of `op` on `side` puts the previous record back (the op has no compensate statements there). */
export function compensationRestoresRecord(op: WriteOperation, side: Side): boolean {
  return (op.compensate?.[side]?.length ?? 0) === 0;
}

/** Statements that undo a write on `side`: the scenario's own compensation, or the previous record put back. */
export function compensationStatements(records: RecordAccess, side: Side, write: SideWrite, previous: PreviousRecord | undefined): BoundStatement[] {
  const { op, params, recordKey } = write;
  const collection = op.effect.collection;
  if (previous && !previous.versionRead) throw new Error(`compensating "${collection}" on ${side} needs the version before the write, which was not read`);
  const restoreVersion = previous?.version
    ? records.versionStatement(side, collection, recordKey, previous.version.version, previous.version.deleted)
    : records.clearVersionStatement(side, collection, recordKey);
  const custom = op.compensate?.[side];
  if (custom && custom.length > 0) return [...bindAll(custom, params), restoreVersion];
  if (previous && !previous.recordRead) throw new Error(`compensating "${collection}" on ${side} needs the record as it was before the write, which was not read`);
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
