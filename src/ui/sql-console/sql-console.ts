/**
 * The SQL console: a SQLite editor, a choice of side, the result of the last statement and a
 * browser of both sides' schemas. It runs nothing itself; it fires `cl-run-query` and shows what
 * the app hands back in `result`, `error` and `running`. Every database value is rendered as text.
 *
 * @fires cl-run-query - Run (or Ctrl/Cmd+Enter) with `{ side, sql }`.
 *
 * @csspart base - The layout grid holding the workspace and the schema browser.
 * @csspart toolbar - The side selector and the Run button.
 * @csspart side-selector - The old/new radio group.
 * @csspart run-button - The Run button.
 * @csspart editor - The box the CodeMirror editor is mounted in.
 * @csspart error - The alert region showing `error`.
 * @csspart summary - The line saying how many rows came back or changed.
 * @csspart results - The scrolling box around the result table.
 * @csspart table - The result table.
 * @csspart schema - The schema browser.
 *
 * @cssproperty --cl-sql-console-editor-min-height - Smallest editor height (default 6rem).
 * @cssproperty --cl-sql-console-editor-max-height - Editor height before it scrolls (default 18rem).
 * @cssproperty --cl-sql-console-results-max-height - Result height before it scrolls (default 24rem).
 * @cssproperty --cl-sql-console-schema-width - Width of the schema browser beside the workspace (default 17rem).
 * @cssproperty --cl-sql-console-cell-max-width - Widest a result cell grows before wrapping (default 40ch).
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { SIDES, sqlValueToText, type Side, type SqlValue } from '../../engine/vocabulary.ts';
import { CONSOLE_LIMITS, type QueryResult, type SchemaInfo, type SchemaObject } from '../../worker/protocol.ts';
import { fire } from '../events.ts';
import { tableStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import { sqlConsoleStyles } from './sql-console.styles.ts';
// CodeMirror is most of the page's JavaScript: the editor module is loaded when a console first renders.
import type { SqlEditorHandle } from './sql-editor.ts';

const TYPE_ORDER: Readonly<Record<SchemaObject['type'], number>> = { table: 0, view: 1, index: 2, trigger: 3 };
const count = (n: number, noun: string): string => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
/** The focused element, inside shadow roots. */
function deepActiveElement(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}
const isApple = (): boolean => /Mac|iPhone|iPad/.test(navigator.platform);

/** The SQL console of one rehearsal. */
export class ClSqlConsole extends LitElement {
  static override properties = {
    labels: { attribute: false },
    schema: { attribute: false },
    result: { attribute: false },
    error: { type: String },
    running: { type: Boolean, reflect: true },
    side: { type: String, reflect: true },
    value: { type: String },
    _editorError: { state: true },
  };

  /** Names of the sides, shown in the side selector and the schema browser. */
  declare labels: Readonly<Record<Side, string>>;
  /** Both sides' schemas; `old` is null once dropped (the old side then cannot be chosen). Null until loaded. */
  declare schema: SchemaInfo | null;
  /** The last statement's result. */
  declare result: QueryResult | null;
  /** Why the last statement failed ("query cancelled", "ATTACH is not allowed…"), shown as an alert. */
  declare error: string | null;
  /** A statement is running: Run is disabled until the app clears this. */
  declare running: boolean;
  /** The side the next statement runs on. */
  declare side: Side;
  /** The editor's text; setting it replaces the text. */
  declare value: string;

  #editor: SqlEditorHandle | null = null;
  /** The editor module being loaded and mounted; `updateComplete` waits for it. */
  #mounting: Promise<void> | null = null;
  /** focus() was called before the editor was there: where focus was then (it moves to the editor unless the user moved it since). */
  #focusWanted: { readonly from: Element | null } | null = null;
  /** Why the editor module could not be loaded (shown in its place). */
  declare private _editorError: string | null;

  constructor() {
    super();
    this.labels = { old: 'old', new: 'new' };
    this.schema = null;
    this.result = null;
    this.error = null;
    this.running = false;
    this.side = 'new';
    this.value = '';
    this._editorError = null;
  }

  /** Moves keyboard focus into the editor. */
  override focus(options?: FocusOptions): void {
    if (this.#editor) this.#editor.focus();
    else {
      this.#focusWanted = this.isConnected ? { from: deepActiveElement() } : null;
      super.focus(options);
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-attached after a move: the editor was destroyed on disconnect.
    if (this.hasUpdated && !this.#editor) this.#mountEditor();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#editor?.destroy();
    this.#editor = null;
    this.#focusWanted = null;
  }

  /** Also waits for the editor, loaded on demand, to be mounted. */
  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    if (this.#mounting) await this.#mounting;
    return done;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('schema') || changed.has('side')) && this.side === 'old' && this.#oldDropped) this.side = 'new';
  }

  protected override firstUpdated(): void {
    this.#mountEditor();
  }

  protected override updated(changed: PropertyValues<this>): void {
    const editor = this.#editor;
    if (!editor) return;
    if (changed.has('value')) editor.setDoc(this.value);
    if (changed.has('schema') || changed.has('side')) editor.setSchema(this.#objects(this.side));
  }

  get #oldDropped(): boolean {
    return this.schema !== null && this.schema.old === null;
  }

  #objects(side: Side): readonly SchemaObject[] | null {
    return this.schema ? this.schema[side] : null;
  }

  /** Why Run is unavailable, or null when it can run. */
  get #blocked(): string | null {
    if (this.running) return 'running';
    if (this.value.trim() === '') return 'empty';
    if (this.value.length > CONSOLE_LIMITS.maxStatementChars) return 'too long';
    return null;
  }

