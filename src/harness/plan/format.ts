/**
 * Rehearsal plan format 1: a migration's cut-over as data — an ordered list of steps (phase moves,
 * rollbacks, workload, faults, crashes, backfill, reverse-sync, verify, restore) with gates that
 * must hold before the next step runs. `docs/plans.md` documents every step and gate with an
 * example; `validatePlan` (validate.ts) enforces the format, `runPlan` (run.ts) runs it.
 */
import { assertNever } from '../../engine/assert-never.ts';
import type { CrashPoint, FaultSpec } from '../../engine/faults.ts';
import type { Phase } from '../../engine/phases.ts';

/** The value of `format` in every plan this build reads and writes. */
export const PLAN_FORMAT = 1;

/** Every kind of step, in the order docs/plans.md describes them. */
export const STEP_KINDS = ['move', 'rollback', 'workload', 'arm-faults', 'clear-faults', 'crash', 'backfill', 'reverse-sync', 'verify', 'restore-backup'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Every gate, by its key in a step's `gate`. */
export const GATE_KINDS = ['mismatchRate', 'fallbackRate', 'errorRate', 'lostWrites', 'unexpected', 'verifyClean', 'p99Ms'] as const;
export type GateKind = (typeof GATE_KINDS)[number];

/** Gates measured on the operations a step ran: only steps that run operations may carry them. */
export const OPERATION_GATES = ['mismatchRate', 'fallbackRate', 'errorRate', 'p99Ms'] as const satisfies readonly GateKind[];

/** Operations per second of virtual time a workload step runs at when it names no `rate`. */
export const DEFAULT_RATE = 50;

/** A share of operations (0 to 1), held to at most `max`, judged only once `minReads` reads were made. */
export interface RateGate {
  /** The highest share allowed, inclusive (0.01 is 1%; 0 allows none). */
  readonly max: number;
  /** Reads the step must have made for the rate to count; fewer fail the gate (default 0). */
  readonly minReads?: number;
}

/** The share of reads served by the fallback side; `reason` counts only fallbacks for that reason. */
export interface FallbackGate extends RateGate {
  /**
   * `empty`: new returned no rows (seed 000's dual-schema reader falls back on a miss); `error`: new
   * failed (seed 003's reader falls back on errors only). Both when absent.
   */
  readonly reason?: 'empty' | 'error';
}

/** A count held to at most `max`. */
export interface CountGate {
  readonly max: number;
}

/**
 * What must hold after a step before the next one runs. Every gate given is judged; one that does
 * not hold stops the plan, or runs `onFail` and then stops it (seed 003's rollback triggers).
 */
export interface Gate {
  /** Shadow reads of the step that disagreed, over the step's shadow reads (at least `minReads` of them). */
  readonly mismatchRate?: RateGate;
  /** Reads of the step served by the fallback side, over the step's reads. */
  readonly fallbackRate?: FallbackGate;
  /** Operations of the step that failed (outcome `fail`), over the step's operations. */
  readonly errorRate?: { readonly max: number };
  /** Acknowledged writes not readable through the current read path (a history check after the step). */
  readonly lostWrites?: CountGate;
  /** Values no write produced, read so far or by the history check after the step. */
  readonly unexpected?: CountGate;
  /** The step's verify found the sides consistent, through the canonical queries and the application's reads (verify steps only). */
  readonly verifyClean?: true;
  /** The 99th percentile of one call's latency on a side during the step, at most this many milliseconds (virtual time). */
  readonly p99Ms?: { readonly old?: number; readonly new?: number };
  /** The rollback to run when a gate of this step does not hold; the plan stops after it either way. */
  readonly onFail?: RollbackStep;
}

/** What every step may carry. */
interface StepBase {
  /** A label for reports ("read-path cut-over"). */
  readonly name?: string;
  readonly gate?: Gate;
}

/** A forward move to the next phase, through the engine's guards. */
export interface MoveStep extends StepBase {
  readonly kind: 'move';
  readonly to: Phase;
  /** Override the guards that may be overridden (not a data loss), as seed 000 moved reads without a backfill. */
  readonly force?: boolean;
  /** Moves to `old-dropped` only: drop although records would be lost — as many as a verify run just before counts. */
  readonly acceptDataLoss?: boolean;
}

/** A rollback to an earlier phase, through the engine's rollback plan. */
export interface RollbackStep extends StepBase {
  readonly kind: 'rollback';
  readonly to: Phase;
  /** Run the remedies the rollback plan names (restore the backup, reverse-sync) before moving; default true. */
  readonly remedies?: boolean;
  /** Roll back although the plan lists data hazards (what a careless operator does); default false. */
  readonly acceptHazards?: boolean;
}

/** Operations drawn from the scenario's workload (or `mix`), as many as `operations` or for `durationMs` of virtual time. */
export interface WorkloadStep extends StepBase {
  readonly kind: 'workload';
  readonly operations?: number;
  readonly durationMs?: number;
  /** Weights by operation name for this step; the scenario's workload mix when absent. */
  readonly mix?: Readonly<Record<string, number>>;
  /** Operations started per second of virtual time (default `DEFAULT_RATE`). */
  readonly rate?: number;
}

/** Arms faults in the running engine (a crash disarms them, as a restarted process forgets them). */
export interface ArmFaultsStep extends StepBase {
  readonly kind: 'arm-faults';
  readonly faults: readonly FaultSpec[];
}

/** Disarms every fault. */
export interface ClearFaultsStep extends StepBase {
  readonly kind: 'clear-faults';
}

/** A crash now (everything in memory gone, recovery from durable state), or one armed at a crash point that survives other crashes until it fires. */
export interface CrashStep extends StepBase {
  readonly kind: 'crash';
  readonly at?: CrashPoint;
}

/** A whole backfill or reverse-sync pass, batch by batch, resuming after crashes. */
export interface CopyStep extends StepBase {
  readonly kind: 'backfill' | 'reverse-sync';
  /** Records per batch (the scenario's `backfillBatchSize` when absent). */
  readonly batchSize?: number;
  /** Virtual milliseconds between batches. */
  readonly delayMs?: number;
  /** Workload operations run between batches, racing the copy as live traffic does. */
  readonly operationsBetweenBatches?: number;
}

/** The consistency report over both sides (remembered by the guards; a clean one restarts the shadow window). */
export interface VerifyStep extends StepBase {
  readonly kind: 'verify';
}

/** Restores old from the backup taken before the drop (from `old-dropped`; the phase becomes `new-only`). */
export interface RestoreBackupStep extends StepBase {
  readonly kind: 'restore-backup';
}

export type Step = MoveStep | RollbackStep | WorkloadStep | ArmFaultsStep | ClearFaultsStep | CrashStep | CopyStep | VerifyStep | RestoreBackupStep;

/** A rehearsal plan, format 1. */
export interface Plan {
  readonly format: typeof PLAN_FORMAT;
  readonly title?: string;
  readonly description?: string;
  /** The id of the scenario the plan is written for; a plan run on another scenario is refused. */
  readonly scenario?: string;
  /** Write the scenario's seed data in `old-only` before the first step (default true). */
  readonly seedData?: boolean;
  /**
   * Records the old schema holds before the seed data and the first step, as a real migration
   * starts with: `count` runs of a write that makes a whole record (1 to 2,000,000). `operation`
   * defaults to the scenario's first such write (the engine's `startingOperations`).
   */
  readonly startingRecords?: StartingRecords;
  readonly steps: readonly Step[];
}

/** How many starting records, made by which write (the first one that can make them when absent). */
export interface StartingRecords {
  readonly count: number;
  readonly operation?: string;
}

/** Whether a step runs workload operations (and so may carry the gates measured on them). */
export function runsOperations(step: Step): boolean {
  switch (step.kind) {
    case 'workload':
      return true;
    case 'backfill':
    case 'reverse-sync':
      return (step.operationsBetweenBatches ?? 0) > 0;
    case 'move':
    case 'rollback':
    case 'arm-faults':
    case 'clear-faults':
    case 'crash':
    case 'verify':
    case 'restore-backup':
      return false;
    default:
      return assertNever(step, 'step');
  }
}
