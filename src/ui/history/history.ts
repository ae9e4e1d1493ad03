/**
 * `<cl-history>`: the event log of a rehearsal, newest first, with filters and a details pane.
 *
 * Rendering is windowed: the list is a scroll container whose inner height is rows × `ROW_HEIGHT`,
 * and only the rows in view (plus a few above and below) exist in the DOM, so 100,000 entries
 * scroll as smoothly as ten. The list's height and the rows' offset are set through CSSOM
 * (`style.height`, `style.transform`), which the page's CSP allows; templates carry no style
 * attributes.
 *
 * Keyboard: the list is one tab stop (a listbox); ↑/↓, Page Up/Down, Home/End move the
 * selection, Enter or Space opens its details, Escape closes them.
 *
 * Filtering a long log is spread over several tasks of at most `SLICE_MS` each; until it is done
 * the panel shows the previous filter's entries and says "filtering…", and `updateComplete`
 * resolves only once the filter is applied.
 *
 * The element takes a height from its own CSS (32rem by default; set `height` on it to change).
 *
 * @fires cl-history-filter - The filter was changed with the panel's own controls; detail: the new `HistoryFilter`. The panel has already applied it.
 * @fires cl-clear-highlight - "clear" was pressed on the lost-writes chip; no detail. The panel has already set `highlight` to `''`.
 *
 * @csspart toolbar - The row of filter controls.
 * @csspart count - The "N entries (M shown)" line.
 * @csspart chip - The "Showing lost writes" chip.
 * @csspart list - The scrolling list (the listbox).
 * @csspart row - Each rendered row.
 * @csspart details - The details pane of the opened entry.
 *
 * @cssproperty --cl-bg - List background.
 * @cssproperty --cl-surface - Toolbar and details background.
 * @cssproperty --cl-surface-2 - Selected row background.
 * @cssproperty --cl-text - Text.
 * @cssproperty --cl-muted - Secondary text.
 * @cssproperty --cl-border - Borders and row separators.
 * @cssproperty --cl-accent - Selected row marker and the chip.
 * @cssproperty --cl-ok - "ok" badge.
 * @cssproperty --cl-warn - "info" badge, warnings.
 * @cssproperty --cl-bad - "fail" badge, errors.
 * @cssproperty --cl-old - The old side.
 * @cssproperty --cl-new - The new side.
 * @cssproperty --cl-focus - Focus ring.
 * @cssproperty --cl-mono - Monospace font (times, params, rows).
 * @cssproperty --cl-radius - Corner radius.
 * @cssproperty --cl-gap - Spacing.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { tableStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import type { HistoryEntry, HistoryFilter } from '../types.ts';
import { ROW_HEIGHT, historyStyles } from './history.styles.ts';
import { renderEventDetails, renderOperationDetails } from './entry-details.ts';
import { renderEventRow, renderOperationRow } from './entry-row.ts';
import { countOf } from './format.ts';
import { rowAfterKey, windowRange } from './list-window.ts';
import { isOutcome, isShow, OUTCOME_OPTIONS, SHOW_EVERYTHING, SHOW_OPTIONS, ShownEntries, type HistoryQuery } from './shown-entries.ts';

export { ROW_HEIGHT };

/** Height assumed until the list has been measured. */
const FALLBACK_VIEWPORT = 800;

/**
 * Time an update may spend applying a filter or new entries, ms: the rest goes on in later tasks,
 * so the page keeps drawing frames (the first text search of 100,000 entries takes ~250 ms).
 */
const SLICE_MS = 8;

declare global {
  interface HTMLElementEventMap {
    'cl-history-filter': CustomEvent<HistoryFilter>;
    'cl-clear-highlight': CustomEvent<Record<string, never>>;
  }
  interface HTMLElementTagNameMap {
    'cl-history': ClHistory;
  }
}

/** The event log of a rehearsal, newest first, windowed, filterable, with a details pane. */
export class ClHistory extends LitElement {
  static override properties = {
    entries: { attribute: false },
    revision: { type: Number },
    filter: { attribute: false },
    highlight: { type: String },
    lostIndexes: { attribute: false },
  };

  static override styles = [shared, tableStyles, historyStyles];

