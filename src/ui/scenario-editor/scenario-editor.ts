/**
 * The scenario editor: a scenario's schemas, collections, operations (their SQL per side, params
 * and effect as JSON), drop statements, seed data and workload mix, each SQL statement in a
 * CodeMirror editor with SQLite highlighting, and a JSON view of the whole for anything else.
 * Every edit is checked by the worker (`check`, 300 ms after the last keystroke); each problem is
 * shown at the field its path points into, the field marked `aria-invalid`. A dry run (`dryRun`)
 * writes a sample of the old side's records (up to 500 per collection, spread over all of it in key
 * order) into the new schema, compares every one, and shows the first rows of each side, how many
 * records differ and the first of them, before a rehearsal starts.
 *
 * Headings start at h4 (title) and h5 (sections): the editor is placed under an h3 (the picker's
 * editor area, "Your own database").
 *
 * @fires cl-editor-start - start a rehearsal of the edited scenario ({ scenario }); only once the last check passed
 * @fires cl-editor-save - keep the edited scenario in the user's scenarios ({ scenario }); only once the last check passed
 * @fires cl-editor-cancel - leave the editor without keeping anything
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { Scenario } from '../../engine/vocabulary.ts';
import type { DryRunResult, DryRunRows, Problem, ScenarioCheck } from '../../worker/protocol.ts';
import { shared } from '../theme.ts';
import { tableStyles } from '../shared-styles.ts';
import { arr, arrAt, commaList, fieldPaths, keyOf, obj, objAt, objIn, placeProblems, str, valueText, type JsonObject } from './draft.ts';
import { scenarioEditorStyles } from './scenario-editor.styles.ts';
import './sql-field.ts';

/** Records a dry run compares per collection, at most (`DRY_RUN_SAMPLE` in src/worker/dry-run.ts). */
const DRY_RUN_MOST = 500;

/** Milliseconds after the last edit before the scenario is checked. */
export const CHECK_DELAY_MS = 300;

const SIDES = ['old', 'new'] as const;
type Side = (typeof SIDES)[number];
const SIDE_LABEL: Readonly<Record<Side, string>> = { old: 'Old', new: 'New' };

type DryRunOk = Extract<DryRunResult, { ok: true }>;
type DryRunCollection = DryRunOk['collections'][number];

const plural = (n: number, noun: string): string => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
/** An element id for a field path (unique within the editor's shadow root). */
const idOf = (path: string): string => `f-${path.replace(/[^A-Za-z0-9_-]/g, (ch) => `_${ch.charCodeAt(0).toString(16)}`)}`;

/** Edits a scenario, checks it as it is typed, dry-runs it, and hands it on to start or keep. */
export class ClScenarioEditor extends LitElement {
  static override properties = {
    scenario: { attribute: false },
    check: { attribute: false },
    dryRun: { attribute: false },
    importName: { attribute: false },
    _check: { state: true },
    _checking: { state: true },
    _dry: { state: true },
    _dryRunning: { state: true },
    _dryStale: { state: true },
  };

  static override styles = [shared, tableStyles, scenarioEditorStyles];

  /** The scenario to start from; setting it again starts over. */
  declare scenario: Scenario;
  /** Checks a scenario's JSON text (the worker's `checkScenario`). */
  declare check: (text: string) => Promise<ScenarioCheck>;
  /** Dry-runs a scenario (the worker's `dryRun`, on the import when there is one). */
  declare dryRun: (scenario: unknown) => Promise<DryRunResult>;
  /** The imported database's file name, when the dry run samples an import. */
  declare importName: string | undefined;

  /** The last finished check of the current draft, or null while none has finished. */
  declare private _check: ScenarioCheck | null;
  /** A check is waiting for the typing to stop, or running. */
  declare private _checking: boolean;
  declare private _dry: DryRunResult | { readonly failed: string } | null;
  declare private _dryRunning: boolean;
  /** The scenario was edited after the dry run shown. */
  declare private _dryStale: boolean;

