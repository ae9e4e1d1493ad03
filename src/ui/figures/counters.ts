/** The rows of the figures panel's counters table and how each is added up from the metrics' counters. */
import type { MetricsSnapshot, Side } from '../../engine/vocabulary.ts';

/** One counter of the metrics snapshot, with its labels. */
export type Counter = MetricsSnapshot['counters'][number];

/** One row of the counters table: a counter, optionally filtered, broken down by one label. */
export interface CounterRow {
  readonly title: (labels: Readonly<Record<Side, string>>) => string;
  readonly name: string;
  readonly filter?: Readonly<Record<string, string>>;
  readonly by?: string;
  /** Label values always shown (as 0 when absent), in this order; others follow. */
  readonly order?: readonly string[];
}

/** The table's rows, in order. */
export const COUNTER_ROWS: readonly CounterRow[] = [
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

/** A row's total and, when it has a `by` label, the total per value of that label (null otherwise). */
export function tally(row: CounterRow, counters: readonly Counter[]): { readonly total: number; readonly breakdown: ReadonlyMap<string, number> | null } {
  const matching = counters.filter((c) => c.name === row.name && Object.entries(row.filter ?? {}).every(([k, v]) => c.labels[k] === v));
  const total = matching.reduce((sum, c) => sum + c.value, 0);
  if (row.by === undefined) return { total, breakdown: null };
  const by = row.by;
  const values = new Map<string, number>((row.order ?? []).map((v) => [v, 0]));
  for (const c of matching) {
    const value = c.labels[by] ?? '';
    values.set(value, (values.get(value) ?? 0) + c.value);
  }
  return { total, breakdown: values };
}

/** A label's value for people: a side by the scenario's name for it, underscores as spaces. */
export function labelValue(key: string, value: string, labels: Readonly<Record<Side, string>>): string {
  if (SIDE_LABEL_KEYS.has(key) && (value === 'old' || value === 'new')) return labels[value];
  return value.replace(/_/g, ' ');
}
