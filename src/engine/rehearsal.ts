/**
 * A rehearsal: one scenario's two schemas, the phase they stand in, and every operation, action
 * and fault run against them. This is the engine's facade; the worker, the harness and the CLI
 * hold one of these (through the async client in the browser). It is deterministic from its
 * seed and its ports: no clock, randomness or storage other than what it is given.
 */
import { RecordCopier, type CopyAction } from './actions/copier.ts';
import { assertNever } from './assert-never.ts';
import { compareCollections, diffReadResults, isConsistent, recordsLostByDrop, type CollectionState, type ConsistencyReport, type RowDiff } from './checks/consistency.ts';
import { Metrics, type MetricsSnapshot } from './checks/metrics.ts';
import type { Clock } from './clock.ts';
import type { EngineContext } from './context.ts';
import { DatabaseFiles } from './database-files.ts';
import { damageSnapshot } from './durability/corrupt.ts';
import { DurableStore } from './durability/durable-store.ts';
import { FaultyBackend } from './durability/faulty-backend.ts';
import { ReadOnlyError, RecoveryError, StorageError, type Digest, type DurabilityMode, type KeyValueBackend } from './durability/types.ts';
import type { EngineEvent, EngineListener } from './events.ts';
import { CrashSignal, FaultInjector, isCrash, type CrashPoint, type FaultSpec } from './faults.ts';
import { PHASES, ROUTES, phaseIndex, writesBothSides, type Phase, type Route } from './phases.ts';
import { createRandom, type Random } from './random.ts';
import { effectKey, engineTablesDdl, pick, recordKey, RecordAccess, stateTable, versionTable, type VersionInfo } from './records.ts';
import type { CopyProgress, GuardCheck, Hazard, Observation, OperationResult, Outcome, PhaseMove, RollbackPlan, SideError } from './results.ts';
import { resolveSettings, sideLabel, type ReadOperation, type Scenario, type ScenarioSettings, type Side, type WriteOperation } from './scenario/format.ts';
import { scanParams } from './sql-params.ts';
import { SqlError, type BoundStatement, type Params, type Row, type SqlDatabase, type SqlEngine, type SqlValue } from './sql.ts';
import { KeyLocks } from './sync.ts';
import type { ControlState, MoveOptions, VerifySummary } from './control-state.ts';

export type { ControlState, MoveOptions, VerifySummary } from './control-state.ts';

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
}

const CONTROL = 'control';
const SCENARIO = 'scenario';
const METRICS = 'metrics';
const MAX_SHADOW_DIFFS = 200;

/** The engine. Create with `Rehearsal.open`; after a crash, open again on the same backend. */
export class Rehearsal {
  readonly scenario: Scenario;
  readonly id: string;
  readonly durability: DurabilityMode;
  readonly faults: FaultInjector;
  readonly backfill: CopyControl;
  readonly reverseSync: CopyControl;

  readonly #ports: RehearsalPorts;
  readonly #store: DurableStore;
  readonly #files: DatabaseFiles;
  readonly #records: RecordAccess;
  readonly #settings: Required<ScenarioSettings>;
  readonly #jitter: Random;
  readonly #listeners = new Set<EngineListener>();
  readonly #locks = new KeyLocks();
  readonly #persistMetricsEvery: number;
  #metrics: Metrics;
  #control: ControlState;
  #dead: CrashSignal | undefined;
  #closed = false;
  #opSeq = 0;
  #versionHigh = 0;
  #inFlight = 0;
  #drained: (() => void)[] = [];
  #moving: Promise<unknown> | undefined;
  #reloading: Promise<void> | undefined;
  #checkpointing = false;
  #shadowDiffs: { operation: string; phase: Phase; diffs: readonly RowDiff[] }[] = [];
  #recoveryProblems: readonly string[] = [];

