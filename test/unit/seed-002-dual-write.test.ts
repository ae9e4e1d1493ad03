/**
 * Seed 002 (Sprint 60 phase 1, dual-write of job keys): the five tests of `test_dual_write.py`
 * plus the `"result": None` → `""` fix, re-expressed on the built-in `job-keys` scenario.
 *
 * Phase mapping: `AI_JOBS_NEW_SCHEMA=off` = phase `old-only`; the flag's dual write (enqueue,
 * update_status) = phase `dual-write`; its new-key-first read with fallback to the old key =
 * phase `read-new`. One flag turned both on together: writes stayed old-first ("Always write to
 * old schema") while reads went new-first, so the scenario sets `writeAuthorityInReadNew: "old"`
 * and the read-new tests below run on exactly that routing. Old keys are `ai:jobs:{job_id}` in the
 * old database's `kv`, new keys `ai:job:{workspace_id}:{job_id}` in the new database's `kv` (split
 * topology).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toPrometheus } from '../../src/engine/checks/metrics.ts';
import type { OperationResult } from '../../src/engine/results.ts';
import type { Side } from '../../src/engine/scenario/format.ts';
import type { Params, SqlEngine } from '../../src/engine/sql.ts';
import { nodeSql } from '../support/node.ts';
import { counter } from '../support/operations.ts';
import { openRig, type Rig } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const open = (): Promise<Rig> => openRig(sql, 'job-keys');

function job(job_id: string, workspace_id = 'ws-acme', created_at = '2025-10-17 09:00:00'): Params {
  return { job_id, workspace_id, kind: 'summarize', result: null, created_at };
}

async function run(rig: Rig, op: string, params: Params): Promise<OperationResult> {
  const r = await rig.rehearsal.execute(op, params);
  expect(r.outcome, `${op} ${JSON.stringify(params)}: ${r.note ?? ''} ${r.error?.message ?? ''}`).toBe('ok');
  return r;
}

const sides = (r: OperationResult) => r.observations.map((o) => o.side);

/** The key/value store of one side: key → parsed hash. */
function kv(rig: Rig, side: Side): Record<string, Record<string, unknown>> {
  const rows = rig.rehearsal.database(side).query('SELECT key, value FROM kv ORDER BY key');
  return Object.fromEntries(rows.map((r) => [String(r.key), JSON.parse(String(r.value)) as Record<string, unknown>]));
}

function queue(rig: Rig): string[] {
  return rig.rehearsal
    .database('old')
    .query(`SELECT value FROM list WHERE name = 'ai:jobs:queue' ORDER BY seq`)
    .map((r) => String(r.value));
}

const queuedHash = (id: string, ws = 'ws-acme', at = '2025-10-17 09:00:00') => ({
  job_id: id,
  workspace_id: ws,
  kind: 'summarize',
  status: 'queued',
  result: '',
  created_at: at,
  updated_at: at,
});

