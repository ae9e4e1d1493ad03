/**
 * The live rehearsal's report: the figures summed by name and per side, the last verify and the
 * last history check, as JSON and as Markdown; text from the scenario cannot break the Markdown.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryReport, MetricsSnapshot, VerifySummary } from '../../engine/vocabulary.ts';
import { liveReport, liveReportJson, liveReportMarkdown, type LiveReportInput } from './live-report.ts';

const histogram = (count: number, p99: number | null) => ({ counts: [], sum: 0, count, p50: p99 === null ? null : p99 / 4, p95: p99 === null ? null : p99 / 2, p99 });

const metrics: MetricsSnapshot = {
  counters: [
    { name: 'cutover_operations_total', labels: { operation: 'enqueue', kind: 'write', outcome: 'ok' }, value: 40 },
    { name: 'cutover_operations_total', labels: { operation: 'getJob', kind: 'read', outcome: 'ok' }, value: 15 },
    { name: 'cutover_fallback_reads_total', labels: {}, value: 2 },
  ],
  latency: { old: histogram(55, 4.5), new: histogram(0, null) },
  series: [],
};

const verify = { clean: false, diverged: 3, lostByDrop: 3, divergenceEvents: 1, phase: 'dual-write' } as unknown as VerifySummary;

const check = {
  operations: 55,
  writes: 40,
  acknowledgedWrites: 39,
  failedWrites: 1,
  indeterminateWrites: 0,
  reads: 15,
  lost: [{ collection: 'jobs', key: '["job-7"]', operation: { index: 12, name: 'enqueue', params: {}, phase: 'dual-write' }, expected: [], found: null }],
  unexpected: [],
  unexpectedReads: 0,
  staleReads: 0,
  recovered: 0,
  undecided: 0,
  duplicates: [],
  valid: false,
} as unknown as HistoryReport;

const input: LiveReportInput = {
  rehearsalId: 'job-keys-abc',
  scenario: { id: 'job-keys', title: 'Job keys | *flat* <b>to</b> scoped', labels: { old: 'flat keys', new: 'workspace keys' } },
  seed: 7,
  durability: 'group',
  phase: 'dual-write',
  metrics,
  lastVerify: verify,
  historyCheck: check,
  generatedAt: '2026-11-29T08:00:00.000Z',
};

describe('liveReport', () => {
  it('holds the scenario, seed, durability, phase, figures, last verify and history check', () => {
    const r = liveReport(input);
    expect(r).toMatchObject({ format: 'cutover-lab/live-report', version: 1, rehearsal: 'job-keys-abc', seed: 7, durability: 'group', phase: 'dual-write' });
    expect(r.scenario.id).toBe('job-keys');
    expect(r.figures.totals).toEqual({ cutover_fallback_reads_total: 2, cutover_operations_total: 55 });
    expect(r.figures.counters.map((c) => c.labels['operation'] ?? '')).toEqual(['', 'getJob', 'enqueue']); // sorted by name, then labels (kind=read before kind=write)
    expect(r.figures.latency).toEqual({ old: { count: 55, p50: 1.125, p95: 2.25, p99: 4.5 }, new: { count: 0, p50: null, p95: null, p99: null } });
    expect(r.lastVerify).toBe(verify);
    expect(r.historyCheck).toMatchObject({ valid: false, operations: 55, acknowledgedWrites: 39, lostWrites: 1, unexpectedValues: 0, duplicates: 0 });
    expect(JSON.parse(liveReportJson(r))).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('says when there is no verify and no history check', () => {
    const md = liveReportMarkdown(liveReport({ ...input, lastVerify: null, historyCheck: null }));
    expect(md).toContain('No verify has run in this rehearsal.');
    expect(md).toContain('No history check has run since this rehearsal was opened in the page.');
    expect(liveReport({ ...input, historyCheck: null }).historyCheck).toBeNull();
  });

  it('renders Markdown with the figures, latency per side, the verify and the lost writes', () => {
    const md = liveReportMarkdown(liveReport(input));
    expect(md.split('\n')[0]).toBe('# Rehearsal report: Job keys \\| \\*flat\\* \\<b\\>to\\</b\\> scoped');
    expect(md).toContain('- Seed: 7');
    expect(md).toContain('- Durability: group');
    expect(md).toContain('| cutover\\_operations\\_total | 55 |');
    expect(md).toContain('| Latency | flat keys (old) | workspace keys (new) |');
    expect(md).toContain('| p99 | 4.5 ms | — |');
    expect(md).toContain('- Not clean, in dual-write');
    expect(md).toContain('- Records that differ: 3');
    expect(md).toContain('- Lost acknowledged writes: 1; unexpected values: 0; duplicates: 0');
    expect(md).toContain('  - jobs \\["job-7"\\]: enqueue \\#12 in dual-write');
    // Every table row has as many cells as its header.
    for (const line of md.split('\n').filter((l) => l.startsWith('| '))) expect(line.replace(/\\\|/g, '').split('|').length).toBeGreaterThanOrEqual(4);
  });
});
