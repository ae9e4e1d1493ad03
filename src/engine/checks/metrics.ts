/**
 * Figures (DESIGN.md section 6): counters by name and labels, latency histograms per side, and a
 * time series for charts. Snapshots are plain frozen data, exportable as JSON and as Prometheus
 * text.
 */
import { compareText } from '../compare.ts';
import type { Side } from '../scenario/format.ts';

/** Upper bounds of the latency buckets, in milliseconds. */
export const LATENCY_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** Width of one time-series bucket. */
export const SERIES_BUCKET_MS = 1000;
const SERIES_LIMIT = 900;

type Labels = Readonly<Record<string, string>>;

/** A latency histogram: counts per bucket (the last bucket is +Inf), sum and count. */
export interface Histogram {
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** One second of activity, for charts. */
export interface SeriesPoint {
  /** Start of the bucket (clock ms). */
  readonly t: number;
  readonly operations: number;
  readonly reads: number;
  readonly fallbacks: number;
  readonly shadowReads: number;
  readonly mismatches: number;
  /** p99 latency per side in this bucket, or null when the side saw no calls. */
  readonly p99: Readonly<Record<Side, number | null>>;
}

/** Everything measured so far, as data. */
export interface MetricsSnapshot {
  readonly counters: readonly { readonly name: string; readonly labels: Labels; readonly value: number }[];
  readonly latency: Readonly<Record<Side, Histogram & { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null }>>;
  readonly series: readonly SeriesPoint[];
}

interface MutableHistogram {
  counts: number[];
  sum: number;
  count: number;
}

interface MutablePoint {
  t: number;
  operations: number;
  reads: number;
  fallbacks: number;
  shadowReads: number;
  mismatches: number;
  latency: Record<Side, MutableHistogram>;
  /** p99 per side restored from a saved snapshot (the histograms behind it are not saved). */
  restoredP99?: Readonly<Record<Side, number | null>>;
}

const emptyHistogram = (): MutableHistogram => ({ counts: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sum: 0, count: 0 });

function observeInto(h: MutableHistogram, ms: number): void {
  // The first bucket whose bound is ≥ ms; the +Inf bucket when none is (and for NaN).
  let i = 0;
  while (i < LATENCY_BUCKETS_MS.length && !(ms <= (LATENCY_BUCKETS_MS[i] as number))) i++;
  h.counts[i] = (h.counts[i] ?? 0) + 1;
  h.sum += ms;
  h.count += 1;
}

/** The q-quantile of a histogram, interpolated within its bucket; null when empty. */
export function quantile(h: Histogram, q: number): number | null {
  if (h.count === 0) return null;
  const rank = q * h.count;
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i] ?? 0;
    if (seen + c >= rank && c > 0) {
      const lower = i === 0 ? 0 : (LATENCY_BUCKETS_MS[i - 1] as number);
      const upper = i < LATENCY_BUCKETS_MS.length ? (LATENCY_BUCKETS_MS[i] as number) : lower * 2;
      const within = (rank - seen) / c;
      return round3(lower + (upper - lower) * within);
    }
    seen += c;
  }
  return round3(LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1] as number);
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

interface Counter {
  readonly name: string;
  readonly labels: Labels;
  value: number;
}

/**
 * One step of the lookup from a call's (name, labels) to its counter: labels are walked key, then
 * value, in the order the call's object has them, so the same labels in another key order take
 * another path to the same counter (found once through `counterId`, then remembered).
 */
interface LabelPath {
  counter?: Counter;
  readonly next: Map<string, Map<string, LabelPath>>;
}

const labelPath = (): LabelPath => ({ next: new Map() });

/** Counters, histograms and series of one rehearsal. */
export class Metrics {
  readonly #counters = new Map<string, Counter>();
  /** The counter of each (name, labels) seen, without building `counterId` on every `inc`. */
  readonly #paths = new Map<string, LabelPath>();
  readonly #latency: Record<Side, MutableHistogram> = { old: emptyHistogram(), new: emptyHistogram() };
  #series: MutablePoint[] = [];

