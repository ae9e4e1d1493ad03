/** Rows of the benchmark table, how they print and how they are stored in bench/results.json. */
import type { Stats } from './measure.ts';

/**
 * How a row's ratio reads: `cost` rows compare time per unit (engine ÷ raw, lower is better),
 * `throughput` rows compare units per second (engine ÷ raw, higher is better).
 */
export type Kind = 'cost' | 'throughput' | 'info';

/** One line of the table. */
export interface Row {
  readonly id: string;
  /** What is measured, in words (the path, sizes included). */
  readonly path: string;
  readonly kind: Kind;
  /** Unit of the engine and raw figures: "µs/op" (CPU), "rows/s", "ms/MiB", "ops/s", "MiB". */
  readonly unit: string;
  readonly engine: Stats;
  /** The baseline, measured interleaved with the engine in the same process (undefined: none). */
  readonly raw?: Stats;
  /** What the baseline is. */
  readonly rawLabel: string;
  /** engine median ÷ raw median (time for cost rows, rate for throughput rows). */
  readonly ratio?: number;
  /** The target for this path, in its words. */
  readonly target: string;
  /** Whether the target is met (undefined: no target for this row). */
  met?: boolean;
  /** Rounds measured. */
  readonly rounds: number;
  /** Further figures (wall time, growth, memory …). */
  readonly extra?: Record<string, unknown>;
  readonly notes?: readonly string[];
}

/** A row from an interleaved measurement, the ratio and the verdict filled in. */
export function row(r: Omit<Row, 'ratio' | 'met'> & { readonly check?: (ratio: number | undefined, row: Row) => boolean | undefined }): Row {
  const { check, ...rest } = r;
  const ratio = rest.raw ? rest.engine.median / rest.raw.median : undefined;
  const out: Row = { ...rest, ...(ratio !== undefined ? { ratio } : {}) };
  const met = check?.(ratio, out);
  if (met !== undefined) out.met = met;
  return out;
}

/** A number for the table: 3 significant digits, thousands separated. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

function cell(s: Stats | undefined, unit: string): string {
  if (!s) return '—';
  return `${fmt(s.median)} ${unit} (${fmt(s.min)}–${fmt(s.max)})`;
}

function ratioCell(r: Row): string {
  if (r.ratio === undefined) return '—';
  return `${r.ratio.toFixed(2)}×`;
}

function metCell(r: Row): string {
  return r.met === undefined ? '—' : r.met ? 'yes' : 'NO';
}

/** The table as Markdown (it prints readably in a terminal too). */
export function table(rows: readonly Row[]): string {
  const header = ['row', 'path', 'engine median (min–max)', 'baseline median (min–max)', 'ratio', 'target', 'met'];
  const lines = rows.map((r) => [r.id, r.path, cell(r.engine, r.unit), r.raw ? `${cell(r.raw, r.unit)} — ${r.rawLabel}` : r.rawLabel || '—', ratioCell(r), r.target || '—', metCell(r)]);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.map(esc).join(' | ')} |`)].join('\n');
}

/** Notes of every row that has some, one bullet each. */
export function notes(rows: readonly Row[]): string {
  return rows
    .filter((r) => r.notes && r.notes.length > 0)
    .map((r) => `- ${r.id}: ${(r.notes ?? []).join(' ')}`)
    .join('\n');
}
