/**
 * The report of the live rehearsal (the header's Export menu): the scenario, seed, durability and
 * phase, the figures as they stand, the last verify and the last history check. Pure: the page
 * gathers the values, these functions shape them as JSON and as Markdown. A plan's replay has a
 * report of its own (the Plan panel's exports); this one is of what happened in the playground.
 */
import type { DurabilityMode, HistoryReport, MetricsSnapshot, Phase, Side, VerifySummary } from '../../engine/vocabulary.ts';

/** What the page knows of the live rehearsal when the report is asked for. */
export interface LiveReportInput {
  readonly rehearsalId: string;
  readonly scenario: { readonly id: string; readonly title: string; readonly labels: Readonly<Record<Side, string>> };
  /** The rehearsal's seed (`api.shareable()`). */
  readonly seed: number | string;
  readonly durability: DurabilityMode;
  readonly phase: Phase;
  /** `api.metrics()`. */
  readonly metrics: MetricsSnapshot;
  readonly lastVerify: VerifySummary | null;
  /** The page's last history check, or null (none since the rehearsal was opened). */
  readonly historyCheck: HistoryReport | null;
  /** When the report was made (ISO 8601). */
  readonly generatedAt: string;
}

/** One counter series of the figures. */
export interface LiveCounter {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Latency per side, in virtual milliseconds. */
export interface LiveLatency {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** The live rehearsal's report, as its JSON export holds it. */
export interface LiveReport {
  readonly format: 'cutover-lab/live-report';
  readonly version: 1;
  readonly generatedAt: string;
  readonly rehearsal: string;
  readonly scenario: { readonly id: string; readonly title: string; readonly labels: Readonly<Record<Side, string>> };
  readonly seed: number | string;
  readonly durability: DurabilityMode;
  readonly phase: Phase;
  readonly figures: {
    /** Counter totals by name, summed over their labels. */
    readonly totals: Readonly<Record<string, number>>;
    /** Every counter series, sorted by name then labels. */
    readonly counters: readonly LiveCounter[];
    readonly latency: Readonly<Record<Side, LiveLatency>>;
  };
  readonly lastVerify: VerifySummary | null;
  /** The last history check's verdict and counts (the lost writes themselves listed), or null. */
  readonly historyCheck: {
    readonly valid: boolean;
    readonly operations: number;
    readonly acknowledgedWrites: number;
    readonly indeterminateWrites: number;
    readonly lostWrites: number;
    readonly unexpectedValues: number;
    readonly duplicates: number;
    readonly lost: HistoryReport['lost'];
  } | null;
}

const labelText = (labels: Readonly<Record<string, string>>): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(',');

/** The report of the live rehearsal from what the page gathered. */
export function liveReport(input: LiveReportInput): LiveReport {
  const counters = [...input.metrics.counters]
    .map((c) => ({ name: c.name, labels: { ...c.labels }, value: c.value }))
    .sort((a, b) => a.name.localeCompare(b.name) || labelText(a.labels).localeCompare(labelText(b.labels)));
  const totals = new Map<string, number>();
  for (const c of counters) totals.set(c.name, (totals.get(c.name) ?? 0) + c.value);
  const latency = (side: Side): LiveLatency => {
    const l = input.metrics.latency[side];
    return { count: l.count, p50: l.p50, p95: l.p95, p99: l.p99 };
  };
  const h = input.historyCheck;
  return {
    format: 'cutover-lab/live-report',
    version: 1,
    generatedAt: input.generatedAt,
    rehearsal: input.rehearsalId,
    scenario: { id: input.scenario.id, title: input.scenario.title, labels: { ...input.scenario.labels } },
    seed: input.seed,
    durability: input.durability,
    phase: input.phase,
    figures: { totals: Object.fromEntries(totals), counters, latency: { old: latency('old'), new: latency('new') } },
    lastVerify: input.lastVerify,
    historyCheck: h
      ? {
          valid: h.valid,
          operations: h.operations,
          acknowledgedWrites: h.acknowledgedWrites,
          indeterminateWrites: h.indeterminateWrites,
          lostWrites: h.lost.length,
          unexpectedValues: h.unexpected.length,
          duplicates: h.duplicates.length,
          lost: h.lost,
        }
      : null,
  };
}

/** The report as JSON text (what "Report (.json)" downloads). */
export function liveReportJson(report: LiveReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Escapes text for a Markdown table cell or line: pipes, backslashes, markup and line breaks are written literally. */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

const ms = (v: number | null): string => (v === null ? '—' : `${v} ms`);
const n = (v: number): string => v.toLocaleString('en-US');

/** The report as Markdown (what "Report (.md)" downloads). */
export function liveReportMarkdown(report: LiveReport): string {
  const lines: string[] = [];
  const { labels } = report.scenario;
  lines.push(`# Rehearsal report: ${markdownText(report.scenario.title)}`, '');
  lines.push(`- Scenario: \`${report.scenario.id}\``);
  lines.push(`- Rehearsal: \`${report.rehearsal}\``);
  lines.push(`- Seed: ${markdownText(String(report.seed))}`);
  lines.push(`- Durability: ${report.durability}`);
  lines.push(`- Phase: ${report.phase}`);
  lines.push(`- Made: ${report.generatedAt}`, '');

  lines.push('## Figures', '', '| Figure | Value |', '| --- | ---: |');
  for (const [name, value] of Object.entries(report.figures.totals)) lines.push(`| ${markdownText(name)} | ${n(value)} |`);
  lines.push('', `| Latency | ${markdownText(labels.old)} (old) | ${markdownText(labels.new)} (new) |`, '| --- | ---: | ---: |');
  const { old, new: fresh } = report.figures.latency;
  lines.push(`| operations timed | ${n(old.count)} | ${n(fresh.count)} |`);
  lines.push(`| p50 | ${ms(old.p50)} | ${ms(fresh.p50)} |`);
  lines.push(`| p95 | ${ms(old.p95)} | ${ms(fresh.p95)} |`);
  lines.push(`| p99 | ${ms(old.p99)} | ${ms(fresh.p99)} |`, '');

  lines.push('## Last verify', '');
  const v = report.lastVerify;
  if (!v) lines.push('No verify has run in this rehearsal.');
  else {
    lines.push(`- ${v.clean ? 'Clean' : 'Not clean'}, in ${v.phase}`);
    lines.push(`- Records that differ: ${n(v.diverged)}`);
    if (v.appReadMismatches !== undefined) lines.push(`- Application reads that differ: ${n(v.appReadMismatches)}`);
    if (v.duplicateKeys !== undefined) lines.push(`- Duplicate keys: ${n(v.duplicateKeys)}`);
    lines.push(`- Records dropping old would lose: ${n(v.lostByDrop)}`);
  }
  lines.push('');

  lines.push('## History check', '');
  const h = report.historyCheck;
  if (!h) lines.push('No history check has run since this rehearsal was opened in the page.');
  else {
    lines.push(`- ${h.valid ? 'Valid: no acknowledged write lost' : 'Not valid'}`);
    lines.push(`- Operations: ${n(h.operations)}; acknowledged writes: ${n(h.acknowledgedWrites)}; indeterminate: ${n(h.indeterminateWrites)}`);
    lines.push(`- Lost acknowledged writes: ${n(h.lostWrites)}; unexpected values: ${n(h.unexpectedValues)}; duplicates: ${n(h.duplicates)}`);
    for (const l of h.lost.slice(0, 20)) lines.push(`  - ${markdownText(`${l.collection} ${l.key}: ${l.operation.name} #${l.operation.index} in ${l.operation.phase}`)}`);
    if (h.lost.length > 20) lines.push(`  - … and ${n(h.lost.length - 20)} more (in the JSON report)`);
  }
  lines.push('');
  return lines.join('\n');
}
