/**
 * `Metrics.inc` remembers the counter of each (name, labels) it has seen instead of building the
 * counter's key text on every call. Which counter a call adds to, and everything the snapshot and
 * the Prometheus text show, must stay as it was: labels are the same counter in any key order, the
 * counter keeps the key order of its first call, and the latency buckets take the same values.
 */
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS, Metrics, toPrometheus } from '../../src/engine/checks/metrics.ts';

describe('metrics: counters found without building their key', () => {
  it('adds labels given in another key order, or as another object, to the same counter', () => {
    const m = new Metrics();
    m.inc('cutover_writes_total', { side: 'old', result: 'ok' });
    m.inc('cutover_writes_total', { result: 'ok', side: 'old' }, 2);
    m.inc('cutover_writes_total', { side: 'old', result: 'ok' });
    m.inc('cutover_writes_total', { side: 'new', result: 'ok' });
    m.inc('cutover_writes_total', { side: 'old', result: 'failed' });
    m.inc('cutover_reads_total', { side: 'old', result: 'ok' });
    expect(m.get('cutover_writes_total', { result: 'ok', side: 'old' })).toBe(4);
    expect(m.get('cutover_writes_total', { side: 'new', result: 'ok' })).toBe(1);
    expect(m.total('cutover_writes_total')).toBe(6);
    expect(m.total('cutover_writes_total', { result: 'ok' })).toBe(5);
    expect(m.total('cutover_reads_total')).toBe(1);
    const counters = m.snapshot().counters;
    // Sorted by name, then by labels in key order (result before side), as before.
    expect(counters.map((c) => [c.name, Object.keys(c.labels), c.value])).toEqual([
      ['cutover_reads_total', ['side', 'result'], 1],
      ['cutover_writes_total', ['side', 'result'], 1],
      ['cutover_writes_total', ['side', 'result'], 1],
      ['cutover_writes_total', ['side', 'result'], 4],
    ]);
    expect(counters.map((c) => c.labels)).toEqual([
      { side: 'old', result: 'ok' },
      { side: 'old', result: 'failed' },
      { side: 'new', result: 'ok' },
      { side: 'old', result: 'ok' },
    ]);
  });

  it('keeps the label order of the first call in the Prometheus text, whatever order later calls use', () => {
    const m = new Metrics();
    m.inc('cutover_operations_total', { outcome: 'ok', operation: 'enqueue', kind: 'write' });
    m.inc('cutover_operations_total', { operation: 'enqueue', kind: 'write', outcome: 'ok' }, 4);
    m.inc('cutover_operations_total', { kind: 'write', outcome: 'ok', operation: 'enqueue' });
    m.inc('cutover_crashes_total');
    m.inc('cutover_crashes_total', {}, 2);
    const text = toPrometheus(m.snapshot());
    expect(text).toContain('\ncutover_operations_total{outcome="ok",operation="enqueue",kind="write"} 6\n');
    expect(text).not.toContain('operation="enqueue",kind="write",outcome="ok"');
    expect(text).toContain('\ncutover_crashes_total 3\n');
  });

  it('labels whose key texts collide are one counter, as they were', () => {
    // The counter key is `name{k="v",…}` without escaping, so these two name the same counter.
    const m = new Metrics();
    m.inc('x_total', { a: 'x",b="y' });
    m.inc('x_total', { a: 'x', b: 'y' });
    m.inc('x_total', { a: 'x", b="y' });
    expect(m.snapshot().counters.map((c) => [c.labels, c.value])).toEqual([
      [{ a: 'x", b="y' }, 1],
      [{ a: 'x",b="y' }, 2],
    ]);
  });

  it('does not count inherited properties of a labels object as labels', () => {
    const m = new Metrics();
    const inherited = Object.create({ side: 'old' }) as Record<string, string>;
    inherited.result = 'ok';
    m.inc('cutover_writes_total', inherited);
    m.inc('cutover_writes_total', { result: 'ok' });
    expect(m.snapshot().counters).toEqual([{ name: 'cutover_writes_total', labels: { result: 'ok' }, value: 2 }]);
  });

  it('a restored snapshot adds to the counters it restored', () => {
    const m = new Metrics();
    m.inc('cutover_writes_total', { side: 'old', result: 'ok' }, 3);
    const back = Metrics.fromSnapshot(structuredClone(m.snapshot()));
    back.inc('cutover_writes_total', { result: 'ok', side: 'old' });
    expect(back.snapshot().counters).toEqual([{ name: 'cutover_writes_total', labels: { side: 'old', result: 'ok' }, value: 4 }]);
  });

  it('puts a latency in the first bucket whose bound is at least it, and beyond the last in +Inf', () => {
    const m = new Metrics();
    const at = [0, 0.1, 0.1000001, 0.25, 7, 10000, 10000.5, Number.POSITIVE_INFINITY, Number.NaN];
    for (const ms of at) m.observeLatency('old', ms, 0);
    const counts = m.snapshot().latency.old.counts;
    const expected = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
    for (const ms of at) {
      const found = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
      const i = found < 0 ? LATENCY_BUCKETS_MS.length : found;
      expected[i] = (expected[i] ?? 0) + 1;
    }
    expect(counts).toEqual(expected);
    expect(counts[0]).toBe(2);
    expect(counts[LATENCY_BUCKETS_MS.length]).toBe(3);
  });
});
