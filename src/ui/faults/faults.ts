/**
 * Failures to inject: arm any fault kind (errors, busy, latency, storage quota, a crash at a named
 * point, a damaged next snapshot), see and remove the armed ones, crash now, damage the newest snapshot, and choose the
 * durability mode.
 *
 * Arming and removing send the whole new list (the engine replaces its faults with it, so the
 * ones kept start over: their fired counts and busy counters reset).
 *
 * @fires cl-faults - arming or removing ({ faults: FaultSpec[] }, without ids)
 * @fires cl-crash-now - Crash now
 * @fires cl-corrupt-snapshot - Corrupt snapshot ({ corruption })
 * @fires cl-durability - a durability mode chosen ({ durability })
 * @csspart crash - the Crash now section
 * @csspart arm - the form that arms a fault
 * @csspart armed - the list of armed faults
 * @csspart snapshot - the Corrupt snapshot section
 * @csspart durability - the durability section
 * @cssproperty --cl-bad - Crash now and destructive buttons
 * @cssproperty --cl-old - the old side's label
 * @cssproperty --cl-new - the new side's label
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import { CORRUPTIONS, CRASH_POINTS, DURABILITY_MODES, FAULT_KINDS, assertNever, type Corruption, type CrashPoint, type DurabilityMode, type FaultKind, type FaultSpec, type Side } from '../../engine/vocabulary.ts';
import type { EngineState } from '../../worker/protocol.ts';
import { fire } from '../events.ts';
import { shared } from '../theme.ts';
import { corruptionHelp, crashPointHelp, describeFault, durabilityHelp, faultKindHelp, toSpec } from './fault-texts.ts';
import { faultsStyles } from './faults.styles.ts';

/** When an armed fault fires: on a share of its chances, or the first time only. */
type Trigger = 'rate' | 'once';

const READ_ONLY_NOTE = 'This tab is read-only: another tab holds the rehearsal open for writing, so faults cannot be changed here.';

/** Faults to arm and remove, Crash now, snapshot damage and the durability mode. */
export class ClFaults extends LitElement {
  static override properties = {
    state: { attribute: false },
    _kind: { state: true },
    _side: { state: true },
    _operation: { state: true },
    _trigger: { state: true },
    _rate: { state: true },
    _times: { state: true },
    _latencyMs: { state: true },
    _point: { state: true },
    _corruption: { state: true },
    _armedCorruption: { state: true },
  };

  /** The rehearsal as the engine last reported it; null renders a placeholder. */
  declare state: EngineState | null;
  declare private _kind: FaultKind;
  /** The side hit; `both` leaves `side` out of the spec. */
  declare private _side: Side | 'both';
  /** One operation's name, or '' for every operation. */
  declare private _operation: string;
  declare private _trigger: Trigger;
  declare private _rate: number;
  declare private _times: number;
  declare private _latencyMs: number;
  /** A named crash point, or '' for whichever is reached first. */
  declare private _point: CrashPoint | '';
  /** Damage done now by "Corrupt snapshot". */
  declare private _corruption: Corruption;
  /** Damage of an armed `snapshot-corrupt` fault (to the next checkpoint). */
  declare private _armedCorruption: Corruption;

  constructor() {
    super();
    this.state = null;
    this._kind = 'write-error';
    this._side = 'new';
    this._operation = '';
    this._trigger = 'rate';
    this._rate = 0.1;
    this._times = 3;
    this._latencyMs = 200;
    this._point = 'between-writes';
    this._corruption = 'bit-flip';
    this._armedCorruption = 'bit-flip';
  }

  static override styles = [shared, faultsStyles];

  override render(): TemplateResult {
    const state = this.state;
    if (!state) return html`<p class="muted">No rehearsal is open.</p>`;
    return html`
      ${state.readOnly ? html`<p class="note" id="read-only-note" role="note">${READ_ONLY_NOTE}</p>` : nothing}
      ${this.renderCrash(state)} ${this.renderArmForm(state)} ${this.renderArmed(state)} ${this.renderSnapshot(state)} ${this.renderDurability(state)}
    `;
  }

  private describedBy(state: EngineState): string | typeof nothing {
    return state.readOnly ? 'read-only-note' : nothing;
  }

