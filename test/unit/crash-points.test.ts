/**
 * A crash at every named crash point (DESIGN.md sections 4 and 5), on every built-in scenario
 * where the point applies: the engine dies, reopens from durable state only, and then
 * - every acknowledged write is still readable (strict durability);
 * - the operation in flight is either wholly there or wholly absent, and where the crash point
 *   says which (nothing committed yet, or everything durable already), it is exactly that;
 * - after backfill and reverse-sync, verify finds no difference: no side is half-applied
 *   with version bookkeeping that lies about it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConsistencyReport } from '../../src/engine/checks/consistency.ts';
import type { HistoryOp } from '../../src/engine/checks/history.ts';
import { checkHistory, finalReads, type FinalObservation, type HistoryReport } from '../../src/engine/checks/history-checker.ts';
import { isCrash, type CrashPoint, type CrashSignal } from '../../src/engine/faults.ts';
import { PHASES, phaseIndex, writesBothSides, type Phase } from '../../src/engine/phases.ts';
import type { Outcome } from '../../src/engine/results.ts';
import type { Policy } from '../../src/engine/scenario/format.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import type { Invocation } from '../../src/engine/workload.ts';
import type { Driver } from '../../src/harness/driver.ts';
import { nodeSql } from '../support/node.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { openRig, Rig, scenarioFor, type RigOptions } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

interface Config {
  readonly label: string;
  readonly id: string;
  readonly policy?: Policy;
}

const CONFIGS: readonly Config[] = [
  { label: 'consensus-artifacts', id: 'consensus-artifacts' },
  { label: 'job-keys', id: 'job-keys' },
  { label: 'session-json', id: 'session-json' },
  { label: 'consensus-artifacts (atomic)', id: 'consensus-artifacts', policy: 'atomic' },
];

/** The policy a config runs with. */
function policyOf(config: Config): Policy {
  const base = BUILT_IN_SCENARIOS[config.id];
  if (!base) throw new Error(`no built-in scenario ${config.id}`);
  return config.policy ?? base.policy;
}

const WRITE_PHASES: readonly Phase[] = ['old-only', 'dual-write', 'read-new', 'new-only'];

/** Write-path crash points, and what a crash there leaves of the write in flight under strict durability. */
const WRITE_POINTS: readonly { point: CrashPoint; inFlight: 'absent' | 'present' }[] = [
  // Nothing was committed yet.
  { point: 'before-authoritative', inFlight: 'absent' },
  // Committed in sql.js but never handed to the journal: gone with the memory.
  { point: 'before-persist', inFlight: 'absent' },
  // The authoritative write is durable (strict waited for it); the second never ran.
  { point: 'between-writes', inFlight: 'present' },
  // Everything durable; only the acknowledgement was lost.
  { point: 'after-writes-before-ack', inFlight: 'present' },
];

/** Whether a write in `phase` under `policy` passes `point`. */
function reaches(point: CrashPoint, phase: Phase, policy: Policy): boolean {
  if (point === 'between-writes') return writesBothSides(phase) && policy !== 'atomic';
  return true;
}

function rigFor(config: Config, options: RigOptions = {}): Rig {
  const all: RigOptions = { ...options, ...(config.policy ? { policy: config.policy } : {}) };
  return new Rig(sql, scenarioFor(config.id, sql, all), all);
}

/** A driver on a fresh rig, seeded, walked carefully (repairing before guarded moves) to `phase`. */
async function driverIn(rig: Rig, phase: Phase): Promise<Driver> {
  const driver = rig.driver();
  await driver.open();
  await driver.seed();
  while (phaseIndex(driver.rehearsal.phase) < phaseIndex(phase)) {
    const move = await driver.moveForward();
    if (!move?.ok) throw new Error(`could not reach ${phase} from ${driver.rehearsal.phase}`);
  }
  expect(driver.rehearsal.phase).toBe(phase);
  return driver;
}

