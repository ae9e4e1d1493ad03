/**
 * Scenario format v1: a migration as pure data. Every string of SQL runs inside sql.js; every
 * parameter is produced by a generator spec, never by code. `docs/scenario-format.md` documents
 * each field with a complete example; `validateScenario` enforces it.
 */
import type { SqlValue } from '../sql.ts';

/** The value of `format` in every scenario file. */
export const SCENARIO_FORMAT = 'cutover-lab/scenario';
/** The format version this build reads and writes. */
export const SCENARIO_VERSION = 1;

/** The two schemas being migrated between. */
export const SIDES = ['old', 'new'] as const;
export type Side = (typeof SIDES)[number];

/** `shared`: both schemas in one database (one transaction can span both); `split`: two databases. */
export const TOPOLOGIES = ['shared', 'split'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

/** How a dual write behaves when its second write fails (DESIGN.md section 3). */
export const POLICIES = ['atomic', 'compensate', 'best-effort'] as const;
export type Policy = (typeof POLICIES)[number];

/** What a write does to the record it names. `update` changes a record only if it exists. */
export const EFFECT_TYPES = ['insert', 'upsert', 'update', 'delete'] as const;
export type EffectType = (typeof EFFECT_TYPES)[number];

/**
 * A value written into a record: a parameter name, a parameter with a substitute for null, a
 * literal, or a deterministic SQL expression over the operation's parameters, evaluated by SQLite.
 */
export type ValueRef = string | { readonly param: string; readonly ifNull: SqlValue } | { readonly value: SqlValue } | { readonly expr: string };

/** A parameter generator (docs/scenario-format.md, "Parameters"). */
export type ParamSpec =
  | { readonly const: SqlValue }
  | { readonly oneOf: readonly SqlValue[] }
  | { readonly int: readonly [number, number] }
  | { readonly template: string }
  | { readonly text: readonly [number, number] }
  | { readonly now: 'iso' | 'iso-ms' | 'ms' }
  | { readonly existing: string; readonly field: string; readonly missing?: number }
  | { readonly nullable: number; readonly of: ParamSpec }
  | { readonly object: Readonly<Record<string, ParamSpec>> }
  | { readonly list: ParamSpec; readonly length: readonly [number, number] };

/** A logical record type both sides hold, in a canonical form both sides can produce. */
export interface Collection {
  /** Columns that identify a record. */
  readonly key: readonly string[];
  /** Columns that hold its value. */
  readonly fields: readonly string[];
  /** Per side, one SELECT returning every record as key + fields columns, one row per record. */
  readonly rows: { readonly old: string; readonly new: string };
  /** Per side, statements that write one canonical record (bound as :key and :field parameters). */
  readonly upsert: { readonly old: readonly string[]; readonly new: readonly string[] };
  /** Per side, statements that remove one record by key. */
  readonly remove: { readonly old: readonly string[]; readonly new: readonly string[] };
  /** The read the history checker uses to find records: a read operation and its params from record columns. */
  readonly check: { readonly read: string; readonly params: Readonly<Record<string, string>> };
  /** Extra statements run on the source side after a backfill batch copies a record (seed 003's "mark as migrated"). */
  readonly backfillMarksSource?: readonly string[];
}

/** A logical write (`storeArtifact`) with its SQL on each side and its effect on one record. */
export interface WriteOperation {
  readonly kind: 'write';
  readonly description?: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly old: readonly string[];
  readonly new: readonly string[];
  readonly effect: {
    readonly collection: string;
    readonly type: EffectType;
    readonly key: Readonly<Record<string, ValueRef>>;
    readonly set?: Readonly<Record<string, ValueRef>>;
    /**
     * Fields changed by a number, as `SET stock = stock + :delta` does (`update` only): NULL stays
     * NULL, numbers add as SQLite adds them. A field is either set or added, not both.
     */
    readonly add?: Readonly<Record<string, ValueRef>>;
    /** Fields holding a JSON array, each getting one object appended (seed 003's chat messages). */
    readonly append?: Readonly<Record<string, Readonly<Record<string, ValueRef>>>>;
  };
  /** Statements that undo this write on a side (policy `compensate`); by default the engine restores the previous record. */
  readonly compensate?: { readonly old?: readonly string[]; readonly new?: readonly string[] };
}

/** A logical read (`queryArtifacts`): one SELECT per side returning records of a collection. */
export interface ReadOperation {
  readonly kind: 'read';
  readonly description?: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly old: string;
  readonly new: string;
  readonly collection: string;
  /** Whether row order matters when comparing the two sides (default false). */
  readonly ordered?: boolean;
}

export type Operation = WriteOperation | ReadOperation;

/** Tunables with defaults (docs/scenario-format.md, "Settings"). */
export interface ScenarioSettings {
  /** Journal entries per file between checkpoints (default 200). */
  readonly checkpointEvery?: number;
  /** Records per backfill batch (default 50). */
  readonly backfillBatchSize?: number;
  /** Compare both sides on reads in read-new too (default false). */
  readonly compareInReadNew?: boolean;
  /** Attempts for a transient error, the first included (default 6: 100 ms → 1.6 s). */
  readonly retryAttempts?: number;
  /**
   * Drop rows a fallback read returns when the serving side deleted them later (an application
   * that keeps tombstones). Default false: the seeds' fallback returns them, and a record deleted
   * in new comes back from old until old is dropped.
   */
  readonly fallbackHidesDeleted?: boolean;
  /**
   * Which side is authoritative for writes in `read-new` (written first; its result is the
   * write's). Default `new`: the cut-over of reads and of write authority is one move. `old`: reads
   * go new-first with fallback while writes stay old-first, as seeds 000 and 002 ran it.
   */
  readonly writeAuthorityInReadNew?: Side;
  /**
   * Highest share of shadow reads that may disagree (0 to 1) for a move to `read-new` or further;
   * default 0: any mismatch holds the cut-over back.
   */
  readonly shadowMismatchLimit?: number;
  /** Shadow reads needed in `shadow` before moving to `read-new` (default 20). */
  readonly minShadowReads?: number;
  /**
   * Records verify reads through the application's check read on each side: 0 for every record
   * (the default), else a seeded sample of that many records per collection.
   */
  readonly verifySample?: number;
}

/** A scenario, version 1. */
export interface Scenario {
  readonly format: typeof SCENARIO_FORMAT;
  readonly version: typeof SCENARIO_VERSION;
  readonly id: string;
  readonly title: string;
  /** One paragraph: the real migration this comes from. */
  readonly summary: string;
  /** Where it comes from (seed numbers, links). */
  readonly sources?: readonly string[];
  readonly topology: Topology;
  readonly policy: Policy;
  /** Display names of the sides ("JSON", "SQLite"); reports use them. */
  readonly labels?: { readonly old?: string; readonly new?: string };
  readonly schema: { readonly old: readonly string[]; readonly new: readonly string[] };
  readonly collections: Readonly<Record<string, Collection>>;
  readonly operations: Readonly<Record<string, Operation>>;
  /** Statements that drop the old schema (run on the old side). */
  readonly drop: readonly string[];
  /** Writes run in `old-only` before the rehearsal starts. */
  readonly seedData: readonly { readonly operation: string; readonly count: number }[];
  readonly workload: { readonly mix: Readonly<Record<string, number>> };
  readonly settings?: ScenarioSettings;
}

/** Settings with defaults applied. */
export function resolveSettings(scenario: Scenario): Required<ScenarioSettings> {
  return {
    checkpointEvery: scenario.settings?.checkpointEvery ?? 200,
    backfillBatchSize: scenario.settings?.backfillBatchSize ?? 50,
    compareInReadNew: scenario.settings?.compareInReadNew ?? false,
    retryAttempts: scenario.settings?.retryAttempts ?? 6,
    fallbackHidesDeleted: scenario.settings?.fallbackHidesDeleted ?? false,
    writeAuthorityInReadNew: scenario.settings?.writeAuthorityInReadNew ?? 'new',
    shadowMismatchLimit: scenario.settings?.shadowMismatchLimit ?? 0,
    minShadowReads: scenario.settings?.minShadowReads ?? 20,
    verifySample: scenario.settings?.verifySample ?? 0,
  };
}

/** The display name of a side. */
export function sideLabel(scenario: Scenario, side: 'old' | 'new'): string {
  return scenario.labels?.[side] ?? side;
}

/** Type guards. */
export const isWrite = (op: Operation): op is WriteOperation => op.kind === 'write';
