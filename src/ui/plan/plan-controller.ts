/**
 * The Plan panel's side of the page (a ReactiveController on the app): the plan loaded or recorded,
 * its replay in the worker (`planStart` / `planStep` / `planContinue` / `planStop`), each step's
 * report as it arrives, and the exports. The replay runs on the worker's virtual clock and an
 * in-memory store of its own, so it neither touches the open rehearsal nor depends on this
 * machine's speed: the same plan and seed give the figures `cutover-lab rehearse` gives.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { assertNever, type DurabilityMode } from '../../engine/vocabulary.ts';
import { EngineRestarted, type EngineClient } from '../../worker/client.ts';
import type { Plan, PlanProgress, PlanSessionStart, PlanStepInfo, Problem, RehearsalReport, StepReport, WorkerEvent } from '../../worker/protocol.ts';
import type { PlanCommand } from './plan-panel.ts';
import type { PlanRecorder, RecordingStart } from './plan-recorder.ts';

/** Most a whole replay may take before the page's watchdog gives up on the worker (a long plan runs many steps). */
const CONTINUE_TIMEOUT_MS = 30 * 60_000;

/** What the panel renders. A new object after every change. */
export interface PlanView {
  readonly recording: boolean;
  /** Steps recorded so far (while recording). */
  readonly recordedSteps: number;
  /** Why recording cannot start now (null: it can). */
  readonly recordBlocked: string | null;
  /** The plan loaded (or recorded) and ready to replay. */
  readonly loaded: { readonly name: string; readonly plan: Plan; readonly steps: readonly PlanStepInfo[] } | null;
  /** Why the last plan offered could not be loaded: the validator's problems, each with its path. */
  readonly problems: { readonly name: string; readonly problems: readonly Problem[] } | null;
  readonly seed: number;
  /** Step reports by step index, as they arrived. */
  readonly results: readonly StepReport[];
  /** The step the replay runs next (the one highlighted); null when it ended. */
  readonly next: number | null;
  /** What is running now. */
  readonly busy: 'step' | 'continue' | 'stop' | null;
  /** The run's report once it ended. */
  readonly report: RehearsalReport | null;
  /** A message about the replay (an error, or how it ended). */
  readonly message: string | null;
}

/** What the controller needs from the page. */
export interface PlanPorts {
  readonly client: EngineClient;
  readonly recorder: PlanRecorder;
  /** The open rehearsal's scenario, phase, workload and faults (null when none is open). */
  readonly rehearsal: () => RecordingStart | null;
  /** Downloads `text` as a file. */
  readonly download: (name: string, type: string, text: string) => void;
}

/** Replays use the CLI's default durability, so `cutover-lab rehearse --seed N` replays them as they are. */
const DURABILITY: DurabilityMode = 'strict';

/** The Plan panel's controller. */
export class PlanController implements ReactiveController {
  #view: PlanView = { recording: false, recordedSteps: 0, recordBlocked: null, loaded: null, problems: null, seed: 1, results: [], next: null, busy: null, report: null, message: null };
  /** The replay's session in the worker (null: no plan loaded), and the engine incarnation that holds it. */
  #session: string | null = null;
  #incarnation = 0;
  /** Bumped when the plan, the seed or the engine changes: answers for an older replay are dropped. */
  #generation = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly ports: PlanPorts,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** The panel's view (a new object after each change). */
  get view(): PlanView {
    const r = this.ports.recorder;
    const rehearsal = this.ports.rehearsal();
    const recordBlocked = !rehearsal ? 'No rehearsal is open.' : !r.recording && rehearsal.phase !== 'old-only' ? `Recording starts in old-only, where a plan starts (this rehearsal is in ${rehearsal.phase}): roll back, or open a new rehearsal.` : null;
    if (this.#view.recording !== r.recording || this.#view.recordedSteps !== r.stepCount || this.#view.recordBlocked !== recordBlocked) {
      this.#view = { ...this.#view, recording: r.recording, recordedSteps: r.stepCount, recordBlocked };
    }
    return this.#view;
  }

