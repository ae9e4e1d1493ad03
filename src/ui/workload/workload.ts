/**
 * The live workload: start and stop it, its rate, its concurrency and its operation mix (a weight
 * per operation of the scenario, with each operation's description as help). Every change is sent
 * at once, with the whole settings and whether the workload should be running.
 *
 * Edits are kept locally until the engine reports settings that differ from the ones it reported
 * before, so two quick edits do not undo each other while the first is on its way.
 *
 * @fires cl-workload - Start, Stop and every settings change ({ settings, running })
 * @csspart toggle - the Start / Stop button
 * @csspart rate - the operations-per-second controls
 * @csspart mix - the operation mix
 * @cssproperty --cl-accent - the slider
 * @cssproperty --cl-bad - an invalid mix
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { EngineState, WorkloadSettings } from '../../worker/protocol.ts';
import { fire } from '../events.ts';
import { shared } from '../theme.ts';
import { workloadStyles } from './workload.styles.ts';

/** Limits the engine clamps the workload settings to. */
export const WORKLOAD_LIMITS = {
  opsPerSecond: { min: 0.2, max: 500 },
  /** The slider covers the usual range; the number field takes the whole one. */
  slider: { min: 1, max: 200 },
  concurrency: { min: 1, max: 16 },
  weight: { min: 0, max: 1000 },
} as const;

const READ_ONLY_NOTE = 'This tab is read-only: another tab holds the rehearsal open for writing, so the workload runs there, not here.';

function sameSettings(a: WorkloadSettings, b: WorkloadSettings): boolean {
  const keys = new Set([...Object.keys(a.mix), ...Object.keys(b.mix)]);
  return a.opsPerSecond === b.opsPerSecond && a.concurrency === b.concurrency && [...keys].every((k) => (a.mix[k] ?? 0) === (b.mix[k] ?? 0));
}

function settingsOf(state: EngineState): WorkloadSettings {
  const mix: Record<string, number> = {};
  for (const op of state.scenario.operations) mix[op.name] = state.workload.mix[op.name] ?? 0;
  return { opsPerSecond: state.workload.opsPerSecond, concurrency: state.workload.concurrency, mix };
}

function clamp(n: number, limits: { readonly min: number; readonly max: number }): number {
  return Math.max(limits.min, Math.min(limits.max, n));
}

/** The live workload: start, stop, rate, concurrency and mix. */
export class ClWorkload extends LitElement {
  static override properties = {
    state: { attribute: false },
    _draft: { state: true },
  };

  /** The rehearsal as the engine last reported it; null renders a placeholder. */
  declare state: EngineState | null;
  /** The settings as edited here (the engine's until the person changes something). */
  declare private _draft: WorkloadSettings | null;

  /** The settings the engine reported last, to notice when they change. */
  #reported: WorkloadSettings | null = null;
  /** Settings sent and not yet reported back, oldest first. */
  #sent: WorkloadSettings[] = [];

  constructor() {
    super();
    this.state = null;
    this._draft = null;
  }