  /** The scenario as edited: plain JSON, changed in place by the fields. */
  #draft: JsonObject = {};
  /** Problems found here before the worker is asked (a JSON field that does not parse), by path. */
  #local = new Map<string, Problem>();
  /** The text of JSON fields that do not parse yet, by path ('' for the whole-scenario view). */
  #jsonText = new Map<string, string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts checks and dry runs so only the latest one's answer is shown. */
  #checkRun = 0;
  #dryRun = 0;

  constructor() {
    super();
    this._check = null;
    this._checking = false;
    this._dry = null;
    this._dryRunning = false;
    this._dryStale = false;
    this.importName = undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#timer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('scenario') && this.scenario) {
      this.#draft = structuredClone(this.scenario) as unknown as JsonObject;
      this.#local.clear();
      this.#jsonText.clear();
      this._dry = null;
      this._check = null;
    }
    // The starting point is checked at once; a check given later checks what is there.
    if ((changed.has('scenario') || changed.has('check')) && this.scenario && typeof this.check === 'function') this.#schedule(0);
  }

  /** The draft as the worker gets it. */
  #text(): string {
    return JSON.stringify(this.#draft);
  }

  /** After any edit: show it, and check it once the typing stops. */
  #edited(fromJsonView = false): void {
    if (!fromJsonView) this.#jsonText.delete('');
    if (this._dry) this._dryStale = true;
    this.requestUpdate();
    this.#schedule(CHECK_DELAY_MS);
  }

  #schedule(delay: number): void {
    clearTimeout(this.#timer);
    this._checking = true;
    const run = ++this.#checkRun;
    this.#timer = setTimeout(() => void this.#runCheck(run), delay);
  }

  async #runCheck(run: number): Promise<void> {
    if (typeof this.check !== 'function') {
      this._checking = false;
      return;
    }
    let result: ScenarioCheck;
    try {
      result = await this.check(this.#text());
    } catch (error) {
      result = { ok: false, problems: [{ path: '', message: `the check failed: ${error instanceof Error ? error.message : String(error)}` }] };
    }
    if (run !== this.#checkRun) return;
    this._check = result;
    this._checking = false;
  }

  /** Every problem shown now: the worker's and the fields' own. */
  #problems(): Problem[] {
    return [...(this._check && !this._check.ok ? this._check.problems : []), ...this.#local.values()];
  }

  /** Whether the draft, as it is now, passed its check. */
  get #valid(): boolean {
    return !this._checking && this._check?.ok === true && this.#local.size === 0;
  }

  #handleStart(): void {
    if (this._check?.ok && this.#valid) this.#fire('cl-editor-start', { scenario: this._check.scenario });
  }

  #handleSave(): void {
    if (this._check?.ok && this.#valid) this.#fire('cl-editor-save', { scenario: this._check.scenario });
  }

  #handleCancel(): void {
    this.#fire('cl-editor-cancel', null);
  }

  #fire(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  async #handleDryRun(): Promise<void> {
    const run = ++this.#dryRun;
    this._dryRunning = true;
    let result: DryRunResult | { failed: string };
    try {
      result = await this.dryRun(JSON.parse(this.#text()));
    } catch (error) {
      result = { failed: error instanceof Error ? error.message : String(error) };
    }
    if (run !== this.#dryRun) return;
    this._dry = result;
    this._dryStale = false;
    this._dryRunning = false;
  }

  protected override render() {
    const d = this.#draft;
    const placed = placeProblems(this.#problems(), fieldPaths(d));
    const at = (path: string): Problem[] => placed.get(path) ?? [];
    const count = this.#problems().length;
    // The JSON view's own parse error is shown under it.
    const top = at('').filter((p) => p !== this.#local.get('json'));
    const warnings = this._check?.ok ? this._check.warnings : [];
    const status = this._checking ? 'Checking…' : count > 0 ? plural(count, 'problem') : this._check?.ok ? 'No problems' : '';
    return html`
      <header>
        <h4>Edit scenario</h4>
        <p class="status ${count > 0 && !this._checking ? 'bad' : ''}" role="status" aria-live="polite">${status}</p>
      </header>
      ${top.length > 0
        ? html`<ul class="problems top" aria-label="Problems">
            ${top.map((p) => html`<li>${p.path ? html`<code>${p.path}</code>: ` : nothing}${p.message}</li>`)}
          </ul>`
        : nothing}
      ${warnings.length > 0
        ? html`<ul class="warnings" aria-label="Warnings">
            ${warnings.map((p) => html`<li><code>${p.path}</code>: ${p.message}</li>`)}
          </ul>`
        : nothing}
      ${this.#renderAbout(d, at)} ${this.#renderSchemas(d, at)} ${this.#renderCollections(d, at)} ${this.#renderOperations(d, at)} ${this.#renderDrop(d, at)}
      ${this.#renderSeedData(d, at)} ${this.#renderMix(d, at)} ${this.#renderJsonView()} ${this.#renderDryRun()}
      <div class="actions">
        <button class="primary" ?disabled=${!this.#valid} @click=${this.#handleStart}>Start rehearsal</button>
        <button ?disabled=${!this.#valid} @click=${this.#handleSave}>Keep in my scenarios</button>
        <button @click=${this.#handleCancel}>Cancel</button>
      </div>
    `;
  }

  /** Problems at one field, as a list the field names in `aria-describedby`. */
  #renderProblems(path: string, problems: readonly Problem[]): TemplateResult | typeof nothing {
    if (problems.length === 0) return nothing;
    return html`<ul class="problems" id="${idOf(path)}-problems">
      ${problems.map((p) => html`<li>${p.message}</li>`)}
    </ul>`;
  }

  /** A one-line (or, with `rows`, multi-line) text field. */
  #renderInput(path: string, label: string, value: string, at: (path: string) => Problem[], set: (value: string) => void, options: { rows?: number; type?: 'number' } = {}): TemplateResult {
    const problems = at(path);
    const invalid = problems.length > 0;
    const onInput = (e: Event): void => {
      set((e.target as HTMLInputElement | HTMLTextAreaElement).value);
      this.#edited();
    };
    return html`<div class="field">
      <label for=${idOf(path)}>${label}</label>
      ${options.rows
        ? html`<textarea id=${idOf(path)} rows=${options.rows} .value=${value} aria-invalid=${invalid ? 'true' : 'false'} aria-describedby=${invalid ? `${idOf(path)}-problems` : nothing} @input=${onInput}></textarea>`
        : html`<input
            id=${idOf(path)}
            type=${options.type ?? 'text'}
            .value=${value}
            aria-invalid=${invalid ? 'true' : 'false'}
            aria-describedby=${invalid ? `${idOf(path)}-problems` : nothing}
            @input=${onInput}
          />`}
      ${this.#renderProblems(path, problems)}
    </div>`;
  }

  /** A JSON value as text: kept as typed while it does not parse, with the parse error at its path. */
  #renderJson(path: string, label: string, value: unknown, at: (path: string) => Problem[], set: (value: unknown) => void, rows = 4): TemplateResult {
    const text = this.#jsonText.get(path) ?? JSON.stringify(value ?? {}, null, 2);
    return this.#renderInput(
      path,
      label,
      text,
      at,
      (typed) => {
        try {
          set(JSON.parse(typed));
          this.#jsonText.delete(path);
          this.#local.delete(path);
        } catch (error) {
          this.#jsonText.set(path, typed);
          this.#local.set(path, { path, message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` });
        }
      },
      { rows },
    );
  }

  /** One SQL statement in a CodeMirror editor. */
  #renderSql(path: string, label: string, value: unknown, at: (path: string) => Problem[], set: (value: string) => void): TemplateResult {
    return html`<cl-scenario-sql-field
      data-path=${path}
      .value=${str(value)}
      .label=${label}
      .problems=${at(path)}
      @cl-sql-field-change=${(e: CustomEvent<{ value: string }>) => {
        set(e.detail.value);
        this.#edited();
      }}
    ></cl-scenario-sql-field>`;
  }

  /** A list of SQL statements, one editor each, with Add and Remove. */
  #renderStatements(path: string, label: string, parent: JsonObject, key: string, at: (path: string) => Problem[]): TemplateResult {
    const list = arr(parent[key]);
    return html`<div class="statements">
      <div class="list-label">${label}</div>
      ${list.map(
        (statement, i) => html`<div class="statement">
          ${this.#renderSql(`${path}[${i}]`, `${label}, statement ${i + 1}`, statement, at, (v) => (arrAt(parent, key)[i] = v))}
          <button
            class="remove"
            aria-label="Remove ${label.toLowerCase()}, statement ${i + 1}"
            @click=${() => {
              arrAt(parent, key).splice(i, 1);
              this.#edited();
            }}
          >
            Remove
          </button>
        </div>`,
      )}
      ${list.length === 0 ? html`<p class="muted">No statements.</p>` : nothing} ${this.#renderProblems(path, at(path))}
      <button
        aria-label="Add statement to ${label.toLowerCase()}"
        @click=${() => {
          arrAt(parent, key).push('');
          this.#edited();
        }}
      >
        Add statement
      </button>
    </div>`;
  }

  #renderAbout(d: JsonObject, at: (path: string) => Problem[]): TemplateResult {
    const choice = (path: string, label: string, options: readonly string[]): TemplateResult => {
      const problems = at(path);
      const value = str(d[path]);
      return html`<div class="field">
        <label for=${idOf(path)}>${label}</label>
        <select
          id=${idOf(path)}
          aria-invalid=${problems.length > 0 ? 'true' : 'false'}
          @change=${(e: Event) => {
            d[path] = (e.target as HTMLSelectElement).value;
            this.#edited();
          }}
        >
          ${[...new Set([...options, value])].filter((o) => o !== '').map((o) => html`<option value=${o} ?selected=${o === value}>${o}</option>`)}
        </select>
        ${this.#renderProblems(path, problems)}
      </div>`;
    };
    return html`<section aria-labelledby="about-heading">
      <h5 id="about-heading">Scenario</h5>
      <div class="grid">
        ${this.#renderInput('id', 'Id (lower-case letters, digits and dashes)', str(d.id), at, (v) => (d.id = v))}
        ${this.#renderInput('title', 'Title', str(d.title), at, (v) => (d.title = v))} ${choice('topology', 'Topology', ['shared', 'split'])}
        ${choice('policy', 'Dual-write policy', ['atomic', 'compensate', 'best-effort'])}
      </div>
      ${this.#renderInput('summary', 'Summary', str(d.summary), at, (v) => (d.summary = v), { rows: 3 })}
      ${['format', 'version'].some((p) => at(p).length > 0)
        ? html`${this.#renderProblems('format', at('format'))}${this.#renderProblems('version', at('version'))}`
        : nothing}
    </section>`;
  }

  #renderSchemas(d: JsonObject, at: (path: string) => Problem[]): TemplateResult {
    const schema = objAt(d, 'schema');
    return html`<section aria-labelledby="schema-heading">
      <h5 id="schema-heading">Schemas</h5>
      <div class="sides">${SIDES.map((side) => this.#renderStatements(`schema.${side}`, `${SIDE_LABEL[side]} schema`, schema, side, at))}</div>
    </section>`;
  }

  #renderCollections(d: JsonObject, at: (path: string) => Problem[]): TemplateResult {
    const collections = obj(d.collections);
    return html`<section aria-labelledby="collections-heading">
      <h5 id="collections-heading">Collections</h5>
      ${Object.keys(collections).length === 0 ? html`<p class="muted">None: add one in the JSON view.</p>` : nothing}
      ${Object.entries(collections).map(([name, value]) => {
        const c = obj(value);
        const path = `collections.${name}`;
        const rows = objAt(c, 'rows');
        return html`<fieldset>
          <legend>${name}</legend>
          ${this.#renderProblems(path, at(path))}
          <div class="grid">
            ${this.#renderInput(`${path}.key`, `${name}: key columns (comma-separated)`, arr(c.key).map(str).join(', '), at, (v) => (c.key = commaList(v)))}
            ${this.#renderInput(`${path}.fields`, `${name}: field columns (comma-separated)`, arr(c.fields).map(str).join(', '), at, (v) => (c.fields = commaList(v)))}
          </div>
          <div class="sides">
            ${SIDES.map((side) => this.#renderSql(`${path}.rows.${side}`, `${name}: rows, ${side} (canonical SELECT)`, rows[side], at, (v) => (rows[side] = v)))}
          </div>
          ${(['upsert', 'remove'] as const).map(
            (list) => html`<div class="sides">
              ${SIDES.map((side) => this.#renderStatements(`${path}.${list}.${side}`, `${name}: ${list} ${side}`, objAt(c, list), side, at))}
            </div>`,
          )}
          ${this.#renderJson(`${path}.check`, `${name}: check (JSON)`, c.check, at, (v) => (c.check = v), 3)}
        </fieldset>`;
      })}
    </section>`;
  }

  #renderOperations(d: JsonObject, at: (path: string) => Problem[]): TemplateResult {
    const operations = obj(d.operations);
    return html`<section aria-labelledby="operations-heading">
      <h5 id="operations-heading">Operations</h5>
      ${Object.entries(operations).map(([name, value]) => {
        const op = obj(value);
        const path = `operations.${name}`;
        const read = op.kind === 'read';
        return html`<fieldset>
          <legend>${name} <span class="muted">(${read ? 'read' : 'write'})</span></legend>
          ${this.#renderProblems(path, at(path))}
          ${read
            ? html`${this.#renderInput(`${path}.collection`, `${name}: collection`, str(op.collection), at, (v) => (op.collection = v))}
                <div class="sides">${SIDES.map((side) => this.#renderSql(`${path}.${side}`, `${name}: ${side} SELECT`, op[side], at, (v) => (op[side] = v)))}</div>`
            : html`<div class="sides">${SIDES.map((side) => this.#renderStatements(`${path}.${side}`, `${name}: ${side} statements`, op, side, at))}</div>`}
          <div class="grid">
            ${this.#renderJson(`${path}.params`, `${name}: params (JSON)`, op.params, at, (v) => (op.params = v))}
            ${read ? nothing : this.#renderJson(`${path}.effect`, `${name}: effect (JSON)`, op.effect, at, (v) => (op.effect = v))}
          </div>
        </fieldset>`;
      })}
    </section>`;
  }

  #renderDrop(d: JsonObject, at: (path: string) => Problem[]): TemplateResult {
    return html`<section aria-labelledby="drop-heading">
      <h5 id="drop-heading">Drop</h5>
      ${this.#renderStatements('drop', 'Drop', d, 'drop', at)}
    </section>`;
  }

  #renderSeedData(d: JsonObject, at: (path: string) => Problem[]): TemplateResult {
    const steps = arr(d.seedData);
    const writes = Object.entries(obj(d.operations))
      .filter(([, op]) => obj(op).kind === 'write')
      .map(([name]) => name);
    return html`<section aria-labelledby="seed-heading">
      <h5 id="seed-heading">Seed data</h5>
      ${this.#renderProblems('seedData', at('seedData'))}
      ${steps.map((value, i) => {
        const step = obj(value);
        const path = `seedData[${i}]`;
        const operation = str(step.operation);
        const problems = at(`${path}.operation`);
        return html`<div class="seed">
          <div class="field">
            <label for=${idOf(`${path}.operation`)}>Step ${i + 1}: operation</label>
            <select
              id=${idOf(`${path}.operation`)}
              aria-invalid=${problems.length > 0 ? 'true' : 'false'}
              @change=${(e: Event) => {
                objIn(arrAt(d, 'seedData'), i).operation = (e.target as HTMLSelectElement).value;
                this.#edited();
              }}
            >
              ${[...new Set([...writes, operation])].map((o) => html`<option value=${o} ?selected=${o === operation}>${o || '(none)'}</option>`)}
            </select>
            ${this.#renderProblems(`${path}.operation`, problems)}
          </div>
          ${this.#renderInput(`${path}.count`, `Step ${i + 1}: count`, step.count === undefined || step.count === null ? '' : String(step.count as number), at, (v) => (objIn(arrAt(d, 'seedData'), i).count = v.trim() === '' ? null : Number(v)), {
            type: 'number',
          })}
          <button
            class="remove"
            aria-label="Remove seed data step ${i + 1}"
            @click=${() => {
              arrAt(d, 'seedData').splice(i, 1);
              this.#edited();
            }}
          >
            Remove
          </button>
          ${this.#renderProblems(path, at(path))}
        </div>`;
      })}
      <button
        @click=${() => {
          arrAt(d, 'seedData').push({ operation: writes[0] ?? '', count: 10 });
          this.#edited();
        }}
      >
        Add a seed data step
      </button>
    </section>`;
  }

  #renderMix(d: JsonObject, at: (path: string) => Problem[]): TemplateResult {
    const names = [...new Set([...Object.keys(obj(d.operations)), ...Object.keys(obj(obj(d.workload).mix))])];
    return html`<section aria-labelledby="mix-heading">
      <h5 id="mix-heading">Workload mix</h5>
      ${this.#renderProblems('workload.mix', at('workload.mix'))}
      <div class="grid mix">
        ${names.map((name) => {
          const mix = obj(obj(d.workload).mix);
          const weight = mix[name];
          return this.#renderInput(`workload.mix.${name}`, `Weight of ${name}`, weight === undefined || weight === null ? '' : String(weight as number), at, (v) => {
            const target = objAt(objAt(d, 'workload'), 'mix');
            if (v.trim() === '') delete target[name];
            else target[name] = Number(v);
          }, { type: 'number' });
        })}
      </div>
    </section>`;
  }

  #renderJsonView(): TemplateResult {
    const path = '';
    const text = this.#jsonText.get(path) ?? JSON.stringify(this.#draft, null, 2);
    const local = this.#local.get('json');
    return html`<details class="json-view">
      <summary>JSON of the whole scenario</summary>
      <label for="json-view">The scenario as JSON (sources, labels, settings, compensate and anything else)</label>
      <textarea
        id="json-view"
        rows="16"
        spellcheck="false"
        .value=${text}
        aria-invalid=${local ? 'true' : 'false'}
        aria-describedby=${local ? 'json-view-problems' : nothing}
        @input=${(e: Event) => {
          const typed = (e.target as HTMLTextAreaElement).value;
          this.#jsonText.set(path, typed);
          try {
            const parsed: unknown = JSON.parse(typed);
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('a scenario is a JSON object');
            this.#draft = parsed as JsonObject;
            this.#local.delete('json');
            // Field texts that did not parse belong to the draft that was replaced.
            for (const key of [...this.#jsonText.keys()]) if (key !== path) this.#jsonText.delete(key);
            for (const key of [...this.#local.keys()]) this.#local.delete(key);
          } catch (error) {
            this.#local.set('json', { path: '', message: `the JSON view is not valid JSON: ${error instanceof Error ? error.message : String(error)}` });
          }
          this.#edited(true);
        }}
      ></textarea>
      ${local ? html`<ul class="problems" id="json-view-problems"><li>${local.message}</li></ul>` : nothing}
    </details>`;
  }

  #renderDryRun(): TemplateResult {
    const dry = this._dry;
    const source = this.importName ? html`a sample of the rows of <strong>${this.importName}</strong>` : html`the records the seed data writes`;
    const differing = (c: DryRunCollection): number => c.differing ?? c.differences.length;
    return html`<section aria-labelledby="dry-heading" class="dry-run">
      <h5 id="dry-heading">Dry run</h5>
      <p class="muted">
        Applies the new schema and each collection's upsert statements to ${source} (up to ${DRY_RUN_MOST} records a collection, spread evenly over all of it in key order), then reads both sides
        back and compares every record. Nothing is stored.
      </p>
      <button ?disabled=${this._dryRunning} @click=${this.#handleDryRun}>${this._dryRunning ? 'Running the dry run…' : 'Dry run'}</button>
      <div aria-live="polite">
        ${dry !== null && this._dryStale ? html`<p class="muted stale">The scenario was edited after this dry run: run it again to see the edit.</p>` : nothing}
        ${dry === null
          ? nothing
          : 'failed' in dry
            ? html`<p class="bad">The dry run failed: ${dry.failed}</p>`
            : !dry.ok
              ? html`<p class="bad">The scenario has ${plural(dry.problems.length, 'problem')}; the dry run ran nothing:</p>
                  <ul class="problems">
                    ${dry.problems.map((p) => html`<li><code>${p.path}</code>: ${p.message}</li>`)}
                  </ul>`
              : html`<p>
                    ${dry.source === 'import' ? `A sample of the rows of ${this.importName ?? 'the imported database'}` : 'The seed data'}:
                    ${plural(dry.collections.reduce((n, c) => n + c.sampled, 0), 'record')} compared,
                    ${dry.collections.reduce((n, c) => n + differing(c), 0).toLocaleString('en-US')} differing.
                  </p>
                  ${dry.collections.map((c) => this.#renderDryCollection(c))}`}
      </div>
    </section>`;
  }

  #renderDryCollection(c: DryRunCollection): TemplateResult {
    const differing = c.differing ?? c.differences.length;
    const keyCount = Math.max(1, arr(obj(obj(this.#draft.collections)[c.name]).key).length);
    const listed = new Set(c.differences.map((d) => d.key));
    // The frame scrolls sideways when a table is wider than its place: keyboard users reach it too.
    const table = (side: Side, rows: DryRunRows): TemplateResult => html`<div class="table-wrap" tabindex="0" role="region" aria-label="${SIDE_LABEL[side]} rows of ${c.name}">
      <table class="rows" data-side=${side}>
        <caption>
          ${SIDE_LABEL[side]}: ${rows.rows.length === 0 ? 'no rows' : `the first ${plural(rows.rows.length, 'row')} of the sample, in key order`}
        </caption>
        <thead>
          <tr>
            <th scope="col"><span class="visually-hidden">Differs</span></th>
            ${rows.columns.map((col) => html`<th scope="col">${col}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${rows.rows.map((row) => {
            const differs = listed.has(keyOf(row.slice(0, keyCount)));
            return html`<tr class=${differs ? 'differs' : ''}>
              <td>${differs ? html`<span aria-hidden="true">≠</span><span class="visually-hidden">differs</span>` : nothing}</td>
              ${row.map((v) => html`<td class=${v === null ? 'null' : ''}>${valueText(v)}</td>`)}
            </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
    const fields = (record: Readonly<Record<string, unknown>> | null): string =>
      record === null
        ? 'absent'
        : Object.entries(record)
            .map(([k, v]) => `${k} ${valueText(v)}`)
            .join(', ');
    // A collection of more records than the dry run compares is sampled across all of it; else all are compared.
    const compared = c.sampled >= DRY_RUN_MOST ? `${plural(c.sampled, 'record')} compared, spread over the whole collection in key order` : `All ${plural(c.sampled, 'record')} compared`;
    return html`<article class="dry-collection" data-collection=${c.name}>
      <h6>${c.name} <span class="muted">(${plural(c.sampled, 'record')} sampled)</span></h6>
      ${c.error
        ? html`<p class="bad error"><code>${c.error.path}</code>: ${c.error.message}</p>`
        : nothing}
      <div class="sides">${table('old', c.old)} ${table('new', c.new)}</div>
      ${differing === 0
        ? c.error
          ? nothing
          : html`<p class="ok verdict">${compared}. Both sides agree on every sampled record.</p>`
        : html`<p class="bad verdict">
              ${compared}. ${differing.toLocaleString('en-US')} of ${c.sampled.toLocaleString('en-US')} differ${c.differences.length < differing ? ` (the first ${c.differences.length.toLocaleString('en-US')} listed)` : ''}.
            </p>
            <ul class="differences" aria-label="Differences in ${c.name}">
            ${c.differences.map(
              (d) => html`<li><code>${d.key}</code>: old ${fields(d.old)}; new ${fields(d.new)}</li>`,
            )}
          </ul>`}
    </article>`;
  }
}

if (!customElements.get('cl-scenario-editor')) customElements.define('cl-scenario-editor', ClScenarioEditor);

declare global {
  interface HTMLElementTagNameMap {
    'cl-scenario-editor': ClScenarioEditor;
  }
  interface HTMLElementEventMap {
    'cl-editor-start': CustomEvent<{ scenario: Scenario }>;
    'cl-editor-save': CustomEvent<{ scenario: Scenario }>;
    'cl-editor-cancel': CustomEvent<null>;
  }
}
