/**
 * The workload, driven from the page. The engine plans operations (by the scenario's mix and the
 * records it knows exist); the runner records each one in the page's history *before* asking the
 * engine to run it, and records the answer when it comes. So an engine killed at any moment can
 * never have run an operation the history does not know about: whatever was in flight is marked
 * indeterminate, and every acknowledged write is in the history the badge checks.
 *
 * An operation is sent to the engine only once its invocation is stored (`HistoryRecorder.stored`):
 * the invocations a tick starts are stored together, in one transaction.
 *
 * Operations start at `opsPerSecond` (a token bucket ticked every 50 ms), at most `concurrency` at
 * once. `pause()` holds new starts (a history check reads back on a quiet engine) without touching
 * whether the user has the workload running.
 */
import type { OperationResult, Params, Phase } from '../../engine/vocabulary.ts';
import { EngineRestarted } from '../../worker/client.ts';
import type { PlannedOperation } from '../../worker/protocol.ts';
import type { HistoryRecorder } from '../history-recorder.ts';

/** What the runner needs from the page. */
export interface RunnerPorts {
  /** Plans the next operations (`api.planWorkload`). */
  plan(count: number): Promise<readonly PlannedOperation[]>;
  /** Runs one (`api.execute`). */
  execute(name: string, params: Params): Promise<OperationResult>;
  /** The history of the open rehearsal, or null. */
  recorder(): HistoryRecorder | null;
  /** The phase operations are invoked in now. */
  phase(): Phase | undefined;
  /** Something went wrong that the user should hear about. */
  problem(message: string): void;
}

const TICK_MS = 50;
const PLAN_BATCH = 50;

/** The page's workload runner. */
export class WorkloadRunner {
  readonly #ports: RunnerPorts;
  #opsPerSecond = 20;
  #concurrency = 4;
  #running = false;
  #pauses = 0;
  #inFlight = 0;
  #credit = 0;
  #last = 0;
  #queue: PlannedOperation[] = [];
  #planning = false;
  /** No plan is asked for before this time (the engine had none to give). */
  #planAfter = 0;
  /** Bumped by `reset`: plans asked for before it are dropped. */
  #generation = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #idle: (() => void)[] = [];
  #lastProblem = 0;

  readonly #writeAhead: boolean;

  /**
   * @param options.writeAhead wait for each invocation to be stored before sending it (the
   *   default, and what the app does); off only to measure what waiting costs (`npm run bench:page`).
   */
  constructor(ports: RunnerPorts, options: { readonly writeAhead?: boolean } = {}) {
    this.#ports = ports;
    this.#writeAhead = options.writeAhead ?? true;
  }

  /** Operations in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Whether the user has the workload running. */
  get running(): boolean {
    return this.#running;
  }

  /** Applies rate and concurrency. */
  configure(settings: { readonly opsPerSecond: number; readonly concurrency: number }): void {
    this.#opsPerSecond = Math.max(0.2, settings.opsPerSecond);
    this.#concurrency = Math.max(1, Math.floor(settings.concurrency));
  }

  start(): void {
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    this.#schedule();
  }

  /** Holds new operations until the returned function is called (calls nest). */
  pause(): () => void {
    this.#pauses++;
    this.#schedule();
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      this.#pauses--;
      this.#schedule();
    };
  }

  /** Resolves when no operation is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Drops planned operations (another rehearsal, or a new engine that knows other records). */
  reset(): void {
    this.#generation++;
    this.#queue = [];
    this.#planning = false;
  }

  /** Stops for good. */
  dispose(): void {
    this.#running = false;
    this.reset();
    this.#schedule();
  }

  #schedule(): void {
    const active = this.#running && this.#pauses === 0;
    if (active && !this.#timer) {
      this.#last = performance.now();
      this.#credit = 1;
      this.#timer = setInterval(() => this.#tick(), TICK_MS);
      this.#tick();
    } else if (!active && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #tick(): void {
    const now = performance.now();
    // At most `concurrency` operations' worth of credit: no burst after a stall.
    this.#credit = Math.min(this.#concurrency, this.#credit + ((now - this.#last) / 1000) * this.#opsPerSecond);
    this.#last = now;
    while (this.#credit >= 1 && this.#inFlight < this.#concurrency) {
      const next = this.#queue.shift();
      if (!next) break;
      this.#credit -= 1;
      void this.#run(next);
    }
    if (this.#queue.length < PLAN_BATCH / 2) void this.#refill();
  }

  async #refill(): Promise<void> {
    if (this.#planning || performance.now() < this.#planAfter) return;
    this.#planning = true;
    const generation = this.#generation;
    try {
      const planned = await this.#ports.plan(PLAN_BATCH);
      if (generation === this.#generation) this.#queue.push(...planned);
      if (planned.length === 0) this.#planAfter = performance.now() + 1000;
    } catch (e) {
      this.#planAfter = performance.now() + 1000;
      // A crashed engine is being replaced; planning starts again on the new one.
      if (!(e instanceof EngineRestarted) && (e as Error).name !== 'CrashSignal') this.#problem(`workload: ${(e as Error).message}`);
    } finally {
      if (generation === this.#generation) this.#planning = false;
    }
  }

  async #run(planned: PlannedOperation): Promise<void> {
    const recorder = this.#ports.recorder();
    if (!recorder) return;
    this.#inFlight++;
    // Recorded, and stored, before the engine hears of it: nothing can run that the history does
    // not know, even if the whole browser is killed the next moment (write-ahead).
    const token = recorder.invoke(planned.name, planned.kind, planned.params, this.#ports.phase() ?? planned.phase);
    try {
      if (this.#writeAhead) await recorder.stored(token);
    } catch (e) {
      // Settled meanwhile (the engine died): nothing to report, the restart says why.
      if (recorder.pending(token)) {
        recorder.notRun(token, `its invocation could not be stored first (${(e as Error).message})`);
        this.#problem(`workload: the history could not be stored, so operations are not sent: ${(e as Error).message}`);
      }
      this.#finished();
      return;
    }
    if (!recorder.pending(token)) {
      // The engine died while the invocation was being stored: the history already calls it
      // indeterminate, and it must not run on the engine that replaces it.
      this.#finished();
      return;
    }
    try {
      recorder.complete(token, await this.#ports.execute(planned.name, planned.params));
    } catch (e) {
      // No answer: the operation may or may not have happened.
      const crashed = e instanceof EngineRestarted ? e.reason === 'crash' : (e as Error).name === 'CrashSignal';
      const why = crashed ? 'the engine crashed before it completed' : e instanceof EngineRestarted ? 'cut short when the watchdog killed the engine' : `the engine failed while running it: ${(e as Error).message}`;
      recorder.indeterminate(token, why);
      if (!crashed && !(e instanceof EngineRestarted)) this.#problem(`workload: ${(e as Error).message}`);
    } finally {
      this.#finished();
    }
  }

  #finished(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Reports a problem at most every few seconds (a failing engine would flood the notices). */
  #problem(message: string): void {
    const now = performance.now();
    if (now - this.#lastProblem < 5000) return;
    this.#lastProblem = now;
    this.#ports.problem(message);
  }
}