describe('seed 002: dual-write of job keys on job-keys', () => {
  it('with the flag off (old-only), enqueue writes only the old flat key and pushes the job on the queue', async () => {
    // test_enqueue_writes_only_old_schema_when_flag_off
    const rig = await open();
    expect(rig.rehearsal.phase).toBe('old-only');
    const w = await run(rig, 'enqueue', job('job-1'));
    expect(sides(w)).toEqual(['old']);

    expect(kv(rig, 'old')).toEqual({ 'ai:jobs:job-1': queuedHash('job-1') });
    expect(queue(rig)).toEqual(['job-1']);
    expect(kv(rig, 'new')).toEqual({});
  });

  it('with the flag off (old-only), get_job reads the old key only', async () => {
    // test_get_job_reads_from_old_schema_when_flag_off
    const rig = await open();
    await run(rig, 'enqueue', job('job-1'));

    const r = await run(rig, 'getJob', { job_id: 'job-1', workspace_id: 'ws-acme' });
    expect(sides(r)).toEqual(['old']);
    expect(r.servedBy).toBe('old');
    expect(r.fallback).toBeUndefined();
    expect(r.rows).toEqual([queuedHash('job-1')]);

    // A miss stays a miss: there is nothing to fall back to with the flag off.
    const miss = await run(rig, 'getJob', { job_id: 'job-404', workspace_id: 'ws-acme' });
    expect(sides(miss)).toEqual(['old']);
    expect(miss.rows).toEqual([]);
    expect(miss.fallback).toBeUndefined();
  });

  it('with the flag on (dual-write), enqueue writes both the old flat key and the new workspace-scoped key', async () => {
    // test_enqueue_writes_both_schemas_when_flag_on
    const rig = await open();
    await rig.forceTo('dual-write');
    const w = await run(rig, 'enqueue', job('job-2', 'ws-globex'));
    expect(sides(w)).toEqual(['old', 'new']);
    expect(w.observations.every((o) => o.ok && o.access === 'write')).toBe(true);

    expect(kv(rig, 'old')).toEqual({ 'ai:jobs:job-2': queuedHash('job-2', 'ws-globex') });
    expect(kv(rig, 'new')).toEqual({ 'ai:job:ws-globex:job-2': queuedHash('job-2', 'ws-globex') });
    expect(queue(rig)).toEqual(['job-2']);
  });

  it('with the flag on, get_job reads the new key first and falls back to the old key for jobs enqueued before the flag', async () => {
    // test_get_job_reads_new_schema_first_when_flag_on (reads prefer new with fallback = read-new)
    const rig = await open();
    await run(rig, 'enqueue', job('job-old', 'ws-acme', '2025-10-16 08:00:00'));
    await rig.forceTo('dual-write');
    await run(rig, 'enqueue', job('job-new', 'ws-initech', '2025-10-17 08:00:00'));
    expect(Object.keys(kv(rig, 'new'))).toEqual(['ai:job:ws-initech:job-new']);
    await rig.forceTo('read-new');

    const fromNew = await run(rig, 'getJob', { job_id: 'job-new', workspace_id: 'ws-initech' });
    expect(sides(fromNew)).toEqual(['new']);
    expect(fromNew.servedBy).toBe('new');
    expect(fromNew.fallback).toBeUndefined();
    expect(fromNew.rows).toEqual([queuedHash('job-new', 'ws-initech', '2025-10-17 08:00:00')]);

    const fromOld = await run(rig, 'getJob', { job_id: 'job-old', workspace_id: 'ws-acme' });
    expect(sides(fromOld)).toEqual(['new', 'old']);
    expect(fromOld.servedBy).toBe('old');
    expect(fromOld.fallback).toBe('empty');
    expect(fromOld.rows).toEqual([queuedHash('job-old', 'ws-acme', '2025-10-16 08:00:00')]);

    const missing = await run(rig, 'getJob', { job_id: 'job-404', workspace_id: 'ws-acme' });
    expect(sides(missing)).toEqual(['new', 'old']);
    expect(missing.rows).toEqual([]);
  });

  it('with the flag on (dual-write), update_status updates both keys, and the new key only where it already exists (no orphan creates)', async () => {
    // test_update_status_writes_both_schemas_when_flag_on
    const rig = await open();
    await run(rig, 'enqueue', job('job-before', 'ws-acme'));
    await rig.forceTo('dual-write');
    await run(rig, 'enqueue', job('job-after', 'ws-umbrella'));

    const both = await run(rig, 'updateStatus', { job_id: 'job-after', workspace_id: 'ws-umbrella', status: 'completed', result: 'summary text', updated_at: '2025-10-17 09:05:00' });
    expect(sides(both)).toEqual(['old', 'new']);
    const updated = { ...queuedHash('job-after', 'ws-umbrella'), status: 'completed', result: 'summary text', updated_at: '2025-10-17 09:05:00' };
    expect(kv(rig, 'old')['ai:jobs:job-after']).toEqual(updated);
    expect(kv(rig, 'new')['ai:job:ws-umbrella:job-after']).toEqual(updated);

    // A job enqueued before the flag has no new key: the update reaches old and creates nothing in new.
    const oldOnly = await run(rig, 'updateStatus', { job_id: 'job-before', workspace_id: 'ws-acme', status: 'running', result: null, updated_at: '2025-10-17 09:06:00' });
    expect(oldOnly.outcome).toBe('ok');
    expect(kv(rig, 'old')['ai:jobs:job-before']).toEqual({ ...queuedHash('job-before'), status: 'running', updated_at: '2025-10-17 09:06:00' });
    expect(Object.keys(kv(rig, 'new'))).toEqual(['ai:job:ws-umbrella:job-after']);

    // An unknown job creates no key on either side.
    await rig.rehearsal.execute('updateStatus', { job_id: 'job-ghost', workspace_id: 'ws-acme', status: 'failed', result: null, updated_at: '2025-10-17 09:07:00' });
    expect(Object.keys(kv(rig, 'old')).sort()).toEqual(['ai:jobs:job-after', 'ai:jobs:job-before']);
    expect(Object.keys(kv(rig, 'new'))).toEqual(['ai:job:ws-umbrella:job-after']);
  });

  it('a None result is stored as an empty string in both keys, since the hash store rejects None as Redis hset does', async () => {
    // The Redis compatibility fix: "result": None → "result": "".
    const rig = await open();
    // The store itself refuses a null field, like hset.
    const scratch = sql.open();
    try {
      for (const ddl of rig.scenario.schema.old) scratch.exec(ddl);
      expect(() => scratch.run(`INSERT INTO kv (key, value) VALUES ('ai:jobs:x', json_object('result', NULL))`)).toThrow(/hset rejects None/);
    } finally {
      scratch.close();
    }

    await rig.forceTo('dual-write');
    const w = await run(rig, 'enqueue', { ...job('job-3'), result: null });
    expect(sides(w)).toEqual(['old', 'new']);
    const oldHash = kv(rig, 'old')['ai:jobs:job-3'];
    const newHash = kv(rig, 'new')['ai:job:ws-acme:job-3'];
    expect(oldHash?.result).toBe('');
    expect(newHash?.result).toBe('');

    await run(rig, 'updateStatus', { job_id: 'job-3', workspace_id: 'ws-acme', status: 'failed', result: null, updated_at: '2025-10-17 09:10:00' });
    expect(kv(rig, 'old')['ai:jobs:job-3']).toMatchObject({ status: 'failed', result: '' });
    expect(kv(rig, 'new')['ai:job:ws-acme:job-3']).toMatchObject({ status: 'failed', result: '' });

    const r = await run(rig, 'getJob', { job_id: 'job-3', workspace_id: 'ws-acme' });
    expect(r.rows?.[0]?.result).toBe('');
  });

  it('with the flag on, a failed write of the new key cleans up the old key and the queue entry (both or neither)', async () => {
    // The seed's "cleanup of partial writes on failure" (policy compensate).
    const rig = await open();
    await rig.forceTo('dual-write');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', operation: 'enqueue', once: true });

    const failed = await rig.rehearsal.execute('enqueue', job('job-4'));
    expect(failed.outcome).toBe('fail');
    expect(failed.observations.map((o) => [o.side, o.access, o.ok])).toEqual([
      ['old', 'write', true],
      ['new', 'write', false],
      ['old', 'compensate', true],
    ]);
    expect(kv(rig, 'old')).toEqual({});
    expect(kv(rig, 'new')).toEqual({});
    expect(queue(rig)).toEqual([]);

    // Safe to retry: the fault fired once, the retry lands on both sides.
    const retried = await run(rig, 'enqueue', job('job-4'));
    expect(sides(retried)).toEqual(['old', 'new']);
    expect(kv(rig, 'old')).toEqual({ 'ai:jobs:job-4': queuedHash('job-4') });
    expect(kv(rig, 'new')).toEqual({ 'ai:job:ws-acme:job-4': queuedHash('job-4') });
    expect(queue(rig)).toEqual(['job-4']);
  });
});

