/** Checkpoints after writes: when one is due, one at a time, and a refused one is not an error (the journal stays). */
import type { Metrics } from './checks/metrics.ts';
import type { DatabaseFiles, FileName } from './database-files.ts';
import type { EventBus } from './event-bus.ts';
import { isCrash } from './faults.ts';
import type { Lifecycle } from './lifecycle.ts';

/** Files of at least this size (the last snapshot's) also wait for journal bytes before a checkpoint. */
export const CHECKPOINT_SIZE_FLOOR = 1024 * 1024;
/** The share of such a file's size its journal must hold before a checkpoint rewrites the file. */
export const CHECKPOINT_JOURNAL_SHARE = 1 / 2;

/** What decides whether a file is due: its journal since the last checkpoint, and its size then. */
export interface CheckpointDue {
  /** Journal entries since the last checkpoint (or since the snapshot recovery started from). */
  readonly entries: number;
  /** Their size, as `journalEntryBytes` counts it. */
  readonly journalBytes: number;
  /** Size of the file's last snapshot, 0 when it has none. */
  readonly fileBytes: number;
}

/**
 * Whether a checkpoint of a file is due. A checkpoint rewrites the whole file, so its cost grows
 * with the file; the journal grows with the writes. A file is due after `checkpointEvery` journal
 * entries (the setting), and a file of 1 MiB or more only once those entries also hold half its
 * size: each write then pays about the same share of a checkpoint whatever the file's size (a
 * fixed count made each write to a 62 MiB file spend 90 % of its cost on checkpoints), and what
 * recovery replays on top of the snapshot stays near that half (near the file's size when it falls
 * back a generation), unless `checkpointEvery` entries hold more. Under 1 MiB a checkpoint costs a
 * few milliseconds and the count alone decides.
 */
export function checkpointDue(file: CheckpointDue, checkpointEvery: number): boolean {
  if (file.entries < checkpointEvery) return false;
  return file.fileBytes < CHECKPOINT_SIZE_FLOOR || file.journalBytes >= file.fileBytes * CHECKPOINT_JOURNAL_SHARE;
}

/**
 * How many journal entries of `entryBytes` each pass between two checkpoints of a file of
 * `fileBytes` (the first entry count at which `checkpointDue` says yes): for figures.
 */
export function entriesPerCheckpoint(fileBytes: number, entryBytes: number, checkpointEvery: number): number {
  if (fileBytes < CHECKPOINT_SIZE_FLOOR || entryBytes <= 0) return checkpointEvery;
  return Math.max(checkpointEvery, Math.ceil((fileBytes * CHECKPOINT_JOURNAL_SHARE) / entryBytes));
}

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
