/**
 * The engine as the worker hosts it: a rehearsal on IndexedDB, the SQL console, backfill passes
 * run batch by batch, and the history check, behind `EngineApi`. The workload itself is driven by
 * the page (it records each operation before asking for it), so a killed worker can never have run
 * an operation the page does not know about; the host only plans invocations and executes them.
 * Ports come in from the edge (engine.worker.ts), so browser tests can host it without a Worker.
 */
import type { ConsistencyReport } from '../engine/checks/consistency.ts';
import { finalCheck } from '../engine/checks/history-checker.ts';
import { toPrometheus } from '../engine/checks/metrics.ts';
import type { Clock } from '../engine/clock.ts';
import { corruptNewestSnapshot } from '../engine/durability/corrupt.ts';
import type { Digest, KeyValueBackend } from '../engine/durability/types.ts';
import type { EngineEvent } from '../engine/events.ts';
import { sqlExpressions } from '../engine/expressions.ts';
import { isCrash, type FaultSpec } from '../engine/faults.ts';
import { PHASES, phaseIndex } from '../engine/phases.ts';
import { createRandom } from '../engine/random.ts';
import { pick, recordKey } from '../engine/records.ts';
import { importProblem } from '../engine/actions/starting-records.ts';
import { inspectDatabase } from '../engine/import-database.ts';
import { Rehearsal, type ControlState } from '../engine/rehearsal.ts';
import type { Scenario, Side } from '../engine/scenario/format.ts';
import { formatProblems, validateScenario } from '../engine/scenario/validate.ts';
import type { SqlEngine } from '../engine/sql.ts';
import { Workload, type Invocation } from '../engine/workload.ts';
import { BUILT_IN_SCENARIOS } from '../scenarios/index.ts';
import type { WriterLock } from '../store/writer-lock.ts';
import {
  scenarioInfo,
  type AboutInfo,
  type EngineApi,
  type EngineState,
  type OpenOptions,
  type RehearsalSummary,
  type WorkerEvent,
  type WorkloadSettings,
} from './protocol.ts';
import { checkScenario, checkShare } from './check-scenario.ts';
import { dryRun } from './dry-run.ts';
import { exportDatabase, namesMadeBy } from './export-database.ts';
import { planReplays } from './plan-replays.ts';
import { describeSchema, runConsoleStatement } from './sql-console.ts';

export interface HostPorts {
  readonly sql: SqlEngine;
  readonly backend: KeyValueBackend;
  readonly digest: Digest;
  readonly clock: Clock;
  /** Takes the writer lock of a rehearsal, or null when another tab holds it (waiting up to `waitMs`). */
  readonly lock: (rehearsalId: string, waitMs: number) => Promise<WriterLock | null>;
  /** Incarnation number the page gives this worker (for the UI). */
  readonly incarnation?: number;
  /** Whether the browser reported discarding the database it found damaged (Chromium's `dataLoss`). */
  readonly dataLoss?: () => { readonly kind: string; readonly message: string } | undefined;
  /** Where the backend stores rehearsals, in words, for the About panel (default: in memory). */
  readonly storage?: string;
  /** The sql.js release of this build, when the edge knows it. */
  readonly sqlJsVersion?: string;
}

const DEFAULT_WORKLOAD = { opsPerSecond: 20, concurrency: 4 } as const;
/** Every `{seq}` below this value may have been handed out (a reservation, stored before use). */
const SEQ_META = 'workload-seq';
/** How many `{seq}` values one reservation covers. */
const SEQ_BLOCK = 1000;
/** Set once the page has run every seed operation of a new rehearsal. */
const SEEDED_META = 'seeded';
/** Set when a new rehearsal is created: its seed data is the page's to run. */
const SEEDING_META = 'seeding';
/** Most often a state is pushed because shadow reads changed the cut-over gate's counts. */
const SHADOW_STATE_MS = 500;
/** How long a reopened engine waits for the lock its killed predecessor still holds. */
const RESTART_LOCK_WAIT_MS = 6000;