/** The next write the workload draws (reads are drawn and skipped). */
function nextWrite(driver: Driver): Invocation {
  for (;;) {
    const inv = driver.workload.next();
    if (inv.kind === 'write') return inv;
  }
}

/** Writes through the driver, each acknowledged or failed (no crash armed). */
async function writes(driver: Driver, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const result = await driver.invoke(nextWrite(driver));
    expect(result, 'no crash was armed').toBeDefined();
  }
}

/**
 * Invokes writes, recorded in the driver's history, until one crashes; asserts that what unwound
 * the engine is a CrashSignal at `point`, then reopens through the driver.
 */
async function writeUntilCrash(driver: Driver, point: CrashPoint, max = 40): Promise<{ op: HistoryOp; before: string }> {
  for (let i = 0; i < max; i++) {
    const r = driver.rehearsal;
    const before = contents(driver);
    const inv = nextWrite(driver);
    const op = driver.history.invoke(inv.name, inv.kind, inv.params, r.phase, driver.clock.now());
    let crash: CrashSignal | undefined;
    try {
      const result = await r.execute(inv.name, inv.params);
      driver.history.complete(op, result, driver.clock.now());
      if (result.outcome !== 'fail') driver.workload.observeWrite(inv.name, inv.params);
    } catch (e) {
      expect(isCrash(e), `expected a CrashSignal, got ${String(e)}`).toBe(true);
      crash = e as CrashSignal;
    }
    if (crash) {
      expect(crash.point).toBe(point);
      expect(r.dead).toBe(true);
      driver.workload.observeWrite(inv.name, inv.params);
      await driver.recover(crash.point);
      expect(driver.rehearsal).not.toBe(r);
      expect(op.outcome).toBe('info');
      return { op, before };
    }
  }
  throw new Error(`no write reached ${point} in ${max} attempts`);
}

/**
 * Everything both sides hold — every table, engine bookkeeping included — as text: what the
 * databases of the current incarnation contain, to compare across a crash.
 */
function contents(driver: Driver): string {
  const out: Record<string, unknown> = {};
  for (const side of ['old', 'new'] as const) {
    const db = driver.rehearsal.database(side);
    for (const { name } of db.query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)) {
      // Sorted as text: some tables are WITHOUT ROWID, and only the set of rows matters.
      out[`${side}:${String(name)}`] = db
        .query(`SELECT * FROM "${String(name)}"`)
        .map((row) => JSON.stringify(row))
        .sort();
    }
  }
  return JSON.stringify(out);
}

/** Final reads through the current read path, as the driver's checker runs them. */
async function finals(driver: Driver, ops: readonly HistoryOp[]): Promise<FinalObservation[]> {
  const out: FinalObservation[] = [];
  for (const read of finalReads(driver.scenario, ops)) {
    const result = await driver.rehearsal.execute(read.read, read.params);
    expect(result.outcome).toBe('ok');
    out.push({ ...read, rows: result.rows ?? [] });
  }
  return out;
}

/** The history checked as if the indeterminate `op` had completed with `outcome`. */
async function checkAs(driver: Driver, op: HistoryOp, outcome: Outcome): Promise<HistoryReport> {
  const ops = driver.history.ops.map((o) => (o === op ? { ...o, outcome } : o));
  return checkHistory(driver.scenario, ops, await finals(driver, ops));
}

function differences(report: ConsistencyReport | undefined): number {
  if (!report) throw new Error('verify did not run');
  return report.totals.total - report.totals.consistent;
}

function expectNoLoss(report: HistoryReport): void {
  expect(report.lost, JSON.stringify(report.lost.slice(0, 3))).toEqual([]);
  expect(report.unexpected, JSON.stringify(report.unexpected.slice(0, 3))).toEqual([]);
  expect(report.duplicates).toEqual([]);
  expect(report.valid).toBe(true);
}

function filesOf(rig: Rig): string[] {
  return rig.scenario.topology === 'shared' ? ['main'] : ['old', 'new'];
}

