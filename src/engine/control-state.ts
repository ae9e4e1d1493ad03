/** What the engine remembers across crashes besides the databases, and the options of a phase move. */
import type { Phase } from './phases.ts';
import type { Side } from './scenario/format.ts';

/** A database value as JSON (a blob as hex), as reports carry it. */
export type JsonSqlValue = string | number | null | { readonly blob: string };

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
  /**
   * The shadow reads that gate the cut-over: counted from entering `shadow`, restarted by a clean
   * verify while comparisons are made; null before `shadow` (absent in states stored by older builds).
   */
  shadowWindow?: ShadowWindow | null;
  /** Records the rehearsal started with, made before any operation (absent: none, or a state stored by an older build). */
  startingRecords?: StartingRecordsState | null;
}

/** How many starting records to make, and from which write (`src/engine/actions/starting-records.ts`). */
export interface StartingRecordsRequest {
  /** A write operation of the scenario whose effect makes a whole record (`insert` or `upsert`). */
  readonly operation: string;
  /** How many times to run it (records whose keys repeat count once). */
  readonly count: number;
}

/** What the control state remembers of the starting records. */
export interface StartingRecordsState {
  /** The write that made them; absent when they were imported (`import`). */
  readonly operation?: string;
  /** Runs of `operation` asked for; for an import, the records found once the image is stored (0 before). */
  readonly count: number;
  /** The database file they were imported from (`OpenOptions.startingImport`): its name and size. */
  readonly import?: { readonly name: string; readonly bytes: number };
  /** `pending`: asked for, not yet installed; `loaded`: the old database holds them. */
  readonly status: 'pending' | 'loaded';
  /** Records made, by collection (keys that repeat count once); set once the image is stored. */
  readonly records?: Readonly<Record<string, number>>;
  /** The version every starting record was written at; set once the image is stored. */
  readonly version?: number;
}

/** Shadow comparisons since the window started, as the cut-over gate counts them. */
export interface ShadowWindow {
  /** Reads that read both sides and compared them. */
  readonly reads: number;
  /** Of those, the ones whose sides disagreed. */
  readonly mismatches: number;
  /** What started the window: entering `shadow`, or a clean verify (canonical and application reads). */
  readonly since: 'shadow' | 'clean-verify';
  /** The first few mismatches of the window, for the guard's message. */
  readonly first: readonly ShadowNote[];
}

/** One shadow read that disagreed, as the gate remembers it (JSON-safe, values by side). */
export interface ShadowNote {
  readonly operation: string;
  readonly params: Readonly<Record<string, JsonSqlValue>>;
  readonly phase: Phase;
  /** How many differences the read had; the first few are in `diffs`. */
  readonly diffCount: number;
  readonly diffs: readonly ShadowNoteDiff[];
}

/** One difference of a shadow read: a record one side lacks, fields that differ, or row order. */
export interface ShadowNoteDiff {
  /** The record's key as JSON (row keys joined by commas for `order`). */
  readonly key: string;
  readonly kind: 'changed' | 'order' | 'only-in';
  /** For `only-in`: the side that returned the record. */
  readonly side?: Side;
  readonly fields: readonly { readonly field: string; readonly old: JsonSqlValue; readonly new: JsonSqlValue }[];
}

/** What verify found, as remembered for guards. */
export interface VerifySummary {
  readonly clean: boolean;
  /** Records the canonical queries found different. */
  readonly diverged: number;
  /** Of those, the ones both sides hold at equal versions, which no repair copies (absent when none, or before this was counted). */
  readonly divergedEqualVersions?: number;
  /** The first of those, in words (`items ["sku-3"] price_cents old 1998 new 1999`). */
  readonly equalVersionExample?: string;
  /** Keys a canonical query returned more than once (absent when none, or before this was counted). */
  readonly duplicateKeys?: number;
  /** The first of those, in words (`items ["sku-1"] 2 times in old's rows`). */
  readonly duplicateKeyExample?: string;
  /** Records the application's check reads returned differently on the two sides (absent before this was checked). */
  readonly appReadMismatches?: number;
  /** Of those, the ones new holds a newer version of (not a hazard of the drop). */
  readonly appReadNewerInNew?: number;
  /** The first of those, in words (`artifacts ["A-1"] price_cents old 1999 new 1998`). */
  readonly appReadExample?: string;
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
