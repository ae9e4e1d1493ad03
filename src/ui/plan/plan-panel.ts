/**
 * The Plan panel: record what the user does into a rehearsal plan, load a plan (file picker, or a
 * .json dropped on the panel), replay it with Step / Continue / Stop from a seed, each step's gate
 * verdicts shown as it ends (✓ or ✗, measured against threshold), the current step marked
 * `aria-current="step"`; export the plan and the run's report (JSON, Markdown). It renders the
 * controller's view (plan-controller.ts) and sends every command up as a `cl-plan` event.
 *
 * @fires cl-plan - a command: record, stop-recording, load ({ name, text }), unreadable ({ name, why }), seed ({ seed }), step, continue, stop, export-plan, export-report, export-runbook
 * @csspart steps - the list of the plan's steps
 * @csspart problems - why a plan could not be loaded
 * @cssproperty --cl-ok - a gate that held
 * @cssproperty --cl-bad - a gate that did not hold, a failed step, the problems
 * @cssproperty --cl-accent - the current step
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import type { GateVerdict, PlanStepInfo, StepReport } from '../../worker/protocol.ts';
import { shared } from '../theme.ts';
import { figuresText, verdictText } from './format.ts';
import type { PlanView } from './plan-controller.ts';
import { planPanelStyles } from './plan-panel.styles.ts';

/** The commands the panel sends up. */
export type PlanCommand =
  | { readonly command: 'record' | 'stop-recording' | 'step' | 'continue' | 'stop' | 'export-plan' | 'export-report' | 'export-runbook' }
  | { readonly command: 'load'; readonly name: string; readonly text: string }
  | { readonly command: 'unreadable'; readonly name: string; readonly why: string }
  | { readonly command: 'seed'; readonly seed: number };

/** Largest plan file read (the validator's own limit is a million characters). */
const MAX_FILE_BYTES = 4_000_000;

/** The Plan panel. */
export class ClPlanPanel extends LitElement {
  static override properties = {
    view: { attribute: false },
    readOnly: { type: Boolean, attribute: 'read-only' },
    _dragging: { state: true },
  };

  /** What to show (the controller's view); null renders a placeholder. */
  declare view: PlanView | null;
  /** This tab is read-only: recording is off (nothing can be done to record); replay still works. */
  declare readOnly: boolean;
  declare private _dragging: boolean;

  constructor() {
    super();
    this.view = null;
    this.readOnly = false;
    this._dragging = false;
  }

  static override styles = [shared, planPanelStyles];

  override updated(): void {
    // The current step stays in sight inside the list as the replay moves on (the page does not scroll).
    const list = this.renderRoot.querySelector<HTMLElement>('ol.steps');
    const step = list?.querySelector<HTMLElement>('li[aria-current="step"]');
    if (!list || !step) return;
    const top = step.offsetTop - list.offsetTop;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (top + step.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = top + step.offsetHeight - list.clientHeight;
  }

  #send(detail: PlanCommand): void {
    this.dispatchEvent(new CustomEvent('cl-plan', { detail, bubbles: true, composed: true }));
  }

  override render(): TemplateResult {
    const v = this.view;
    if (!v) return html`<p class="muted">No rehearsal is open.</p>`;
    return html`<div
      class="drop ${this._dragging ? 'dragging' : ''}"
      @dragenter=${this.handleDragOver}
      @dragover=${this.handleDragOver}
      @dragleave=${this.handleDragLeave}
      @drop=${this.handleDrop}
    >
      ${this.renderRecord(v)} ${this.renderLoad(v)} ${v.problems ? this.renderProblems(v.problems) : nothing} ${v.loaded ? this.renderReplay(v) : nothing}
    </div>`;
  }

