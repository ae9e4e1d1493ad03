/**
 * The rollback dialog on the page's side: the plan it shows, the refusal or error to show inside
 * it (the page behind a modal dialog is inert, so a notice there would go unseen), and whether an
 * action the user asked for is still running, which the dialog waits on.
 */
import type { ReactiveControllerHost } from 'lit';
import type { Phase, RollbackPlan } from '../../engine/vocabulary.ts';
import type { EngineState } from '../../worker/protocol.ts';
import type { NoticeLevel } from './notices.ts';

/** What the rollback dialog needs from the page. */
export interface RollbackPlanPorts {
  /** Plans a rollback to `to` (`api.planRollback`). */
  plan(to: Phase): Promise<RollbackPlan>;
  notify(level: NoticeLevel, text: string): void;
}

const copying = (s: EngineState | null): boolean => s?.backfill.status === 'running' || s?.reverseSync.status === 'running';

/** The open rollback plan, its message, and the page's busy flag. */
export class RollbackPlanController {
  /** The plan the dialog shows; null closes it. */
  plan: RollbackPlan | null = null;
  /** A refusal or error reported while the dialog is open (shown inside it). */
  message: string | null = null;
  /** True while an action the user asked for runs (the rollback dialog waits on it). */
  busy = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly ports: RollbackPlanPorts,
  ) {
  }

  /** Fetches the plan back to `to`, which opens the dialog. */
  async show(to: Phase): Promise<void> {
    this.message = null;
    this.plan = await this.ports.plan(to);
  }

  /** A remedy was started from the dialog: the open plan is counted again. */
  async recount(): Promise<void> {
    if (this.plan) this.plan = await this.ports.plan(this.plan.to);
  }

  /** The dialog closed (or the move it planned is done). */
  close(): void {
    this.plan = null;
    this.message = null;
    this.host.requestUpdate();
  }

  /** Clears the message (a new action from the dialog starts). */
  clearMessage(): void {
    this.message = null;
  }

  /** A notice about something the dialog asked for: shown in the dialog too, if it is open. */
  report(level: NoticeLevel, text: string): void {
    if (this.plan && level !== 'info') this.message = text;
    this.ports.notify(level, text);
  }

  /** The engine reported a new state: a remedy started from the dialog that has ended changes the counts. */
  stateChanged(before: EngineState | null, after: EngineState): void {
    if (copying(before) && !copying(after) && this.plan) void this.refresh();
  }

  /** Counts the hazards of the open plan again (a restart or a finished remedy may have changed them). */
  async refresh(): Promise<void> {
    const to = this.plan?.to;
    if (!to) return;
    try {
      const plan = await this.ports.plan(to);
      if (this.plan?.to === to) {
        this.plan = plan;
        this.message = null; // about the counts just replaced
      }
    } catch {
      // A restart is in progress; the dialog keeps the plan it has.
    }
    this.host.requestUpdate();
  }

  /** Runs `fn` with `busy` set. */
  async whileBusy(fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.host.requestUpdate();
    try {
      await fn();
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  }
}
