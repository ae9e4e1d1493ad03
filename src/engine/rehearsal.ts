/**
 * A rehearsal: one scenario's two schemas, the phase they stand in, and every operation, action
 * and fault run against them. This is the engine's facade; the worker, the harness and the CLI
 * hold one of these (through the async client in the browser). It composes the pieces — the write
 * and read paths, the actions, the lifecycle and the control state — and holds no logic of its
 * own beyond opening. It is deterministic from its seed and its ports: no clock, randomness or
 * storage other than what it is given.
 */
import { consoleWrite } from './actions/console-write.ts';
import { CopyControl } from './actions/copy-control.ts';
import { RecordCopier } from './actions/copier.ts';
import { movePhase, rollbackPlan } from './actions/move-phase.ts';
import { restoreBackup } from './actions/restore-backup.ts';
import { checkUntouchedStartingRecords, importProblem, loadStartingRecords, startingRecordsProblem, startingStates, type StartingImport, type StartingRecordsProgress } from './actions/starting-records.ts';
import type { StartingKey, StartingRecordsCheck } from './checks/history-checker.ts';
import type { RecordState } from './checks/model.ts';
import { verify } from './actions/verify.ts';
import { Checkpoints } from './checkpoints.ts';
import type { ConsistencyReport } from './checks/consistency.ts';
import { Metrics, type MetricsSnapshot } from './checks/metrics.ts';
import type { Clock } from './clock.ts';
import type { ControlState, MoveOptions, StartingRecordsRequest } from './control-state.ts';
import { Control, CONTROL_META, copyControl, initialControl } from './control.ts';
import { DatabaseFiles } from './database-files.ts';
import { damageSnapshot } from './durability/corrupt.ts';
import { DurableStore } from './durability/durable-store.ts';
import { FaultyBackend } from './durability/faulty-backend.ts';
import { StorageError, type Digest, type DurabilityMode, type KeyValueBackend } from './durability/types.ts';
import { EventBus, type RaisedError } from './event-bus.ts';
import type { EngineListener } from './events.ts';
import { CrashSignal, FaultInjector, type CrashPoint, type FaultSpec } from './faults.ts';
import { checkGuard } from './guards.ts';
import { Lifecycle } from './lifecycle.ts';
import { copierContext, oldExistsIn, sideExists, type EngineParts } from './parts.ts';
import { routeOf, writesBothSides, type Phase, type Route } from './phases.ts';
import { createRandom } from './random.ts';
import { ReadPath, type ShadowMismatch } from './read-path.ts';
import { RecordAccess } from './records.ts';
import type { GuardCheck, OperationResult, PhaseMove, RollbackPlan } from './results.ts';
import { resolveSettings, type Scenario, type Side } from './scenario/format.ts';
import { requireValid } from './scenario/validate.ts';
import { SideCalls } from './side-calls.ts';
import type { Params, SqlDatabase, SqlEngine } from './sql.ts';
import { KeyLocks } from './sync.ts';
import { VersionClock } from './version-clock.ts';
import { WritePath } from './write/write-path.ts';

export { CopyControl } from './actions/copy-control.ts';
export type { ControlState, MoveOptions, StartingRecordsRequest, StartingRecordsState, VerifySummary } from './control-state.ts';
export type { StartingRecordsProgress } from './actions/starting-records.ts';
export type { RaisedError } from './event-bus.ts';
export { lockKey } from './parts.ts';

/** The ports a rehearsal runs on; defaults live at the edge (main.ts, the CLI), never here. */
export interface RehearsalPorts {
  readonly sql: SqlEngine;
  readonly backend: KeyValueBackend;
  readonly digest: Digest;
  readonly clock: Clock;
}

