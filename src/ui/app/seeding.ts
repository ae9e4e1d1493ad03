/**
 * A new rehearsal's seed data, run from the page like any operation: each invocation is stored in
 * the write-ahead history before the engine runs it. (The engine used to seed a new rehearsal on
 * its own and report the operations afterwards; a browser killed in between left seed rows that
 * no history knew of, which the checker then called unexpected.)
 */
import type { OperationResult, Params } from '../../engine/vocabulary.ts';
import type { PlannedOperation } from '../../worker/protocol.ts';
import type { HistoryRecorder } from '../history-recorder.ts';

/** What seeding needs of the engine. */
export interface SeedPorts {
  nextSeeds(done: number): Promise<readonly PlannedOperation[]>;
  execute(name: string, params: Params): Promise<OperationResult>;
}

/**
 * Runs the seed operations the engine still has for the open rehearsal, resuming after the ones
 * the history already holds; returns how many ran. Each step's invocations are stored together
 * (one transaction), then run one after the other. A failure stops it (the next open resumes).
 */
export async function runSeedData(history: HistoryRecorder, engine: SeedPorts): Promise<number> {
  let ran = 0;
  for (;;) {
    const batch = await engine.nextSeeds(history.seedOps);
    if (batch.length === 0) return ran;
    const tokens = batch.map((next) => history.invoke(next.name, next.kind, next.params, next.phase, Date.now(), true));
    try {
      await Promise.all(tokens.map((token) => history.stored(token)));
    } catch (e) {
      for (const token of tokens) history.notRun(token, `its invocation could not be stored first (${(e as Error).message})`);
      throw e;
    }
    for (const [i, next] of batch.entries()) {
      const token = tokens[i] as (typeof tokens)[number];
      // The engine died meanwhile: what is left is not sent; the restarted engine resumes the seeds.
      if (!history.pending(token)) {
        for (const left of tokens.slice(i)) history.notRun(left, 'the engine stopped before the seed data was sent');
        return ran;
      }
      try {
        history.complete(token, await engine.execute(next.name, next.params));
      } catch (e) {
        history.indeterminate(token, `the engine failed while running it: ${(e as Error).message}`);
        for (const left of tokens.slice(i + 1)) history.notRun(left, 'the seed data stopped before it');
        throw e;
      }
      ran++;
    }
  }
}
