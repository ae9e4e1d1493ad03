/**
 * The typed protocol between the page and the engine in its Web Worker. The page holds an
 * `EngineClient` (client.ts) with this interface; the worker hosts the engine (engine-host.ts).
 * Everything crossing it is plain data (structured clone): results, reports and snapshots.
 */
import type { ConsistencyReport } from '../engine/checks/consistency.ts';
import type { HistoryOp } from '../engine/checks/history.ts';
import type { HistoryReport } from '../engine/checks/history-checker.ts';
import type { MetricsSnapshot } from '../engine/checks/metrics.ts';
import type { DurabilityMode } from '../engine/durability/types.ts';
import type { ArmedFault, Corruption, FaultSpec } from '../engine/faults.ts';
import { startingOperations } from '../engine/scenario/starting.ts';
import { PHASES, routeOf, type Phase, type Route } from '../engine/phases.ts';
import type { ControlState, MoveOptions, StartingRecordsProgress, StartingRecordsRequest, VerifySummary } from '../engine/rehearsal.ts';
import type { CopyProgress, GuardCheck, OperationResult, PhaseMove, RollbackPlan } from '../engine/results.ts';
import { resolveSettings, type Policy, type Scenario, type Side, type Topology } from '../engine/scenario/format.ts';
import type { Params, SqlValue } from '../engine/sql.ts';
// The plan runner and its renderers (src/harness/plan) run in the worker too: it hosts plan replays.
import type { Plan, Step } from '../harness/plan/format.ts';
import type { GateVerdict, RehearsalReport, StepFigures, StepReport } from '../harness/plan/report.ts';
import type { Problem } from '../harness/plan/validate.ts';

export type { ConsistencyReport, CopyProgress, DurabilityMode, GuardCheck, HistoryOp, HistoryReport, MetricsSnapshot, OperationResult, Phase, PhaseMove, RollbackPlan };
export type { GateVerdict, Plan, Problem, RehearsalReport, Step, StepFigures, StepReport };
// An imported database as the page sees it (engine/import-database.ts), and the file's first checks
// (pure): the page refuses an oversized or non-SQLite file before reading it.
import type { DatabaseInspection } from '../engine/import-database.ts';
export type { DatabaseInspection, ImportedTable } from '../engine/import-database.ts';
export { importSizeProblem, MAX_IMPORT_BYTES, sqliteHeaderProblem } from '../engine/import-file.ts';
// The share link's format (pure): the page's encoder and decoder (src/ui/share) and the CLI's share the checks.
export {
  fragmentBytes,
  MAX_SHARE_DECODED_BYTES,
  MAX_SHARE_ENCODED_CHARS,
  notDeflateReason,
  parseShareJson,
  shareFragment,
  shareJson,
  SHARE_PREFIX,
  tooLargeReason,
  type ShareDecoding,
  type SharePayload,
} from '../engine/share-format.ts';

/** What the UI shows of a scenario. */
export interface ScenarioInfo {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly sources: readonly string[];
  readonly topology: Topology;
  readonly policy: Policy;
  readonly labels: Readonly<Record<Side, string>>;
  readonly operations: readonly { readonly name: string; readonly kind: 'read' | 'write'; readonly description: string }[];
  readonly mix: Readonly<Record<string, number>>;
  /** How each phase routes operations for this scenario (`writeAuthorityInReadNew` changes read-new's writes). */
  readonly routes: Readonly<Record<Phase, Route>>;
  /** Writes that can make a new rehearsal's starting records (`OpenOptions.startingRecords`). */
  readonly startingOperations: readonly string[];
}

/** What the page shows of a scenario (plain data, for the picker and the panels). */
export function scenarioInfo(s: Scenario): ScenarioInfo {
  return {
    id: s.id,
    title: s.title,
    summary: s.summary,
    sources: [...(s.sources ?? [])],
    topology: s.topology,
    policy: s.policy,
    labels: { old: s.labels?.old ?? 'old', new: s.labels?.new ?? 'new' },
    operations: Object.entries(s.operations).map(([name, op]) => ({ name, kind: op.kind, description: op.description ?? '' })),
    mix: { ...s.workload.mix },
    routes: Object.fromEntries(PHASES.map((phase) => [phase, routeOf(phase, resolveSettings(s))])) as Record<Phase, Route>,
    startingOperations: startingOperations(s),
  };
}