/** How to open a rehearsal. */
export interface RehearsalOptions {
  /** A scenario that passed `validateScenario`. */
  readonly scenario: Scenario;
  /** Names the rehearsal's space in the durable store. */
  readonly id: string;
  readonly seed: string | number;
  readonly durability: DurabilityMode;
  readonly ports: RehearsalPorts;
  /** Faults armed when the engine opens. */
  readonly faults?: readonly FaultSpec[];
  /** Save the metrics every N operations (0: only when asked); default 100. */
  readonly persistMetricsEvery?: number;
  /** Open without writing anything: another tab holds the writer lock. Writes fail with a message saying so. */
  readonly readOnly?: boolean;
  /** Told of every error an event listener or a publisher throws (it is counted either way). */
  readonly onRaised?: (error: RaisedError) => void;
  /**
   * Records a new rehearsal starts with, made before any operation (`actions/starting-records.ts`);
   * ignored when the rehearsal exists (its control state remembers what it asked for).
   */
  readonly startingRecords?: StartingRecordsRequest;
  /**
   * A database file that becomes a new rehearsal's old database, its rows the starting records
   * (`actions/starting-records.ts`, import); ignored when the rehearsal exists. Not with `startingRecords`.
   */
  readonly startingImport?: StartingImport;
  /** Told how loading the starting records goes; the load waits for a returned promise (a host yields to its event loop there). */
  readonly onStartingRecords?: (progress: StartingRecordsProgress) => void | Promise<void>;
}

const SCENARIO_META = 'scenario';
const METRICS_META = 'metrics';

/** The engine. Create with `Rehearsal.open`; after a crash, open again on the same backend. */
export class Rehearsal {
  readonly scenario: Scenario;
  readonly id: string;
  readonly durability: DurabilityMode;
  readonly faults: FaultInjector;
  readonly backfill: CopyControl;
  readonly reverseSync: CopyControl;

  readonly #parts: EngineParts;
  readonly #writes: WritePath;
  readonly #reads: ReadPath;
  readonly #persistMetricsEvery: number;
  #opSeq = 0;
  #recoveryProblems: readonly string[] = [];

  private constructor(options: RehearsalOptions, parts: EngineParts) {
    this.scenario = options.scenario;
    this.id = options.id;
    this.durability = options.durability;
    this.faults = parts.faults;
    this.#parts = parts;
    this.#writes = new WritePath(parts);
    this.#reads = new ReadPath(parts);
    this.#persistMetricsEvery = options.persistMetricsEvery ?? 100;
    const context = copierContext(parts);
    const batchSize = parts.settings.backfillBatchSize;
    this.backfill = new CopyControl(parts.lifecycle, new RecordCopier(context, 'backfill', batchSize, (p) => parts.control.recordPassDone('backfill', p)));
    this.reverseSync = new CopyControl(parts.lifecycle, new RecordCopier(context, 'reverse-sync', batchSize, (p) => parts.control.recordPassDone('reverse-sync', p)));
  }

