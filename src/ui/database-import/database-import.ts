/**
 * Bring your own database (issue 13): a `.sqlite` file, chosen or dropped on the picker, is read
 * in chunks with its progress shown, checked by the worker (`inspectDatabase`: header, length,
 * integrity check, size cap) and described — its tables, rows and the starter scenario made of
 * them. The starter opens in the scenario editor by itself (with its dry run on the file's rows;
 * "Edit the starter scenario" reopens it after Cancel), or a rehearsal of the starter as it is
 * starts with the file as its old database. Nothing is stored before
 * that start; a refused file changes nothing.
 *
 * @fires cl-open-rehearsal - start a rehearsal of the starter (or the edited scenario) on the imported file ({ scenario, durability, startingImport })
 * @fires cl-add-scenario - keep the edited scenario among the user's scenarios ({ scenario, warnings })
 */
import { html, LitElement, nothing } from 'lit';
import type { DurabilityMode, Scenario } from '../../engine/vocabulary.ts';
import { importSizeProblem, MAX_IMPORT_BYTES, sqliteHeaderProblem, type DatabaseInspection, type DryRunResult, type ScenarioCheck } from '../../worker/protocol.ts';
import { fire } from '../events.ts';
import { fileButtonStyles, tableStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import { databaseImportStyles } from './database-import.styles.ts';

/** What the import needs of the engine (the app passes the worker's calls). */
export interface ImportPorts {
  readonly inspect: (bytes: Uint8Array, fileName: string) => Promise<DatabaseInspection>;
  readonly check: (text: string) => Promise<ScenarioCheck>;
  readonly dryRun: (scenario: unknown, importId?: string) => Promise<DryRunResult>;
}

/** Where the import stands. */
type Stage =
  | { readonly kind: 'idle' }
  | { readonly kind: 'reading'; readonly name: string; readonly read: number; readonly size: number }
  | { readonly kind: 'checking'; readonly name: string; readonly size: number }
  | { readonly kind: 'refused'; readonly name: string; readonly problem: string }
  | {
      readonly kind: 'ready';
      readonly inspection: Extract<DatabaseInspection, { ok: true }>;
      readonly bytes: Uint8Array;
      readonly editing: boolean;
      /** One of the user's scenarios chosen to rehearse on the file instead of the starter (null: the starter). */
      readonly use: Scenario | null;
    };

/** File names taken for a database (a file with another name is still checked by its header). */
export const DATABASE_FILE = /\.(sqlite3?|db3?|s3db|sl3)$/i;

/** The worker's stages, in words. */
const TIMING_LABELS: Readonly<Record<string, string>> = { open: 'opening', integrity: 'integrity check', tables: 'reading the tables', starter: 'making the starter' };

const formatBytes = (n: number): string => {
  const mib = n / 1024 / 1024;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
};

/** Reads `file` in chunks, telling `onProgress` how many bytes are in; stops when `signal` aborts. */
async function readFile(file: File, onProgress: (read: number) => void, signal: AbortSignal): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  const reader = file.stream().getReader();
  let at = 0;
  let shown = 0;
  try {
    for (;;) {
      if (signal.aborted) throw new DOMException('the import was cancelled', 'AbortError');
      const { done, value } = await reader.read();
      if (done) break;
      if (at + value.length > out.length) throw new Error('the file grew while it was read: save it, then import it again');
      out.set(value, at);
      at += value.length;
      // About a hundred updates for a large file, not one a chunk.
      if (at - shown >= file.size / 100) {
        shown = at;
        onProgress(at);
      }
    }
  } finally {
    reader.releaseLock();
  }
  onProgress(at);
  return at === out.length ? out : out.slice(0, at);
}

/** The "Your own database" section of the picker. */
export class ClDatabaseImport extends LitElement {
  static override properties = {
    ports: { attribute: false },
    scenarios: { attribute: false },
    durability: { type: String },
    busy: { type: Boolean },
    _stage: { state: true },
  };

  /** The engine's calls; null while there is no engine to ask. */
  declare ports: ImportPorts | null;
  /**
   * The user's own scenarios: one may be rehearsed on the file instead of the starter (a scenario
   * written, or shared, for this database); the engine checks that the file fits it.
   */
  declare scenarios: readonly Scenario[];
  /** Durability of the rehearsal started from here (the picker's choice). */
  declare durability: DurabilityMode;
  /** Disables starting while a rehearsal opens. */
  declare busy: boolean;
  declare private _stage: Stage;
  #abort: AbortController | null = null;

  constructor() {
    super();
    this.ports = null;
    this.scenarios = [];
    this.durability = 'strict';
    this.busy = false;
    this._stage = { kind: 'idle' };
  }

  static override styles = [shared, fileButtonStyles, tableStyles, databaseImportStyles];