/** Workload settings, kept by the page and applied by the worker. */
export interface WorkloadSettings {
  /** Operations started per second. */
  readonly opsPerSecond: number;
  /** Weights by operation name. */
  readonly mix: Readonly<Record<string, number>>;
  /** Operations in flight at once. */
  readonly concurrency: number;
}

/** Everything the UI renders about the rehearsal, as one snapshot. */
export interface EngineState {
  readonly rehearsalId: string;
  readonly scenario: ScenarioInfo;
  readonly durability: DurabilityMode;
  readonly phase: Phase;
  readonly route: Route;
  /** This tab is read-only: another tab holds the rehearsal open for writing. */
  readonly readOnly: boolean;
  /** Why the next forward move would be refused (null in the last phase). */
  readonly nextGuard: GuardCheck | null;
  readonly backfill: CopyProgress;
  readonly reverseSync: CopyProgress;
  readonly faults: readonly ArmedFault[];
  readonly workload: WorkloadSettings & { readonly running: boolean };
  readonly lastVerify: VerifySummary | null;
  readonly control: Readonly<ControlState>;
  /** What recovery found wrong and skipped when the engine last opened. */
  readonly recoveryProblems: readonly string[];
  /** Engine incarnations since the page opened (each crash or watchdog kill adds one). */
  readonly incarnation: number;
}

/** A rehearsal stored in this browser. */
export interface RehearsalSummary {
  readonly id: string;
  readonly scenarioId: string;
  readonly title: string;
  readonly phase: Phase;
}

/** The result of a console statement; values are SQL values, rendered as text by the UI. */
export interface QueryResult {
  readonly side: Side;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqlValue[])[];
  /** Rows beyond the cap were not returned. */
  readonly truncated: boolean;
  /** Values cut to the size cap (long text keeps a prefix, blobs their first bytes). */
  readonly truncatedValues: number;
  /** Rows changed by a write (journaled like any change). */
  readonly changes: number;
  readonly kind: 'read' | 'write';
  readonly durationMs: number;
}

/** One table, view or index of a side's schema. */
export interface SchemaObject {
  readonly type: 'table' | 'view' | 'index' | 'trigger';
  readonly name: string;
  readonly sql: string;
  readonly columns: readonly { readonly name: string; readonly type: string; readonly pk: boolean }[];
  /** Owned by the engine (versions, cursors), not by the scenario. */
  readonly engine: boolean;
}

/** Both sides' schemas; old is absent once dropped. */
export interface SchemaInfo {
  readonly old: readonly SchemaObject[] | null;
  readonly new: readonly SchemaObject[];
}

/** Options of opening (or creating) a rehearsal. */
export interface OpenOptions {
  readonly rehearsalId: string;
  /** Built-in scenario for a new rehearsal (ignored when it exists). */
  readonly scenarioId?: string;
  /**
   * A scenario of the user's (a file, a share link) for a new rehearsal, in place of `scenarioId`;
   * validated in the worker, refused with the validator's messages, and stored with the rehearsal
   * (ignored when the rehearsal exists: it keeps its stored scenario).
   */
  readonly scenario?: Scenario;
  readonly durability: DurabilityMode;
  /** Seed of a new rehearsal's random streams. */
  readonly seed?: number;
  /** Settings of the workload, faults to arm: the page keeps them across engine restarts. */
  readonly workload?: WorkloadSettings;
  readonly faults?: readonly FaultSpec[];
  /** Reported as running in the state (the page drives the workload; it was running before a restart). */
  readonly workloadRunning?: boolean;
  /**
   * Wait (a few seconds) for the writer lock instead of opening read-only at once: after a crash
   * the killed worker's lock is released by the browser a moment later.
   */
  readonly waitForLock?: boolean;
  /** Records a new rehearsal starts with, before its seed data (ignored when it exists). */
  readonly startingRecords?: StartingRecordsRequest;
  /**
   * A database file (checked by `inspectDatabase`) that becomes a new rehearsal's old database:
   * its rows are the starting records, versioned like any write (ignored when the rehearsal exists;
   * not with `startingRecords`).
   */
  readonly startingImport?: { readonly name: string; readonly bytes: Uint8Array };
}