  private constructor(options: RehearsalOptions, store: DurableStore, files: DatabaseFiles, faults: FaultInjector, control: ControlState, metrics: Metrics) {
    this.scenario = options.scenario;
    this.id = options.id;
    this.durability = options.durability;
    this.#ports = options.ports;
    this.#store = store;
    this.#files = files;
    this.faults = faults;
    this.#control = control;
    this.#metrics = metrics;
    this.#records = new RecordAccess(options.scenario);
    this.#settings = resolveSettings(options.scenario);
    this.#jitter = createRandom(options.seed).fork(`jitter#${control.opens}`);
    this.#persistMetricsEvery = options.persistMetricsEvery ?? 100;
    const ctx = this.#context();
    this.backfill = new CopyControl(this, new RecordCopier(ctx, 'backfill', this.#settings.backfillBatchSize, (p) => this.#onPassDone('backfill', p)));
    this.reverseSync = new CopyControl(this, new RecordCopier(ctx, 'reverse-sync', this.#settings.backfillBatchSize, (p) => this.#onPassDone('reverse-sync', p)));
  }

  /**
   * Opens a rehearsal: rebuilds both sides from durable state (a fresh one gets its schemas) and
   * restores the phase. Throws RecoveryError when durable state cannot be rebuilt without loss.
   */
  static async open(options: RehearsalOptions): Promise<Rehearsal> {
    const { scenario, ports } = options;
    // The fault stream depends on how many times this rehearsal was opened, so each incarnation
    // after a crash draws fresh but reproducible decisions.
    const probe = new DurableStore({ backend: ports.backend, namespace: `rehearsal/${options.id}`, mode: options.durability, digest: ports.digest, clock: ports.clock });
    const stored = await probe.readMeta<ControlState>(CONTROL);
    if (stored && stored.scenarioId !== scenario.id) {
      throw new Error(`rehearsal "${options.id}" belongs to scenario "${stored.scenarioId}", not "${scenario.id}"`);
    }
    const opens = (stored?.opens ?? 0) + 1;
    const faults = new FaultInjector(createRandom(options.seed).fork(`faults#${opens}`));
    const corruptionRandom = createRandom(options.seed).fork(`corruption#${opens}`);
    for (const f of options.faults ?? []) faults.add(f);
    let crashHook: (point: CrashPoint) => void = (point) => faults.crashPoint(point);
    const readOnly = options.readOnly ?? false;
    const store = new DurableStore({
      readOnly,
      backend: new FaultyBackend(ports.backend, () => faults.refuseStorageWrite()),
      namespace: `rehearsal/${options.id}`,
      mode: options.durability,
      digest: ports.digest,
      clock: ports.clock,
      onCheckpointStep: (_file, step) => {
        if (step === 'snapshot-written') crashHook('during-checkpoint');
      },
      damageSnapshot: (record) => {
        const corruption = faults.snapshotCorruption();
        return corruption ? damageSnapshot(record, corruption, corruptionRandom) : undefined;
      },
    });
    const files = new DatabaseFiles(scenario, ports.sql, store, { crashPoint: (p) => crashHook(p) }, resolveSettings(scenario).checkpointEvery);
    const { fresh, problems } = await files.recoverAll();
    const crashed = stored?.openNow === true && !readOnly;
    const control: ControlState = stored
      ? { ...stored, backups: [...stored.backups], opens, openNow: true }
      : {
          format: 1,
          scenarioId: scenario.id,
          phase: 'old-only',
          opens,
          openNow: true,
          divergenceEvents: 0,
          lastVerify: null,
          backfillValid: false,
          backups: [],
          droppedAtVersion: null,
          forcedMoves: 0,
        };
    // After a crash the sides may have diverged (a second write that never ran): verify again.
    if (crashed && writesBothSides(control.phase)) control.divergenceEvents++;
    const savedMetrics = await store.readMeta<MetricsSnapshot>(METRICS);
    const metrics = savedMetrics ? Metrics.fromSnapshot(savedMetrics) : new Metrics();
    if (crashed) metrics.inc('cutover_crashes_total');
    if (!fresh) metrics.inc('cutover_recoveries_total');
    const rehearsal = new Rehearsal(options, store, files, faults, control, metrics);
    crashHook = (point) => rehearsal.#crashPoint(point);
    faults.onFire = (fault, detail) => {
      metrics.inc('cutover_faults_total', { kind: fault.kind });
      rehearsal.#emit({ type: 'fault', kind: fault.kind, detail });
    };
    store.onLostAck((file, seqs, error) => {
      metrics.inc('cutover_lost_acknowledged_writes_total', {}, seqs.length);
      rehearsal.#emit({ type: 'lost-ack', file, seqs, message: `acknowledged journal entries ${seqs.join(', ')} of "${file}" were never stored: ${error.message}` });
    });
    if (!readOnly) {
      if (!stored) await store.writeMeta(SCENARIO, scenario);
      await store.writeMeta(CONTROL, control);
    }
    await rehearsal.#reconcile();
    rehearsal.#versionHigh = Math.max(...(['old', 'new'] as const).filter((s) => rehearsal.#sideExists(s)).map((s) => rehearsal.#records.maxVersion(files.db(s), s)), 0);
    rehearsal.#recoveryProblems = problems;
    rehearsal.#emit({ type: 'recovered', problems, fresh });
    return rehearsal;
  }

  /** Reads the scenario stored with a rehearsal, to reopen it without the original file. */
  static async storedScenario(backend: KeyValueBackend, id: string, digest: Digest, clock: Clock): Promise<Scenario | undefined> {
    const store = new DurableStore({ backend, namespace: `rehearsal/${id}`, mode: 'strict', digest, clock });
    return store.readMeta<Scenario>(SCENARIO);
  }

  // -----------------------------------------------------------------------------------------
  // State

  /** Current phase. */
  get phase(): Phase {
    return this.#control.phase;
  }

  /** The routing of the current phase. */
  get route(): Route {
    return ROUTES[this.#control.phase];
  }

  /** A copy of the control state. */
  get control(): Readonly<ControlState> {
    return structuredClone(this.#control);
  }

  /** What recovery found wrong and skipped when this incarnation opened. */
  get recoveryProblems(): readonly string[] {
    return this.#recoveryProblems;
  }

  /** Whether this incarnation refuses every write (another tab is the writer). */
  get readOnly(): boolean {
    return this.#store.readOnly;
  }

  /** Whether the engine is gone (crashed or closed). */
  get dead(): boolean {
    return this.#dead !== undefined || this.#closed;
  }

  /** Metrics so far, as data. */
  metrics(): MetricsSnapshot {
    return this.#metrics.snapshot();
  }

  /** The most recent shadow-read mismatches, newest last. */
  shadowDiffs(): readonly { operation: string; phase: Phase; diffs: readonly RowDiff[] }[] {
    return [...this.#shadowDiffs];
  }

  /** Subscribes to engine events. */
  on(listener: EngineListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The durable store, for fault injection and figures. */
  get store(): DurableStore {
    return this.#store;
  }

  /** Read-only access to a side's database (tests, the console's reads). Never keep it across awaits. */
  database(side: Side): SqlDatabase {
    if (!this.#sideExists(side)) throw new Error('the old schema is dropped');
    return this.#files.db(side);
  }

  // -----------------------------------------------------------------------------------------
  // Operations

  /** Runs one logical operation through the current phase's routing. Faults come back as data; a crash throws CrashSignal. */
  async execute(name: string, params: Params): Promise<OperationResult> {
    const op = this.scenario.operations[name];
    if (!op) throw new Error(`no operation named "${name}"`);
    return this.#track(async () => {
      const id = ++this.#opSeq;
      const phase = this.#control.phase;
      const route = ROUTES[phase];
      const start = this.#ports.clock.now();
      const result = op.kind === 'write' ? await this.#write(id, name, op, params, phase, route, start) : await this.#read(id, name, op, params, phase, route, start);
      this.#metrics.inc('cutover_operations_total', { operation: name, kind: op.kind, outcome: result.outcome });
      this.#metrics.tick(this.#ports.clock.now(), { operation: true, read: op.kind === 'read' });
      this.#emit({ type: 'operation', result });
      if (this.#persistMetricsEvery > 0 && this.#opSeq % this.#persistMetricsEvery === 0) await this.saveMetrics();
      return result;
    });
  }

  async #write(id: number, name: string, op: WriteOperation, params: Params, phase: Phase, route: Route, start: number): Promise<OperationResult> {
    const collection = this.#records.collection(op.effect.collection);
    const key = effectKey(op, params);
    const rk = recordKey(collection, key);
    // The record is ours from its version to its last write: versions then follow the order in
    // which writes take effect, and no other write or backfill batch comes between the two halves.
    const release = await this.#locks.acquire([lockKey(op.effect.collection, rk)]);
    try {
      return await this.#writeLocked(id, name, op, params, phase, route, start, key, rk);
    } finally {
      release();
    }
  }

  async #writeLocked(
    id: number,
    name: string,
    op: WriteOperation,
    params: Params,
    phase: Phase,
    route: Route,
    start: number,
    key: Record<string, SqlValue>,
    rk: string,
  ): Promise<OperationResult> {
    this.#assertAlive();
    const version = this.#nextVersion();
    const base = { id, name, kind: 'write' as const, phase, params, version, collection: op.effect.collection, recordKey: rk };
    const finish = (outcome: Outcome, observations: Observation[], extra: { error?: SideError; note?: string } = {}): OperationResult =>
      freezeResult({ ...base, outcome, observations, durationMs: this.#ports.clock.now() - start, ...extra });

    this.#crashPoint('before-authoritative');
    const [auth, second] = route.writes as [Side, Side | undefined];
    if (op[auth].length === 0) {
      return finish('fail', [], { error: { kind: 'not-defined', message: `"${name}" has no statements for ${auth}, the authoritative side in ${phase}`, transient: false } });
    }
    const writesSecond = second !== undefined && op[second].length > 0;

    if (writesSecond && this.scenario.policy === 'atomic') {
      const obs = await this.#writeAtomic(name, op, params, version, key, rk, [auth, second]);
      if (!obs.every((o) => o.ok)) return finish('fail', obs, { error: obs.find((o) => !o.ok)?.error as SideError });
      this.#metrics.inc('cutover_dual_write_total', { result: 'succeeded' });
      this.#crashPoint('after-writes-before-ack');
      await this.#afterWrite();
      return finish('ok', obs);
    }

    let previous: { record: Row | undefined; version: VersionInfo | undefined } | undefined;
    const authObs = await this.#writeSide(auth, 'write', name, op[auth], op, params, version, key, rk, {
      capture: writesSecond ? (p) => (previous = p) : undefined,
      base: 'self',
    });
    if (!authObs.ok) return finish('fail', [authObs], { error: authObs.error as SideError });
    if (!writesSecond) {
      this.#crashPoint('after-writes-before-ack');
      await this.#afterWrite();
      return finish('ok', [authObs]);
    }
    this.#crashPoint('between-writes');
    const secondObs = await this.#writeSide(second, 'write', name, op[second], op, params, version, key, rk, { base: previous?.version });
    if (secondObs.ok) {
      this.#metrics.inc('cutover_dual_write_total', { result: 'succeeded' });
      this.#crashPoint('after-writes-before-ack');
      await this.#afterWrite();
      return finish('ok', [authObs, secondObs]);
    }

    switch (this.scenario.policy) {
      case 'best-effort': {
        this.#metrics.inc('cutover_dual_write_total', { result: 'failed' });
        await this.#divergence();
        this.#crashPoint('after-writes-before-ack');
        await this.#afterWrite();
        return finish('ok', [authObs, secondObs], { note: `second write to ${second} failed (${secondObs.error?.message}); counted, and the operation succeeded (best-effort): ${second} is behind until backfill or reverse-sync` });
      }
      case 'compensate':
      case 'atomic': {
        // Undo the authoritative write, then report failure: either both sides have it or neither.
        const undo = this.#compensationStatements(auth, op, params, rk, previous);
        const compObs = await this.#writeSide(auth, 'compensate', name, [], op, params, version, key, rk, { statements: undo });
        if (compObs.ok) {
          this.#metrics.inc('cutover_dual_write_total', { result: 'compensated' });
          await this.#afterWrite();
          return finish('fail', [authObs, secondObs, compObs], {
            error: secondObs.error as SideError,
            note: `second write to ${second} failed; the write to ${auth} was undone (compensate)`,
          });
        }
        this.#metrics.inc('cutover_dual_write_total', { result: 'compensation_failed' });
        await this.#divergence();
        await this.#afterWrite();
        return finish('info', [authObs, secondObs, compObs], {
          error: compObs.error as SideError,
          note: `second write to ${second} failed and undoing the write to ${auth} failed too: ${auth} holds an orphan until backfill or reverse-sync repairs it`,
        });
      }
      default:
        return assertNever(this.scenario.policy, 'policy');
    }
  }

  /** Both sides in one transaction (policy `atomic`, topology `shared`). */
  async #writeAtomic(name: string, op: WriteOperation, params: Params, version: number, key: Record<string, SqlValue>, rk: string, sides: [Side, Side]): Promise<Observation[]> {
    const start = this.#ports.clock.now();
    let attempts = 0;
    for (;;) {
      attempts++;
      let error: SideError | undefined;
      let failedSide: Side | undefined;
      for (const side of sides) {
        const fault = this.faults.forSideCall(side, 'write', name);
        if (fault.latencyMs) await this.#sleep(fault.latencyMs);
        if (fault.error) {
          error = { kind: fault.error.kind === 'busy' ? 'busy' : 'injected', message: fault.error.message, transient: fault.error.transient };
          failedSide = side;
          // The transaction is over: the other side's faults are not drawn (a once fault stays armed).
          break;
        }
      }
      if (!error) {
        try {
          await this.#gate();
          const db = this.#files.db(sides[0]);
          const base = this.#records.readVersion(db, sides[0], op.effect.collection, rk);
          const statements = sides.flatMap((side, i) => this.#sideStatements(side, db, op[side], op, params, version, key, rk, i === 0 ? 'self' : base));
          await this.#files.commit(this.#files.fileOf(sides[0]), statements).durable;
        } catch (e) {
          error = this.#classify(e);
          failedSide = sides[0];
        }
      }
      if (error?.transient && attempts < this.#settings.retryAttempts) {
        this.#metrics.inc('cutover_retries_total', { side: failedSide as Side });
        await this.#sleep(this.#backoff(attempts));
        continue;
      }
      // A refused journal write leaves the change in memory only: reload before answering, as
      // the one-side path does, so nobody sees a write that failed.
      if (error?.kind === 'storage') await this.#gate();
      const durationMs = this.#ports.clock.now() - start;
      for (const side of sides) {
        this.#metrics.observeLatency(side, durationMs, this.#ports.clock.now());
        this.#metrics.inc('cutover_writes_total', { side, result: error ? 'failed' : 'ok' });
      }
      return sides.map((side) =>
        Object.freeze({ side, access: 'write' as const, ok: !error, attempts, durationMs, ...(error ? { error: side === failedSide ? error : { kind: error.kind, message: `rolled back with ${failedSide}: ${error.message}`, transient: error.transient } } : {}) }),
      );
    }
  }

  /**
   * The op's statements for one side plus the version bookkeeping, decided against the current
   * state. `base` is the authoritative side's version before this write: a partial change (an
   * update, an append) applied to a side that was not at that version leaves it half-old, so it
   * keeps its older version and backfill or reverse-sync copies the whole record later. This keeps
   * the invariant that equal versions mean equal records.
   */
  #sideStatements(side: Side, db: SqlDatabase, sqls: readonly string[], op: WriteOperation, params: Params, version: number, key: Record<string, SqlValue>, rk: string, base: VersionInfo | undefined | 'self'): BoundStatement[] {
    const type = op.effect.type;
    const existed = type === 'insert' || type === 'update' ? this.#records.readRecord(db, side, op.effect.collection, key) !== undefined : undefined;
    const statements: BoundStatement[] = sqls.map((sql) => ({ sql, params: paramsFor(sql, params) }));
    const partial = type === 'update' || (type === 'upsert' && op.effect.append !== undefined);
    const inStep = base === 'self' || sameVersion(base, this.#records.readVersion(db, side, op.effect.collection, rk));
    const writesVersion = (type === 'upsert' || type === 'delete' || (type === 'insert' && !existed) || (type === 'update' && existed)) && (!partial || inStep);
    if (writesVersion) statements.push(this.#records.versionStatement(side, op.effect.collection, rk, version, type === 'delete'));
    return statements;
  }

  async #writeSide(
    side: Side,
    access: 'write' | 'compensate',
    name: string,
    sqls: readonly string[],
    op: WriteOperation,
    params: Params,
    version: number,
    key: Record<string, SqlValue>,
    rk: string,
    opts: {
      capture?: ((previous: { record: Row | undefined; version: VersionInfo | undefined }) => void) | undefined;
      statements?: BoundStatement[];
      /** The authoritative side's version before this write ('self' when this is the authoritative side). */
      base?: VersionInfo | undefined | 'self';
    },
  ): Promise<Observation> {
    return this.#callSide(side, 'write', name, access, async () => {
      const db = this.#files.db(side);
      if (opts.capture) opts.capture({ record: this.#records.readRecord(db, side, op.effect.collection, key), version: this.#records.readVersion(db, side, op.effect.collection, rk) });
      const statements = opts.statements ?? this.#sideStatements(side, db, sqls, op, params, version, key, rk, 'base' in opts ? opts.base : 'self');
      await this.#files.commit(this.#files.fileOf(side), statements).durable;
      return undefined;
    });
  }

  #compensationStatements(side: Side, op: WriteOperation, params: Params, rk: string, previous: { record: Row | undefined; version: VersionInfo | undefined } | undefined): BoundStatement[] {
    const collection = op.effect.collection;
    const restoreVersion = previous?.version
      ? this.#records.versionStatement(side, collection, rk, previous.version.version, previous.version.deleted)
      : this.#records.clearVersionStatement(side, collection, rk);
    const custom = op.compensate?.[side];
    if (custom && custom.length > 0) return [...custom.map((sql) => ({ sql, params: paramsFor(sql, params) })), restoreVersion];
    const c = this.#records.collection(collection);
    if (previous?.record) {
      return [...c.upsert[side].map((sql) => ({ sql, params: pick(previous.record as Row, [...c.key, ...c.fields]) })), restoreVersion];
    }
    return [...c.remove[side].map((sql) => ({ sql, params: pick(effectKey(op, params), c.key) })), restoreVersion];
  }

  async #read(id: number, name: string, op: ReadOperation, params: Params, phase: Phase, route: Route, start: number): Promise<OperationResult> {
    const collection = this.#records.collection(op.collection);
    for (let attempt = 0; ; attempt++) {
      const observations: Observation[] = [];
      const readSide = async (side: Side): Promise<{ obs: Observation; rows: Row[] }> => {
        let rows: Row[] = [];
        const obs = await this.#callSide(side, 'read', name, 'read', async () => {
          rows = this.#files.db(side).query(op[side], paramsFor(op[side], params));
          return rows.length;
        });
        observations.push(obs);
        return { obs, rows };
      };
      let served = await readSide(route.reads);
      let servedBy: Side = route.reads;
      let fallback: 'empty' | 'error' | undefined;
      if (route.fallback && (!served.obs.ok || served.rows.length === 0)) {
        fallback = served.obs.ok ? 'empty' : 'error';
        const primary = route.reads;
        served = await readSide(route.fallback);
        servedBy = route.fallback;
        if (this.#settings.fallbackHidesDeleted && served.obs.ok) {
          // An application keeping tombstones: what the serving side deleted later stays deleted.
          const db = this.#files.db(primary);
          const fb = this.#files.db(servedBy);
          served = {
            ...served,
            rows: served.rows.filter((row) => {
              const key = recordKey(collection, row);
              const gone = this.#records.readVersion(db, primary, op.collection, key);
              return !(gone?.deleted && gone.version >= (this.#records.readVersion(fb, servedBy, op.collection, key)?.version ?? 0));
            }),
          };
        }
      }
      const compareWith = route.shadow ?? (phase === 'read-new' && this.#settings.compareInReadNew ? 'old' : undefined);
      let shadow: OperationResult['shadow'];
      if (compareWith && served.obs.ok && servedBy !== compareWith) {
        const other = await readSide(compareWith);
        if (other.obs.ok) {
          const diffs = diffReadResults(collection, served.rows, other.rows, op.ordered ?? false);
          shadow = Object.freeze({ side: compareWith, matched: diffs.length === 0, diffs: Object.freeze(diffs) });
        }
      }
      // A read must not return a change that is about to be refused by storage: wait for what
      // was committed before it, and read again if a file lost an entry meanwhile.
      if (this.durability !== 'unsafe-ack-first') await this.#store.settled();
      this.#assertAlive();
      if (this.#files.brokenFiles().length > 0) {
        await this.#gate();
        if (attempt < 3) continue;
        // Storage keeps refusing: rather than return rows that may hold a refused change, fail.
        return freezeResult({ id, name, kind: 'read', phase, params, outcome: 'fail', error: { kind: 'storage', message: 'storage refused writes while this read ran; read again', transient: true }, observations, durationMs: this.#ports.clock.now() - start });
      }
      // Counted on the attempt that answers only (a read again after a refused write is one read).
      if (fallback) this.#metrics.inc('cutover_fallbacks_total', { reason: fallback });
      if (shadow) {
        this.#metrics.inc('cutover_shadow_reads_total', { result: shadow.matched ? 'match' : 'mismatch' });
        this.#metrics.tick(this.#ports.clock.now(), { shadowRead: true, mismatch: !shadow.matched });
        if (!shadow.matched) {
          this.#shadowDiffs.push({ operation: name, phase, diffs: shadow.diffs });
          if (this.#shadowDiffs.length > MAX_SHADOW_DIFFS) this.#shadowDiffs.shift();
        }
      }
      if (served.obs.ok) {
        this.#metrics.inc('cutover_reads_total', { served_by: servedBy });
        if (fallback) this.#metrics.tick(this.#ports.clock.now(), { fallback: true });
      }
      return freezeResult({
        id,
        name,
        kind: 'read',
        phase,
        params,
        outcome: served.obs.ok ? 'ok' : 'fail',
        ...(served.obs.ok ? { rows: Object.freeze(served.rows.map((r) => Object.freeze({ ...r }))) } : { error: served.obs.error as SideError }),
        servedBy,
        ...(fallback ? { fallback } : {}),
        ...(shadow ? { shadow } : {}),
        collection: op.collection,
        observations,
        durationMs: this.#ports.clock.now() - start,
      });
    }
  }

  /** One call on one side: faults, retries with backoff and jitter, latency and the observation. */
  async #callSide(side: Side, access: 'read' | 'write', operation: string, observed: Observation['access'], body: () => Promise<number | undefined>): Promise<Observation> {
    const start = this.#ports.clock.now();
    let attempts = 0;
    for (;;) {
      attempts++;
      const fault = this.faults.forSideCall(side, access, operation);
      if (fault.latencyMs) await this.#sleep(fault.latencyMs);
      let error: SideError | undefined;
      let rows: number | undefined;
      if (fault.error) {
        error = { kind: fault.error.kind === 'busy' ? 'busy' : 'injected', message: fault.error.message, transient: fault.error.transient };
      } else {
        try {
          await this.#gate();
          rows = await body();
        } catch (e) {
          error = this.#classify(e);
        }
      }
      if (error?.transient && attempts < this.#settings.retryAttempts) {
        this.#metrics.inc('cutover_retries_total', { side });
        await this.#sleep(this.#backoff(attempts));
        continue;
      }
      const durationMs = this.#ports.clock.now() - start;
      this.#metrics.observeLatency(side, durationMs, this.#ports.clock.now());
      if (access === 'write') this.#metrics.inc('cutover_writes_total', { side, result: error ? 'failed' : 'ok' });
      if (error?.kind === 'storage') await this.#gate();
      return Object.freeze({ side, access: observed, ok: !error, attempts, durationMs, ...(rows !== undefined && access === 'read' ? { rows } : {}), ...(error ? { error } : {}) });
    }
  }

  #classify(e: unknown): SideError {
    if (isCrash(e) || this.#dead) throw this.#dead ?? e;
    if (e instanceof StorageError) {
      this.#metrics.inc('cutover_storage_failures_total');
      return { kind: 'storage', message: e.message, transient: false };
    }
    if (e instanceof SqlError) {
      const busy = /database is locked|SQLITE_BUSY|database table is locked/i.test(e.message);
      return { kind: 'sql', message: e.message, transient: busy };
    }
    throw e;
  }

  /** Exponential backoff with jitter: 100 ms, 200, 400, 800, 1600 (each between half and all of that). */
  #backoff(attempt: number): number {
    const ceiling = Math.min(1600, 100 * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + this.#jitter.next() * (ceiling / 2));
  }

  async #afterWrite(): Promise<void> {
    if (this.#checkpointing) return;
    this.#checkpointing = true;
    try {
      if ((await this.#files.maybeCheckpoint()) > 0) {
        this.#metrics.inc('cutover_checkpoints_total');
        this.#emit({ type: 'checkpoint', file: 'any' });
      }
    } catch (e) {
      if (isCrash(e) || this.#dead) throw this.#dead ?? e;
      // A refused checkpoint leaves the journal intact: nothing is lost, try again later.
      this.#emit({ type: 'storage-failure', message: `checkpoint not written: ${(e as Error).message}`, reloaded: [] });
    } finally {
      this.#checkpointing = false;
    }
  }

  #nextVersion(): number {
    const v = Math.max(Math.floor(this.#ports.clock.now()), this.#versionHigh + 1);
    this.#versionHigh = v;
    return v;
  }

  // -----------------------------------------------------------------------------------------
  // Phases

  /** Why a forward move to `to` would be refused now (empty reasons when it is allowed). */
  async checkGuard(to: Phase): Promise<GuardCheck> {
    const from = this.#control.phase;
    const reasons: string[] = [];
    if (phaseIndex(to) !== phaseIndex(from) + 1) {
      const next = PHASES[phaseIndex(from) + 1];
      return { to, ok: false, reasons: [next ? `move one phase at a time: the next phase is "${next}"` : `"${from}" is the last phase`], overridable: false };
    }
    const c = this.#control;
    const verifyCurrent = c.lastVerify !== null && c.lastVerify.divergenceEvents === c.divergenceEvents;
    if (to === 'read-new' || to === 'new-only') {
      if (!c.backfillValid) {
        reasons.push(
          'no backfill has completed since writes started reaching new: records written before dual-write exist only in old, and reads fall back only when new returns no rows at all (seed 000), so partly migrated reads come back incomplete',
        );
      }
      if (!verifyCurrent) {
        reasons.push(c.lastVerify ? 'something may have diverged the sides since the last verify (a failed second write, a crash or a rollback): run backfill and reverse-sync, then verify' : 'no verify yet: run verify after the backfill');
      } else if (!c.lastVerify?.clean) {
        reasons.push(`the last verify found ${c.lastVerify?.diverged} records that differ: run backfill (and reverse-sync), then verify again`);
      }
      const warnings: string[] = [];
      const deletes = Object.values(this.scenario.operations).some((op) => op.kind === 'write' && op.effect.type === 'delete');
      if (to === 'new-only' && deletes && !this.#settings.fallbackHidesDeleted) {
        warnings.push(
          'in new-only, reads fall back to read-only old when new has no rows: a record deleted from now on comes back from old until old is dropped (the seeds\' fallback); set settings.fallbackHidesDeleted if the application keeps tombstones',
        );
      }
      return { to, ok: reasons.length === 0, reasons, overridable: true, ...(warnings.length ? { warnings } : {}) };
    }
    if (to === 'old-dropped') {
      if (!c.backfillValid) reasons.push('no backfill has completed since writes started reaching new');
      if (!verifyCurrent) reasons.push('verify again: something may have changed since the last one');
      const lost = c.lastVerify?.lostByDrop ?? 0;
      if (verifyCurrent && lost > 0) reasons.push(`dropping old would lose ${lost} records that exist only in old, are newer there or were deleted there: run backfill, then verify — or accept losing ${lost} records`);
      return { to, ok: reasons.length === 0, reasons, recordsLost: verifyCurrent ? lost : undefined, overridable: false } as GuardCheck;
    }
    return { to, ok: true, reasons, overridable: true };
  }

  /** Lists what goes wrong if the rehearsal rolls back from the current phase to `to`, with counts and remedies. */
  async planRollback(to: Phase): Promise<RollbackPlan> {
    return this.#exclusive(() => this.#planRollback(to));
  }

  async #planRollback(to: Phase): Promise<RollbackPlan> {
    const from = this.#control.phase;
    if (phaseIndex(to) >= phaseIndex(from)) throw new Error(`cannot roll back from "${from}" to "${to}": it is not an earlier phase`);
    const hazards: Hazard[] = [];
    if (from === 'old-dropped') {
      const sinceDrop = this.#recordsNewerThan('new', this.#control.droppedAtVersion ?? 0);
      hazards.push({
        kind: 'old-dropped',
        count: sinceDrop,
        severity: 'data',
        message: `the old schema is dropped: restore the backup snapshot first${sinceDrop ? `; ${sinceDrop} records written since the drop exist only in new, so run reverse-sync after restoring` : ''}`,
        remedy: 'restore-backup',
      });
      return Object.freeze({ from, to, hazards: Object.freeze(hazards), blocked: true });
    }
    const report = this.#report();
    // Writes with new authoritative may be missing or stale in old: after the rollback, reads
    // served by old miss them. (Back to read-new, reads are still served by new, with the same
    // fallback to old as in new-only: nothing a reader sees changes.)
    if (phaseIndex(from) >= phaseIndex('read-new')) {
      const count = report.totals.newOnly + report.totals.newerInNew + report.totals.deletedInNew;
      if (count > 0 && ROUTES[to].reads === 'old') {
        hazards.push({
          kind: 'old-missing-writes',
          count,
          severity: 'data',
          message: `${count} records written since the cut-over exist only in new or are newer there: after rollback, reads on the old path miss them — run reverse-sync first`,
          remedy: 'reverse-sync',
        });
      } else if (count > 0) {
        hazards.push({
          kind: 'old-missing-writes',
          count,
          severity: 'warning',
          message: `${count} records written since the cut-over exist only in new or are newer there: reads are still served by new, so nothing is lost yet, but rolling back past read-new would miss them — run reverse-sync before going further`,
          remedy: 'reverse-sync',
        });
      }
    }
    if (to === 'old-only' && phaseIndex(from) >= phaseIndex('dual-write')) {
      const inNew = report.collections.reduce((n, c) => n + c.total - c.oldOnly - c.deletedInNew, 0);
      hazards.push({
        kind: 'new-goes-stale',
        count: inNew,
        severity: 'warning',
        message: `new stops receiving writes: its ${inNew} records go stale with every write, and the backfill must run again before moving forward`,
        remedy: 'backfill',
      });
    }
    const blocked = hazards.some((h) => h.severity === 'data' && h.count > 0);
    return Object.freeze({ from, to, hazards: Object.freeze(hazards), blocked });
  }

  /** Moves to the next phase (guards apply) or back to an earlier one (hazards apply). */
  async movePhase(to: Phase, options: MoveOptions = {}): Promise<PhaseMove> {
    try {
      return await this.#movePhase(to, options);
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      await this.#gate();
      const reason = e instanceof ReadOnlyError ? e.message : `storage refused the change (${e.message}); the phase is still "${this.#control.phase}"`;
      return Object.freeze({ ok: false, from: this.#control.phase, to, reasons: [reason], hazards: [] });
    }
  }

  async #movePhase(to: Phase, options: MoveOptions): Promise<PhaseMove> {
    return this.#exclusive(async () => {
      const from = this.#control.phase;
      if (to === from) return Object.freeze({ ok: true, from, to, reasons: [], hazards: [] });
      if (phaseIndex(to) > phaseIndex(from)) {
        const guard = await this.checkGuard(to);
        const forced = !guard.ok && guard.overridable && options.force === true;
        // The loss is accepted only as the count a current verify found: no blind drop.
        const acceptedLoss = !guard.ok && to === 'old-dropped' && guard.recordsLost !== undefined && options.acceptDataLoss === guard.recordsLost;
        if (!guard.ok && !forced && !acceptedLoss) return Object.freeze({ ok: false, from, to, reasons: guard.reasons, hazards: [] });
        if (to === 'old-dropped') await this.#drop();
        else await this.#setPhase(to, forced);
        this.#emit({ type: 'phase', from, to, how: 'forward', forced: forced || acceptedLoss });
        return Object.freeze({ ok: true, from, to, reasons: guard.ok ? [] : guard.reasons, hazards: [], ...(guard.warnings ? { warnings: guard.warnings } : {}) });
      }
      const plan = await this.#planRollback(to);
      if (from === 'old-dropped') return Object.freeze({ ok: false, from, to, reasons: ['the old schema is dropped: restore the backup first (restoreBackup)'], hazards: plan.hazards });
      if (plan.blocked && !options.acceptHazards) {
        return Object.freeze({ ok: false, from, to, reasons: plan.hazards.filter((h) => h.severity === 'data').map((h) => h.message), hazards: plan.hazards });
      }
      await this.#setPhase(to, false, { divergenceEvents: this.#control.divergenceEvents + 1, ...(to === 'old-only' ? { backfillValid: false } : {}) });
      if (to === 'old-only') {
        // New stops receiving writes: a pass under way would miss every write behind its cursor.
        for (const copy of [this.backfill, this.reverseSync]) {
          const status = copy.progress().status;
          if (status === 'running' || status === 'paused') await copy.cancelInside();
        }
      }
      this.#emit({ type: 'phase', from, to, how: 'rollback', forced: plan.blocked });
      return Object.freeze({ ok: true, from, to, reasons: [], hazards: plan.hazards });
    });
  }

  /** Stores the new phase (and other control changes) first; memory changes only once it is stored. */
  async #setPhase(to: Phase, forced: boolean, also: Partial<ControlState> = {}): Promise<void> {
    const next: ControlState = { ...this.#control, ...also, phase: to, forcedMoves: this.#control.forcedMoves + (forced ? 1 : 0) };
    await this.#store.writeMeta(CONTROL, next);
    this.#control = next;
  }

  async #drop(): Promise<void> {
    const oldFile = this.#files.fileOf('old');
    await this.#store.durable(oldFile);
    const name = `before-drop-${this.#control.backups.length + 1}`;
    await this.#store.writeBackup(name, this.#files.dbOf(oldFile).export(), { phase: this.#control.phase, versionHigh: this.#versionHigh });
    this.#emit({ type: 'backup', name, action: 'taken' });
    // The drop is the point of no return: once its transaction is stored, old is gone whatever
    // the control state says, and `#reconcile` at the next open agrees with the database.
    const statements: BoundStatement[] = [...this.scenario.drop.map((sql) => ({ sql })), { sql: `DROP TABLE ${versionTable('old')}` }, { sql: `DROP TABLE ${stateTable('old')}` }];
    await this.#files.commit(oldFile, statements).durable;
    this.#control = { ...this.#control, phase: 'old-dropped', backups: [...this.#control.backups, name], droppedAtVersion: this.#versionHigh };
    await this.#persistControlLeniently();
  }

  /** Stores the control state; when storage refuses, keeps it in memory (the databases already agree with it). */
  async #persistControlLeniently(): Promise<void> {
    if (this.readOnly) return;
    try {
      await this.#store.writeMeta(CONTROL, this.#control);
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      this.#emit({ type: 'storage-failure', message: `control state not stored (${e.message}); it is stored with the next change`, reloaded: [] });
    }
  }

  /** The databases are the truth about the drop: old's engine tables exist exactly while old does. */
  async #reconcile(): Promise<void> {
    const oldExists = this.#files.db('old').query(`SELECT 1 FROM sqlite_master WHERE name = :n`, { n: versionTable('old') }).length > 0;
    if (!oldExists && this.#control.phase !== 'old-dropped') {
      this.#control = { ...this.#control, phase: 'old-dropped', droppedAtVersion: this.#control.droppedAtVersion ?? this.#versionHigh };
      await this.#persistControlLeniently();
    } else if (oldExists && this.#control.phase === 'old-dropped') {
      this.#control = { ...this.#control, phase: 'new-only' };
      await this.#persistControlLeniently();
    }
  }

  /** Restores old from the newest backup (only from `old-dropped`); the phase becomes `new-only`. */
  async restoreBackup(name?: string): Promise<PhaseMove> {
    try {
      return await this.#restoreBackup(name);
    } catch (e) {
      if (!(e instanceof StorageError || e instanceof RecoveryError)) throw e;
      await this.#gate();
      return Object.freeze({ ok: false, from: this.#control.phase, to: this.#control.phase, reasons: [`the backup was not restored: ${e.message}`], hazards: [] });
    }
  }

  async #restoreBackup(name?: string): Promise<PhaseMove> {
    return this.#exclusive(async () => {
      const from = this.#control.phase;
      if (from !== 'old-dropped') return Object.freeze({ ok: false, from, to: from, reasons: ['restore applies only after the old schema was dropped'], hazards: [] });
      const backupName = name ?? this.#control.backups[this.#control.backups.length - 1];
      if (!backupName) return Object.freeze({ ok: false, from, to: from, reasons: ['no backup was taken'], hazards: [] });
      const backup = await this.#store.readBackup(backupName);
      if (this.scenario.topology === 'split') {
        await this.#files.replace('old', this.#ports.sql.open(backup.bytes));
      } else {
        await this.#files.commit('main', this.#restoreOldStatements(backup.bytes)).durable;
      }
      // As with the drop, the databases decide: old exists again, so the phase is new-only.
      this.#control = { ...this.#control, phase: 'new-only', divergenceEvents: this.#control.divergenceEvents + 1 };
      await this.#persistControlLeniently();
      this.#emit({ type: 'backup', name: backupName, action: 'restored' });
      this.#emit({ type: 'phase', from, to: 'new-only', how: 'restore', forced: false });
      return Object.freeze({ ok: true, from, to: 'new-only', reasons: [], hazards: [] });
    });
  }

  /** Statements recreating old's objects and rows from a backup of the shared database. */
  #restoreOldStatements(bytes: Uint8Array): BoundStatement[] {
    // Which objects are old's: those the old DDL creates, plus the engine's old tables.
    const scratch = this.#ports.sql.open();
    let oldNames: Set<string>;
    try {
      for (const ddl of [...this.scenario.schema.old, ...engineTablesDdl('old')]) scratch.exec(ddl);
      oldNames = new Set(scratch.query(`SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).map((r) => String(r.name)));
    } finally {
      scratch.close();
    }
    const backup = this.#ports.sql.open(bytes);
    try {
      const objects = backup.query(`SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid`);
      const statements: BoundStatement[] = [];
      for (const o of objects) {
        if (!oldNames.has(String(o.name))) continue;
        statements.push({ sql: String(o.sql) });
        if (o.type !== 'table') continue;
        for (const row of backup.query(`SELECT * FROM "${String(o.name)}"`)) {
          const cols = Object.keys(row);
          statements.push({
            sql: `INSERT INTO "${String(o.name)}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `:c${i}`).join(', ')})`,
            params: Object.fromEntries(cols.map((c, i) => [`c${i}`, row[c] ?? null])),
          });
        }
      }
      return statements;
    } finally {
      backup.close();
    }
  }

  // -----------------------------------------------------------------------------------------
  // Console

  /**
   * Commits a statement typed in the SQL console to a side, journaled like any change. A dry run
   * (rolled back) finds the records it changes, and their versions are bumped in the same
   * transaction, so equal versions still mean equal records and repair still works. A checkpoint
   * follows at once: the statement may not replay identically (`random()`, `datetime('now')`).
   * Guards ask for a fresh verify. Returns the rows it changed.
   */
  async consoleWrite(side: Side, sql: string): Promise<number> {
    return this.#track(async () => {
      if (side === 'old' && this.#control.phase === 'old-dropped') throw new Error('the old schema is dropped');
      if (side === 'old' && ROUTES[this.#control.phase].oldTables === 'read-only') throw new Error(`old is read-only in ${this.#control.phase}: writes go to new`);
      await this.#gate();
      const file = this.#files.fileOf(side);
      const db = this.#files.db(side);
      // In a shared database one statement can touch either side's tables.
      const sides: Side[] = this.scenario.topology === 'shared' ? (['old', 'new'] as const).filter((x) => this.#sideExists(x)) : [side];
      const canonical = (): Map<string, Map<string, string>> => {
        const out = new Map<string, Map<string, string>>();
        for (const s2 of sides) {
          for (const name of Object.keys(this.scenario.collections)) {
            const c = this.#records.collection(name);
            out.set(`${s2}\u0000${name}`, new Map(this.#records.allRecords(db, s2, name).map((r) => [recordKey(c, r), JSON.stringify(pick(r, [...c.key, ...c.fields]))])));
          }
        }
        return out;
      };
      db.exec('BEGIN');
      let before: Map<string, Map<string, string>>;
      let after: Map<string, Map<string, string>>;
      try {
        before = canonical();
        db.query(sql);
        after = canonical();
      } finally {
        if (db.inTransaction) db.exec('ROLLBACK');
      }
      const version = this.#nextVersion();
      const bumps: BoundStatement[] = [];
      for (const [id, was] of before) {
        const [s2, name] = id.split('\u0000') as [Side, string];
        const now = after.get(id) ?? new Map<string, string>();
        for (const key of new Set([...was.keys(), ...now.keys()])) {
          if (was.get(key) === now.get(key)) continue;
          bumps.push(this.#records.versionStatement(s2, name, key, version, !now.has(key)));
        }
      }
      const total = (): number => Number(db.query('SELECT total_changes() AS n')[0]?.n ?? 0);
      const start = total();
      await this.#files.commit(file, [{ sql }, ...bumps]).durable;
      const changes = total() - start - bumps.length;
      if (!this.#checkpointing) {
        this.#checkpointing = true;
        try {
          await this.#files.checkpoint(file);
        } finally {
          this.#checkpointing = false;
        }
      }
      await this.#divergence();
      return Math.max(0, changes);
    });
  }

  // -----------------------------------------------------------------------------------------
  // Verify

  /**
   * The consistency checker over both sides; remembered for the guards. It runs with no write in
   * flight (a dual write caught between its halves is not a divergence), which takes milliseconds.
   */
  async verify(): Promise<ConsistencyReport> {
    return this.#exclusive(async () => {
      const events = this.#control.divergenceEvents;
      const report = this.#report();
      const summary: VerifySummary = { clean: isConsistent(report), diverged: report.totals.total - report.totals.consistent, lostByDrop: recordsLostByDrop(report), divergenceEvents: events, phase: this.#control.phase };
      this.#control = { ...this.#control, lastVerify: summary };
      await this.#persistControlLeniently();
      this.#emit({ type: 'verify', report });
      return report;
    });
  }

  #report(): ConsistencyReport {
    const labels = { old: sideLabel(this.scenario, 'old'), new: sideLabel(this.scenario, 'new') };
    const oldExists = this.#sideExists('old');
    const states: CollectionState[] = Object.keys(this.scenario.collections).map((name) => ({
      name,
      collection: this.#records.collection(name),
      oldRows: oldExists ? this.#records.allRecords(this.#files.db('old'), 'old', name) : [],
      newRows: this.#records.allRecords(this.#files.db('new'), 'new', name),
      oldVersions: oldExists ? this.#records.allVersions(this.#files.db('old'), 'old', name) : new Map(),
      newVersions: this.#records.allVersions(this.#files.db('new'), 'new', name),
    }));
    return compareCollections(states, labels);
  }

  #recordsNewerThan(side: Side, version: number): number {
    const r = this.#files.db(side).query(`SELECT count(*) AS n FROM ${versionTable(side)} WHERE version > :v AND deleted = 0`, { v: version })[0];
    return Number(r?.n ?? 0);
  }

  #sideExists(side: Side): boolean {
    if (side === 'new' || this.#control.phase !== 'old-dropped') return true;
    return this.#files.db('old').query(`SELECT 1 FROM sqlite_master WHERE name = :n`, { n: versionTable('old') }).length > 0;
  }

  async #onPassDone(action: CopyAction, startedInPhase: Phase | null): Promise<void> {
    if (action !== 'backfill') return;
    const reachesNew = startedInPhase !== null && phaseIndex(startedInPhase) >= phaseIndex('dual-write') && this.#control.phase !== 'old-only';
    if (reachesNew && !this.#control.backfillValid) {
      this.#control = { ...this.#control, backfillValid: true };
      await this.#persistControlLeniently();
    }
  }

  async #divergence(): Promise<void> {
    this.#control = { ...this.#control, divergenceEvents: this.#control.divergenceEvents + 1 };
    await this.#persistControlLeniently();
  }

  // -----------------------------------------------------------------------------------------
  // Lifecycle, crash, concurrency

  /** Saves the metrics to durable storage (figures survive a reload). */
  async saveMetrics(): Promise<void> {
    if (this.readOnly) return;
    try {
      await this.#store.writeMeta(METRICS, this.#metrics.snapshot());
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
    this.#die(new CrashSignal('now'));
  }

  /** Closes cleanly: waits for pending writes, saves figures, marks the rehearsal closed. */
  async close(): Promise<void> {
    if (this.dead) return;
    await this.#drain();
    await this.#store.settled();
    if (!this.readOnly) {
      await this.saveMetrics();
      await this.#store.writeMeta(CONTROL, { ...this.#control, openNow: false });
    }
    this.#closed = true;
    this.#store.dispose();
    this.#files.close();
  }

  #die(signal: CrashSignal): void {
    if (this.#dead) return;
    this.#dead = signal;
    this.#locks.abort(signal);
    this.#store.dispose();
    this.#files.close();
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  #crashPoint(point: CrashPoint): void {
    this.#assertAlive();
    try {
      this.faults.crashPoint(point);
    } catch (e) {
      if (isCrash(e)) this.#die(e);
      throw e;
    }
  }

  #assertAlive(): void {
    if (this.#dead) throw this.#dead;
    if (this.#closed) throw new Error('the rehearsal is closed');
  }

  async #sleep(ms: number): Promise<void> {
    await this.#ports.clock.sleep(ms);
    this.#assertAlive();
  }

  /**
   * Reloads files that lost a journal entry from durable state before anyone touches them again.
   * When durable state itself cannot be read, the engine stops as a crash would: reopening says why.
   */
  async #gate(): Promise<void> {
    this.#assertAlive();
    if (this.#files.brokenFiles().length > 0) {
      this.#reloading ??= (async () => {
        try {
          const reloaded = await this.#files.reloadBroken();
          this.#emit({ type: 'storage-failure', message: `storage refused a journal write; reloaded ${reloaded.join(', ')} from durable state`, reloaded });
          // A side went back to what was stored while the other kept its change (in split
          // topology, or a write acknowledged before it was stored): the last verify is stale.
          await this.#divergence();
        } catch (e) {
          this.#emit({ type: 'storage-failure', message: `durable state could not be read back: ${(e as Error).message}`, reloaded: [] });
          this.#die(new CrashSignal('storage'));
        }
      })().finally(() => (this.#reloading = undefined));
      await this.#reloading;
    }
    this.#assertAlive();
  }

  /** Runs an operation or action, counted so that phase moves wait for it; a crash inside kills the engine. */
  async #track<T>(fn: () => Promise<T>): Promise<T> {
    this.#assertAlive();
    while (this.#moving) await this.#moving.catch(() => undefined);
    this.#assertAlive();
    this.#inFlight++;
    try {
      return await fn();
    } catch (e) {
      if (isCrash(e)) this.#die(e);
      throw e;
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  /** Runs `fn` with no operation in flight and none starting (phase moves, restore). */
  async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#assertAlive();
    while (this.#moving) await this.#moving.catch(() => undefined);
    const run = (async () => {
      await this.#drain();
      this.#assertAlive();
      await this.#gate();
      return fn();
    })();
    this.#moving = run;
    try {
      return await run;
    } catch (e) {
      if (isCrash(e)) this.#die(e);
      throw e;
    } finally {
      if (this.#moving === run) this.#moving = undefined;
    }
  }

  #drain(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** For CopyControl: runs a copier call as a tracked action. */
  track<T>(fn: () => Promise<T>): Promise<T> {
    return this.#track(fn);
  }

  /** For CopyControl: reloads files that lost a journal entry. */
  reloadIfBroken(): Promise<void> {
    return this.#gate();
  }

  #emit(event: EngineEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // A listener's bug must not break the engine (Scientist's `raised`).
      }
    }
  }

  #context(): EngineContext {
    return {
      scenario: this.scenario,
      files: this.#files,
      records: this.#records,
      clock: this.#ports.clock,
      crashPoint: (p: CrashPoint) => this.#crashPoint(p),
      lockRecords: (collection: string, keys: readonly string[]) => this.#locks.acquire(keys.map((k) => lockKey(collection, k))),
      metrics: this.#metrics,
      phase: () => this.#control.phase,
      gate: () => this.#gate(),
      emit: (e) => this.#emit(e),
    };
  }
}

