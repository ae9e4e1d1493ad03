/** Checkpoints after writes: one at a time, and a refused one is not an error (the journal stays). */
import type { Metrics } from './checks/metrics.ts';
import type { DatabaseFiles, FileName } from './database-files.ts';
import type { EventBus } from './event-bus.ts';
import { isCrash } from './faults.ts';
import type { Lifecycle } from './lifecycle.ts';

/** Decides when the databases are exported to snapshots. */
export class Checkpoints {
  #running = false;

  constructor(
    private readonly files: DatabaseFiles,
    private readonly metrics: Metrics,
    private readonly events: EventBus,
    private readonly lifecycle: Lifecycle,
  ) {}

  /** After a write: checkpoints the files whose journal is due, unless a checkpoint is already running. */
  async checkpointIfDue(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      if ((await this.files.maybeCheckpoint()) > 0) {
        this.metrics.inc('cutover_checkpoints_total');
        this.events.emit({ type: 'checkpoint', file: 'any' });
      }
    } catch (e) {
      if (isCrash(e) || this.lifecycle.crashSignal) throw this.lifecycle.crashSignal ?? e;
      // A refused checkpoint leaves the journal intact: nothing is lost, try again later.
      this.events.emit({ type: 'storage-failure', message: `checkpoint not written: ${(e as Error).message}`, reloaded: [] });
    } finally {
      this.#running = false;
    }
  }

  /** Checkpoints `file` now (a console write may not replay identically), unless one is running. */
  async checkpointNow(file: FileName): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await this.files.checkpoint(file);
    } finally {
      this.#running = false;
    }
  }
}