  /**
   * Opens a rehearsal: rebuilds both sides from durable state (a fresh one gets its schemas) and
   * restores the phase. Throws InvalidScenarioError, with the validator's messages, for a scenario
   * that does not pass `validateScenario`, and RecoveryError when durable state cannot be rebuilt
   * without loss.
   */
  static async open(options: RehearsalOptions): Promise<Rehearsal> {
    const { ports } = options;
    // Refused with the validator's messages unless it passes (remembered once it has).
    const scenario = requireValid(options.scenario, ports.sql);
    const probe = new DurableStore({ backend: ports.backend, namespace: `rehearsal/${options.id}`, mode: options.durability, digest: ports.digest, clock: ports.clock });
    const stored = await probe.readMeta<ControlState>(CONTROL_META);
    if (stored && stored.scenarioId !== scenario.id) {
      throw new Error(`rehearsal "${options.id}" belongs to scenario "${stored.scenarioId}", not "${scenario.id}"`);
    }
    // An import is refused before anything is stored: a file that is not sound, or that lacks what
    // the scenario's old side reads and writes, leaves no half-made rehearsal behind.
    if (!stored && options.startingImport) {
      if (options.startingRecords) throw new Error('a rehearsal starts with generated records or an imported database, not both');
      const problem = importProblem(scenario, ports.sql, options.startingImport);
      if (problem) throw new Error(problem);
    }
    // The fault stream depends on how many times this rehearsal was opened, so each incarnation
    // after a crash draws fresh but reproducible decisions.
    const opens = (stored?.opens ?? 0) + 1;
    const faults = new FaultInjector(createRandom(options.seed).fork(`faults#${opens}`));
    const corruptionRandom = createRandom(options.seed).fork(`corruption#${opens}`);
    for (const f of options.faults ?? []) faults.add(f);
    // Until the lifecycle exists (recovery), a crash point only fires the fault.
    let crashPoint: (point: CrashPoint) => void = (point) => faults.crashPoint(point);
    const readOnly = options.readOnly ?? false;
    const store = new DurableStore({
      readOnly,
      backend: new FaultyBackend(ports.backend, () => faults.refuseStorageWrite()),
      namespace: `rehearsal/${options.id}`,
      mode: options.durability,
      digest: ports.digest,
      clock: ports.clock,
      onCheckpointStep: (_file, step) => {
        if (step === 'snapshot-written') crashPoint('during-checkpoint');
      },
      damageSnapshot: (record) => {
        const corruption = faults.snapshotCorruption();
        return corruption ? damageSnapshot(record, corruption, corruptionRandom) : undefined;
      },
    });
    const settings = resolveSettings(scenario);
    const files = new DatabaseFiles(scenario, ports.sql, store, { crashPoint: (p) => crashPoint(p) }, settings.checkpointEvery);
    const { fresh, problems } = await files.recoverAll();
    const crashed = stored?.openNow === true && !readOnly;
    const controlState: ControlState = stored ? { ...stored, backups: [...stored.backups], opens, openNow: true } : initialControl(scenario, opens);
    if (!stored && options.startingImport) {
      controlState.startingRecords = { count: 0, import: { name: options.startingImport.name, bytes: options.startingImport.bytes.length }, status: 'pending' };
    }
    if (!stored && options.startingRecords) {
      const problem = startingRecordsProblem({ scenario }, options.startingRecords);
      if (problem) throw new Error(`the starting records cannot be made: ${problem}`);
      controlState.startingRecords = { operation: options.startingRecords.operation, count: options.startingRecords.count, status: 'pending' };
    }
    // After a crash the sides may have diverged (a second write that never ran): verify again.
    if (crashed && writesBothSides(controlState.phase)) controlState.divergenceEvents++;
    const savedMetrics = await store.readMeta<MetricsSnapshot>(METRICS_META);
    const metrics = savedMetrics ? Metrics.fromSnapshot(savedMetrics) : new Metrics();
    if (crashed) metrics.inc('cutover_crashes_total');
    if (!fresh) metrics.inc('cutover_recoveries_total');

    const events = new EventBus((raised) => {
      metrics.inc('cutover_raised_total', { where: raised.where });
      options.onRaised?.(raised);
    });
    const control = new Control(controlState, store, events);
    const locks = new KeyLocks();
    const lifecycle = new Lifecycle({ clock: ports.clock, files, store, faults, locks, events, control });
    const parts: EngineParts = {
      scenario,
      seed: options.seed,
      settings,
      durability: options.durability,
      sql: ports.sql,
      clock: ports.clock,
      store,
      files,
      records: new RecordAccess(scenario),
      faults,
      metrics,
      events,
      control,
      lifecycle,
      locks,
      versions: new VersionClock(ports.clock),
      checkpoints: new Checkpoints(files, metrics, events, lifecycle),
      sideCalls: new SideCalls({ clock: ports.clock, faults, metrics, lifecycle, jitter: createRandom(options.seed).fork(`jitter#${opens}`), retryAttempts: settings.retryAttempts }),
    };
    const rehearsal = new Rehearsal(options, parts);
    crashPoint = (point) => lifecycle.crashPoint(point);
    faults.onFire = (fault, detail) => {
      metrics.inc('cutover_faults_total', { kind: fault.kind });
      events.emit({ type: 'fault', kind: fault.kind, detail });
    };
    store.onLostAck((file, seqs, error) => {
      metrics.inc('cutover_lost_acknowledged_writes_total', {}, seqs.length);
      events.emit({ type: 'lost-ack', file, seqs, message: `acknowledged journal entries ${seqs.join(', ')} of "${file}" were never stored: ${error.message}` });
    });
    if (!readOnly) {
      if (!stored) await store.writeMeta(SCENARIO_META, scenario);
      await store.writeMeta(CONTROL_META, controlState);
    }
    await reconcileDrop(parts);
    const stores = (['old', 'new'] as const).filter((side) => sideExists(parts, side));
    parts.versions.observe(Math.max(...stores.map((side) => parts.records.maxVersion(files.db(side), side)), 0));
    if (!readOnly) {
      const problem = await loadStartingRecords(parts, options.onStartingRecords, stored ? undefined : options.startingImport);
      if (problem) problems.push(problem);
    }
    rehearsal.#recoveryProblems = problems;
    events.emit({ type: 'recovered', problems, fresh });
    return rehearsal;
  }

