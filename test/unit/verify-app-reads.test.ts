/**
 * Verify reads the records through the application's own read on each side, and shadow reads gate
 * the cut-over: a canonical query that truncates where the application rounds copies the damage
 * with backfill and passes the canonical comparison, but not these.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compareAppReads, type AppReadState, type ConsistencyReport } from '../../src/engine/checks/consistency.ts';
import { initialControl } from '../../src/engine/control.ts';
import type { ControlState, ShadowNote } from '../../src/engine/control-state.ts';
import { checkGuard, describeShadowNote } from '../../src/engine/guards.ts';
import { resolveSettings, type Collection, type Scenario } from '../../src/engine/scenario/format.ts';
import { validateScenario, formatProblems } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import type { Driver } from '../../src/harness/driver.ts';
import { nodeSql } from '../support/node.ts';
import { openRig, Rig } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

/** Reads a price in cents from old's dollars the way the application does: rounding. */
const ROUNDED = 'CAST(ROUND(price * 100) AS INTEGER)';
/** The wrong normalization: truncating (19.99 * 100 is 1998.9999999999998 in floating point). */
const TRUNCATED = 'CAST(price * 100 AS INTEGER)';

/**
 * Prices move from dollars (REAL, old) to cents (INTEGER, new). The write's parameter is in cents;
 * old stores it divided by 100. `oldCanonical` is how old's canonical rows query converts: the
 * application's read always rounds.
 */
function priceScenario(oldCanonical: string, settings: Scenario['settings'] = {}, options: { policy?: Scenario['policy']; truncatingRead?: boolean } = {}): Scenario {
  // A second read of the application, not the collection's check read, that truncates on old.
  const truncatingRead: Scenario['operations'] = {
    listPrices: {
      kind: 'read',
      params: { sku: { existing: 'items', field: 'sku' } },
      collection: 'items',
      old: `SELECT sku, name, ${TRUNCATED} AS price_cents FROM items_old WHERE sku >= :sku ORDER BY sku LIMIT 2`,
      new: 'SELECT sku, name, price_cents FROM items WHERE sku >= :sku ORDER BY sku LIMIT 2',
    },
  };
  const candidate: Scenario = {
    format: 'cutover-lab/scenario',
    version: 1,
    id: 'prices',
    title: 'Prices: dollars to cents',
    summary: 'Item prices move from REAL dollars to INTEGER cents.',
    topology: 'shared',
    policy: options.policy ?? 'atomic',
    schema: {
      old: ['CREATE TABLE items_old (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)'],
      new: ['CREATE TABLE items (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL)'],
    },
    collections: {
      items: {
        key: ['sku'],
        fields: ['name', 'price_cents'],
        rows: { old: `SELECT sku, name, ${oldCanonical} AS price_cents FROM items_old`, new: 'SELECT sku, name, price_cents FROM items' },
        upsert: {
          old: ['INSERT INTO items_old (sku, name, price) VALUES (:sku, :name, :price_cents / 100.0) ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price'],
          new: ['INSERT INTO items (sku, name, price_cents) VALUES (:sku, :name, :price_cents) ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price_cents = excluded.price_cents'],
        },
        remove: { old: ['DELETE FROM items_old WHERE sku = :sku'], new: ['DELETE FROM items WHERE sku = :sku'] },
        check: { read: 'getItem', params: { sku: 'sku' } },
      },
    },
    operations: {
      addItem: {
        kind: 'write',
        params: { sku: { template: 'sku-{seq}' }, name: { text: [1, 2] }, price_cents: { oneOf: [1999, 29, 435, 57] } },
        old: ['INSERT INTO items_old (sku, name, price) VALUES (:sku, :name, :price_cents / 100.0)'],
        new: ['INSERT INTO items (sku, name, price_cents) VALUES (:sku, :name, :price_cents)'],
        effect: { collection: 'items', type: 'insert', key: { sku: 'sku' }, set: { name: 'name', price_cents: 'price_cents' } },
      },
      getItem: {
        kind: 'read',
        params: { sku: { existing: 'items', field: 'sku' } },
        collection: 'items',
        old: `SELECT sku, name, ${ROUNDED} AS price_cents FROM items_old WHERE sku = :sku`,
        new: 'SELECT sku, name, price_cents FROM items WHERE sku = :sku',
      },
      ...(options.truncatingRead ? truncatingRead : {}),
    },
    drop: ['DROP TABLE items_old'],
    seedData: [{ operation: 'addItem', count: 4 }],
    workload: { mix: { addItem: 1, getItem: 3, ...(options.truncatingRead ? { listPrices: 3 } : {}) } },
    settings,
  };
  const v = validateScenario(candidate, sql);
  if (!v.ok) throw new Error(formatProblems(v.problems));
  return v.scenario;
}

