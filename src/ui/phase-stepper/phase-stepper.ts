/**
 * The six phases as an ordered list, the current one marked, each with what writes and reads do
 * there; below it the moves: next (with the guard's reasons, "Move anyway" or the data-loss
 * confirmation), previous, roll back to any earlier phase, and "Restore backup" after the drop.
 *
 * @fires cl-move-phase - Next phase ({ to, options: {} }), Move anyway ({ force: true }), the accepted drop ({ acceptDataLoss: <records lost> })
 * @fires cl-plan-rollback - Previous phase or Roll back… ({ to }); the app fetches the plan and opens the rollback dialog
 * @fires cl-restore-backup - Restore backup, the only way back from old-dropped
 * @csspart list - the ordered list of phases
 * @csspart step - one phase
 * @csspart current - the current phase (also has part `step`)
 * @csspart controls - the move buttons
 * @csspart guard - why the next move is refused, and its overrides
 * @csspart shadow-gate - the shadow reads the cut-over gate counts (in shadow, or while they hold a move back)
 * @csspart shadow-diffs - the first shadow mismatches, field by field
 * @cssproperty --cl-accent - the current phase's marker
 * @cssproperty --cl-old - the old side's label
 * @cssproperty --cl-new - the new side's label
 * @cssproperty --cl-bad - refusals and data loss
 * @cssproperty --cl-warn - warnings
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { PHASES, assertNever, phaseIndex, type GuardCheck, type JsonSqlValue, type MoveOptions, type Phase, type Route, type ShadowGate, type Side } from '../../engine/vocabulary.ts';
import type { EngineState } from '../../worker/protocol.ts';
import { fire } from '../events.ts';
import { shared } from '../theme.ts';
import { phaseStepperStyles } from './phase-stepper.styles.ts';

/** A phase's name for people. */
export function phaseTitle(phase: Phase): string {
  switch (phase) {
    case 'old-only':
      return 'Old only';
    case 'dual-write':
      return 'Dual write';
    case 'shadow':
      return 'Shadow';
    case 'read-new':
      return 'Read new';
    case 'new-only':
      return 'New only';
    case 'old-dropped':
      return 'Old dropped';
    default:
      return assertNever(phase, 'phase');
  }
}

/** A share as a percentage: 22.6%, 0%. */
const percent = (rate: number): string => `${Number((rate * 100).toFixed(1))}%`;

/** A database value as text in a sentence: text quoted (an empty string is not NULL), a blob as hex; rendered through text bindings only. */
const valueText = (v: JsonSqlValue): string => (v === null ? 'NULL' : typeof v === 'object' ? `x'${v.blob}'` : typeof v === 'string' ? JSON.stringify(v) : String(v));

const READ_ONLY_NOTE = 'This tab is read-only: another tab holds the rehearsal open for writing, so the phase cannot be changed here.';

/** The six phases, the current one marked, and the moves between them. */
export class ClPhaseStepper extends LitElement {
  static override properties = {
    state: { attribute: false },
    _rollbackTo: { state: true },
    _lossAccepted: { state: true },
  };

  /** The rehearsal as the engine last reported it; null renders a placeholder. */
  declare state: EngineState | null;
  /** The phase chosen in "Roll back to". */
  declare private _rollbackTo: Phase | null;
  /** The "Accept data loss" box before a refused drop. */
  declare private _lossAccepted: boolean;

  constructor() {
    super();
    this.state = null;
    this._rollbackTo = null;
    this._lossAccepted = false;
  }

