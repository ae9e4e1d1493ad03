import { rehearse } from 'cutover-lab/harness';
import { indexedDbStore, loadBrowserSqlEngine } from 'cutover-lab/harness/browser';
import { describe, expect, inject, it } from 'vitest';
import { digestOf, figuresOf } from './figures.ts';
import { plan, scenario, SEED } from './rehearsal.ts';

describe('orders.status → order_status, rehearsed in Chromium on IndexedDB', () => {
  it('passes every gate, and gives the report the same plan and seed give in Node', async () => {
    const store = indexedDbStore(`ci-rehearsal-${Date.now()}`);
    const report = await rehearse(scenario, plan, { seed: SEED, durability: 'strict', sql: await loadBrowserSqlEngine(), store });
    expect(navigator.userAgent).toMatch(/Chrome/);
    expect(report).toPassGates();
    expect(report).toHaveNoLostWrites();
    expect(report).toBeConsistent();
    expect(await store.keys('')).not.toHaveLength(0);
    const node = inject('node');
    expect(figuresOf(report)).toEqual(node.figures);
    expect(await digestOf(report)).toBe(node.digest);
  });
});
