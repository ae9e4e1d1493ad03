import { rehearse, type Plan } from 'cutover-lab/harness';
import { describe, expect, it } from 'vitest';
import { plan, scenario, SEED } from './rehearsal.ts';

describe('orders.status → order_status, rehearsed in Node', () => {
  it('passes every gate of the plan and loses no order', async () => {
    const report = await rehearse(scenario, plan, { seed: SEED, durability: 'strict' });
    expect(report).toPassGates();
    expect(report).toHaveNoLostWrites();
    expect(report).toBeConsistent();
    expect(report.finalPhase).toBe('old-dropped');
  });

  it('fails, naming the lost orders, when the old table is dropped before any backfill', async () => {
    // What the plan's backfill, verify and shadow steps are there to prevent: the guards refuse
    // these moves, and this plan overrides them.
    const careless: Plan = {
      format: 1,
      steps: [
        { kind: 'move', to: 'dual-write' },
        { kind: 'workload', operations: 40 },
        { kind: 'move', to: 'shadow', force: true },
        { kind: 'move', to: 'read-new', force: true },
        { kind: 'move', to: 'new-only', force: true },
        { kind: 'move', to: 'old-dropped', acceptDataLoss: true, gate: { lostWrites: { max: 0 } } },
      ],
    };
    const report = await rehearse(scenario, careless, { seed: SEED, durability: 'strict' });
    expect(report.ok).toBe(false);
    // The orders placed before dual-write existed only in the old table.
    expect(() => expect(report).toHaveNoLostWrites()).toThrow(/acknowledged writes are not readable through the old-dropped read path[^]*orders \["ord-\d+"\]: written by placeOrder #\d+ in old-only/);
    expect(() => expect(report).toPassGates()).toThrow(/step 6 \(steps\[5\], move\): lostWrites measured \d+ against at most 0/);
  });
});
