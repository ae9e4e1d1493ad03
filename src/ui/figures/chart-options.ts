/** The four uPlot charts of the figures panel: their ids, colours, data and options. */
import type uPlot from 'uplot';
import type { Side } from '../../engine/vocabulary.ts';
import { drawMarkers, markerNear, type MarkerWindow, type PlacedMarker } from './chart-markers.ts';
import { formatDecimal, type WindowData } from './chart-window.ts';

/** Default plot height in CSS pixels, when `--cl-figures-plot-height` is not set. */
export const PLOT_HEIGHT = 150;

/** Colours of the charts, read from the `--cl-*` tokens. */
export interface Palette {
  readonly accent: string;
  readonly warn: string;
  readonly bad: string;
  readonly old: string;
  readonly new: string;
  readonly muted: string;
  readonly border: string;
  readonly ok: string;
  readonly text: string;
  readonly bg: string;
}

/** The light theme's colours, for a page that does not set the tokens. */
export const FALLBACK_PALETTE: Palette = { accent: '#1f5fbf', warn: '#916100', bad: '#c62828', old: '#7d4dd6', new: '#097497', muted: '#5b6572', border: '#d4d9e0', ok: '#197b35', text: '#1b1f24', bg: '#ffffff' };

/** The charts, in the order they are shown. */
export type ChartId = 'operations' | 'fallbacks' | 'mismatches' | 'latency';

/** Every chart's id, in display order. */
export const CHART_IDS: readonly ChartId[] = ['operations', 'fallbacks', 'mismatches', 'latency'];

/** The palette a computed style gives the tokens, each falling back to the light theme's colour. */
export function paletteFrom(style: CSSStyleDeclaration): Palette {
  const token = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    accent: token('--cl-accent', FALLBACK_PALETTE.accent),
    warn: token('--cl-warn', FALLBACK_PALETTE.warn),
    bad: token('--cl-bad', FALLBACK_PALETTE.bad),
    old: token('--cl-old', FALLBACK_PALETTE.old),
    new: token('--cl-new', FALLBACK_PALETTE.new),
    muted: token('--cl-muted', FALLBACK_PALETTE.muted),
    border: token('--cl-border', FALLBACK_PALETTE.border),
    ok: token('--cl-ok', FALLBACK_PALETTE.ok),
    text: token('--cl-text', FALLBACK_PALETTE.text),
    bg: token('--cl-surface', FALLBACK_PALETTE.bg),
  };
}

/** Each chart's data from the window (x first, then its series). */
export function alignedData(d: WindowData): Record<ChartId, uPlot.AlignedData> {
  return {
    operations: [d.x, d.operations],
    fallbacks: [d.x, d.fallbackRate],
    mismatches: [d.x, d.mismatchRate],
    latency: [d.x, d.p99Old, d.p99New],
  };
}

/** What a chart reads of the marks at every draw (the figures element keeps them). */
export interface ChartMarks {
  /** The x range, or null to fit the data. */
  window(): MarkerWindow | null;
  /** The marks in the window. */
  placed(): readonly PlacedMarker[];
  /** The key of the mark drawn highlighted, or null. */
  highlight(): string | null;
  /** The pointer came near a mark (its key) or left it (null). */
  hover(key: string | null): void;
  /** Device pixels per CSS pixel (uPlot's). */
  pxRatio(): number;
}

/** No marks: the x range follows the data. */
export const NO_MARKS: ChartMarks = { window: () => null, placed: () => [], highlight: () => null, hover: () => undefined, pxRatio: () => 1 };

/**
 * uPlot options of one chart, `size` being its box's client size (0 before layout). Colours are
 * read through `palette` at every draw, so a change of theme only needs a redraw; so are the marks.
 */
export function chartOptions(id: ChartId, size: { readonly width: number; readonly height: number }, palette: () => Palette, labels: Readonly<Record<Side, string>>, marks: ChartMarks = NO_MARKS): uPlot.Options {
  const p = palette;
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
      series.push(line(`p99 ${labels.old}`, () => p().old), line(`p99 ${labels.new}`, () => p().new));
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
    width: Math.max(1, Math.floor(size.width) || 300),
    height: Math.max(1, Math.floor(size.height) || PLOT_HEIGHT),
    series,
    scales: {
      // Stretched to the marks just outside the series (a phase move after the workload stopped).
      x: { time: false, range: (_self, min, max) => { const w = marks.window(); return w ? [w.min, w.max] : [min, max]; } },
      // Rates and latency start at zero so that a flat line near zero does not look alarming.
      y: { range: (_self, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [axis((_self, splits) => splits.map((s) => (s === 0 ? 'now' : s > 0 ? `+${formatDecimal(s)}s` : `${formatDecimal(s)}s`))), { ...axis((_self, splits) => splits.map((s) => `${formatDecimal(s)}${unit}`)), size: 60 }],
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    hooks: {
      draw: [(u) => drawMarkers(u, marks.placed(), marks.highlight(), p(), marks.pxRatio())],
      setCursor: [(u) => marks.hover(u.cursor.left === undefined || u.cursor.left < 0 ? null : markerNear(u, marks.placed(), u.cursor.left))],
    },
  };
}
