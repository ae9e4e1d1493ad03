/**
 * The page's handle on the engine: the `EngineApi` of a Web Worker, with a watchdog. sql.js
 * cannot interrupt a running query, so a console query that outlives its time limit gets the
 * worker terminated; a new one recovers the rehearsal from IndexedDB and the query fails with
 * "query cancelled". "Crash now" terminates the worker the same way, without asking it.
 */
import * as Comlink from 'comlink';
import type { Side } from '../engine/scenario/format.ts';
import { CONSOLE_LIMITS, type EngineApi, type EngineState, type OpenOptions, type WorkerEvent } from './protocol.ts';

/** Why the engine restarted. */
export type RestartReason = 'crash' | 'watchdog';

/** A call that did not complete because the worker was terminated. */
export class EngineRestarted extends Error {
  override readonly name = 'EngineRestarted';
  constructor(readonly reason: RestartReason) {
    super(reason === 'watchdog' ? 'query cancelled' : 'the engine crashed before answering');
  }
}

export interface ClientListener {
  /** Events from the worker, batched. */
  events?(events: readonly WorkerEvent[]): void;
  /** The worker was terminated (before the new one opens): pending operations are indeterminate. */
  terminated?(reason: RestartReason): void;
  /** A new worker recovered the rehearsal. */
  restarted?(reason: RestartReason, state: EngineState): void;
  /** Recovery after a restart failed. */
  failed?(error: Error): void;
}

/** Time limit of calls other than console queries (they may wait for storage or run a backfill batch). */
const DEFAULT_TIMEOUT_MS = 60_000;

type Pending = { reject: (e: Error) => void };

/** The engine client. */
export class EngineClient {
  readonly #makeWorker: (name: string) => Worker;
  #worker: Worker | undefined;
  #remote: Comlink.Remote<EngineApi> | undefined;
  #incarnation = 0;
  #pending = new Set<Pending>();
  #listener: ClientListener = {};
  /** What to open after a restart: the page keeps workload and faults up to date here. */
  #reopen: (() => OpenOptions) | undefined;
  #restarting: Promise<void> | undefined;

  constructor(makeWorker: (name: string) => Worker) {
    this.#makeWorker = makeWorker;
  }

  /** Engine incarnations so far. */
  get incarnation(): number {
    return this.#incarnation;
  }

  /** Subscribes to events and restarts. */
  listen(listener: ClientListener): void {
    this.#listener = listener;
  }

  /** Opens a rehearsal; `reopen` tells what to open after a restart (the latest settings). */
  async open(options: OpenOptions, reopen: () => OpenOptions): Promise<EngineState> {
    this.#reopen = reopen;
    if (!this.#remote) await this.#start();
    return this.#call((api) => api.open(options));
  }

  /** Runs one console statement, with the watchdog. */
  query(side: Side, sql: string) {
    return this.#call((api) => api.query(side, sql), CONSOLE_LIMITS.timeoutMs);
  }

  /** Any other engine call. */
  call<T>(fn: (api: Comlink.Remote<EngineApi>) => Promise<T>): Promise<T> {
    return this.#call(fn);
  }

  /** "Crash now": the worker is terminated, as a killed tab's engine would be, and a new one recovers. */
  crash(): Promise<void> {
    return this.#restart('crash');
  }

  /** Waits for a restart in progress. */
  async settled(): Promise<void> {
    await this.#restarting;
  }

  /** Terminates the worker for good. */
  dispose(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#remote = undefined;
  }

  async #start(): Promise<void> {
    this.#incarnation++;
    const worker = this.#makeWorker(`engine-${this.#incarnation}`);
    this.#worker = worker;
    this.#remote = Comlink.wrap<EngineApi>(worker);
    await this.#remote.subscribe(Comlink.proxy((events: readonly WorkerEvent[]) => this.#listener.events?.(events)));
  }

  async #call<T>(fn: (api: Comlink.Remote<EngineApi>) => Promise<T>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    await this.#restarting;
    if (!this.#remote) await this.#start();
    const remote = this.#remote;
    if (!remote) throw new Error('the engine is not running');
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { reject };
      this.#pending.add(pending);
      const timer = setTimeout(() => {
        this.#pending.delete(pending);
        reject(new EngineRestarted('watchdog'));
        void this.#restart('watchdog');
      }, timeoutMs);
      fn(remote).then(
        (value) => {
          clearTimeout(timer);
          this.#pending.delete(pending);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          this.#pending.delete(pending);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  #restart(reason: RestartReason): Promise<void> {
    if (this.#restarting) return this.#restarting;
    this.#restarting = (async () => {
      this.#worker?.terminate();
      this.#worker = undefined;
      this.#remote = undefined;
      // Calls in flight on the dead worker will never answer.
      for (const p of this.#pending) p.reject(new EngineRestarted(reason));
      this.#pending.clear();
      this.#listener.terminated?.(reason);
      try {
        await this.#start();
        const options = this.#reopen?.();
        if (!options) return;
        const state = await (this.#remote as unknown as Comlink.Remote<EngineApi>).open(options);
        this.#listener.restarted?.(reason, state);
      } catch (e) {
        this.#listener.failed?.(e instanceof Error ? e : new Error(String(e)));
      }
    })().finally(() => (this.#restarting = undefined));
    return this.#restarting;
  }
}
