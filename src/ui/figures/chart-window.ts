/** The figures' arithmetic: the last seconds of the metrics' series aligned for the charts, and how numbers read. */
import type { MetricsSnapshot } from '../../engine/vocabulary.ts';

/** One second of the metrics' series. */
export type SeriesPoint = MetricsSnapshot['series'][number];

/** The series of the window, aligned on one x axis (seconds relative to the newest point). */
export interface WindowData {
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

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

/** A whole number with thousands separators. */
export const formatCount = (n: number): string => integer.format(n);

/** A number with at most two decimals (axis labels). */
export const formatDecimal = (n: number): string => decimal.format(n);

/** "12.5 ms", or a dash when there is no figure. */
export const formatMs = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '–' : `${decimal.format(ms)} ms`);

/** A percentage that never rounds a non-zero rate down to "0 %". */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (value > 0 && value < 0.01) return '< 0.01 %';
  return `${decimal.format(value)} %`;
}

/** `part` as a percentage of `whole`, or null when there is no whole. */
export const rate = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);

/** Aligns the last `windowSeconds` of the series on whole seconds, filling quiet seconds. */
export function windowData(series: readonly SeriesPoint[], windowSeconds: number): WindowData {
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
