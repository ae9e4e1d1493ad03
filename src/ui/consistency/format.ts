/** How the consistency panel words a report: counts, rates, values, discrepancy kinds and when verify ran. */
import type { ConsistencyReport, Discrepancy, DiscrepancyKind, Side } from '../../engine/vocabulary.ts';

/** A field's value as a report carries it (a blob as hex). */
export type FieldValue = Discrepancy['fields'][number]['old'];

/** The counts of one collection, or of all of them. */
export type Counts = ConsistencyReport['totals'];

const count = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

/** A whole number with thousands separators. */
export const formatCount = (n: number): string => count.format(n);

/** A rate as a percentage that never rounds a non-zero rate down to "0 %". */
export function formatRate(rate: number): string {
  const percent = rate * 100;
  if (percent > 0 && percent < 0.01) return '< 0.01 %';
  return `${decimal.format(percent)} %`;
}

/** The share of records that differ. */
export const rateOf = (c: Counts): number => (c.total === 0 ? 0 : (c.total - c.consistent) / c.total);

/** How a value is shown: text, with its SQL type when the sides disagree on it. */
export function valueText(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return `x'${value.blob}'`;
  return String(value);
}

/** A value's SQL type, shown beside values whose types differ between the sides. */
export function valueType(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return 'blob';
  return typeof value === 'number' ? 'number' : 'text';
}

/** A discrepancy's identity across reports: its collection and key. */
export const idOf = (d: Discrepancy): string => `${d.collection}\u0000${d.key}`;

/** "at 09:05:07" today, "on 2026-11-21 at 09:05:07" another day (a report restored after a reload may be old). */
export function verifiedWhen(at: number, now = Date.now()): string {
  const d = new Date(at);
  const time = d.toLocaleTimeString('en-GB');
  if (d.toDateString() === new Date(now).toDateString()) return `at ${time}`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `on ${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} at ${time}`;
}

/** A discrepancy kind for people, with the sides' names. */
export function kindText(kind: DiscrepancyKind, l: Readonly<Record<Side, string>>): string {
  switch (kind) {
    case 'inconsistent':
      return 'Differs';
    case 'old-only':
      return `${l.old} only`;
    case 'new-only':
      return `${l.new} only`;
    case 'deleted-in-new':
      return `Deleted in ${l.new}, pending in ${l.old}`;
    case 'deleted-in-old':
      return `Deleted in ${l.old}, pending in ${l.new}`;
    default:
      throw new Error(`unknown discrepancy kind '${kind as string}'`);
  }
}

/** Which side holds the newer version of the record. */
export function newerText(d: Discrepancy, l: Readonly<Record<Side, string>>): string {
  return d.newer === 'unknown' ? 'newer side unknown' : `newer in ${l[d.newer]}`;
}
