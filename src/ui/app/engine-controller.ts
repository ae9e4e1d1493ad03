/**
 * Connects the app to the engine client (Lit's ReactiveController): owns the client and the
 * workload runner, opens the rehearsal, keeps its state and history, and turns the components'
 * `cl-*` events into engine calls. The rest of the page's side is in controllers of its own, which
 * this one composes: the figures, the settings the user chose (behind page-store.ts), notices,
 * the page lock, the history check, the SQL console and the rollback dialog. Those with a
 * lifecycle (the figures' poll, the page lock) are added to the host; the others only ask it to
 * update (TypeScript refuses a ReactiveController without a single hook).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConsistencyReport, DurabilityMode, HistoryReport, Scenario, StartingRecordsProgress, StartingRecordsRequest } from '../../engine/vocabulary.ts';
import { EngineClient, EngineRestarted, type RestartReason } from '../../worker/client.ts';
import type { EngineState, OpenOptions, RehearsalSummary, WorkerEvent } from '../../worker/protocol.ts';
import type { ClEventMap } from '../events.ts';
import { HistoryRecorder } from '../history-recorder.ts';
import { PlanRecorder } from '../plan/plan-recorder.ts';
import { FiguresController } from './figures-refresh.ts';
import { HistoryCheckController } from './history-check.ts';
import { NoticesController, type NoticeLevel } from './notices.ts';
import { PageLockController } from './page-lock.ts';
import { PageSettingsController } from './page-settings.ts';
import { pageDataLoss } from '../../store/page-db.ts';
import type { PageStore } from './page-store.ts';
import { runSeedData } from './seeding.ts';
import { RollbackPlanController } from './rollback-plan.ts';
import { SqlConsoleController } from './sql-console-controller.ts';
import { WorkloadRunner } from './workload-runner.ts';

/**
 * A history check and a verify read every record back: on a long history or a large rehearsal
 * that takes a while (a verify of 1,000,000 records took 60 s here, past the watchdog's minute,
 * which then killed the engine mid-verify and reloaded the rehearsal).
 */
const CHECK_TIMEOUT_MS = 10 * 60_000;