  /** The log, oldest first. The app appends to this same array and bumps `revision`; a different array that does not extend it starts over. */
  declare entries: readonly HistoryEntry[];
  /** Bumped by the app whenever `entries` grew or an in-flight entry was replaced by its completion. */
  declare revision: number;
  /** What is shown; the panel's own controls edit it too (and fire `cl-history-filter`). */
  declare filter: HistoryFilter;
  /** `'lost'` shows only the entries in `lostIndexes`, with a chip to clear it; anything else shows all. */
  declare highlight: string;
  /** Indexes (`HistoryEntry.index`) of the lost writes, from the history checker. Assign a new set to change it. */
  declare lostIndexes: ReadonlySet<number>;

  readonly #shown = new ShownEntries();
  /** Scroll offset the rendered window is computed from; the list's scrollTop follows it. */
  #scrollTop = 0;
  /** A scrollTop to give the list after this render (the spacer must have its new height first). */
  #scrollTopToApply: number | null = null;
  #viewportHeight = 0;
  /** Log position of the selected entry. */
  #selected: number | null = null;
  /** Log position of the entry whose details are open. */
  #opened: number | null = null;
  #resizeObserver: ResizeObserver | null = null;
  #list: HTMLElement | null = null;
  /** The task that goes on applying a filter (or entries) this update did not finish. */
  #continuation: ReturnType<typeof setTimeout> | null = null;
  /** Resolved when the filter being applied has been (see `getUpdateComplete`). */
  #applied: { readonly promise: Promise<void>; readonly resolve: () => void } | null = null;

  constructor() {
    super();
    this.entries = [];
    this.revision = 0;
    this.filter = SHOW_EVERYTHING;
    this.highlight = '';
    this.lostIndexes = new Set();
  }

  /** Entries the filter shows. */
  get shownCount(): number {
    return this.#shown.size;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.#list) this.#observeList(this.#list);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resizeObserver?.disconnect();
    this.#resizeObserver = null;
  }

  /** Whether a filter (or a large batch of new entries) is still being applied. */
  get filtering(): boolean {
    return this.#shown.pending;
  }

  // Also waits for a filter that is applied over several updates: callers see its result.
  protected override async getUpdateComplete(): Promise<boolean> {
    let result = await super.getUpdateComplete();
    while (this.#applied !== null) {
      await this.#applied.promise;
      result = await super.getUpdateComplete();
    }
    return result;
  }

