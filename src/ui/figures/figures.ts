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
import uPlot from 'uplot';
import type { MetricsSnapshot, Side } from '../../engine/vocabulary.ts';
import { tableStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import { figuresStyles, uplotStyles } from './figures.styles.ts';

type SeriesPoint = MetricsSnapshot['series'][number];
type Counter = MetricsSnapshot['counters'][number];

/** Default plot height in CSS pixels, when `--cl-figures-plot-height` is not set. */
const PLOT_HEIGHT = 150;

/** Colours of the charts, read from the `--cl-*` tokens. */
interface Palette {
  readonly accent: string;
  readonly warn: string;
  readonly bad: string;
  readonly old: string;
  readonly new: string;
  readonly muted: string;
  readonly border: string;
}

const FALLBACK_PALETTE: Palette = { accent: '#1f5fbf', warn: '#9a6700', bad: '#c62828', old: '#8250df', new: '#0a7ea4', muted: '#5b6572', border: '#d4d9e0' };

type ChartId = 'operations' | 'fallbacks' | 'mismatches' | 'latency';
const CHART_IDS: readonly ChartId[] = ['operations', 'fallbacks', 'mismatches', 'latency'];

/** The series of the window, aligned on one x axis (seconds relative to the newest point). */
interface WindowData {
  readonly x: number[];
  readonly operations: number[];
  readonly fallbackRate: (number | null)[];
  readonly mismatchRate: (number | null)[];
  readonly p99Old: (number | null)[];
  readonly p99New: (number | null)[];
  readonly sums: { readonly operations: number; readonly reads: number; readonly fallbacks: number; readonly shadowReads: number; readonly mismatches: number };
  readonly last: SeriesPoint | undefined;
  readonly peakOperations: number;
}

/** One row of the counters table: a counter, optionally filtered, broken down by one label. */
interface CounterRow {
  readonly title: (labels: Readonly<Record<Side, string>>) => string;
  readonly name: string;
  readonly filter?: Readonly<Record<string, string>>;
  readonly by?: string;
  /** Label values always shown (as 0 when absent), in this order; others follow. */
  readonly order?: readonly string[];
}

const COUNTER_ROWS: readonly CounterRow[] = [
  { title: () => 'Operations', name: 'cutover_operations_total', by: 'outcome', order: ['ok', 'fail', 'info'] },
  { title: (l) => `Writes to ${l.old}`, name: 'cutover_writes_total', filter: { side: 'old' }, by: 'result', order: ['ok', 'failed'] },
  { title: (l) => `Writes to ${l.new}`, name: 'cutover_writes_total', filter: { side: 'new' }, by: 'result', order: ['ok', 'failed'] },
  { title: () => 'Dual writes', name: 'cutover_dual_write_total', by: 'result', order: ['succeeded', 'failed', 'compensated', 'compensation_failed'] },
  { title: () => 'Reads served by', name: 'cutover_reads_total', by: 'served_by', order: ['old', 'new'] },
  { title: () => 'Fallbacks', name: 'cutover_fallbacks_total', by: 'reason', order: ['empty', 'error'] },
  { title: () => 'Shadow reads', name: 'cutover_shadow_reads_total', by: 'result', order: ['match', 'mismatch'] },
  { title: () => 'Retries', name: 'cutover_retries_total', by: 'side', order: ['old', 'new'] },
  { title: () => 'Faults fired', name: 'cutover_faults_total', by: 'kind' },
  { title: () => 'Crashes', name: 'cutover_crashes_total' },
  { title: () => 'Recoveries', name: 'cutover_recoveries_total' },
  { title: () => 'Checkpoints', name: 'cutover_checkpoints_total' },
  { title: () => 'Storage failures', name: 'cutover_storage_failures_total' },
  { title: () => 'Acknowledged writes never stored', name: 'cutover_lost_acknowledged_writes_total' },
];

/** Label keys whose values are sides, shown with the scenario's side labels. */
const SIDE_LABEL_KEYS = new Set(['side', 'served_by']);

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

const formatCount = (n: number): string => integer.format(n);
const formatMs = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '–' : `${decimal.format(ms)} ms`);

/** A percentage that never rounds a non-zero rate down to "0 %". */
function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (value > 0 && value < 0.01) return '< 0.01 %';
  return `${decimal.format(value)} %`;
}

const rate = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);

