/**
 * rehearse() in real Chromium on IndexedDB: seed 002's plan on job-keys, seed 1, passes its gates
 * with the matchers; gives the invariant figures the same plan and seed give in Node on the
 * in-memory store, as test/unit/rehearse-node-figures.test.ts wrote them down
 * (rehearse-seed-002.node.json); and gives the same report, byte for byte, on IndexedDB as on the
 * in-memory store in this page: the store holds the rehearsal, it does not change its course.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import plan from '../../docs/examples/plans/seed-002-job-keys.json';
import { cutoverMatchers, rehearse, type KeyValueBackend, type Plan, type RehearsalReport } from '../../src/harness/index.ts';
import { indexedDbStore, loadBrowserSqlEngine } from '../../src/harness/browser.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import node from './rehearse-seed-002.node.json';
import { invariantFigures } from '../support/rehearsal-figures.ts';

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

  it('gives the report, byte for byte, that the same plan and seed give on the in-memory store', async () => {
    const inMemory = await rehearse('job-keys', plan as Plan, { seed: 1, durability: 'strict', sql: await loadBrowserSqlEngine(), store: new MemoryBackend() });
    expect(JSON.stringify(report)).toBe(JSON.stringify(inMemory));
  });

  it('asks for the browser\'s sql.js when none is given, instead of loading Node\'s', async () => {
    await expect(rehearse('job-keys', plan as Plan, { seed: 1, durability: 'strict' })).rejects.toThrow('rehearse() and simulate() in a browser need options.sql: pass sql: await loadBrowserSqlEngine(), from cutover-lab/harness/browser');
  });
});