  private renderRecord(v: PlanView): TemplateResult {
    const blocked = this.readOnly ? 'This tab is read-only: another tab holds the rehearsal for writing.' : v.recordBlocked;
    return html`<div class="row">
      ${v.recording
        ? html`<button type="button" class="danger" aria-pressed="true" @click=${() => this.#send({ command: 'stop-recording' })}>Stop recording</button>
            <span class="recording" role="status">● Recording: ${v.recordedSteps} ${v.recordedSteps === 1 ? 'step' : 'steps'} so far</span>`
        : html`<button type="button" aria-pressed="false" ?disabled=${blocked !== null} aria-describedby=${blocked ? 'record-note' : nothing} @click=${() => this.#send({ command: 'record' })}>Record</button>
            <span class="muted" id="record-note">${blocked ?? 'Records phase moves, workload, faults, crashes and actions into a plan.'}</span>`}
    </div>`;
  }

  private renderLoad(v: PlanView): TemplateResult {
    const busy = v.busy !== null;
    return html`<div class="row">
      <label class="file">
        <input type="file" accept=".json,application/json" ?disabled=${busy} @change=${this.handleFile} />
        <span>Load a plan…</span>
      </label>
      <span class="muted">or drop a .json file here</span>
      <label class="seed">Seed <input type="number" min="0" step="1" inputmode="numeric" .value=${String(v.seed)} ?disabled=${busy} @change=${this.handleSeed} @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && this.handleSeed(e)} /></label>
    </div>`;
  }

  private renderProblems(p: NonNullable<PlanView['problems']>): TemplateResult {
    return html`<div class="problems" part="problems" role="alert">
      <p><strong>${p.name}</strong> was not loaded: ${p.problems.length === 1 ? '1 problem' : `${p.problems.length} problems`} (nothing changed)</p>
      <ul>
        ${p.problems.map((x) => html`<li>${x.path ? html`<code>${x.path}</code>: ` : nothing}${x.message}</li>`)}
      </ul>
    </div>`;
  }

  private renderReplay(v: PlanView): TemplateResult {
    const loaded = v.loaded!;
    const ended = v.next === null;
    const busy = v.busy !== null;
    return html`
      <p class="title"><strong>${loaded.plan.title ?? loaded.name}</strong> <span class="muted">${loaded.name} · ${loaded.steps.length} steps · seed ${v.seed}</span></p>
      <div class="row controls" role="group" aria-label="Replay">
        <button type="button" class="primary" ?disabled=${busy || ended} @click=${() => this.#send({ command: 'step' })}>Step</button>
        <button type="button" ?disabled=${busy || ended} @click=${() => this.#send({ command: 'continue' })}>Continue</button>
        <button type="button" ?disabled=${ended || v.busy === 'stop' || v.busy === 'step' || (v.busy === null && v.results.length === 0)} @click=${() => this.#send({ command: 'stop' })}>Stop</button>
        <span class="muted" role="status" aria-live="polite">${this.progressText(v)}</span>
      </div>
      ${v.message ? html`<p class="message ${v.report && !v.report.ok ? 'bad' : ''}" role="status">${v.message}</p>` : nothing}
      <ol class="steps" part="steps" aria-label="Steps of the plan" tabindex="0">
        ${loaded.steps.map((s) => this.renderStep(s, v.results[s.index], v))}
      </ol>
      <div class="row exports" role="group" aria-label="Export">
        <button type="button" @click=${() => this.#send({ command: 'export-plan' })}>Export plan (JSON)</button>
        <button type="button" ?disabled=${!v.report} @click=${() => this.#send({ command: 'export-report' })}>Export report (JSON)</button>
        <button type="button" ?disabled=${!v.report} @click=${() => this.#send({ command: 'export-runbook' })}>Export runbook (Markdown)</button>
      </div>
    `;
  }

  private progressText(v: PlanView): string {
    const total = v.loaded?.steps.length ?? 0;
    const ran = v.results.filter(Boolean).length;
    if (v.busy === 'continue') return `Running… ${ran} of ${total} steps`;
    if (v.busy === 'step') return `Running step ${(v.next ?? 0) + 1}…`;
    if (v.busy === 'stop') return 'Stopping after the step running now…';
    if (v.next === null) return `Ended: ${ran} of ${total} steps ran`;
    return ran === 0 ? 'Nothing has run yet' : `${ran} of ${total} steps ran`;
  }

  private renderStep(s: PlanStepInfo, r: StepReport | undefined, v: PlanView): TemplateResult {
    const current = v.next === s.index;
    const status = !r ? (v.next === null ? 'not run' : current && v.busy ? 'running' : '') : r.status === 'failed' ? 'failed' : r.gates.some((g) => !g.held) ? 'gate failed' : 'done';
    const cls = !r ? 'pending' : status === 'done' ? 'ok' : 'bad';
    const figures = r ? figuresText(r) : null;
    return html`<li class="step ${cls} ${current ? 'current' : ''}" aria-current=${current ? 'step' : nothing} data-index=${s.index}>
      <div class="head"><span class="label">${s.label}</span>${status ? html`<span class="status">${status}</span>` : nothing}</div>
      ${r?.phaseBefore !== r?.phaseAfter && r ? html`<div class="muted small">${r.phaseBefore} → ${r.phaseAfter}</div>` : nothing}
      ${r?.problem ? html`<div class="problem">${r.problem}</div>` : nothing}
      ${figures ? html`<div class="muted small">${figures}</div>` : nothing}
      ${r && r.gates.length > 0 ? html`<ul class="gates" aria-label="Gates">${r.gates.map((g) => this.renderVerdict(g))}</ul>` : s.gates.length > 0 ? html`<ul class="gates pending" aria-label="Gates">${s.gates.map((g) => html`<li><span aria-hidden="true">·</span> ${g}</li>`)}</ul>` : nothing}
      ${r?.onFail ? html`<div class="problem">onFail: rolled back to ${r.onFail.step.to} — ${r.onFail.status}${r.onFail.problem ? ` (${r.onFail.problem})` : ''}</div>` : nothing}
    </li>`;
  }

  private renderVerdict(g: GateVerdict): TemplateResult {
    return html`<li class="verdict ${g.held ? 'held' : 'failed'}" data-gate=${g.gate} title=${g.why}>
      <span class="mark" aria-hidden="true">${g.held ? '✓' : '✗'}</span>
      <span class="visually-hidden">${g.held ? 'held:' : 'failed:'}</span>
      ${verdictText(g)}
    </li>`;
  }

  private handleDragOver(e: DragEvent): void {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    this._dragging = true;
  }

  private handleDragLeave(e: DragEvent): void {
    // Leaving for a child of the drop zone is not leaving it.
    if (e.relatedTarget instanceof Node && (e.currentTarget as Node).contains(e.relatedTarget)) return;
    this._dragging = false;
  }

  private handleDrop(e: DragEvent): void {
    e.preventDefault();
    this._dragging = false;
    const file = e.dataTransfer?.files[0];
    if (file) void this.#read(file);
  }

  private handleFile(e: Event): void {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    // The same file chosen again (after fixing it) must fire change again.
    if (file) void this.#read(file).finally(() => (input.value = ''));
  }

  private handleSeed(e: Event): void {
    const input = e.target as HTMLInputElement;
    const seed = Number(input.value);
    if (input.value.trim() === '' || !Number.isSafeInteger(seed) || seed < 0) {
      const typed = input.value;
      input.value = String(this.view?.seed ?? 1);
      this.#send({ command: 'unreadable', name: `seed "${typed}"`, why: 'the seed is a whole number from 0; it stays at the one before' });
      return;
    }
    this.#send({ command: 'seed', seed });
  }

  async #read(file: File): Promise<void> {
    if (file.size > MAX_FILE_BYTES) {
      this.#send({ command: 'unreadable', name: file.name, why: `the file is ${file.size.toLocaleString('en-US')} bytes; a plan is at most ${MAX_FILE_BYTES.toLocaleString('en-US')}` });
      return;
    }
    let text: string;
    try {
      text = await file.text();
    } catch (error) {
      this.#send({ command: 'unreadable', name: file.name, why: `the file could not be read: ${(error as Error).message}` });
      return;
    }
    this.#send({ command: 'load', name: file.name, text });
  }
}

if (!customElements.get('cl-plan-panel')) customElements.define('cl-plan-panel', ClPlanPanel);

declare global {
  interface HTMLElementTagNameMap {
    'cl-plan-panel': ClPlanPanel;
  }
  interface HTMLElementEventMap {
    'cl-plan': CustomEvent<PlanCommand>;
  }
}
