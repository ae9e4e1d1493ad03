/**
 * The contract every dual-write policy satisfies, and the one dual write it is handed. A policy
 * decides only what happens when both sides are written; the write path has already taken the
 * record's lock and its version, and written the authoritative side alone when only one is routed.
 */
import type { EngineParts } from '../parts.ts';
import type { Observation, OperationResult, Outcome, SideError } from '../results.ts';
import type { Side } from '../scenario/format.ts';
import type { BoundStatement } from '../sql.ts';
import { isPartial, type BaseVersion, type PreviousRecord, type SideWrite } from './statements.ts';

/** How one side is written. */
export interface WriteSideOptions {
  /** Told the record and the version as they were before the statements run (each read only when asked for). */
  readonly capture?: { readonly record: boolean; readonly version: boolean; readonly to: (previous: PreviousRecord) => void };
  /** Statements to run instead of the operation's own (a compensation). */
  readonly statements?: BoundStatement[];
  /** The authoritative side's version before this write; 'self' (the default) on the authoritative side. */
  readonly base?: BaseVersion;
}

/** What the result of an operation may carry besides its outcome and observations. */
export interface ResultExtra {
  readonly error?: SideError;
  readonly note?: string;
}

/** One write routed to both sides, with the record's lock held. */
export interface DualWrite extends SideWrite {
  readonly name: string;
  /** Written first; its result is the write's (the route's `writes[0]`). */
  readonly authoritative: Side;
  readonly second: Side;
  /** The side serving reads in this phase: the second side in `read-new` with `writeAuthorityInReadNew: "old"`. */
  readonly readsFrom: Side;
  readonly parts: EngineParts;
  /** Runs the operation's statements (or `options.statements`) on one side as one observed side call. */
  writeSide(side: Side, access: 'write' | 'compensate', options: WriteSideOptions): Promise<Observation>;
  /** Acknowledges: the crash point before the answer, a checkpoint if due, then an `ok` result. */
  acknowledge(observations: Observation[], extra?: ResultExtra): Promise<OperationResult>;
  /** The operation's result, with its duration. */
  finish(outcome: Outcome, observations: Observation[], extra?: ResultExtra): OperationResult;
}

/** A dual-write policy (DESIGN section 3): one file each, `atomic`, `compensate`, `best-effort`. */
export interface DualWritePolicy {
  /** Writes both sides of `write`; returns the operation's result. */
  write(write: DualWrite): Promise<OperationResult>;
}

/** The two halves of a write in order, when the second one failed. */
export interface FailedSecondHalf {
  readonly authoritative: Observation;
  readonly second: Observation;
  /** The authoritative side's record before the write. */
  readonly previous: PreviousRecord | undefined;
}

/**
 * Authoritative side first, then the second side (the non-atomic policies). If the authoritative
 * write fails the operation fails and the second side is not written; if the second fails, the
 * policy's `onSecondFailed` decides.
 */
export async function writeInOrder(
  w: DualWrite,
  onSecondFailed: (halves: FailedSecondHalf) => Promise<OperationResult>,
  /**
   * What `onSecondFailed` needs of the authoritative side as it was: the record (a compensation
   * that puts it back) and the version (a compensation restores it). The version is read anyway
   * when the write is partial: the second side takes the new version only when it was at it.
   */
  options: { readonly previousRecord: boolean; readonly previousVersion: boolean },
): Promise<OperationResult> {
  let previous: PreviousRecord | undefined;
  const capture = { record: options.previousRecord, version: options.previousVersion || isPartial(w.op), to: (p: PreviousRecord) => (previous = p) };
  const authoritative = await w.writeSide(w.authoritative, 'write', { capture, base: 'self' });
  if (!authoritative.ok) return w.finish('fail', [authoritative], { error: authoritative.error as SideError });
  w.parts.lifecycle.crashPoint('between-writes');
  const read = previous as PreviousRecord | undefined;
  const base = read?.versionRead ? read.version : () => {
    throw new Error(`"${w.name}": the second side's version check needs the authoritative side's version before the write, which was not read`);
  };
  const second = await w.writeSide(w.second, 'write', { base });
  if (second.ok) {
    w.parts.metrics.inc('cutover_dual_write_total', { result: 'succeeded', authoritative: w.authoritative });
    return w.acknowledge([authoritative, second]);
  }
  return onSecondFailed({ authoritative, second, previous });
}

/** The copy that brings `side` up to date with the other: backfill writes new, reverse-sync writes old. */
export function repairOf(side: Side): 'backfill' | 'reverse-sync' {
  return side === 'new' ? 'backfill' : 'reverse-sync';
}
