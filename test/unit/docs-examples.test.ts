/**
 * The example scenarios in docs/examples, written by a newcomer from the docs alone (issue 10's
 * "done when"): the inventory migration validates and simulates clean in strict; its deliberately
 * wrong variant — the old side's canonical query truncates dollars to cents where the application
 * rounds — is caught by verify's application reads and by the shadow gate, with the field diff.
 * The 20 × 200 figures come from `npx cutover-lab simulate` (see the closing note); here a short run.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isConsistent } from '../../src/engine/checks/consistency.ts';
import type { Scenario } from '../../src/engine/scenario/format.ts';
import { formatProblems, parseScenario } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { simulate } from '../../src/harness/simulate.ts';
import { nodeSql } from '../support/node.ts';
import { Rig } from '../support/rig.ts';

let sql: SqlEngine;
const load = async (name: string): Promise<Scenario> => {
  const v = parseScenario(await readFile(resolve(import.meta.dirname, '../../docs/examples', name), 'utf8'), sql);
  if (!v.ok) throw new Error(`${name}:\n${formatProblems(v.problems)}`);
  return v.scenario;
};
beforeAll(async () => {
  sql = await nodeSql();
});

describe('docs/examples/inventory.json', () => {
  it('validates and simulates clean in strict (3 seeds × 150 operations, faults and crashes)', async () => {
    const report = await simulate({ scenario: await load('inventory.json'), sql, seeds: 3, ops: 150, faultRate: 0.05, durability: 'strict' });
    expect(report.failures).toEqual([]);
    expect(report.totals.lostWrites).toBe(0);
    expect(report.totals.acknowledgedWrites).toBeGreaterThan(100);
  });
});

describe('docs/examples/inventory-truncating.json', () => {
  it('is caught by verify\'s application reads after a backfill, though the canonical queries agree on the backfilled records', async () => {
    const rig = new Rig(sql, await load('inventory-truncating.json'));
    await rig.open();
    for (const [sku, price] of [['sku-a', 19.99], ['sku-b', 0.29], ['sku-c', 4.5]] as const) {
      expect((await rig.rehearsal.execute('addItem', { sku, name: sku, stock: 10, price })).outcome).toBe('ok');
    }
    await rig.forceTo('dual-write');
    expect((await rig.rehearsal.backfill.run()).status).toBe('done');
    const report = await rig.rehearsal.verify();
    // Canonically the copies agree: the damage went through the canonical form both ways.
    expect(report.totals.inconsistent).toBe(0);
    expect(report.mismatchRate).toBe(0);
    // Through the application's own read, old says 1999 cents and new holds 1998.
    expect(isConsistent(report)).toBe(false);
    const diffs = report.appReads?.first.map((m) => [m.key, m.fields.map((f) => [f.field, f.old, f.new])]);
    expect(diffs).toEqual([
      ['["sku-a"]', [['price_cents', 1999, 1998]]],
      ['["sku-b"]', [['price_cents', 29, 28]]],
    ]);
    await rig.rehearsal.close();
  });

  it('is held back at the move to read-new by the shadow gate, with the field diff in the refusal', async () => {
    const rig = new Rig(sql, await load('inventory-truncating.json'));
    await rig.open();
    for (const [sku, price] of [['sku-a', 19.99], ['sku-b', 0.29], ['sku-c', 4.5]] as const) {
      expect((await rig.rehearsal.execute('addItem', { sku, name: sku, stock: 10, price })).outcome).toBe('ok');
    }
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.run();
    await rig.forceTo('shadow');
    await rig.shadowReads();
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.ok).toBe(false);
    expect(guard.shadow?.mismatches).toBeGreaterThan(0);
    const shadowReason = guard.reasons.find((r) => r.startsWith('shadow reads disagreed'));
    expect(shadowReason).toMatch(/price_cents old 1999 new 1998/);
    const move = await rig.rehearsal.movePhase('read-new');
    expect(move.ok).toBe(false);
    expect(rig.rehearsal.phase).toBe('shadow');
    await rig.rehearsal.close();
  });

  it('fails simulate with the verdict and the records that differ, never reaching read-new', async () => {
    const report = await simulate({ scenario: await load('inventory-truncating.json'), sql, seeds: 2, ops: 200, faultRate: 0.05, durability: 'strict' });
    expect(report.failures.map((f) => f.invariant)).toEqual(['unrepairable-divergence', 'unrepairable-divergence']);
    for (const run of report.runs) {
      expect(run.endedIn?.phase).toBe('shadow');
      expect(run.diagnostics?.differences?.first.some((d) => d.fields.some((f) => f.field === 'price_cents'))).toBe(true);
    }
  });
});

describe('a run the canonical queries call consistent while the application reads the sides differently', () => {
  it('fails simulate with the application-reads invariant instead of passing short of the cut-over', async () => {
    const text = await readFile(resolve(import.meta.dirname, '../../docs/examples/inventory.json'), 'utf8');
    const json = JSON.parse(text) as { operations: { getItem: { new: string } } };
    // New's read adds a cent: backfill and verify's canonical comparison never see it.
    json.operations.getItem.new = json.operations.getItem.new.replace('p.price_cents AS price_cents', 'p.price_cents + 1 AS price_cents');
    const v = parseScenario(JSON.stringify(json), sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
    const report = await simulate({ scenario: v.scenario, sql, seeds: 2, ops: 120, faultRate: 0.05, durability: 'strict' });
    expect(report.failures.map((f) => f.invariant)).toEqual(['application-reads', 'application-reads']);
    expect(report.failures[0]?.detail).toMatch(/^\d+ records the application's own read returns differently on old and new after backfill and reverse-sync, though the canonical queries agree \(first: items \["sku-\d+"\] through getItem, price_cents old (\d+) new (\d+)\); the run ended in shadow$/);
    const [, oldCents, newCents] = /price_cents old (\d+) new (\d+)/.exec(report.failures[0]?.detail ?? '') ?? [];
    expect(Number(newCents) - Number(oldCents)).toBe(1);
  });
});
