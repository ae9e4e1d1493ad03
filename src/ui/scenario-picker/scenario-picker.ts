/**
 * Where a rehearsal starts: the built-in scenarios, each with a paragraph on the real migration
 * it comes from, the user's own scenario files beside them, a durability mode, and the rehearsals
 * already stored in this browser. A scenario file (the button, or dropped on the picker) is read
 * as text and checked by the worker (`checkScenario`) before anything is kept or run. "Edit…" on
 * one of the user's scenarios, or "Edit a copy…" on a built-in one (the copy gets a new id: the
 * worker refuses a built-in's), opens the scenario editor below the file sections, loaded when
 * first asked for; the dry run there uses the scenario's seed data.
 *
 * @fires cl-open-rehearsal - start a new rehearsal ({ scenarioId | scenario, durability, startingRecords? }) or reopen one ({ rehearsalId }: it keeps its own durability)
 * @fires cl-delete-rehearsal - delete a stored rehearsal ({ rehearsalId }), after the user confirms
 * @fires cl-add-scenario - keep a scenario file the worker found valid, or a scenario saved in the editor ({ scenario, warnings }); the page replaces one of the same id
 * @fires cl-remove-scenario - forget a user scenario ({ id }), after the user confirms
 * @csspart card - one scenario
 */
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { DURABILITY_MODES, type DurabilityMode } from '../../engine/vocabulary.ts';
import type { Scenario } from '../../engine/vocabulary.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { scenarioInfo, type Problem, type RehearsalSummary, type ScenarioCheck, type ScenarioInfo } from '../../worker/protocol.ts';
import '../database-import/database-import.ts';
import type { ImportPorts } from '../database-import/database-import.ts';
import { fire } from '../events.ts';
import { shared } from '../theme.ts';
import { fileButtonStyles } from '../shared-styles.ts';
import { scenarioPickerStyles } from './scenario-picker.styles.ts';

/** Starting-record counts offered for a new rehearsal (0: only the scenario's seed data). */
const STARTING_COUNTS = [0, 10_000, 100_000, 1_000_000] as const;

/** Largest scenario file read, in bytes. */
export const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;

/** A user scenario as the picker lists it. */
export interface PickerUserScenario {
  readonly scenario: Scenario;
  readonly warnings: readonly Problem[];
}

/** The scenario open in the editor, and the label of the button that opened it (focus goes back there). */
interface Editing {
  readonly scenario: Scenario;
  readonly opener: string;
  /** Says what is edited, above the editor. */
  readonly heading: string;
}

/** An id for a copy of `id` that none of `taken` has: `<id>-copy`, then `<id>-copy-2`, … */
export function copyId(id: string, taken: ReadonlySet<string>): string {
  let candidate = `${id}-copy`;
  for (let n = 2; taken.has(candidate); n++) candidate = `${id}-copy-${n}`;
  return candidate;
}