/** The app's view of the engine. */
export class EngineController implements ReactiveController {
  readonly client: EngineClient;
  state: EngineState | null = null;
  history: HistoryRecorder | null = null;
  consistency: ConsistencyReport | null = null;
  /** When verify made `consistency` (ms since the epoch). */
  consistencyAt: number | null = null;
  rehearsals: RehearsalSummary[] = [];
  /** True while the first open (or a restart) is in progress. */
  loading = true;
  /** How far the starting records of the rehearsal being opened have loaded (null: none loading). */
  startingProgress: StartingRecordsProgress | null = null;
  /** True while verify runs. */
  verifying = false;
  /** The workload, driven from the page so the history knows every operation before the engine runs it. */
  readonly runner: WorkloadRunner;
  readonly figures: FiguresController;
  readonly notices: NoticesController;
  readonly settings: PageSettingsController;
  readonly lock: PageLockController;
  readonly check: HistoryCheckController;
  readonly sqlConsole: SqlConsoleController;
  readonly rollback: RollbackPlanController;
  /** Records what the user does into a rehearsal plan (the Plan panel starts and stops it). */
  readonly planRecorder: PlanRecorder;
  /** Also told every batch of worker events (the Plan panel's replay streams its steps). */
  readonly workerEvents = new Set<(events: readonly WorkerEvent[]) => void>();
  /** The seed data being run now, if any. */
  #seeding: Promise<number> | undefined;
  /** Holds the workload while the engine restarts. */
  #restartPause: (() => void) | undefined;
  /** The engine reported a crash fault firing (the restart that follows is not a Crash now). */
  #faultCrash = false;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    makeWorker: (name: string) => Worker,
    store: PageStore,
  ) {
    this.client = new EngineClient(makeWorker);
    this.planRecorder = new PlanRecorder(() => host.requestUpdate());
    const notify = (level: NoticeLevel, text: string): void => this.notify(level, text);
    this.runner = new WorkloadRunner({
      plan: (count) => this.client.call((api) => api.planWorkload(count)),
      execute: async (name, params) => {
        const result = await this.client.call((api) => api.execute(name, params));
        this.planRecorder.operationCompleted();
        return result;
      },
      recorder: () => this.history,
      phase: () => this.state?.phase,
      problem: (message) => this.notify('error', message),
    });
    host.addController(this);
    this.figures = new FiguresController(host, {
      state: () => this.state,
      metrics: () => this.client.call((api) => api.metrics()),
      schema: () => this.client.call((api) => api.schema()),
      refreshState: () => this.#refreshState(),
    });
    this.notices = new NoticesController(host, (level, text) => this.history?.event(level, text));
    this.settings = new PageSettingsController(store, { rehearsalId: () => this.state?.rehearsalId, problem: (message) => this.notify('warning', message) });
    this.lock = new PageLockController(host, {
      state: () => this.state,
      takeOver: (rehearsalId) => this.open({ rehearsalId, takeOver: true }),
      notify,
    });
    this.check = new HistoryCheckController(host, {
      history: () => this.history,
      open: () => this.state !== null,
      pause: () => this.runner.pause(),
      idle: () => this.runner.idle(),
      check: (ops) => this.client.call((api) => api.checkHistory(ops), { timeoutMs: CHECK_TIMEOUT_MS }),
      notify,
    });
    this.sqlConsole = new SqlConsoleController(host, {
      query: (side, sql) => this.client.query(side, sql),
      changed: async () => {
        await Promise.all([this.figures.refreshSchema(), this.#refreshState()]);
      },
    });
    this.rollback = new RollbackPlanController(host, { plan: (to) => this.client.call((api) => api.planRollback(to)), notify });
    this.client.listen({
      events: (events) => {
        this.history?.apply(events);
        for (const listener of this.workerEvents) listener(events);
        for (const e of events) {
          if (e.type === 'state' && e.state.rehearsalId === this.state?.rehearsalId) this.#adopt(e.state);
          if (e.type === 'starting-records') this.startingProgress = e.progress.stage === 'installed' ? null : e.progress;
          if (e.type === 'crashed' && e.rehearsalId === this.state?.rehearsalId) {
            // A crash fault fired. The engine is restarted with the faults still armed (a fault
            // that fires once is gone), so the recovered engine does not crash again at once.
            this.#faultCrash = true;
            this.settings.crashed(e.faults);
          }
        }
        this.host.requestUpdate();
      },
      terminated: (reason) => this.#terminated(reason),
      restarted: (reason, state) => void this.#restarted(reason, state),
      failed: (error) => {
        this.#restartPause?.();
        this.#restartPause = undefined;
        this.runner.stop();
        // Another tab may take the rehearsal over.
        this.lock.letGo();
        this.state = null;
        this.loading = false;
        this.notify('error', `the engine could not recover: ${error.message}`);
      },
    });
  }

  /** The last history check's report (the end-to-end tests read it from the page to explain a failure). */
  get checkReport(): HistoryReport | null {
    return this.check.report;
  }

  hostConnected(): void {
    void this.#boot();
    window.addEventListener('pagehide', this.#onPageHide);
  }

  hostDisconnected(): void {
    window.removeEventListener('pagehide', this.#onPageHide);
    void this.history?.flush();
  }

  readonly #onPageHide = (): void => {
    void this.history?.flush();
  };

  /** Shows a message (see NoticesController.notify). */
  notify(level: NoticeLevel, text: string): void {
    this.notices.notify(level, text);
  }

  async #boot(): Promise<void> {
    try {
      this.rehearsals = await this.client.call((api) => api.list());
      const current = await this.settings.lastOpened();
      const loss = pageDataLoss();
      if (loss) {
        this.notify(
          'error',
          `The browser discarded this site's stored data when it opened it (${loss.kind}${loss.message ? `: ${loss.message}` : ''}). Chromium found its own IndexedDB files damaged, which can happen after the browser is killed; the rehearsals stored before are gone with it. This is the browser's loss, not the engine's: start a new rehearsal.`,
        );
      }
      if (current && this.rehearsals.some((r) => r.id === current)) await this.open({ rehearsalId: current });
    } catch (e) {
      this.notify('error', `could not start the engine: ${(e as Error).message}`);
    } finally {
      this.loading = false;
      this.host.requestUpdate();
    }
  }

  /** Opens an existing rehearsal or starts a new one from a built-in scenario. */
  async open(detail: { rehearsalId?: string; scenarioId?: string; scenario?: Scenario; durability?: DurabilityMode; takeOver?: boolean; startingRecords?: StartingRecordsRequest; startingImport?: OpenOptions['startingImport']; seed?: number }): Promise<void> {
    const rehearsalId = detail.rehearsalId ?? `${detail.scenario?.id ?? detail.scenarioId ?? 'rehearsal'}-${Date.now().toString(36)}`;
    await this.settings.load(rehearsalId, detail.durability, detail.seed);
    this.loading = true;
    this.lock.opening(rehearsalId);
    this.host.requestUpdate();
    // Nothing runs while the engine switches: operations in flight finish into their own history.
    const resume = this.runner.pause();
    try {
      await this.runner.idle();
      this.runner.reset();
      await this.history?.flush();
      // Reopening the same rehearsal (a durability change) keeps its history as it is in memory;
      // a tab taking over from the writing tab reads the history that tab saved.
      if (this.history?.rehearsalId !== rehearsalId || detail.takeOver) {
        const history = new HistoryRecorder(rehearsalId, () => this.host.requestUpdate());
        // Saves nothing until the engine says this tab writes the rehearsal: another tab may.
        history.readOnly = true;
        await history.load();
        this.history = history;
        this.check.historyReplaced();
      }
      this.check.clear();
      const options: OpenOptions = {
        rehearsalId,
        ...(detail.scenarioId ? { scenarioId: detail.scenarioId } : {}),
        // A user scenario: the worker validates it and stores it with the new rehearsal.
        ...(detail.scenario ? { scenario: detail.scenario } : {}),
        ...this.settings.openOptions(),
        ...(detail.startingRecords ? { startingRecords: detail.startingRecords } : {}),
        ...(detail.startingImport ? { startingImport: detail.startingImport } : {}),
        // Queue behind any other tab also waiting (Web Locks are granted in order).
        ...(detail.takeOver ? { waitForLock: true } : {}),
      };
      const opened = await this.client.open(options, () => ({ rehearsalId, ...this.settings.openOptions() }));
      this.history.readOnly = opened.readOnly;
      // What recovery found wrong and skipped (an import interrupted by a killed browser, a damaged
      // snapshot passed over) is said when the rehearsal opens, not only after a crash in the page.
      if (opened.recoveryProblems.length > 0) this.notify('warning', `Recovery reported: ${opened.recoveryProblems.join('; ')}`);
      // Remembered as the open rehearsal before its seed data runs: a page killed while seeding
      // reopens it and carries on where the history stopped. The rehearsal shows once seeded.
      await this.settings.opened(rehearsalId);
      // After seeding the engine arms the faults it held: read its state again.
      this.state = opened.readOnly ? opened : (await this.#seed(opened), await this.client.call((api) => api.state()));
      this.lock.opened(this.state);
      await this.settings.workloadReported(this.state.workload);
      this.#applyWorkload(this.state);
      // The last report comes back with the rehearsal, marked with when verify made it.
      const saved = await this.history.loadConsistency();
      this.consistency = saved?.report ?? null;
      this.consistencyAt = saved?.at ?? null;
      this.sqlConsole.clearResult();
      this.rehearsals = await this.client.call((api) => api.list());
      await Promise.all([this.figures.refresh(), this.figures.refreshSchema()]);
      if (this.history.ops.length > 0) void this.check.run();
    } catch (e) {
      this.notify('error', `could not open the rehearsal: ${(e as Error).message}`);
    } finally {
      resume();
      this.startingProgress = null;
      this.loading = false;
      this.host.requestUpdate();
    }
  }

  /** Runs what is left of a new rehearsal's seed data (nothing in a read-only tab or a seeded rehearsal); returns how many ran. */
  async #seed(state: EngineState): Promise<number> {
    const history = this.history;
    if (!history || state.readOnly) return 0;
    // One run at a time: a restart while opening seeds on the new engine once the first run stopped.
    while (this.#seeding) await this.#seeding.catch(() => 0);
    this.#seeding = runSeedData(history, {
      nextSeeds: (done) => this.client.call((api) => api.nextSeeds(done)),
      execute: (name, params) => this.client.call((api) => api.execute(name, params)),
    }).finally(() => (this.#seeding = undefined));
    try {
      return await this.#seeding;
    } catch (e) {
      // The engine restarted under the seeds: the restart resumes them.
      if (e instanceof EngineRestarted) return 0;
      throw e;
    }
  }

  /** Starts or stops the page's workload as the engine state says (never in a read-only tab). */
  #applyWorkload(state: EngineState): void {
    this.runner.configure(state.workload);
    if (state.workload.running && !state.readOnly) this.runner.start();
    else this.runner.stop();
  }

  /** Takes a state from the engine (the settings follow its faults, the dialog its remedies). */
  #adopt(state: EngineState): void {
    this.rollback.stateChanged(this.state, state);
    this.state = state;
    this.settings.adoptFaults(state);
  }

  #terminated(reason: RestartReason): void {
    const why = reason === 'watchdog' ? 'cut short when the watchdog killed the engine' : this.#faultCrash ? 'the engine crashed (crash fault) before it completed' : 'crashed (Crash now) before it completed';
    this.#restartPause ??= this.runner.pause();
    this.history?.terminated(why);
    // Until the new engine has the writer lock, this tab writes nothing to the history.
    if (this.history) this.history.readOnly = true;
    this.loading = true;
    this.host.requestUpdate();
  }

  async #restarted(reason: RestartReason, state: EngineState): Promise<void> {
    const byFault = this.#faultCrash;
    this.#faultCrash = false;
    const wasReadOnly = this.state?.readOnly ?? true;
    this.state = state;
    this.loading = false;
    if (this.history && wasReadOnly && !state.readOnly) {
      // This tab was read-only and now writes: its copy of the history is the one it loaded when
      // it opened, stale by everything the writing tab did since. Read what that tab stored.
      const history = new HistoryRecorder(this.history.rehearsalId, () => this.host.requestUpdate());
      history.readOnly = true;
      await history.load();
      this.history = history;
      this.check.historyReplaced();
    }
    if (this.history) this.history.readOnly = state.readOnly;
    this.lock.opened(state);
    // A rollback plan counted on the old engine may be out of date (a remedy may have stopped).
    if (this.rollback.plan) void this.rollback.refresh();
    // The new engine knows the records afresh: plans from the old one are dropped.
    this.runner.reset();
    // A crash while seeding: the new engine offers the rest.
    if (!state.readOnly) {
      await this.#seed(state).catch((e: unknown) => this.notify('error', `the seed data did not finish: ${(e as Error).message}`));
      // Faults held while seeding are armed now.
      this.state = await this.client.call((api) => api.state()).catch(() => state);
    }
    this.#applyWorkload(state);
    this.#restartPause?.();
    this.#restartPause = undefined;
    const problems = state.recoveryProblems.length ? ` Recovery reported: ${state.recoveryProblems.join('; ')}` : '';
    const lock = state.readOnly ? ' Another tab took the rehearsal for writing meanwhile: this tab is read-only now.' : '';
    this.notify(
      reason === 'crash' ? 'warning' : 'error',
      reason === 'watchdog'
        ? `query cancelled: the watchdog stopped the engine and recovered the rehearsal from IndexedDB.${problems}${lock}`
        : `The engine crashed${byFault ? ' (crash fault)' : ''} and recovered from IndexedDB (phase ${state.phase}).${problems}${lock}`,
    );
    await Promise.all([this.figures.refresh(), this.figures.refreshSchema()]);
    void this.check.run();
  }

  async #refreshState(): Promise<void> {
    this.#adopt(await this.client.call((api) => api.state()));
    this.host.requestUpdate();
  }

  /** Runs `fn` while busy, reporting a failure as a notice (in the rollback dialog too when it came from there). */
  #act(what: string, fn: () => Promise<void>, fromDialog = false): Promise<void> {
    return this.rollback.whileBusy(async () => {
      try {
        await fn();
      } catch (e) {
        if (e instanceof EngineRestarted) return;
        const text = `${what}: ${(e as Error).message}`;
        if (fromDialog) this.rollback.report('error', text);
        else this.notify('error', text);
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Events from the components

  readonly handlers: { [K in keyof ClEventMap]: (detail: ClEventMap[K]) => Promise<void> | void } = {
    'cl-move-phase': ({ to, options }) =>
      this.#act('move', async () => {
        const move = await this.client.call((api) => api.movePhase(to, options));
        if (move.ok) {
          this.planRecorder.moved(move.from, move.to, options);
          this.rollback.close();
          this.notify('info', `Moved ${move.from} → ${move.to}.${move.warnings?.length ? ` ${move.warnings.join(' ')}` : ''}`);
          await this.figures.refreshSchema();
        } else this.rollback.report('warning', `Move to ${to} refused: ${move.reasons.join(' ')}`);
        await this.#refreshState();
      }, true),
    'cl-plan-rollback': ({ to }) => this.#act('rollback plan', () => this.rollback.show(to), true),
    'cl-restore-backup': () =>
      this.#act('restore', async () => {
        const move = await this.client.call((api) => api.restoreBackup());
        // Refused, the dialog stays open and says why.
        if (move.ok) {
          this.planRecorder.restored();
          this.rollback.close();
        }
        this.rollback.report(move.ok ? 'info' : 'warning', move.ok ? 'Restored the backup: the old schema is back and the phase is new-only. Run reverse-sync for writes made since the drop.' : move.reasons.join(' '));
        await Promise.all([this.#refreshState(), this.figures.refreshSchema()]);
      }, true),
    'cl-copy': ({ action, command }) =>
      this.#act(action, async () => {
        this.rollback.clearMessage();
        const p = await this.client.call((api) => api.copy(action, command));
        if (command === 'start' && !p.error && (p.status === 'running' || p.status === 'done')) this.planRecorder.copyStarted(action, p.batchSize);
        await this.#refreshState();
        await this.rollback.recount();
        if (p.error) this.rollback.report('error', `${action}: ${p.error}`);
      }, true),
    'cl-verify': () => {
      // Nothing is left to compare once old is dropped (a verify would call every record different).
      if (this.state?.phase === 'old-dropped') {
        this.notify('info', 'Old is dropped: there is nothing left to compare new with. The history check (the badge) holds every acknowledged write now.');
        return;
      }
      return this.#act('verify', async () => {
        this.verifying = true;
        try {
          this.consistency = await this.client.call((api) => api.verify(), { timeoutMs: CHECK_TIMEOUT_MS });
          this.planRecorder.verified(this.consistency);
          this.consistencyAt = Date.now();
          void this.history?.saveConsistency(this.consistency, this.consistencyAt);
        } finally {
          this.verifying = false;
        }
        await this.#refreshState();
      });
    },
    'cl-workload': ({ settings, running }) =>
      this.#act('workload', async () => {
        const state = await this.client.call((api) => api.setWorkload(settings, running));
        this.planRecorder.workloadChanged(state.workload);
        this.#adopt(state);
        this.#applyWorkload(state);
        await this.settings.workloadChanged(state.workload, state.workload.running);
      }),
    'cl-faults': ({ faults }) =>
      this.#act('faults', async () => {
        const edit = this.settings.editFaults(faults);
        try {
          await edit.saved;
          this.#adopt(await this.client.call((api) => api.setFaults(faults)));
          this.planRecorder.faultsChanged(faults);
        } finally {
          edit.done();
        }
      }),
    'cl-crash-now': () =>
      this.#act('crash', async () => {
        this.notify('warning', 'Crash now: the engine’s worker is terminated; everything in its memory is gone.');
        this.planRecorder.crashed();
        await this.client.crash();
      }),
    'cl-corrupt-snapshot': ({ corruption }) =>
      this.#act('corrupt snapshot', async () => {
        this.notify('warning', await this.client.call((api) => api.corruptSnapshot(corruption)));
      }),
    'cl-durability': ({ durability }) =>
      this.#act('durability', async () => {
        if (!this.state || !this.settings.loaded) return;
        await this.settings.durabilityChanged(durability);
        await this.open({ rehearsalId: this.state.rehearsalId });
        this.notify('info', `Durability is now ${durability}.`);
      }),
    'cl-run-query': ({ side, sql }) => this.sqlConsole.run(side, sql),
    'cl-check-history': () => this.check.run(),
    'cl-show-history': () => undefined,
    'cl-open-rehearsal': (detail) => this.open(detail),
  };

  /** Deletes a stored rehearsal. */
  async remove(id: string): Promise<void> {
    await this.#act('delete', async () => {
      const current = this.state?.rehearsalId === id;
      if (current) {
        this.runner.stop();
        this.runner.reset();
        await this.runner.idle();
      }
      await this.client.call((api) => api.remove(id));
      await this.settings.forget(id);
      await new HistoryRecorder(id, () => undefined).clear();
      if (this.state?.rehearsalId === id) {
        this.lock.letGo();
        this.state = null;
        this.history = null;
        this.check.historyReplaced();
        await this.settings.opened(null);
      }
      this.rehearsals = await this.client.call((api) => api.list());
    });
  }

  /** Closes the rehearsal and shows the picker. */
  async leave(): Promise<void> {
    this.lock.letGo();
    this.runner.stop();
    this.runner.reset();
    await this.runner.idle();
    await this.history?.flush();
    await this.#act('close', async () => {
      await this.client.call((api) => api.close());
      this.state = null;
      await this.settings.opened(null);
      this.rehearsals = await this.client.call((api) => api.list());
    });
  }
}
