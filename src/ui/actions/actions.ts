/**
 * The migration's actions: backfill (old → new) and reverse-sync (new → old) with their progress
 * and controls, verify with its last summary, and dropping the old schema with what the drop
 * would lose.
 *
 * @fires cl-copy - Start, Pause, Resume, Cancel ({ action, command }) and a new batch size ({ action, command: { batchSize } })
 * @fires cl-verify - Verify
 * @fires cl-move-phase - Drop old schema ({ to: 'old-dropped', options: {} })
 * @fires cl-show-consistency - "Show them in Consistency" beside the records a drop would lose; detail {}
 * @csspart copy - the backfill and the reverse-sync sections
 * @csspart progress - each pass's <progress> bar
 * @csspart verify - the verify section
 * @csspart drop - the drop section
 * @cssproperty --cl-accent - the progress bars
 * @cssproperty --cl-ok - a clean verify
 * @cssproperty --cl-warn - warnings and an out-of-date verify
 * @cssproperty --cl-bad - errors and records a drop would lose
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import type { CopyProgress, VerifySummary } from '../../engine/vocabulary.ts';
import type { EngineState } from '../../worker/protocol.ts';
import { fire } from '../events.ts';
import { shared } from '../theme.ts';
import { actionsStyles } from './actions.styles.ts';
import { commandApplies, dirtyText, formatEta, formatRate, statusText, type CopyCommand } from './format.ts';

type CopyAction = CopyProgress['action'];

/** Limits the engine clamps a batch size to. */
const BATCH_MIN = 1;
const BATCH_MAX = 10_000;

const READ_ONLY_NOTE = 'This tab is read-only: another tab holds the rehearsal open for writing, so nothing can be started or changed here.';

/** Backfill and reverse-sync with their progress, verify, and the drop of the old schema. */
export class ClActions extends LitElement {
  static override properties = {
    state: { attribute: false },
  };

  /** The rehearsal as the engine last reported it; null renders a placeholder. */
  declare state: EngineState | null;

  constructor() {
    super();
    this.state = null;
  }

  static override styles = [shared, actionsStyles];

  override render(): TemplateResult {
    const state = this.state;
    if (!state) return html`<p class="muted">No rehearsal is open.</p>`;
    return html`
      ${state.readOnly ? html`<p class="note" id="read-only-note" role="note">${READ_ONLY_NOTE}</p>` : nothing}
      ${this.renderCopy(state, state.backfill, false)} ${this.renderCopy(state, state.reverseSync, true)} ${this.renderVerify(state)} ${this.renderDrop(state)}
    `;
  }

