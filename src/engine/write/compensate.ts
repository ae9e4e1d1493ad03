/**
 * `compensate` (seed 002): authoritative first; if the second write fails, undo the first and fail
 * the operation, so either both sides have it or neither. A crash between the two writes, or a
 * failed undo, leaves an orphan on the authoritative side until the copy towards the second side
 * repairs it (backfill when old is authoritative, as in seed 002 throughout; reverse-sync when new is).
 */
import type { SideError } from '../results.ts';
import { repairOf, writeInOrder, type DualWritePolicy } from './dual-write.ts';
import { compensationRestoresRecord, compensationStatements } from './statements.ts';

/** Undoes the authoritative write when the second one fails. */
export const compensate = {
  write: (w) =>
    writeInOrder(w, async ({ authoritative, second, previous }) => {
      const { metrics, control, checkpoints, records } = w.parts;
      const undo = compensationStatements(records, w.authoritative, w, previous);
      const compensation = await w.writeSide(w.authoritative, 'compensate', { statements: undo });
      if (compensation.ok) {
        metrics.inc('cutover_dual_write_total', { result: 'compensated', authoritative: w.authoritative });
        await checkpoints.checkpointIfDue();
        return w.finish('fail', [authoritative, second, compensation], {
          error: second.error as SideError,
          note: `second write to ${w.second} failed; the write to ${w.authoritative} was undone (compensate)`,
        });
      }
      metrics.inc('cutover_dual_write_total', { result: 'compensation_failed', authoritative: w.authoritative });
      await control.markDivergence();
      await checkpoints.checkpointIfDue();
      return w.finish('info', [authoritative, second, compensation], {
        error: compensation.error as SideError,
        note: `second write to ${w.second} failed and undoing the write to ${w.authoritative} failed too: ${w.authoritative} holds an orphan until ${repairOf(w.second)} repairs it`,
      });
    }, { previousRecord: compensationRestoresRecord(w.op, w.authoritative), previousVersion: true }),
} satisfies DualWritePolicy;
