/**
 * `cl-figures`: live charts of the rehearsal's figures (uPlot) and its counters as a table.
 *
 * Four charts over the last `windowSeconds` of the metrics' one-second series: operations per
 * second, fallback rate (fallbacks / reads), mismatch rate (mismatches / shadow reads) and p99
 * latency per side. Every chart has its current figures as text in its caption (the canvas is
 * hidden from assistive technology), and latency percentiles and counters follow as tables.
 *
 * @csspart charts - the grid of the four charts
 * @csspart chart - one chart's figure (caption and plot)
 * @csspart plot - the box uPlot draws into
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
 * @cssproperty --cl-figures-plot-height - height of each plot (default 150px)
 */
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
// uPlot is loaded when the first chart is drawn, not with the page.
import type uPlot from 'uplot';
import type { MetricsSnapshot, Side } from '../../engine/vocabulary.ts';
import { tableStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import { alignedData, CHART_IDS, chartOptions, FALLBACK_PALETTE, paletteFrom, PLOT_HEIGHT, type ChartId, type Palette } from './chart-options.ts';
import { formatCount, formatMs, formatPercent, rate, windowData, type WindowData } from './chart-window.ts';
import { COUNTER_ROWS, labelValue, tally, type Counter, type CounterRow } from './counters.ts';
import { figuresStyles, uplotStyles } from './figures.styles.ts';

/** Live charts and counters of one rehearsal. */
export class ClFigures extends LitElement {
  static override properties = {
    metrics: { attribute: false },
    labels: { attribute: false },
    windowSeconds: { type: Number, attribute: 'window-seconds' },
  };

  static override styles = [shared, uplotStyles, tableStyles, figuresStyles];

  /** The figures to show (null before the first snapshot). */
  declare metrics: MetricsSnapshot | null;
  /** Display names of the sides (e.g. `{ old: 'SQLite', new: 'JSON' }`). */
  declare labels: Readonly<Record<Side, string>>;
  /** Seconds of the series the charts show (attribute `window-seconds`). */
  declare windowSeconds: number;

  readonly #charts = new Map<ChartId, uPlot>();
  /** uPlot being loaded and the charts created; `updateComplete` waits for it. */
  #creating: Promise<void> | null = null;
  /** The window of the series, worked out once per change of `metrics` for captions and charts. */
  #window: WindowData = windowData([], 1);
  #resizeObserver: ResizeObserver | undefined;
  #palette: Palette = FALLBACK_PALETTE;
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
    if (changed.has('metrics') || changed.has('windowSeconds')) {
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
    const data = this.#alignedData();
    this.#resizeObserver = new ResizeObserver((entries) => this.#handleResize(entries));
    for (const id of CHART_IDS) {
      const target = this.renderRoot.querySelector<HTMLElement>(`[data-plot="${id}"]`);
      if (!target) continue;
      const chart = new UPlot(chartOptions(id, { width: target.clientWidth, height: target.clientHeight }, () => this.#palette, this.labels), data[id], target);
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