/** One operation the workload planned; the page records it, then asks the engine to execute it. */
export interface PlannedOperation {
  readonly name: string;
  readonly kind: 'read' | 'write';
  readonly params: Params;
  readonly phase: Phase;
}

/** Events the worker streams to the page, batched. */
export type WorkerEvent =
  | { readonly type: 'state'; readonly state: EngineState }
  | { readonly type: 'log'; readonly rehearsalId: string; readonly at: number; readonly level: 'info' | 'warning' | 'error'; readonly message: string }
  /** A console query began running (the page's watchdog counts from here, not from the queue). */
  | { readonly type: 'query-started'; readonly queryId: number }
  /** Loading a new rehearsal's starting records (`OpenOptions.startingRecords`): how far it got. */
  | { readonly type: 'starting-records'; readonly rehearsalId: string; readonly progress: StartingRecordsProgress }
  /** A crash fault fired: the engine is dead and the page restarts it; `faults` are those still armed. */
  | { readonly type: 'crashed'; readonly rehearsalId: string; readonly faults: readonly FaultSpec[] }
  /** A plan replay (`planContinue`) ran one more step. */
  | { readonly type: 'plan-step'; readonly session: string; readonly step: StepReport; readonly next: number | null };

/** One step of a loaded plan, in words (the page does not read the plan format itself). */
export interface PlanStepInfo {
  readonly index: number;
  readonly kind: Step['kind'];
  /** `step 3 (steps[2], move "read-path cut-over")`, as the CLI and the reports name it. */
  readonly label: string;
  /** What it does: `move to read-new`, `workload: 60 operations`. */
  readonly description: string;
  /** Its gates in words (`lostWrites ≤ 0`); empty when it has none. */
  readonly gates: readonly string[];
}

/** How to replay a plan: as `cutover-lab rehearse --seed N --durability MODE` runs it. */
export interface PlanReplayOptions {
  readonly seed: number;
  readonly durability: DurabilityMode;
}

/**
 * A plan loaded for replay, or why it cannot be: the validator's problems, each with its path in
 * the plan (`steps[2].to`). Nothing has run yet either way.
 */
export type PlanSessionStart =
  | { readonly ok: true; readonly session: string; readonly plan: Plan; readonly steps: readonly PlanStepInfo[] }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** Where a replay stands. */
export interface PlanProgress {
  readonly session: string;
  /** Every step run so far. */
  readonly steps: readonly StepReport[];
  /** The step that runs next; null once the plan ran to its end, a step or gate stopped it, or Stop ended it. */
  readonly next: number | null;
  /** The run's report once it ended (the final verify and history check ran); null before. */
  readonly report: RehearsalReport | null;
}

/**
 * A scenario file checked in the worker (`EngineApi.checkScenario`): the scenario, what the picker
 * shows of it and the validator's warnings; or every problem, each with its path in the file
 * (`operations.adjustStock.new[0]`). Nothing is stored or run either way.
 */
export type ScenarioCheck =
  | { readonly ok: true; readonly scenario: Scenario; readonly info: ScenarioInfo; readonly warnings: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** The first rows of one collection on a side, as the dry run shows them (values rendered as text by the UI). */
export interface DryRunRows {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqlValue[])[];
}

/**
 * A dry run (`EngineApi.dryRun`): per collection, a sample of the old side's records (the imported
 * rows, or the scenario's seed data when nothing was imported) written into a scratch new schema
 * with the collection's upsert statements, then both sides read back in canonical form and compared.
 * Runs on scratch databases only: nothing is stored and no rehearsal is touched.
 */
