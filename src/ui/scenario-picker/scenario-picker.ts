/**
 * Where a rehearsal starts: the built-in scenarios, each with a paragraph on the real migration
 * it comes from, a durability mode, and the rehearsals already stored in this browser.
 *
 * @fires cl-open-rehearsal - start a new rehearsal ({ scenarioId, durability, startingRecords? }) or reopen one ({ rehearsalId }: it keeps its own durability)
 * @fires cl-delete-rehearsal - delete a stored rehearsal ({ rehearsalId }), after the user confirms
 * @csspart card - one scenario
 */
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { DURABILITY_MODES, type DurabilityMode } from '../../engine/vocabulary.ts';
import type { RehearsalSummary, ScenarioInfo } from '../../worker/protocol.ts';
import { fire } from '../events.ts';
import { shared } from '../theme.ts';
import { scenarioPickerStyles } from './scenario-picker.styles.ts';

/** Starting-record counts offered for a new rehearsal (0: only the scenario's seed data). */
const STARTING_COUNTS = [0, 10_000, 100_000, 1_000_000] as const;

const MODE_HELP: Record<DurabilityMode, string> = {
  strict: 'each change is stored in IndexedDB before it is acknowledged',
  group: 'changes are stored in batches; each is acknowledged when its batch is stored',
  'unsafe-ack-first': 'acknowledged at once and stored a moment later — a crash loses writes, and the checker finds them',
};

/** The built-in scenarios to start a rehearsal from, and the rehearsals stored in this browser. */
export class ClScenarioPicker extends LitElement {
  static override properties = {
    scenarios: { attribute: false },
    rehearsals: { attribute: false },
    busy: { type: Boolean },
    _durability: { state: true },
    _starting: { state: true },
    _confirming: { state: true },
  };

  /** The built-in scenarios. */
  declare scenarios: readonly ScenarioInfo[];
  /** Rehearsals stored in this browser. */
  declare rehearsals: readonly RehearsalSummary[];
  /** Disables the buttons while a rehearsal opens. */
  declare busy: boolean;
  declare private _durability: DurabilityMode;
  /** Starting records of a new rehearsal (0: none). */
  declare private _starting: number;
  /** The rehearsal whose Delete was pressed once (a second press deletes it). */
  declare private _confirming: string | null;

  constructor() {
    super();
    this.scenarios = [];
    this.rehearsals = [];
    this.busy = false;
    this._durability = 'strict';
    this._starting = 0;
    this._confirming = null;
  }

  static override styles = [shared, scenarioPickerStyles];

  protected override updated(changed: PropertyValues<this>): void {
    // The button pressed is replaced: focus goes to its counterpart, never to the page's body.
    if (!changed.has('_confirming' as keyof ClScenarioPicker)) return;
    const before = changed.get('_confirming' as keyof ClScenarioPicker) as string | null | undefined;
    const label = this._confirming !== null ? `Keep ${this._confirming}` : before ? `Delete ${before}…` : null;
    if (label) [...this.renderRoot.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === label)?.focus();
  }

  #handleStart(scenario: ScenarioInfo): void {
    const operation = scenario.startingOperations[0];
    fire(this, 'cl-open-rehearsal', {
      scenarioId: scenario.id,
      durability: this._durability,
      ...(this._starting > 0 && operation ? { startingRecords: { operation, count: this._starting } } : {}),
    });
  }

  #handleReopen(rehearsalId: string): void {
    fire(this, 'cl-open-rehearsal', { rehearsalId });
  }

  #handleDelete(rehearsalId: string): void {
    this._confirming = null;
    this.dispatchEvent(new CustomEvent('cl-delete-rehearsal', { detail: { rehearsalId }, bubbles: true, composed: true }));
  }

  override render() {
    return html`
      <fieldset>
        <legend>Durability of a new rehearsal</legend>
        ${DURABILITY_MODES.map(
          (mode) => html`<label
            ><input type="radio" name="durability" .value=${mode} .checked=${this._durability === mode} @change=${() => (this._durability = mode)} />
            <strong>${mode}</strong> — <span class="muted">${MODE_HELP[mode]}</span></label
          >`,
        )}
      </fieldset>
      <fieldset>
        <legend>Starting records of a new rehearsal</legend>
        ${STARTING_COUNTS.map(
          (count) => html`<label
            ><input type="radio" name="starting" .value=${String(count)} .checked=${this._starting === count} @change=${() => (this._starting = count)} />
            <strong>${count === 0 ? 'none' : count.toLocaleString('en-US')}</strong>${count === 0
              ? html` — <span class="muted">only the scenario's seed data</span>`
              : count === STARTING_COUNTS[1]
                ? html` — <span class="muted">records in old before the rehearsal begins, made by the scenario's first write that creates records; committed data the backfill must copy and the checker holds to their first state</span>`
                : nothing}</label
          >`,
        )}
      </fieldset>
      <div class="cards">
        ${this.scenarios.map(
          (s) => html`<article part="card" aria-labelledby="title-${s.id}">
            <h3 id="title-${s.id}">${s.title}</h3>
            <p>${s.summary}</p>
            <div class="facts muted">${s.topology} topology · ${s.policy} policy · ${s.labels.old} → ${s.labels.new}</div>
            <div class="facts muted">From the field notes: ${s.sources.map((source) => source.replace(/^seed \d+:\s*/, '')).join('; ')}</div>
            ${this._starting > 0
              ? html`<div class="facts muted">${s.startingOperations[0]
                  ? `${this._starting.toLocaleString('en-US')} starting records made by ${s.startingOperations[0]} (records whose keys repeat count once)`
                  : 'No write of this scenario makes whole records from generated values: it starts with its seed data only'}</div>`
              : nothing}
            <button class="primary" ?disabled=${this.busy} @click=${() => this.#handleStart(s)}>Start a rehearsal of ${s.id}</button>
          </article>`,
        )}
      </div>
      ${this.rehearsals.length > 0
        ? html`<h3>Rehearsals in this browser</h3>
            <ul>
              ${this.rehearsals.map(
                (r) => html`<li>
                  <strong>${r.id}</strong> <span class="muted">(${r.title}, ${r.phase})</span>
                  <button ?disabled=${this.busy} aria-label="Open ${r.id}" @click=${() => this.#handleReopen(r.id)}>Open</button>
                  ${this._confirming === r.id
                    ? html`<span class="confirm" role="group" aria-label="Delete ${r.id}?"
                        >Delete its databases, history and settings for good?
                        <button class="danger" ?disabled=${this.busy} aria-label="Yes, delete ${r.id}" @click=${() => this.#handleDelete(r.id)}>Delete</button>
                        <button aria-label="Keep ${r.id}" @click=${() => (this._confirming = null)}>Keep</button></span
                      >`
                    : html`<button class="danger" ?disabled=${this.busy} aria-label="Delete ${r.id}…" @click=${() => (this._confirming = r.id)}>Delete…</button>`}
                </li>`,
              )}
            </ul>`
        : ''}
    `;
  }
}

if (!customElements.get('cl-scenario-picker')) customElements.define('cl-scenario-picker', ClScenarioPicker);

declare global {
  interface HTMLElementTagNameMap {
    'cl-scenario-picker': ClScenarioPicker;
  }
}
