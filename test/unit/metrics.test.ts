import { describe, expect, it } from 'vitest';
import { Metrics, quantile, toPrometheus } from '../../src/engine/checks/metrics.ts';
import { nodeSql } from '../support/node.ts';
import { openRig } from '../support/rig.ts';

describe('metrics', () => {
  it('interpolates quantiles within histogram buckets', () => {
    const m = new Metrics();
    for (let i = 0; i < 99; i++) m.observeLatency('old', 0.2, 0);
    m.observeLatency('old', 800, 0);
    const h = m.snapshot().latency.old;
    expect(h.count).toBe(100);
    expect(h.p50).toBeGreaterThan(0.1);
    expect(h.p50).toBeLessThanOrEqual(0.25);
    expect(h.p99).toBeLessThanOrEqual(0.25);
    expect(quantile(h, 1)).toBeGreaterThan(500);
    expect(m.snapshot().latency.new.p99).toBeNull();
  });

  it('exports counters and histograms as Prometheus text', () => {
    const m = new Metrics();
    m.inc('cutover_dual_write_total', { result: 'failed' }, 3);
    m.inc('cutover_dual_write_total', { result: 'succeeded' });
    m.observeLatency('new', 3, 0);
    const text = toPrometheus(m.snapshot());
    expect(text).toContain('# TYPE cutover_dual_write_total counter');
    expect(text).toContain('cutover_dual_write_total{result="failed"} 3');
    expect(text).toContain('cutover_side_latency_ms_bucket{side="new",le="5"} 1');
    expect(text).toContain('cutover_side_latency_ms_bucket{side="new",le="2.5"} 0');
    expect(text).toContain('cutover_side_latency_ms_count{side="new"} 1');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('survives a reload through its snapshot', () => {
    const m = new Metrics();
    m.inc('cutover_operations_total', { operation: 'enqueue', kind: 'write', outcome: 'ok' }, 7);
    m.tick(1500, { operation: true, fallback: true });
    const back = Metrics.fromSnapshot(structuredClone(m.snapshot()));
    expect(back.get('cutover_operations_total', { operation: 'enqueue', kind: 'write', outcome: 'ok' })).toBe(7);
    expect(back.snapshot().series).toEqual([expect.objectContaining({ t: 1000, operations: 1, fallbacks: 1 })]);
  });

  it('keeps each restored second\'s p99 until that second sees new calls', () => {
    const m = new Metrics();
    m.observeLatency('old', 4, 1200);
    m.observeLatency('new', 40, 2200);
    const back = Metrics.fromSnapshot(structuredClone(m.snapshot()));
    const before = back.snapshot().series.map((p) => p.p99);
    expect(before).toEqual(m.snapshot().series.map((p) => p.p99));
    expect(before[0]?.old).not.toBeNull();
    expect(before[1]?.new).not.toBeNull();
    back.observeLatency('new', 900, 2500);
    const after = back.snapshot().series[1]?.p99;
    expect(after?.new).toBeGreaterThan(before[1]?.new ?? Infinity);
    expect(after?.old).toBeNull();
  });

  it('counts what a rehearsal does: writes per side, reads by serving side, fallbacks', async () => {
    const rig = await openRig(await nodeSql(), 'job-keys');
    const r = rig.rehearsal;
    await rig.forceTo('dual-write');
    await r.execute('enqueue', { job_id: 'j1', workspace_id: 'w', kind: 'embed', result: null, created_at: '2025-11-13 10:00:00' });
    await rig.forceTo('read-new');
    await r.execute('getJob', { job_id: 'j1', workspace_id: 'w' });
    await r.execute('getJob', { job_id: 'nope', workspace_id: 'w' });
    const m = Metrics.fromSnapshot(r.metrics());
    expect(m.get('cutover_writes_total', { side: 'old', result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(m.get('cutover_writes_total', { side: 'new', result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(m.get('cutover_dual_write_total', { result: 'succeeded', authoritative: 'old' })).toBe(1);
    expect(m.get('cutover_reads_total', { served_by: 'new' })).toBe(1);
    expect(m.get('cutover_fallbacks_total', { reason: 'empty' })).toBe(1);
    expect(toPrometheus(r.metrics())).toContain('cutover_fallbacks_total{reason="empty"} 1');
  });
});
