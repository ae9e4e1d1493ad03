/**
 * What the panels show beside the state: the metrics, read every second while a rehearsal is open
 * and the page is visible (with the state too while something runs), and both sides' schemas,
 * read when they may have changed.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { MetricsSnapshot } from '../../engine/vocabulary.ts';
import type { EngineState, SchemaInfo } from '../../worker/protocol.ts';

/** What the figures need from the page. */
export interface FiguresPorts {
  /** The rehearsal as the engine last reported it, or null. */
  state(): EngineState | null;
  metrics(): Promise<MetricsSnapshot>;
  schema(): Promise<SchemaInfo>;
  /** Reads the engine's state and takes it. */
  refreshState(): Promise<void>;
}

/** How often the figures are read. */
const POLL_MS = 1000;

/** The metrics and the schema of the open rehearsal. */
export class FiguresController implements ReactiveController {
  metrics: MetricsSnapshot | null = null;
  /** Null until read, or when it could not be. */
  schema: SchemaInfo | null = null;
  #poll: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly ports: FiguresPorts,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.#poll = setInterval(() => void this.refresh(), POLL_MS);
  }

  hostDisconnected(): void {
    clearInterval(this.#poll);
  }

  /** Reads the metrics, and the state while the workload or a copy pass runs. */
  async refresh(): Promise<void> {
    if (!this.ports.state() || document.hidden) return;
    try {
      this.metrics = await this.ports.metrics();
      const state = this.ports.state();
      if (!state) return; // closed meanwhile
      if (!state.workload.running && state.backfill.status !== 'running' && state.reverseSync.status !== 'running') {
        this.host.requestUpdate();
        return;
      }
      await this.ports.refreshState();
    } catch {
      // A restart is in progress; the next tick tries again.
    }
  }

  /** Reads both sides' schemas again. */
  async refreshSchema(): Promise<void> {
    try {
      this.schema = await this.ports.schema();
    } catch {
      this.schema = null;
    }
  }
}