/** Backfill or reverse-sync, as the rehearsal exposes them: every call is a tracked action. */
export class CopyControl {
  constructor(
    private readonly rehearsal: Rehearsal,
    private readonly copier: RecordCopier,
  ) {}

  /** Which of the two this is. */
  get action(): CopyAction {
    return this.copier.action;
  }

  /** Progress of the current or last pass. */
  progress(): CopyProgress {
    return this.copier.progress();
  }

  /** Starts a pass from the first record. */
  start(batchSize?: number): Promise<CopyProgress> {
    return this.#call(() => this.copier.start(batchSize));
  }

  /** Runs one batch. */
  step(): Promise<CopyProgress> {
    return this.#call(() => this.copier.step());
  }

  /** Pauses a running pass at its cursor. */
  pause(): Promise<CopyProgress> {
    return this.#call(() => this.copier.pause());
  }

  /** Resumes a paused pass from its cursor. */
  resume(): Promise<CopyProgress> {
    return this.#call(() => this.copier.resume());
  }

  /** Cancels a pass; what it copied stays copied. */
  cancel(): Promise<CopyProgress> {
    return this.#call(() => this.copier.cancel());
  }

  /** Cancels from inside an exclusive section (a rollback), without waiting for it. */
  cancelInside(): Promise<CopyProgress> {
    return this.copier.cancel();
  }