  override disconnectedCallback(): void {
    this.#abort?.abort();
    super.disconnectedCallback();
  }

  /** Reads and checks a database file; nothing is stored, whatever it holds. */
  async openFile(file: File): Promise<void> {
    const name = file.name;
    const refuse = (problem: string): void => {
      this._stage = { kind: 'refused', name, problem };
    };
    const tooLarge = importSizeProblem(file.size);
    if (tooLarge) return refuse(tooLarge);
    const ports = this.ports;
    if (!ports) return refuse('the engine is not ready yet: try again in a moment');
    // The header first: a 200 MiB file of something else is refused before it is read.
    const header = sqliteHeaderProblem(new Uint8Array(await file.slice(0, 100).arrayBuffer()));
    if (header) return refuse(header);
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    this._stage = { kind: 'reading', name, read: 0, size: file.size };
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file, (read) => (this._stage = { kind: 'reading', name, read, size: file.size }), abort.signal);
    } catch (error) {
      if (abort.signal.aborted) return;
      return refuse(`could not be read: ${(error as Error).message}`);
    }
    if (abort.signal.aborted) return;
    this._stage = { kind: 'checking', name, size: bytes.length };
    let inspection: DatabaseInspection;
    try {
      inspection = await ports.inspect(bytes, name);
    } catch (error) {
      return refuse(`could not be checked: ${(error as Error).message}`);
    }
    if (abort.signal.aborted) return;
    if (!inspection.ok) return refuse(inspection.problem);
    this._stage = { kind: 'ready', inspection, bytes, editing: false, use: null };
    // The starter opens in the editor by itself, once the editor has loaded.
    void this.#edit(false);
  }

  #cancel(): void {
    this.#abort?.abort();
    this.#abort = null;
    this._stage = { kind: 'idle' };
  }

  #choose(e: Event): void {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void this.openFile(file);
  }

  #start(scenario: Scenario): void {
    const stage = this._stage;
    if (stage.kind !== 'ready') return;
    fire(this, 'cl-open-rehearsal', { scenario, durability: this.durability, startingImport: { name: stage.inspection.fileName, bytes: stage.bytes } });
  }

  /** Opens the editor on the starter; `scroll` (a press of the button) also scrolls it into view. */
  async #edit(scroll: boolean): Promise<void> {
    const stage = this._stage;
    if (stage.kind !== 'ready') return;
    // The editor (CodeMirror) loads when first asked for: it is not part of the first page.
    await import('../scenario-editor/scenario-editor.ts');
    // The file may have been forgotten, or another one opened, while the editor loaded.
    if (this._stage !== stage) return;
    this._stage = { ...stage, editing: true };
    await this.updateComplete;
    if (scroll) this.renderRoot.querySelector('cl-scenario-editor')?.scrollIntoView({ block: 'start' });
  }

  /** Rehearses the file with one of the user's scenarios (by id), or the starter (""); the editor shows it. */
  #use(id: string): void {
    const stage = this._stage;
    if (stage.kind !== 'ready') return;
    this._stage = { ...stage, use: this.scenarios.find((sc) => sc.id === id) ?? null };
  }

  /** Closes the editor; focus goes to the button that reopens it. */
  async #closeEditor(stage: Extract<Stage, { kind: 'ready' }>): Promise<void> {
    this._stage = { ...stage, editing: false };
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>('button.edit-starter')?.focus();
  }

  #renderReady(stage: Extract<Stage, { kind: 'ready' }>) {
    const i = stage.inspection;
    const ports = this.ports;
    const rows = i.tables.reduce((n, t) => n + t.rows, 0);
    const withCollection = i.tables.filter((t) => t.collection !== null);
    return html`<div class="ready">
      <p class="ok" role="status">
        <strong>${i.fileName}</strong> (${formatBytes(i.bytes)}): integrity check ok — ${i.tables.length} ${i.tables.length === 1 ? 'table' : 'tables'},
        ${rows.toLocaleString('en-US')} rows. Nothing is stored until a rehearsal starts.
      </p>
      <p class="muted timings">
        Checked in the engine: ${Object.entries(i.timings)
          .map(([stage, ms]) => `${TIMING_LABELS[stage] ?? stage} ${ms.toLocaleString('en-US')} ms`)
          .join(', ')}.
      </p>
      <table class="tables">
        <caption class="visually-hidden">Tables of ${i.fileName}</caption>
        <thead>
          <tr><th scope="col">Table</th><th scope="col">Rows</th><th scope="col">Key</th><th scope="col">In the starter</th></tr>
        </thead>
        <tbody>
          ${i.tables.map(
            (t) => html`<tr>
              <th scope="row">${t.name}</th>
              <td class="num">${t.rows.toLocaleString('en-US')}</td>
              <td>${t.columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name).join(', ') || '—'}</td>
              <td>${t.collection !== null ? html`collection <code>${t.collection}</code>` : html`<span class="warn">no collection</span>`}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${i.notes.length > 0
        ? html`<ul class="notes">
            ${i.notes.map((n) => html`<li>${n}</li>`)}
          </ul>`
        : nothing}
      <p class="muted">
        The starter scenario: the old schema is the file's, the new one an unchanged copy to edit; ${withCollection.length}
        ${withCollection.length === 1 ? 'collection' : 'collections'}, a read and a write per table. A rehearsal of it starts with the file as its old
        database: its ${rows.toLocaleString('en-US')} rows are committed records the backfill must copy and the checker holds to their first state.
      </p>
      ${this.scenarios.length > 0
        ? html`<div class="use">
            <label for="use-scenario">Rehearse the file with</label>
            <select id="use-scenario" ?disabled=${this.busy} @change=${(e: Event) => this.#use((e.target as HTMLSelectElement).value)}>
              <option value="" ?selected=${stage.use === null}>the starter made of ${i.fileName}</option>
              ${this.scenarios.map((sc) => html`<option value=${sc.id} ?selected=${stage.use?.id === sc.id}>your scenario “${sc.id}”: ${sc.title}</option>`)}
            </select>
          </div>`
        : nothing}
      <div class="buttons">
        <button class="primary edit-starter" ?disabled=${this.busy || stage.editing} @click=${() => void this.#edit(true)}>${stage.use ? `Edit ${stage.use.id}` : 'Edit the starter scenario'}</button>
        <button ?disabled=${this.busy || (stage.use === null && withCollection.length === 0)} @click=${() => this.#start(stage.use ?? i.starter)}>
          ${stage.use ? `Start a rehearsal of ${stage.use.id} as it is` : 'Start a rehearsal of the starter as it is'}
        </button>
        <button @click=${() => this.#cancel()}>Forget this file</button>
      </div>
      ${stage.editing && ports
        ? html`<cl-scenario-editor
            .scenario=${stage.use ?? i.starter}
            .check=${ports.check}
            .dryRun=${(scenario: unknown) => ports.dryRun(scenario, i.importId)}
            .importName=${i.fileName}
            @cl-editor-start=${(e: CustomEvent<{ scenario: Scenario }>) => this.#start(e.detail.scenario)}
            @cl-editor-save=${(e: CustomEvent<{ scenario: Scenario }>) =>
              this.dispatchEvent(new CustomEvent('cl-add-scenario', { detail: { scenario: e.detail.scenario, warnings: [] }, bubbles: true, composed: true }))}
            @cl-editor-cancel=${() => void this.#closeEditor(stage)}
          ></cl-scenario-editor>`
        : nothing}
    </div>`;
  }

  override render() {
    const s = this._stage;
    const working = s.kind === 'reading' || s.kind === 'checking';
    return html`<section aria-labelledby="db-heading">
      <h3 id="db-heading">Your own database</h3>
      <p class="muted">
        A SQLite file (.sqlite, .db) becomes the old database of a rehearsal: its tables make a starter scenario to edit, its rows the data the
        migration must carry. It is checked first (header, length, <code>PRAGMA integrity_check</code>, at most ${formatBytes(MAX_IMPORT_BYTES)}).
      </p>
      <label class="file-button"
        ><input
          type="file"
          accept=".sqlite,.sqlite3,.db,.db3,.s3db,.sl3,application/vnd.sqlite3,application/x-sqlite3"
          ?disabled=${this.busy || working}
          @change=${(e: Event) => this.#choose(e)}
        /><span>Import a .sqlite database…</span></label
      >
      <div role="status" aria-live="polite">
        ${s.kind === 'reading'
          ? html`<p>
              Reading ${s.name}: ${formatBytes(s.read)} of ${formatBytes(s.size)}
              <progress max=${s.size} value=${s.read} aria-label="Bytes of ${s.name} read"></progress>
              <button @click=${() => this.#cancel()}>Cancel</button>
            </p>`
          : nothing}
        ${s.kind === 'checking' ? html`<p>Checking ${s.name} (${formatBytes(s.size)}): header, integrity check, tables…</p>` : nothing}
      </div>
      ${s.kind === 'refused'
        ? html`<div class="problems" role="alert">
            <p><strong>${s.name} was not imported</strong>: ${s.problem}</p>
            <p class="muted">Nothing was stored or changed.</p>
          </div>`
        : nothing}
      ${s.kind === 'ready' ? this.#renderReady(s) : nothing}
    </section>`;
  }
}

if (!customElements.get('cl-database-import')) customElements.define('cl-database-import', ClDatabaseImport);

declare global {
  interface HTMLElementTagNameMap {
    'cl-database-import': ClDatabaseImport;
  }
}