  protected override willUpdate(): void {
    const before = this.#shown.size;
    const deadline = performance.now() + SLICE_MS;
    const change = this.#shown.sync(this.entries, this.#query(), () => performance.now() > deadline);
    this.#continueLater(change.pending);
    const after = this.#shown.size;
    if (change.replaced) {
      this.#selected = null;
      this.#opened = null;
      this.#scrollTo(0);
    } else if (change.requeried) {
      const row = this.#selected === null ? -1 : this.#shown.rowOf(this.#selected);
      this.#scrollTo(row < 0 ? 0 : Math.max(0, (row - 1) * ROW_HEIGHT));
    } else if (after > before && this.#scrollTop >= 1) {
      // New entries land on top: keep the rows the reader is looking at where they are.
      this.#scrollTo(this.#scrollTop + (after - before) * ROW_HEIGHT);
    }
    if (this.#selected !== null && this.#selected >= this.entries.length) this.#selected = null;
    if (this.#opened !== null && this.#opened >= this.entries.length) this.#opened = null;
  }

  protected override firstUpdated(): void {
    const list = this.renderRoot.querySelector<HTMLElement>('.list');
    if (!list) throw new Error('cl-history rendered without its list');
    this.#list = list;
    this.#observeList(list);
  }

  protected override updated(): void {
    const list = this.#list;
    if (!list) return;
    const [first] = this.#windowRange();
    // CSSOM, not style attributes: the CSP has no 'unsafe-inline'. The properties themselves, not
    // custom properties: those inherit, so changing one restyles every row below (each append).
    const spacer = list.querySelector<HTMLElement>('.spacer');
    const rendered = list.querySelector<HTMLElement>('.window');
    if (spacer) spacer.style.height = `${this.#shown.size * ROW_HEIGHT}px`;
    if (rendered) rendered.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    if (this.#scrollTopToApply !== null) {
      list.scrollTop = this.#scrollTopToApply;
      this.#scrollTopToApply = null;
    }
  }

  override render(): TemplateResult {
    const size = this.#shown.size;
    // aria-activedescendant must name a row that exists: the selected one, when it is rendered.
    const [first, end] = this.#windowRange();
    const selectedRow = this.#selected === null ? -1 : this.#shown.rowOf(this.#selected);
    const activeId = selectedRow >= first && selectedRow < end ? `row-${this.#selected}` : undefined;
    return html`
      ${this.renderToolbar()}
      <div class="status">
        <p class="count" part="count">${countOf(this.entries.length, 'entry', 'entries')} (${size.toLocaleString('en-US')} shown)${this.#shown.pending ? html`<span class="muted"> filtering…</span>` : nothing}</p>
        ${this.highlight === 'lost'
          ? html`<span class="chip" part="chip"
              >Showing lost writes —
              <button type="button" aria-label="Clear: show all entries again" @click=${this.handleClearHighlight}>clear</button></span
            >`
          : nothing}
      </div>
      <div class="body">
        <div
          class="list"
          part="list"
          role="listbox"
          tabindex="0"
          aria-label="History, newest first"
          aria-activedescendant=${activeId ?? nothing}
          @scroll=${this.handleScroll}
          @keydown=${this.handleListKeydown}
        >
          <div class="spacer"><div class="window">${this.renderRows()}</div></div>
          ${size === 0 ? html`<p class="empty muted" aria-hidden="true">${this.entries.length === 0 ? 'No entries yet.' : 'No entries match the filter.'}</p>` : nothing}
        </div>
        ${this.renderDetails()}
      </div>
    `;
  }

  // Every edit of the controls goes through `filter`, so plain property bindings stay in step with
  // the DOM. `?selected` covers the first render, when `.value` is set before the options exist.
  private renderToolbar(): TemplateResult {
    const { text, show, outcome } = this.filter;
    return html`<div class="toolbar" part="toolbar">
      <label class="search"
        >Search
        <input
          type="search"
          name="text"
          placeholder="operation, params, message, outcome, note"
          autocomplete="off"
          spellcheck="false"
          .value=${text}
          @input=${this.handleTextInput}
      /></label>
      <label
        >Show
        <select name="show" .value=${show} @change=${this.handleShowChange}>
          ${SHOW_OPTIONS.map(([value, label]) => html`<option value=${value} ?selected=${value === show}>${label}</option>`)}
        </select></label
      >
      <label
        >Outcome
        <select name="outcome" .value=${outcome} @change=${this.handleOutcomeChange}>
          ${OUTCOME_OPTIONS.map(([value, label]) => html`<option value=${value} ?selected=${value === outcome}>${label}</option>`)}
        </select></label
      >
    </div>`;
  }

  private renderRows(): TemplateResult[] {
    const [first, end] = this.#windowRange();
    const size = this.#shown.size;
    const rows: TemplateResult[] = [];
    for (let row = first; row < end; row++) {
      const position = this.#shown.positionAt(row);
      const entry = position === undefined ? undefined : this.entries[position];
      if (position === undefined || entry === undefined) continue;
      rows.push(html`<div
        class="row ${entry.kind}"
        part="row"
        role="option"
        id="row-${position}"
        data-position=${position}
        data-index=${entry.index}
        aria-selected=${position === this.#selected ? 'true' : 'false'}
        aria-posinset=${row + 1}
        aria-setsize=${size}
        @click=${this.handleRowClick}
      >
        ${entry.kind === 'operation' ? renderOperationRow(entry) : renderEventRow(entry)}
      </div>`);
    }
    return rows;
  }

  private renderDetails(): TemplateResult | typeof nothing {
    const entry = this.#opened === null ? undefined : this.entries[this.#opened];
    if (!entry) return nothing;
    const title = entry.kind === 'operation' ? `${entry.name} (${entry.access})` : `Event: ${entry.level}`;
    return html`<section class="details" part="details" aria-labelledby="details-title">
      <header>
        <h3 id="details-title">#${entry.index} ${title}</h3>
        <button type="button" @click=${this.handleCloseDetails}>Close</button>
      </header>
      ${entry.kind === 'operation' ? renderOperationDetails(entry) : renderEventDetails(entry)}
    </section>`;
  }

  private handleScroll(): void {
    const list = this.#list;
    if (!list) return;
    const top = list.scrollTop;
    if (top === this.#scrollTop) return;
    const [first, end] = this.#windowRange();
    this.#scrollTop = top;
    const [nextFirst, nextEnd] = this.#windowRange();
    if (nextFirst !== first || nextEnd !== end) this.requestUpdate();
  }

  private handleListKeydown(event: KeyboardEvent): void {
    const size = this.#shown.size;
    if (size === 0) return;
    const current = this.#selected === null ? -1 : this.#shown.rowOf(this.#selected);
    const page = Math.max(1, Math.floor(this.#viewport() / ROW_HEIGHT) - 1);
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (current >= 0) this.#open(this.#selected);
      return;
    }
    if (event.key === 'Escape') {
      if (this.#opened !== null) {
        event.preventDefault();
        this.#open(null);
      }
      return;
    }
    const next = rowAfterKey(event.key, current, size, page);
    if (next === null) return;
    event.preventDefault();
    this.#select(next);
  }

  private handleRowClick(event: Event): void {
    const row = event.currentTarget instanceof HTMLElement ? event.currentTarget : null;
    const position = Number(row?.dataset['position']);
    if (!Number.isInteger(position)) return;
    this.#selected = position;
    this.#open(position);
    this.#list?.focus({ preventScroll: true });
  }

  private handleCloseDetails(): void {
    this.#open(null);
    this.#list?.focus({ preventScroll: true });
  }

  private handleTextInput(event: Event): void {
    const input = event.target as HTMLInputElement;
    this.#setFilter({ ...this.filter, text: input.value });
  }

  private handleShowChange(event: Event): void {
    const value = (event.target as HTMLSelectElement).value;
    if (isShow(value)) this.#setFilter({ ...this.filter, show: value });
  }

  private handleOutcomeChange(event: Event): void {
    const value = (event.target as HTMLSelectElement).value;
    if (isOutcome(value)) this.#setFilter({ ...this.filter, outcome: value });
  }

  private handleClearHighlight(): void {
    this.highlight = '';
    this.#emit('cl-clear-highlight', {});
  }

  #query(): HistoryQuery {
    return { filter: this.filter, only: this.highlight === 'lost' ? this.lostIndexes : null };
  }

  #setFilter(filter: HistoryFilter): void {
    this.filter = filter;
    this.#emit('cl-history-filter', filter);
  }

  // fire() is typed to ClEventMap, which does not list this panel's own events; same shape.
  #emit<K extends 'cl-history-filter' | 'cl-clear-highlight'>(type: K, detail: HTMLElementEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** Selects the entry at display row `row` and scrolls it into view. */
  #select(row: number): void {
    const position = this.#shown.positionAt(row);
    if (position === undefined) return;
    this.#selected = position;
    const top = row * ROW_HEIGHT;
    const viewport = this.#viewport();
    if (top < this.#scrollTop) this.#scrollTo(top);
    else if (top + ROW_HEIGHT > this.#scrollTop + viewport) this.#scrollTo(top + ROW_HEIGHT - viewport);
    this.requestUpdate();
  }

  #open(position: number | null): void {
    this.#opened = position;
    this.requestUpdate();
  }

  #scrollTo(top: number): void {
    const max = Math.max(0, this.#shown.size * ROW_HEIGHT - this.#viewport());
    this.#scrollTop = Math.min(max, Math.max(0, Math.round(top)));
    this.#scrollTopToApply = this.#scrollTop;
  }

  /** Goes on with what this update left undone in a task of its own, or settles `updateComplete`'s wait. */
  #continueLater(pending: boolean): void {
    if (!pending) {
      const applied = this.#applied;
      this.#applied = null;
      applied?.resolve();
      return;
    }
    if (this.#applied === null) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#applied = { promise, resolve };
    }
    // A task, not a microtask: the page draws a frame and handles input in between.
    if (this.#continuation !== null) return;
    this.#continuation = setTimeout(() => {
      this.#continuation = null;
      this.requestUpdate();
    });
  }

  #viewport(): number {
    // Until the ResizeObserver reports, measure (handlers only; render uses the same value).
    return this.#viewportHeight || this.#list?.clientHeight || FALLBACK_VIEWPORT;
  }

  /** Display rows rendered: [first, end). */
  #windowRange(): [number, number] {
    return windowRange(this.#scrollTop, this.#viewport(), this.#shown.size);
  }

  #observeList(list: HTMLElement): void {
    this.#resizeObserver?.disconnect();
    this.#resizeObserver = new ResizeObserver(() => {
      const height = list.clientHeight;
      if (height === this.#viewportHeight) return;
      this.#viewportHeight = height;
      this.requestUpdate();
    });
    this.#resizeObserver.observe(list);
  }
}

if (!customElements.get('cl-history')) customElements.define('cl-history', ClHistory);