/** Aligns the last `windowSeconds` of the series on whole seconds, filling quiet seconds. */
function windowData(series: readonly SeriesPoint[], windowSeconds: number): WindowData {
  const out: WindowData = {
    x: [],
    operations: [],
    fallbackRate: [],
    mismatchRate: [],
    p99Old: [],
    p99New: [],
    sums: { operations: 0, reads: 0, fallbacks: 0, shadowReads: 0, mismatches: 0 },
    last: series[series.length - 1],
    peakOperations: 0,
  };
  const last = out.last;
  const first = series[0];
  if (!last || !first) return out;
  const seconds = Math.max(1, Math.floor(windowSeconds));
  const start = Math.max(first.t, last.t - (seconds - 1) * 1000);
  const byTime = new Map<number, SeriesPoint>();
  for (let i = series.length - 1; i >= 0; i--) {
    const p = series[i] as SeriesPoint;
    if (p.t < start) break;
    byTime.set(p.t, p);
  }
  const sums = { operations: 0, reads: 0, fallbacks: 0, shadowReads: 0, mismatches: 0 };
  let peak = 0;
  for (let t = start; t <= last.t; t += 1000) {
    const p = byTime.get(t);
    out.x.push(Math.round((t - last.t) / 1000));
    out.operations.push(p?.operations ?? 0);
    out.fallbackRate.push(p ? rate(p.fallbacks, p.reads) : null);
    out.mismatchRate.push(p ? rate(p.mismatches, p.shadowReads) : null);
    out.p99Old.push(p?.p99.old ?? null);
    out.p99New.push(p?.p99.new ?? null);
    if (p) {
      sums.operations += p.operations;
      sums.reads += p.reads;
      sums.fallbacks += p.fallbacks;
      sums.shadowReads += p.shadowReads;
      sums.mismatches += p.mismatches;
      peak = Math.max(peak, p.operations);
    }
  }
  return { ...out, sums, peakOperations: peak };
}

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
    const matching = counters.filter((c) => c.name === row.name && Object.entries(row.filter ?? {}).every(([k, v]) => c.labels[k] === v));
    const total = matching.reduce((sum, c) => sum + c.value, 0);
    let breakdown: TemplateResult | typeof nothing = nothing;
    if (row.by !== undefined) {
      const by = row.by;
      const values = new Map<string, number>((row.order ?? []).map((v) => [v, 0]));
      for (const c of matching) {
        const value = c.labels[by] ?? '';
        values.set(value, (values.get(value) ?? 0) + c.value);
      }
      breakdown =
        values.size === 0
          ? html`<span class="muted">none</span>`
          : html`<ul class="pairs">
              ${[...values].map(([value, n]) => html`<li><span class="k">${this.labelValue(by, value)}</span> ${formatCount(n)}</li>`)}
            </ul>`;
    }
    return html`<tr data-counter=${row.name}>
      <th scope="row">${row.title(this.labels)}</th>
      <td class="num">${formatCount(total)}</td>
      <td>${breakdown}</td>
    </tr>`;
  }

  private labelValue(key: string, value: string): string {
    if (SIDE_LABEL_KEYS.has(key) && (value === 'old' || value === 'new')) return this.labels[value];
    return value.replace(/_/g, ' ');
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
    const style = getComputedStyle(this);
    const token = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
    this.#palette = {
      accent: token('--cl-accent', FALLBACK_PALETTE.accent),
      warn: token('--cl-warn', FALLBACK_PALETTE.warn),
      bad: token('--cl-bad', FALLBACK_PALETTE.bad),
      old: token('--cl-old', FALLBACK_PALETTE.old),
      new: token('--cl-new', FALLBACK_PALETTE.new),
      muted: token('--cl-muted', FALLBACK_PALETTE.muted),
      border: token('--cl-border', FALLBACK_PALETTE.border),
    };
  }

  #createCharts(): void {
    this.#readPalette();
    const data = this.#alignedData();
    this.#resizeObserver = new ResizeObserver((entries) => this.#handleResize(entries));
    for (const id of CHART_IDS) {
      const target = this.renderRoot.querySelector<HTMLElement>(`[data-plot="${id}"]`);
      if (!target) continue;
      const chart = new uPlot(this.#options(id, target), data[id], target);
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
    const d = this.#window;
    return {
      operations: [d.x, d.operations],
      fallbacks: [d.x, d.fallbackRate],
      mismatches: [d.x, d.mismatchRate],
      latency: [d.x, d.p99Old, d.p99New],
    };
  }

  #options(id: ChartId, target: HTMLElement): uPlot.Options {
    const p = (): Palette => this.#palette;
    const unit = id === 'operations' ? '/s' : id === 'latency' ? ' ms' : ' %';
    const line = (label: string, colour: () => string): uPlot.Series => ({ label, stroke: colour, width: 1.5, spanGaps: false, points: { show: false } });
    const series: uPlot.Series[] = [{}];
    switch (id) {
      case 'operations':
        series.push(line('Operations per second', () => p().accent));
        break;
      case 'fallbacks':
        series.push(line('Fallback rate', () => p().warn));
        break;
      case 'mismatches':
        series.push(line('Mismatch rate', () => p().bad));
        break;
      case 'latency':
        series.push(line(`p99 ${this.labels.old}`, () => p().old), line(`p99 ${this.labels.new}`, () => p().new));
        break;
      default:
        throw new Error(`unknown chart '${id as string}'`);
    }
    const axis = (values: (self: uPlot, splits: number[]) => string[]): uPlot.Axis => ({
      stroke: () => p().muted,
      grid: { stroke: () => p().border, width: 1 },
      ticks: { stroke: () => p().border, width: 1 },
      values,
    });
    return {
      width: Math.max(1, Math.floor(target.clientWidth) || 300),
      height: Math.max(1, Math.floor(target.clientHeight) || PLOT_HEIGHT),
      series,
      scales: {
        x: { time: false },
        // Rates and latency start at zero so that a flat line near zero does not look alarming.
        y: { range: (_self, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [axis((_self, splits) => splits.map((s) => (s === 0 ? 'now' : `${s}s`))), { ...axis((_self, splits) => splits.map((s) => `${decimal.format(s)}${unit}`)), size: 60 }],
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
    };
  }
}

if (!customElements.get('cl-figures')) customElements.define('cl-figures', ClFigures);

declare global {
  interface HTMLElementTagNameMap {
    'cl-figures': ClFigures;
  }
}