  /** Changes the batch size, also in the middle of a pass. */
  setBatchSize(size: number): Promise<CopyProgress> {
    return this.#call(() => this.copier.setBatchSize(size));
  }

  /** A storage refusal is data: the batch (or state change) did not land and nothing else changed. */
  #call(fn: () => Promise<CopyProgress>): Promise<CopyProgress> {
    return this.rehearsal.track(async () => {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof StorageError)) throw e;
        await this.rehearsal.reloadIfBroken();
        return Object.freeze({ ...this.copier.progress(), error: `storage refused the write: ${e.message}` });
      }
    });
  }

  /** Runs a whole pass (starting one if none is running); `between` runs after every batch. */
  async run(between?: (p: CopyProgress) => Promise<void> | void): Promise<CopyProgress> {
    let p = this.copier.progress();
    if (p.status !== 'running' && p.status !== 'paused') p = await this.start();
    if (p.status === 'paused') p = await this.resume();
    while (p.status === 'running') {
      p = await this.step();
      await between?.(p);
      if (p.status === 'running') p = this.copier.progress();
    }
    return p;
  }
}

const paramCache = new Map<string, readonly string[]>();

/** Only the parameters a statement uses: journal entries stay small and exact. */
function paramsFor(sql: string, params: Params): Params {
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

/** The lock name of a record. */
export function lockKey(collection: string, recordKey: string): string {
  return `${collection}\u0000${recordKey}`;
}

function sameVersion(a: VersionInfo | undefined, b: VersionInfo | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.version === b.version && a.deleted === b.deleted;
}

function freezeResult(r: OperationResult): OperationResult {
  return Object.freeze({ ...r, observations: Object.freeze([...r.observations]) });
}