export type DryRunResult =
  | {
      readonly ok: true;
      readonly source: 'import' | 'seed data';
      readonly collections: readonly {
        readonly name: string;
        readonly sampled: number;
        readonly old: DryRunRows;
        readonly new: DryRunRows;
        /** Records whose canonical form differs between the sides (key as JSON, each side's fields or null). */
        readonly differences: readonly { readonly key: string; readonly old: Readonly<Record<string, SqlValue>> | null; readonly new: Readonly<Record<string, SqlValue>> | null }[];
        /** How many records differ in all (`differences` lists the first of them); absent from a dry run that did not count them. */
        readonly differing?: number;
        /** A statement that failed, with its path in the scenario (`collections.items.upsert.new[1]`). */
        readonly error?: Problem;
      }[];
    }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** A side's database exported as a `.sqlite` file any SQLite opens (the engine's own tables left out). */
export interface ExportedDatabase {
  readonly fileName: string;
  readonly bytes: Uint8Array;
  /** Rows per table of the export. */
  readonly tables: Readonly<Record<string, number>>;
}

/** What the About panel shows of the build and the storage (`EngineApi.about`). */
export interface AboutInfo {
  /** `sqlite_version()` of the SQLite compiled into this build (sql.js's WebAssembly). */
  readonly sqliteVersion: string;
  /** `PRAGMA compile_options`, one option a string (`ENABLE_FTS5`, `THREADSAFE=0`). */
  readonly compileOptions: readonly string[];
  /** The sql.js release, when the build knows it. */
  readonly sqlJsVersion?: string;
  /** Where rehearsals are stored, in words: `IndexedDB (database "cutover-lab", store "rehearsals")`. */
  readonly storage: string;
  /** The open rehearsal, or null when none is open. */
  readonly rehearsalId: string | null;
  /** The open rehearsal's durability mode, or null when none is open. */
  readonly durability: DurabilityMode | null;
  /**
   * The open rehearsal's database files in memory, summed (page count × page size of each side):
   * what one snapshot generation stores. Absent when no rehearsal is open.
   */
  readonly rehearsalBytes?: number;
}

