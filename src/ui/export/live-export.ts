/**
 * What the Export menu's items do: ask the worker for a side's `.sqlite` file or the scenario, or
 * gather the live report's values, and hand the result to the browser's download. One export at a
 * time per item; a failure is a notice, never a thrown error.
 */
import type { ReactiveControllerHost } from 'lit';
import { assertNever, type HistoryReport } from '../../engine/vocabulary.ts';
import type { EngineClient } from '../../worker/client.ts';
import type { EngineState } from '../../worker/protocol.ts';
import type { NoticeLevel } from '../app/notices.ts';
import type { ExportKind } from './export-menu.ts';
import { liveReport, liveReportJson, liveReportMarkdown } from './live-report.ts';

/** What exporting needs from the page. */
export interface LiveExportPorts {
  readonly client: EngineClient;
  /** The open rehearsal's state, or null. */
  state(): EngineState | null;
  /** The page's last history check, or null. */
  historyCheck(): HistoryReport | null;
  downloadText(name: string, type: string, text: string): void;
  downloadBytes(name: string, type: string, bytes: Uint8Array): void;
  notify(level: NoticeLevel, text: string): void;
  /** Now, as ISO 8601 (the report's date). */
  now?(): string;
}

/** The Export menu's controller. */
export class LiveExport {
  /** The export under way, if any. */
  busy: ExportKind | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly ports: LiveExportPorts,
  ) {}

  /** Why each item cannot be exported now (the menu shows the reason beside it). */
  unavailable(): Partial<Record<ExportKind, string>> {
    const state = this.ports.state();
    if (!state) return { old: 'no rehearsal is open', new: 'no rehearsal is open', scenario: 'no rehearsal is open', 'report-json': 'no rehearsal is open', 'report-md': 'no rehearsal is open' };
    return state.phase === 'old-dropped' ? { old: 'The old schema is dropped: restore the backup to export it.' } : {};
  }

  /** Runs one item of the menu. */
  async run(what: ExportKind): Promise<void> {
    const state = this.ports.state();
    if (!state || this.busy) return;
    this.busy = what;
    this.host.requestUpdate();
    try {
      switch (what) {
        case 'old':
        case 'new': {
          const file = await this.ports.client.call((api) => api.exportDatabase(what));
          this.ports.downloadBytes(file.fileName, 'application/vnd.sqlite3', file.bytes);
          const rows = Object.values(file.tables).reduce((a, b) => a + b, 0);
          this.ports.notify('info', `Exported ${file.fileName}: ${Object.keys(file.tables).length} tables, ${rows.toLocaleString('en-US')} rows, ${file.bytes.length.toLocaleString('en-US')} bytes.`);
          return;
        }
        case 'scenario': {
          const { scenario } = await this.ports.client.call((api) => api.shareable());
          this.ports.downloadText(`${fileSafe(scenario.id)}.scenario.json`, 'application/json', `${JSON.stringify(scenario, null, 2)}\n`);
          return;
        }
        case 'report-json':
        case 'report-md': {
          const [metrics, { seed }] = await Promise.all([this.ports.client.call((api) => api.metrics()), this.ports.client.call((api) => api.shareable())]);
          const report = liveReport({
            rehearsalId: state.rehearsalId,
            scenario: { id: state.scenario.id, title: state.scenario.title, labels: state.scenario.labels },
            seed,
            durability: state.durability,
            phase: state.phase,
            metrics,
            lastVerify: state.lastVerify,
            historyCheck: this.ports.historyCheck(),
            generatedAt: this.ports.now?.() ?? new Date().toISOString(),
          });
          const base = `${fileSafe(state.rehearsalId)}.report`;
          if (what === 'report-json') this.ports.downloadText(`${base}.json`, 'application/json', liveReportJson(report));
          else this.ports.downloadText(`${base}.md`, 'text/markdown', liveReportMarkdown(report));
          return;
        }
        default:
          return assertNever(what, 'export');
      }
    } catch (e) {
      this.ports.notify('error', `Export failed: ${(e as Error).message}`);
    } finally {
      this.busy = null;
      this.host.requestUpdate();
    }
  }
}

const fileSafe = (text: string): string => text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'rehearsal';
