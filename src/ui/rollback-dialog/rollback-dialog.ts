/**
 * A modal dialog over a rollback plan: each hazard with its count, severity, message and the
 * action that removes it; "Roll back" needs an explicit acceptance when the plan is blocked.
 *
 * The app owns `plan`: setting it opens the dialog, null closes it. Cancel and Escape close the
 * dialog themselves: they set `plan` to null and fire `cl-dialog-close`, so the app can forget
 * the plan too (clearing `plan` from outside fires nothing). "Roll back" and the remedy buttons only fire their events and leave
 * the dialog open: the app sets `busy` while it works, then sets `plan` to null (the move is done)
 * or to a fresh plan (a remedy changed the counts).
 *
 * While a remedy's copy pass runs (`copying`), its progress shows, and nothing else can be started
 * or rolled back: the counts would be out of date. Errors and refusals the app reports while the
 * dialog is open show inside it (`message`), since the page behind a modal dialog is inert.
 *
 * @fires cl-move-phase - Roll back ({ to: plan.to, options: { acceptHazards: plan.blocked } })
 * @fires cl-copy - the reverse-sync and backfill remedies ({ action, command: 'start' })
 * @fires cl-restore-backup - the restore-backup remedy
 * @fires cl-dialog-close - the dialog closed without rolling back (Cancel, Escape); detail {}
 * @csspart dialog - the <dialog>
 * @csspart hazard - one hazard
 * @csspart actions - the Cancel and Roll back buttons
 * @cssproperty --cl-bad - data hazards
 * @cssproperty --cl-warn - warning hazards
 * @cssproperty --cl-bg - the dialog's background
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { assertNever, type CopyProgress, type Hazard, type RollbackPlan } from '../../engine/vocabulary.ts';
import { fire } from '../events.ts';
import { dialogStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import { rollbackDialogStyles } from './rollback-dialog.styles.ts';

/** Fired when the dialog closes without a rollback (not in ClEventMap: only this dialog sends it). */
export const DIALOG_CLOSE = 'cl-dialog-close';

const READ_ONLY_NOTE = 'This tab is read-only: another tab holds the rehearsal open for writing.';

/** The modal dialog over a rollback plan: hazards, remedies and the rollback itself. */
export class ClRollbackDialog extends LitElement {
  static override properties = {
    plan: { attribute: false },
    busy: { type: Boolean, reflect: true },
    readOnly: { type: Boolean, attribute: 'read-only' },
    copying: { attribute: false },
    message: { attribute: false },
    _accepted: { state: true },
  };

  /** The plan to show; non-null opens the dialog, null closes it. */
  declare plan: RollbackPlan | null;
  /** The app is working on a rollback or a remedy: the buttons that change something are disabled. */
  declare busy: boolean;
  /** This tab is read-only (EngineState.readOnly): nothing can be changed from here. */
  declare readOnly: boolean;
  /** A backfill or reverse-sync pass in progress (the plan is fetched again when it ends), or null. */
  declare copying: CopyProgress | null;
  /** The latest refusal or error while the dialog is open, or null. */
  declare message: string | null;
  /** "I accept that these writes become unreadable", required when the plan is blocked. */
  declare private _accepted: boolean;

  /** Where focus was before the dialog opened, to return it there. */
  #returnFocus: HTMLElement | null = null;

  constructor() {
    super();
    this.plan = null;
    this.busy = false;
    this.readOnly = false;
    this.copying = null;
    this.message = null;
    this._accepted = false;
  }