/** What became of the last scenario file opened. */
type FileOutcome =
  | { readonly kind: 'checking'; readonly name: string }
  | { readonly kind: 'added'; readonly name: string; readonly id: string }
  | { readonly kind: 'refused'; readonly name: string; readonly problems: readonly Problem[] };

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
    userScenarios: { attribute: false },
    checkScenario: { attribute: false },
    importPorts: { attribute: false },
    _file: { state: true },
    _dragging: { state: true },
    _removing: { state: true },
    _durability: { state: true },
    _starting: { state: true },
    _confirming: { state: true },
    _editing: { state: true },
    _kept: { state: true },
  };

  /** The built-in scenarios. */
  declare scenarios: readonly ScenarioInfo[];
  /** Rehearsals stored in this browser. */
  declare rehearsals: readonly RehearsalSummary[];
  /** Disables the buttons while a rehearsal opens. */
  declare busy: boolean;
  /** The user's scenarios, kept by the page. */
  declare userScenarios: readonly PickerUserScenario[];
  /** Checks a scenario file's text in the worker; null while there is no engine to ask. */
  declare checkScenario: ((text: string) => Promise<ScenarioCheck>) | null;
  /** The engine's calls a database import needs; null while there is no engine to ask. */
  declare importPorts: ImportPorts | null;
  declare private _file: FileOutcome | null;
  /** A file is dragged over the picker. */
  declare private _dragging: boolean;
  /** The user scenario whose Remove was pressed once. */
  declare private _removing: string | null;
  declare private _durability: DurabilityMode;
  /** Starting records of a new rehearsal (0: none). */
  declare private _starting: number;
  /** The rehearsal whose Delete was pressed once (a second press deletes it). */
  declare private _confirming: string | null;
  /** The scenario open in the editor, or null. */
  declare private _editing: Editing | null;
  /** The id of the scenario the editor last kept (a status line says so), or null. */
  declare private _kept: string | null;
  /** Counts Edit presses, so that only the last one opens the editor once it has loaded. */
  #editRun = 0;

  constructor() {
    super();
    this.scenarios = [];
    this.rehearsals = [];
    this.busy = false;
    this.userScenarios = [];
    this.checkScenario = null;
    this.importPorts = null;
    this._file = null;
    this._dragging = false;
    this._removing = null;
    this.addEventListener('dragover', this.#handleDragOver);
    this.addEventListener('dragleave', this.#handleDragLeave);
    this.addEventListener('drop', this.#handleDrop);
    this._durability = 'strict';
    this._starting = 0;
    this._confirming = null;
    this._editing = null;
    this._kept = null;
  }

  static override styles = [shared, fileButtonStyles, scenarioPickerStyles];

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('_removing' as keyof ClScenarioPicker)) {
      const before = changed.get('_removing' as keyof ClScenarioPicker) as string | null | undefined;
      const label = this._removing !== null ? `Keep ${this._removing}` : before ? `Remove ${before}…` : null;
      if (label) [...this.renderRoot.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === label)?.focus();
    }
    // The button pressed is replaced: focus goes to its counterpart, never to the page's body.
    if (!changed.has('_confirming' as keyof ClScenarioPicker)) return;
    const before = changed.get('_confirming' as keyof ClScenarioPicker) as string | null | undefined;
    const label = this._confirming !== null ? `Keep ${this._confirming}` : before ? `Delete ${before}…` : null;
    if (label) [...this.renderRoot.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === label)?.focus();
  }

  #handleStart(scenario: ScenarioInfo, user?: Scenario): void {
    const operation = scenario.startingOperations[0];
    fire(this, 'cl-open-rehearsal', {
      ...(user ? { scenario: user } : { scenarioId: scenario.id }),
      durability: this._durability,
      ...(this._starting > 0 && operation ? { startingRecords: { operation, count: this._starting } } : {}),
    });
  }

  /** Opens the editor on `scenario` (loading it the first time), scrolled into view and focused. */
  async #edit(scenario: Scenario, opener: string, heading: string): Promise<void> {
    const run = ++this.#editRun;
    // The editor (CodeMirror) loads when first asked for: it is not part of the first page.
    await import('../scenario-editor/scenario-editor.ts');
    if (run !== this.#editRun) return;
    this._kept = null;
    this._editing = { scenario, opener, heading };
    await this.updateComplete;
    const editor = this.renderRoot.querySelector<HTMLElement>('cl-scenario-editor');
    editor?.scrollIntoView({ block: 'start' });
    editor?.focus();
  }

  #editUser(scenario: Scenario): void {
    void this.#edit(scenario, `Edit ${scenario.id}…`, `Editing your scenario ${scenario.id}`);
  }

  #editCopy(id: string): void {
    const original = BUILT_IN_SCENARIOS[id];
    if (!original) return;
    const taken = new Set([...Object.keys(BUILT_IN_SCENARIOS), ...this.scenarios.map((s) => s.id), ...this.userScenarios.map((u) => u.scenario.id)]);
    const copy: Scenario = { ...structuredClone(original), id: copyId(id, taken), title: `${original.title} (copy)` };
    void this.#edit(copy, `Edit a copy of ${id}…`, `Editing a copy of ${id}, as ${copy.id}`);
  }

  /** Closes the editor; focus goes back to the button that opened it. */
  async #closeEditor(): Promise<void> {
    const opener = this._editing?.opener;
    this.#editRun++;
    this._editing = null;
    await this.updateComplete;
    if (opener) [...this.renderRoot.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === opener)?.focus();
  }

  #handleEditorSave(scenario: Scenario): void {
    this.dispatchEvent(new CustomEvent('cl-add-scenario', { detail: { scenario, warnings: [] }, bubbles: true, composed: true }));
    void this.#closeEditor();
    this._kept = scenario.id;
  }

  #renderEditor() {
    const editing = this._editing;
    const ports = this.importPorts;
    return html`<div class="editor-status" role="status" aria-live="polite">
        ${this._kept !== null ? html`<p class="ok">“${this._kept}” kept — it is listed below as your scenario.</p>` : nothing}
      </div>
      ${editing && ports
        ? html`<section class="editing" aria-labelledby="editing-heading">
            <h3 id="editing-heading">${editing.heading}</h3>
            <cl-scenario-editor
              tabindex="-1"
              .scenario=${editing.scenario}
              .check=${ports.check}
              .dryRun=${(scenario: unknown) => ports.dryRun(scenario)}
              @cl-editor-start=${(e: CustomEvent<{ scenario: Scenario }>) => fire(this, 'cl-open-rehearsal', { scenario: e.detail.scenario, durability: this._durability })}
              @cl-editor-save=${(e: CustomEvent<{ scenario: Scenario }>) => this.#handleEditorSave(e.detail.scenario)}
              @cl-editor-cancel=${() => void this.#closeEditor()}
            ></cl-scenario-editor>
          </section>`
        : nothing}`;
  }

  #handleReopen(rehearsalId: string): void {
    fire(this, 'cl-open-rehearsal', { rehearsalId });
  }

  #handleDelete(rehearsalId: string): void {
    this._confirming = null;
    this.dispatchEvent(new CustomEvent('cl-delete-rehearsal', { detail: { rehearsalId }, bubbles: true, composed: true }));
  }

  readonly #handleDragOver = (e: DragEvent): void => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    this._dragging = true;
  };

  readonly #handleDragLeave = (e: DragEvent): void => {
    // Leaving for one of the picker's own elements is not leaving the picker.
    if (e.relatedTarget instanceof Node && this.shadowRoot?.contains(e.relatedTarget)) return;
    this._dragging = false;
  };

  readonly #handleDrop = (e: DragEvent): void => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    this._dragging = false;
    const files = [...e.dataTransfer.files];
    if (files.length !== 1) {
      this._file = { kind: 'refused', name: files.length === 0 ? 'the drop' : `${files.length} files`, problems: [{ path: '', message: 'drop one file at a time: a scenario (.json) or a database (.sqlite, .db)' }] };
      return;
    }
    const file = files[0]!;
    // A scenario is JSON; anything else is taken for a database, which the import checks by its header.
    if (/\.json$/i.test(file.name) || file.type === 'application/json') void this.openFile(file);
    else void this.renderRoot.querySelector('cl-database-import')?.openFile(file);
  };

  #handleChoose(e: Event): void {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    // The same file chosen again (after editing it) is read again.
    input.value = '';
    if (file) void this.openFile(file);
  }

  /** Reads a scenario file, has the worker check it, and keeps it when valid; nothing is kept otherwise. */
  async openFile(file: File): Promise<void> {
    const name = file.name;
    const refuse = (message: string, path = ''): void => {
      this._file = { kind: 'refused', name, problems: [{ path, message }] };
    };
    if (!/\.json$/i.test(name) && file.type !== 'application/json') return refuse('not a .json file: a scenario file is JSON (see docs/scenario-format.md)');
    if (file.size > MAX_SCENARIO_FILE_BYTES) return refuse(`the file is ${(file.size / 1024 / 1024).toFixed(1)} MiB; a scenario file may be at most 1 MiB`);
    const check = this.checkScenario;
    if (!check) return refuse('the engine is not ready yet: try again in a moment');
    this._file = { kind: 'checking', name };
    let result: ScenarioCheck;
    try {
      result = await check(await file.text());
    } catch (error) {
      return refuse(`could not be checked: ${(error as Error).message}`);
    }
    if (!result.ok) {
      this._file = { kind: 'refused', name, problems: result.problems };
      return;
    }
    this._file = { kind: 'added', name, id: result.scenario.id };
    this.dispatchEvent(new CustomEvent('cl-add-scenario', { detail: { scenario: result.scenario, warnings: result.warnings }, bubbles: true, composed: true }));
  }

  #handleRemove(id: string): void {
    this._removing = null;
    this.dispatchEvent(new CustomEvent('cl-remove-scenario', { detail: { id }, bubbles: true, composed: true }));
  }

  #renderFile() {
    const f = this._file;
    return html`<section class="file ${this._dragging ? 'dragging' : ''}" aria-labelledby="file-heading">
      <h3 id="file-heading">Your own scenario</h3>
      <p class="muted">
        A scenario file (JSON, as <code>docs/scenario-format.md</code> describes) is checked here before anything runs. Choose one, or drop it
        (or a database file) on this page.
      </p>
      <label class="file-button"
        ><input type="file" accept=".json,application/json" ?disabled=${this.busy || f?.kind === 'checking'} @change=${(e: Event) => this.#handleChoose(e)} /><span
          >Open a scenario file…</span
        ></label
      >
      ${this._dragging ? html`<div class="drop-hint">Drop a scenario file (.json) or a database (.sqlite) to check it</div>` : nothing}
      <div role="status" aria-live="polite">
        ${f?.kind === 'checking' ? html`<p>Checking ${f.name}…</p>` : nothing}
        ${f?.kind === 'added' ? html`<p class="ok">${f.name}: valid — “${f.id}” is listed below as your scenario.</p>` : nothing}
      </div>
      ${f?.kind === 'refused'
        ? html`<div class="problems" role="alert">
            <p><strong>${f.name} was not added</strong> — ${f.problems.length === 1 ? 'a problem' : `${f.problems.length} problems`}; nothing was kept:</p>
            <ul>
              ${f.problems.map((p) => html`<li>${p.path ? html`<code>${p.path}</code>: ` : nothing}${p.message}</li>`)}
            </ul>
          </div>`
        : nothing}
    </section>`;
  }

  #renderCard(s: ScenarioInfo, user?: PickerUserScenario) {
    const key = user ? `user-${s.id}` : s.id;
    return html`<article part="card" class=${user ? 'user' : ''} aria-labelledby="title-${key}">
      ${user ? html`<div class="badge">your scenario</div>` : nothing}
      <h3 id="title-${key}">${s.title}</h3>
      <p>${s.summary}</p>
      <div class="facts muted">${s.topology} topology · ${s.policy} policy · ${s.labels.old} → ${s.labels.new}</div>
      ${s.sources.length > 0 ? html`<div class="facts muted">${user ? 'Sources' : 'From the field notes'}: ${s.sources.map((source) => source.replace(/^seed \d+:\s*/, '')).join('; ')}</div>` : nothing}
      ${user && user.warnings.length > 0
        ? html`<div class="warnings">
            <strong>${user.warnings.length === 1 ? 'Warning' : `${user.warnings.length} warnings`}</strong> (a rehearsal may show them failing):
            <ul>
              ${user.warnings.map((w) => html`<li>${w.path ? html`<code>${w.path}</code>: ` : nothing}${w.message}</li>`)}
            </ul>
          </div>`
        : nothing}
      ${this._starting > 0
        ? html`<div class="facts muted">${s.startingOperations[0]
            ? `${this._starting.toLocaleString('en-US')} starting records made by ${s.startingOperations[0]} (records whose keys repeat count once)`
            : 'No write of this scenario makes whole records from generated values: it starts with its seed data only'}</div>`
        : nothing}
      <button class="primary" ?disabled=${this.busy} @click=${() => this.#handleStart(s, user?.scenario)}>Start a rehearsal of ${s.id}</button>
      ${user
        ? html`<button ?disabled=${this.busy || !this.importPorts} aria-label="Edit ${s.id}…" @click=${() => this.#editUser(user.scenario)}>Edit…</button>`
        : BUILT_IN_SCENARIOS[s.id]
          ? html`<button ?disabled=${this.busy || !this.importPorts} aria-label="Edit a copy of ${s.id}…" @click=${() => this.#editCopy(s.id)}>Edit a copy…</button>`
          : nothing}
      ${user
        ? this._removing === s.id
          ? html`<span class="confirm" role="group" aria-label="Remove ${s.id}?"
              >Remove it from this page? Rehearsals made from it keep their copy.
              <button class="danger" aria-label="Yes, remove ${s.id}" @click=${() => this.#handleRemove(s.id)}>Remove</button>
              <button aria-label="Keep ${s.id}" @click=${() => (this._removing = null)}>Keep</button></span
            >`
          : html`<button class="danger" aria-label="Remove ${s.id}…" @click=${() => (this._removing = s.id)}>Remove…</button>`
        : nothing}
    </article>`;
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
      ${this.#renderFile()}
      <cl-database-import .ports=${this.importPorts} .scenarios=${this.userScenarios.map((u) => u.scenario)} .durability=${this._durability} ?busy=${this.busy}></cl-database-import>
      ${this.#renderEditor()}
      <div class="cards">
        ${this.userScenarios.map((u) => this.#renderCard(scenarioInfo(u.scenario), u))} ${this.scenarios.map((s) => this.#renderCard(s))}
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
  interface HTMLElementEventMap {
    'cl-add-scenario': CustomEvent<PickerUserScenario>;
    'cl-remove-scenario': CustomEvent<{ id: string }>;
  }
}
