/** The messages in the page's corner: refused moves, errors, what a restart did. */
import type { ReactiveControllerHost } from 'lit';

/** How much a notice matters: errors stay until dismissed, the others go after a while. */
export type NoticeLevel = 'info' | 'warning' | 'error';

/** A message for the user (refused moves, errors, what a restart did). */
export interface Notice {
  readonly id: number;
  readonly level: NoticeLevel;
  readonly text: string;
}

/** How long an info or a warning stays. */
const SHOWN_MS = 8000;

/** The last few notices, each also recorded (as an event in the rehearsal's history). */
export class NoticesController {
  /** Shown oldest first; at most five. */
  list: readonly Notice[] = [];
  #lastId = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly record: (level: NoticeLevel, text: string) => void,
  ) {
  }

  /** Shows a message; errors stay until dismissed, others for a while. */
  notify(level: NoticeLevel, text: string): void {
    const notice = { id: ++this.#lastId, level, text };
    this.list = [...this.list.slice(-4), notice];
    this.record(level, text);
    if (level !== 'error') setTimeout(() => this.dismiss(notice.id), SHOWN_MS);
    this.host.requestUpdate();
  }

  /** Removes a notice (its × button, or its time is up). */
  dismiss(id: number): void {
    this.list = this.list.filter((n) => n.id !== id);
    this.host.requestUpdate();
  }
}