describe('seed 002: the flag on, as it ran — old-first dual writes with new-key-first reads (read-new, old authoritative)', () => {
  it('enqueue writes the old flat key first, then the workspace key, while get_job reads the workspace key first', async () => {
    const rig = await open();
    expect(rig.scenario.settings?.writeAuthorityInReadNew).toBe('old');
    await rig.forceTo('read-new');
    expect(rig.rehearsal.route).toMatchObject({ writes: ['old', 'new'], reads: 'new', fallback: 'old' });

    const w = await run(rig, 'enqueue', job('job-10', 'ws-globex'));
    expect(w.observations.map((o) => [o.access, o.side, o.ok])).toEqual([
      ['write', 'old', true],
      ['write', 'new', true],
    ]);
    expect(kv(rig, 'old')).toEqual({ 'ai:jobs:job-10': queuedHash('job-10', 'ws-globex') });
    expect(kv(rig, 'new')).toEqual({ 'ai:job:ws-globex:job-10': queuedHash('job-10', 'ws-globex') });
    expect(queue(rig)).toEqual(['job-10']);

    const r = await run(rig, 'getJob', { job_id: 'job-10', workspace_id: 'ws-globex' });
    expect(sides(r)).toEqual(['new']);
    expect(r.servedBy).toBe('new');
    expect(r.rows).toEqual([queuedHash('job-10', 'ws-globex')]);
  });

  it('update_status updates the old key first, then the workspace key only where it exists (no orphan creates), and get_job sees the update from either key', async () => {
    const rig = await open();
    await run(rig, 'enqueue', job('job-before', 'ws-acme'));
    await rig.forceTo('read-new');
    await run(rig, 'enqueue', job('job-after', 'ws-umbrella'));

    const both = await run(rig, 'updateStatus', { job_id: 'job-after', workspace_id: 'ws-umbrella', status: 'running', result: null, updated_at: '2025-10-17 09:05:00' });
    expect(sides(both)).toEqual(['old', 'new']);
    const running = { ...queuedHash('job-after', 'ws-umbrella'), status: 'running', updated_at: '2025-10-17 09:05:00' };
    expect(kv(rig, 'old')['ai:jobs:job-after']).toEqual(running);
    expect(kv(rig, 'new')['ai:job:ws-umbrella:job-after']).toEqual(running);
    const fromNew = await run(rig, 'getJob', { job_id: 'job-after', workspace_id: 'ws-umbrella' });
    expect(fromNew.servedBy).toBe('new');
    expect(fromNew.rows).toEqual([running]);

    // Enqueued before the flag: the old key is updated, no workspace key is created, and get_job
    // finds the update through the fallback to the old key.
    const oldOnly = await run(rig, 'updateStatus', { job_id: 'job-before', workspace_id: 'ws-acme', status: 'completed', result: 'done', updated_at: '2025-10-17 09:06:00' });
    expect(sides(oldOnly)).toEqual(['old', 'new']);
    expect(Object.keys(kv(rig, 'new'))).toEqual(['ai:job:ws-umbrella:job-after']);
    const viaFallback = await run(rig, 'getJob', { job_id: 'job-before', workspace_id: 'ws-acme' });
    expect(viaFallback).toMatchObject({ servedBy: 'old', fallback: 'empty' });
    expect(viaFallback.rows).toEqual([{ ...queuedHash('job-before'), status: 'completed', result: 'done', updated_at: '2025-10-17 09:06:00' }]);
  });

  it('a failed workspace-key write cleans up the old key and the queue entry (both or neither); a failed old-key write never touches the workspace key', async () => {
    const rig = await open();
    await rig.forceTo('read-new');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', operation: 'enqueue', once: true });
    const failed = await rig.rehearsal.execute('enqueue', job('job-11'));
    expect(failed.outcome).toBe('fail');
    expect(failed.observations.map((o) => [o.side, o.access, o.ok])).toEqual([
      ['old', 'write', true],
      ['new', 'write', false],
      ['old', 'compensate', true],
    ]);
    expect(kv(rig, 'old')).toEqual({});
    expect(kv(rig, 'new')).toEqual({});
    expect(queue(rig)).toEqual([]);

    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', operation: 'enqueue', once: true });
    const oldFailed = await rig.rehearsal.execute('enqueue', job('job-12'));
    expect(oldFailed.outcome).toBe('fail');
    expect(oldFailed.observations.map((o) => [o.side, o.access, o.ok])).toEqual([['old', 'write', false]]);
    expect(kv(rig, 'new')).toEqual({});

    const snapshot = rig.rehearsal.metrics();
    expect(counter(snapshot, 'cutover_dual_write_total', { result: 'compensated', authoritative: 'old' })).toBe(1);
    expect(counter(snapshot, 'cutover_dual_write_total', { authoritative: 'new' })).toBe(0);
    // Safe to retry, and the read serves it from the workspace key.
    await run(rig, 'enqueue', job('job-11'));
    expect((await run(rig, 'getJob', { job_id: 'job-11', workspace_id: 'ws-acme' })).servedBy).toBe('new');
  });

  it('a crash between the two writes leaves the old key and queue entry without the workspace key: get_job falls back to it until a backfill copies it', async () => {
    // "Atomicity" by cleanup cannot clean up after a dead process.
    const rig = await open();
    await rig.forceTo('read-new');
    rig.rehearsal.faults.add({ kind: 'crash', point: 'between-writes', once: true });
    await expect(rig.rehearsal.execute('enqueue', job('job-13'))).rejects.toThrow(/crashed at between-writes/);
    await rig.open();
    expect(kv(rig, 'old')).toEqual({ 'ai:jobs:job-13': queuedHash('job-13') });
    expect(kv(rig, 'new')).toEqual({});
    expect(queue(rig)).toEqual(['job-13']);
    const r = await run(rig, 'getJob', { job_id: 'job-13', workspace_id: 'ws-acme' });
    expect(r).toMatchObject({ servedBy: 'old', fallback: 'empty' });
    expect((await rig.rehearsal.verify()).totals.oldOnly).toBe(1);
    await rig.rehearsal.backfill.run();
    expect(kv(rig, 'new')).toEqual({ 'ai:job:ws-acme:job-13': queuedHash('job-13') });
    expect((await run(rig, 'getJob', { job_id: 'job-13', workspace_id: 'ws-acme' })).servedBy).toBe('new');
  });
});