  static override styles = [shared, workloadStyles];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('state') || !this.state) return;
    const reported = settingsOf(this.state);
    const echo = this.#sent.findIndex((sent) => sameSettings(sent, reported));
    if (echo >= 0) {
      // The engine reports an edit made here: the draft may hold newer edits, which it keeps
      // (resetting it lost a quick second edit to the echo of the first).
      this.#sent.splice(0, echo + 1);
    } else if (this._draft === null || this.#reported === null || !sameSettings(reported, this.#reported)) {
      this._draft = reported;
      this.#sent = [];
    }
    this.#reported = reported;
  }

  override render(): TemplateResult {
    const state = this.state;
    const draft = this._draft;
    if (!state || !draft) return html`<p class="muted">No rehearsal is open.</p>`;
    const running = state.workload.running;
    const locked = state.readOnly;
    const describedBy = locked ? 'read-only-note' : nothing;
    const mixValid = Object.values(draft.mix).some((w) => w > 0);
    return html`
      ${locked ? html`<p class="note" id="read-only-note" role="note">${READ_ONLY_NOTE}</p>` : nothing}
      <div class="top">
        <button
          type="button"
          part="toggle"
          class=${running ? 'danger' : 'primary'}
          ?disabled=${locked || (!running && !mixValid)}
          aria-describedby=${locked ? 'read-only-note' : !mixValid ? 'mix-error' : nothing}
          @click=${this.handleToggle}
        >
          ${running ? 'Stop workload' : 'Start workload'}
        </button>
        <span role="status" class=${running ? 'running' : 'muted'}>${running ? `Running: ${draft.opsPerSecond} operations/s, ${draft.concurrency} at once` : 'Stopped'}</span>
      </div>
      <div class="fields">
        <div class="field" part="rate">
          <label for="ops">Operations per second</label>
          <div class="pair">
            <input
              id="ops-slider"
              type="range"
              aria-label="Operations per second (slider)"
              min=${WORKLOAD_LIMITS.slider.min}
              max=${WORKLOAD_LIMITS.slider.max}
              step="1"
              .value=${String(clamp(draft.opsPerSecond, WORKLOAD_LIMITS.slider))}
              ?disabled=${locked}
              aria-describedby=${describedBy}
              @change=${this.handleOpsPerSecond}
            />
            <input
              id="ops"
              type="number"
              min=${WORKLOAD_LIMITS.opsPerSecond.min}
              max=${WORKLOAD_LIMITS.opsPerSecond.max}
              step="any"
              .value=${String(draft.opsPerSecond)}
              ?disabled=${locked}
              aria-describedby=${describedBy}
              @change=${this.handleOpsPerSecond}
            />
          </div>
        </div>
        <div class="field">
          <label for="concurrency">Operations in flight at once</label>
          <input
            id="concurrency"
            type="number"
            min=${WORKLOAD_LIMITS.concurrency.min}
            max=${WORKLOAD_LIMITS.concurrency.max}
            step="1"
            .value=${String(draft.concurrency)}
            ?disabled=${locked}
            aria-describedby=${describedBy}
            @change=${this.handleConcurrency}
          />
        </div>
      </div>
      ${this.renderMix(state, draft, mixValid)}
    `;
  }

  private renderMix(state: EngineState, draft: WorkloadSettings, mixValid: boolean): TemplateResult {
    const total = Object.values(draft.mix).reduce((sum, w) => sum + w, 0);
    return html`
      <fieldset part="mix" ?disabled=${state.readOnly}>
        <legend>Operation mix (relative weights)</legend>
        <ul>
          ${state.scenario.operations.map((op, i) => {
            const weight = draft.mix[op.name] ?? 0;
            const share = total > 0 ? Math.round((weight / total) * 100) : 0;
            return html`<li>
              <label for="weight-${i}"><code>${op.name}</code> <span class="kind">${op.kind}</span></label>
              <span class="pair">
                <input
                  id="weight-${i}"
                  type="number"
                  data-operation=${op.name}
                  min=${WORKLOAD_LIMITS.weight.min}
                  max=${WORKLOAD_LIMITS.weight.max}
                  step="any"
                  .value=${String(weight)}
                  aria-describedby="help-${i}"
                  @change=${(e: Event) => this.handleWeight(op.name, e)}
                />
                <span class="share">${share} %</span>
              </span>
              <p class="help muted" id="help-${i}">${op.description || `A ${op.kind} operation.`}</p>
            </li>`;
          })}
        </ul>
        ${mixValid ? nothing : html`<p class="error" id="mix-error" role="alert">Give at least one operation a weight above 0: the workload has nothing to run.</p>`}
      </fieldset>
    `;
  }

  private handleToggle(): void {
    const draft = this._draft;
    if (!draft || !this.state) return;
    // A mix with nothing to run is never sent: stopping then keeps the engine's settings.
    const settings = Object.values(draft.mix).some((w) => w > 0) ? draft : settingsOf(this.state);
    fire(this, 'cl-workload', { settings, running: !this.state.workload.running });
  }

  private handleOpsPerSecond(e: Event): void {
    const value = this.#readNumber(e, this._draft?.opsPerSecond, WORKLOAD_LIMITS.opsPerSecond);
    if (value !== undefined) this.#apply({ opsPerSecond: value });
  }

  private handleConcurrency(e: Event): void {
    const value = this.#readNumber(e, this._draft?.concurrency, WORKLOAD_LIMITS.concurrency);
    if (value !== undefined) this.#apply({ concurrency: Math.round(value) });
  }

  private handleWeight(operation: string, e: Event): void {
    const value = this.#readNumber(e, this._draft?.mix[operation], WORKLOAD_LIMITS.weight);
    if (value !== undefined && this._draft) this.#apply({ mix: { ...this._draft.mix, [operation]: value } });
  }

  /** The number typed into the event's input, clamped; undefined (and the old value put back) when it is not a number. */
  #readNumber(e: Event, previous: number | undefined, limits: { readonly min: number; readonly max: number }): number | undefined {
    const input = e.target as HTMLInputElement;
    const n = Number(input.value);
    if (input.value.trim() === '' || !Number.isFinite(n)) {
      input.value = String(previous ?? '');
      return undefined;
    }
    const value = clamp(n, limits);
    input.value = String(value);
    return value;
  }

  /** Updates the draft and sends it, unless the mix has nothing to run (the engine would refuse it). */
  #apply(change: Partial<WorkloadSettings>): void {
    if (!this._draft || !this.state) return;
    const next: WorkloadSettings = { ...this._draft, ...change };
    this._draft = next;
    if (!Object.values(next.mix).some((w) => w > 0)) return;
    this.#sent.push(next);
    fire(this, 'cl-workload', { settings: next, running: this.state.workload.running });
  }
}

if (!customElements.get('cl-workload')) customElements.define('cl-workload', ClWorkload);

declare global {
  interface HTMLElementTagNameMap {
    'cl-workload': ClWorkload;
  }
}