const ITEMS = [
  { sku: 'A-1', name: 'lamp', price_cents: 1999 },
  { sku: 'A-2', name: 'bulb', price_cents: 29 },
  { sku: 'A-3', name: 'cord', price_cents: 500 },
];

/** The items written in old-only, then dual-write, a backfill, and shadow with a verify. */
async function backfilledInShadow(oldCanonical: string, settings: Scenario['settings'] = {}): Promise<Rig> {
  const rig = new Rig(sql, priceScenario(oldCanonical, settings));
  await rig.open();
  for (const item of ITEMS) expect((await rig.rehearsal.execute('addItem', item)).outcome).toBe('ok');
  expect((await rig.rehearsal.movePhase('dual-write')).ok).toBe(true);
  await rig.rehearsal.backfill.run();
  expect((await rig.rehearsal.movePhase('shadow')).ok).toBe(true);
  return rig;
}

/** Each item read once through the application's read (in shadow: both sides, compared). */
async function readEach(rig: Rig, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) for (const { sku } of ITEMS) expect((await rig.rehearsal.execute('getItem', { sku })).outcome).toBe('ok');
}

describe('a canonical query that truncates where the application rounds', () => {
  it('is copied by backfill and passes the canonical comparison, but verify reports the application-read diff and is not clean', async () => {
    const rig = await backfilledInShadow(TRUNCATED);
    // The damage reached new: backfill copied old's truncated canonical value.
    expect(rig.rehearsal.database('new').query(`SELECT price_cents FROM items WHERE sku = 'A-1'`)).toEqual([{ price_cents: 1998 }]);
    const report = await rig.rehearsal.verify();
    expect(report.totals).toMatchObject({ total: 3, consistent: 3 });
    expect(report.discrepancyCount).toBe(0);
    expect(report.appReads).toMatchObject({ sides: ['old', 'new'], sample: 'all', recordsCompared: 3, mismatches: 2, newerInNew: 0 });
    expect(report.appReads?.collections).toEqual([{ collection: 'items', read: 'getItem', groups: 3, recordsCompared: 3, mismatches: 2 }]);
    expect(report.appReads?.first).toEqual([
      { collection: 'items', key: '["A-1"]', read: 'getItem', params: { sku: 'A-1' }, fields: [{ field: 'price_cents', old: 1999, new: 1998 }], newer: 'unknown' },
      { collection: 'items', key: '["A-2"]', read: 'getItem', params: { sku: 'A-2' }, fields: [{ field: 'price_cents', old: 29, new: 28 }], newer: 'unknown' },
    ]);
    // JSON-safe: it crosses the worker boundary and goes into --json output.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const control = rig.rehearsal.control;
    expect(control.lastVerify).toMatchObject({ clean: false, diverged: 0, appReadMismatches: 2, appReadExample: 'items ["A-1"] price_cents old 1999 new 1998' });
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.ok).toBe(false);
    const reason = guard.reasons.find((r) => r.includes("application's own read"));
    expect(reason).toBe(
      "the last verify found 2 records the application's own read returns differently on old and new (items [\"A-1\"] price_cents old 1999 new 1998): the canonical rows queries may hide it — a canonical query that normalises differently from the read makes backfill copy the damage and verify call the sides consistent; fix the scenario's SQL, repair, then verify again",
    );
  });

  it('is refused read-new by the shadow gate, with the counts, the limit and the diff of the first mismatches', async () => {
    const rig = await backfilledInShadow(TRUNCATED);
    await readEach(rig, 7); // 21 shadow reads, 14 of them disagreeing
    const move = await rig.rehearsal.movePhase('read-new');
    expect(move.ok).toBe(false);
    const shadowReason = move.reasons.find((r) => r.startsWith('shadow reads disagreed'));
    expect(shadowReason).toBe(
      'shadow reads disagreed 14 times in 21 since entering shadow (66.7%; the limit is 0%): ' +
        'getItem {"sku":"A-1"} ["A-1"] price_cents old 1999 new 1998; getItem {"sku":"A-2"} ["A-2"] price_cents old 29 new 28; getItem {"sku":"A-1"} ["A-1"] price_cents old 1999 new 1998; … ' +
        "— repair and verify (a clean verify restarts the count), fix the scenario's SQL if they persist, or move anyway (force)",
    );
    expect(move.shadow).toMatchObject({ reads: 21, mismatches: 14, minReads: 20, limit: 0, enoughReads: true, withinLimit: false });
    // A repair does not help: the verify stays unclean, so the window is not restarted.
    await rig.repair();
    expect(rig.rehearsal.control.shadowWindow).toMatchObject({ reads: 21, mismatches: 14, since: 'shadow' });
    expect((await rig.rehearsal.movePhase('read-new')).ok).toBe(false);
    // force overrides it, as the other read-new guards.
    expect((await rig.rehearsal.movePhase('read-new', { force: true })).ok).toBe(true);
    expect(rig.rehearsal.control.forcedMoves).toBe(1);
  });

  it('rounding in the canonical query: verify is clean on both counts and the gate opens after enough agreeing shadow reads', async () => {
    const rig = await backfilledInShadow(ROUNDED);
    expect(rig.rehearsal.database('new').query(`SELECT price_cents FROM items WHERE sku = 'A-1'`)).toEqual([{ price_cents: 1999 }]);
    const report = await rig.rehearsal.verify();
    expect(report.appReads).toMatchObject({ recordsCompared: 3, mismatches: 0, first: [] });
    expect(rig.rehearsal.control.lastVerify?.clean).toBe(true);
    expect(rig.rehearsal.control.shadowWindow).toEqual({ reads: 0, mismatches: 0, since: 'clean-verify', first: [] });
    await readEach(rig, 6); // 18 of 20
    const refused = await rig.rehearsal.movePhase('read-new');
    expect(refused.ok).toBe(false);
    expect(refused.reasons).toEqual([
      '18 shadow reads since the last clean verify; 20 are needed before reads move to new (settings.minShadowReads): run reads in shadow, which compare both sides — or move anyway (force)',
    ]);
    await readEach(rig);
    const move = await rig.rehearsal.movePhase('read-new');
    expect(move).toMatchObject({ ok: true, shadow: { reads: 21, mismatches: 0 } });
  });
});