  static override styles = [shared, dialogStyles, rollbackDialogStyles];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('plan')) this._accepted = false;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('plan')) return;
    const dialog = this.renderRoot.querySelector('dialog');
    if (!dialog) return;
    if (this.plan && !dialog.open) {
      this.#returnFocus = deepActiveElement();
      dialog.showModal();
      // Cancel is the safe default: a stray Enter must not roll back.
      this.renderRoot.querySelector<HTMLButtonElement>('button[data-cancel]')?.focus();
    } else if (!this.plan && dialog.open) {
      dialog.close();
    }
  }

  override render(): TemplateResult {
    const plan = this.plan;
    return html`<dialog part="dialog" aria-labelledby="title" aria-busy=${this.busy ? 'true' : 'false'} @close=${this.handleClose}>
      ${plan ? this.renderPlan(plan) : nothing}
    </dialog>`;
  }

  private renderPlan(plan: RollbackPlan): TemplateResult {
    const locked = this.busy || this.readOnly || this.copying !== null;
    const fromDropped = plan.from === 'old-dropped';
    const canRollBack = !locked && !fromDropped && (!plan.blocked || this._accepted);
    return html`
      <h2 id="title">Roll back from <code>${plan.from}</code> to <code>${plan.to}</code></h2>
      ${this.readOnly ? html`<p class="blocked" id="read-only-note" role="note">${READ_ONLY_NOTE}</p>` : nothing}
      ${plan.hazards.length === 0
        ? html`<p>No hazards found: no acknowledged write becomes unreadable.</p>`
        : html`<p>${plan.hazards.length === 1 ? 'One hazard' : `${plan.hazards.length} hazards`} if the rollback runs now:</p>
            <ul>
              ${plan.hazards.map((h) => this.renderHazard(h, locked))}
            </ul>`}
      ${fromDropped
        ? html`<p class="blocked" id="why-not">The old schema is dropped: restore the backup first; rolling back further starts from new-only.</p>`
        : plan.blocked
          ? html`<p class="blocked">Blocked: run the remedies first, or accept the loss.</p>
              <label class="accept">
                <input type="checkbox" .checked=${this._accepted} ?disabled=${locked} @change=${this.handleAccept} />
                <span>I accept that these writes become unreadable</span>
              </label>`
          : nothing}
      <p class="copying">${this.copying ? copyingText(this.copying) : ''}</p>
      <p class="working" role="status">${this.busy ? 'Working…' : this.copying ? `${this.copying.action === 'backfill' ? 'Backfill' : 'Reverse-sync'} running.` : ''}</p>
      <p class="message" role="alert">${this.message ?? ''}</p>
      <div class="actions" part="actions">
        <button type="button" data-cancel @click=${this.handleCancel}>Cancel</button>
        <button
          type="button"
          class=${plan.blocked ? 'danger' : 'primary'}
          ?disabled=${!canRollBack}
          aria-describedby=${fromDropped ? 'why-not' : this.readOnly ? 'read-only-note' : nothing}
          @click=${this.handleRollBack}
        >
          Roll back
        </button>
      </div>
    `;
  }

  private renderHazard(hazard: Hazard, locked: boolean): TemplateResult {
    const data = hazard.severity === 'data';
    return html`<li part="hazard" class=${hazard.severity}>
      <div class="head">
        <span class="severity">${data ? 'Data: writes become unreadable' : 'Warning: work to redo'}</span>
        <span class="count">${hazard.count} ${hazard.count === 1 ? 'record' : 'records'}</span>
      </div>
      <p>${hazard.message}</p>
      ${this.renderRemedy(hazard, locked)}
    </li>`;
  }

  private renderRemedy(hazard: Hazard, locked: boolean): TemplateResult | typeof nothing {
    const remedy = hazard.remedy;
    if (remedy === null) return nothing;
    switch (remedy) {
      case 'reverse-sync':
        return html`<button type="button" ?disabled=${locked} @click=${() => fire(this, 'cl-copy', { action: 'reverse-sync', command: 'start' })}>Run reverse-sync</button>`;
      case 'backfill':
        return html`<button type="button" ?disabled=${locked} @click=${() => fire(this, 'cl-copy', { action: 'backfill', command: 'start' })}>Run backfill</button>`;
      case 'restore-backup':
        return html`<button type="button" ?disabled=${locked} @click=${() => fire(this, 'cl-restore-backup', {})}>Restore backup</button>`;
      default:
        return assertNever(remedy, 'remedy');
    }
  }

  private handleAccept(e: Event): void {
    this._accepted = (e.target as HTMLInputElement).checked;
  }

  private handleRollBack(): void {
    const plan = this.plan;
    if (!plan) return;
    fire(this, 'cl-move-phase', { to: plan.to, options: { acceptHazards: plan.blocked } });
  }

  private handleCancel(): void {
    this.#dismiss();
  }

  /** The dialog's `close` event: after Escape (the dialog closed itself), or once `plan` went null. */
  private handleClose(): void {
    const returnTo = this.#returnFocus;
    this.#returnFocus = null;
    if (returnTo?.isConnected) returnTo.focus();
    this.#dismiss();
  }

  /** Forgets the plan (which closes the dialog) and tells the app, unless the app cleared it already. */
  #dismiss(): void {
    if (this.plan === null) return;
    this.plan = null;
    this.dispatchEvent(new CustomEvent(DIALOG_CLOSE, { detail: {}, bubbles: true, composed: true }));
  }
}

/** One line on a running remedy. */
function copyingText(p: CopyProgress): string {
  const what = p.action === 'backfill' ? 'Backfill' : 'Reverse-sync';
  const done = p.total > 0 ? ` ${Math.min(100, Math.round((p.processed / p.total) * 100))} % (${p.processed.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} records)` : '';
  return `${what} running${done}${p.status === 'paused' ? ', paused' : ''}: the hazards are counted again when it ends.`;
}

/** The focused element, looking inside open shadow roots. */
function deepActiveElement(): HTMLElement | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement ? active : null;
}

if (!customElements.get('cl-rollback-dialog')) customElements.define('cl-rollback-dialog', ClRollbackDialog);

declare global {
  interface HTMLElementTagNameMap {
    'cl-rollback-dialog': ClRollbackDialog;
  }
  interface HTMLElementEventMap {
    'cl-dialog-close': CustomEvent<Record<string, never>>;
  }
}
