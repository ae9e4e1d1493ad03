/**
 * Connects the app to the engine client (Lit's ReactiveController): opens the rehearsal, keeps
 * the state, figures and history the components render, and turns their `cl-*` events into
 * engine calls. Settings the user chose (durability, workload, faults) are kept here, in the page,
 * so they survive an engine crash and a reload.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConsistencyReport, DurabilityMode, FaultSpec, HistoryReport, MetricsSnapshot, RollbackPlan, Side } from '../../engine/vocabulary.ts';
import { EngineClient, EngineRestarted, type RestartReason } from '../../worker/client.ts';
import type { EngineState, OpenOptions, QueryResult, RehearsalSummary, SchemaInfo, WorkloadSettings } from '../../worker/protocol.ts';
import type { ClEventMap } from '../events.ts';
import { pageLock, type WriterLock } from '../../store/writer-lock.ts';
import { HistoryRecorder } from '../history-recorder.ts';
import { WorkloadRunner } from './workload-runner.ts';

const CURRENT = 'cutover-lab:rehearsal';
/** A history check reads every record back; on a long history that takes a while. */
const CHECK_TIMEOUT_MS = 10 * 60_000;
const settingsKey = (id: string) => `cutover-lab:settings:${id}`;

/** What the page remembers per rehearsal. */
interface PageSettings {
  durability: DurabilityMode;
  workload?: WorkloadSettings;
  running: boolean;
  faults: FaultSpec[];
}

/** A message for the user (refused moves, errors, what a restart did). */
export interface Notice {
  readonly id: number;
  readonly level: 'info' | 'warning' | 'error';
  readonly text: string;
}