describe('a crash at a write-path crash point, strict durability', () => {
  for (const config of CONFIGS) {
    describe(config.label, () => {
      for (const phase of WRITE_PHASES) {
        for (const { point, inFlight } of WRITE_POINTS) {
          if (!reaches(point, phase, policyOf(config))) continue;
          it(`${phase}: crashes at ${point}, keeps every acknowledged write, leaves the write in flight ${inFlight}, and repairs to zero differences`, async () => {
            const rig = rigFor(config);
            const driver = await driverIn(rig, phase);
            await writes(driver, 5);
            const before = differences(await driver.verify());

            driver.rehearsal.faults.add({ kind: 'crash', point, once: true });
            const { op, before: contentsBefore } = await writeUntilCrash(driver, point);
            expect(driver.crashes).toEqual([point]);
            expect(driver.rehearsal.phase).toBe(phase);
            expect(driver.rehearsal.recoveryProblems).toEqual([]);

            // Every acknowledged write survives; the one in flight is either way as far as the history knows ...
            expectNoLoss(await driver.checkHistory());
            // ... but the crash point decides which way it went. Where the side written first does not
            // serve reads (read-new with writeAuthorityInReadNew "old"), a write stopped between the
            // sides is in old only, and reads from new miss it until backfill repairs new: that is
            // checked after the repair below.
            const route = driver.rehearsal.route;
            const seenNow = inFlight === 'absent' || point !== 'between-writes' || route.writes[0] === route.reads;
            if (seenNow) expectNoLoss(await checkAs(driver, op, inFlight === 'present' ? 'ok' : 'fail'));
            // Absent means absent everywhere, version bookkeeping included; present means something was stored.
            if (inFlight === 'absent') expect(contents(driver)).toBe(contentsBefore);
            else expect(contents(driver)).not.toBe(contentsBefore);

            // At most the record in flight diverged, and only when the crash split it across the sides.
            const after = differences(await driver.verify());
            if (inFlight === 'absent') expect(after).toBe(before);
            else expect(after - before).toBeLessThanOrEqual(1);
            if (point === 'after-writes-before-ack' && writesBothSides(phase)) expect(after).toBe(before);

            const repaired = await driver.repair();
            expect(differences(repaired)).toBe(0);
            expectNoLoss(await driver.checkHistory());
            if (!seenNow) expectNoLoss(await checkAs(driver, op, 'ok'));
          });
        }
      }
    });
  }

  it('never stops between the two writes of an atomic dual write', async () => {
    const rig = rigFor({ label: 'atomic', id: 'consensus-artifacts', policy: 'atomic' });
    const driver = await driverIn(rig, 'dual-write');
    const before = differences(await driver.verify());
    driver.rehearsal.faults.add({ kind: 'crash', point: 'between-writes', once: true });
    await writes(driver, 15);
    expect(driver.crashes).toEqual([]);
    expect(driver.rehearsal.faults.list().map((f) => [f.point, f.fired])).toEqual([['between-writes', 0]]);
    // Both sides in one transaction: no write leaves them further apart.
    expect(differences(await driver.verify())).toBeLessThanOrEqual(before);
  });
});

