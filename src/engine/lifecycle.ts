/**
 * The engine's life: work in flight, exclusive sections, crash and close, and the reload of files
 * that lost a journal entry. A crash anywhere kills the whole incarnation, as a killed tab would:
 * every waiter wakes with the crash signal and nothing in memory is used again.
 */
import type { Clock } from './clock.ts';
import type { Control } from './control.ts';
import type { DatabaseFiles } from './database-files.ts';
import type { DurableStore } from './durability/durable-store.ts';
import type { EventBus } from './event-bus.ts';
import { CrashSignal, isCrash, type CrashPoint, type FaultInjector } from './faults.ts';
import type { KeyLocks } from './sync.ts';

/** What the lifecycle stops when the engine dies. */
export interface LifecycleParts {
  readonly clock: Clock;
  readonly files: DatabaseFiles;
  readonly store: DurableStore;
  readonly faults: FaultInjector;
  readonly locks: KeyLocks;
  readonly events: EventBus;
  readonly control: Control;
}

/** Tracks the engine's work and ends it on a crash or a close. */
export class Lifecycle {
  #dead: CrashSignal | undefined;
  #closed = false;
  #inFlight = 0;
  #drained: (() => void)[] = [];
  #exclusiveRun: Promise<unknown> | undefined;
  #reloading: Promise<void> | undefined;

  constructor(private readonly parts: LifecycleParts) {}

  /** Whether the engine is gone (crashed or closed). */
  get dead(): boolean {
    return this.#dead !== undefined || this.#closed;
  }

  /** The crash that killed this incarnation, if one did. */
  get crashSignal(): CrashSignal | undefined {
    return this.#dead;
  }

  /** Throws the crash signal when the engine crashed, an error when it was closed. */
  assertAlive(): void {
    if (this.#dead) throw this.#dead;
    if (this.#closed) throw new Error('the rehearsal is closed');
  }

  /** Fires an armed crash fault at `point`, killing the engine. */
  crashPoint(point: CrashPoint): void {
    this.assertAlive();
    try {
      this.parts.faults.crashPoint(point);
    } catch (e) {
      if (isCrash(e)) this.die(e);
      throw e;
    }
  }

  /** Waits on the rehearsal's clock; throws if the engine died meanwhile. */
  async sleep(ms: number): Promise<void> {
    await this.parts.clock.sleep(ms);
    this.assertAlive();
  }

  /** Throws everything in memory away: databases, queues, pending acknowledgements. */
  die(signal: CrashSignal): void {
    if (this.#dead) return;
    this.#dead = signal;
    this.parts.locks.abort(signal);
    this.parts.store.dispose();
    this.parts.files.close();
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  /** Waits for the work in flight, then marks the engine closed. */
  async close(finish: () => Promise<void>): Promise<void> {
    if (this.dead) return;
    await this.#drain();
    await finish();
    this.#closed = true;
    this.parts.store.dispose();
    this.parts.files.close();
  }

  /**
   * Reloads files that lost a journal entry from durable state before anyone touches them again.
   * When durable state itself cannot be read, the engine stops as a crash would: reopening says why.
   */
  async reloadBrokenFiles(): Promise<void> {
    this.assertAlive();
    const { files, events, control } = this.parts;
    if (files.brokenFiles().length > 0) {
      this.#reloading ??= (async () => {
        try {
          const reloaded = await files.reloadBroken();
          events.emit({ type: 'storage-failure', message: `storage refused a journal write; reloaded ${reloaded.join(', ')} from durable state`, reloaded });
          // A side went back to what was stored while the other kept its change (in split
          // topology, or a write acknowledged before it was stored): the last verify is stale.
          await control.markDivergence();
        } catch (e) {
          events.emit({ type: 'storage-failure', message: `durable state could not be read back: ${(e as Error).message}`, reloaded: [] });
          this.die(new CrashSignal('storage'));
        }
      })().finally(() => (this.#reloading = undefined));
      await this.#reloading;
    }
    this.assertAlive();
  }

  /** Runs an operation or action, counted so that exclusive sections wait for it; a crash inside kills the engine. */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.assertAlive();
    while (this.#exclusiveRun) await this.#exclusiveRun.catch(() => undefined);
    this.assertAlive();
    this.#inFlight++;
    try {
      return await fn();
    } catch (e) {
      if (isCrash(e)) this.die(e);
      throw e;
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  /** Runs `fn` with no operation in flight and none starting (phase moves, verify, restore). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.assertAlive();
    while (this.#exclusiveRun) await this.#exclusiveRun.catch(() => undefined);
    const run = (async () => {
      await this.#drain();
      this.assertAlive();
      await this.reloadBrokenFiles();
      return fn();
    })();
    this.#exclusiveRun = run;
    try {
      return await run;
    } catch (e) {
      if (isCrash(e)) this.die(e);
      throw e;
    } finally {
      if (this.#exclusiveRun === run) this.#exclusiveRun = undefined;
    }
  }

  #drain(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }
}