/** What verify's application reads found, for the log line. */
function appReadsLine(report: ConsistencyReport): string {
  const a = report.appReads;
  if (!a || a.sides.length < 2) return '';
  return `; through the application's reads ${a.mismatches} of ${a.recordsCompared} records differ${a.sample === 'all' ? '' : ` (a sample of ${a.sample} per collection)`}`;
}

/** Creates the engine host. */
export function createEngineHost(ports: HostPorts): EngineApi {
  const expressions = sqlExpressions(ports.sql);
  let rehearsal: Rehearsal | undefined;
  /** The seed the open rehearsal was opened with (for its share link). */
  let openSeed = 1;
  /** The newest database file checked for import (`inspectDatabase`), kept for dry runs. */
  let lastImport: { readonly id: string; readonly bytes: Uint8Array } | undefined;
  /** Imports checked since the worker started (their ids). */
  let imports = 0;
  let lock: WriterLock | null = null;
  let workload: Workload | undefined;
  let settings: WorkloadSettings = { ...DEFAULT_WORKLOAD, mix: {} };
  let running = false;
  /** The `{seq}` values below this are reserved in storage for the open rehearsal's workload. */
  let seqReserved = 0;
  /** The open rehearsal still has seed operations for the page to run (`nextSeed`). */
  let seedPending = false;
  /** Lets the armed faults fire again once the seed data has run: it is the starting point, not part of the rehearsal. */
  let resumeFaultsAfterSeeding: (() => void) | undefined;
  let ownedByOld: Set<string> | undefined;
  let ownedByNew: Set<string> | undefined;
  let listener: ((events: readonly WorkerEvent[]) => void) | undefined;
  let buffer: WorkerEvent[] = [];
  let flushTimer: (() => void) | undefined;
  let shadowTimer: (() => void) | undefined;
  let crashReported = false;
  /** open, close and remove run one after the other. */
  let lifecycle: Promise<unknown> = Promise.resolve();
  /** The copy loop running per action, bound to the rehearsal it started on. */
  const COPY_SLICE_MS = 12;
  const copyLoops = new Map<'backfill' | 'reverse-sync', Rehearsal>();

  const emit = (event: WorkerEvent): void => {
    buffer.push(event);
    flushTimer ??= ports.clock.setTimer(50, flush);
  };
  const flush = (): void => {
    flushTimer?.();
    flushTimer = undefined;
    if (buffer.length === 0 || !listener) return;
    const events = buffer;
    buffer = [];
    try {
      // The page's listener is a Comlink proxy: its errors arrive as a rejected promise.
      const delivered: unknown = listener(events);
      if (delivered instanceof Promise) delivered.catch(raised);
    } catch (e) {
      raised(e);
    }
  };
  /** A publisher's error (delivering events or state to the page) is counted and reported by the rehearsal, never swallowed. */
  const raised = (e: unknown): void => {
    if (rehearsal && !rehearsal.dead) rehearsal.raise(e);
  };
  const log = (level: 'info' | 'warning' | 'error', message: string): void => {
    if (rehearsal) emit({ type: 'log', rehearsalId: rehearsal.id, at: Date.now(), level, message });
  };

  const current = (): Rehearsal => {
    if (!rehearsal) throw new Error('no rehearsal is open');
    if (rehearsal.dead) {
      reportCrash();
      // Named like the engine's crash signal, so the page tells it from a failure.
      throw Object.assign(new Error('the engine crashed; it is being recovered'), { name: 'CrashSignal' });
    }
    return rehearsal;
  };

  /** A crash fault fired inside the engine: tell the page, which restarts the worker to recover. */
  const reportCrash = (): void => {
    if (!rehearsal?.dead || crashReported) return;
    crashReported = true;
    emit({ type: 'crashed', rehearsalId: rehearsal.id, faults: rehearsal.faults.list().map(({ id: _id, fired: _fired, ...spec }) => spec) });
    flush();
  };

  const state = async (): Promise<EngineState> => {
    const r = current();
    const next = PHASES[phaseIndex(r.phase) + 1];
    return {
      rehearsalId: r.id,
      scenario: scenarioInfo(r.scenario),
      durability: r.durability,
      phase: r.phase,
      route: r.route,
      readOnly: r.readOnly,
      nextGuard: next ? await r.checkGuard(next) : null,
      backfill: r.backfill.progress(),
      reverseSync: r.reverseSync.progress(),
      faults: r.faults.list().map((f) => ({ ...f })),
      workload: { ...settings, running },
      lastVerify: r.control.lastVerify,
      control: r.control,
      recoveryProblems: r.recoveryProblems,
      incarnation: ports.incarnation ?? 1,
    };
  };

  const pushState = (): void => {
    void state()
      .then((s) => emit({ type: 'state', state: s }))
      // No rehearsal, or a crashed one, has no state to publish: that is not an error.
      .catch(raised);
  };

  /** A shadow comparison changes the cut-over gate's counts: the page hears of it at most every SHADOW_STATE_MS. */
  const shadowChanged = (): void => {
    shadowTimer ??= ports.clock.setTimer(SHADOW_STATE_MS, () => {
      shadowTimer = undefined;
      pushState();
    });
  };

  const onEngineEvent = (e: EngineEvent): void => {
    switch (e.type) {
      case 'operation':
        if (e.result.shadow) shadowChanged();
        return;
      case 'phase':
        log('info', `phase ${e.from} → ${e.to} (${e.how}${e.forced ? ', guard overridden' : ''})`);
        return pushState();
      case 'copy':
        if (e.progress.status !== 'running' || e.progress.error) pushState();
        if (e.progress.error) log('warning', `${e.progress.action}: ${e.progress.error}`);
        return;
      case 'verify':
        log('info', `verify: ${e.report.totals.consistent} of ${e.report.totals.total} records consistent, mismatch rate ${(e.report.mismatchRate * 100).toFixed(2)} %${appReadsLine(e.report)}`);
        return pushState();
      case 'fault':
        return log('warning', `fault: ${e.detail}`);
      case 'storage-failure':
        return log('error', e.message);
      case 'lost-ack':
        return log('error', e.message);
      case 'checkpoint':
        return;
      case 'recovered':
        for (const p of e.problems) log('warning', p);
        return;
      case 'backup':
        return log('info', `backup ${e.name} ${e.action}`);
    }
  };

  /** Rebuilds the workload's idea of which records exist, from the side reads come from. */
  const seedKnownRecords = (r: Rehearsal): void => {
    if (!workload) return;
    const side: Side = r.route.reads;
    const db = r.database(side);
    for (const [name, c] of Object.entries(r.scenario.collections)) {
      for (const row of db.query(`SELECT * FROM (${c.rows[side]}) LIMIT 5000`)) {
        workload.known.remember(name, recordKey(c, row), pick(row, c.key), pick(row, c.fields));
      }
    }
  };

  /**
   * Reserves `{seq}` values before the workload hands out `needed` more: the reservation is stored
   * first, so an engine killed after using some can never hand the same ones out again (a job id
   * used twice, with two different workspaces, looked like a lost write after a kill).
   */
  const reserveSeq = async (r: Rehearsal, needed: number): Promise<void> => {
    if (!workload || r.readOnly || workload.seq + needed <= seqReserved) return;
    const through = workload.seq + needed + SEQ_BLOCK;
    await r.store.writeMeta(SEQ_META, through);
    seqReserved = through;
  };

  /** Runs one operation; the caller (the page, or seeding here) has recorded its invocation. */
  const run = async (r: Rehearsal, inv: Invocation) => {
    try {
      const result = await r.execute(inv.name, inv.params);
      if (inv.kind === 'write' && result.outcome !== 'fail') workload?.observeWrite(inv.name, inv.params);
      return result;
    } catch (e) {
      if (isCrash(e)) reportCrash();
      throw e;
    }
  };

  const ownedNames = (scenario: Scenario, side: Side): Set<string> => namesMadeBy(scenario.schema[side], ports.sql);

  /**
   * Runs a copy pass in the background, batches back to back for up to COPY_SLICE_MS, then a turn
   * of the worker's event loop, so operations and the page's calls get in between. (It used to
   * sleep 20 ms after every batch: with the default batch of 50 that capped a backfill at 2,500
   * records/s however idle the engine was — 60 s for 100,000 records.)
   */
  const runCopy = async (r: Rehearsal, action: 'backfill' | 'reverse-sync'): Promise<void> => {
    if (copyLoops.get(action) === r) return; // already driven
    copyLoops.set(action, r);
    try {
      for (;;) {
        const sliceStart = performance.now();
        do {
          if (r.dead || rehearsal !== r) return;
          const control = action === 'backfill' ? r.backfill : r.reverseSync;
          if (control.progress().status !== 'running') return;
          await control.step();
        } while (performance.now() - sliceStart < COPY_SLICE_MS);
        await ports.clock.sleep(0);
      }
    } catch (e) {
      if (isCrash(e)) reportCrash();
      else log('error', `${action} stopped: ${(e as Error).message}`);
    } finally {
      if (copyLoops.get(action) === r) copyLoops.delete(action);
    }
  };

  const closeCurrent = async (): Promise<void> => {
    running = false;
    if (rehearsal && !rehearsal.dead) await rehearsal.close();
    rehearsal = undefined;
  };

  /** Serialises open, close and remove: a double click cannot interleave two of them. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const result = lifecycle.then(fn);
    lifecycle = result.catch(() => undefined);
    return result;
  };

  const api: EngineApi = {
    open: (options: OpenOptions) =>
      serial(async () => {
        // Everything that can fail is checked before the open rehearsal is closed.
        const stored = await Rehearsal.storedScenario(ports.backend, options.rehearsalId, ports.digest, ports.clock);
        // A scenario of the user's is validated below like any other, and Rehearsal.open stores it with the rehearsal.
        const candidate: unknown = stored ?? options.scenario ?? (options.scenarioId ? BUILT_IN_SCENARIOS[options.scenarioId] : undefined);
        if (!candidate) throw new Error(options.scenarioId ? `no built-in scenario "${options.scenarioId}"` : `no rehearsal "${options.rehearsalId}" in this browser`);
        const v = validateScenario(candidate, ports.sql);
        if (!v.ok) throw new Error(`the scenario is not valid:\n${formatProblems(v.problems)}`);
        if (!stored && options.startingImport) {
          const problem = importProblem(v.scenario, ports.sql, options.startingImport);
          if (problem) throw new Error(problem);
        }
        const sameRehearsal = rehearsal?.id === options.rehearsalId;
        await closeCurrent();
        // Reopening the same rehearsal keeps its lock; another one needs its own.
        if (!sameRehearsal || !lock) {
          await lock?.release();
          lock = await ports.lock(options.rehearsalId, options.waitForLock ? RESTART_LOCK_WAIT_MS : 0);
        }
        crashReported = false;
        const r = await Rehearsal.open({
          scenario: v.scenario,
          id: options.rehearsalId,
          seed: options.seed ?? 1,
          durability: options.durability,
          ports,
          // Faults are armed once the rehearsal is open and seeded (below): a crash fault that
          // fired during recovery would kill every engine the page starts, and seed data is the
          // scenario's starting point, not part of the rehearsal.
          faults: [],
          readOnly: lock === null,
          persistMetricsEvery: 50,
          ...(options.startingRecords ? { startingRecords: options.startingRecords } : {}),
          ...(options.startingImport ? { startingImport: options.startingImport } : {}),
          onStartingRecords: async (progress) => {
            emit({ type: 'starting-records', rehearsalId: options.rehearsalId, progress });
            flush();
            // Let the message go and the worker answer between batches.
            await ports.clock.sleep(0);
          },
          onRaised: (error) =>
            emit({ type: 'log', rehearsalId: options.rehearsalId, at: Date.now(), level: 'error', message: `an error was raised by a ${error.where}${error.event ? ` handling "${error.event}"` : ''} and counted (cutover_raised_total): ${error.message}` }),
        });
        rehearsal = r;
        openSeed = options.seed ?? 1;
        // The imported file is the rehearsal's now: the copy kept for dry runs goes (it can be 256 MiB).
        if (options.startingImport) lastImport = undefined;
        r.on(onEngineEvent);
        ownedByOld = v.scenario.topology === 'shared' ? ownedNames(v.scenario, 'old') : undefined;
        ownedByNew = v.scenario.topology === 'shared' ? ownedNames(v.scenario, 'new') : undefined;
        workload = new Workload(v.scenario, createRandom(`${options.rehearsalId}:${r.control.opens}`).fork('workload'), () => Date.now(), { expressions });
        // Past everything an earlier engine may have handed out (older rehearsals stored the last
        // value used, not a reservation: a block beyond covers both).
        workload.seq = ((await r.store.readMeta<number>(SEQ_META)) ?? 0) + SEQ_BLOCK;
        seqReserved = 0;
        seedKnownRecords(r);
        settings = options.workload ?? { ...DEFAULT_WORKLOAD, mix: { ...v.scenario.workload.mix } };
        workload.setMix(settings.mix);
        running = (options.workloadRunning ?? false) && !r.readOnly;
        // A new rehearsal starts with the scenario's seed data, which the page runs like any
        // operation (`nextSeed`), so that its history stores each invocation first. A rehearsal
        // from before that has no seeded mark but saved its workload sequence after seeding.
        if (!stored && !r.readOnly) await r.store.writeMeta(SEEDING_META, true);
        const legacySeeded = stored !== undefined && (await r.store.readMeta<boolean>(SEEDING_META)) === undefined && (await r.store.readMeta<number>(SEQ_META)) !== undefined;
        seedPending = !r.readOnly && (await r.store.readMeta<boolean>(SEEDED_META)) !== true && !legacySeeded;
        for (const f of options.faults ?? []) r.faults.add(f);
        resumeFaultsAfterSeeding = seedPending ? r.faults.suspend() : undefined;
        // A pass that was running when the engine stopped carries on.
        for (const action of ['backfill', 'reverse-sync'] as const) {
          if (!r.readOnly && (action === 'backfill' ? r.backfill : r.reverseSync).progress().status === 'running') void runCopy(r, action);
        }
        if (r.readOnly) log('warning', 'read-only: this rehearsal is open in another tab, which holds it for writing');
        const loss = ports.dataLoss?.();
        if (loss) log('error', `the browser discarded this site's IndexedDB database when it opened it (data loss: ${loss.kind}${loss.message ? `, ${loss.message}` : ''}): rehearsals stored before are gone, and the history checker will count their writes as lost`);
        flush();
        return state();
      }),

    async list(): Promise<RehearsalSummary[]> {
      const keys = await ports.backend.keys('rehearsal/');
      const ids = [...new Set(keys.filter((k) => k.endsWith('/meta/control')).map((k) => k.slice('rehearsal/'.length, -'/meta/control'.length)))];
      const out: RehearsalSummary[] = [];
      for (const id of ids.sort()) {
        const control = (await ports.backend.get(`rehearsal/${id}/meta/control`)) as ControlState | undefined;
        const scenario = (await ports.backend.get(`rehearsal/${id}/meta/scenario`)) as Scenario | undefined;
        if (control && scenario) out.push({ id, scenarioId: scenario.id, title: scenario.title, phase: control.phase });
      }
      return out;
    },

    remove: (rehearsalId: string) =>
      serial(async () => {
        let own: WriterLock | null;
        if (rehearsal?.id === rehearsalId) {
          if (rehearsal.readOnly) throw new Error('this rehearsal is open for writing in another tab: delete it there');
          await closeCurrent();
          own = lock;
          lock = null;
        } else {
          // Another tab may be writing it: deleting needs its lock.
          own = await ports.lock(rehearsalId, 0);
          if (!own) throw new Error('this rehearsal is open in another tab: close it there first');
        }
        try {
          const keys = await ports.backend.keys(`rehearsal/${rehearsalId}/`);
          if (keys.length > 0) await ports.backend.write({ delete: keys });
        } finally {
          await own?.release();
        }
      }),

    state,

    async planWorkload(count: number) {
      const r = current();
      if (!workload || r.readOnly) return [];
      const planned = Math.max(0, Math.min(500, count));
      await reserveSeq(r, planned);
      return Array.from({ length: planned }, () => {
        const inv = workload?.next() as Invocation;
        return { name: inv.name, kind: inv.kind, params: inv.params, phase: r.phase };
      });
    },

    async nextSeeds(done) {
      const r = current();
      if (!seedPending || !workload || r.readOnly) return [];
      let remaining = Math.max(0, done);
      for (const step of r.scenario.seedData) {
        if (remaining < step.count) {
          await reserveSeq(r, step.count - remaining);
          // The rest of this step: a later step may refer to the records this one writes.
          return Array.from({ length: step.count - remaining }, () => {
            const inv = (workload as Workload).invocation(step.operation);
            return { name: inv.name, kind: inv.kind, params: inv.params, phase: r.phase };
          });
        }
        remaining -= step.count;
      }
      await r.store.writeMeta(SEEDED_META, true);
      seedPending = false;
      resumeFaultsAfterSeeding?.();
      resumeFaultsAfterSeeding = undefined;
      pushState();
      return [];
    },

    async execute(name, params) {
      if (!workload) throw new Error('no rehearsal is open');
      const r = current();
      const op = r.scenario.operations[name];
      if (!op) throw new Error(`no operation named "${name}"`);
      return run(r, { name, kind: op.kind, params });
    },

    async setWorkload(next, isRunning) {
      settings = { opsPerSecond: Math.min(500, Math.max(0.2, next.opsPerSecond)), concurrency: Math.min(16, Math.max(1, Math.floor(next.concurrency))), mix: { ...next.mix } };
      workload?.setMix(settings.mix);
      running = isRunning && !current().readOnly;
      return state();
    },

    async movePhase(to, options) {
      const move = await current().movePhase(to, options);
      if (move.ok) seedKnownRecords(current());
      return move;
    },

    planRollback: (to) => current().planRollback(to),
    restoreBackup: () => current().restoreBackup(),

    async copy(action, command) {
      const r = current();
      const control = action === 'backfill' ? r.backfill : r.reverseSync;
      if (typeof command === 'object') return control.setBatchSize(command.batchSize);
      switch (command) {
        case 'start': {
          const p = await control.start();
          void runCopy(r, action);
          return p;
        }
        case 'pause':
          return control.pause();
        case 'resume': {
          const p = await control.resume();
          void runCopy(r, action);
          return p;
        }
        case 'cancel':
          return control.cancel();
      }
    },

    verify: () => current().verify(),

    async setFaults(faults: readonly FaultSpec[]) {
      const r = current();
      r.faults.clear();
      for (const f of faults) r.faults.add(f);
      return state();
    },

    async corruptSnapshot(corruption) {
      const r = current();
      if (r.readOnly) throw new Error('this tab is read-only: another tab holds the rehearsal open for writing');
      const files = r.scenario.topology === 'shared' ? ['main'] : ['old', 'new'];
      for (const file of files) {
        const done = await corruptNewestSnapshot(ports.backend, `rehearsal/${r.id}`, file, corruption, createRandom(Date.now()));
        if (done) {
          // The store knew that generation good (it wrote it): it must read it back again.
          r.store.snapshotChanged(done.key);
          return `damaged snapshot generation ${done.generation} of "${file}" (${corruption}); the next recovery must notice`;
        }
      }
      return 'no snapshot yet: a checkpoint is written every few hundred changes';
    },

    metrics: async () => current().metrics(),
    prometheus: async () => toPrometheus(current().metrics()),

    async query(side: Side, sql: string, queryId?: number) {
      const r = current();
      // The page's watchdog starts counting now, not while the query waited in the queue.
      if (queryId !== undefined) {
        emit({ type: 'query-started', queryId });
        flush();
      }
      return runConsoleStatement(r, side, sql, () => performance.now());
    },

    checkScenario: async (text: string) => checkScenario(text, ports.sql),

    async about(): Promise<AboutInfo> {
      // A scratch database: the build's SQLite, not anything stored for a rehearsal.
      const scratch = ports.sql.open();
      let sqliteVersion: string;
      let compileOptions: string[];
      try {
        sqliteVersion = String(scratch.query('SELECT sqlite_version() AS version')[0]?.version ?? '');
        compileOptions = scratch.query('PRAGMA compile_options').map((row) => String(Object.values(row)[0]));
      } finally {
        scratch.close();
      }
      const r = rehearsal && !rehearsal.dead ? rehearsal : undefined;
      let rehearsalBytes: number | undefined;
      if (r) {
        rehearsalBytes = 0;
        for (const side of ['old', 'new'] as const) {
          if (side === 'old' && r.phase === 'old-dropped') continue;
          const db = r.database(side);
          const pages = Number(db.query('PRAGMA page_count')[0]?.page_count ?? 0);
          const size = Number(db.query('PRAGMA page_size')[0]?.page_size ?? 0);
          rehearsalBytes += pages * size;
        }
      }
      return {
        sqliteVersion,
        compileOptions,
        ...(ports.sqlJsVersion ? { sqlJsVersion: ports.sqlJsVersion } : {}),
        storage: ports.storage ?? 'in memory (nothing is kept when the engine stops)',
        rehearsalId: r?.id ?? null,
        durability: r?.durability ?? null,
        ...(rehearsalBytes === undefined ? {} : { rehearsalBytes }),
      };
    },

    async schema() {
      const r = current();
      const oldGone = r.phase === 'old-dropped';
      return { old: oldGone ? null : describeSchema(r, 'old', ownedByOld), new: describeSchema(r, 'new', ownedByNew) };
    },

    async checkHistory(ops) {
      const r = current();
      // The check reads back what was written; armed faults are for the workload, not for it.
      // They are held, not removed, so their counts and what is left of them survive the check.
      const resume = r.faults.suspend();
      try {
        return await finalCheck(r.scenario, ops, expressions, {
          read: async (read) => {
            const result = await r.execute(read.read, read.params);
            if (result.outcome !== 'ok') throw new Error(`the history check could not read ${read.collection} back: ${result.error?.message ?? 'failed'}`);
            return result.rows ?? [];
          },
          startingStates: (keys) => r.startingStates(keys),
          checkUntouched: (touched) => r.checkUntouchedStartingRecords(touched),
        });
      } finally {
        resume();
      }
    },

    checkShare: async (scenario: unknown, plan?: unknown) => checkShare(ports.sql, scenario, plan),

    async inspectDatabase(bytes: Uint8Array, fileName: string) {
      // Only the newest import is kept (for dry runs): a file can be a few hundred MiB.
      lastImport = undefined;
      const inspection = inspectDatabase(ports.sql, bytes, fileName, { importId: `import-${++imports}`, now: () => performance.now() });
      if (inspection.ok) lastImport = { id: inspection.importId, bytes };
      return inspection;
    },

    async dryRun(scenario: unknown, importId?: string) {
      if (importId !== undefined && lastImport?.id !== importId) throw new Error('the imported file is no longer held by the engine (it restarted, or another file was imported since): import the file again');
      return dryRun(ports.sql, scenario, importId === undefined ? undefined : lastImport?.bytes);
    },

    exportDatabase: async (side: Side) => exportDatabase(current(), ports.sql, side),

    async shareable() {
      const r = current();
      return { scenario: r.scenario, seed: openSeed };
    },

    ...planReplays({ sql: ports.sql, clock: ports.clock, scenario: (id) => (rehearsal?.scenario.id === id ? rehearsal.scenario : BUILT_IN_SCENARIOS[id]), emit, flush }),

    async subscribe(next) {
      listener = next;
    },

    close: () =>
      serial(async () => {
        await closeCurrent();
        await lock?.release();
        lock = null;
        flush();
      }),
  };

  return api;
}
