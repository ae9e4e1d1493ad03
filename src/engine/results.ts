/** Frozen values the engine returns: observations, operation results, progress, plans. */
import type { RowDiff } from './checks/consistency.ts';
import type { ShadowNote, ShadowWindow } from './control-state.ts';
import type { Phase } from './phases.ts';
import type { Side } from './scenario/format.ts';
import type { Params, Row } from './sql.ts';

/** Why a call on a side failed. */
export interface SideError {
  readonly kind: 'injected' | 'busy' | 'sql' | 'storage' | 'not-defined';
  readonly message: string;
  /** Whether retrying could help (busy). */
  readonly transient: boolean;
}

/** What one side did for one operation (GitHub Scientist's observation). */
export interface Observation {
  readonly side: Side;
  readonly access: 'read' | 'write' | 'compensate';
  readonly ok: boolean;
  /** Rows returned, for reads. */
  readonly rows?: number;
  readonly error?: SideError;
  /** Attempts made, the first included. */
  readonly attempts: number;
  readonly durationMs: number;
}

/** Jepsen's outcomes: ok, fail (definitely no effect), info (indeterminate). */
export type Outcome = 'ok' | 'fail' | 'info';

/** The result of one operation. */
export interface OperationResult {
  /** Sequence number within this engine instance. */
  readonly id: number;
  readonly name: string;
  readonly kind: 'read' | 'write';
  readonly phase: Phase;
  readonly params: Params;
  readonly outcome: Outcome;
  /** Rows returned to the caller (reads). */
  readonly rows?: readonly Row[];
  /** Side whose rows were returned. */
  readonly servedBy?: Side;
  /** Set when the fallback side served the read, with why. */
  readonly fallback?: 'empty' | 'error';
  /** Shadow comparison, when both sides were read. */
  readonly shadow?: { readonly side: Side; readonly matched: boolean; readonly diffs: readonly RowDiff[] };
  /** Version assigned to the write. */
  readonly version?: number;
  readonly collection?: string;
  /** The record a write names (JSON key). */
  readonly recordKey?: string;
  readonly error?: SideError;
  /** What happened beyond the outcome ("second write to new failed; counted (best-effort)"). */
  readonly note?: string;
  readonly observations: readonly Observation[];
  readonly durationMs: number;
}

/** Kinds of rollback hazard. */
export type HazardKind = 'old-missing-writes' | 'new-goes-stale' | 'old-dropped' | 'backfill-invalidated';

/** One thing that goes wrong if a rollback runs now. */
export interface Hazard {
  readonly kind: HazardKind;
  /** How many records it affects. */
  readonly count: number;
  /** `data`: acknowledged writes become unreadable; `warning`: work to redo. */
  readonly severity: 'data' | 'warning';
  readonly message: string;
  /** The action that removes it, if any. */
  readonly remedy: 'reverse-sync' | 'restore-backup' | 'backfill' | null;
}

/** What `planRollback` found. */
export interface RollbackPlan {
  readonly from: Phase;
  readonly to: Phase;
  readonly hazards: readonly Hazard[];
  /** Whether the rollback is refused until a remedy runs (or the hazards are accepted). */
  readonly blocked: boolean;
}

/** Why a forward move is refused, as data. */
export interface GuardCheck {
  readonly to: Phase;
  readonly ok: boolean;
  readonly reasons: readonly string[];
  /** Records dropping old would lose (moves to old-dropped). */
  readonly recordsLost?: number;
  /** Whether `force` may override (everything but data loss). */
  readonly overridable: boolean;
  /** Hazards of the target phase that do not block the move. */
  readonly warnings?: readonly string[];
  /** The shadow-read gate, for moves to read-new and further. */
  readonly shadow?: ShadowGate;
}

/** The shadow-read gate of a cut-over move: the window's counts against the scenario's settings. */
export interface ShadowGate {
  /** Shadow comparisons in the window. */
  readonly reads: number;
  readonly mismatches: number;
  /** mismatches / reads (0 without reads). */
  readonly rate: number;
  /** Comparisons the move needs (`minShadowReads` for read-new, 0 for later moves). */
  readonly minReads: number;
  /** The highest rate allowed (`shadowMismatchLimit`). */
  readonly limit: number;
  /** What started the window, or null when none has (never in shadow). */
  readonly since: ShadowWindow['since'] | null;
  readonly enoughReads: boolean;
  readonly withinLimit: boolean;
  /** The window's first mismatches. */
  readonly first: readonly ShadowNote[];
}

/** The outcome of a phase move. */
export interface PhaseMove {
  readonly ok: boolean;
  readonly from: Phase;
  readonly to: Phase;
  /** Why it was refused. */
  readonly reasons: readonly string[];
  readonly hazards: readonly Hazard[];
  /** Hazards of the new phase that did not block the move. */
  readonly warnings?: readonly string[];
  /** The shadow-read gate as the guard saw it (forward moves to read-new and further). */
  readonly shadow?: ShadowGate;
}

/** Progress of a backfill or reverse-sync pass. */
export interface CopyProgress {
  readonly action: 'backfill' | 'reverse-sync';
  readonly status: 'idle' | 'running' | 'paused' | 'done' | 'cancelled';
  readonly pass: number;
  /** Records examined so far in this pass. */
  readonly processed: number;
  /** Estimated records to examine (source records and tombstones at the start of the pass). */
  readonly total: number;
  readonly copied: number;
  /** Skipped because the target was as new or newer. */
  readonly skipped: number;
  /** Removed from the target because the source deleted them later. */
  readonly removed: number;
  readonly batchSize: number;
  /** Records per second over the recent batches (clock time), or null. */
  readonly rate: number | null;
  /** Estimated seconds left, or null. */
  readonly etaSeconds: number | null;
  /** Phase the pass started in. */
  readonly startedInPhase: Phase | null;
  /** A caveat, such as starting before dual-write. */
  readonly warning?: string;
  /** Why the last batch did not land (storage refused it); the batch runs again. */
  readonly error?: string;
}

/** A result and its observations, frozen. */
export function freezeResult(r: OperationResult): OperationResult {
  return Object.freeze({ ...r, observations: Object.freeze([...r.observations]) });
}