  /** Adds `by` to a counter. */
  inc(name: string, labels: Labels = {}, by = 1): void {
    let path: LabelPath | undefined = this.#paths.get(name);
    if (!path) {
      path = labelPath();
      this.#paths.set(name, path);
    }
    for (const k in labels) {
      if (!Object.hasOwn(labels, k)) continue;
      let byValue: Map<string, LabelPath> | undefined = path.next.get(k);
      if (!byValue) {
        byValue = new Map();
        path.next.set(k, byValue);
      }
      const v = labels[k] as string;
      let next: LabelPath | undefined = byValue.get(v);
      if (!next) {
        next = labelPath();
        byValue.set(v, next);
      }
      path = next;
    }
    const cached = path.counter;
    if (cached) {
      cached.value += by;
      return;
    }
    const id = counterId(name, labels);
    const c = this.#counters.get(id);
    if (c) {
      c.value += by;
      path.counter = c;
    } else {
      const created: Counter = { name, labels: { ...labels }, value: by };
      this.#counters.set(id, created);
      path.counter = created;
    }
  }

  /** Current value of a counter (0 when never incremented). */
  get(name: string, labels: Labels = {}): number {
    return this.#counters.get(counterId(name, labels))?.value ?? 0;
  }

  /** Sum of a counter over all its label sets, optionally filtered. */
  total(name: string, filter: Labels = {}): number {
    let sum = 0;
    for (const c of this.#counters.values()) {
      if (c.name !== name) continue;
      if (Object.entries(filter).every(([k, v]) => c.labels[k] === v)) sum += c.value;
    }
    return sum;
  }