  private renderCopy(state: EngineState, p: CopyProgress, compact: boolean): TemplateResult {
    const action = p.action;
    const name = action === 'backfill' ? 'Backfill' : 'Reverse-sync';
    const [from, to] = action === 'backfill' ? (['old', 'new'] as const) : (['new', 'old'] as const);
    const unavailable = state.phase === 'old-dropped';
    const locked = state.readOnly || unavailable;
    const describedBy = state.readOnly ? 'read-only-note' : unavailable ? `${action}-unavailable` : nothing;
    const percent = p.total > 0 ? Math.min(100, Math.floor((p.processed / p.total) * 100)) : p.status === 'done' ? 100 : 0;
    const button = (command: CopyCommand, label: TemplateResult | string): TemplateResult =>
      html`<button
        type="button"
        class=${command === 'start' ? 'primary' : ''}
        data-command=${command}
        ?disabled=${locked || !commandApplies(command, p.status)}
        aria-describedby=${describedBy}
        @click=${() => this.handleCopy(action, command)}
      >
        ${label}
      </button>`;
    return html`
      <section part="copy" aria-labelledby="${action}-title" data-action=${action}>
        <div class="title">
          <h3 id="${action}-title">${name}</h3>
          <span class="muted">${state.scenario.labels[from]} → ${state.scenario.labels[to]}</span>
          <span class="status">${statusText(p)}</span>
        </div>
        ${unavailable
          ? html`<p class="muted" id="${action}-unavailable">Not available: the old schema is dropped. Restore the backup to copy again.</p>`
          : nothing}
        ${action === 'backfill' && state.phase === 'old-only' && commandApplies('start', p.status)
          ? html`<p class="warning">Started in old-only, a backfill misses records written to old after its cursor passes them: run it (again) from dual-write on.</p>`
          : nothing}
        <div class="bar">
          <label for="${action}-progress">Progress</label>
          <progress part="progress" id="${action}-progress" max=${Math.max(1, p.total)} .value=${p.total > 0 ? Math.min(p.processed, p.total) : percent / 100}></progress>
          <span class="count">${p.processed} / ${p.total}</span>
        </div>
        <dl class="figures">
          <div><dt>Processed</dt><dd>${p.processed} of ${p.total} (${percent} %)</dd></div>
          ${compact
            ? nothing
            : html`<div><dt>Copied</dt><dd>${p.copied}</dd></div>
                <div><dt>Skipped</dt><dd>${p.skipped}</dd></div>
                <div><dt>Removed</dt><dd>${p.removed}</dd></div>`}
          <div><dt>Rate</dt><dd class="rate">${formatRate(p.rate)}</dd></div>
          <div><dt>Left</dt><dd class="eta">${formatEta(p.etaSeconds)}</dd></div>
          ${compact ? html`<div><dt>Copied / skipped / removed</dt><dd>${p.copied} / ${p.skipped} / ${p.removed}</dd></div>` : nothing}
        </dl>
        ${p.warning ? html`<p class="warning">${p.warning}</p>` : nothing} ${p.error ? html`<p class="error" role="alert">${p.error}</p>` : nothing}
        <div class="buttons">
          ${button('start', `Start ${action}`)} ${button('pause', `Pause ${action}`)}
          ${button('resume', html`Resume<span class="visually-hidden"> ${action}</span>`)} ${button('cancel', html`Cancel<span class="visually-hidden"> ${action}</span>`)}
          <span class="batch">
            <label for="${action}-batch">Batch size</label>
            <input
              id="${action}-batch"
              type="number"
              inputmode="numeric"
              min=${BATCH_MIN}
              max=${BATCH_MAX}
              step="1"
              .value=${String(p.batchSize)}
              ?disabled=${locked}
              aria-describedby=${describedBy}
              @change=${(e: Event) => this.handleBatchSize(action, e)}
            />
          </span>
        </div>
      </section>
    `;
  }

  private renderVerify(state: EngineState): TemplateResult {
    return html`
      <section part="verify" aria-labelledby="verify-title">
        <div class="title"><h3 id="verify-title">Verify</h3></div>
        <p class="muted">Compares both sides record by record with the scenario's consistency queries, and through the application's own reads.</p>
        ${this.renderVerifySummary(state.lastVerify, state.control.divergenceEvents)}
        ${state.phase === 'new-only' && state.lastVerify?.phase === 'new-only' && !state.lastVerify.clean
          ? html`<p class="muted" id="verify-new-only">In new-only, writes go to new alone: records written since the cut-over differ until a reverse-sync copies them back. The history check (the badge) is what says whether one was lost.</p>`
          : nothing}
        ${state.phase === 'old-dropped'
          ? html`<p class="muted" id="verify-dropped">Old is dropped: there is nothing left to compare new with. The history check (the badge) holds every acknowledged write and starting record now.</p>`
          : nothing}
        <div class="buttons">
          <button type="button" ?disabled=${state.phase === 'old-dropped'} aria-describedby=${state.phase === 'old-dropped' ? 'verify-dropped' : nothing} @click=${this.handleVerify}>Verify</button>
        </div>
      </section>
    `;
  }