  #set(change: Partial<PlanView>): void {
    this.#view = { ...this.#view, ...change };
    this.host.requestUpdate();
  }

  /** Runs a command of the panel (its `cl-plan` event). */
  async handle(c: PlanCommand): Promise<void> {
    switch (c.command) {
      case 'record':
        return this.record();
      case 'stop-recording':
        return this.stopRecording();
      case 'load':
        return this.load(c.name, c.text);
      case 'unreadable':
        return this.unreadable(c.name, c.why);
      case 'seed':
        return this.setSeed(c.seed);
      case 'step':
        return this.step();
      case 'continue':
        return this.continue();
      case 'stop':
        return this.stop();
      case 'export-plan':
        return this.exportPlan();
      case 'export-report':
        return this.exportReport();
      case 'export-runbook':
        return this.exportRunbook();
      default:
        return assertNever(c, 'plan command');
    }
  }

  // -------------------------------------------------------------------------------------------
  // Recording

  /** Starts recording what the user does in the live rehearsal. */
  record(): void {
    const at = this.ports.rehearsal();
    if (!at || this.view.recordBlocked) return;
    this.ports.recorder.start(at);
    this.host.requestUpdate();
  }

  /** Stops recording and loads the recorded plan for replay. */
  async stopRecording(): Promise<void> {
    const plan = this.ports.recorder.stop(`Recorded in the playground, ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`);
    if (!plan) return;
    if (plan.steps.length === 0) {
      this.#set({ message: 'Nothing was recorded: move a phase, run the workload or an action while recording.' });
      return;
    }
    await this.load('recorded-plan.json', JSON.stringify(plan, null, 2));
  }

  // -------------------------------------------------------------------------------------------
  // Loading and replaying

  /** Loads plan text (a file's contents) for replay: validated against the open rehearsal's scenario; nothing runs. */
  async load(name: string, text: string): Promise<void> {
    const rehearsal = this.ports.rehearsal();
    if (!rehearsal) {
      this.#set({ problems: { name, problems: [{ path: '', message: 'open a rehearsal first: a plan is replayed on its scenario' }] } });
      return;
    }
    const generation = ++this.#generation;
    try {
      await this.#discard();
      const start = await this.ports.client.call<PlanSessionStart>((api) => api.planStart(rehearsal.scenarioId, text, { seed: this.#view.seed, durability: DURABILITY }));
      if (generation !== this.#generation) return;
      if (!start.ok) {
        // The plan loaded before stays loaded: bad input changes nothing.
        this.#set({ problems: { name, problems: start.problems } });
        return;
      }
      this.#session = start.session;
      this.#incarnation = this.ports.client.incarnation;
      this.#set({ loaded: { name, plan: start.plan, steps: start.steps }, problems: null, results: [], next: 0, report: null, message: null, busy: null });
    } catch (e) {
      this.#failed(e);
    }
  }

  /** Loads a share link's plan with the link's seed (its Load): ready to Step or Continue, nothing run. */
  async loadShared(name: string, text: string, seed: number | undefined): Promise<void> {
    if (seed !== undefined && Number.isSafeInteger(seed) && seed >= 0) this.#set({ seed });
    await this.load(name, text);
  }

  /** A file that could not be read as text. */
  unreadable(name: string, why: string): void {
    this.#set({ problems: { name, problems: [{ path: '', message: why }] } });
  }

  /** Sets the replay's seed; a replay under way starts over (nothing of it is kept). */
  async setSeed(seed: number): Promise<void> {
    if (!Number.isSafeInteger(seed) || seed < 0 || seed === this.#view.seed) return;
    this.#set({ seed });
    const loaded = this.#view.loaded;
    if (loaded) await this.load(loaded.name, JSON.stringify(loaded.plan, null, 2));
  }

  /**
   * The session, loaded again when the engine restarted since (Crash now, the watchdog): replays
   * live in the worker's memory, so a restart takes them along, and the replay starts over.
   */
  async #live(): Promise<string | null> {
    const loaded = this.#view.loaded;
    if (!this.#session || !loaded || this.#incarnation === this.ports.client.incarnation) return this.#session;
    const restarted = this.#view.results.length > 0 && !this.#view.report;
    await this.load(loaded.name, JSON.stringify(loaded.plan, null, 2));
    if (restarted) this.#set({ message: 'The engine restarted, and the replay with it: it starts again from the first step.' });
    return restarted ? null : this.#session;
  }

  /** Runs the next step. */
  async step(): Promise<void> {
    const session = await this.#live();
    if (!session || this.#view.busy || this.#view.next === null) return;
    const generation = this.#generation;
    this.#set({ busy: 'step', message: null });
    try {
      const progress = await this.ports.client.call((api) => api.planStep(session));
      if (generation === this.#generation) this.#progress(progress);
    } catch (e) {
      if (generation === this.#generation) this.#failed(e);
    } finally {
      if (generation === this.#generation) this.#set({ busy: null });
    }
  }

  /** Runs the remaining steps, each shown as it ends, until the end, a failure or Stop. */
  async continue(): Promise<void> {
    const session = await this.#live();
    if (!session || this.#view.busy || this.#view.next === null) return;
    const generation = this.#generation;
    this.#set({ busy: 'continue', message: null });
    try {
      const progress = await this.ports.client.call((api) => api.planContinue(session), { timeoutMs: CONTINUE_TIMEOUT_MS });
      if (generation === this.#generation) this.#progress(progress);
    } catch (e) {
      if (generation === this.#generation) this.#failed(e);
    } finally {
      if (generation === this.#generation && this.#view.busy === 'continue') this.#set({ busy: null });
    }
  }

  /** Ends the replay after the step running now; the final checks run on the steps so far. */
  async stop(): Promise<void> {
    const session = this.#session;
    if (!session || this.#view.busy === 'stop' || this.#view.next === null) return;
    const generation = this.#generation;
    this.#set({ busy: 'stop' });
    try {
      const progress = await this.ports.client.call((api) => api.planStop(session), { timeoutMs: CONTINUE_TIMEOUT_MS });
      if (generation === this.#generation) this.#progress(progress, true);
    } catch (e) {
      if (generation === this.#generation) this.#failed(e);
    } finally {
      if (generation === this.#generation) this.#set({ busy: null });
    }
  }

  /** Step reports streamed by Continue (the engine controller hands every worker event here). */
  events(events: readonly WorkerEvent[]): void {
    let results: StepReport[] | undefined;
    let next: number | null = this.#view.next;
    for (const e of events) {
      if (e.type !== 'plan-step' || e.session !== this.#session) continue;
      results ??= [...this.#view.results];
      results[e.step.index] = e.step;
      next = e.next;
    }
    if (results) this.#set({ results, next });
  }

  // -------------------------------------------------------------------------------------------
  // Exports

  /** Downloads the loaded (or recorded) plan as JSON. */
  exportPlan(): void {
    const loaded = this.#view.loaded;
    if (!loaded) return;
    this.ports.download(loaded.name.endsWith('.json') ? loaded.name : `${loaded.name}.json`, 'application/json', `${JSON.stringify(loaded.plan, null, 2)}\n`);
  }

  /** Downloads the run's report as JSON (what `cutover-lab rehearse --json` writes). */
  exportReport(): void {
    const report = this.#view.report;
    if (!report) return;
    this.ports.download(`${this.#baseName()}.report.json`, 'application/json', `${JSON.stringify(report, null, 2)}\n`);
  }

  /** Downloads the run as a Markdown runbook (what `cutover-lab rehearse --markdown` writes). */
  async exportRunbook(): Promise<void> {
    const session = this.#session;
    if (!session || !this.#view.report) return;
    try {
      const text = await this.ports.client.call((api) => api.planRunbook(session));
      this.ports.download(`${this.#baseName()}.runbook.md`, 'text/markdown', text);
    } catch (e) {
      this.#failed(e);
    }
  }

  #baseName(): string {
    return (this.#view.loaded?.name ?? 'plan').replace(/\.json$/i, '');
  }

  async #discard(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    if (session) await this.ports.client.call((api) => api.planDiscard(session)).catch(() => undefined);
  }

  #progress(p: PlanProgress, stopped = false): void {
    const results = [...this.#view.results];
    for (const s of p.steps) results[s.index] = s;
    const total = this.#view.loaded?.steps.length ?? 0;
    let message: string | null = null;
    if (p.report) {
      const ran = p.report.steps.length;
      message =
        p.report.ok && ran === total ? `Passed: all ${total} steps ran, every gate held, no acknowledged write lost.`
        : stopped && p.report.stopped === null ? `Stopped after ${ran} of ${total} steps; the final checks ran on those (${p.report.invariants.ok ? 'no acknowledged write lost' : 'invariants failed'}).`
        : `${p.report.outcome === 'rolled-back' ? 'Rolled back' : 'Failed'}${p.report.stopped ? ` at step ${p.report.stopped.step + 1}: ${p.report.stopped.detail}` : `: ${p.report.failures.map((f) => f.detail).join('; ')}`}`;
    }
    this.#set({ results, next: p.next, report: p.report, message });
  }

  #failed(e: unknown): void {
    if (e instanceof EngineRestarted) {
      this.#set({ busy: null, message: 'The engine restarted during the replay, which lived in its memory: Step or Continue starts it again from the first step.' });
      return;
    }
    this.#set({ busy: null, message: `The replay failed: ${(e as Error).message}` });
  }
}
