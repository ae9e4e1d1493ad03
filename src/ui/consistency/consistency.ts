/**
 * `cl-consistency`: the consistency report — totals per collection with the sides' names, and a
 * row-level diff viewer: a keyboard-navigable list of discrepancies and, for the selected one,
 * both sides' records field by field with the differing fields marked.
 *
 * Every value from a database is rendered as text through Lit's text bindings.
 *
 * @fires cl-verify - "Verify" was pressed; detail `{}`
 *
 * @csspart summary - the one-line verdict
 * @csspart verify-button - the "Verify" button
 * @csspart totals - the totals table
 * @csspart list - the list of discrepancies (role="listbox")
 * @csspart option - one discrepancy in the list
 * @csspart detail - the selected discrepancy
 * @csspart fields - the field-by-field table of the selected discrepancy
 * @csspart app-reads - what verify found reading the records through the application's own reads
 * @csspart app-read-diffs - the table of the first records those reads return differently
 *
 * @cssproperty --cl-ok - verdict colour when both sides match
 * @cssproperty --cl-bad - verdict colour and marker of differing fields
 * @cssproperty --cl-warn - pending deletes
 * @cssproperty --cl-old - the old side's column heading
 * @cssproperty --cl-new - the new side's column heading
 * @cssproperty --cl-consistency-list-height - most height of the discrepancy list (default 20rem)
 */
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { AppReadsReport, ConsistencyReport, Discrepancy, Side } from '../../engine/vocabulary.ts';
import { fire } from '../events.ts';
import { tableStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import { consistencyStyles } from './consistency.styles.ts';
import { formatCount, formatRate, idOf, kindText, newerText, rateOf, valueText, valueType, verifiedWhen, type Counts, type FieldValue } from './format.ts';

/** The consistency report and its diff viewer. */
export class ClConsistency extends LitElement {
  static override properties = {
    report: { attribute: false },
    verifiedAt: { attribute: false },
    labels: { attribute: false },
    verifying: { type: Boolean, reflect: true },
    _selectedId: { state: true },
    _activeIndex: { state: true },
  };

  static override styles = [shared, tableStyles, consistencyStyles];

  /** The last verify's report (null: not verified in this session). */
  declare report: ConsistencyReport | null;
  /** When verify made the report (ms since the epoch), shown beside it; null shows nothing. */
  declare verifiedAt: number | null;
  /** Display names of the sides (`{ old: 'SQLite', new: 'JSON' }`); the report's own when null. */
  declare labels: Readonly<Record<Side, string>> | null;
  /** A verify runs: the button is disabled (attribute `verifying`). */
  declare verifying: boolean;
  /** The discrepancy shown in detail, by collection and key, so that it survives a new report. */
  declare private _selectedId: string | null;
  /** The option that takes Tab focus in the list (roving tabindex). */
  declare private _activeIndex: number;

  constructor() {
    super();
    this.report = null;
    this.verifiedAt = null;
    this.labels = null;
    this.verifying = false;
    this._selectedId = null;
    this._activeIndex = 0;
  }

  private get sideLabels(): Readonly<Record<Side, string>> {
    return this.labels ?? this.report?.labels ?? { old: 'old', new: 'new' };
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('report')) {
      const list = this.report?.discrepancies ?? [];
      const selected = this._selectedId === null ? -1 : list.findIndex((d) => idOf(d) === this._selectedId);
      if (selected < 0) this._selectedId = null;
      this._activeIndex = selected >= 0 ? selected : Math.min(this._activeIndex, Math.max(0, list.length - 1));
    }
  }

  protected override render(): TemplateResult {
    return html`
      <div class="head">
        ${this.renderSummary()}
        <button type="button" class="primary" part="verify-button" ?disabled=${this.verifying} @click=${this.handleVerify}>
          ${this.verifying ? 'Verifying…' : 'Verify'}
        </button>
      </div>
      ${this.report ? html`${this.renderTotals(this.report)} ${this.renderAppReads(this.report.appReads)} ${this.renderViewer(this.report)}` : nothing}
    `;
  }

  private renderSummary(): TemplateResult {
    const r = this.report;
    const l = this.sideLabels;
    if (!r) {
      return html`<p class="summary muted" part="summary" role="status">Not verified yet. Verify compares every record on ${l.old} and ${l.new}.</p>`;
    }
    const t = r.totals;
    const differing = t.total - t.consistent;
    const when = this.verifiedAt === null ? nothing : html` <span class="when muted">Verified ${verifiedWhen(this.verifiedAt)}.</span>`;
    const appDiffer = r.appReads?.mismatches ?? 0;
    if (differing === 0 && appDiffer > 0) {
      // The case the canonical comparison cannot see: a canonical query normalising differently from the application.
      return html`<p class="summary bad" part="summary" role="status">
        <span class="verdict">Not consistent: ${formatCount(appDiffer)} ${appDiffer === 1 ? 'record reads' : 'records read'} differently through the application</span>, though the
        canonical queries agree on all ${formatCount(t.total)} records.${when}
      </p>`;
    }
    if (differing === 0) {
      return html`<p class="summary ok" part="summary" role="status">
        <span class="verdict">Consistent:</span> all ${formatCount(t.total)} records are the same on ${l.old} and ${l.new}.${when}
      </p>`;
    }
    return html`<p class="summary bad" part="summary" role="status">
      <span class="verdict">${formatCount(differing)} of ${formatCount(t.total)} records differ</span>
      (mismatch rate ${formatRate(r.mismatchRate)}). Newer in ${l.old}: ${formatCount(t.newerInOld)}; newer in ${l.new}:
      ${formatCount(t.newerInNew)}.${when}
    </p>`;
  }

  private renderTotals(r: ConsistencyReport): TemplateResult {
    const l = this.sideLabels;
    return html`
      <div class="scroll" role="region" aria-label="Totals per collection" tabindex="0">
        <table class="totals" part="totals">
          <caption>
            Totals per collection
          </caption>
          <thead>
            <tr>
              <th scope="col">Collection</th>
              <th scope="col" class="num">Records</th>
              <th scope="col" class="num">Consistent</th>
              <th scope="col" class="num">Inconsistent</th>
              <th scope="col" class="num">${l.old} only</th>
              <th scope="col" class="num">${l.new} only</th>
              <th scope="col" class="num">Pending deletes</th>
              <th scope="col" class="num">Mismatch rate</th>
            </tr>
          </thead>
          <tbody>
            ${r.collections.map((c) => this.renderCountsRow(c.collection, c))}
          </tbody>
          ${r.collections.length > 1 ? html`<tfoot>${this.renderCountsRow('All', r.totals)}</tfoot>` : nothing}
        </table>
      </div>
    `;
  }

  private renderCountsRow(name: string, c: Counts): TemplateResult {
    const l = this.sideLabels;
    const bad = (n: number) => html`<td class=${n > 0 ? 'nonzero' : ''}>${formatCount(n)}</td>`;
    const pending = c.deletedInNew + c.deletedInOld;
    return html`<tr data-collection=${name}>
      <th scope="row">${name}</th>
      <td>${formatCount(c.total)}</td>
      <td>${formatCount(c.consistent)}</td>
      ${bad(c.inconsistent)} ${bad(c.oldOnly)} ${bad(c.newOnly)}
      <td class=${pending > 0 ? 'pending' : ''} title=${`deleted in ${l.new}, still in ${l.old}: ${c.deletedInNew}; deleted in ${l.old}, still in ${l.new}: ${c.deletedInOld}`}>
        ${formatCount(pending)}
      </td>
      <td class=${c.total - c.consistent > 0 ? 'nonzero' : ''}>${formatRate(rateOf(c))}</td>
    </tr>`;
  }

  /** What verify read through the application's reads, apart from the canonical counts. */
  private renderAppReads(a: AppReadsReport | undefined): TemplateResult | typeof nothing {
    if (!a) return nothing;
    const l = this.sideLabels;
    const reads = [...new Set(a.collections.map((c) => c.read))].join(', ');
    const sample = a.sample === 'all' ? 'every record' : `a sample of ${formatCount(a.sample)} records per collection`;
    let verdict: TemplateResult;
    if (a.sides.length < 2) verdict = html`<span class="muted">Not compared: ${l.old} is dropped.</span>`;
    else if (a.mismatches === 0) verdict = html`<span class="verdict ok">${formatCount(a.recordsCompared)} records read the same on ${l.old} and ${l.new}.</span>`;
    else
      verdict = html`<span class="verdict bad">${formatCount(a.mismatches)} of ${formatCount(a.recordsCompared)} records read differently.</span>
        <span>The canonical queries may hide this: a canonical query that normalises differently from the application's read makes backfill copy the damage and the totals above agree.</span>`;
    return html`
      <section class="app-reads" part="app-reads" aria-labelledby="app-reads-heading">
        <h3 id="app-reads-heading">Through the application's reads</h3>
        <p class="muted">Each collection's check read (${reads}), run on each side separately over ${sample}, compared field by field.</p>
        <p class="app-verdict" role="status">${verdict}</p>
        ${a.mismatches === 0 || a.first.length === 0 ? nothing : this.renderAppReadDiffs(a)}
      </section>
    `;
  }

  private renderAppReadDiffs(a: AppReadsReport): TemplateResult {
    const l = this.sideLabels;
    const rows = a.first.flatMap((m) =>
      m.onlyIn
        ? [html`<tr data-key=${m.key}>
            <th scope="row"><span class="collection">${m.collection}</span> <span class="key">${m.key}</span></th>
            <td class="whole" colspan="3">only ${l[m.onlyIn]} returns the record</td>
          </tr>`]
        : m.fields.map(
            (f) => html`<tr data-key=${m.key} data-field=${f.field}>
              <th scope="row"><span class="collection">${m.collection}</span> <span class="key">${m.key}</span></th>
              <td>${f.field}</td>
              <td class="value ${f.old === null ? 'null' : ''}">${valueText(f.old)}</td>
              <td class="value ${f.new === null ? 'null' : ''}">${valueText(f.new)}</td>
            </tr>`,
          ),
    );
    return html`
      ${a.mismatches > a.first.length ? html`<p class="count muted">The first ${formatCount(a.first.length)} of ${formatCount(a.mismatches)}:</p>` : nothing}
      <div class="scroll" role="region" aria-label="Records the application reads differently" tabindex="0">
        <table class="app-diffs" part="app-read-diffs">
          <caption class="visually-hidden">
            Records the application's reads return differently on ${l.old} and ${l.new}
          </caption>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Field</th>
              <th scope="col" class="old">${l.old}</th>
              <th scope="col" class="new">${l.new}</th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>
      </div>
    `;
  }

  private renderViewer(r: ConsistencyReport): TemplateResult | typeof nothing {
    if (r.discrepancyCount === 0) return nothing;
    const list = r.discrepancies;
    const selected = list.find((d) => idOf(d) === this._selectedId);
    return html`
      <div class="viewer">
        <div class="pane">
          <h3 id="list-heading">Discrepancies</h3>
          ${r.discrepancyCount > list.length
            ? html`<p class="count muted" id="list-count">Showing ${formatCount(list.length)} of ${formatCount(r.discrepancyCount)}.</p>`
            : nothing}
          <ul
            role="listbox"
            part="list"
            aria-labelledby="list-heading"
            aria-describedby=${r.discrepancyCount > list.length ? 'list-count' : nothing}
            @keydown=${this.handleListKeydown}
            @click=${this.handleListClick}
          >
            ${list.map((d, i) => this.renderOption(d, i))}
          </ul>
        </div>
        <div class="pane detail" part="detail">${selected ? this.renderDetail(selected) : html`<p class="muted">Select a discrepancy to compare its fields on both sides.</p>`}</div>
      </div>
    `;
  }

  private renderOption(d: Discrepancy, index: number): TemplateResult {
    const selected = idOf(d) === this._selectedId;
    return html`<li
      role="option"
      part="option"
      id=${`option-${index}`}
      data-index=${index}
      aria-selected=${selected ? 'true' : 'false'}
      tabindex=${index === this._activeIndex ? '0' : '-1'}
    >
      <span class="kind">${kindText(d.kind, this.sideLabels)}</span>
      <span class="collection">${d.collection}</span>
      <span class="key">${d.key}</span>
      <span class="newer">${newerText(d, this.sideLabels)}</span>
    </li>`;
  }

  private renderDetail(d: Discrepancy): TemplateResult {
    const l = this.sideLabels;
    const fieldNames = [...new Set([...Object.keys(d.old ?? {}), ...Object.keys(d.new ?? {}), ...d.fields.map((f) => f.field)])];
    // A record present on one side only differs in every field.
    const differs = new Set(d.old && d.new ? d.fields.map((f) => f.field) : fieldNames);
    return html`
      <h3><span class="collection">${d.collection}</span> <span class="key">${d.key}</span></h3>
      <p class="muted">${kindText(d.kind, this.sideLabels)} · ${newerText(d, this.sideLabels)}${d.old && d.new ? ` · ${d.fields.length} of ${fieldNames.length} fields differ` : ''}</p>
      <div class="scroll">
        <table class="fields" part="fields">
          <caption class="visually-hidden">
            ${d.collection} ${d.key} on ${l.old} and ${l.new}, field by field
          </caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col" class="old">${l.old}</th>
              <th scope="col" class="new">${l.new}</th>
            </tr>
          </thead>
          <tbody>
            ${fieldNames.map((field) => {
              const isDiff = differs.has(field);
              const o = d.old?.[field];
              const n = d.new?.[field];
              const showType = d.old !== null && d.new !== null && isDiff && valueType(o) !== valueType(n);
              return html`<tr class=${isDiff ? 'differs' : ''} data-field=${field}>
                <th scope="row">${field}${isDiff ? html`<span class="marker" aria-hidden="true">≠</span><span class="visually-hidden"> (differs)</span>` : nothing}</th>
                ${this.renderValue(d.old, o, showType)} ${this.renderValue(d.new, n, showType)}
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
    `;
  }

  private renderValue(record: Discrepancy['old'], value: FieldValue | undefined, showType: boolean): TemplateResult {
    if (record === null) return html`<td class="absent">no record</td>`;
    const isNull = value === null || value === undefined;
    return html`<td class=${isNull ? 'null' : ''}>${valueText(value)}${showType ? html`<span class="type">(${valueType(value)})</span>` : nothing}</td>`;
  }

  private handleVerify(): void {
    fire(this, 'cl-verify', {});
  }

  private handleListClick(event: MouseEvent): void {
    const option = (event.target as Element).closest<HTMLElement>('[role="option"]');
    if (option) void this.select(Number(option.dataset['index']), false);
  }

  private handleListKeydown(event: KeyboardEvent): void {
    const length = this.report?.discrepancies.length ?? 0;
    if (length === 0) return;
    const from = this.currentIndex(event);
    let to: number;
    switch (event.key) {
      case 'ArrowDown':
        to = Math.min(length - 1, from + 1);
        break;
      case 'ArrowUp':
        to = Math.max(0, from - 1);
        break;
      case 'Home':
        to = 0;
        break;
      case 'End':
        to = length - 1;
        break;
      case 'PageDown':
        to = Math.min(length - 1, from + 10);
        break;
      case 'PageUp':
        to = Math.max(0, from - 10);
        break;
      case 'Enter':
      case ' ':
        to = from;
        break;
      default:
        return;
    }
    event.preventDefault();
    void this.select(to, true);
  }

  /** The option the key was pressed on (focus is on an option), else the active one. */
  private currentIndex(event: KeyboardEvent): number {
    const option = (event.target as Element).closest<HTMLElement>('[role="option"]');
    return option ? Number(option.dataset['index']) : this._activeIndex;
  }

  /** Selects the discrepancy at `index`: selection follows focus in this single-select list. */
  private async select(index: number, focus: boolean): Promise<void> {
    const d = this.report?.discrepancies[index];
    if (!d) return;
    this._activeIndex = index;
    this._selectedId = idOf(d);
    if (!focus) return;
    await this.updateComplete;
    const option = this.renderRoot.querySelector<HTMLElement>(`[role="option"][data-index="${index}"]`);
    option?.focus();
    option?.scrollIntoView({ block: 'nearest' });
  }
}

if (!customElements.get('cl-consistency')) customElements.define('cl-consistency', ClConsistency);

declare global {
  interface HTMLElementTagNameMap {
    'cl-consistency': ClConsistency;
  }
}