describe('verify through the application reads', () => {
  it('reads each group once on each side, every record of a group compared (consensus-artifacts: artifacts by spec and stage)', async () => {
    const rig = await openRig(sql, 'consensus-artifacts');
    const driver = rig.driver();
    await driver.open();
    await driver.seed();
    await driver.moveForward();
    const report = (await driver.repair()) as ConsistencyReport;
    const artifacts = report.appReads?.collections.find((c) => c.collection === 'artifacts');
    const groups = driver.rehearsal.database('old').query('SELECT count(*) AS n FROM (SELECT DISTINCT spec_id, stage FROM consensus_artifacts)')[0]?.n;
    const records = driver.rehearsal.database('old').query('SELECT count(*) AS n FROM consensus_artifacts')[0]?.n;
    expect(artifacts).toMatchObject({ read: 'queryArtifacts', groups, recordsCompared: records, mismatches: 0 });
    expect(Number(groups)).toBeLessThan(Number(records));
  });

  it('samples settings.verifySample records per collection, the same ones for the same seed and data', async () => {
    const sampled = async (seed: number) => {
      const rig = await openRig(sql, 'job-keys', { seed, settings: { verifySample: 5 } });
      const driver = rig.driver();
      await driver.open();
      await driver.seed();
      await driver.moveForward();
      await driver.repair();
      const report = await driver.rehearsal.verify();
      return report.appReads;
    };
    const a = await sampled(3);
    expect(a).toMatchObject({ sample: 5, recordsCompared: 5, mismatches: 0, collections: [{ collection: 'jobs', groups: 5, recordsCompared: 5 }] });
    expect(await sampled(3)).toEqual(a);
  });

  it('reports a record only one side returns, and skips the comparison once old is dropped', async () => {
    const rig = await backfilledInShadow(ROUNDED);
    // A hand edit deletes an item in new only (journaled and versioned as a delete): both comparisons see it.
    await rig.rehearsal.consoleWrite('new', `DELETE FROM items WHERE sku = 'A-3'`);
    const report = await rig.rehearsal.verify();
    expect(report.appReads?.first).toEqual([{ collection: 'items', key: '["A-3"]', read: 'getItem', params: { sku: 'A-3' }, fields: [], onlyIn: 'old', newer: 'new' }]);
    await rig.repair();
    await rig.forceTo('old-dropped');
    const after = await rig.rehearsal.verify();
    expect(after.appReads).toMatchObject({ sides: ['new'], recordsCompared: 0, mismatches: 0 });
  });

  it('compares field by field as a pure function of the rows each side returned', () => {
    const collection: Collection = priceScenario(ROUNDED).collections['items'] as Collection;
    const state: AppReadState = {
      name: 'items',
      collection,
      read: 'getItem',
      groups: [
        { params: { sku: 'B' }, old: [{ sku: 'B', name: 'x', price_cents: 1 }], new: [{ sku: 'B', name: 'y', price_cents: 1 }] },
        { params: { sku: 'C' }, old: [], new: [{ sku: 'C', name: 'z', price_cents: new Uint8Array([1, 255]) }] },
      ],
    };
    expect(compareAppReads([state], ['old', 'new'], 'all')).toEqual({
      sides: ['old', 'new'],
      sample: 'all',
      collections: [{ collection: 'items', read: 'getItem', groups: 2, recordsCompared: 2, mismatches: 2 }],
      recordsCompared: 2,
      mismatches: 2,
      newerInNew: 0,
      first: [
        { collection: 'items', key: '["B"]', read: 'getItem', params: { sku: 'B' }, fields: [{ field: 'name', old: 'x', new: 'y' }], newer: 'unknown' },
        { collection: 'items', key: '["C"]', read: 'getItem', params: { sku: 'C' }, fields: [], onlyIn: 'new', newer: 'unknown' },
      ],
    });
  });
});

