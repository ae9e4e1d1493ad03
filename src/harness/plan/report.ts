/**
 * What a plan's run reports: per step what it did and measured, each gate's verdict, the final
 * invariants and the history. Frozen JSON-safe values: the same plan, scenario and seed give the
 * same report, byte for byte, as `JSON.stringify` writes it.
 */
import type { LostWrite, UnexpectedValue } from '../../engine/checks/history-checker.ts';
import type { HistoryOp } from '../../engine/checks/history.ts';
import type { DurabilityMode } from '../../engine/durability/types.ts';
import type { Phase } from '../../engine/phases.ts';
import type { OperationResult } from '../../engine/results.ts';
import type { Side } from '../../engine/scenario/format.ts';
import { sqlValueToJson, type SqlValue } from '../../engine/sql.ts';
import type { GateKind, RollbackStep, StepKind } from './format.ts';

/** The value of `format` in every rehearsal report. */
export const REPORT_FORMAT = 'cutover-lab/rehearsal';

/** A value as JSON carries it: a blob as `{ blob: hex }`. */
export type JsonValue = string | number | boolean | null | { readonly blob: string } | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** What the operations of one step did. Rates are null when there was nothing to divide by. */
export interface StepFigures {
  /** Operations invoked by the step (workload, or between copy batches). */
  readonly operations: number;
  readonly reads: number;
  readonly writes: number;
  /** Writes acknowledged (outcome ok). */
  readonly acknowledged: number;
  /** Operations that failed (outcome fail: definitely no effect). */
  readonly failed: number;
  /** Operations a crash cut short (outcome info: indeterminate). */
  readonly indeterminate: number;
  /** Reads served by the fallback side. */
  readonly fallbacks: number;
  /** Of those, the ones new answered with no rows (seed 000's fallback on a miss). */
  readonly fallbacksOnEmpty: number;
  /** Of those, the ones new failed (seed 003's fallback on errors). */
  readonly fallbacksOnError: number;
  /** fallbacks / reads. */
  readonly fallbackRate: number | null;
  /** Reads that read both sides and compared them. */
  readonly shadowReads: number;
  /** Of those, the ones whose sides disagreed. */
  readonly mismatches: number;
  /** mismatches / shadowReads. */
  readonly mismatchRate: number | null;
  /** failed / operations. */
  readonly errorRate: number | null;
  /** The 99th percentile of one call's latency on each side (virtual milliseconds, nearest rank); null when the side saw no call. */
  readonly p99Ms: Readonly<Record<Side, number | null>>;
  /**
   * What each side's p99 was taken over: its calls in the step, and the slowest call (the operation,
   * its milliseconds and its attempts: retries and their backoff count in a call's latency); null
   * when the side saw no call. Absent in reports written before it was added.
   */
  readonly latency?: Readonly<Record<Side, SideLatency | null>>;
  /** Crashes during the step (and recoveries from durable state). */
  readonly crashes: number;
  /** Virtual milliseconds the step took. */
  readonly elapsedMs: number;
}

/** A side's calls in a step, for reading its p99. */
export interface SideLatency {
  readonly calls: number;
  readonly slowest: { readonly operation: string; readonly ms: number; readonly attempts: number };
}

/** One gate's verdict. */
export interface GateVerdict {
  /** The gate, as its key in the step's `gate` (`p99Ms.new` for one side's latency). */
  readonly gate: GateKind | 'p99Ms.old' | 'p99Ms.new';
  readonly held: boolean;
  /** What was measured (a rate, a count, milliseconds, or whether verify was clean); null when nothing could be. */
  readonly measured: number | boolean | null;
  /** What the gate allows at most (or requires, for verifyClean). */
  readonly threshold: number | boolean;
  /** The verdict in words, with the figures behind it. */
  readonly why: string;
  /** Present only when a rate gate failed for too few reads (fewer than its `minReads`): how many the step made, how many were needed, of what. */
  readonly tooFew?: { readonly count: number; readonly needed: number; readonly of: string };
}

/** What a step did beyond its operations: the move's answer, the copy's progress, the verify's totals. */
export type StepDetail = { readonly [key: string]: JsonValue };

/** One step of the run. */
export interface StepReport {
  readonly index: number;
  readonly kind: StepKind;
  readonly name: string | null;
  /** `done`: the step did what it says; `failed`: it could not (a refused move, a blocked rollback), and the plan stopped. */
  readonly status: 'done' | 'failed';
  /** Why the step failed. */
  readonly problem: string | null;
  readonly phaseBefore: Phase;
  readonly phaseAfter: Phase;
  /** Virtual milliseconds since the plan started, when the step started. */
  readonly startedAtMs: number;
  readonly figures: StepFigures;
  readonly detail: StepDetail;
  /** Every gate of the step, judged after it (empty when it has none, or when the step failed). */
  readonly gates: readonly GateVerdict[];
  /** The rollback a failing gate ran, and how it went; null when none ran. */
  readonly onFail: { readonly step: RollbackStep; readonly status: 'done' | 'failed'; readonly problem: string | null; readonly phaseAfter: Phase; readonly detail: StepDetail } | null;
}

