import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.ts';
import { isCrash } from '../../src/engine/faults.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { nodeSql } from '../support/node.ts';
import { openRig, type Rig } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const job = (n: number, extra: Record<string, string | null> = {}) => ({
  job_id: `job-${String(n).padStart(3, '0')}`,
  workspace_id: `ws-${n % 3}`,
  kind: 'embed',
  result: null,
  created_at: '2025-11-13 09:00:00',
  ...extra,
});

/** job-keys with `n` jobs written in old-only (so only old has them). */
async function jobsInOld(n: number, options = {}): Promise<Rig> {
  const rig = await openRig(sql, 'job-keys', options);
  for (let i = 1; i <= n; i++) expect((await rig.rehearsal.execute('enqueue', job(i))).outcome).toBe('ok');
  return rig;
}

const newJobIds = (rig: Rig): string[] =>
  rig.rehearsal
    .database('new')
    .query(`SELECT json_extract(value, '$.job_id') AS id FROM kv ORDER BY id`)
    .map((r) => String(r.id));

describe('backfill', () => {
  it('copies old records to new in batches ordered by key', async () => {
    const rig = await jobsInOld(25);
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.start(10);
    let p = await rig.rehearsal.backfill.step();
    expect(p.processed).toBe(10);
    expect(newJobIds(rig)).toEqual(Array.from({ length: 10 }, (_, i) => job(i + 1).job_id));
    p = await rig.rehearsal.backfill.step();
    expect(p.processed).toBe(20);
    p = await rig.rehearsal.backfill.run();
    expect(p.status).toBe('done');
    expect(p.copied).toBe(25);
    expect(newJobIds(rig)).toHaveLength(25);
    expect((await rig.rehearsal.verify()).totals).toMatchObject({ total: 25, consistent: 25 });
  });

  it('is idempotent: a second pass copies nothing', async () => {
    const rig = await jobsInOld(12);
    await rig.forceTo('dual-write');
    expect((await rig.rehearsal.backfill.run()).copied).toBe(12);
    const second = await rig.rehearsal.backfill.run();
    expect(second.pass).toBe(2);
    expect(second.copied).toBe(0);
    expect(second.skipped).toBe(12);
  });

  it('never overwrites a newer dual-written row', async () => {
    const rig = await jobsInOld(5);
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.run();
    await rig.forceTo('new-only');
    // In new-only the update reaches new only: old keeps the older status.
    const upd = await rig.rehearsal.execute('updateStatus', { job_id: 'job-003', workspace_id: 'ws-0', status: 'completed', result: 'done', updated_at: '2025-11-13 10:00:00' });
    expect(upd.outcome).toBe('ok');
    const p = await rig.rehearsal.backfill.run();
    expect(p.copied).toBe(0);
    const row = rig.rehearsal.database('new').query(`SELECT json_extract(value, '$.status') AS status FROM kv WHERE key = 'ai:job:ws-0:job-003'`)[0];
    expect(row?.status).toBe('completed');
  });

  it('refreshes a stale row in new when old is newer', async () => {
    const rig = await jobsInOld(3);
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.run();
    // Back in old-only an update reaches old alone, leaving new's copy stale.
    await rig.rehearsal.movePhase('old-only', { acceptHazards: true });
    await rig.rehearsal.execute('updateStatus', { job_id: 'job-002', workspace_id: 'ws-2', status: 'failed', result: 'boom', updated_at: '2025-11-13 10:00:00' });
    await rig.rehearsal.movePhase('dual-write');
    const p = await rig.rehearsal.backfill.run();
    expect(p.copied).toBe(1);
    const row = rig.rehearsal.database('new').query(`SELECT json_extract(value, '$.status') AS status, json_extract(value, '$.result') AS result FROM kv WHERE key = 'ai:job:ws-2:job-002'`)[0];
    expect(row).toEqual({ status: 'failed', result: 'boom' });
  });

  it('resumes from the persisted cursor after a crash, without duplicating or skipping', async () => {
    const rig = await jobsInOld(40);
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.start(8);
    await rig.rehearsal.backfill.step();
    await rig.rehearsal.backfill.step();
    rig.rehearsal.crash();
    const reopened = await rig.open();
    const before = reopened.backfill.progress();
    expect(before).toMatchObject({ status: 'running', processed: 16, copied: 16 });
    const done = await reopened.backfill.run();
    expect(done).toMatchObject({ status: 'done', copied: 40, processed: 40 });
    expect(newJobIds(rig)).toEqual(Array.from({ length: 40 }, (_, i) => job(i + 1).job_id));
  });

  it('loses only the batch in flight when a crash strikes mid-batch, and repeats it', async () => {
    const rig = await jobsInOld(20);
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.start(5);
    await rig.rehearsal.backfill.step();
    rig.rehearsal.faults.add({ kind: 'crash', point: 'mid-backfill-batch', once: true });
    await expect(rig.rehearsal.backfill.step()).rejects.toSatisfy(isCrash);
    const reopened = await rig.open();
    expect(reopened.backfill.progress().processed).toBe(5);
    expect((await reopened.backfill.run()).copied).toBe(20);
    expect((await reopened.verify()).totals.consistent).toBe(20);
  });

  it('pauses, resumes and cancels, keeping what was copied', async () => {
    const rig = await jobsInOld(30);
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.start(10);
    await rig.rehearsal.backfill.step();
    expect((await rig.rehearsal.backfill.pause()).status).toBe('paused');
    // A paused pass does nothing when stepped.
    expect((await rig.rehearsal.backfill.step()).processed).toBe(10);
    expect((await rig.rehearsal.backfill.resume()).status).toBe('running');
    await rig.rehearsal.backfill.step();
    const cancelled = await rig.rehearsal.backfill.cancel();
    expect(cancelled).toMatchObject({ status: 'cancelled', processed: 20 });
    expect(newJobIds(rig)).toHaveLength(20);
    // The next pass starts over and finds those 20 already there.
    const next = await rig.rehearsal.backfill.run();
    expect(next).toMatchObject({ status: 'done', copied: 10, skipped: 20 });
  });

  it('a pause or a new batch size issued while a batch runs never writes that batch\'s cursor back', async () => {
    const rig = await jobsInOld(30);
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.start(10);
    // Issued together: the commands and the batch's commit interleave.
    await Promise.all([rig.rehearsal.backfill.step(), rig.rehearsal.backfill.setBatchSize(5), rig.rehearsal.backfill.pause()]);
    // Whichever came first, the stored state is one the batch and the commands agree on.
    expect(rig.rehearsal.backfill.progress()).toMatchObject({ status: 'paused', batchSize: 5 });
    expect([0, 10]).toContain(rig.rehearsal.backfill.progress().processed);
    expect(newJobIds(rig)).toHaveLength(rig.rehearsal.backfill.progress().processed);
    await rig.rehearsal.backfill.resume();
    const done = await rig.rehearsal.backfill.run();
    // Every record examined once: no batch repeated.
    expect(done).toMatchObject({ status: 'done', processed: 30, copied: 30, skipped: 0 });
  });

  it('changes its batch size in the middle of a pass', async () => {
    const rig = await jobsInOld(30);
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.start(4);
    expect((await rig.rehearsal.backfill.step()).processed).toBe(4);
    expect((await rig.rehearsal.backfill.setBatchSize(15)).batchSize).toBe(15);
    expect((await rig.rehearsal.backfill.step()).processed).toBe(19);
  });

  it('reports progress with rate and estimated time left on the engine clock', async () => {
    const rig = await jobsInOld(30);
    await rig.forceTo('dual-write');
    const events: EngineEvent[] = [];
    rig.rehearsal.on((e) => events.push(e));
    await rig.rehearsal.backfill.start(5);
    for (let i = 0; i < 3; i++) {
      await rig.clock.sleep(100);
      await rig.rehearsal.backfill.step();
    }
    const p = rig.rehearsal.backfill.progress();
    expect(p.total).toBe(30);
    expect(p.rate).toBeCloseTo(50, 0); // 5 records per 100 ms
    expect(p.etaSeconds).toBeCloseTo(0.3, 1); // 15 left at 50 per second
    expect(events.filter((e) => e.type === 'copy').length).toBeGreaterThanOrEqual(4);
  });

  it('flags a pass started before writes reach new', async () => {
    const rig = await jobsInOld(3);
    const p = await rig.rehearsal.backfill.start();
    expect(p.warning).toMatch(/started in old-only/);
    await rig.rehearsal.backfill.run();
    await rig.forceTo('dual-write');
    const guard = await rig.rehearsal.checkGuard('shadow');
    expect(guard.ok).toBe(true);
    await rig.forceTo('shadow');
    expect((await rig.rehearsal.checkGuard('read-new')).reasons.join(' ')).toMatch(/no backfill has completed since writes started reaching new/);
  });

  it('stays consistent when live writes race its batches', async () => {
    const rig = await jobsInOld(30);
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.start(6);
    let n = 100;
    for (let i = 0; i < 10; i++) {
      // Live writes between batches and during one: updates behind and ahead of the cursor, new jobs.
      const batch = rig.rehearsal.backfill.step();
      await rig.rehearsal.execute('updateStatus', { job_id: job((i * 7) % 30 + 1).job_id, workspace_id: `ws-${((i * 7) % 30 + 1) % 3}`, status: `s${i}`, result: null, updated_at: '2025-11-13 10:00:00' });
      await batch;
      await rig.rehearsal.execute('enqueue', job(n++));
    }
    await rig.rehearsal.backfill.run();
    const report = await rig.rehearsal.verify();
    expect(report.discrepancies).toEqual([]);
    expect(report.totals.consistent).toBe(40);
  });

  it('carries deletes across as tombstones', async () => {
    const rig = await openRig(sql, 'session-json');
    const r = rig.rehearsal;
    await rig.forceTo('dual-write');
    for (const id of ['s1', 's2', 's3']) {
      await r.execute('createSession', { workspace_path: '/w', session_id: id, task: 't', runtime: 'claude', instances: '[]', created_at: '2025-11-13 09:00:00' });
    }
    // The JSON side (old, authoritative in dual-write) deletes; the SQLite delete fails (best-effort).
    r.faults.add({ kind: 'write-error', side: 'new', once: true });
    const del = await r.execute('deleteSession', { session_id: 's2', workspace_path: '/w' });
    expect(del.outcome).toBe('ok');
    expect((await r.verify()).totals.deletedInOld).toBe(1);
    const p = await r.backfill.run();
    expect(p.removed).toBe(1);
    const report = await r.verify();
    expect(report.totals).toMatchObject({ total: 2, consistent: 2, deletedInOld: 0 });
  });

  it('marks imported JSON files as migrated, as seed 003’s import tool does', async () => {
    const rig = await openRig(sql, 'session-json');
    const r = rig.rehearsal;
    await r.execute('createSession', { workspace_path: '/a', session_id: 'a1', task: 't', runtime: 'codex', instances: '[{"agent":"codex","status":"running"}]', created_at: '2025-11-13 09:00:00' });
    await r.execute('createSession', { workspace_path: '/b', session_id: 'b1', task: 't', runtime: 'codex', instances: '[]', created_at: '2025-11-13 09:00:00' });
    await rig.forceTo('dual-write');
    expect(r.database('old').query('SELECT workspace_path, migrated FROM session_files ORDER BY workspace_path')).toEqual([
      { workspace_path: '/a', migrated: 0 },
      { workspace_path: '/b', migrated: 0 },
    ]);
    await r.backfill.run();
    expect(r.database('old').query('SELECT workspace_path, migrated FROM session_files ORDER BY workspace_path')).toEqual([
      { workspace_path: '/a', migrated: 1 },
      { workspace_path: '/b', migrated: 1 },
    ]);
    expect(r.database('new').query('SELECT session_id, agent FROM instances')).toEqual([{ session_id: 'a1', agent: 'codex' }]);
  });

  it('is unavailable once the old schema is dropped', async () => {
    const rig = await jobsInOld(2);
    await rig.forceTo('old-dropped');
    expect(rig.rehearsal.backfill.progress().status).toBe('idle');
    await expect(rig.rehearsal.backfill.start()).rejects.toThrow(/old schema is dropped/);
  });
});

describe('reverse-sync', () => {
  it('copies records that exist only in new back to old', async () => {
    const rig = await jobsInOld(2);
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.run();
    await rig.forceTo('new-only');
    await rig.rehearsal.execute('enqueue', job(50));
    expect((await rig.rehearsal.verify()).totals.newOnly).toBe(1);
    const p = await rig.rehearsal.reverseSync.run();
    expect(p.copied).toBe(1);
    expect((await rig.rehearsal.verify()).totals).toMatchObject({ total: 3, consistent: 3 });
    expect(rig.rehearsal.database('old').query(`SELECT key FROM kv WHERE key = 'ai:jobs:job-050'`)).toHaveLength(1);
  });
});