  /** Loads the editor module (once per page) and mounts the editor with the text and schema of the moment. */
  #mountEditor(): void {
    if (this.#mounting) return;
    const mounting = import('./sql-editor.ts').then(
      ({ mountSqlEditor }) => {
        this.#mounting = null;
        const parent = this.renderRoot.querySelector('.editor');
        if (this.#editor || !this.isConnected || !(parent instanceof HTMLElement) || !(this.renderRoot instanceof ShadowRoot)) return;
        this.#editor = mountSqlEditor({
          doc: this.value,
          root: this.renderRoot,
          parent,
          label: 'SQL statement',
          describedBy: 'run-hint',
          objects: this.#objects(this.side),
          onRun: () => this.handleRun(),
          onChange: (doc) => (this.value = doc),
        });
        this._editorError = null;
        const focusWanted = this.#focusWanted;
        this.#focusWanted = null;
        // Keyboard focus asked for while loading (the `e` shortcut) lands in the editor.
        if (focusWanted && focusWanted.from === deepActiveElement()) this.#editor.focus();
        this.requestUpdate();
      },
      (error: unknown) => {
        this.#mounting = null;
        this._editorError = error instanceof Error ? error.message : String(error);
      },
    );
    this.#mounting = mounting;
  }

  private handleRun(): void {
    if (this.#blocked !== null) return;
    fire(this, 'cl-run-query', { side: this.side, sql: this.value });
  }

  private handleSideChange(event: Event): void {
    const input = event.target as HTMLInputElement;
    if (input.checked) this.side = input.value as Side;
  }

  private handleInsertName(name: string): void {
    this.#editor?.insertName(name);
  }

  protected override render(): TemplateResult {
    return html`
      <div class="layout" part="base">
        <div class="workspace">
          ${this.renderToolbar()}
          <!-- CodeMirror mounts after the status line, which is static so that Lit never clears the box. -->
          <div class="editor ${this.#editor ? '' : 'loading'}" part="editor"><p class="editor-status muted" role=${this._editorError ? 'alert' : nothing} ?hidden=${this.#editor !== null}>${this.#editor
            ? nothing
            : this._editorError
              ? `The editor could not be loaded (${this._editorError}). Reload the page to try again.`
              : 'Loading the editor…'}</p></div>
          ${this.renderLimitNotice()}
          <div class="error" part="error" role="alert">${this.error ? html`<p>${this.error}</p>` : nothing}</div>
          ${this.renderResult()}
        </div>
        ${this.renderSchema()}
      </div>
    `;
  }

  private renderToolbar(): TemplateResult {
    const shortcut = isApple() ? '⌘+Enter' : 'Ctrl+Enter';
    return html`
      <div class="toolbar" part="toolbar">
        <fieldset class="sides" part="side-selector">
          <legend>Run on</legend>
          ${SIDES.map((side) => {
            const disabled = side === 'old' && this.#oldDropped;
            return html`
              <label class="side side-${side} ${disabled ? 'disabled' : ''}">
                <input
                  type="radio"
                  name="side"
                  .value=${side}
                  .checked=${this.side === side}
                  ?disabled=${disabled}
                  @change=${this.handleSideChange}
                />
                <span>${this.labels[side]}</span>
                ${disabled ? html`<span class="muted">(dropped)</span>` : nothing}
              </label>
            `;
          })}
        </fieldset>
        <button
          class="primary run"
          part="run-button"
          type="button"
          aria-keyshortcuts=${isApple() ? 'Meta+Enter' : 'Control+Enter'}
          aria-describedby="run-hint"
          ?disabled=${this.#blocked !== null}
          @click=${this.handleRun}
        >
          ${this.running ? 'Running…' : 'Run'}
        </button>
        <span id="run-hint" class="muted hint">${shortcut} runs the statement</span>
      </div>
    `;
  }

  private renderLimitNotice(): TemplateResult | typeof nothing {
    const length = this.value.length;
    if (length <= CONSOLE_LIMITS.maxStatementChars) return nothing;
    return html`<p class="notice warn">
      The statement is ${count(length, 'character')} long; the console accepts at most
      ${CONSOLE_LIMITS.maxStatementChars.toLocaleString('en-US')}.
    </p>`;
  }

  private renderResult(): TemplateResult {
    const result = this.result;
    return html`
      <div class="summary" part="summary" role="status">${this.running
        ? html`<span>Running on ${this.labels[this.side]}…</span>`
        : result
          ? this.renderSummary(result)
          : nothing}</div>
      ${result && result.columns.length > 0 ? this.renderTable(result) : nothing}
    `;
  }

  private renderSummary(result: QueryResult): TemplateResult {
    const what = result.kind === 'write' ? `${count(result.changes, 'row')} changed` : count(result.rows.length, 'row');
    return html`
      <span class="count">${what}</span>
      <span class="muted">on ${this.labels[result.side]} · ${Math.round(result.durationMs).toLocaleString('en-US')} ms</span>
      ${result.truncated
        ? html`<span class="notice warn truncated">showing the first ${result.rows.length.toLocaleString('en-US')} rows</span>`
        : nothing}
      ${result.truncatedValues > 0
        ? html`<span class="notice warn truncated">${count(result.truncatedValues, 'value')} cut to the size limit</span>`
        : nothing}
      ${result.kind === 'write' && result.changes > 0
        ? html`<span class="notice hand-edit"
            >A hand edit is not in the workload's history: the invariant badge counts an acknowledged write it removed or changed as lost, and a value it made as unexpected.</span
          >`
        : nothing}
    `;
  }

  private renderTable(result: QueryResult): TemplateResult {
    return html`
      <div class="results" part="results" role="region" aria-label="Result rows" tabindex="0" aria-busy=${this.running ? 'true' : 'false'}>
        <table part="table">
          <thead>
            <tr>
              ${result.columns.map((column) => html`<th scope="col">${column}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${result.rows.map((row) => html`<tr>${row.map((value) => this.renderCell(value))}</tr>`)}
          </tbody>
        </table>
      </div>
    `;
  }

  private renderCell(value: SqlValue): TemplateResult {
    const kind = value === null ? 'null' : value instanceof Uint8Array ? 'blob' : typeof value === 'number' ? 'number' : 'text';
    return html`<td class=${kind}><div class="cell">${sqlValueToText(value)}</div></td>`;
  }

  private renderSchema(): TemplateResult {
    return html`
      <aside class="schema" part="schema" aria-labelledby="schema-heading">
        <h3 id="schema-heading">Schema</h3>
        <p id="schema-hint" class="visually-hidden">Choose a name to insert it at the editor's cursor.</p>
        ${SIDES.map((side) => this.renderSchemaSide(side))}
      </aside>
    `;
  }

  private renderSchemaSide(side: Side): TemplateResult {
    const objects = this.#objects(side);
    const mine = objects?.filter((o) => !o.engine) ?? [];
    const engine = objects?.filter((o) => o.engine) ?? [];
    return html`
      <section class="schema-side side-${side}" aria-labelledby="schema-${side}">
        <h4 id="schema-${side}">${this.labels[side]}</h4>
        ${this.schema === null
          ? html`<p class="muted">Not loaded yet.</p>`
          : objects === null
            ? html`<p class="muted">Dropped.</p>`
            : html`
                ${mine.length === 0 ? html`<p class="muted">No objects.</p>` : this.renderObjects(mine)}
                ${engine.length === 0
                  ? nothing
                  : html`<details class="engine-objects">
                      <summary>Engine-owned (${engine.length})</summary>
                      ${this.renderObjects(engine)}
                    </details>`}
              `}
      </section>
    `;
  }

  private renderObjects(objects: readonly SchemaObject[]): TemplateResult {
    const sorted = [...objects].sort((a, b) => TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || a.name.localeCompare(b.name));
    return html`<ul class="objects">
      ${sorted.map((object) => this.renderObject(object))}
    </ul>`;
  }

  private renderObject(object: SchemaObject): TemplateResult {
    return html`
      <li class="object ${object.engine ? 'engine' : ''}">
        <div class="object-head">
          <button
            type="button"
            class="object-name"
            aria-describedby="schema-hint"
            @click=${() => this.handleInsertName(object.name)}
          >
            ${object.name}
          </button>
          <span class="object-type">${object.type}</span>
        </div>
        ${object.columns.length === 0
          ? nothing
          : html`<ul class="columns" aria-label="Columns of ${object.name}">
              ${object.columns.map(
                (column) => html`<li>
                  <span class="column-name">${column.name}</span>
                  ${column.type ? html`<span class="column-type">${column.type}</span>` : nothing}
                  ${column.pk ? html`<abbr class="pk" title="primary key">PK</abbr>` : nothing}
                </li>`,
              )}
            </ul>`}
      </li>
    `;
  }

  static override styles = [shared, tableStyles, sqlConsoleStyles];
}

if (!customElements.get('cl-sql-console')) customElements.define('cl-sql-console', ClSqlConsole);

declare global {
  interface HTMLElementTagNameMap {
    'cl-sql-console': ClSqlConsole;
  }
}
