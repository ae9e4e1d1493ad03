/**
 * `best-effort` (seeds 000 and 003): authoritative first; a failed second write is counted
 * (`dual_write_total{result="failed"}`) and the operation succeeds. The sides diverge until
 * backfill or reverse-sync repairs them, and verify finds it.
 */
import { writeInOrder, type DualWritePolicy } from './dual-write.ts';

/** Acknowledges the write even when the second side failed. */
export const bestEffort = {
  write: (w) =>
    writeInOrder(w, async ({ authoritative, second }) => {
      w.parts.metrics.inc('cutover_dual_write_total', { result: 'failed' });
      await w.parts.control.markDivergence();
      return w.acknowledge([authoritative, second], {
        note: `second write to ${w.second} failed (${second.error?.message}); counted, and the operation succeeded (best-effort): ${w.second} is behind until backfill or reverse-sync`,
      });
    }),
} satisfies DualWritePolicy;