  /** Reads the scenario stored with a rehearsal, to reopen it without the original file. */
  static async storedScenario(backend: KeyValueBackend, id: string, digest: Digest, clock: Clock): Promise<Scenario | undefined> {
    const store = new DurableStore({ backend, namespace: `rehearsal/${id}`, mode: 'strict', digest, clock });
    return store.readMeta<Scenario>(SCENARIO_META);
  }

  // -----------------------------------------------------------------------------------------
  // State

  /** The first states of the starting records among `keys`, by `collection \u0000 key` (the history checker's `starting`). */
  startingStates(keys: readonly StartingKey[]): Promise<Map<string, RecordState>> {
    return startingStates(this.#parts, keys);
  }

  /** Holds the starting records outside `touched` to their first state, through the current read path; undefined when there are none. */
  checkUntouchedStartingRecords(touched: ReadonlySet<string>): Promise<StartingRecordsCheck | undefined> {
    return checkUntouchedStartingRecords(this.#parts, touched);
  }

  /** Current phase. */
  get phase(): Phase {
    return this.#parts.control.phase;
  }

  /** The routing of the current phase. */
  get route(): Route {
    return routeOf(this.#parts.control.phase, this.#parts.settings);
  }

  /** A copy of the control state. */
  get control(): Readonly<ControlState> {
    return copyControl(this.#parts.control.state);
  }

  /** What recovery found wrong and skipped when this incarnation opened. */
  get recoveryProblems(): readonly string[] {
    return this.#recoveryProblems;
  }

  /** Whether this incarnation refuses every write (another tab is the writer). */
  get readOnly(): boolean {
    return this.#parts.store.readOnly;
  }

  /** Whether the engine is gone (crashed or closed). */
  get dead(): boolean {
    return this.#parts.lifecycle.dead;
  }

  /** Metrics so far, as data. */
  metrics(): MetricsSnapshot {
    return this.#parts.metrics.snapshot();
  }

  /** The most recent shadow-read mismatches, newest last. */
  shadowDiffs(): readonly ShadowMismatch[] {
    return this.#reads.shadowDiffs();
  }

  /** The errors event listeners and publishers threw since this incarnation opened: how many, and the last few. */
  raised(): { readonly count: number; readonly recent: readonly RaisedError[] } {
    return { count: this.#parts.events.raisedCount, recent: this.#parts.events.recentRaised() };
  }

  /** Counts and reports an error a publisher of this rehearsal's figures threw (the host's, e.g. the worker's). */
  raise(error: unknown): void {
    this.#parts.events.raise('publisher', error);
  }

  /** Subscribes to engine events. */
  on(listener: EngineListener): () => void {
    return this.#parts.events.on(listener);
  }

  /** The durable store, for fault injection and figures. */
  get store(): DurableStore {
    return this.#parts.store;
  }

  /** Read-only access to a side's database (tests, the console's reads). Never keep it across awaits. */
  database(side: Side): SqlDatabase {
    if (!sideExists(this.#parts, side)) throw new Error('the old schema is dropped');
    return this.#parts.files.db(side);
  }

  // -----------------------------------------------------------------------------------------
  // Operations and actions

  /** Runs one logical operation through the current phase's routing. Faults come back as data; a crash throws CrashSignal. */
  async execute(name: string, params: Params): Promise<OperationResult> {
    const op = this.scenario.operations[name];
    if (!op) throw new Error(`no operation named "${name}"`);
    let complete = true;
    for (const p in op.params) if (!(p in params)) complete = false;
    const missing = complete ? [] : Object.keys(op.params).filter((p) => !(p in params));
    if (missing.length > 0) {
      const all = Object.keys(op.params).map((p) => `:${p}`).join(', ');
      throw new Error(`"${name}" needs ${missing.map((p) => `:${p}`).join(', ')} (its parameters: ${all}); pass null for a parameter meant to be NULL, or draw them all with workload.invocation("${name}")`);
    }
    const { lifecycle, control, clock, metrics, events } = this.#parts;
    return lifecycle.track(async () => {
      const id = ++this.#opSeq;
      const phase = control.phase;
      const request = { id, name, params, phase, route: routeOf(phase, this.#parts.settings), start: clock.now() };
      const result = op.kind === 'write' ? await this.#writes.write({ ...request, op }) : await this.#reads.read({ ...request, op });
      metrics.inc('cutover_operations_total', { operation: name, kind: op.kind, outcome: result.outcome });
      metrics.tick(clock.now(), { operation: true, read: op.kind === 'read' });
      events.emit({ type: 'operation', result });
      if (this.#persistMetricsEvery > 0 && this.#opSeq % this.#persistMetricsEvery === 0) await this.saveMetrics();
      return result;
    });
  }

  /** Why a forward move to `to` would be refused now (empty reasons when it is allowed). */
  async checkGuard(to: Phase): Promise<GuardCheck> {
    return checkGuard(this.#parts.control.state, this.scenario, this.#parts.settings, to);
  }

  /** Lists what goes wrong if the rehearsal rolls back from the current phase to `to`, with counts and remedies. */
  planRollback(to: Phase): Promise<RollbackPlan> {
    return rollbackPlan(this.#parts, to);
  }

  /** Moves to the next phase (guards apply) or back to an earlier one (hazards apply). */
  movePhase(to: Phase, options: MoveOptions = {}): Promise<PhaseMove> {
    return movePhase(this.#parts, this, to, options);
  }

  /** Restores old from the newest backup (only from `old-dropped`); the phase becomes `new-only`. */
  restoreBackup(name?: string): Promise<PhaseMove> {
    return restoreBackup(this.#parts, name);
  }

  /** Commits a statement typed in the SQL console to a side, journaled like any change; returns the rows it changed. */
  consoleWrite(side: Side, sql: string): Promise<number> {
    return consoleWrite(this.#parts, side, sql);
  }

  /** The consistency checker over both sides; remembered for the guards. */
  verify(): Promise<ConsistencyReport> {
    return verify(this.#parts);
  }

  // -----------------------------------------------------------------------------------------
  // Lifecycle

  /** Saves the metrics to durable storage (figures survive a reload). */
  async saveMetrics(): Promise<void> {
    if (this.readOnly) return;
    try {
      await this.#parts.store.writeMeta(METRICS_META, this.#parts.metrics.snapshot());
    } catch (e) {
      // Figures that storage refused are saved with the next ones.
      if (!(e instanceof StorageError)) throw e;
    }
  }

  /**
   * "Crash now": throws away everything in memory — databases, queues, pending acknowledgements —
   * exactly as a killed tab would. Open the rehearsal again to recover from durable state.
   */
  crash(): void {
    this.#parts.lifecycle.die(new CrashSignal('now'));
  }

  /** Closes cleanly: waits for pending writes, saves figures, marks the rehearsal closed. */
  close(): Promise<void> {
    return this.#parts.lifecycle.close(async () => {
      await this.#parts.store.settled();
      if (!this.readOnly) {
        await this.saveMetrics();
        await this.#parts.control.storeClosed();
      }
    });
  }
}

/** The databases are the truth about the drop: old's engine tables exist exactly while old does. */
async function reconcileDrop(parts: EngineParts): Promise<void> {
  const { control, files, versions } = parts;
  const oldExists = oldExistsIn(files);
  if (!oldExists && control.phase !== 'old-dropped') {
    await control.update({ phase: 'old-dropped', droppedAtVersion: control.state.droppedAtVersion ?? versions.high });
  } else if (oldExists && control.phase === 'old-dropped') {
    await control.update({ phase: 'new-only' });
  }
}