  private renderCrash(state: EngineState): TemplateResult {
    return html`<section class="crash" part="crash" aria-labelledby="crash-title">
      <h3 id="crash-title" class="visually-hidden">Crash</h3>
      <button type="button" class="crash-now" ?disabled=${state.readOnly} aria-describedby=${state.readOnly ? 'read-only-note' : 'crash-help'} @click=${this.handleCrashNow}>
        Crash now
      </button>
      <p id="crash-help" class="muted">Throws away everything in memory — both databases, queues, operations in flight — and recovers from IndexedDB only, as a killed tab would.</p>
    </section>`;
  }

  private renderArmForm(state: EngineState): TemplateResult {
    const kind = this._kind;
    const sided = kind === 'write-error' || kind === 'read-error' || kind === 'busy' || kind === 'latency';
    return html`<form part="arm" aria-labelledby="arm-title" @submit=${this.handleArm}>
      <h3 id="arm-title">Arm a fault</h3>
      <div class="fields">
        <div class="field">
          <label for="kind">Kind</label>
          <select id="kind" ?disabled=${state.readOnly} aria-describedby="kind-help" @change=${this.handleKind}>
            ${FAULT_KINDS.map((k) => html`<option value=${k} ?selected=${k === kind}>${k}</option>`)}
          </select>
        </div>
        ${sided ? this.renderSide(state) : nothing} ${sided ? this.renderOperation(state) : nothing} ${this.renderKindFields(state)}
      </div>
      <p id="kind-help" class="muted">${faultKindHelp(kind)}</p>
      <button type="submit" class="primary" ?disabled=${state.readOnly} aria-describedby=${this.describedBy(state)}>Arm fault</button>
    </form>`;
  }

  private renderSide(state: EngineState): TemplateResult {
    const sides: readonly (Side | 'both')[] = ['old', 'new', 'both'];
    return html`<div class="field">
      <label for="side">Side</label>
      <select id="side" ?disabled=${state.readOnly} @change=${this.handleSide}>
        ${sides.map((s) => html`<option value=${s} ?selected=${s === this._side}>${s === 'both' ? 'both sides' : `${s} (${state.scenario.labels[s]})`}</option>`)}
      </select>
    </div>`;
  }

  private renderOperation(state: EngineState): TemplateResult {
    const operations = this.#operationsFor(state);
    return html`<div class="field">
      <label for="operation">Operation</label>
      <select id="operation" ?disabled=${state.readOnly} @change=${this.handleOperation}>
        <option value="" ?selected=${this._operation === ''}>every operation</option>
        ${operations.map((op) => html`<option value=${op} ?selected=${op === this._operation}>${op}</option>`)}
      </select>
    </div>`;
  }

  /** The fields only some kinds have: trigger and rate, times, latency, crash point. */
  private renderKindFields(state: EngineState): TemplateResult | typeof nothing {
    const kind = this._kind;
    switch (kind) {
      case 'write-error':
      case 'read-error':
      case 'storage-quota':
        return this.renderTrigger(state);
      case 'latency':
        return html`<div class="field">
            <label for="latency">Added latency (ms)</label>
            <input id="latency" type="number" min="1" max="10000" step="1" .value=${String(this._latencyMs)} ?disabled=${state.readOnly} @change=${this.handleLatency} />
          </div>
          ${this.renderTrigger(state)}`;
      case 'busy':
        return html`<div class="field">
          <label for="times">Times in a row (k)</label>
          <input id="times" type="number" min="1" max="100" step="1" .value=${String(this._times)} ?disabled=${state.readOnly} @change=${this.handleTimes} />
        </div>`;
      case 'snapshot-corrupt':
        return html`<div class="field">
            <label for="armed-corruption">Damage</label>
            <select id="armed-corruption" ?disabled=${state.readOnly} aria-describedby="armed-corruption-help" @change=${this.handleArmedCorruption}>
              ${CORRUPTIONS.map((c) => html`<option value=${c} ?selected=${c === this._armedCorruption}>${c}</option>`)}
            </select>
            <span id="armed-corruption-help" class="muted">${corruptionHelp(this._armedCorruption)}</span>
          </div>
          ${this.renderTrigger(state)}`;
      case 'crash':
        return html`<div class="field">
            <label for="point">Crash point</label>
            <select id="point" ?disabled=${state.readOnly} aria-describedby="point-help" @change=${this.handlePoint}>
              ${CRASH_POINTS.map((p) => html`<option value=${p} ?selected=${p === this._point}>${p}</option>`)}
              <option value="" ?selected=${this._point === ''}>any point</option>
            </select>
            <span id="point-help" class="muted"
              >${this._point === '' ? 'at whichever crash point is reached first' : crashPointHelp(this._point)}. The engine recovers and goes on; a crash at a rate
              keeps crashing it.</span
            >
          </div>
          ${this.renderTrigger(state)}`;
      default:
        return assertNever(kind, 'fault kind');
    }
  }

