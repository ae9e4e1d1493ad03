/**
 * Rollback planning and phase guards (DESIGN.md section 2): hazards with counts and remedies for
 * every backward move, what movePhase refuses and what it accepts, restoring the backup after the
 * drop, and the guards on forward moves.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PHASES, phaseIndex, type Phase } from '../../src/engine/phases.ts';
import type { Hazard, RollbackPlan } from '../../src/engine/results.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { recordsLostByDrop, type ConsistencyReport } from '../../src/engine/checks/consistency.ts';
import { corruptNewestSnapshot } from '../../src/engine/durability/corrupt.ts';
import { createRandom } from '../../src/engine/random.ts';
import { nodeSql } from '../support/node.ts';
import { createSession, deleteSession, enqueue, getJob, getSession, storeArtifact, updateSession, WORKSPACE_PATH } from '../support/operations.ts';
import { Driver } from '../../src/harness/driver.ts';
import { openRig, type Rig } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const hazard = (plan: RollbackPlan, kind: Hazard['kind']): Hazard | undefined => plan.hazards.find((h) => h.kind === kind);

const earlier = (phase: Phase): Phase[] => PHASES.slice(0, phaseIndex(phase));

/**
 * session-json walked properly to new-only with three sessions on both sides, then, in new-only,
 * two new sessions, one update and one delete: four changes old does not have.
 */
async function newOnlyWithFourChanges(): Promise<Rig> {
  const rig = await openRig(sql, 'session-json');
  await rig.walkTo('dual-write');
  for (const id of ['s1', 's2', 's3']) expect((await createSession(rig, id)).outcome).toBe('ok');
  await rig.walkTo('new-only');
  expect((await createSession(rig, 's4')).outcome).toBe('ok');
  expect((await createSession(rig, 's5')).outcome).toBe('ok');
  expect((await updateSession(rig, 's1', 'completed')).outcome).toBe('ok');
  expect((await deleteSession(rig, 's2')).outcome).toBe('ok');
  return rig;
}

// ---------------------------------------------------------------------------------------------