/** The app's view of the engine. */
export class EngineController implements ReactiveController {
  readonly client: EngineClient;
  state: EngineState | null = null;
  metrics: MetricsSnapshot | null = null;
  history: HistoryRecorder | null = null;
  checkReport: HistoryReport | null = null;
  checking = false;
  lostEntryIndexes: ReadonlySet<number> = new Set();
  consistency: ConsistencyReport | null = null;
  /** When verify made `consistency` (ms since the epoch). */
  consistencyAt: number | null = null;
  schema: SchemaInfo | null = null;
  queryResult: QueryResult | null = null;
  queryError: string | null = null;
  queryRunning = false;
  rollbackPlan: RollbackPlan | null = null;
  /** A refusal or error reported while the rollback dialog is open (shown inside it). */
  dialogMessage: string | null = null;
  rehearsals: RehearsalSummary[] = [];
  notices: Notice[] = [];
  /** True while the first open (or a restart) is in progress. */
  loading = true;
  /** True while an action the user asked for runs (the rollback dialog waits on it). */
  busy = false;
  /** True while verify runs. */
  verifying = false;
  #settings: PageSettings | null = null;
  #noticeId = 0;
  #poll: ReturnType<typeof setInterval> | undefined;
  #checkAgain = false;
  /** The workload, driven from the page so the history knows every operation before the engine runs it. */
  readonly runner: WorkloadRunner;
  /** Holds the workload while the engine restarts. */
  #restartPause: (() => void) | undefined;
  /** The engine reported a crash fault firing (the restart that follows is not a Crash now). */
  #faultCrash = false;
  /** Faults the user just set, until the engine has them: the engine's older list must not replace them. */
  #editedFaults: FaultSpec[] | undefined;
  /** A read-only tab waits for the writing tab to close, then takes the rehearsal over. */
  #lockWatch: AbortController | undefined;
  /** The page lock this page holds (or waits for) while it writes a rehearsal. */
  #page: { readonly id: string; readonly lock: Promise<WriterLock | null>; readonly abort: AbortController } | undefined;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    makeWorker: (name: string) => Worker,
  ) {
    this.client = new EngineClient(makeWorker);
    this.runner = new WorkloadRunner({
      plan: (count) => this.client.call((api) => api.planWorkload(count)),
      execute: (name, params) => this.client.call((api) => api.execute(name, params)),
      recorder: () => this.history,
      phase: () => this.state?.phase,
      problem: (message) => this.notify('error', message),
    });
    host.addController(this);
    this.client.listen({
      events: (events, incarnation) => {
        this.history?.apply(events, incarnation);
        for (const e of events) {
          if (e.type === 'state' && e.state.rehearsalId === this.state?.rehearsalId) this.#adopt(e.state);
          if (e.type === 'crashed' && e.rehearsalId === this.state?.rehearsalId) {
            // A crash fault fired. The engine is restarted with the faults still armed (a fault
            // that fires once is gone), so the recovered engine does not crash again at once.
            this.#faultCrash = true;
            if (this.#settings && !this.#editedFaults) this.#settings.faults = e.faults.map((f) => ({ ...f }));
            this.#save();
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
        this.#letGo();
        this.state = null;
        this.loading = false;
        this.notify('error', `the engine could not recover: ${error.message}`);
      },
    });
  }

  hostConnected(): void {
    void this.#boot();
    this.#poll = setInterval(() => void this.#refreshFigures(), 1000);
    window.addEventListener('pagehide', this.#onPageHide);
  }

  hostDisconnected(): void {
    clearInterval(this.#poll);
    this.#letGo();
    window.removeEventListener('pagehide', this.#onPageHide);
    void this.history?.flush();
  }

  readonly #onPageHide = (): void => {
    void this.history?.flush();
  };

  /** Shows a message; errors stay until dismissed, others for a while. */
  notify(level: Notice['level'], text: string): void {
    const notice = { id: ++this.#noticeId, level, text };
    this.notices = [...this.notices.slice(-4), notice];
    this.history?.event(level, text);
    if (level !== 'error') setTimeout(() => this.dismiss(notice.id), 8000);
    this.host.requestUpdate();
  }

  /** A notice about something the rollback dialog asked for: shown in the dialog too, if it is open. */
  #reportToDialog(level: Notice['level'], text: string): void {
    if (this.rollbackPlan && level !== 'info') this.dialogMessage = text;
    this.notify(level, text);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
    this.host.requestUpdate();
  }

  async #boot(): Promise<void> {
    try {
      this.rehearsals = await this.client.call((api) => api.list());
      const current = localStorage.getItem(CURRENT);
      if (current && this.rehearsals.some((r) => r.id === current)) await this.open({ rehearsalId: current });
    } catch (e) {
      this.notify('error', `could not start the engine: ${(e as Error).message}`);
    } finally {
      this.loading = false;
      this.host.requestUpdate();
    }
  }

  /** Opens an existing rehearsal or starts a new one from a built-in scenario. */
  async open(detail: { rehearsalId?: string; scenarioId?: string; durability?: DurabilityMode; takeOver?: boolean }): Promise<void> {
    const rehearsalId = detail.rehearsalId ?? `${detail.scenarioId ?? 'rehearsal'}-${Date.now().toString(36)}`;
    let saved: PageSettings | null = null;
    try {
      saved = JSON.parse(localStorage.getItem(settingsKey(rehearsalId)) ?? 'null') as PageSettings | null;
    } catch {
      saved = null; // unreadable settings: start from the defaults
    }
    this.#settings = saved ?? { durability: detail.durability ?? 'strict', running: false, faults: [] };
    if (detail.durability) this.#settings.durability = detail.durability;
    this.loading = true;
    this.#stopWatch();
    if (this.#page?.id !== rehearsalId) this.#releasePage();
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
      }
      this.checkReport = null;
      this.lostEntryIndexes = new Set();
      const options: OpenOptions = {
        rehearsalId,
        ...(detail.scenarioId ? { scenarioId: detail.scenarioId } : {}),
        ...this.#openSettings(),
        // Queue behind any other tab also waiting (Web Locks are granted in order).
        ...(detail.takeOver ? { waitForLock: true } : {}),
      };
      this.state = await this.client.open(options, () => ({ rehearsalId, ...this.#openSettings() }));
      this.history.readOnly = this.state.readOnly;
      this.#afterOpen(this.state);
      localStorage.setItem(CURRENT, rehearsalId);
      this.#settings.workload = this.state.workload;
      this.#save();
      this.#applyWorkload(this.state);
      // The last report comes back with the rehearsal, marked with when verify made it.
      const saved = await this.history.loadConsistency();
      this.consistency = saved?.report ?? null;
      this.consistencyAt = saved?.at ?? null;
      this.queryResult = null;
      this.rehearsals = await this.client.call((api) => api.list());
      await Promise.all([this.#refreshFigures(), this.#refreshSchema()]);
      if (this.history.ops.length > 0) void this.checkHistory();
    } catch (e) {
      this.notify('error', `could not open the rehearsal: ${(e as Error).message}`);
    } finally {
      resume();
      this.loading = false;
      this.host.requestUpdate();
    }
  }

  /** Starts or stops the page's workload as the engine state says (never in a read-only tab). */
  #applyWorkload(state: EngineState): void {
    this.runner.configure(state.workload);
    if (state.workload.running && !state.readOnly) this.runner.start();
    else this.runner.stop();
  }

  #openSettings(): Omit<OpenOptions, 'rehearsalId' | 'scenarioId'> {
    const s = this.#settings as PageSettings;
    return { durability: s.durability, faults: s.faults, workloadRunning: s.running, ...(s.workload ? { workload: s.workload } : {}) };
  }

  /**
   * Takes a state from the engine. Faults that fire once disarm themselves in the engine: the
   * page's copy follows, so a reload does not arm them again.
   */
  #adopt(state: EngineState): void {
    const copying = (s: EngineState | null): boolean => s?.backfill.status === 'running' || s?.reverseSync.status === 'running';
    // A remedy started from the rollback dialog has ended: count the hazards again.
    if (copying(this.state) && !copying(state) && this.rollbackPlan) void this.#refreshPlan();
    this.state = state;
    if (!this.#settings || state.readOnly || this.#editedFaults) return;
    const faults = state.faults.map(({ id: _id, fired: _fired, ...spec }) => spec);
    if (JSON.stringify(faults) !== JSON.stringify(this.#settings.faults)) {
      this.#settings.faults = faults;
      this.#save();
    }
  }

  async #refreshPlan(): Promise<void> {
    const to = this.rollbackPlan?.to;
    if (!to) return;
    try {
      const plan = await this.client.call((api) => api.planRollback(to));
      if (this.rollbackPlan?.to === to) {
        this.rollbackPlan = plan;
        this.dialogMessage = null; // about the counts just replaced
      }
    } catch {
      // A restart is in progress; the dialog keeps the plan it has.
    }
    this.host.requestUpdate();
  }

  /** The rollback dialog closed. */
  closeRollbackPlan(): void {
    this.rollbackPlan = null;
    this.dialogMessage = null;
    this.host.requestUpdate();
  }

  #save(): void {
    if (this.state && this.#settings) localStorage.setItem(settingsKey(this.state.rehearsalId), JSON.stringify(this.#settings));
  }

  #terminated(reason: RestartReason): void {
    const why = reason === 'watchdog' ? 'cut short when the watchdog killed the engine' : this.#faultCrash ? 'the engine crashed (crash fault) before it completed' : 'crashed (Crash now) before it completed';
    this.#restartPause ??= this.runner.pause();
    this.history?.terminated(why);
    this.loading = true;
    this.host.requestUpdate();
  }

  async #restarted(reason: RestartReason, state: EngineState): Promise<void> {
    const byFault = this.#faultCrash;
    this.#faultCrash = false;
    this.state = state;
    this.loading = false;
    if (this.history) this.history.readOnly = state.readOnly;
    this.#afterOpen(state);
    // A rollback plan counted on the old engine may be out of date (a remedy may have stopped).
    if (this.rollbackPlan) void this.#refreshPlan();
    // The new engine knows the records afresh: plans from the old one are dropped.
    this.runner.reset();
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
    await Promise.all([this.#refreshFigures(), this.#refreshSchema()]);
    void this.checkHistory();
  }

  /**
   * After an open or a restart: a writing page holds the rehearsal's page lock; a read-only one
   * lets go of it and waits for it. Granted, the writing tab is gone (a restart of its engine does
   * not release it): this tab reopens the rehearsal to write it, keeping the page lock.
   */
  #afterOpen(state: EngineState): void {
    this.#stopWatch();
    if (typeof navigator.locks === 'undefined') return;
    const id = state.rehearsalId;
    if (!state.readOnly) {
      if (this.#page?.id === id) return;
      this.#releasePage();
      const abort = new AbortController();
      this.#page = { id, abort, lock: pageLock(id, abort.signal).catch(() => null) };
      return;
    }
    this.#releasePage();
    const watch = new AbortController();
    this.#lockWatch = watch;
    pageLock(id, watch.signal).then(
      async (lock) => {
        if (watch.signal.aborted || this.state?.rehearsalId !== id || !this.state.readOnly) {
          await lock.release();
          return;
        }
        this.#page = { id, abort: new AbortController(), lock: Promise.resolve(lock) };
        const before = this.state;
        await this.open({ rehearsalId: id, takeOver: true });
        if (this.state?.rehearsalId === id && !this.state.readOnly) this.notify('info', 'The tab that was writing this rehearsal closed: this tab writes it now.');
        // The open failed (nothing adopted the page lock or started a new watch): let go of it.
        else if (this.state === before) this.#releasePage();
      },
      () => undefined, // stopped waiting
    );
  }

  /** Neither waits for nor holds the rehearsal's page lock any more (the page leaves it). */
  #letGo(): void {
    this.#stopWatch();
    this.#releasePage();
  }

  #stopWatch(): void {
    this.#lockWatch?.abort();
    this.#lockWatch = undefined;
  }

  #releasePage(): void {
    const page = this.#page;
    this.#page = undefined;
    if (!page) return;
    page.abort.abort();
    void page.lock.then((lock) => lock?.release());
  }

  async #refreshFigures(): Promise<void> {
    if (!this.state || document.hidden) return;
    try {
      this.metrics = await this.client.call((api) => api.metrics());
      if (!this.state.workload.running && this.state.backfill.status !== 'running' && this.state.reverseSync.status !== 'running') {
        this.host.requestUpdate();
        return;
      }
      this.#adopt(await this.client.call((api) => api.state()));
      this.host.requestUpdate();
    } catch {
      // A restart is in progress; the next tick tries again.
    }
  }

  async #refreshSchema(): Promise<void> {
    try {
      this.schema = await this.client.call((api) => api.schema());
    } catch {
      this.schema = null;
    }
  }

  async #refreshState(): Promise<void> {
    this.#adopt(await this.client.call((api) => api.state()));
    this.host.requestUpdate();
  }

  /** Runs `fn`, reporting a failure as a notice. */
  async #act(what: string, fn: () => Promise<void>, fromDialog = false): Promise<void> {
    this.busy = true;
    this.host.requestUpdate();
    try {
      await fn();
    } catch (e) {
      if (!(e instanceof EngineRestarted)) {
        const text = `${what}: ${(e as Error).message}`;
        if (fromDialog) this.#reportToDialog('error', text);
        else this.notify('error', text);
      }
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  }

  /** Reads every record back and checks the history (the invariant badge). */
  async checkHistory(): Promise<void> {
    if (!this.history || !this.state) return;
    if (this.checking) {
      this.#checkAgain = true;
      return;
    }
    this.checking = true;
    this.host.requestUpdate();
    // Read back on a quiet engine: a write landing between the history snapshot and the reads (a
    // delete, say) would otherwise look like a lost one. The workload holds for a moment.
    const resume = this.runner.pause();
    const history = this.history;
    try {
      await this.runner.idle();
      await history.flush();
      // Every operation is settled (none in flight), so the history is complete up to now.
      const report = await this.client.call((api) => api.checkHistory(history.ops), { timeoutMs: CHECK_TIMEOUT_MS });
      if (history !== this.history) return; // another rehearsal was opened meanwhile
      this.checkReport = report;
      this.lostEntryIndexes = history.entryIndexesOfOps(report.lost.map((l) => l.operation.index));
      if (report.lost.length > 0) this.notify('error', `Lost acknowledged writes: ${report.lost.length}`);
      if (history.saveError) this.notify('warning', history.saveError);
    } catch (e) {
      if (!(e instanceof EngineRestarted)) this.notify('error', `history check: ${(e as Error).message}`);
    } finally {
      resume();
      this.checking = false;
      this.host.requestUpdate();
      if (this.#checkAgain) {
        this.#checkAgain = false;
        void this.checkHistory();
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Events from the components

  readonly handlers: { [K in keyof ClEventMap]: (detail: ClEventMap[K]) => Promise<void> | void } = {
    'cl-move-phase': ({ to, options }) =>
      this.#act('move', async () => {
        const move = await this.client.call((api) => api.movePhase(to, options));
        if (move.ok) {
          this.closeRollbackPlan();
          this.notify('info', `Moved ${move.from} → ${move.to}.${move.warnings?.length ? ` ${move.warnings.join(' ')}` : ''}`);
          await this.#refreshSchema();
        } else this.#reportToDialog('warning', `Move to ${to} refused: ${move.reasons.join(' ')}`);
        await this.#refreshState();
      }, true),
    'cl-plan-rollback': ({ to }) =>
      this.#act('rollback plan', async () => {
        this.dialogMessage = null;
        this.rollbackPlan = await this.client.call((api) => api.planRollback(to));
      }, true),
    'cl-restore-backup': () =>
      this.#act('restore', async () => {
        const move = await this.client.call((api) => api.restoreBackup());
        // Refused, the dialog stays open and says why.
        if (move.ok) this.closeRollbackPlan();
        this.#reportToDialog(move.ok ? 'info' : 'warning', move.ok ? 'Restored the backup: the old schema is back and the phase is new-only. Run reverse-sync for writes made since the drop.' : move.reasons.join(' '));
        await Promise.all([this.#refreshState(), this.#refreshSchema()]);
      }, true),
    'cl-copy': ({ action, command }) =>
      this.#act(action, async () => {
        this.dialogMessage = null;
        const p = await this.client.call((api) => api.copy(action, command));
        await this.#refreshState();
        if (this.rollbackPlan) this.rollbackPlan = await this.client.call((api) => api.planRollback(this.rollbackPlan?.to ?? 'old-only'));
        if (p.error) this.#reportToDialog('error', `${action}: ${p.error}`);
      }, true),
    'cl-verify': () =>
      this.#act('verify', async () => {
        this.verifying = true;
        try {
          this.consistency = await this.client.call((api) => api.verify());
          this.consistencyAt = Date.now();
          void this.history?.saveConsistency(this.consistency, this.consistencyAt);
        } finally {
          this.verifying = false;
        }
        await this.#refreshState();
      }),
    'cl-workload': ({ settings, running }) =>
      this.#act('workload', async () => {
        const state = await this.client.call((api) => api.setWorkload(settings, running));
        this.#adopt(state);
        this.#applyWorkload(state);
        if (this.#settings) Object.assign(this.#settings, { workload: state.workload, running: state.workload.running });
        this.#save();
      }),
    'cl-faults': ({ faults }) =>
      this.#act('faults', async () => {
        // Kept first, and not overwritten by the engine until the call lands: if a crash fault
        // restarts the engine meanwhile, the new engine is armed with these (a user removing a
        // crash fault at rate 1 is not locked out).
        this.#editedFaults = faults;
        if (this.#settings) this.#settings.faults = [...faults];
        this.#save();
        try {
          this.#adopt(await this.client.call((api) => api.setFaults(faults)));
        } finally {
          if (this.#editedFaults === faults) this.#editedFaults = undefined;
        }
      }),
    'cl-crash-now': () =>
      this.#act('crash', async () => {
        this.notify('warning', 'Crash now: the engine’s worker is terminated; everything in its memory is gone.');
        await this.client.crash();
      }),
    'cl-corrupt-snapshot': ({ corruption }) =>
      this.#act('corrupt snapshot', async () => {
        this.notify('warning', await this.client.call((api) => api.corruptSnapshot(corruption)));
      }),
    'cl-durability': ({ durability }) =>
      this.#act('durability', async () => {
        if (!this.state || !this.#settings) return;
        this.#settings.durability = durability;
        this.#save();
        await this.open({ rehearsalId: this.state.rehearsalId });
        this.notify('info', `Durability is now ${durability}.`);
      }),
    'cl-run-query': ({ side, sql }) => this.runQuery(side, sql),
    'cl-check-history': () => this.checkHistory(),
    'cl-show-history': () => undefined,
    'cl-open-rehearsal': (detail) => this.open(detail),
  };

  /** Runs a console statement; a runaway one is cancelled by the watchdog. */
  async runQuery(side: Side, sql: string): Promise<void> {
    this.queryRunning = true;
    this.queryError = null;
    this.host.requestUpdate();
    try {
      this.queryResult = await this.client.query(side, sql);
      if (this.queryResult.kind === 'write') {
        await Promise.all([this.#refreshSchema(), this.#refreshState()]);
      }
    } catch (e) {
      this.queryResult = null;
      this.queryError = (e as Error).message;
    } finally {
      this.queryRunning = false;
      this.host.requestUpdate();
    }
  }

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
      localStorage.removeItem(settingsKey(id));
      await new HistoryRecorder(id, () => undefined).clear();
      if (this.state?.rehearsalId === id) {
        this.#letGo();
        this.state = null;
        this.history = null;
        localStorage.removeItem(CURRENT);
      }
      this.rehearsals = await this.client.call((api) => api.list());
    });
  }

  /** Closes the rehearsal and shows the picker. */
  async leave(): Promise<void> {
    this.#letGo();
    this.runner.stop();
    this.runner.reset();
    await this.runner.idle();
    await this.history?.flush();
    await this.#act('close', async () => {
      await this.client.call((api) => api.close());
      this.state = null;
      localStorage.removeItem(CURRENT);
      this.rehearsals = await this.client.call((api) => api.list());
    });
  }
}