  private renderTrigger(state: EngineState): TemplateResult {
    return html`<div class="field">
      <fieldset ?disabled=${state.readOnly}>
        <legend>Fires</legend>
        <label><input type="radio" name="trigger" value="rate" .checked=${this._trigger === 'rate'} @change=${this.handleTrigger} /> at a rate</label>
        <label><input type="radio" name="trigger" value="once" .checked=${this._trigger === 'once'} @change=${this.handleTrigger} /> once</label>
      </fieldset>
      ${this._trigger === 'rate'
        ? html`<label for="rate">Rate (0–1, chance per call)</label>
            <input id="rate" type="number" min="0" max="1" step="0.05" .value=${String(this._rate)} ?disabled=${state.readOnly} @change=${this.handleRate} />`
        : nothing}
    </div>`;
  }

  private renderArmed(state: EngineState): TemplateResult {
    const labels = state.scenario.labels;
    return html`<section part="armed" aria-labelledby="armed-title">
      <div class="row">
        <h3 id="armed-title">Armed faults (${state.faults.length})</h3>
        ${state.faults.length > 1
          ? html`<button type="button" ?disabled=${state.readOnly} aria-describedby=${this.describedBy(state)} @click=${this.handleRemoveAll}>Remove all</button>`
          : nothing}
      </div>
      ${state.faults.length === 0
        ? html`<p class="muted">None: every call succeeds unless something real goes wrong.</p>`
        : html`<ul>
            ${state.faults.map((f) => {
              const text = describeFault(f, labels);
              return html`<li data-fault-id=${f.id}>
                <span><code>${text}</code> <span class="fired muted">fired ${f.fired}×</span></span>
                <button type="button" ?disabled=${state.readOnly} aria-label="Remove ${text}" @click=${() => this.handleRemove(f.id)}>Remove</button>
              </li>`;
            })}
          </ul>`}
    </section>`;
  }

  private renderSnapshot(state: EngineState): TemplateResult {
    return html`<section part="snapshot" aria-labelledby="snapshot-title">
      <h3 id="snapshot-title">Corrupt the newest snapshot</h3>
      <p class="muted">Damages the newest snapshot already stored; recovery must notice and fall back a generation. Crash afterwards to see it cope.</p>
      <div class="row">
        <label for="corruption">Damage</label>
        <select id="corruption" ?disabled=${state.readOnly} aria-describedby="corruption-help" @change=${this.handleCorruption}>
          ${CORRUPTIONS.map((c) => html`<option value=${c} ?selected=${c === this._corruption}>${c}</option>`)}
        </select>
        <button type="button" class="danger" ?disabled=${state.readOnly} aria-describedby=${this.describedBy(state)} @click=${this.handleCorrupt}>Corrupt snapshot</button>
      </div>
      <p id="corruption-help" class="muted">${corruptionHelp(this._corruption)}</p>
    </section>`;
  }

  private renderDurability(state: EngineState): TemplateResult {
    return html`<section part="durability" aria-labelledby="durability-title">
      <h3 id="durability-title">Durability</h3>
      <div class="row">
        <label for="durability">Acknowledge writes</label>
        <select id="durability" ?disabled=${state.readOnly} aria-describedby="durability-help" @change=${this.handleDurability}>
          ${DURABILITY_MODES.map((m) => html`<option value=${m} ?selected=${m === state.durability}>${m}</option>`)}
        </select>
      </div>
      <p id="durability-help">${durabilityHelp(state.durability)} <span class="muted">The mode is fixed when the rehearsal opens: changing it reopens the rehearsal.</span></p>
      <dl>
        ${DURABILITY_MODES.map((m) => html`<dt>${m}</dt><dd>${durabilityHelp(m)}</dd>`)}
      </dl>
    </section>`;
  }