describe('planRollback from each phase', () => {
  it('refuses to plan a move that is not backward', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('shadow');
    await expect(rig.rehearsal.planRollback('shadow')).rejects.toThrow(/not an earlier phase/);
    await expect(rig.rehearsal.planRollback('read-new')).rejects.toThrow(/not an earlier phase/);
  });

  it('finds nothing to lose from dual-write or shadow except that new goes stale when going back to old-only', async () => {
    for (const from of ['dual-write', 'shadow'] as const) {
      const rig = await openRig(sql, 'job-keys');
      await enqueue(rig, 'legacy');
      await rig.forceTo(from);
      await enqueue(rig, 'job-1');
      await enqueue(rig, 'job-2');
      for (const to of earlier(from)) {
        const plan = await rig.rehearsal.planRollback(to);
        expect(plan.from).toBe(from);
        expect(plan.to).toBe(to);
        expect(plan.blocked).toBe(false);
        expect(hazard(plan, 'old-missing-writes')).toBeUndefined();
        if (to === 'old-only') {
          expect(plan.hazards).toEqual([
            expect.objectContaining({ kind: 'new-goes-stale', count: 2, severity: 'warning', remedy: 'backfill' }),
          ]);
          expect(hazard(plan, 'new-goes-stale')?.message).toMatch(/2 records/);
        } else {
          expect(plan.hazards).toEqual([]);
        }
      }
    }
  });

  it('finds nothing to lose from read-new when every write also reached old', async () => {
    const rig = await openRig(sql, 'session-json');
    await rig.walkTo('read-new');
    await createSession(rig, 's1');
    await updateSession(rig, 's1', 'paused');
    for (const to of ['shadow', 'dual-write'] as const) {
      const plan = await rig.rehearsal.planRollback(to);
      expect(plan.blocked).toBe(false);
      expect(plan.hazards).toEqual([]);
    }
    const toOldOnly = await rig.rehearsal.planRollback('old-only');
    expect(toOldOnly.blocked).toBe(false);
    expect(toOldOnly.hazards.map((h) => h.kind)).toEqual(['new-goes-stale']);
  });

  it('counts writes that reached only new in read-new (a failed best-effort second write) as old-missing-writes, remedied by reverse-sync', async () => {
    const rig = await openRig(sql, 'session-json');
    await rig.walkTo('read-new');
    await createSession(rig, 's1');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true });
    expect((await createSession(rig, 's2')).outcome).toBe('ok');
    for (const to of earlier('read-new')) {
      const plan = await rig.rehearsal.planRollback(to);
      const h = hazard(plan, 'old-missing-writes');
      expect(h, to).toMatchObject({ count: 1, severity: 'data', remedy: 'reverse-sync' });
      expect(h?.message).toMatch(/^1 records? /);
      expect(h?.message).toMatch(/reverse-sync/);
      expect(plan.blocked).toBe(true);
    }
  });

  it('counts every write made in new-only (inserts, updates and deletes) as old-missing-writes for every earlier phase that reads old', async () => {
    const rig = await newOnlyWithFourChanges();
    // Back to read-new, reads are still served by new (with the same fallback): nothing to lose
    // yet, but the plan warns that going further needs reverse-sync.
    const toReadNew = await rig.rehearsal.planRollback('read-new');
    expect(hazard(toReadNew, 'old-missing-writes')).toMatchObject({ count: 4, severity: 'warning', remedy: 'reverse-sync' });
    expect(toReadNew.blocked).toBe(false);
    for (const to of earlier('new-only').filter((p) => p !== 'read-new')) {
      const plan = await rig.rehearsal.planRollback(to);
      expect(plan.from).toBe('new-only');
      expect(hazard(plan, 'old-missing-writes'), to).toMatchObject({ count: 4, severity: 'data', remedy: 'reverse-sync' });
      expect(hazard(plan, 'old-missing-writes')?.message).toMatch(/4 records/);
      expect(plan.blocked).toBe(true);
    }
  });

  it('adds new-goes-stale, counting the records new holds, when rolling back to old-only', async () => {
    const rig = await newOnlyWithFourChanges();
    const plan = await rig.rehearsal.planRollback('old-only');
    // s1, s3, s4, s5 are in new; s2 was deleted there.
    expect(hazard(plan, 'new-goes-stale')).toMatchObject({ count: 4, severity: 'warning', remedy: 'backfill' });
    expect(plan.hazards.map((h) => h.kind).sort()).toEqual(['new-goes-stale', 'old-missing-writes']);
  });

  it('does not list new-goes-stale for rollbacks that keep writing new', async () => {
    const rig = await newOnlyWithFourChanges();
    for (const to of ['dual-write', 'shadow', 'read-new'] as const) {
      expect(hazard(await rig.rehearsal.planRollback(to), 'new-goes-stale'), to).toBeUndefined();
    }
  });

  it('requires restoring the backup from old-dropped, whatever the target, counting records written since the drop', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.walkTo('dual-write');
    await enqueue(rig, 'job-1');
    await rig.walkTo('old-dropped');
    const none = await rig.rehearsal.planRollback('new-only');
    expect(none.hazards).toEqual([expect.objectContaining({ kind: 'old-dropped', count: 0, severity: 'data', remedy: 'restore-backup' })]);
    expect(none.blocked).toBe(true);

    await enqueue(rig, 'after-1');
    await enqueue(rig, 'after-2');
    for (const to of earlier('old-dropped')) {
      const plan = await rig.rehearsal.planRollback(to);
      expect(plan.blocked, to).toBe(true);
      expect(plan.hazards).toHaveLength(1);
      expect(plan.hazards[0]).toMatchObject({ kind: 'old-dropped', count: 2, severity: 'data', remedy: 'restore-backup' });
      expect(plan.hazards[0]?.message).toMatch(/restore the backup/);
      expect(plan.hazards[0]?.message).toMatch(/2 records written since the drop/);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('the careful operator\'s rollback from new-only to read-new with writeAuthorityInReadNew "old"', () => {
  it('runs reverse-sync first, because the plan blocks it: what new-only wrote survives an old-first update and a repair', async () => {
    const rig = await openRig(sql, 'session-json', { settings: { writeAuthorityInReadNew: 'old' } });
    await rig.forceTo('dual-write');
    expect((await createSession(rig, 's1')).outcome).toBe('ok');
    await rig.forceTo('new-only');
    const append = { session_id: 's1', workspace_path: WORKSPACE_PATH, role: 'user', content: 'written in new-only', updated_at: '2025-11-13 10:30:00' };
    expect((await rig.rehearsal.execute('appendChatMessage', append)).outcome).toBe('ok');
    await rig.rehearsal.close();

    const log: string[] = [];
    const driver = new Driver({ scenario: rig.scenario, seed: 1, durability: 'strict', ports: rig.ports, random: createRandom(1), id: 'test', log: (line) => log.push(line) });
    await driver.open();
    expect((await driver.rollBack('read-new'))?.ok).toBe(true);
    expect(log[0]).toMatch(/^rollback to read-new blocked: old-missing-writes \(1\); running remedies$/);
    expect(driver.rehearsal.phase).toBe('read-new');
    await driver.rehearsal.execute('updateSessionStatus', { session_id: 's1', workspace_path: WORKSPACE_PATH, status: 'paused', updated_at: '2025-11-13 12:00:00' });
    await driver.repair();
    const row = (await driver.rehearsal.execute('getSession', { session_id: 's1', workspace_path: WORKSPACE_PATH })).rows?.[0];
    expect(row?.status).toBe('paused');
    expect((JSON.parse(String(row?.messages)) as { content: string }[]).map((m) => m.content)).toEqual(['written in new-only']);
  });
});

describe('movePhase backward', () => {
  it('rolls back without hazards and reports the plan', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('shadow');
    const move = await rig.rehearsal.movePhase('dual-write');
    expect(move).toMatchObject({ ok: true, from: 'shadow', to: 'dual-write', reasons: [], hazards: [] });
    expect(rig.rehearsal.phase).toBe('dual-write');
  });

  it('refuses a blocked rollback, names the hazard and stays put', async () => {
    const rig = await newOnlyWithFourChanges();
    const divergence = rig.rehearsal.control.divergenceEvents;
    const move = await rig.rehearsal.movePhase('shadow');
    expect(move.ok).toBe(false);
    expect(move.from).toBe('new-only');
    expect(move.reasons).toHaveLength(1);
    expect(move.reasons[0]).toMatch(/4 records .*reverse-sync/);
    expect(move.hazards.map((h) => h.kind)).toEqual(['old-missing-writes']);
    expect(rig.rehearsal.phase).toBe('new-only');
    expect(rig.rehearsal.control.divergenceEvents).toBe(divergence);
    // A blocked rollback stays blocked after a reopen.
    rig.rehearsal.crash();
    const reopened = await rig.open();
    expect(reopened.phase).toBe('new-only');
    expect((await reopened.movePhase('shadow')).ok).toBe(false);
  });

  it('rolls back a blocked plan when the hazards are accepted, and then reads on old miss the new-only writes', async () => {
    const rig = await newOnlyWithFourChanges();
    const move = await rig.rehearsal.movePhase('shadow', { acceptHazards: true });
    expect(move.ok).toBe(true);
    expect(move.hazards.map((h) => h.kind)).toEqual(['old-missing-writes']);
    expect(rig.rehearsal.phase).toBe('shadow');
    // What the hazard warned about: s4 was acknowledged in new-only and old serves reads now.
    const read = await getSession(rig, 's4');
    expect(read.servedBy).toBe('old');
    expect(read.rows).toEqual([]);
  });

  it('unblocks the rollback once reverse-sync has run: the count drops to 0 and old serves every write', async () => {
    const rig = await newOnlyWithFourChanges();
    expect((await rig.rehearsal.planRollback('shadow')).blocked).toBe(true);
    const pass = await rig.rehearsal.reverseSync.run();
    expect(pass.status).toBe('done');
    const plan = await rig.rehearsal.planRollback('shadow');
    expect(hazard(plan, 'old-missing-writes')?.count ?? 0).toBe(0);
    expect(plan.blocked).toBe(false);
    const move = await rig.rehearsal.movePhase('shadow');
    expect(move.ok).toBe(true);
    expect(rig.rehearsal.phase).toBe('shadow');
    // Old now has what was written in new-only.
    expect((await getSession(rig, 's4')).rows).toHaveLength(1);
    expect((await getSession(rig, 's5')).rows).toHaveLength(1);
    expect((await getSession(rig, 's1')).rows?.[0]?.status).toBe('completed');
    expect((await getSession(rig, 's2')).rows).toEqual([]);
    const report = await rig.rehearsal.verify();
    expect(report.totals.total).toBe(report.totals.consistent);
  });

  it('rolls back to old-only after reverse-sync, warning that new goes stale, and invalidates the backfill', async () => {
    const rig = await newOnlyWithFourChanges();
    expect(rig.rehearsal.control.backfillValid).toBe(true);
    await rig.rehearsal.reverseSync.run();
    const move = await rig.rehearsal.movePhase('old-only');
    expect(move.ok).toBe(true);
    expect(move.hazards.map((h) => h.kind)).toEqual(['new-goes-stale']);
    expect(rig.rehearsal.control.backfillValid).toBe(false);
    // Forward again: the guard wants a new backfill before reads move.
    await rig.rehearsal.movePhase('dual-write');
    await rig.rehearsal.movePhase('shadow');
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.ok).toBe(false);
    expect(guard.reasons.join(' ')).toMatch(/backfill/);
  });

  it('refuses any rollback from old-dropped, even with acceptHazards, pointing at restoreBackup', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('old-dropped');
    for (const to of earlier('old-dropped')) {
      const move = await rig.rehearsal.movePhase(to, { acceptHazards: true });
      expect(move.ok, to).toBe(false);
      expect(move.reasons.join(' ')).toMatch(/restoreBackup|restore the backup/);
      expect(move.hazards.map((h) => h.kind)).toEqual(['old-dropped']);
      expect(rig.rehearsal.phase).toBe('old-dropped');
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('restoreBackup', () => {
  it('refuses to restore before old was dropped', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('new-only');
    const move = await rig.rehearsal.restoreBackup();
    expect(move.ok).toBe(false);
    expect(move.reasons.join(' ')).toMatch(/only after the old schema was dropped/);
    expect(rig.rehearsal.phase).toBe('new-only');
  });

  it("returns from old-dropped to new-only with old's data back (split topology)", async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy');
    await rig.walkTo('dual-write');
    await enqueue(rig, 'job-1');
    await rig.walkTo('new-only');
    const oldBefore = rig.rehearsal.database('old').query('SELECT key, value FROM kv ORDER BY key');
    expect(oldBefore).toHaveLength(2);
    expect((await rig.rehearsal.movePhase('old-dropped')).ok).toBe(true);
    await enqueue(rig, 'after-drop');

    const restore = await rig.rehearsal.restoreBackup();
    expect(restore).toMatchObject({ ok: true, from: 'old-dropped', to: 'new-only' });
    expect(rig.rehearsal.phase).toBe('new-only');
    expect(rig.rehearsal.database('old').query('SELECT key, value FROM kv ORDER BY key')).toEqual(oldBefore);

    // The write made after the drop exists only in new: rolling back further needs reverse-sync.
    const plan = await rig.rehearsal.planRollback('shadow');
    expect(hazard(plan, 'old-missing-writes')).toMatchObject({ count: 1, remedy: 'reverse-sync' });
    expect(plan.blocked).toBe(true);
    await rig.rehearsal.reverseSync.run();
    expect((await rig.rehearsal.planRollback('shadow')).blocked).toBe(false);
    expect((await rig.rehearsal.movePhase('shadow')).ok).toBe(true);
    expect((await getJob(rig, 'after-drop')).rows).toHaveLength(1);
    expect((await getJob(rig, 'legacy')).rows).toHaveLength(1);
  });

  it("returns from old-dropped to new-only with old's tables and rows back (shared topology)", async () => {
    const rig = await openRig(sql, 'consensus-artifacts');
    await storeArtifact(rig, 'legacy');
    await rig.walkTo('dual-write');
    await storeArtifact(rig, 'claude');
    await rig.walkTo('new-only');
    const oldBefore = rig.rehearsal.database('old').query('SELECT spec_id, stage, run_id, agent_name, content_json, response_text, created_at FROM consensus_artifacts ORDER BY agent_name');
    expect(oldBefore.map((r) => r.agent_name)).toEqual(['claude', 'legacy']);
    expect((await rig.rehearsal.movePhase('old-dropped')).ok).toBe(true);
    const restore = await rig.rehearsal.restoreBackup();
    expect(restore.ok).toBe(true);
    expect(rig.rehearsal.phase).toBe('new-only');
    expect(rig.rehearsal.database('old').query('SELECT spec_id, stage, run_id, agent_name, content_json, response_text, created_at FROM consensus_artifacts ORDER BY agent_name')).toEqual(oldBefore);
    const report = await rig.rehearsal.verify();
    expect(report.totals.total).toBe(report.totals.consistent);
  });

  it('keeps the restored old side across a crash and reopen', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy');
    await rig.walkTo('new-only');
    await rig.rehearsal.movePhase('old-dropped');
    expect((await rig.rehearsal.restoreBackup()).ok).toBe(true);
    rig.rehearsal.crash();
    const reopened = await rig.open();
    expect(reopened.phase).toBe('new-only');
    expect(reopened.database('old').query(`SELECT key FROM kv`).map((r) => r.key)).toEqual(['ai:jobs:legacy']);
  });

  it('keeps the restore even when the snapshot written for it is damaged afterwards (split topology)', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy');
    await rig.walkTo('new-only');
    await rig.rehearsal.movePhase('old-dropped');
    expect((await rig.rehearsal.restoreBackup()).ok).toBe(true);
    await enqueue(rig, 'after-restore');
    rig.rehearsal.crash();
    // The restore's checkpoint is the newest snapshot of old: damage it at rest.
    const done = await corruptNewestSnapshot(rig.backend, 'rehearsal/test', 'old', 'bit-flip', createRandom(3));
    expect(done).toBeDefined();
    const reopened = await rig.open();
    expect(reopened.recoveryProblems.join(' ')).toMatch(/checksum/);
    expect(reopened.phase).toBe('new-only');
    expect(reopened.database('old').query(`SELECT key FROM kv ORDER BY key`).map((r) => r.key)).toEqual(['ai:jobs:legacy']);
    expect((await getJob(rig, 'after-restore')).rows).toHaveLength(1);
  });

  it('counts the restore as a possible divergence: the guard to drop again wants a fresh verify', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.walkTo('new-only');
    await rig.rehearsal.movePhase('old-dropped');
    await rig.rehearsal.restoreBackup();
    const guard = await rig.rehearsal.checkGuard('old-dropped');
    expect(guard.ok).toBe(false);
    expect(guard.reasons.join(' ')).toMatch(/verify/);
    await rig.rehearsal.verify();
    expect((await rig.rehearsal.checkGuard('old-dropped')).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('guards on forward moves', () => {
  it('refuses read-new without a completed backfill, and explains why', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy');
    await rig.forceTo('shadow');
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.ok).toBe(false);
    expect(guard.overridable).toBe(true);
    expect(guard.reasons.some((r) => /no backfill has completed/.test(r))).toBe(true);
    const move = await rig.rehearsal.movePhase('read-new');
    expect(move.ok).toBe(false);
    expect(move.reasons).toEqual(guard.reasons);
    expect(rig.rehearsal.phase).toBe('shadow');
  });

  it('allows read-new without a backfill when forced, and records the forced move', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('shadow');
    const forcedBefore = rig.rehearsal.control.forcedMoves;
    const move = await rig.rehearsal.movePhase('read-new', { force: true });
    expect(move.ok).toBe(true);
    expect(move.reasons.some((r) => /backfill/.test(r))).toBe(true);
    expect(rig.rehearsal.phase).toBe('read-new');
    expect(rig.rehearsal.control.forcedMoves).toBe(forcedBefore + 1);
  });

  it('allows read-new without force after a backfill in dual-write and a clean verify', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy');
    await rig.forceTo('shadow');
    await rig.rehearsal.backfill.run();
    expect(rig.rehearsal.control.backfillValid).toBe(true);
    expect((await rig.rehearsal.movePhase('read-new')).ok).toBe(false); // no verify yet
    await rig.rehearsal.verify();
    expect((await rig.rehearsal.movePhase('read-new')).ok).toBe(false); // no shadow reads yet
    await rig.shadowReads();
    const move = await rig.rehearsal.movePhase('read-new');
    expect(move).toMatchObject({ ok: true, reasons: [] });
    expect(rig.rehearsal.control.forcedMoves).toBe(0);
  });

  it('does not count a backfill that ran in old-only (rows written afterwards would be missed)', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy');
    await rig.rehearsal.backfill.run();
    await rig.rehearsal.verify();
    expect(rig.rehearsal.control.backfillValid).toBe(false);
    await rig.forceTo('shadow');
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.ok).toBe(false);
    expect(guard.reasons.join(' ')).toMatch(/no backfill has completed/);
  });

  it('refuses read-new when the last verify found differences, with the count', async () => {
    const rig = await openRig(sql, 'session-json');
    await rig.forceTo('shadow');
    await rig.rehearsal.backfill.run();
    // Diverge after the backfill through a failed best-effort write, then verify.
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    await createSession(rig, 's1');
    await rig.rehearsal.verify();
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.ok).toBe(false);
    expect(guard.reasons.join(' ')).toMatch(/found 1 records? that differ/);
  });

  it('refuses read-new when something diverged after the last verify', async () => {
    const rig = await openRig(sql, 'session-json');
    await rig.forceTo('shadow');
    await rig.rehearsal.backfill.run();
    await rig.rehearsal.verify();
    await rig.shadowReads();
    expect((await rig.rehearsal.checkGuard('read-new')).ok).toBe(true);
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    await createSession(rig, 's1');
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.ok).toBe(false);
    expect(guard.reasons.join(' ')).toMatch(/diverged/);
  });

  it('refuses old-dropped when records would be lost, giving the count, even with force', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy-1');
    await enqueue(rig, 'legacy-2');
    await rig.forceTo('new-only');
    await rig.rehearsal.verify();
    const guard = await rig.rehearsal.checkGuard('old-dropped');
    expect(guard.ok).toBe(false);
    expect(guard.overridable).toBe(false);
    expect(guard.recordsLost).toBe(2);
    expect(guard.reasons.some((r) => /lose 2 records/.test(r))).toBe(true);
    const move = await rig.rehearsal.movePhase('old-dropped');
    expect(move.ok).toBe(false);
    expect(move.reasons).toEqual(guard.reasons);
    const forced = await rig.rehearsal.movePhase('old-dropped', { force: true });
    expect(forced.ok).toBe(false);
    expect(rig.rehearsal.phase).toBe('new-only');
    expect(rig.rehearsal.control.backups).toEqual([]);
    expect(rig.rehearsal.database('old').query('SELECT count(*) AS n FROM kv')[0]?.n).toBe(2);
  });

  it('drops old when the data loss is accepted, after taking a backup that holds the lost records', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy-1');
    await enqueue(rig, 'legacy-2');
    await rig.forceTo('new-only');
    await rig.rehearsal.verify();
    // The loss is accepted only as the exact count the verify found.
    expect((await rig.rehearsal.movePhase('old-dropped', { acceptDataLoss: 1 })).ok).toBe(false);
    const move = await rig.rehearsal.movePhase('old-dropped', { acceptDataLoss: 2 });
    expect(move.ok).toBe(true);
    expect(move.reasons.some((r) => /lose 2 records/.test(r))).toBe(true);
    expect(rig.rehearsal.phase).toBe('old-dropped');
    expect((await getJob(rig, 'legacy-1')).rows).toEqual([]);
    expect(rig.rehearsal.control.backups).toHaveLength(1);
    expect((await rig.rehearsal.restoreBackup()).ok).toBe(true);
    expect((await getJob(rig, 'legacy-1')).rows).toHaveLength(1);
  });

  it('does not give a loss count for old-dropped until verify is current', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy-1');
    await rig.forceTo('new-only');
    const guard = await rig.rehearsal.checkGuard('old-dropped');
    expect(guard.ok).toBe(false);
    expect(guard.recordsLost).toBeUndefined();
    expect(guard.reasons.join(' ')).toMatch(/verify/);
  });

  it('allows old-dropped with no loss after backfill and a clean verify', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy-1');
    await rig.walkTo('new-only');
    await enqueue(rig, 'job-1');
    await rig.rehearsal.verify();
    const guard = await rig.rehearsal.checkGuard('old-dropped');
    expect(guard).toMatchObject({ ok: true, reasons: [], recordsLost: 0 });
    expect((await rig.rehearsal.movePhase('old-dropped')).ok).toBe(true);
    expect((await getJob(rig, 'legacy-1')).rows).toHaveLength(1);
  });

  it('refuses to move more than one phase forward, whatever the options', async () => {
    const rig = await openRig(sql, 'job-keys');
    for (const to of ['shadow', 'read-new', 'new-only', 'old-dropped'] as const) {
      const guard = await rig.rehearsal.checkGuard(to);
      expect(guard.ok, to).toBe(false);
      expect(guard.overridable).toBe(false);
      expect(guard.reasons.join(' ')).toMatch(/one phase at a time: the next phase is "dual-write"/);
      const move = await rig.rehearsal.movePhase(to, { force: true, acceptDataLoss: 0, acceptHazards: true });
      expect(move.ok, to).toBe(false);
      expect(rig.rehearsal.phase).toBe('old-only');
    }
    await rig.forceTo('shadow');
    const skip = await rig.rehearsal.movePhase('new-only', { force: true });
    expect(skip.ok).toBe(false);
    expect(skip.reasons.join(' ')).toMatch(/"read-new"/);
    expect(rig.rehearsal.phase).toBe('shadow');
  });

  it('moves to dual-write and shadow without guards', async () => {
    const rig = await openRig(sql, 'job-keys');
    expect(await rig.rehearsal.checkGuard('dual-write')).toMatchObject({ ok: true, reasons: [] });
    expect((await rig.rehearsal.movePhase('dual-write')).ok).toBe(true);
    expect((await rig.rehearsal.movePhase('shadow')).ok).toBe(true);
    expect(rig.rehearsal.control.forcedMoves).toBe(0);
  });
});

