/**
 * The history check behind the invariant badge: reads every record back and checks the page's
 * history against it. A check reads back on a quiet engine — a write landing between the history
 * snapshot and the reads (a delete, say) would otherwise look like a lost one — so the workload
 * holds while it runs. Checks asked for while one runs are folded into one more afterwards.
 */
import type { ReactiveControllerHost } from 'lit';
import type { HistoryOp, HistoryReport } from '../../engine/vocabulary.ts';
import { EngineRestarted } from '../../worker/client.ts';
import type { HistoryRecorder } from '../history-recorder.ts';
import type { NoticeLevel } from './notices.ts';

/** What the history check needs from the page. */
export interface HistoryCheckPorts {
  /** The open rehearsal's history, or null. */
  history(): HistoryRecorder | null;
  /** A rehearsal is open. */
  open(): boolean;
  /** Holds the workload's new operations until the returned function is called. */
  pause(): () => void;
  /** Resolves when no operation is in flight. */
  idle(): Promise<void>;
  /** Asks the engine to check `ops` (`api.checkHistory`). */
  check(ops: readonly HistoryOp[]): Promise<HistoryReport>;
  notify(level: NoticeLevel, text: string): void;
}

/** The last history check and the one running. */
export class HistoryCheckController {
  /** The last check's report, or null (none since the rehearsal was opened). */
  report: HistoryReport | null = null;
  /** A check is running. */
  checking = false;
  /** History entry indexes of the lost writes, for the history panel. */
  lostEntryIndexes: ReadonlySet<number> = new Set();
  #again = false;
  /**
   * Counts runs and replaced histories: a run commits its report only while it is the latest
   * (Lit's Task guards its runs the same way), so a check of a history the page has since put
   * away never lands on the next one.
   */
  #latest = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly ports: HistoryCheckPorts,
  ) {
  }

  /** Forgets the last report (a rehearsal is being opened). */
  clear(): void {
    this.report = null;
    this.lostEntryIndexes = new Set();
  }

  /** The page put its history away for another (or none): a check of the old one running now commits nothing. */
  historyReplaced(): void {
    this.#latest++;
  }

  /** Reads every record back and checks the history (the invariant badge). */
  async run(): Promise<void> {
    const history = this.ports.history();
    if (!history || !this.ports.open()) return;
    if (this.checking) {
      this.#again = true;
      return;
    }
    this.checking = true;
    this.host.requestUpdate();
    const run = ++this.#latest;
    const resume = this.ports.pause();
    try {
      await this.ports.idle();
      await history.flush();
      // Every operation is settled (none in flight), so the history is complete up to now.
      const report = await this.ports.check(history.ops);
      if (run !== this.#latest) return; // another rehearsal was opened meanwhile
      this.report = report;
      this.lostEntryIndexes = history.entryIndexesOfOps(report.lost.map((l) => l.operation.index));
      if (report.lost.length > 0) this.ports.notify('error', `Lost acknowledged writes: ${report.lost.length}`);
      if (history.saveError) this.ports.notify('warning', history.saveError);
    } catch (e) {
      if (!(e instanceof EngineRestarted)) this.ports.notify('error', `history check: ${(e as Error).message}`);
    } finally {
      resume();
      this.checking = false;
      this.host.requestUpdate();
      if (this.#again) {
        this.#again = false;
        void this.run();
      }
    }
  }
}