describe('seed 002: the dual-write counter (ai_jobs_dual_write_total, here cutover_dual_write_total)', () => {
  it('counts a failed second write that was undone as compensated, beside the succeeded ones, in the snapshot and the Prometheus text', async () => {
    const rig = await open();
    expect(rig.scenario.policy).toBe('compensate');
    await rig.forceTo('dual-write');
    await run(rig, 'enqueue', job('job-5'));
    await run(rig, 'enqueue', job('job-6'));
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', operation: 'enqueue', once: true });
    const failed = await rig.rehearsal.execute('enqueue', job('job-7'));
    expect(failed.outcome).toBe('fail');
    expect(failed.observations.map((o) => o.access)).toEqual(['write', 'write', 'compensate']);

    const snapshot = rig.rehearsal.metrics();
    const byResult = (result: string) => counter(snapshot, 'cutover_dual_write_total', { result });
    expect([byResult('succeeded'), byResult('compensated'), byResult('failed'), byResult('compensation_failed')]).toEqual([2, 1, 0, 0]);
    const text = toPrometheus(snapshot);
    // The seed's dashboard divides succeeded by all jobs; the authoritative label says which side a
    // failure left behind (old throughout for this scenario, also in read-new).
    expect(text).toContain('cutover_dual_write_total{result="compensated",authoritative="old"} 1\n');
    expect(text).toContain('cutover_dual_write_total{result="succeeded",authoritative="old"} 2\n');
  });

  it('counts read-new\'s dual writes under the same labels as dual-write\'s: old stays authoritative', async () => {
    const rig = await open();
    await rig.forceTo('dual-write');
    await run(rig, 'enqueue', job('job-20'));
    await rig.forceTo('read-new');
    await run(rig, 'enqueue', job('job-21'));
    await run(rig, 'updateStatus', { job_id: 'job-20', workspace_id: 'ws-acme', status: 'running', result: null, updated_at: '2025-10-17 09:20:00' });
    const snapshot = rig.rehearsal.metrics();
    expect(snapshot.counters.filter((c) => c.name === 'cutover_dual_write_total').map((c) => [c.labels, c.value])).toEqual([[{ result: 'succeeded', authoritative: 'old' }, 3]]);
  });

  it('counts nothing as compensated when the second write succeeds or when only old is written (flag off)', async () => {
    const rig = await open();
    await run(rig, 'enqueue', job('job-8'));
    await rig.forceTo('dual-write');
    await run(rig, 'enqueue', job('job-9'));
    const snapshot = rig.rehearsal.metrics();
    expect(counter(snapshot, 'cutover_dual_write_total', { result: 'compensated' })).toBe(0);
    expect(counter(snapshot, 'cutover_dual_write_total', { result: 'succeeded' })).toBe(1);
  });
});