describe('what a drop would lose', () => {
  const totals = (over: Partial<ConsistencyReport['totals']>): ConsistencyReport =>
    ({
      labels: { old: 'old', new: 'new' },
      collections: [],
      totals: { total: 100, consistent: 100, inconsistent: 0, oldOnly: 0, newOnly: 0, deletedInNew: 0, deletedInOld: 0, newerInOld: 0, newerInNew: 0, ...over },
      mismatchRate: 0,
      discrepancies: [],
      discrepancyCount: 0,
    }) as ConsistencyReport;

  it('counts records only old has, newer in old, deleted in old, and differing with no side newer; not what new has newer', () => {
    expect(recordsLostByDrop(totals({}))).toBe(0);
    expect(recordsLostByDrop(totals({ oldOnly: 2 }))).toBe(2);
    expect(recordsLostByDrop(totals({ inconsistent: 3, newerInOld: 3 }))).toBe(3);
    // old deleted them later; new still has them: dropping old would bring them back.
    expect(recordsLostByDrop(totals({ deletedInOld: 4 }))).toBe(4);
    // differing with equal versions: nothing says new is right.
    expect(recordsLostByDrop(totals({ inconsistent: 5, newerInOld: 1, newerInNew: 2 }))).toBe(1 + 2);
    expect(recordsLostByDrop(totals({ newOnly: 7, deletedInNew: 6, inconsistent: 2, newerInNew: 2 }))).toBe(0);
  });
});