describe('a crash in the middle of a copy batch', () => {
  for (const config of CONFIGS.filter((c) => c.policy === undefined)) {
    it(`${config.label}: backfill resumes from the persisted cursor without copying a record twice or skipping one`, async () => {
      const rig = rigFor(config);
      const driver = await driverIn(rig, 'dual-write');
      // Seeded in old-only: every record is in old only, none in new.
      const source = await driver.verify();
      expect(source?.totals.newOnly).toBe(0);
      const records = source?.totals.oldOnly ?? 0;
      expect(records).toBeGreaterThan(14);

      const r = driver.rehearsal;
      await r.backfill.start(7);
      await r.backfill.step();
      const persisted = await r.backfill.step();
      expect(persisted).toMatchObject({ status: 'running', processed: 14, copied: 14, skipped: 0 });

      r.faults.add({ kind: 'crash', point: 'mid-backfill-batch', once: true });
      const error = await r.backfill.step().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCrash(error)).toBe(true);
      expect((error as CrashSignal).point).toBe('mid-backfill-batch');
      expect(r.dead).toBe(true);
      await driver.recover('mid-backfill-batch');

      const resumed = driver.rehearsal.backfill.progress();
      expect(resumed).toMatchObject({ status: 'running', pass: persisted.pass, processed: 14, copied: 14, skipped: 0, batchSize: 7 });
      const done = await driver.rehearsal.backfill.run();
      expect(done.status).toBe('done');
      expect(done.pass).toBe(persisted.pass);
      // Restarting from the first record would show as skipped records and processed > total.
      expect(done.skipped).toBe(0);
      expect(done.copied).toBe(records);
      expect(done.processed).toBe(done.total);
      expect(done.processed).toBe(records);

      const report = await driver.verify();
      expect(report?.totals).toMatchObject({ total: records, consistent: records });
      expectNoLoss(await driver.checkHistory());
    });

    it(`${config.label}: reverse-sync resumes from the persisted cursor after a crash mid-batch`, async () => {
      const rig = rigFor(config);
      const driver = await driverIn(rig, 'new-only');
      expect(differences(await driver.verify())).toBe(0);
      // In new-only writes reach new only: old falls behind.
      await writes(driver, 12);
      const behind = differences(await driver.verify());
      expect(behind).toBeGreaterThan(0);

      const r = driver.rehearsal;
      const started = await r.reverseSync.start(2);
      const first = await r.reverseSync.step();
      expect(first.processed).toBe(2);
      r.faults.add({ kind: 'crash', point: 'mid-backfill-batch', once: true });
      const error = await r.reverseSync.step().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCrash(error)).toBe(true);
      await driver.recover('mid-backfill-batch');

      expect(driver.rehearsal.reverseSync.progress()).toMatchObject({ status: 'running', pass: started.pass, processed: first.processed, copied: first.copied, skipped: first.skipped });
      const done = await driver.rehearsal.reverseSync.run();
      expect(done.status).toBe('done');
      expect(done.processed).toBe(done.total);
      expect(done.copied + done.skipped + done.removed).toBe(done.processed);
      expect(differences(await driver.verify())).toBe(0);
      expectNoLoss(await driver.checkHistory());
    });
  }
});

describe('a crash during a checkpoint', () => {
  for (const config of CONFIGS.filter((c) => c.policy === undefined)) {
    it(`${config.label}: recovers from the snapshot just written, with the untrimmed journal, losing nothing`, async () => {
      const rig = rigFor(config, { settings: { checkpointEvery: 8 } });
      const driver = await driverIn(rig, 'dual-write');
      const files = filesOf(rig);
      const generationsBefore = new Map<string, number[]>();
      for (const f of files) generationsBefore.set(f, (await driver.rehearsal.store.describeFile(f)).generations);
      // Seeding crossed the threshold several times: checkpoints were written.
      expect([...generationsBefore.values()].some((g) => g.length > 0)).toBe(true);

      driver.rehearsal.faults.add({ kind: 'crash', point: 'during-checkpoint', once: true });
      const { op, before: contentsBefore } = await writeUntilCrash(driver, 'during-checkpoint');
      expect(driver.rehearsal.recoveryProblems).toEqual([]);

      // The crash struck after a new snapshot was stored: recovery starts from it.
      let newer = 0;
      for (const f of files) {
        const now = await driver.rehearsal.store.describeFile(f);
        const newest = now.generations[0] ?? 0;
        if (newest > (generationsBefore.get(f)?.[0] ?? 0)) {
          newer++;
          const probe = await driver.rehearsal.store.recover(f, sql);
          expect(probe.generation).toBe(newest);
          expect(probe.problems).toEqual([]);
          probe.db.close();
        }
      }
      expect(newer).toBe(1);

      // The write whose commit triggered the checkpoint was durable before it began.
      expectNoLoss(await driver.checkHistory());
      expectNoLoss(await checkAs(driver, op, 'ok'));
      expect(contents(driver)).not.toBe(contentsBefore);

      // Checkpoints go on and trim; a later crash recovers from them too.
      await writes(driver, 20);
      driver.rehearsal.crash();
      await driver.recover('now');
      expect(driver.rehearsal.recoveryProblems).toEqual([]);
      expectNoLoss(await driver.checkHistory());
      expect(differences(await driver.repair())).toBe(0);
    });
  }
});

