/**
 * `best-effort` (seeds 000 and 003): authoritative first; a failed second write is counted
 * (`dual_write_total{result="failed"}`) and the operation succeeds. The second side is behind until
 * the copy towards it repairs it (backfill when it is new, reverse-sync when it is old), and verify
 * finds it. When the second side is the one serving reads (`read-new` with
 * `writeAuthorityInReadNew: "old"`, as seed 000 ran), reads miss the acknowledged write until then.
 */
import { repairOf, writeInOrder, type DualWritePolicy } from './dual-write.ts';

/** Acknowledges the write even when the second side failed. */
export const bestEffort = {
  write: (w) =>
    writeInOrder(w, async ({ authoritative, second }) => {
      w.parts.metrics.inc('cutover_dual_write_total', { result: 'failed', authoritative: w.authoritative });
      await w.parts.control.markDivergence();
      const unseen = w.readsFrom === w.second ? `; reads are served by ${w.second}, so they miss this write until then` : '';
      return w.acknowledge([authoritative, second], {
        note: `second write to ${w.second} failed (${second.error?.message}); counted, and the operation succeeded (best-effort): ${w.second} is behind until ${repairOf(w.second)} repairs it${unseen}`,
      });
    }, { previousRecord: false, previousVersion: false }), // nothing is undone: what was there is not needed
} satisfies DualWritePolicy;