describe('the shadow window', () => {
  it('survives a crash: the counts and the first mismatches are in the durable control state', async () => {
    const rig = await backfilledInShadow(TRUNCATED);
    await readEach(rig);
    const before = rig.rehearsal.control.shadowWindow;
    expect(before).toMatchObject({ reads: 3, mismatches: 2, since: 'shadow' });
    rig.rehearsal.crash();
    await rig.open();
    expect(rig.rehearsal.control.shadowWindow).toEqual(before);
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.reasons.join(' ')).toContain('getItem {"sku":"A-1"} ["A-1"] price_cents old 1999 new 1998');
  });

  it('restarts when the rehearsal enters shadow again, and is dropped before it', async () => {
    const rig = await backfilledInShadow(TRUNCATED);
    await readEach(rig);
    expect((await rig.rehearsal.movePhase('read-new', { force: true })).ok).toBe(true);
    expect(rig.rehearsal.control.shadowWindow).toMatchObject({ reads: 3, mismatches: 2 });
    expect((await rig.rehearsal.movePhase('shadow', { acceptHazards: true })).ok).toBe(true);
    expect(rig.rehearsal.control.shadowWindow).toEqual({ reads: 0, mismatches: 0, since: 'shadow', first: [] });
    expect((await rig.rehearsal.movePhase('dual-write', { acceptHazards: true })).ok).toBe(true);
    expect(rig.rehearsal.control.shadowWindow).toBeNull();
  });

  it('counts read-new comparisons with compareInReadNew, which then hold back new-only and the drop', async () => {
    const rig = await backfilledInShadow(TRUNCATED, { compareInReadNew: true });
    expect((await rig.rehearsal.movePhase('read-new', { force: true })).ok).toBe(true);
    await readEach(rig);
    expect(rig.rehearsal.control.shadowWindow).toMatchObject({ reads: 3, mismatches: 2 });
    // In read-new new serves and old is compared: the diff still says which value is whose.
    expect(rig.rehearsal.control.shadowWindow?.first[0]?.diffs[0]).toEqual({ key: '["A-1"]', kind: 'changed', fields: [{ field: 'price_cents', old: 1999, new: 1998 }] });
    const guard = await rig.rehearsal.checkGuard('new-only');
    expect(guard.ok).toBe(false);
    expect(guard.shadow).toMatchObject({ minReads: 0, enoughReads: true, withinLimit: false });
  });
});

