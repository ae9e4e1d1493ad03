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
  /** Events from the worker, batched, with the engine incarnation that sent them (never a dead one). */
  events?(events: readonly WorkerEvent[], incarnation: number): void;
  /** The worker was terminated (before the new one opens): pending operations are indeterminate. */
  terminated?(reason: RestartReason): void;
  /** A new worker recovered the rehearsal. */
  restarted?(reason: RestartReason, state: EngineState): void;
  /** Recovery after a restart failed. */
  failed?(error: Error): void;
}

/** Time limit of calls other than console queries (they may wait for storage or run a backfill batch). */
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Opening recovers a rehearsal from IndexedDB and may make its starting records: a 1,000,000-record
 * rehearsal took 30–55 s to open here, close to the watchdog's minute, so an open gets longer.
 */
const OPEN_TIMEOUT_MS = 10 * 60_000;

type Pending = { reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> | undefined };

/** Options of one call. */
export interface CallOptions {
  /** Time limit; past it the worker is killed and restarted (the default is a minute). */
  readonly timeoutMs?: number;
}

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
  #disposed = false;
  #queryId = 0;
  /** Console queries waiting for their `query-started` event, by id: starts their watchdog. */
  #queries = new Map<number, () => void>();

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
    return this.#call((api) => api.open(options), { timeoutMs: OPEN_TIMEOUT_MS });
  }

  /**
   * Runs one console statement, with the watchdog: it counts from the moment the engine starts
   * the query (a query queued behind a backfill batch is not cancelled for waiting).
   */
  async query(side: Side, sql: string) {
    const id = ++this.#queryId;
    let arm: (() => void) | undefined;
    const started = new Promise<void>((resolve) => (arm = resolve));
    this.#queries.set(id, arm as () => void);
    try {
      return await this.#call((api) => api.query(side, sql, id), { timeoutMs: CONSOLE_LIMITS.timeoutMs, startedBy: started, queueLimitMs: DEFAULT_TIMEOUT_MS });
    } finally {
      this.#queries.delete(id);
    }
  }

  /** Any other engine call. */
  call<T>(fn: (api: Comlink.Remote<EngineApi>) => Promise<T>, options: CallOptions = {}): Promise<T> {
    return this.#call(fn, options);
  }

  /** "Crash now": the worker is terminated, as a killed tab's engine would be, and a new one recovers. */
  crash(): Promise<void> {
    return this.#restart('crash');
  }

  /** Waits for a restart in progress. */
  async settled(): Promise<void> {
    await this.#restarting;
  }

  /** Terminates the worker for good: calls in flight fail, and nothing restarts it. */
  dispose(): void {
    this.#disposed = true;
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#remote = undefined;
    this.#rejectPending(new Error('the engine client was closed'));
  }

  async #start(): Promise<void> {
    this.#incarnation++;
    const worker = this.#makeWorker(`engine-${this.#incarnation}`);
    this.#worker = worker;
    this.#remote = Comlink.wrap<EngineApi>(worker);
    const incarnation = this.#incarnation;
    await this.#remote.subscribe(
      Comlink.proxy((events: readonly WorkerEvent[]) => {
        // A terminated worker's last messages can still arrive. What it did then is indeterminate
        // (the page has already said so); applying it under the new incarnation would mix it up
        // with the new worker's.
        if (incarnation !== this.#incarnation || this.#worker !== worker) return;
        for (const e of events) {
          if (e.type === 'query-started') this.#queries.get(e.queryId)?.();
        }
        this.#listener.events?.(events, incarnation);
        // A crash fault killed the engine inside the worker: replace it, as after Crash now.
        if (events.some((e) => e.type === 'crashed')) void this.#restart('crash');
      }),
    );
  }

  async #call<T>(
    fn: (api: Comlink.Remote<EngineApi>) => Promise<T>,
    options: CallOptions & { readonly startedBy?: Promise<void>; readonly queueLimitMs?: number } = {},
  ): Promise<T> {
    if (this.#disposed) throw new Error('the engine client was closed');
    await this.#restarting;
    if (!this.#remote) await this.#start();
    const remote = this.#remote;
    if (!remote) throw new Error('the engine is not running');
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { reject, timer: undefined };
      this.#pending.add(pending);
      const expire = (): void => {
        this.#pending.delete(pending);
        reject(new EngineRestarted('watchdog'));
        void this.#restart('watchdog');
      };
      const arm = (ms: number): void => {
        if (pending.timer !== undefined) clearTimeout(pending.timer);
        if (this.#pending.has(pending)) pending.timer = setTimeout(expire, ms);
      };
      if (options.startedBy) {
        // Until the engine starts it, the call may wait its turn (but not for ever).
        arm(options.queueLimitMs ?? DEFAULT_TIMEOUT_MS);
        void options.startedBy.then(() => arm(timeoutMs));
      } else arm(timeoutMs);
      const settle = (): void => {
        if (pending.timer !== undefined) clearTimeout(pending.timer);
        this.#pending.delete(pending);
      };
      fn(remote).then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  #rejectPending(error: Error): void {
    for (const p of this.#pending) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.reject(error);
    }
    this.#pending.clear();
  }

  #restart(reason: RestartReason): Promise<void> {
    if (this.#disposed) return Promise.resolve();
    if (this.#restarting) return this.#restarting;
    this.#restarting = (async () => {
      this.#worker?.terminate();
      this.#worker = undefined;
      this.#remote = undefined;
      // Calls in flight on the dead worker will never answer.
      this.#rejectPending(new EngineRestarted(reason));
      this.#listener.terminated?.(reason);
      try {
        await this.#start();
        const options = this.#reopen?.();
        if (!options) return;
        // The killed worker's writer lock is released by the browser a moment later.
        const state = await (this.#remote as unknown as Comlink.Remote<EngineApi>).open({ ...options, waitForLock: true });
        if (!this.#disposed) this.#listener.restarted?.(reason, state);
      } catch (e) {
        if (!this.#disposed) this.#listener.failed?.(e instanceof Error ? e : new Error(String(e)));
      }
    })().finally(() => (this.#restarting = undefined));
    return this.#restarting;
  }
}