  /** Records the latency of one call on `side` at time `t`. */
  observeLatency(side: Side, ms: number, t: number): void {
    observeInto(this.#latency[side], ms);
    observeInto(this.#point(t).latency[side], ms);
  }

  /** Records one operation in the time series. */
  tick(t: number, what: { operation?: boolean; read?: boolean; fallback?: boolean; shadowRead?: boolean; mismatch?: boolean }): void {
    const p = this.#point(t);
    if (what.operation) p.operations++;
    if (what.read) p.reads++;
    if (what.fallback) p.fallbacks++;
    if (what.shadowRead) p.shadowReads++;
    if (what.mismatch) p.mismatches++;
  }

  #point(t: number): MutablePoint {
    const start = Math.floor(t / SERIES_BUCKET_MS) * SERIES_BUCKET_MS;
    const last = this.#series[this.#series.length - 1];
    if (last && last.t === start) return last;
    if (last && last.t > start) {
      // Time is not expected to go backwards; attribute to the newest bucket.
      return last;
    }
    const p: MutablePoint = { t: start, operations: 0, reads: 0, fallbacks: 0, shadowReads: 0, mismatches: 0, latency: { old: emptyHistogram(), new: emptyHistogram() } };
    this.#series.push(p);
    if (this.#series.length > SERIES_LIMIT) this.#series = this.#series.slice(-SERIES_LIMIT);
    return p;
  }

  /** Everything as frozen data. */
  snapshot(): MetricsSnapshot {
    const counters = [...this.#counters.values()]
      .map((c) => Object.freeze({ name: c.name, labels: Object.freeze({ ...c.labels }), value: c.value }))
      .sort((a, b) => compareText(counterId(a.name, a.labels), counterId(b.name, b.labels)));
    const latencyOf = (side: Side) => {
      const h = this.#latency[side];
      const frozen: Histogram = { counts: [...h.counts], sum: round3(h.sum), count: h.count };
      return Object.freeze({ ...frozen, p50: quantile(frozen, 0.5), p95: quantile(frozen, 0.95), p99: quantile(frozen, 0.99) });
    };
    const series = this.#series.map((p) =>
      Object.freeze({
        t: p.t,
        operations: p.operations,
        reads: p.reads,
        fallbacks: p.fallbacks,
        shadowReads: p.shadowReads,
        mismatches: p.mismatches,
        p99: Object.freeze({ old: pointP99(p, 'old'), new: pointP99(p, 'new') }),
      }),
    );
    return Object.freeze({ counters: Object.freeze(counters), latency: Object.freeze({ old: latencyOf('old'), new: latencyOf('new') }), series: Object.freeze(series) });
  }

  /** Restores counters and histograms from a snapshot (after a reload). */
  static fromSnapshot(snapshot: MetricsSnapshot): Metrics {
    const m = new Metrics();
    for (const c of snapshot.counters) m.inc(c.name, c.labels, c.value);
    for (const side of ['old', 'new'] as const) {
      const h = snapshot.latency[side];
      m.#latency[side] = { counts: [...h.counts], sum: h.sum, count: h.count };
    }
    m.#series = snapshot.series.map((p) => ({ t: p.t, operations: p.operations, reads: p.reads, fallbacks: p.fallbacks, shadowReads: p.shadowReads, mismatches: p.mismatches, latency: { old: emptyHistogram(), new: emptyHistogram() }, restoredP99: p.p99 }));
    return m;
  }
}

/** A bucket's p99: from its histogram, or the saved figure when the bucket was restored and saw no new calls. */
function pointP99(p: MutablePoint, side: Side): number | null {
  const h = p.latency[side];
  return h.count > 0 ? quantile(h, 0.99) : (p.restoredP99?.[side] ?? null);
}

function counterId(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? name : `${name}{${keys.map((k) => `${k}="${labels[k]}"`).join(',')}}`;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Help lines for the counters the engine writes. */
const HELP: Readonly<Record<string, string>> = {
  cutover_operations_total: 'Operations completed, by operation, kind and outcome.',
  cutover_writes_total: 'Writes per side, by result.',
  cutover_dual_write_total: 'Dual writes, by result (succeeded, failed, compensated, compensation_failed) and authoritative (the side written first, old or new; after a failed or uncompensated write the other side is behind).',
  cutover_reads_total: 'Reads, by the side that served them.',
  cutover_fallbacks_total: 'Reads served by the fallback side, by reason.',
  cutover_shadow_reads_total: 'Shadow reads, by result (match, mismatch).',
  cutover_retries_total: 'Retries of transient errors, by side.',
  cutover_faults_total: 'Injected faults that fired, by kind.',
  cutover_crashes_total: 'Crashes found when the engine reopened.',
  cutover_recoveries_total: 'Recoveries from durable state.',
  cutover_backfill_rows_total: 'Records handled by backfill and reverse-sync, by action and result.',
  cutover_checkpoints_total: 'Checkpoints written.',
  cutover_storage_failures_total: 'Journal writes refused by storage.',
  cutover_lost_acknowledged_writes_total: 'Acknowledged writes storage never stored (unsafe-ack-first).',
};

/** Prometheus text exposition of a snapshot. */
export function toPrometheus(snapshot: MetricsSnapshot): string {
  const lines: string[] = [];
  const byName = new Map<string, (typeof snapshot.counters)[number][]>();
  for (const c of snapshot.counters) {
    const list = byName.get(c.name) ?? [];
    list.push(c);
    byName.set(c.name, list);
  }
  for (const [name, list] of byName) {
    lines.push(`# HELP ${name} ${HELP[name] ?? name}`, `# TYPE ${name} counter`);
    for (const c of list) {
      const labels = Object.entries(c.labels);
      const rendered = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      lines.push(`${name}${rendered} ${c.value}`);
    }
  }
  lines.push('# HELP cutover_side_latency_ms Latency of one call on a side, in milliseconds.', '# TYPE cutover_side_latency_ms histogram');
  for (const side of ['old', 'new'] as const) {
    const h = snapshot.latency[side];
    let cumulative = 0;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      cumulative += h.counts[i] ?? 0;
      lines.push(`cutover_side_latency_ms_bucket{side="${side}",le="${le}"} ${cumulative}`);
    });
    cumulative += h.counts[LATENCY_BUCKETS_MS.length] ?? 0;
    lines.push(`cutover_side_latency_ms_bucket{side="${side}",le="+Inf"} ${cumulative}`);
    lines.push(`cutover_side_latency_ms_sum{side="${side}"} ${h.sum}`, `cutover_side_latency_ms_count{side="${side}"} ${h.count}`);
  }
  return `${lines.join('\n')}\n`;
}