describe('"Crash now"', () => {
  for (const config of CONFIGS.filter((c) => c.policy === undefined)) {
    it(`${config.label}: unsafe-ack-first loses acknowledged writes, and the history checker reports them as lost`, async () => {
      const rig = rigFor(config, { durability: 'unsafe-ack-first' });
      const driver = await driverIn(rig, 'dual-write');
      // Everything so far reaches storage; what comes next is acknowledged and only in memory.
      await driver.rehearsal.store.durable();
      const firstUnflushed = driver.history.ops.length;
      await writes(driver, 10);
      const acked = driver.history.ops.slice(firstUnflushed).filter((o) => o.outcome === 'ok');
      expect(acked.length).toBeGreaterThan(0);
      expect(driver.rehearsal.store.pendingEntries).toBeGreaterThan(0);

      driver.rehearsal.crash();
      await driver.recover('now');

      expect(driver.lostAcks).toBeGreaterThan(0);
      const report = await driver.checkHistory();
      expect(report.valid).toBe(false);
      expect(report.lost.length).toBeGreaterThan(0);
      // Only the unflushed writes are lost, each reported with the operation that wrote it.
      for (const lost of report.lost) {
        expect(lost.operation.index).toBeGreaterThanOrEqual(firstUnflushed);
        expect(acked.map((o) => o.index)).toContain(lost.operation.index);
      }
    });

    for (const durability of ['strict', 'group'] as const) {
      it(`${config.label}: ${durability} loses no acknowledged write`, async () => {
        const rig = rigFor(config, { durability });
        const driver = await driverIn(rig, 'dual-write');
        await writes(driver, 10);
        driver.rehearsal.crash();
        await driver.recover('now');
        expect(driver.lostAcks).toBe(0);
        expectNoLoss(await driver.checkHistory());
      });
    }
  }
});

describe('crash points', () => {
  it('are all exercised by this file', () => {
    const covered = new Set<CrashPoint>([...WRITE_POINTS.map((p) => p.point), 'mid-backfill-batch', 'during-checkpoint']);
    expect([...covered].sort()).toEqual([...(['before-authoritative', 'between-writes', 'after-writes-before-ack', 'mid-backfill-batch', 'before-persist', 'during-checkpoint'] as const)].sort());
    expect(PHASES).toContain('new-only');
  });
});

describe('a crash while a split rehearsal is being created', () => {
  it('gives the file that has nothing stored its schemas on reopen, even when the other file has its own', async () => {
    const rig = await openRig(sql, 'job-keys');
    rig.rehearsal.crash();
    // As if the engine died after storing old's schemas and before storing new's.
    const gone = await rig.backend.keys('rehearsal/test/f/new/');
    expect(gone.length).toBeGreaterThan(0);
    await rig.backend.write({ delete: gone });
    const reopened = await rig.open();
    const tables = reopened.database('new').query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).map((r) => String(r.name));
    expect(tables.length).toBeGreaterThan(0);
    expect(tables).toContain('__cutover_versions_new');
    // And writes to it work.
    await rig.forceTo('dual-write');
    const result = await reopened.execute('enqueue', { job_id: 'j1', workspace_id: 'w', kind: 'embed', result: null, created_at: '2025-11-13 10:00:00' });
    expect(result.outcome).toBe('ok');
  });
});
