/**
 * Calls on one side: the armed faults drawn first, retries of transient errors with exponential
 * backoff and jitter on the rehearsal's clock, the latency recorded, and an error classified as
 * data (an observation) — never thrown, unless the engine crashed or the error is a bug.
 */
import type { Metrics } from './checks/metrics.ts';
import type { Clock } from './clock.ts';
import { StorageError } from './durability/types.ts';
import { isCrash, type FaultInjector, type SideFault } from './faults.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Random } from './random.ts';
import type { Observation, SideError } from './results.ts';
import type { Side } from './scenario/format.ts';
import { SqlError } from './sql.ts';

/** The engine pieces a side call uses. */
export interface SideCallParts {
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly metrics: Metrics;
  readonly lifecycle: Lifecycle;
  /** The rehearsal's jitter stream (one per incarnation). */
  readonly jitter: Random;
  readonly retryAttempts: number;
}

/** An injected fault's error as the side's error. */
export function injectedError(error: NonNullable<SideFault['error']>): SideError {
  return { kind: error.kind === 'busy' ? 'busy' : 'injected', message: error.message, transient: error.transient };
}

/** Runs calls on one side with faults, retries and observations. */
export class SideCalls {
  constructor(private readonly parts: SideCallParts) {}

  /** How many attempts a transient error gets. */
  get retryAttempts(): number {
    return this.parts.retryAttempts;
  }

  /** One call on one side: faults, retries with backoff and jitter, latency and the observation. */
  async call(side: Side, access: 'read' | 'write', operation: string, observed: Observation['access'], body: () => Promise<number | undefined>): Promise<Observation> {
    const { clock, faults, metrics, lifecycle } = this.parts;
    const start = clock.now();
    let attempts = 0;
    for (;;) {
      attempts++;
      const fault = faults.forSideCall(side, access, operation);
      if (fault.latencyMs) await lifecycle.sleep(fault.latencyMs);
      let error: SideError | undefined;
      let rows: number | undefined;
      if (fault.error) {
        error = injectedError(fault.error);
      } else {
        try {
          await lifecycle.reloadBrokenFiles();
          rows = await body();
        } catch (e) {
          error = this.classify(e);
        }
      }
      if (error?.transient && attempts < this.parts.retryAttempts) {
        metrics.inc('cutover_retries_total', { side });
        await lifecycle.sleep(this.backoff(attempts));
        continue;
      }
      const durationMs = clock.now() - start;
      metrics.observeLatency(side, durationMs, clock.now());
      if (access === 'write') metrics.inc('cutover_writes_total', { side, result: error ? 'failed' : 'ok' });
      if (error?.kind === 'storage') await lifecycle.reloadBrokenFiles();
      // Built in place (no spread of temporary objects), keys in the order results have always had.
      const observation: { -readonly [K in keyof Observation]: Observation[K] } = { side, access: observed, ok: !error, attempts, durationMs };
      if (rows !== undefined && access === 'read') observation.rows = rows;
      if (error) observation.error = error;
      return Object.freeze(observation);
    }
  }

  /** A storage refusal or an SQL error as data; a crash (or a bug) is thrown on. */
  classify(e: unknown): SideError {
    const crashed = this.parts.lifecycle.crashSignal;
    if (isCrash(e) || crashed) throw crashed ?? e;
    if (e instanceof StorageError) {
      this.parts.metrics.inc('cutover_storage_failures_total');
      return { kind: 'storage', message: e.message, transient: false };
    }
    if (e instanceof SqlError) {
      const busy = /database is locked|SQLITE_BUSY|database table is locked/i.test(e.message);
      return { kind: 'sql', message: e.message, transient: busy };
    }
    throw e;
  }

  /** Exponential backoff with jitter: 100 ms, 200, 400, 800, 1600 (each between half and all of that). */
  backoff(attempt: number): number {
    const ceiling = Math.min(1600, 100 * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + this.parts.jitter.next() * (ceiling / 2));
  }
}
