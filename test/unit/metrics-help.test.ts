/** The HELP line of each counter names the labels the engine writes on it. */
import { describe, expect, it } from 'vitest';
import { Metrics, toPrometheus } from '../../src/engine/checks/metrics.ts';

describe('Prometheus HELP text', () => {
  it('says cutover_dual_write_total carries authoritative beside result, and what a failure means for the other side', () => {
    const m = new Metrics();
    m.inc('cutover_dual_write_total', { result: 'failed', authoritative: 'old' });
    const help = toPrometheus(m.snapshot())
      .split('\n')
      .find((l) => l.startsWith('# HELP cutover_dual_write_total '));
    expect(help).toMatch(/by result \(succeeded, failed, compensated, compensation_failed\)/);
    expect(help).toMatch(/authoritative \(the side written first, old or new/);
    expect(help).toMatch(/the other side is behind/);
  });
});
