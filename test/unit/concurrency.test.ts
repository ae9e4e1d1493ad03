/**
 * Pipelined operations racing each other and racing backfill batches: what a review of the engine
 * found, each pinned as a test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isCrash } from '../../src/engine/faults.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { nodeSql } from '../support/node.ts';
import { openRig, type Rig } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const enq = (i: number | string) => ({ job_id: `job-${i}`, workspace_id: 'ws-acme', kind: 'embed', result: null, created_at: '2025-11-13 09:00:00' });
const update = (status: string, at: string) => ({ job_id: 'job-1', workspace_id: 'ws-acme', status, result: null, updated_at: at });
const readJob = async (rig: Rig) => (await rig.rehearsal.execute('getJob', { job_id: 'job-1', workspace_id: 'ws-acme' })).rows?.[0];

describe('concurrent writes to one record', () => {
  it('never lets a compensation undo a later acknowledged write', async () => {
    const rig = await openRig(sql, 'job-keys'); // compensate
    const r = rig.rehearsal;
    await rig.forceTo('dual-write');
    await r.execute('enqueue', enq(1));
    r.faults.add({ kind: 'write-error', side: 'new', once: true });
    const [a, b] = await Promise.all([r.execute('updateStatus', update('running', 'A')), r.execute('updateStatus', update('completed', 'B'))]);
    expect(a.outcome).toBe('fail'); // its second write failed and was undone
    expect(b.outcome).toBe('ok');
    expect((await readJob(rig))?.status).toBe('completed');
    const report = await r.verify();
    expect(report.discrepancies).toEqual([]);
  });

  it('gives versions in the order writes take effect, so repair never rolls back the newest', async () => {
    const rig = await openRig(sql, 'job-keys', { policy: 'best-effort' });
    const r = rig.rehearsal;
    await rig.forceTo('dual-write');
    await r.execute('enqueue', enq(1));
    // A is slowed by a busy answer; B, invoked after it, must still come after it.
    r.faults.add({ kind: 'busy', side: 'old', times: 1 });
    const [a, b] = await Promise.all([r.execute('updateStatus', update('running', 'A')), r.execute('updateStatus', update('completed', 'B'))]);
    expect([a.outcome, b.outcome]).toEqual(['ok', 'ok']);
    expect(b.version).toBeGreaterThan(a.version ?? Infinity);
    expect((await readJob(rig))?.updated_at).toBe('B');
    await rig.repair();
    expect((await readJob(rig))?.updated_at).toBe('B');
    expect((await r.verify()).discrepancies).toEqual([]);
  });
});

describe('backfill batches racing dual writes', () => {
  it.each([0, 1, 2, 3, 5, 8])('keeps a dual write whole when a batch starts %i microtasks after it', async (delay) => {
    const rig = await openRig(sql, 'session-json');
    const r = rig.rehearsal;
    await r.execute('createSession', { workspace_path: '/ws/a', session_id: 's-1', task: 't', runtime: 'claude', instances: '[]', created_at: '2025-11-13 09:00:00' });
    await rig.forceTo('dual-write');
    await r.backfill.run();
    await r.backfill.start(50);
    const write = r.execute('appendChatMessage', { session_id: 's-1', workspace_path: '/ws/a', role: 'user', content: 'hello', updated_at: '2025-11-13 09:00:01' });
    for (let k = 0; k < delay; k++) await Promise.resolve();
    const [w] = await Promise.all([write, r.backfill.step()]);
    expect(w.outcome).toBe('ok');
    expect(w.note).toBeUndefined(); // no spurious failed second write
    expect((await r.verify()).discrepancies).toEqual([]);
  });

  it('never turns a compensated enqueue into an orphan in new', async () => {
    for (let delay = 0; delay < 6; delay++) {
      const rig = await openRig(sql, 'job-keys');
      const r = rig.rehearsal;
      await rig.forceTo('dual-write');
      await r.backfill.start(50);
      const write = r.execute('enqueue', enq(0));
      for (let k = 0; k < delay; k++) await Promise.resolve();
      const [w] = await Promise.all([write, r.backfill.step()]);
      expect(w.outcome, `delay ${delay}`).toBe('ok');
      expect((await r.verify()).discrepancies, `delay ${delay}`).toEqual([]);
    }
  });
});

describe('failures in the middle', () => {
  it('does not hang later writes or phase moves when durable state cannot be read back', async () => {
    const rig = await openRig(sql, 'job-keys');
    const r = rig.rehearsal;
    await rig.forceTo('dual-write');
    // The new side's first journal entry is damaged, so reloading it after a refused write fails.
    rig.backend.poke('rehearsal/test/f/new/j/000000000001', 'garbage');
    const inner = rig.backend.write.bind(rig.backend);
    let refused = false;
    rig.backend.write = async (change) => {
      if (!refused && (change.set ?? []).some(([k]) => k.includes('/f/new/j/'))) {
        refused = true;
        throw new (await import('../../src/engine/durability/types.ts')).StorageError('quota (injected for new)');
      }
      return inner(change);
    };
    const settled = await Promise.allSettled([r.execute('enqueue', enq(1)), r.execute('enqueue', enq(2))]);
    // The engine stops as a crash would; nothing waits forever.
    for (const s of settled) if (s.status === 'rejected') expect(isCrash(s.reason)).toBe(true);
    expect(r.dead).toBe(true);
    await expect(r.movePhase('shadow')).rejects.toSatisfy(isCrash);
  });

  it('leaves the guard state untouched when storage refuses a rollback', async () => {
    const rig = await openRig(sql, 'job-keys');
    const r = rig.rehearsal;
    for (let i = 1; i <= 5; i++) await r.execute('enqueue', enq(i));
    await rig.walkTo('read-new');
    const before = r.control;
    r.faults.add({ kind: 'storage-quota', once: true });
    const move = await r.movePhase('old-only');
    expect(move.ok).toBe(false);
    expect(r.control).toMatchObject({ phase: 'read-new', backfillValid: before.backfillValid, divergenceEvents: before.divergenceEvents });
    expect((await r.checkGuard('new-only')).ok).toBe(true);
  });

  it('keeps old dropped, in memory too, when storage refuses a restore (split topology)', async () => {
    const rig = await openRig(sql, 'job-keys');
    const r = rig.rehearsal;
    for (let i = 1; i <= 5; i++) await r.execute('enqueue', enq(i));
    await rig.forceTo('old-dropped');
    r.faults.add({ kind: 'storage-quota', once: true });
    const restore = await r.restoreBackup();
    expect(restore.ok).toBe(false);
    expect(r.phase).toBe('old-dropped');
    expect(() => r.database('old')).toThrow(/dropped/);
    expect((await r.restoreBackup()).ok).toBe(true);
    expect(r.database('old').query('SELECT count(*) AS n FROM kv')[0]?.n).toBe(5);
  });

  it('keeps a batch size changed while a batch runs', async () => {
    const rig = await openRig(sql, 'job-keys');
    const r = rig.rehearsal;
    for (let i = 1; i <= 30; i++) await r.execute('enqueue', enq(i));
    await rig.forceTo('dual-write');
    await r.backfill.start(5);
    const [, size] = await Promise.all([r.backfill.step(), r.backfill.setBatchSize(20)]);
    expect(size.batchSize).toBe(20);
    expect(r.backfill.progress().batchSize).toBe(20);
  });

  it('cancels a backfill pass when a rollback to old-only stops writes reaching new', async () => {
    const rig = await openRig(sql, 'job-keys');
    const r = rig.rehearsal;
    for (let i = 10; i <= 29; i++) await r.execute('enqueue', enq(i));
    await rig.forceTo('dual-write');
    await r.backfill.start(5);
    await r.backfill.step();
    const back = await r.movePhase('old-only');
    expect(back.ok).toBe(true);
    expect(r.backfill.progress().status).toBe('cancelled');
    expect(r.control.backfillValid).toBe(false);
  });
});

describe('the console and faults at the engine level', () => {
  it('versions a console edit so backfill repairs it', async () => {
    const rig = await openRig(sql, 'job-keys');
    const r = rig.rehearsal;
    await rig.forceTo('dual-write');
    await r.execute('enqueue', enq(1));
    const changed = await r.consoleWrite('old', `UPDATE kv SET value = json_set(value, '$.status', 'edited by hand') WHERE key = 'ai:jobs:job-1'`);
    expect(changed).toBe(1);
    const report = await r.verify();
    expect(report.discrepancies).toMatchObject([{ kind: 'inconsistent', newer: 'old' }]);
    await r.backfill.run();
    expect((await r.verify()).discrepancies).toEqual([]);
    expect(r.control.lastVerify?.clean).toBe(true);
  });

  it('damages the next snapshot when snapshot-corrupt is armed, and recovery falls back without loss', async () => {
    const rig = await openRig(sql, 'job-keys', { settings: { checkpointEvery: 10 } });
    const r = rig.rehearsal;
    for (let i = 1; i <= 12; i++) await r.execute('enqueue', enq(i)); // a first good checkpoint
    r.faults.add({ kind: 'snapshot-corrupt', corruption: 'truncate', once: true });
    for (let i = 13; i <= 24; i++) await r.execute('enqueue', enq(i)); // the next one is written damaged
    r.crash();
    const back = await rig.open();
    expect(back.recoveryProblems.join(' ')).toMatch(/is truncated/);
    expect(back.database('old').query(`SELECT count(*) AS n FROM kv`)[0]?.n).toBe(24);
  });
});