  static override styles = [shared, phaseStepperStyles];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('state')) return;
    const phase = this.state?.phase;
    const earlier = phase ? PHASES.slice(0, phaseIndex(phase)) : [];
    // Keep the chosen rollback target while it is still earlier than the current phase.
    if (this._rollbackTo === null || !earlier.includes(this._rollbackTo)) this._rollbackTo = earlier[earlier.length - 1] ?? null;
    const previous = changed.get('state') as EngineState | null | undefined;
    // An acceptance holds for the count it was given for, no other.
    if (previous?.phase !== phase || previous?.nextGuard?.recordsLost !== this.state?.nextGuard?.recordsLost) this._lossAccepted = false;
  }

  override render(): TemplateResult {
    const state = this.state;
    if (!state) return html`<p class="muted">No rehearsal is open.</p>`;
    return html`
      ${state.readOnly ? html`<p class="note" id="read-only-note" role="note">${READ_ONLY_NOTE}</p>` : nothing}
      <ol class="steps" part="list" aria-label="Migration phases">
        ${PHASES.map((phase) => this.renderStep(phase, state))}
      </ol>
      ${this.renderControls(state)} ${this.renderShadowGate(state)} ${this.renderGuard(state)}
    `;
  }

  private renderStep(phase: Phase, state: EngineState): TemplateResult {
    const index = phaseIndex(phase);
    const current = phase === state.phase;
    const done = index < phaseIndex(state.phase);
    return html`
      <li part=${current ? 'step current' : 'step'} class=${done ? 'done' : ''} aria-current=${current ? 'step' : 'false'}>
        <span class="marker" aria-hidden="true">${index}</span>
        <span class="name">${phaseTitle(phase)}<code>${phase}</code>${current ? html`<span class="visually-hidden"> (current phase)</span>` : nothing}</span>
        <p class="summary">${state.scenario.routes[phase].summary}</p>
        <p class="route">${this.renderRoute(state.scenario.routes[phase], state.scenario.labels)}</p>
      </li>
    `;
  }

  private renderRoute(route: Route, labels: Readonly<Record<Side, string>>): TemplateResult {
    const side = (s: Side): TemplateResult => html`<span class="side-${s}">${labels[s]}</span>`;
    // The authoritative side is written first; in read-new it is not always the side serving reads.
    const writes = route.writes.map((s, i) => html`${i > 0 ? ', then ' : ''}${side(s)}${i === 0 && route.writes.length > 1 ? ' (authoritative)' : ''}`);
    return html`Writes: ${writes}. Reads: ${side(route.reads)}${route.fallback ? html`, falling back to ${side(route.fallback)}` : nothing}${
      route.shadow ? html`, compared with ${side(route.shadow)}` : nothing
    }.`;
  }

  private renderControls(state: EngineState): TemplateResult {
    const index = phaseIndex(state.phase);
    const next = PHASES[index + 1];
    const previous = PHASES[index - 1];
    const guard = state.nextGuard;
    const refused = guard !== null && !guard.ok;
    const described = state.readOnly ? ['read-only-note'] : [...(refused ? ['guard'] : []), ...(this.shadowGateShown(state) ? ['shadow-gate'] : [])];
    const describedBy = described.length > 0 ? described.join(' ') : nothing;
    const earlier = PHASES.slice(0, index);
    return html`
      <div class="controls" part="controls">
        ${previous === undefined
          ? nothing
          : state.phase === 'old-dropped'
            ? html`<button type="button" ?disabled=${state.readOnly} aria-describedby=${state.readOnly ? 'read-only-note' : 'restore-help'} @click=${this.handleRestore}>
                  Restore backup
                </button>
                <span class="muted" id="restore-help">The only way back: restores old from the backup taken before the drop, into new-only.</span>`
            : html`<button type="button" ?disabled=${state.readOnly} aria-describedby=${state.readOnly ? 'read-only-note' : nothing} @click=${() => this.handlePlanRollback(previous)}>
                Previous phase
              </button>`}
        ${next === undefined
          ? nothing
          : html`<button type="button" class="primary" ?disabled=${state.readOnly || refused} aria-describedby=${describedBy} @click=${() => this.handleMove(next, {})}>
              Next phase
            </button>`}
        ${earlier.length === 0
          ? nothing
          : html`<span class="rollback">
              <label for="rollback-to">Roll back to</label>
              <select id="rollback-to" ?disabled=${state.readOnly} @change=${this.handleRollbackTarget}>
                ${earlier.map((p) => html`<option value=${p} ?selected=${p === this._rollbackTo}>${phaseTitle(p)}</option>`)}
              </select>
              <button type="button" ?disabled=${state.readOnly || this._rollbackTo === null} aria-describedby=${state.readOnly ? 'read-only-note' : nothing} @click=${this.handleRollback}>
                Roll back…
              </button>
            </span>`}
      </div>
      ${next === undefined ? nothing : html`<p class="muted">Next: ${phaseTitle(next)} (${next}).${next === 'old-dropped' ? ' A backup snapshot of old is taken before the drop.' : ''}</p>`}
    `;
  }

  /** The gate is shown in shadow, where its reads are gathered, and wherever it holds a move back. */
  private shadowGateShown(state: EngineState): boolean {
    const gate = state.nextGuard?.shadow;
    return gate !== undefined && (state.phase === 'shadow' || !gate.withinLimit);
  }

  private renderShadowGate(state: EngineState): TemplateResult | typeof nothing {
    const gate = state.nextGuard?.shadow;
    if (!gate || !this.shadowGateShown(state)) return nothing;
    const l = state.scenario.labels;
    const since = gate.since === 'clean-verify' ? 'since the last clean verify' : gate.since === 'shadow' ? 'since entering shadow' : 'none made yet';
    const mismatches = `${gate.mismatches} ${gate.mismatches === 1 ? 'mismatch' : 'mismatches'}`;
    const counted =
      gate.minReads === 0
        ? html`<strong>${gate.reads}</strong> compared`
        : gate.enoughReads
          ? html`<strong class="met">${gate.reads}</strong> (${gate.minReads} needed)`
          : html`<strong class="unmet">${gate.reads} of ${gate.minReads}</strong> needed`;
    return html`
      <section class="shadow-gate ${gate.withinLimit ? '' : 'refused'}" part="shadow-gate" id="shadow-gate" aria-label="Shadow reads for the cut-over">
        <p>
          Shadow reads: ${counted}, <strong class=${gate.withinLimit ? 'met' : 'unmet'}>${mismatches}</strong>
          ${gate.reads > 0 ? html`(${percent(gate.rate)}; the limit is ${percent(gate.limit)})` : html`(the limit is ${percent(gate.limit)})`}, ${since}.
          ${state.phase === 'shadow' && !gate.enoughReads ? html`<span class="muted">Reads in shadow read both ${l.old} and ${l.new} and compare them.</span>` : nothing}
        </p>
        ${gate.withinLimit || gate.first.length === 0 ? nothing : this.renderShadowDiffs(gate, l)}
      </section>
    `;
  }

  private renderShadowDiffs(gate: ShadowGate, l: Readonly<Record<Side, string>>): TemplateResult {
    const side = (x: Side): TemplateResult => html`<span class="side-${x}">${l[x]}</span>`;
    const params = (p: Readonly<Record<string, JsonSqlValue>>): string =>
      Object.entries(p)
        .map(([name, v]) => `${name}: ${valueText(v)}`)
        .join(', ');
    return html`
      <p>The first ${gate.first.length === 1 ? 'mismatch' : `${gate.first.length} mismatches`} of the window:</p>
      <ol class="shadow-diffs" part="shadow-diffs">
        ${gate.first.map(
          (n) => html`<li>
            <p class="read"><code>${n.operation}</code> <span class="params">${params(n.params)}</span></p>
            <ul>
              ${n.diffs.map((d) => {
                switch (d.kind) {
                  case 'changed':
                    return d.fields.map(
                      (f) => html`<li>
                        <span class="key">${d.key}</span> ${f.field}: ${side('old')} <span class="value">${valueText(f.old)}</span>, ${side('new')}
                        <span class="value">${valueText(f.new)}</span>
                      </li>`,
                    );
                  case 'only-in':
                    return html`<li><span class="key">${d.key}</span> returned by ${side(d.side ?? 'old')} only</li>`;
                  case 'order':
                    return html`<li>the same rows in another order</li>`;
                  default:
                    return assertNever(d.kind, 'shadow difference');
                }
              })}
              ${n.diffCount > n.diffs.length ? html`<li class="muted">and ${n.diffCount - n.diffs.length} more</li>` : nothing}
            </ul>
          </li>`,
        )}
      </ol>
    `;
  }

  private renderGuard(state: EngineState): TemplateResult | typeof nothing {
    const guard = state.nextGuard;
    if (!guard) return nothing;
    const warnings = guard.warnings ?? [];
    if (guard.ok) {
      return warnings.length === 0
        ? nothing
        : html`<section class="panel" part="guard" aria-label="Warnings about the next phase">
            <p class="warnings">Moving to ${phaseTitle(guard.to)} is allowed, but:</p>
            <ul class="warnings">
              ${warnings.map((w) => html`<li>${w}</li>`)}
            </ul>
          </section>`;
    }
    return html`
      <section class="panel refused" part="guard" id="guard" aria-label="Why the next move is refused">
        <p>Moving to ${phaseTitle(guard.to)} is refused:</p>
        <ul>
          ${guard.reasons.map((r) => html`<li>${r}</li>`)}
        </ul>
        ${warnings.length === 0
          ? nothing
          : html`<p class="warnings">Also:</p>
              <ul class="warnings">
                ${warnings.map((w) => html`<li>${w}</li>`)}
              </ul>`}
        ${this.renderOverride(guard, state.readOnly)}
      </section>
    `;
  }

  private renderOverride(guard: GuardCheck, readOnly: boolean): TemplateResult | typeof nothing {
    if (guard.overridable) {
      return html`<button type="button" class="danger" ?disabled=${readOnly} @click=${() => this.handleMove(guard.to, { force: true })}>Move anyway</button>`;
    }
    if (guard.to !== 'old-dropped') return nothing;
    const lost = guard.recordsLost;
    // The engine accepts a loss only as the count a current verify found: without one, verify first.
    if (lost === undefined) {
      return html`<p class="loss">How many records the drop would lose is unknown: the last verify is out of date. Run verify; then the loss can be accepted.</p>`;
    }
    const records = `${lost} ${lost === 1 ? 'record' : 'records'}`;
    return html`
      <p class="loss">${lost === 0 ? 'The last verify found no record that only old has.' : `Dropping old would lose ${records} that exist only in old, are newer there or were deleted there.`}</p>
      <label class="accept">
        <input type="checkbox" .checked=${this._lossAccepted} ?disabled=${readOnly} @change=${this.handleAcceptLoss} />
        <span>Accept data loss of ${records}</span>
      </label>
      <button type="button" class="danger" ?disabled=${readOnly || !this._lossAccepted} @click=${() => this.handleMove('old-dropped', { acceptDataLoss: lost })}>
        Drop old anyway
      </button>
    `;
  }

  private handleMove(to: Phase, options: MoveOptions): void {
    fire(this, 'cl-move-phase', { to, options });
  }

  private handlePlanRollback(to: Phase): void {
    fire(this, 'cl-plan-rollback', { to });
  }

  private handleRollback(): void {
    if (this._rollbackTo) this.handlePlanRollback(this._rollbackTo);
  }

  private handleRollbackTarget(e: Event): void {
    this._rollbackTo = (e.target as HTMLSelectElement).value as Phase;
  }

  private handleRestore(): void {
    fire(this, 'cl-restore-backup', {});
  }

  private handleAcceptLoss(e: Event): void {
    this._lossAccepted = (e.target as HTMLInputElement).checked;
  }
}

if (!customElements.get('cl-phase-stepper')) customElements.define('cl-phase-stepper', ClPhaseStepper);

declare global {
  interface HTMLElementTagNameMap {
    'cl-phase-stepper': ClPhaseStepper;
  }
}