describe('the careful operator (Driver.moveForward)', () => {
  /** A driver on the price scenario, seeded and moved carefully to shadow. */
  async function driverInShadow(scenario: Scenario) {
    const rig = new Rig(sql, scenario);
    const driver = rig.driver();
    await driver.open();
    await driver.seed();
    expect((await driver.moveForward())?.to).toBe('dual-write');
    expect((await driver.moveForward())?.to).toBe('shadow');
    return driver;
  }
  const readsIn = (driver: Driver, phase: string) => driver.history.ops.filter((o) => o.kind === 'read' && o.phase === phase).length;

  it('runs reads for the shadow gate until it has minShadowReads, then moves', async () => {
    const driver = await driverInShadow(priceScenario(ROUNDED));
    expect(readsIn(driver, 'shadow')).toBe(0);
    const move = await driver.moveForward();
    expect(move).toMatchObject({ ok: true, to: 'read-new', shadow: { reads: 20, mismatches: 0 } });
    expect(readsIn(driver, 'shadow')).toBe(20);
    expect((await driver.checkHistory()).valid).toBe(true);
  });

  it('repairs a divergence a shadow read saw, then needs fresh agreeing reads', async () => {
    const driver = await driverInShadow(priceScenario(ROUNDED, {}, { policy: 'best-effort' }));
    // A best-effort second write fails: new misses the item, and a shadow read says so.
    driver.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    expect((await driver.invoke({ name: 'addItem', kind: 'write', params: { sku: 'Z-1', name: 'late', price_cents: 1999 } }))?.outcome).toBe('ok');
    expect((await driver.invoke({ name: 'getItem', kind: 'read', params: { sku: 'Z-1' } }))?.shadow?.matched).toBe(false);
    expect(driver.rehearsal.control.shadowWindow).toMatchObject({ reads: 1, mismatches: 1 });
    const move = await driver.moveForward();
    expect(move).toMatchObject({ ok: true, to: 'read-new', shadow: { reads: 20, mismatches: 0, since: 'clean-verify' } });
  });

  it('gives up when shadow mismatches come back after a clean verify (a read other than the check read truncates)', async () => {
    const driver = await driverInShadow(priceScenario(ROUNDED, {}, { truncatingRead: true }));
    const before = driver.history.ops.length;
    expect(await driver.moveForward()).toBeUndefined();
    expect(driver.rehearsal.phase).toBe('shadow');
    // Verify is clean (the check read rounds on both sides): only the shadow reads saw it.
    expect(driver.rehearsal.control.lastVerify).toMatchObject({ clean: true, appReadMismatches: 0 });
    expect((await driver.rehearsal.checkGuard('read-new')).reasons.join(' ')).toMatch(/^shadow reads disagreed \d+ times? in \d+ since the last clean verify .*listPrices .*price_cents old \d+ new \d+/);
    // Bounded: three refusals, each with at most a round of reads.
    expect(driver.history.ops.length - before).toBeLessThan(3 * (3 * 20 + 10));
  });

  it('gives up when verify itself finds the application reads differ (truncating canonical query)', async () => {
    const driver = await driverInShadow(priceScenario(TRUNCATED));
    expect(await driver.moveForward()).toBeUndefined();
    expect(driver.rehearsal.phase).toBe('shadow');
    expect(driver.rehearsal.control.lastVerify).toMatchObject({ clean: false, diverged: 0 });
  });
});