/** An acknowledged write the final history check could not read back, named. */
export interface LostRecord {
  readonly collection: string;
  /** The record's key as JSON. */
  readonly key: string;
  /** The last acknowledged write on it. */
  readonly operation: { readonly index: number; readonly name: string; readonly phase: string; readonly params: { readonly [key: string]: JsonValue } };
  /** A state the record was expected in (the first of those possible). */
  readonly expected: JsonValue;
  /** What the read path returned (null: nothing). */
  readonly found: JsonValue;
}

/** A value no write produced. */
export interface UnexpectedRecord {
  readonly collection: string;
  readonly key: string;
  readonly found: JsonValue;
  /** History index of the read that returned it, or "final". */
  readonly where: number | 'final';
}

/** What must hold at the end, whatever the gates said. */
export interface Invariants {
  /** No lost acknowledged write, no unexpected value, no record returned twice. */
  readonly ok: boolean;
  readonly history: {
    readonly operations: number;
    readonly acknowledgedWrites: number;
    readonly failedWrites: number;
    readonly indeterminateWrites: number;
    readonly reads: number;
    /** Indeterminate writes whose effect turned up. */
    readonly recovered: number;
    /** Reads during the run that missed a write completed before they began (reported, not an invariant). */
    readonly staleReads: number;
    /** Records the checker could not decide (many indeterminate writes to one). */
    readonly undecided: number;
    readonly lost: readonly LostRecord[];
    readonly unexpectedCount: number;
    /** The first unexpected values (up to 20). */
    readonly unexpected: readonly UnexpectedRecord[];
    readonly duplicates: readonly { readonly collection: string; readonly key: string; readonly count: number }[];
    /**
     * The starting records (generated or imported) no operation touched, each held to its first
     * state; a missing or changed one fails the run. Absent when the rehearsal started with none.
     */
    readonly starting?: {
      readonly records: number;
      readonly untouched: number;
      readonly missing: number;
      readonly changed: number;
      /** The first few missing or changed, each field as JSON (a blob as `{ blob: hex }`). */
      readonly examples: readonly { readonly collection: string; readonly key: string; readonly expected: { readonly [key: string]: JsonValue } | null; readonly found: { readonly [key: string]: JsonValue } | null }[];
    };
  };
  /** The final verify (both sides, canonical queries and application reads); null once old is dropped. */
  readonly verify: {
    readonly clean: boolean;
    readonly records: number;
    readonly consistent: number;
    readonly differing: number;
    readonly appReadMismatches: number;
    /** The first differences in words (up to 10). */
    readonly first: readonly string[];
  } | null;
}

/** Something that made the plan fail. */
export interface PlanFailure {
  /** The step's index; null for the final invariants. */
  readonly step: number | null;
  readonly what: 'step' | 'gate' | 'invariant';
  /** The gate or invariant (`fallbackRate`, `lost-writes`), or the step's kind. */
  readonly name: string;
  readonly detail: string;
}

/** One operation of the history, JSON-safe (a read's rows as their count). */
export interface HistoryRecord {
  readonly index: number;
  readonly name: string;
  readonly kind: 'read' | 'write';
  readonly phase: Phase;
  readonly params: { readonly [key: string]: JsonValue };
  /** ok, fail, info (indeterminate), or null when it never completed. */
  readonly outcome: 'ok' | 'fail' | 'info' | null;
  /** Virtual milliseconds since the plan started (seed data has negative times: it is written before). */
  readonly invokedAtMs: number;
  readonly completedAtMs: number | null;
  readonly rows: number | null;
  readonly servedBy: Side | null;
  readonly fallback: 'empty' | 'error' | null;
  readonly error: string | null;
  readonly note: string | null;
  /** Written as the scenario's seed data before the first step. */
  readonly seed: boolean;
}

/** The report of one plan's run. */
export interface RehearsalReport {
  readonly format: typeof REPORT_FORMAT;
  readonly version: 1;
  readonly scenario: string;
  readonly plan: { readonly title: string | null; readonly steps: number };
  readonly settings: { readonly seed: number | string; readonly durability: DurabilityMode };
  /** `passed`; `failed` (a step, a gate or an invariant failed); `rolled-back` (a gate failed and its onFail rollback ran). */
  readonly outcome: 'passed' | 'failed' | 'rolled-back';
  readonly ok: boolean;
  /** Where the plan stopped before its end, and why; null when every step ran. */
  readonly stopped: { readonly step: number; readonly kind: StepKind; readonly reason: 'step-failed' | 'gate-failed'; readonly detail: string } | null;
  readonly failures: readonly PlanFailure[];
  readonly steps: readonly StepReport[];
  readonly invariants: Invariants;
  readonly finalPhase: Phase;
  /** Crashes over the whole run. */
  readonly crashes: number;
  readonly history: readonly HistoryRecord[];
  /** What the driver did (moves, crashes, recoveries), in order. */
  readonly log: readonly string[];
}