/** The engine as the page sees it. Every method is async; failures reject with a message a user can act on. */
export interface EngineApi {
  /** Opens or creates a rehearsal and recovers it from IndexedDB. */
  open(options: OpenOptions): Promise<EngineState>;
  /** Rehearsals stored in this browser. */
  list(): Promise<RehearsalSummary[]>;
  /** Deletes a rehearsal and everything stored for it. */
  remove(rehearsalId: string): Promise<void>;
  state(): Promise<EngineState>;
  /**
   * Plans the workload's next `count` operations (at most 500), by its mix and what it knows
   * exists. Empty in a read-only tab.
   */
  planWorkload(count: number): Promise<PlannedOperation[]>;
  /**
   * The next seed operations of a new rehearsal (the rest of one step of its seed data), `done`
   * seed operations in (whether they succeeded or not); none once all ran, which marks the
   * rehearsal seeded.
   */
  nextSeeds(done: number): Promise<PlannedOperation[]>;
  /** Runs one operation; the page has recorded its invocation first. */
  execute(name: string, params: Params): Promise<OperationResult>;
  /** Sets the workload's settings (its mix is used by `planWorkload`) and whether it is shown running. */
  setWorkload(settings: WorkloadSettings, running: boolean): Promise<EngineState>;
  movePhase(to: Phase, options?: MoveOptions): Promise<PhaseMove>;
  planRollback(to: Phase): Promise<RollbackPlan>;
  restoreBackup(): Promise<PhaseMove>;
  copy(action: 'backfill' | 'reverse-sync', command: 'start' | 'pause' | 'resume' | 'cancel' | { batchSize: number }): Promise<CopyProgress>;
  verify(): Promise<ConsistencyReport>;
  /** Replaces the armed faults. */
  setFaults(faults: readonly FaultSpec[]): Promise<EngineState>;
  /** Damages the newest stored snapshot (the next recovery falls back a generation). */
  corruptSnapshot(corruption: Corruption): Promise<string>;
  metrics(): Promise<MetricsSnapshot>;
  prometheus(): Promise<string>;
  /** Runs one console statement against a side; with `queryId`, a `query-started` event says when it began. */
  query(side: Side, sql: string, queryId?: number): Promise<QueryResult>;
  schema(): Promise<SchemaInfo>;
  /** Reads every record back through the current read path and checks `ops` (the history kept by the page). */
  checkHistory(ops: readonly HistoryOp[]): Promise<HistoryReport>;
  /**
   * Loads a plan for replay on a built-in scenario (or the open rehearsal's): `text` is the plan's
   * JSON, validated as `cutover-lab rehearse` validates it. The replay runs in this worker on a
   * virtual clock and an in-memory store, apart from the open rehearsal, from `options.seed`: the
   * same plan and seed give the CLI's figures. Nothing runs until `planStep` or `planContinue`.
   */
  planStart(scenarioId: string, text: string, options: PlanReplayOptions): Promise<PlanSessionStart>;
  /** Runs the next step (the first opens the replay's rehearsal and writes its seed data); after the last, the run ends and reports. */
  planStep(session: string): Promise<PlanProgress>;
  /** Runs the remaining steps, a `plan-step` event after each, until the end, a failure or `planStop`. */
  planContinue(session: string): Promise<PlanProgress>;
  /** Ends the replay after the step running now: the final verify and history check run on the steps so far. */
  planStop(session: string): Promise<PlanProgress>;
  /** Forgets a replay (its report too). */
  planDiscard(session: string): Promise<void>;
  /** The run as a Markdown runbook (what `cutover-lab rehearse --markdown` writes). */
  planRunbook(session: string): Promise<string>;
  /**
   * Validates a share link's scenario (as `open` would) and its plan (as `cutover-lab rehearse`
   * does) for the link's preview. A built-in's id is allowed: a link may carry a built-in scenario.
   * Runs nothing and stores nothing.
   */
  checkShare(scenario: unknown, plan?: unknown): Promise<ShareCheck>;
  /** The open rehearsal's scenario and seed, for its share link. */
  shareable(): Promise<Shareable>;
  /**
   * The SQLite build (version and compile options, read on a scratch database, never the
   * rehearsal's files), where rehearsals are stored, and the open rehearsal's durability and size.
   */
  about(): Promise<AboutInfo>;
  /**
   * Parses and validates a scenario file's text as `cutover-lab validate` does (a file that is not
   * JSON says at which line and column); a scenario with a built-in's id is refused. Runs nothing.
   */
  checkScenario(text: string): Promise<ScenarioCheck>;
  /**
   * Checks a database file for import: the SQLite header, its length against the header's page
   * count (a truncated file), `PRAGMA integrity_check`, the size cap; then lists its tables and
   * makes a starter scenario of them. Keeps the file for `dryRun`. Stores nothing.
   */
  inspectDatabase(bytes: Uint8Array, fileName: string): Promise<DatabaseInspection>;
  /** Dry-runs a scenario (`checkScenario`'s rules first) on a sample of the import `importId`, or on its seed data. */
  dryRun(scenario: unknown, importId?: string): Promise<DryRunResult>;
  /** The open rehearsal's side as a `.sqlite` file (refused for old once it is dropped). */
  exportDatabase(side: Side): Promise<ExportedDatabase>;
  /** Receives events, batched. */
  subscribe(listener: (events: readonly WorkerEvent[]) => void): Promise<void>;
  /** Saves figures and closes cleanly. */
  close(): Promise<void>;
}

/**
 * A share link's scenario (and plan) checked in the worker (`EngineApi.checkShare`): the scenario
 * and what the preview shows of it, the plan's steps in words; or every problem, each with its
 * path in the link (`scenario.operations.enqueue.new[0]`, `plan.steps[2].to`). Nothing is stored or run.
 */
export type ShareCheck =
  | { readonly ok: true; readonly scenario: Scenario; readonly info: ScenarioInfo; readonly warnings: readonly Problem[]; readonly steps: readonly PlanStepInfo[] }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** What a share link of the open rehearsal carries (`EngineApi.shareable`). */
export interface Shareable {
  readonly scenario: Scenario;
  readonly seed: number;
}

/** Console limits. */
export const CONSOLE_LIMITS = {
  /** Longest statement accepted, in characters. */
  maxStatementChars: 10_000,
  /** Most rows returned. */
  maxRows: 1_000,
  /** Longest text value returned, in characters. */
  maxValueChars: 10_000,
  /** Longest blob returned, in bytes. */
  maxBlobBytes: 4_096,
  /** The watchdog kills a query running longer than this. */
  timeoutMs: 2_500,
} as const;