describe('checkGuard, the shadow gate on plain values', () => {
  let scenario: Scenario;
  let settings: ReturnType<typeof resolveSettings>;
  beforeAll(() => {
    scenario = priceScenario(ROUNDED);
    settings = resolveSettings(scenario);
  });
  const cleanVerify = { clean: true, diverged: 0, appReadMismatches: 0, lostByDrop: 0, divergenceEvents: 0, phase: 'shadow' as const };
  const note: ShadowNote = { operation: 'getItem', params: { sku: 'A-1' }, phase: 'shadow', diffCount: 1, diffs: [{ key: '["A-1"]', kind: 'changed', fields: [{ field: 'price_cents', old: 1999, new: 1998 }] }] };
  const control = (change: Partial<ControlState>): ControlState => ({ ...initialControl(scenario, 1), backfillValid: true, lastVerify: cleanVerify, ...change });

  it('needs minShadowReads comparisons for read-new, none for the later moves', () => {
    const few = control({ phase: 'shadow', shadowWindow: { reads: 19, mismatches: 0, since: 'shadow', first: [] } });
    expect(checkGuard(few, scenario, settings, 'read-new')).toMatchObject({ ok: false, overridable: true, shadow: { reads: 19, minReads: 20, enoughReads: false } });
    expect(checkGuard({ ...few, shadowWindow: { reads: 20, mismatches: 0, since: 'shadow', first: [] } }, scenario, settings, 'read-new').ok).toBe(true);
    expect(checkGuard({ ...few, phase: 'read-new' }, scenario, settings, 'new-only').ok).toBe(true);
    // A state stored before the window existed: no reads yet.
    const { shadowWindow: _none, ...older } = few;
    expect(checkGuard(older, scenario, settings, 'read-new').shadow).toMatchObject({ reads: 0, since: null, enoughReads: false });
  });

  it('refuses a rate above the limit for read-new, new-only and the drop; force overrides the drop only when nothing else refuses it', () => {
    const window = { reads: 40, mismatches: 1, since: 'shadow' as const, first: [note] };
    expect(checkGuard(control({ phase: 'shadow', shadowWindow: window }), scenario, settings, 'read-new').reasons).toEqual([
      'shadow reads disagreed 1 time in 40 since entering shadow (2.5%; the limit is 0%): getItem {"sku":"A-1"} ["A-1"] price_cents old 1999 new 1998 — repair and verify (a clean verify restarts the count), fix the scenario\'s SQL if they persist, or move anyway (force)',
    ]);
    expect(checkGuard(control({ phase: 'shadow', shadowWindow: window }), scenario, { ...settings, shadowMismatchLimit: 0.05 }, 'read-new').ok).toBe(true);
    expect(checkGuard(control({ phase: 'read-new', shadowWindow: window }), scenario, settings, 'new-only').ok).toBe(false);
    const drop = checkGuard(control({ phase: 'new-only', shadowWindow: window }), scenario, settings, 'old-dropped');
    expect(drop).toMatchObject({ ok: false, overridable: true, recordsLost: 0 });
    const dropAndLoss = checkGuard(control({ phase: 'new-only', shadowWindow: window, lastVerify: { ...cleanVerify, clean: false, lostByDrop: 2 } }), scenario, settings, 'old-dropped');
    expect(dropAndLoss).toMatchObject({ ok: false, overridable: false, recordsLost: 2 });
  });

  it('words each kind of difference', () => {
    expect(
      describeShadowNote({
        ...note,
        diffCount: 5,
        diffs: [
          { key: '["A-1"]', kind: 'only-in', side: 'old', fields: [] },
          { key: '["A-2"]', kind: 'changed', fields: [{ field: 'name', old: 'a', new: null }, { field: 'blob', old: { blob: '01ff' }, new: 1 }] },
          { key: '["A-1"],["A-2"]', kind: 'order', fields: [] },
        ],
      }),
    ).toBe('getItem {"sku":"A-1"} ["A-1"] only in old, ["A-2"] name old "a" new NULL, blob old x\'01ff\' new 1, the rows come in another order (+2 more)');
  });
});