/** The figures of a step's operations: `results` those that completed, `indeterminate` those a crash cut short. */
export function stepFigures(results: readonly OperationResult[], indeterminate: number, crashes: number, elapsedMs: number): StepFigures {
  const reads = results.filter((r) => r.kind === 'read');
  const writes = results.filter((r) => r.kind === 'write');
  const fallbacks = reads.filter((r) => r.fallback !== undefined).length;
  const shadowed = results.filter((r) => r.shadow !== undefined);
  const mismatches = shadowed.filter((r) => r.shadow?.matched === false).length;
  const failed = results.filter((r) => r.outcome === 'fail').length;
  const operations = results.length + indeterminate;
  const durations = (side: Side): number[] => results.flatMap((r) => r.observations.filter((o) => o.side === side).map((o) => o.durationMs));
  const latency = (side: Side): SideLatency | null => {
    let calls = 0;
    let slowest: SideLatency['slowest'] | undefined;
    for (const r of results) {
      for (const o of r.observations) {
        if (o.side !== side) continue;
        calls++;
        if (!slowest || o.durationMs > slowest.ms) slowest = { operation: r.name, ms: round3(o.durationMs), attempts: o.attempts };
      }
    }
    return slowest ? { calls, slowest } : null;
  };
  return {
    operations,
    reads: reads.length,
    writes: writes.length,
    acknowledged: writes.filter((r) => r.outcome === 'ok').length,
    failed,
    indeterminate,
    fallbacks,
    fallbacksOnEmpty: reads.filter((r) => r.fallback === 'empty').length,
    fallbacksOnError: reads.filter((r) => r.fallback === 'error').length,
    fallbackRate: ratio(fallbacks, reads.length),
    shadowReads: shadowed.length,
    mismatches,
    mismatchRate: ratio(mismatches, shadowed.length),
    errorRate: ratio(failed, operations),
    p99Ms: { old: p99(durations('old')), new: p99(durations('new')) },
    latency: { old: latency('old'), new: latency('new') },
    crashes,
    elapsedMs: round3(elapsedMs),
  };
}

/** The 99th percentile by nearest rank (a value that was measured, not interpolated); null when empty. */
export function p99(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return round3(sorted[Math.ceil(0.99 * sorted.length) - 1] as number);
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** A value made JSON-safe: blobs as hex, undefined fields left out, nothing else changed. */
export function jsonSafe(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return sqlValueToJson(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonSafe(v);
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value as bigint);
}

/** Parameters (or a record's state) as JSON. */
export function jsonRecord(values: Readonly<Record<string, SqlValue>>): { readonly [key: string]: JsonValue } {
  return jsonSafe(values) as { readonly [key: string]: JsonValue };
}

/** A lost write as the report names it. */
export function lostRecord(l: LostWrite): LostRecord {
  return {
    collection: l.collection,
    key: l.key,
    operation: { index: l.operation.index, name: l.operation.name, phase: l.operation.phase, params: jsonRecord(l.operation.params) },
    expected: jsonSafe(l.expected[0] ?? null),
    found: jsonSafe(l.found),
  };
}

/** An unexpected value as the report names it. */
export function unexpectedRecord(u: UnexpectedValue): UnexpectedRecord {
  return { collection: u.collection, key: u.key, found: jsonSafe(u.found), where: u.where };
}

/** A lost write in words: `sessions ["ws-1","s-3"] (createSession #12 in old-only)`. */
export function describeLost(l: LostRecord): string {
  return `${l.collection} ${l.key} (${l.operation.name} #${l.operation.index} in ${l.operation.phase})`;
}

/** One operation of the history as the report carries it; times relative to `origin`. */
export function historyRecord(op: HistoryOp, origin: number): HistoryRecord {
  return {
    index: op.index,
    name: op.name,
    kind: op.kind,
    phase: op.phase,
    params: jsonRecord(op.params),
    outcome: op.outcome ?? null,
    invokedAtMs: round3(op.invokedAt - origin),
    completedAtMs: op.completedAt === undefined ? null : round3(op.completedAt - origin),
    rows: op.rows ? op.rows.length : null,
    servedBy: op.servedBy ?? null,
    fallback: op.fallback ?? null,
    error: op.error?.message ?? null,
    note: op.note ?? null,
    seed: op.seed,
  };
}

/** Freezes a value and everything in it (a tree of plain values: the report has no cycles). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A share in words: 0.0123 as "1.2%". */
export function percent(rate: number): string {
  return `${Number((rate * 100).toFixed(2))}%`;
}