  /** The operations a fault of the chosen kind can name: writes for write errors, reads for read errors, all otherwise. */
  #operationsFor(state: EngineState): string[] {
    const access = this._kind === 'write-error' ? 'write' : this._kind === 'read-error' ? 'read' : null;
    return state.scenario.operations.filter((op) => access === null || op.kind === access).map((op) => op.name);
  }

  /** The spec the form describes now. */
  #spec(): FaultSpec {
    const kind = this._kind;
    const side = this._side === 'both' ? {} : { side: this._side };
    const operation = this._operation ? { operation: this._operation } : {};
    const trigger = this._trigger === 'once' ? { once: true } : { rate: this._rate };
    switch (kind) {
      case 'write-error':
      case 'read-error':
        return { kind, ...side, ...operation, ...trigger };
      case 'busy':
        return { kind, ...side, ...operation, times: this._times };
      case 'latency':
        return { kind, ...side, ...operation, latencyMs: this._latencyMs, ...trigger };
      case 'storage-quota':
        return { kind, ...trigger };
      case 'snapshot-corrupt':
        return { kind, corruption: this._armedCorruption, ...trigger };
      case 'crash':
        return { kind, ...(this._point ? { point: this._point } : {}), ...trigger };
      default:
        return assertNever(kind, 'fault kind');
    }
  }

  private handleArm(e: SubmitEvent): void {
    e.preventDefault();
    const state = this.state;
    if (!state || state.readOnly) return;
    fire(this, 'cl-faults', { faults: [...state.faults.map(toSpec), this.#spec()] });
  }

  private handleRemove(id: number): void {
    const state = this.state;
    if (!state) return;
    fire(this, 'cl-faults', { faults: state.faults.filter((f) => f.id !== id).map(toSpec) });
  }

  private handleRemoveAll(): void {
    fire(this, 'cl-faults', { faults: [] });
  }

  private handleCrashNow(): void {
    fire(this, 'cl-crash-now', {});
  }

  private handleCorrupt(): void {
    fire(this, 'cl-corrupt-snapshot', { corruption: this._corruption });
  }

  private handleDurability(e: Event): void {
    fire(this, 'cl-durability', { durability: (e.target as HTMLSelectElement).value as DurabilityMode });
  }

  private handleKind(e: Event): void {
    this._kind = (e.target as HTMLSelectElement).value as FaultKind;
    // A crash fires once unless asked otherwise: at a rate it keeps crashing the engine.
    if (this._kind === 'crash') this._trigger = 'once';
    if (this.state && this._operation && !this.#operationsFor(this.state).includes(this._operation)) this._operation = '';
  }

  private handleSide(e: Event): void {
    this._side = (e.target as HTMLSelectElement).value as Side | 'both';
  }

  private handleOperation(e: Event): void {
    this._operation = (e.target as HTMLSelectElement).value;
  }

  private handleTrigger(e: Event): void {
    this._trigger = (e.target as HTMLInputElement).value as Trigger;
  }

  private handleRate(e: Event): void {
    this._rate = readNumber(e.target as HTMLInputElement, this._rate, 0, 1);
  }

  private handleTimes(e: Event): void {
    this._times = Math.round(readNumber(e.target as HTMLInputElement, this._times, 1, 100));
  }

  private handleLatency(e: Event): void {
    this._latencyMs = Math.round(readNumber(e.target as HTMLInputElement, this._latencyMs, 1, 10_000));
  }

  private handlePoint(e: Event): void {
    this._point = (e.target as HTMLSelectElement).value as CrashPoint | '';
  }

  private handleArmedCorruption(e: Event): void {
    this._armedCorruption = (e.target as HTMLSelectElement).value as Corruption;
  }

  private handleCorruption(e: Event): void {
    this._corruption = (e.target as HTMLSelectElement).value as Corruption;
  }
}

/** The input's number clamped to [min, max]; `previous` (put back into the input) when it is not a number. */
function readNumber(input: HTMLInputElement, previous: number, min: number, max: number): number {
  const n = Number(input.value);
  const value = input.value.trim() === '' || !Number.isFinite(n) ? previous : Math.max(min, Math.min(max, n));
  input.value = String(value);
  return value;
}

if (!customElements.get('cl-faults')) customElements.define('cl-faults', ClFaults);

declare global {
  interface HTMLElementTagNameMap {
    'cl-faults': ClFaults;
  }
}
