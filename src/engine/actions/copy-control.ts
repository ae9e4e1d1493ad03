/** Backfill and reverse-sync as the rehearsal exposes them: every call is a tracked action, a storage refusal is data. */
import { StorageError } from '../durability/types.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { CopyProgress } from '../results.ts';
import type { CopyAction, RecordCopier } from './copier.ts';

/** Controls one copier (backfill or reverse-sync). */
export class CopyControl {
  constructor(
    private readonly lifecycle: Lifecycle,
    private readonly copier: RecordCopier,
  ) {}

  /** Which of the two this is. */
  get action(): CopyAction {
    return this.copier.action;
  }

  /** Progress of the current or last pass. */
  progress(): CopyProgress {
    return this.copier.progress();
  }

  /** Starts a pass from the first record. */
  start(batchSize?: number): Promise<CopyProgress> {
    return this.#call(() => this.copier.start(batchSize));
  }

  /** Runs one batch. */
  step(): Promise<CopyProgress> {
    return this.#call(() => this.copier.step());
  }

  /** Pauses a running pass at its cursor. */
  pause(): Promise<CopyProgress> {
    return this.#call(() => this.copier.pause());
  }

  /** Resumes a paused pass from its cursor. */
  resume(): Promise<CopyProgress> {
    return this.#call(() => this.copier.resume());
  }

  /** Cancels a pass; what it copied stays copied. */
  cancel(): Promise<CopyProgress> {
    return this.#call(() => this.copier.cancel());
  }

  /** Cancels from inside an exclusive section (a rollback), without waiting for it. */
  cancelInside(): Promise<CopyProgress> {
    return this.copier.cancel();
  }

  /** Changes the batch size, also in the middle of a pass. */
  setBatchSize(size: number): Promise<CopyProgress> {
    return this.#call(() => this.copier.setBatchSize(size));
  }

  /** Runs a whole pass (starting one if none is running); `between` runs after every batch. */
  async run(between?: (p: CopyProgress) => Promise<void> | void): Promise<CopyProgress> {
    let p = this.copier.progress();
    if (p.status !== 'running' && p.status !== 'paused') p = await this.start();
    if (p.status === 'paused') p = await this.resume();
    while (p.status === 'running') {
      p = await this.step();
      await between?.(p);
      if (p.status === 'running') p = this.copier.progress();
    }
    return p;
  }

  /** A storage refusal is data: the batch (or state change) did not land and nothing else changed. */
  #call(fn: () => Promise<CopyProgress>): Promise<CopyProgress> {
    return this.lifecycle.track(async () => {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof StorageError)) throw e;
        await this.lifecycle.reloadBrokenFiles();
        return Object.freeze({ ...this.copier.progress(), error: `storage refused the write: ${e.message}` });
      }
    });
  }
}
