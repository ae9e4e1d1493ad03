/**
 * Connects the app to the engine client (Lit's ReactiveController): opens the rehearsal, keeps
 * the state, figures and history the components render, and turns their `cl-*` events into
 * engine calls. Settings the user chose (durability, workload, faults) are kept here, in the page,
 * so they survive an engine crash and a reload.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { FaultSpec } from '../../engine/faults.ts';
import type { Side } from '../../engine/scenario/format.ts';
import { EngineClient, EngineRestarted, type RestartReason } from '../../worker/client.ts';
import type {
  ConsistencyReport,
  DurabilityMode,
  EngineState,
  HistoryReport,
  MetricsSnapshot,
  OpenOptions,
  QueryResult,
  RehearsalSummary,
  RollbackPlan,
  SchemaInfo,
  WorkloadSettings,
} from '../../worker/protocol.ts';
import type { ClEventMap } from '../events.ts';
import { HistoryRecorder } from '../history-recorder.ts';

const CURRENT = 'cutover-lab:rehearsal';
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
  schema: SchemaInfo | null = null;
  queryResult: QueryResult | null = null;
  queryError: string | null = null;
  queryRunning = false;
  rollbackPlan: RollbackPlan | null = null;
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

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    makeWorker: (name: string) => Worker,
  ) {
    this.client = new EngineClient(makeWorker);
    host.addController(this);
    this.client.listen({
      events: (events) => {
        this.history?.apply(events, this.client.incarnation);
        for (const e of events) if (e.type === 'state') this.state = e.state;
        this.host.requestUpdate();
      },
      terminated: (reason) => this.#terminated(reason),
      restarted: (reason, state) => void this.#restarted(reason, state),
      failed: (error) => this.notify('error', `the engine could not recover: ${error.message}`),
    });
  }

  hostConnected(): void {
    void this.#boot();
    this.#poll = setInterval(() => void this.#refreshFigures(), 1000);
    window.addEventListener('pagehide', this.#onPageHide);
  }

  hostDisconnected(): void {
    clearInterval(this.#poll);
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
  async open(detail: { rehearsalId?: string; scenarioId?: string; durability?: DurabilityMode }): Promise<void> {
    const rehearsalId = detail.rehearsalId ?? `${detail.scenarioId ?? 'rehearsal'}-${Date.now().toString(36)}`;
    const saved = JSON.parse(localStorage.getItem(settingsKey(rehearsalId)) ?? 'null') as PageSettings | null;
    this.#settings = saved ?? { durability: detail.durability ?? 'strict', running: false, faults: [] };
    if (detail.durability) this.#settings.durability = detail.durability;
    await this.history?.flush();
    this.history = new HistoryRecorder(rehearsalId, () => this.host.requestUpdate());
    await this.history.load();
    this.loading = true;
    this.host.requestUpdate();
    try {
      const options: OpenOptions = { rehearsalId, ...(detail.scenarioId ? { scenarioId: detail.scenarioId } : {}), ...this.#openSettings() };
      this.state = await this.client.open(options, () => ({ rehearsalId, ...this.#openSettings() }));
      localStorage.setItem(CURRENT, rehearsalId);
      this.#settings.workload = this.state.workload;
      this.#save();
      this.consistency = null;
      this.queryResult = null;
      this.rehearsals = await this.client.call((api) => api.list());
      await Promise.all([this.#refreshFigures(), this.#refreshSchema()]);
      if (this.history.ops.length > 0) void this.checkHistory();
    } catch (e) {
      this.notify('error', `could not open the rehearsal: ${(e as Error).message}`);
    } finally {
      this.loading = false;
      this.host.requestUpdate();
    }
  }

  #openSettings(): Omit<OpenOptions, 'rehearsalId' | 'scenarioId'> {
    const s = this.#settings as PageSettings;
    return { durability: s.durability, faults: s.faults, workloadRunning: s.running, ...(s.workload ? { workload: s.workload } : {}) };
  }

  #save(): void {
    if (this.state && this.#settings) localStorage.setItem(settingsKey(this.state.rehearsalId), JSON.stringify(this.#settings));
  }

  #terminated(reason: RestartReason): void {
    const why = reason === 'crash' ? 'crashed (Crash now) before it completed' : 'cut short when the watchdog killed the engine';
    this.history?.terminated(why);
    this.loading = true;
    this.host.requestUpdate();
  }

  async #restarted(reason: RestartReason, state: EngineState): Promise<void> {
    this.state = state;
    this.loading = false;
    const problems = state.recoveryProblems.length ? ` Recovery reported: ${state.recoveryProblems.join('; ')}` : '';
    this.notify(reason === 'crash' ? 'warning' : 'error', reason === 'crash' ? `The engine crashed and recovered from IndexedDB (phase ${state.phase}).${problems}` : `query cancelled: the watchdog stopped the engine and recovered the rehearsal from IndexedDB.${problems}`);
    await Promise.all([this.#refreshFigures(), this.#refreshSchema()]);
    void this.checkHistory();
  }

  async #refreshFigures(): Promise<void> {
    if (!this.state || document.hidden) return;
    try {
      this.metrics = await this.client.call((api) => api.metrics());
      if (!this.state.workload.running && this.state.backfill.status !== 'running' && this.state.reverseSync.status !== 'running') {
        this.host.requestUpdate();
        return;
      }
      this.state = await this.client.call((api) => api.state());
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
    this.state = await this.client.call((api) => api.state());
    this.host.requestUpdate();
  }

  /** Runs `fn`, reporting a failure as a notice. */
  async #act(what: string, fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.host.requestUpdate();
    try {
      await fn();
    } catch (e) {
      if (!(e instanceof EngineRestarted)) this.notify('error', `${what}: ${(e as Error).message}`);
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
    try {
      await this.history.flush();
      this.checkReport = await this.client.call((api) => api.checkHistory(this.history?.ops ?? []));
      this.lostEntryIndexes = this.history.entryIndexesOfOps(this.checkReport.lost.map((l) => l.operation.index));
      if (this.checkReport.lost.length > 0) this.notify('error', `Lost acknowledged writes: ${this.checkReport.lost.length}`);
    } catch (e) {
      if (!(e instanceof EngineRestarted)) this.notify('error', `history check: ${(e as Error).message}`);
    } finally {
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
          this.rollbackPlan = null;
          this.notify('info', `Moved ${move.from} → ${move.to}.${move.warnings?.length ? ` ${move.warnings.join(' ')}` : ''}`);
          await this.#refreshSchema();
        } else this.notify('warning', `Move to ${to} refused: ${move.reasons.join(' ')}`);
        await this.#refreshState();
      }),
    'cl-plan-rollback': ({ to }) =>
      this.#act('rollback plan', async () => {
        this.rollbackPlan = await this.client.call((api) => api.planRollback(to));
      }),
    'cl-restore-backup': () =>
      this.#act('restore', async () => {
        const move = await this.client.call((api) => api.restoreBackup());
        this.notify(move.ok ? 'info' : 'warning', move.ok ? 'Restored the backup: the old schema is back and the phase is new-only. Run reverse-sync for writes made since the drop.' : move.reasons.join(' '));
        this.rollbackPlan = null;
        await Promise.all([this.#refreshState(), this.#refreshSchema()]);
      }),
    'cl-copy': ({ action, command }) =>
      this.#act(action, async () => {
        const p = await this.client.call((api) => api.copy(action, command));
        if (p.error) this.notify('error', `${action}: ${p.error}`);
        await this.#refreshState();
        if (this.rollbackPlan) this.rollbackPlan = await this.client.call((api) => api.planRollback(this.rollbackPlan?.to ?? 'old-only'));
      }),
    'cl-verify': () =>
      this.#act('verify', async () => {
        this.verifying = true;
        try {
          this.consistency = await this.client.call((api) => api.verify());
        } finally {
          this.verifying = false;
        }
        await this.#refreshState();
      }),
    'cl-workload': ({ settings, running }) =>
      this.#act('workload', async () => {
        this.state = await this.client.call((api) => api.setWorkload(settings, running));
        if (this.#settings) Object.assign(this.#settings, { workload: this.state.workload, running: this.state.workload.running });
        this.#save();
      }),
    'cl-faults': ({ faults }) =>
      this.#act('faults', async () => {
        this.state = await this.client.call((api) => api.setFaults(faults));
        if (this.#settings) this.#settings.faults = [...faults];
        this.#save();
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
      await this.client.call((api) => api.remove(id));
      localStorage.removeItem(settingsKey(id));
      await new HistoryRecorder(id, () => undefined).clear();
      if (this.state?.rehearsalId === id) {
        this.state = null;
        this.history = null;
        localStorage.removeItem(CURRENT);
      }
      this.rehearsals = await this.client.call((api) => api.list());
    });
  }

  /** Closes the rehearsal and shows the picker. */
  async leave(): Promise<void> {
    await this.history?.flush();
    await this.#act('close', async () => {
      await this.client.call((api) => api.close());
      this.state = null;
      localStorage.removeItem(CURRENT);
      this.rehearsals = await this.client.call((api) => api.list());
    });
  }
}
