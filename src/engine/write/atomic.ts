/**
 * `atomic` (seeds 000/001 could have): both sides in one SQLite transaction, which needs the
 * `shared` topology. The sides never diverge: a failure on either rolls back both.
 */
import { injectedError } from '../side-calls.ts';
import type { VersionInfo } from '../records.ts';
import type { Observation, SideError } from '../results.ts';
import type { Side } from '../scenario/format.ts';
import type { DualWrite, DualWritePolicy } from './dual-write.ts';
import { sideStatements } from './statements.ts';

/** Writes both sides in one transaction, retried as one. */
export const atomic = {
  async write(w) {
    const observations = await writeBothInOneTransaction(w, [w.authoritative, w.second]);
    if (!observations.every((o) => o.ok)) return w.finish('fail', observations, { error: observations.find((o) => !o.ok)?.error as SideError });
    w.parts.metrics.inc('cutover_dual_write_total', { result: 'succeeded', authoritative: w.authoritative });
    return w.acknowledge(observations);
  },
} satisfies DualWritePolicy;

async function writeBothInOneTransaction(w: DualWrite, sides: [Side, Side]): Promise<Observation[]> {
  const { clock, faults, metrics, lifecycle, files, records, sideCalls } = w.parts;
  const start = clock.now();
  let attempts = 0;
  for (;;) {
    attempts++;
    let error: SideError | undefined;
    let failedSide: Side | undefined;
    for (const side of sides) {
      const fault = faults.forSideCall(side, 'write', w.name);
      if (fault.latencyMs) await lifecycle.sleep(fault.latencyMs);
      if (fault.error) {
        error = injectedError(fault.error);
        failedSide = side;
        // The transaction is over: the other side's faults are not drawn (a once fault stays armed).
        break;
      }
    }
    if (!error) {
      try {
        await lifecycle.reloadBrokenFiles();
        const db = files.db(sides[0]);
        // The first side's version before the write, read (once) only if the second side's change is partial.
        let base: { v: VersionInfo | undefined } | undefined;
        const readBase = (): VersionInfo | undefined => (base ??= { v: records.readVersion(db, sides[0], w.op.effect.collection, w.recordKey) }).v;
        const statements = sides.flatMap((side, i) => sideStatements(records, side, db, w.op[side], w, i === 0 ? 'self' : readBase));
        await files.commit(files.fileOf(sides[0]), statements).durable;
      } catch (e) {
        error = sideCalls.classify(e);
        failedSide = sides[0];
      }
    }
    if (error?.transient && attempts < sideCalls.retryAttempts) {
      metrics.inc('cutover_retries_total', { side: failedSide as Side });
      await lifecycle.sleep(sideCalls.backoff(attempts));
      continue;
    }
    // A refused journal write leaves the change in memory only: reload before answering, as
    // the one-side path does, so nobody sees a write that failed.
    if (error?.kind === 'storage') await lifecycle.reloadBrokenFiles();
    const durationMs = clock.now() - start;
    for (const side of sides) {
      metrics.observeLatency(side, durationMs, clock.now());
      metrics.inc('cutover_writes_total', { side, result: error ? 'failed' : 'ok' });
    }
    return sides.map((side) =>
      Object.freeze({
        side,
        access: 'write' as const,
        ok: !error,
        attempts,
        durationMs,
        ...(error ? { error: side === failedSide ? error : { kind: error.kind, message: `rolled back with ${failedSide}: ${error.message}`, transient: error.transient } } : {}),
      }),
    );
  }
}
