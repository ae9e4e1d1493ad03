/**
 * rehearse() in real Chromium on IndexedDB: seed 002's plan on job-keys, seed 1, passes its gates
 * with the matchers, and gives the report the same plan and seed give in Node on the in-memory
 * store — its invariant figures, its virtual latencies and its bytes — as
 * test/unit/rehearse-node-figures.test.ts wrote them down (rehearse-seed-002.node.json).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import plan from '../../docs/examples/plans/seed-002-job-keys.json';
import { rehearse, type KeyValueBackend, type Plan, type RehearsalReport } from '../../src/harness/index.ts';
import { cutoverMatchers } from '../../src/harness/matchers.ts';
import { indexedDbStore, loadBrowserSqlEngine } from '../../src/harness/browser.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import node from './rehearse-seed-002.node.json';
import { invariantFigures, timingFigures } from '../support/rehearsal-figures.ts';

expect.extend(cutoverMatchers);

let report: RehearsalReport;
let store: KeyValueBackend;
beforeAll(async () => {
  store = indexedDbStore(`cutover-lab-rehearse-${Date.now()}`);
  report = await rehearse('job-keys', plan as Plan, { seed: 1, durability: 'strict', sql: await loadBrowserSqlEngine(), store });
});

describe('rehearse() in Chromium on IndexedDB', () => {
  it('runs seed 002 through every gate, keeping the rehearsal in IndexedDB', async () => {
    expect(navigator.userAgent).toMatch(/Chrome/);
    expect(report).toPassGates();
    expect(report).toHaveNoLostWrites();
    expect(report).toBeConsistent();
    expect(report.finalPhase).toBe('read-new');
    // The journal and snapshots went to IndexedDB, not to memory.
    expect((await store.keys('')).length).toBeGreaterThan(0);
  });

  it('gives the figures the same plan and seed give in Node', () => {
    expect(invariantFigures(report)).toEqual(node.figures);
  });

  it('gives the virtual latencies and the bytes of the Node report too: both come from the seed, not from the machine', async () => {
    expect(timingFigures(report)).toEqual(node.timing);
    expect(await webCryptoSha256(new TextEncoder().encode(JSON.stringify(report)))).toBe(node.digest);
  });
});
