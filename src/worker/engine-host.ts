/**
 * The engine as the worker hosts it: a rehearsal on IndexedDB, a workload that runs on the real
 * clock, the SQL console and the history check, behind `EngineApi`. Ports come in from the edge
 * (engine.worker.ts), so browser tests can host it without a Worker.
 */
import { checkHistory, finalReads, type FinalObservation } from '../engine/checks/history-checker.ts';
import { toPrometheus } from '../engine/checks/metrics.ts';
import type { Clock } from '../engine/clock.ts';
import { corruptNewestSnapshot } from '../engine/durability/corrupt.ts';
import type { Digest, DurabilityMode, KeyValueBackend } from '../engine/durability/types.ts';
import type { EngineEvent } from '../engine/events.ts';
import type { FaultSpec } from '../engine/faults.ts';
import { PHASES, phaseIndex } from '../engine/phases.ts';
import { createRandom } from '../engine/random.ts';
import { recordKey, pick } from '../engine/records.ts';
import { Rehearsal, type ControlState } from '../engine/rehearsal.ts';
import type { Scenario, Side } from '../engine/scenario/format.ts';
import { validateScenario, formatProblems } from '../engine/scenario/validate.ts';
import type { SqlEngine } from '../engine/sql.ts';
import { Workload, type Invocation } from '../engine/workload.ts';
import { BUILT_IN_SCENARIOS } from '../scenarios/index.ts';
import type { WriterLock } from '../store/writer-lock.ts';
import type { EngineApi, EngineState, OpenOptions, RehearsalSummary, ScenarioInfo, WorkerEvent, WorkloadSettings } from './protocol.ts';
import { describeSchema, runConsoleStatement } from './sql-console.ts';

export interface HostPorts {
  readonly sql: SqlEngine;
  readonly backend: KeyValueBackend;
  readonly digest: Digest;
  readonly clock: Clock;
  /** Takes the writer lock of a rehearsal, or null when another tab holds it. */
  readonly lock: (rehearsalId: string) => Promise<WriterLock | null>;
  /** Incarnation number the page gives this worker (for the UI). */
  readonly incarnation?: number;
  /** Whether the browser reported discarding the database it found damaged (Chromium's `dataLoss`). */
  readonly dataLoss?: () => { readonly kind: string; readonly message: string } | undefined;
}

const DEFAULT_WORKLOAD = { opsPerSecond: 20, concurrency: 4 } as const;
const SEQ_META = 'workload-seq';

function scenarioInfo(s: Scenario): ScenarioInfo {
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
  };
}