  private renderVerifySummary(v: VerifySummary | null, divergenceEvents: number): TemplateResult {
    if (!v) return html`<p class="verify-summary muted">Not verified yet.</p>`;
    const stale = v.divergenceEvents !== divergenceEvents;
    return html`
      <p class="verify-summary">
        ${v.clean ? html`<span class="clean">Clean: both sides agree.</span>` : html`<span class="dirty">${dirtyText(v)}</span>`}
        <span class="muted">Verified in ${v.phase}.</span>
        ${v.lostByDrop > 0 ? html`<span class="loss">Dropping old now would lose ${v.lostByDrop}.</span>` : nothing}
      </p>
      ${stale ? html`<p class="stale">Out of date: a failed second write, a crash or a rollback may have diverged the sides since.</p>` : nothing}
    `;
  }

  private renderDrop(state: EngineState): TemplateResult {
    const guard = state.nextGuard?.to === 'old-dropped' ? state.nextGuard : null;
    const lastBackup = state.control.backups[state.control.backups.length - 1];
    let body: TemplateResult;
    if (state.phase === 'old-dropped') {
      body = html`<p>The old schema is dropped${lastBackup ? html`; its backup is <code>${lastBackup}</code>` : nothing}. Restore the backup from the phase stepper to come back.</p>`;
    } else if (!guard) {
      body = html`<p class="muted" id="drop-help">Available from new-only (the rehearsal is in ${state.phase}).</p>`;
    } else {
      const lost = guard.recordsLost;
      body = html`
        <p id="drop-help">A backup snapshot of old is taken first, so the drop can be undone by restoring it.</p>
        <p class=${lost ? 'loss' : ''}>
          ${lost === undefined
            ? 'What the drop would lose is unknown until verify is current.'
            : lost === 0
              ? 'The last verify found no record that only old has: the drop loses nothing.'
              : `The drop would lose ${lost} ${lost === 1 ? 'record' : 'records'} that exist only in old, are newer there or were deleted there.`}
          ${lost ? html`<button type="button" class="link" @click=${this.handleShowConsistency}>Show them in Consistency</button>` : nothing}
        </p>
        ${guard.ok
          ? nothing
          : html`<p>Refused now:</p>
              <ul id="drop-refused">
                ${guard.reasons.map((r) => html`<li>${r}</li>`)}
              </ul>
              <p class="muted">Run backfill and verify, or accept the data loss in the phase stepper.</p>`}
      `;
    }
    const enabled = guard !== null && guard.ok && !state.readOnly;
    const describedBy = state.readOnly ? 'read-only-note' : guard && !guard.ok ? 'drop-refused' : state.phase === 'old-dropped' ? nothing : 'drop-help';
    return html`
      <section part="drop" aria-labelledby="drop-title">
        <div class="title"><h3 id="drop-title">Drop old schema</h3></div>
        ${body}
        <div class="buttons">
          <button type="button" class="danger" ?disabled=${!enabled} aria-describedby=${describedBy} @click=${this.handleDrop}>Drop old schema</button>
        </div>
      </section>
    `;
  }

  private handleShowConsistency(): void {
    this.dispatchEvent(new CustomEvent('cl-show-consistency', { detail: {}, bubbles: true, composed: true }));
  }

  private handleCopy(action: CopyAction, command: CopyCommand): void {
    fire(this, 'cl-copy', { action, command });
  }

  private handleBatchSize(action: CopyAction, e: Event): void {
    const input = e.target as HTMLInputElement;
    const n = Math.floor(Number(input.value));
    const current = action === 'backfill' ? this.state?.backfill.batchSize : this.state?.reverseSync.batchSize;
    if (input.value.trim() === '' || !Number.isFinite(n)) {
      input.value = String(current ?? '');
      return;
    }
    const batchSize = Math.max(BATCH_MIN, Math.min(BATCH_MAX, n));
    input.value = String(batchSize);
    fire(this, 'cl-copy', { action, command: { batchSize } });
  }

  private handleVerify(): void {
    fire(this, 'cl-verify', {});
  }

  private handleDrop(): void {
    fire(this, 'cl-move-phase', { to: 'old-dropped', options: {} });
  }
}

if (!customElements.get('cl-actions')) customElements.define('cl-actions', ClActions);

declare global {
  interface HTMLElementTagNameMap {
    'cl-actions': ClActions;
  }
}
