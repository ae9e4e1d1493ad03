/**
 * `cl-figures`: live charts of the rehearsal's figures (uPlot) and its counters as a table.
 *
 * Four charts over the last `windowSeconds` of the metrics' one-second series: operations per
 * second, fallback rate (fallbacks / reads), mismatch rate (mismatches / shadow reads) and p99
 * latency per side. Every chart has its current figures as text in its caption (the canvas is
 * hidden from assistive technology), and latency percentiles and counters follow as tables.
 *
 * `markers` are drawn on every chart's time axis (a line and a lettered tag each) and listed as
 * text under the charts; hovering or focusing one, on a chart or in the list, shows what it was,
 * and pressing it in the list keeps it highlighted.
 *
 * @csspart charts - the grid of the four charts
 * @csspart chart - one chart's figure (caption and plot)
 * @csspart plot - the box uPlot draws into
 * @csspart marks - the list of the marks in the window
 * @csspart latency - the latency percentiles table
 * @csspart counters - the counters table
 *
 * @cssproperty --cl-accent - operations line
 * @cssproperty --cl-warn - fallback-rate line
 * @cssproperty --cl-bad - mismatch-rate line
 * @cssproperty --cl-old - old side's p99 line and swatch
 * @cssproperty --cl-new - new side's p99 line and swatch
 * @cssproperty --cl-muted - axis labels
 * @cssproperty --cl-border - grid lines and table rules
 * @cssproperty --cl-ok - clean-verify marks
 * @cssproperty --cl-text - plan-step marks, a highlighted mark's text
 * @cssproperty --cl-surface - the charts' background (a mark's letter)
 * @cssproperty --cl-figures-plot-height - height of each plot (default 150px)
 */
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
// uPlot is loaded when the first chart is drawn, not with the page.
import type uPlot from 'uplot';
import type { MetricsSnapshot, Side } from '../../engine/vocabulary.ts';
import { tableStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import { formatClock, markerText, markerWindow, MARKER_GLYPHS, MARKER_NOUNS, visibleMarkers, type ChartMarker, type MarkerWindow, type PlacedMarker } from './chart-markers.ts';
import { alignedData, CHART_IDS, chartOptions, FALLBACK_PALETTE, paletteFrom, PLOT_HEIGHT, type ChartId, type ChartMarks, type Palette } from './chart-options.ts';
import { formatCount, formatMs, formatPercent, rate, windowData, type WindowData } from './chart-window.ts';
import { COUNTER_ROWS, labelValue, tally, type Counter, type CounterRow } from './counters.ts';
import { figuresStyles, uplotStyles } from './figures.styles.ts';

/** Most marks listed under the charts (the newest); the charts draw every mark in the window. */
const MARKS_LISTED = 40;

/** Live charts and counters of one rehearsal. */
export class ClFigures extends LitElement {
  static override properties = {
    metrics: { attribute: false },
    labels: { attribute: false },
    windowSeconds: { type: Number, attribute: 'window-seconds' },
    markers: { attribute: false },
  };

  static override styles = [shared, uplotStyles, tableStyles, figuresStyles];

  /** The figures to show (null before the first snapshot). */
  declare metrics: MetricsSnapshot | null;
  /** Display names of the sides (e.g. `{ old: 'SQLite', new: 'JSON' }`). */
  declare labels: Readonly<Record<Side, string>>;
  /** Seconds of the series the charts show (attribute `window-seconds`). */
  declare windowSeconds: number;
  /** Marks on the time axis (phase moves, faults, crashes, plan steps), in any order. */
  declare markers: readonly ChartMarker[];

  readonly #charts = new Map<ChartId, uPlot>();
  /** uPlot being loaded and the charts created; `updateComplete` waits for it. */
  #creating: Promise<void> | null = null;
  /** The window of the series, worked out once per change of `metrics` for captions and charts. */
  #window: WindowData = windowData([], 1);
  #resizeObserver: ResizeObserver | undefined;
  #palette: Palette = FALLBACK_PALETTE;
  /** The x range with the marks, and the marks in it (worked out with `#window`). */
  #markWindow: MarkerWindow | null = null;
  #placed: readonly PlacedMarker[] = [];
  /** The mark the pointer is near on a chart, the one hovered or focused in the list, the one pressed. */
  #chartPointed: string | null = null;
  #listPointed: string | null = null;
  #pinned: string | null = null;
  #pxRatio = 1;
  readonly #marks: ChartMarks = {
    window: () => this.#markWindow,
    placed: () => this.#placed,
    highlight: () => this.#highlight(),
    hover: (key) => {
      if (key === this.#chartPointed) return;
      this.#chartPointed = key;
      this.#highlightChanged();
    },
    pxRatio: () => this.#pxRatio,
  };
  #darkQuery: MediaQueryList | undefined;
  readonly #handleSchemeChange = (): void => {
    this.#readPalette();
    for (const chart of this.#charts.values()) chart.redraw(false, false);
  };

  constructor() {
    super();
    this.metrics = null;
    this.labels = { old: 'old', new: 'new' };
    this.windowSeconds = 120;
    this.markers = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#darkQuery = window.matchMedia('(prefers-color-scheme: dark)');
    this.#darkQuery.addEventListener('change', this.#handleSchemeChange);
    // Charts are destroyed on disconnect; the next update after reconnecting creates them again.
    if (this.hasUpdated) this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#darkQuery?.removeEventListener('change', this.#handleSchemeChange);
    this.#darkQuery = undefined;
    this.#resizeObserver?.disconnect();
    this.#resizeObserver = undefined;
    for (const chart of this.#charts.values()) chart.destroy();
    this.#charts.clear();
  }

  /** Also waits for the charts, whose library is loaded on demand, to be drawn. */
  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    if (this.#creating) await this.#creating;
    return done;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('metrics') || changed.has('windowSeconds')) this.#window = windowData(this.metrics?.series ?? [], this.windowSeconds);
    if (changed.has('metrics') || changed.has('windowSeconds') || changed.has('markers')) {
      this.#markWindow = markerWindow(this.#window, this.windowSeconds, this.markers);
      this.#placed = visibleMarkers(this.markers, this.#markWindow);
    }
  }

  protected override render(): TemplateResult {
    const data = this.#window;
    return html`
      ${this.metrics === null ? html`<p class="empty muted">No figures yet: they appear once the workload runs.</p>` : nothing}
      <div class="charts" part="charts">
        ${this.renderChart('operations', 'Operations per second', this.renderOperationsNow(data))}
        ${this.renderChart('fallbacks', 'Fallback rate', this.renderRateNow(data, 'fallbacks'))}
        ${this.renderChart('mismatches', 'Mismatch rate', this.renderRateNow(data, 'mismatches'))}
        ${this.renderChart('latency', 'p99 latency', this.renderLatencyNow(data))}
      </div>
      ${this.renderMarks()}
      <div class="tables">${this.renderLatencyTable()} ${this.renderCounters()}</div>
    `;
  }

  private renderChart(id: ChartId, title: string, now: TemplateResult): TemplateResult {
    return html`
      <figure part="chart" data-chart=${id}>
        <figcaption><span class="chart-title">${title}</span> ${now}</figcaption>
        <div class="plot" part="plot" data-plot=${id} aria-hidden="true"></div>
      </figure>
    `;
  }

  /** The marks in the window as text, newest last; each highlights its line while hovered or focused. */
  private renderMarks(): TemplateResult | typeof nothing {
    const placed = this.#placed;
    if (placed.length === 0) return nothing;
    const shown = placed.slice(-MARKS_LISTED);
    const highlight = this.#highlight();
    return html`<div class="marks" part="marks">
      <span class="marks-title muted" id="marks-title">Marks</span>
      <ol aria-labelledby="marks-title">
        ${placed.length > shown.length ? html`<li class="muted earlier">${placed.length - shown.length} earlier</li>` : nothing}
        ${shown.map(({ key, marker }) => {
          const pressed = this.#pinned === key;
          return html`<li>
            <button
              type="button"
              class="mark ${key === highlight ? 'pointed' : ''}"
              data-kind=${marker.kind}
              ?data-alert=${marker.alert === true}
              aria-pressed=${pressed ? 'true' : 'false'}
              title=${markerText(marker)}
              @click=${() => this.#handleMarkPress(key)}
              @mouseenter=${() => this.#handleMarkPoint(key)}
              @mouseleave=${() => this.#handleMarkPoint(null)}
              @focus=${() => this.#handleMarkPoint(key)}
              @blur=${() => this.#handleMarkPoint(null)}
            >
              <span class="glyph" aria-hidden="true">${MARKER_GLYPHS[marker.kind]}</span><time datetime=${new Date(marker.at).toISOString()}>${formatClock(marker.at)}</time>
              <span class="what"><span class="visually-hidden">${MARKER_NOUNS[marker.kind]} </span>${marker.label}</span>
            </button>
          </li>`;
        })}
      </ol>
    </div>`;
  }

  #handleMarkPress(key: string): void {
    this.#pinned = this.#pinned === key ? null : key;
    this.#highlightChanged();
  }

  #handleMarkPoint(key: string | null): void {
    if (key === this.#listPointed) return;
    this.#listPointed = key;
    this.#highlightChanged();
  }

  /** The mark drawn highlighted: the one pointed at on a chart, else in the list, else the one pressed. */
  #highlight(): string | null {
    const key = this.#chartPointed ?? this.#listPointed ?? this.#pinned;
    return key !== null && this.#placed.some((p) => p.key === key) ? key : null;
  }

  #highlightChanged(): void {
    for (const chart of this.#charts.values()) chart.redraw(false, false);
    this.requestUpdate();
  }

  private renderOperationsNow(data: WindowData): TemplateResult {
    if (!data.last) return html`<span class="now">no operations yet</span>`;
    return html`<span class="now">${formatCount(data.last.operations)}/s in the last second, peak ${formatCount(data.peakOperations)}/s</span>`;
  }

  private renderRateNow(data: WindowData, what: 'fallbacks' | 'mismatches'): TemplateResult {
    const [part, whole, noun] = what === 'fallbacks' ? [data.sums.fallbacks, data.sums.reads, 'reads'] : [data.sums.mismatches, data.sums.shadowReads, 'shadow reads'];
    const last = data.last;
    const lastRate = last ? (what === 'fallbacks' ? rate(last.fallbacks, last.reads) : rate(last.mismatches, last.shadowReads)) : null;
    if (whole === 0) return html`<span class="now">no ${noun} yet</span>`;
    return html`<span class="now"
      >${formatPercent(lastRate)} in the last second; ${formatPercent(rate(part, whole))} over the window (${formatCount(part)} of ${formatCount(whole)} ${noun})</span
    >`;
  }

  private renderLatencyNow(data: WindowData): TemplateResult {
    const last = data.last;
    return html`<span class="now"
      ><span class="swatch old" aria-hidden="true"></span>${this.labels.old} ${formatMs(last?.p99.old)} ·
      <span class="swatch new" aria-hidden="true"></span>${this.labels.new} ${formatMs(last?.p99.new)} in the last second</span
    >`;
  }

  private renderLatencyTable(): TemplateResult {
    const latency = this.metrics?.latency;
    const sides: readonly Side[] = ['old', 'new'];
    return html`
      <table part="latency">
        <caption>
          Latency per side
        </caption>
        <thead>
          <tr>
            <th scope="col">Side</th>
            <th scope="col" class="num">p50</th>
            <th scope="col" class="num">p95</th>
            <th scope="col" class="num">p99</th>
            <th scope="col" class="num">Calls</th>
          </tr>
        </thead>
        <tbody>
          ${sides.map((side) => {
            const h = latency?.[side];
            return html`<tr>
              <th scope="row"><span class="swatch ${side}" aria-hidden="true"></span>${this.labels[side]}</th>
              <td class="num">${formatMs(h?.p50)}</td>
              <td class="num">${formatMs(h?.p95)}</td>
              <td class="num">${formatMs(h?.p99)}</td>
              <td class="num">${formatCount(h?.count ?? 0)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    `;
  }

  private renderCounters(): TemplateResult {
    const counters = this.metrics?.counters ?? [];
    return html`
      <table part="counters">
        <caption>
          Counters
        </caption>
        <thead>
          <tr>
            <th scope="col">Counter</th>
            <th scope="col" class="num">Total</th>
            <th scope="col">Breakdown</th>
          </tr>
        </thead>
        <tbody>
          ${COUNTER_ROWS.map((row) => this.renderCounterRow(row, counters))}
        </tbody>
      </table>
    `;
  }

  private renderCounterRow(row: CounterRow, counters: readonly Counter[]): TemplateResult {
    const { total, breakdown } = tally(row, counters);
    const by = row.by ?? '';
    const pairs =
      breakdown === null
        ? nothing
        : breakdown.size === 0
          ? html`<span class="muted">none</span>`
          : html`<ul class="pairs">
              ${[...breakdown].map(([value, n]) => html`<li><span class="k">${labelValue(by, value, this.labels)}</span> ${formatCount(n)}</li>`)}
            </ul>`;
    return html`<tr data-counter=${row.name}>
      <th scope="row">${row.title(this.labels)}</th>
      <td class="num">${formatCount(total)}</td>
      <td>${pairs}</td>
    </tr>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (this.#charts.size === 0) {
      if (this.isConnected) this.#createCharts();
      return;
    }
    if (changed.has('metrics') || changed.has('windowSeconds') || changed.has('markers')) {
      // Tokens may have been restyled by the page since the last update; reading them is cheap.
      this.#readPalette();
      this.#pushData();
    }
  }

  #readPalette(): void {
    this.#palette = paletteFrom(getComputedStyle(this));
  }

  #createCharts(): void {
    if (this.#creating) return;
    this.#creating = import('uplot').then(
      ({ default: UPlot }) => {
        this.#creating = null;
        if (this.isConnected && this.#charts.size === 0) this.#drawCharts(UPlot);
      },
      (error: unknown) => {
        this.#creating = null;
        // The captions and tables carry every figure; only the plots are missing.
        console.warn(`cl-figures: the charts could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  #drawCharts(UPlot: typeof uPlot): void {
    this.#readPalette();
    this.#pxRatio = UPlot.pxRatio;
    const data = this.#alignedData();
    this.#resizeObserver = new ResizeObserver((entries) => this.#handleResize(entries));
    for (const id of CHART_IDS) {
      const target = this.renderRoot.querySelector<HTMLElement>(`[data-plot="${id}"]`);
      if (!target) continue;
      const chart = new UPlot(chartOptions(id, { width: target.clientWidth, height: target.clientHeight }, () => this.#palette, this.labels, this.#marks), data[id], target);
      this.#charts.set(id, chart);
      this.#resizeObserver.observe(target);
    }
  }

  #handleResize(entries: readonly ResizeObserverEntry[]): void {
    for (const entry of entries) {
      const id = (entry.target as HTMLElement).dataset['plot'] as ChartId | undefined;
      const chart = id && this.#charts.get(id);
      if (!chart) continue;
      const width = Math.floor(entry.contentRect.width);
      const height = Math.floor(entry.contentRect.height) || PLOT_HEIGHT;
      if (width > 0 && (width !== chart.width || height !== chart.height)) chart.setSize({ width, height });
    }
  }

  #pushData(): void {
    const data = this.#alignedData();
    for (const [id, chart] of this.#charts) chart.setData(data[id]);
  }

  #alignedData(): Record<ChartId, uPlot.AlignedData> {
    return alignedData(this.#window);
  }
}

if (!customElements.get('cl-figures')) customElements.define('cl-figures', ClFigures);

declare global {
  interface HTMLElementTagNameMap {
    'cl-figures': ClFigures;
  }
}