/** Creates the engine host. */
export function createEngineHost(ports: HostPorts): EngineApi {
  let rehearsal: Rehearsal | undefined;
  let lock: WriterLock | null = null;
  let workload: Workload | undefined;
  let settings: WorkloadSettings = { ...DEFAULT_WORKLOAD, mix: {} };
  let running = false;
  let timer: (() => void) | undefined;
  let inFlight = 0;
  let ref = 0;
  let ownedByOld: Set<string> | undefined;
  let ownedByNew: Set<string> | undefined;
  let listener: ((events: readonly WorkerEvent[]) => void) | undefined;
  let buffer: WorkerEvent[] = [];
  let flushTimer: (() => void) | undefined;

  const emit = (event: WorkerEvent): void => {
    buffer.push(event);
    flushTimer ??= ports.clock.setTimer(50, flush);
  };
  const flush = (): void => {
    flushTimer = undefined;
    if (buffer.length === 0 || !listener) return;
    const events = buffer;
    buffer = [];
    listener(events);
  };
  const log = (level: 'info' | 'warning' | 'error', message: string): void => emit({ type: 'log', at: Date.now(), level, message });

  const current = (): Rehearsal => {
    if (!rehearsal || rehearsal.dead) throw new Error('no rehearsal is open');
    return rehearsal;
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
      .catch(() => undefined);
  };

  const onEngineEvent = (e: EngineEvent): void => {
    switch (e.type) {
      case 'operation':
        return;
      case 'phase':
        log('info', `phase ${e.from} → ${e.to} (${e.how}${e.forced ? ', guard overridden' : ''})`);
        return pushState();
      case 'copy':
        if (e.progress.status !== 'running' || e.progress.error) pushState();
        if (e.progress.error) log('warning', `${e.progress.action}: ${e.progress.error}`);
        return;
      case 'verify':
        log('info', `verify: ${e.report.totals.consistent} of ${e.report.totals.total} records consistent, mismatch rate ${(e.report.mismatchRate * 100).toFixed(2)} %`);
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

  const invoke = async (inv: Invocation): Promise<void> => {
    const r = current();
    const id = ++ref;
    emit({ type: 'invoke', ref: id, name: inv.name, kind: inv.kind, params: inv.params, phase: r.phase, at: Date.now() });
    const result = await r.execute(inv.name, inv.params);
    emit({ type: 'complete', ref: id, result, at: Date.now() });
    if (inv.kind === 'write' && result.outcome !== 'fail') workload?.observeWrite(inv.name, inv.params);
    if (workload && workload.seq % 50 === 0 && !r.readOnly) await r.store.writeMeta(SEQ_META, workload.seq).catch(() => undefined);
  };

  const tick = (): void => {
    timer = undefined;
    if (!running || !rehearsal || rehearsal.dead || !workload) return;
    if (inFlight < settings.concurrency) {
      inFlight++;
      const inv = workload.next();
      void invoke(inv)
        .catch((e: unknown) => log('error', `${inv.name}: ${(e as Error).message}`))
        .finally(() => inFlight--);
    }
    timer = ports.clock.setTimer(1000 / Math.max(0.1, settings.opsPerSecond), tick);
  };

  const startWorkload = (): void => {
    if (timer) return;
    running = true;
    tick();
  };

  const stopWorkload = (): void => {
    running = false;
    timer?.();
    timer = undefined;
  };

  const ownedNames = (scenario: Scenario, side: Side): Set<string> => {
    const scratch = ports.sql.open();
    try {
      for (const ddl of scenario.schema[side]) scratch.exec(ddl);
      return new Set(scratch.query(`SELECT name FROM sqlite_master`).map((r) => String(r.name)));
    } finally {
      scratch.close();
    }
  };

  const api: EngineApi = {
    async open(options: OpenOptions): Promise<EngineState> {
      stopWorkload();
      if (rehearsal && !rehearsal.dead) await rehearsal.close();
      await lock?.release();
      const stored = await Rehearsal.storedScenario(ports.backend, options.rehearsalId, ports.digest, ports.clock);
      const candidate = stored ?? (options.scenarioId ? BUILT_IN_SCENARIOS[options.scenarioId] : undefined);
      if (!candidate) throw new Error(options.scenarioId ? `no built-in scenario "${options.scenarioId}"` : `no rehearsal "${options.rehearsalId}" in this browser`);
      const v = validateScenario(candidate, ports.sql);
      if (!v.ok) throw new Error(`the scenario is not valid:\n${formatProblems(v.problems)}`);
      lock = await ports.lock(options.rehearsalId);
      rehearsal = await Rehearsal.open({
        scenario: v.scenario,
        id: options.rehearsalId,
        seed: options.seed ?? 1,
        durability: options.durability,
        ports,
        faults: options.faults ?? [],
        readOnly: lock === null,
        persistMetricsEvery: 50,
      });
      rehearsal.on(onEngineEvent);
      ownedByOld = v.scenario.topology === 'shared' ? ownedNames(v.scenario, 'old') : undefined;
      ownedByNew = v.scenario.topology === 'shared' ? ownedNames(v.scenario, 'new') : undefined;
      workload = new Workload(v.scenario, createRandom(`${options.rehearsalId}:${rehearsal.control.opens}`).fork('workload'), () => Date.now());
      workload.seq = ((await rehearsal.store.readMeta<number>(SEQ_META)) ?? 0) + 1000;
      seedKnownRecords(rehearsal);
      settings = options.workload ?? { ...DEFAULT_WORKLOAD, mix: { ...v.scenario.workload.mix } };
      workload.setMix(settings.mix);
      if (!stored && !rehearsal.readOnly) {
        // A new rehearsal starts with the scenario's seed data, written in old-only like any write.
        for (const step of v.scenario.seedData) for (let i = 0; i < step.count; i++) await invoke(workload.invocation(step.operation));
        await rehearsal.store.writeMeta(SEQ_META, workload.seq);
      }
      if (options.workloadRunning && !rehearsal.readOnly) startWorkload();
      if (rehearsal.readOnly) log('warning', 'read-only: this rehearsal is open in another tab, which holds it for writing');
      const loss = ports.dataLoss?.();
      if (loss) log('error', `the browser discarded this site's IndexedDB database when it opened it (data loss: ${loss.kind}${loss.message ? `, ${loss.message}` : ''}): rehearsals stored before are gone, and the history checker will count their writes as lost`);
      return state();
    },

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

    async remove(rehearsalId: string): Promise<void> {
      if (rehearsal?.id === rehearsalId) {
        stopWorkload();
        if (!rehearsal.dead) await rehearsal.close();
        rehearsal = undefined;
        await lock?.release();
        lock = null;
      }
      const keys = await ports.backend.keys(`rehearsal/${rehearsalId}/`);
      if (keys.length > 0) await ports.backend.write({ delete: keys });
    },

    state,

    async execute(name, params) {
      if (!workload) throw new Error('no rehearsal is open');
      const inv = params ? { name, kind: current().scenario.operations[name]?.kind ?? 'read', params } : workload.invocation(name);
      const id = ++ref;
      const r = current();
      emit({ type: 'invoke', ref: id, name: inv.name, kind: inv.kind, params: inv.params, phase: r.phase, at: Date.now() });
      const result = await r.execute(inv.name, inv.params);
      emit({ type: 'complete', ref: id, result, at: Date.now() });
      if (inv.kind === 'write' && result.outcome !== 'fail') workload.observeWrite(inv.name, inv.params);
      return result;
    },

    async setWorkload(next, run) {
      settings = { opsPerSecond: Math.min(500, Math.max(0.2, next.opsPerSecond)), concurrency: Math.min(16, Math.max(1, Math.floor(next.concurrency))), mix: { ...next.mix } };
      workload?.setMix(settings.mix);
      if (run && !current().readOnly) startWorkload();
      else stopWorkload();
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
      const control = action === 'backfill' ? current().backfill : current().reverseSync;
      if (typeof command === 'object') return control.setBatchSize(command.batchSize);
      switch (command) {
        case 'start': {
          const p = await control.start();
          void runCopy(action);
          return p;
        }
        case 'pause':
          return control.pause();
        case 'resume': {
          const p = await control.resume();
          void runCopy(action);
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
      const files = r.scenario.topology === 'shared' ? ['main'] : ['old', 'new'];
      for (const file of files) {
        const done = await corruptNewestSnapshot(ports.backend, `rehearsal/${r.id}`, file, corruption, createRandom(Date.now()));
        if (done) return `damaged snapshot generation ${done.generation} of "${file}" (${corruption}); the next recovery must notice`;
      }
      return 'no snapshot yet: a checkpoint is written every few hundred changes';
    },

    metrics: async () => current().metrics(),
    prometheus: async () => toPrometheus(current().metrics()),

    async query(side, sql) {
      return runConsoleStatement(current(), side, sql, () => performance.now());
    },

    async schema() {
      const r = current();
      const oldGone = r.phase === 'old-dropped';
      return { old: oldGone ? null : describeSchema(r, 'old', ownedByOld), new: describeSchema(r, 'new', ownedByNew) };
    },

    async checkHistory(ops) {
      const r = current();
      const finals: FinalObservation[] = [];
      for (const read of finalReads(r.scenario, ops)) {
        let rows: FinalObservation['rows'] | undefined;
        for (let attempt = 0; attempt < 5 && rows === undefined; attempt++) {
          const result = await r.execute(read.read, read.params);
          if (result.outcome === 'ok') rows = result.rows ?? [];
        }
        finals.push({ ...read, rows: rows ?? [] });
      }
      return checkHistory(r.scenario, ops, finals);
    },

    async subscribe(next) {
      listener = next;
    },

    async close() {
      stopWorkload();
      if (rehearsal && !rehearsal.dead) await rehearsal.close();
      await lock?.release();
      lock = null;
      flush();
    },
  };

  /** Runs a copy pass in the background, a batch at a time, letting the workload in between. */
  const runCopy = async (action: 'backfill' | 'reverse-sync'): Promise<void> => {
    try {
      for (;;) {
        const r = rehearsal;
        if (!r || r.dead) return;
        const control = action === 'backfill' ? r.backfill : r.reverseSync;
        if (control.progress().status !== 'running') return;
        await control.step();
        await ports.clock.sleep(20);
      }
    } catch (e) {
      log('error', `${action} stopped: ${(e as Error).message}`);
    }
  };

  return api;
}

export type { DurabilityMode };
