/** What the engine remembers across crashes besides the databases, and the options of a phase move. */
import type { Phase } from './phases.ts';

/** What the engine remembers across crashes besides the databases (stored as meta). */
export interface ControlState {
  readonly format: 1;
  readonly scenarioId: string;
  phase: Phase;
  /** Times the engine was opened; names independent random streams per incarnation. */
  opens: number;
  /** Set while open; found set at open, it means the previous incarnation crashed. */
  openNow: boolean;
  /** Events that may leave the sides diverged (failed second writes, crashes, rollbacks). */
  divergenceEvents: number;
  lastVerify: VerifySummary | null;
  /** A backfill pass completed while writes reached new, and no rollback to old-only since. */
  backfillValid: boolean;
  backups: string[];
  /** Highest version when old was dropped. */
  droppedAtVersion: number | null;
  /** Guards overridden with `force`. */
  forcedMoves: number;
}

/** What verify found, as remembered for guards. */
export interface VerifySummary {
  readonly clean: boolean;
  readonly diverged: number;
  readonly lostByDrop: number;
  readonly divergenceEvents: number;
  readonly phase: Phase;
}

/** Options of a phase move. */
export interface MoveOptions {
  /** Override guards other than data loss (seed 000 moved reads without a backfill). */
  readonly force?: boolean;
  /**
   * Drop old although records would be lost: the number of records the caller accepts to lose,
   * which must be the count the current verify found (DESIGN: "accept data loss" with the count).
   */
  readonly acceptDataLoss?: number;
  /** Roll back although the plan lists data hazards. */
  readonly acceptHazards?: boolean;
}
