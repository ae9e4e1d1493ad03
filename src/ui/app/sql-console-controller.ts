/** The SQL console's statement on the page's side: the one running, its result or why it failed. */
import type { ReactiveControllerHost } from 'lit';
import type { Side } from '../../engine/vocabulary.ts';
import type { QueryResult } from '../../worker/protocol.ts';

/** What the console needs from the page. */
export interface SqlConsolePorts {
  /** Runs one statement (the client's watchdog cancels a runaway one). */
  query(side: Side, sql: string): Promise<QueryResult>;
  /** A statement changed data: the schema and the state are read again. */
  changed(): Promise<void>;
}

/** The last console statement. */
export class SqlConsoleController {
  /** The last statement's result, or null. */
  result: QueryResult | null = null;
  /** Why the last statement failed ("query cancelled", "ATTACH is not allowed…"), or null. */
  error: string | null = null;
  /** A statement is running. */
  running = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly ports: SqlConsolePorts,
  ) {
  }

  /** Runs a console statement; a runaway one is cancelled by the watchdog. */
  async run(side: Side, sql: string): Promise<void> {
    this.running = true;
    this.error = null;
    this.host.requestUpdate();
    try {
      this.result = await this.ports.query(side, sql);
      if (this.result.kind === 'write') await this.ports.changed();
    } catch (e) {
      this.result = null;
      this.error = (e as Error).message;
    } finally {
      this.running = false;
      this.host.requestUpdate();
    }
  }

  /** Drops the last result (another rehearsal is open). */
  clearResult(): void {
    this.result = null;
  }
}
