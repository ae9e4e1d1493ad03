/**
 * The routing table (DESIGN.md section 2), phase by phase, as real rehearsals behave: where a
 * write lands and in which order, which side serves a read, when reads fall back, what shadow
 * reads compare, and what happens to old's tables at the end.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PHASES, ROUTES, routeOf, type Phase } from '../../src/engine/phases.ts';
import type { OperationResult } from '../../src/engine/results.ts';
import { resolveSettings, SIDES, type Policy, type Side } from '../../src/engine/scenario/format.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { nodeSql } from '../support/node.ts';
import { counter, createSession, enqueue, getJob, queryArtifacts, storeArtifact, WORKSPACE_ID, WORKSPACE_PATH } from '../support/operations.ts';
import { openRig, type Rig } from '../support/rig.ts';
import { scenarioInfo } from '../../src/worker/protocol.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

/** Keys of job-keys' raw kv table on one side. */
function kvKeys(rig: Rig, side: 'old' | 'new'): string[] {
  return rig.rehearsal
    .database(side)
    .query('SELECT key FROM kv ORDER BY key')
    .map((r) => String(r.key));
}

const sides = (r: OperationResult): string[] => r.observations.map((o) => `${o.access}:${o.side}`);

describe('writes: which sides a write reaches, authoritative first', () => {
  /** Per writeAuthorityInReadNew: only read-new's order differs. */
  const expected: Readonly<Record<Side, readonly [Phase, readonly string[]][]>> = {
    new: [
      ['old-only', ['write:old']],
      ['dual-write', ['write:old', 'write:new']],
      ['shadow', ['write:old', 'write:new']],
      ['read-new', ['write:new', 'write:old']],
      ['new-only', ['write:new']],
      ['old-dropped', ['write:new']],
    ],
    old: [
      ['old-only', ['write:old']],
      ['dual-write', ['write:old', 'write:new']],
      ['shadow', ['write:old', 'write:new']],
      ['read-new', ['write:old', 'write:new']],
      ['new-only', ['write:new']],
      ['old-dropped', ['write:new']],
    ],
  };

  for (const authority of SIDES) for (const [phase, order] of expected[authority]) {
    it(`writes ${order.map((s) => s.slice(6)).join(' then ')} in ${phase} with writeAuthorityInReadNew "${authority}"`, async () => {
      const rig = await openRig(sql, 'job-keys', { settings: { writeAuthorityInReadNew: authority } });
      await rig.forceTo(phase);
      expect(rig.rehearsal.route.writes).toEqual(order.map((s) => s.slice(6)));
      const w = await enqueue(rig, 'job-1');
      expect(w.outcome).toBe('ok');
      expect(w.phase).toBe(phase);
      expect(sides(w)).toEqual(order);
      expect(w.observations.every((o) => o.ok)).toBe(true);
      // The tables agree with the observations: the row is on exactly the sides written.
      expect(kvKeys(rig, 'new')).toEqual(order.includes('write:new') ? ['ai:job:ws-acme:job-1'] : []);
      if (phase !== 'old-dropped') expect(kvKeys(rig, 'old')).toEqual(order.includes('write:old') ? ['ai:jobs:job-1'] : []);
    });
  }

  it('does not write old in new-only: old keeps exactly what it had at the cut-over', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'before');
    await rig.forceTo('new-only');
    const oldKv = rig.rehearsal.database('old').query('SELECT key, value FROM kv ORDER BY key');
    const oldList = rig.rehearsal.database('old').query('SELECT name, value FROM list ORDER BY seq');
    const w = await enqueue(rig, 'after');
    expect(w.outcome).toBe('ok');
    expect(w.observations.map((o) => o.side)).toEqual(['new']);
    const u = await rig.rehearsal.execute('updateStatus', { job_id: 'before', workspace_id: WORKSPACE_ID, status: 'running', result: null, updated_at: '2025-11-13 10:05:00' });
    expect(u.observations.map((o) => o.side)).toEqual(['new']);
    expect(rig.rehearsal.database('old').query('SELECT key, value FROM kv ORDER BY key')).toEqual(oldKv);
    expect(rig.rehearsal.database('old').query('SELECT name, value FROM list ORDER BY seq')).toEqual(oldList);
    expect(kvKeys(rig, 'new')).toContain('ai:job:ws-acme:after');
  });

  it('does not touch new in old-only, even for an update of a record new would have', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'job-1');
    const u = await rig.rehearsal.execute('updateStatus', { job_id: 'job-1', workspace_id: WORKSPACE_ID, status: 'running', result: null, updated_at: '2025-11-13 10:05:00' });
    expect(u.observations.map((o) => o.side)).toEqual(['old']);
    expect(kvKeys(rig, 'new')).toEqual([]);
    expect(counter(rig.rehearsal.metrics(), 'cutover_writes_total', { side: 'new' })).toBe(0);
  });
});

describe('reads: which side serves, per phase', () => {
  const served: readonly [Phase, 'old' | 'new'][] = [
    ['old-only', 'old'],
    ['dual-write', 'old'],
    ['shadow', 'old'],
    ['read-new', 'new'],
    ['new-only', 'new'],
    ['old-dropped', 'new'],
  ];

  for (const [phase, side] of served) {
    it(`serves reads from ${side} in ${phase}`, async () => {
      const rig = await openRig(sql, 'job-keys');
      await rig.forceTo(phase);
      await enqueue(rig, 'job-1');
      const before = counter(rig.rehearsal.metrics(), 'cutover_reads_total', { served_by: side });
      const read = await getJob(rig, 'job-1');
      expect(read.outcome).toBe('ok');
      expect(read.servedBy).toBe(side);
      expect(read.fallback).toBeUndefined();
      expect(read.rows).toHaveLength(1);
      expect(read.rows?.[0]?.job_id).toBe('job-1');
      expect(read.observations[0]?.side).toBe(side);
      expect(counter(rig.rehearsal.metrics(), 'cutover_reads_total', { served_by: side })).toBe(before + 1);
    });
  }

  it('reads only old in old-only and dual-write (no shadow read, no comparison)', async () => {
    for (const phase of ['old-only', 'dual-write'] as const) {
      const rig = await openRig(sql, 'job-keys');
      await rig.forceTo(phase);
      await enqueue(rig, 'job-1');
      const read = await getJob(rig, 'job-1');
      expect(read.observations.map((o) => o.side)).toEqual(['old']);
      expect(read.shadow).toBeUndefined();
      expect(counter(rig.rehearsal.metrics(), 'cutover_shadow_reads_total')).toBe(0);
    }
  });

  it('does not fall back before read-new: a record only new has is not served in dual-write', async () => {
    const rig = await openRig(sql, 'consensus-artifacts', { settings: { writeAuthorityInReadNew: 'new' } });
    await rig.forceTo('read-new');
    // Best-effort: the second write (old) fails, so the record exists only in new.
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true });
    expect((await storeArtifact(rig, 'gemini')).outcome).toBe('ok');
    const back = await rig.rehearsal.movePhase('dual-write', { acceptHazards: true });
    expect(back.ok).toBe(true);
    const read = await queryArtifacts(rig);
    expect(read.servedBy).toBe('old');
    expect(read.rows).toEqual([]);
    expect(read.fallback).toBeUndefined();
    expect(read.observations.map((o) => o.side)).toEqual(['old']);
  });

  it('fails a read in dual-write when old fails: there is no fallback side', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('dual-write');
    await enqueue(rig, 'job-1');
    rig.rehearsal.faults.add({ kind: 'read-error', side: 'old', once: true });
    const read = await getJob(rig, 'job-1');
    expect(read.outcome).toBe('fail');
    expect(read.error?.kind).toBe('injected');
    expect(read.rows).toBeUndefined();
    expect(read.observations.map((o) => o.side)).toEqual(['old']);
    expect(counter(rig.rehearsal.metrics(), 'cutover_fallbacks_total')).toBe(0);
  });
});

describe('fallback in read-new and new-only', () => {
  it('falls back to old when the new side has no row in read-new', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy'); // old-only: never reaches new
    await rig.forceTo('read-new');
    const read = await getJob(rig, 'legacy');
    expect(read.outcome).toBe('ok');
    expect(read.servedBy).toBe('old');
    expect(read.fallback).toBe('empty');
    expect(read.rows?.map((r) => r.job_id)).toEqual(['legacy']);
    expect(read.observations.map((o) => [o.side, o.ok, o.rows])).toEqual([
      ['new', true, 0],
      ['old', true, 1],
    ]);
    const m = rig.rehearsal.metrics();
    expect(counter(m, 'cutover_fallbacks_total', { reason: 'empty' })).toBe(1);
    expect(counter(m, 'cutover_fallbacks_total', { reason: 'error' })).toBe(0);
    expect(counter(m, 'cutover_reads_total', { served_by: 'old' })).toBe(1);
  });

  it('falls back to old with reason error when the new side fails in read-new', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('read-new');
    await enqueue(rig, 'job-1');
    rig.rehearsal.faults.add({ kind: 'read-error', side: 'new', once: true });
    const read = await getJob(rig, 'job-1');
    expect(read.outcome).toBe('ok');
    expect(read.servedBy).toBe('old');
    expect(read.fallback).toBe('error');
    expect(read.rows?.map((r) => r.job_id)).toEqual(['job-1']);
    expect(read.observations[0]).toMatchObject({ side: 'new', ok: false });
    expect(read.observations[0]?.error?.kind).toBe('injected');
    expect(read.observations[1]).toMatchObject({ side: 'old', ok: true, rows: 1 });
    expect(counter(rig.rehearsal.metrics(), 'cutover_fallbacks_total', { reason: 'error' })).toBe(1);
  });

  it('does not fall back when new has the row in read-new, even if old is different', async () => {
    const rig = await openRig(sql, 'session-json');
    await rig.forceTo('dual-write');
    await createSession(rig, 'sess-1');
    // Best-effort: the JSON side misses the status change, new (authoritative in read-new) has it.
    await rig.forceTo('read-new');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true });
    const u = await rig.rehearsal.execute('updateSessionStatus', { session_id: 'sess-1', workspace_path: WORKSPACE_PATH, status: 'paused', updated_at: '2025-11-13 11:00:00' });
    expect(u.outcome).toBe('ok');
    const read = await rig.rehearsal.execute('getSession', { session_id: 'sess-1', workspace_path: WORKSPACE_PATH });
    expect(read.servedBy).toBe('new');
    expect(read.fallback).toBeUndefined();
    expect(read.rows?.[0]?.status).toBe('paused');
    expect(read.observations.map((o) => o.side)).toEqual(['new']);
    expect(counter(rig.rehearsal.metrics(), 'cutover_fallbacks_total')).toBe(0);
  });

  it('fails the read in read-new when new fails and the old fallback fails too', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('read-new');
    await enqueue(rig, 'job-1');
    rig.rehearsal.faults.add({ kind: 'read-error' });
    const read = await getJob(rig, 'job-1');
    expect(read.outcome).toBe('fail');
    expect(read.rows).toBeUndefined();
    expect(read.observations.map((o) => [o.side, o.ok])).toEqual([
      ['new', false],
      ['old', false],
    ]);
    expect(counter(rig.rehearsal.metrics(), 'cutover_reads_total')).toBe(0);
  });

  it('returns no rows (served by new) when neither side has the record in read-new', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('read-new');
    const read = await getJob(rig, 'nobody');
    expect(read.outcome).toBe('ok');
    expect(read.rows).toEqual([]);
    expect(read.fallback).toBe('empty');
    expect(read.servedBy).toBe('old');
  });

  it('falls back to the read-only old side in new-only when new has no row', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy');
    await rig.forceTo('new-only');
    const read = await getJob(rig, 'legacy');
    expect(read.servedBy).toBe('old');
    expect(read.fallback).toBe('empty');
    expect(read.rows?.map((r) => r.job_id)).toEqual(['legacy']);
  });

  it('falls back to old in new-only when new fails', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('dual-write');
    await enqueue(rig, 'job-1');
    await rig.forceTo('new-only');
    rig.rehearsal.faults.add({ kind: 'read-error', side: 'new', once: true });
    const read = await getJob(rig, 'job-1');
    expect(read.outcome).toBe('ok');
    expect(read.servedBy).toBe('old');
    expect(read.fallback).toBe('error');
  });

  it('does not fall back in old-dropped: a failed new read fails the operation', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('old-dropped');
    await enqueue(rig, 'job-1');
    rig.rehearsal.faults.add({ kind: 'read-error', side: 'new', once: true });
    const read = await getJob(rig, 'job-1');
    expect(read.outcome).toBe('fail');
    expect(read.fallback).toBeUndefined();
    expect(read.observations.map((o) => o.side)).toEqual(['new']);
  });

  it('does not fall back in old-dropped: a record only old had is gone', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy');
    await rig.forceTo('old-dropped');
    const read = await getJob(rig, 'legacy');
    expect(read.outcome).toBe('ok');
    expect(read.servedBy).toBe('new');
    expect(read.rows).toEqual([]);
    expect(read.fallback).toBeUndefined();
  });

  it('compares with old in read-new only when compareInReadNew is set', async () => {
    const plain = await openRig(sql, 'job-keys');
    await plain.forceTo('read-new');
    await enqueue(plain, 'job-1');
    expect((await getJob(plain, 'job-1')).shadow).toBeUndefined();

    const comparing = await openRig(sql, 'job-keys', { settings: { compareInReadNew: true } });
    await comparing.forceTo('read-new');
    await enqueue(comparing, 'job-1');
    const read = await getJob(comparing, 'job-1');
    expect(read.servedBy).toBe('new');
    expect(read.shadow).toMatchObject({ side: 'old', matched: true, diffs: [] });
    expect(read.observations.map((o) => o.side)).toEqual(['new', 'old']);
    expect(counter(comparing.rehearsal.metrics(), 'cutover_shadow_reads_total', { result: 'match' })).toBe(1);
  });
});

describe('shadow reads', () => {
  it('reads new too in shadow and records a match when both sides agree', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('shadow');
    await enqueue(rig, 'job-1');
    const read = await getJob(rig, 'job-1');
    expect(read.servedBy).toBe('old');
    expect(read.observations.map((o) => o.side)).toEqual(['old', 'new']);
    expect(read.shadow).toEqual({ side: 'new', matched: true, diffs: [] });
    const m = rig.rehearsal.metrics();
    expect(counter(m, 'cutover_shadow_reads_total', { result: 'match' })).toBe(1);
    expect(counter(m, 'cutover_shadow_reads_total', { result: 'mismatch' })).toBe(0);
    expect(rig.rehearsal.shadowDiffs()).toEqual([]);
  });

  it('records a missing-in-shadow mismatch when new lacks a record old serves', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy');
    await rig.forceTo('shadow');
    const read = await getJob(rig, 'legacy');
    expect(read.servedBy).toBe('old');
    expect(read.rows?.map((r) => r.job_id)).toEqual(['legacy']);
    expect(read.shadow?.side).toBe('new');
    expect(read.shadow?.matched).toBe(false);
    expect(read.shadow?.diffs).toEqual([{ key: '["legacy"]', kind: 'missing-in-shadow', fields: [] }]);
    expect(counter(rig.rehearsal.metrics(), 'cutover_shadow_reads_total', { result: 'mismatch' })).toBe(1);
    expect(rig.rehearsal.shadowDiffs()).toEqual([{ operation: 'getJob', phase: 'shadow', diffs: read.shadow?.diffs }]);
  });

  it('records a field-level diff when new holds a stale version of a record', async () => {
    const rig = await openRig(sql, 'session-json');
    await rig.forceTo('shadow');
    await createSession(rig, 'sess-1');
    // Best-effort: the second write (SQLite) fails, the JSON side moves on.
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    const u = await rig.rehearsal.execute('updateSessionStatus', { session_id: 'sess-1', workspace_path: WORKSPACE_PATH, status: 'completed', updated_at: '2025-11-13 11:00:00' });
    expect(u.outcome).toBe('ok');
    const read = await rig.rehearsal.execute('getSession', { session_id: 'sess-1', workspace_path: WORKSPACE_PATH });
    expect(read.servedBy).toBe('old');
    expect(read.rows?.[0]?.status).toBe('completed');
    expect(read.shadow?.matched).toBe(false);
    expect(read.shadow?.diffs).toHaveLength(1);
    const diff = read.shadow?.diffs[0];
    expect(diff?.kind).toBe('changed');
    expect(diff?.fields).toEqual(
      expect.arrayContaining([
        { field: 'status', primary: 'completed', shadow: 'active' },
        { field: 'updated_at', primary: '2025-11-13 11:00:00', shadow: '2025-11-13 10:00:00' },
      ]),
    );
    expect(diff?.fields).toHaveLength(2);
  });

  it('records an extra-in-shadow mismatch when new has a record old does not', async () => {
    const rig = await openRig(sql, 'session-json');
    await rig.forceTo('shadow');
    // The JSON side refuses the authoritative write: nothing is written anywhere, so seed new through read-new and roll back.
    await rig.forceTo('read-new');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true });
    expect((await createSession(rig, 'sess-new-only')).outcome).toBe('ok');
    const back = await rig.rehearsal.movePhase('shadow', { acceptHazards: true });
    expect(back.ok).toBe(true);
    const read = await rig.rehearsal.execute('getAllSessions', { workspace_path: WORKSPACE_PATH });
    expect(read.servedBy).toBe('old');
    expect(read.rows).toEqual([]);
    expect(read.shadow?.matched).toBe(false);
    expect(read.shadow?.diffs).toEqual([{ key: '["sess-new-only"]', kind: 'extra-in-shadow', fields: [] }]);
  });

  it('counts matches and mismatches separately over several shadow reads', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy-1');
    await enqueue(rig, 'legacy-2');
    await rig.forceTo('shadow');
    await enqueue(rig, 'dual-1');
    for (const id of ['legacy-1', 'legacy-2', 'dual-1', 'dual-1', 'legacy-1']) await getJob(rig, id);
    const m = rig.rehearsal.metrics();
    expect(counter(m, 'cutover_shadow_reads_total', { result: 'match' })).toBe(2);
    expect(counter(m, 'cutover_shadow_reads_total', { result: 'mismatch' })).toBe(3);
    expect(rig.rehearsal.shadowDiffs()).toHaveLength(3);
  });

  it('serves from old and skips the comparison when the shadow read fails', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('shadow');
    await enqueue(rig, 'job-1');
    rig.rehearsal.faults.add({ kind: 'read-error', side: 'new', once: true });
    const read = await getJob(rig, 'job-1');
    expect(read.outcome).toBe('ok');
    expect(read.servedBy).toBe('old');
    expect(read.rows).toHaveLength(1);
    expect(read.shadow).toBeUndefined();
    expect(read.observations.map((o) => [o.side, o.ok])).toEqual([
      ['old', true],
      ['new', false],
    ]);
    expect(counter(rig.rehearsal.metrics(), 'cutover_shadow_reads_total')).toBe(0);
  });

  it('does not read new in shadow when old fails: the read fails without a shadow', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('shadow');
    await enqueue(rig, 'job-1');
    rig.rehearsal.faults.add({ kind: 'read-error', side: 'old', once: true });
    const read = await getJob(rig, 'job-1');
    expect(read.outcome).toBe('fail');
    expect(read.shadow).toBeUndefined();
    expect(read.fallback).toBeUndefined();
    expect(counter(rig.rehearsal.metrics(), 'cutover_shadow_reads_total')).toBe(0);
  });

  it('compares shared-topology reads across both schemas in shadow (consensus-artifacts)', async () => {
    const rig = await openRig(sql, 'consensus-artifacts');
    await storeArtifact(rig, 'claude'); // old-only: never reaches new
    await rig.forceTo('shadow');
    await storeArtifact(rig, 'gemini');
    const read = await queryArtifacts(rig);
    expect(read.servedBy).toBe('old');
    expect(read.rows?.map((r) => r.agent_name).sort()).toEqual(['claude', 'gemini']);
    expect(read.shadow?.matched).toBe(false);
    expect(read.shadow?.diffs.map((d) => [d.kind, d.key])).toEqual([['missing-in-shadow', '["SPEC-KIT-101","plan","run-1","claude"]']]);
  });
});

describe('old-dropped', () => {
  it('drops the old tables after taking a backup (split topology)', async () => {
    const rig = await openRig(sql, 'job-keys');
    await enqueue(rig, 'legacy');
    await rig.forceTo('dual-write');
    await enqueue(rig, 'job-1');
    await rig.walkTo('new-only');
    expect(rig.rehearsal.control.backups).toEqual([]);
    const move = await rig.rehearsal.movePhase('old-dropped');
    expect(move.ok).toBe(true);
    expect(rig.rehearsal.phase).toBe('old-dropped');
    expect(rig.rehearsal.route.oldTables).toBe('dropped');
    expect(() => rig.rehearsal.database('old')).toThrow(/dropped/);
    const backups = rig.rehearsal.control.backups;
    expect(backups).toHaveLength(1);
    // The backup is a real SQLite image of old, with old's rows.
    const backup = await rig.rehearsal.store.readBackup(backups[0] as string);
    const db = sql.open(backup.bytes);
    try {
      expect(db.query(`SELECT key FROM kv ORDER BY key`).map((r) => r.key)).toEqual(['ai:jobs:job-1', 'ai:jobs:legacy']);
    } finally {
      db.close();
    }
    // Reads and writes keep working on new alone.
    expect((await getJob(rig, 'legacy')).rows?.map((r) => r.job_id)).toEqual(['legacy']);
    const w = await enqueue(rig, 'job-2');
    expect(w.observations.map((o) => o.side)).toEqual(['new']);
  });

  it('drops the old tables from the shared database and leaves new intact', async () => {
    const rig = await openRig(sql, 'consensus-artifacts');
    await rig.forceTo('dual-write');
    await storeArtifact(rig, 'claude');
    await rig.walkTo('old-dropped');
    const names = rig.rehearsal
      .database('new')
      .query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      .map((r) => String(r.name));
    expect(names).not.toContain('consensus_artifacts');
    expect(names).not.toContain('consensus_synthesis');
    expect(names).toEqual(expect.arrayContaining(['consensus_runs', 'agent_outputs']));
    expect(rig.rehearsal.control.backups).toHaveLength(1);
    const read = await queryArtifacts(rig);
    expect(read.servedBy).toBe('new');
    expect(read.rows?.map((r) => r.agent_name)).toEqual(['claude']);
  });

  it('stays dropped after a crash and reopen', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('old-dropped');
    rig.rehearsal.crash();
    const reopened = await rig.open();
    expect(reopened.phase).toBe('old-dropped');
    expect(() => reopened.database('old')).toThrow();
    expect(reopened.control.backups).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('writeAuthorityInReadNew: who is authoritative for writes in read-new', () => {
  it('leaves the table as it is with "new", and with "old" changes only read-new\'s writes, to old then new', () => {
    for (const phase of PHASES) {
      expect(routeOf(phase, { writeAuthorityInReadNew: 'new' }), phase).toBe(ROUTES[phase]);
      const seeds = routeOf(phase, { writeAuthorityInReadNew: 'old' });
      if (phase !== 'read-new') {
        expect(seeds, phase).toBe(ROUTES[phase]);
        continue;
      }
      // Reads, their fallback, the absence of shadow reads and old's tables are read-new's own.
      expect(seeds).toEqual({ ...ROUTES['read-new'], writes: ['old', 'new'], summary: seeds.summary });
      expect(seeds.summary).toMatch(/^Writes go to old \(authoritative\), then new; reads are served by new, falling back to old/);
      expect(ROUTES['read-new'].summary).toMatch(/^Writes go to new \(authoritative\), then old;/);
    }
  });

  it('runs the built-in scenarios on their seeds\' routing: old-first writes with new-first reads for seeds 000 and 002, new-first for seed 003', async () => {
    const cases: readonly [string, Side, (rig: Rig) => Promise<OperationResult>][] = [
      ['consensus-artifacts', 'old', (rig) => storeArtifact(rig, 'gemini')],
      ['job-keys', 'old', (rig) => enqueue(rig, 'job-1')],
      // Seed 003's phase 3 made SQLite (new) primary and read it first: the table as it is.
      ['session-json', 'new', (rig) => createSession(rig, 'sess-1')],
    ];
    for (const [id, authority, write] of cases) {
      const rig = await openRig(sql, id);
      expect(resolveSettings(rig.scenario).writeAuthorityInReadNew, id).toBe(authority);
      await rig.forceTo('read-new');
      const second = authority === 'old' ? 'new' : 'old';
      expect(rig.rehearsal.route, id).toMatchObject({ writes: [authority, second], reads: 'new', fallback: 'old' });
      // The page shows the same route (the worker protocol's scenario info).
      expect(scenarioInfo(rig.scenario).routes['read-new'], id).toEqual(rig.rehearsal.route);
      const w = await write(rig);
      expect(w.outcome, id).toBe('ok');
      expect(sides(w), id).toEqual([`write:${authority}`, `write:${second}`]);
    }
  });

  it('routes by the setting from one move to the next: authority passes to new at new-only, not at read-new', async () => {
    const rig = await openRig(sql, 'job-keys', { settings: { writeAuthorityInReadNew: 'old' } });
    const seen: [Phase, string[]][] = [];
    for (const phase of ['dual-write', 'shadow', 'read-new', 'new-only'] as const) {
      await rig.forceTo(phase);
      seen.push([phase, sides(await enqueue(rig, `job-${phase}`))]);
    }
    // And back: rolling back from new-only to read-new makes old authoritative again.
    expect((await rig.rehearsal.movePhase('read-new', { acceptHazards: true })).ok).toBe(true);
    seen.push(['read-new', sides(await enqueue(rig, 'job-back'))]);
    expect(seen).toEqual([
      ['dual-write', ['write:old', 'write:new']],
      ['shadow', ['write:old', 'write:new']],
      ['read-new', ['write:old', 'write:new']],
      ['new-only', ['write:new']],
      ['read-new', ['write:old', 'write:new']],
    ]);
  });
});

describe('which side\'s failure fails a write in read-new, per authority and policy', () => {
  interface Subject {
    readonly policy: Policy;
    readonly scenario: string;
    write(rig: Rig, key: string): Promise<OperationResult>;
    holds(rig: Rig, side: Side, key: string): boolean;
  }
  const artifactsHold = (rig: Rig, side: Side, key: string): boolean =>
    Number(rig.rehearsal.database(side).query(side === 'old' ? 'SELECT count(*) AS n FROM consensus_artifacts WHERE agent_name = :k' : 'SELECT count(*) AS n FROM agent_outputs WHERE agent_name = :k', { k: key })[0]?.n) > 0;
  const subjects: readonly Subject[] = [
    { policy: 'atomic', scenario: 'consensus-artifacts', write: (rig, key) => storeArtifact(rig, key), holds: artifactsHold },
    { policy: 'compensate', scenario: 'job-keys', write: (rig, key) => enqueue(rig, key), holds: (rig, side, key) => kvKeys(rig, side).includes(side === 'old' ? `ai:jobs:${key}` : `ai:job:${WORKSPACE_ID}:${key}`) },
    { policy: 'best-effort', scenario: 'consensus-artifacts', write: (rig, key) => storeArtifact(rig, key), holds: artifactsHold },
  ];

  for (const authority of SIDES) {
    const second: Side = authority === 'old' ? 'new' : 'old';
    for (const subject of subjects) {
      it(`fails the write and leaves ${second} untouched when ${authority} (authoritative) fails, under ${subject.policy} with writeAuthorityInReadNew "${authority}"`, async () => {
        const rig = await openRig(sql, subject.scenario, { policy: subject.policy, settings: { writeAuthorityInReadNew: authority } });
        await rig.forceTo('read-new');
        rig.rehearsal.faults.add({ kind: 'write-error', side: authority, once: true });
        const w = await subject.write(rig, 'rec-1');
        expect(w.outcome).toBe('fail');
        expect(w.observations[0]).toMatchObject({ side: authority, ok: false });
        if (subject.policy !== 'atomic') expect(sides(w)).toEqual([`write:${authority}`]);
        expect(subject.holds(rig, 'old', 'rec-1')).toBe(false);
        expect(subject.holds(rig, 'new', 'rec-1')).toBe(false);
      });

      const outcome = subject.policy === 'best-effort' ? 'succeeds, leaving only the authoritative side with it' : 'fails, leaving neither side with it';
      it(`${outcome}, when ${second} (second) fails under ${subject.policy} with writeAuthorityInReadNew "${authority}"`, async () => {
        const rig = await openRig(sql, subject.scenario, { policy: subject.policy, settings: { writeAuthorityInReadNew: authority } });
        await rig.forceTo('read-new');
        rig.rehearsal.faults.add({ kind: 'write-error', side: second, once: true });
        const w = await subject.write(rig, 'rec-1');
        const byPolicy: Record<Policy, { outcome: string; sides: string[]; holds: Side[] }> = {
          atomic: { outcome: 'fail', sides: [`write:${authority}`, `write:${second}`], holds: [] },
          compensate: { outcome: 'fail', sides: [`write:${authority}`, `write:${second}`, `compensate:${authority}`], holds: [] },
          'best-effort': { outcome: 'ok', sides: [`write:${authority}`, `write:${second}`], holds: [authority] },
        };
        const want = byPolicy[subject.policy];
        expect(w.outcome).toBe(want.outcome);
        expect(sides(w)).toEqual(want.sides);
        expect(w.observations.find((o) => o.side === second && o.access === 'write')?.ok).toBe(false);
        for (const side of SIDES) expect(subject.holds(rig, side, 'rec-1'), side).toBe(want.holds.includes(side));
      });
    }
  }
});

describe('reads in read-new when old stays authoritative for writes', () => {
  const update = (rig: Rig, status: string) => rig.rehearsal.execute('updateSessionStatus', { session_id: 'sess-1', workspace_path: WORKSPACE_PATH, status, updated_at: '2025-11-13 11:00:00' });
  const read = (rig: Rig) => rig.rehearsal.execute('getSession', { session_id: 'sess-1', workspace_path: WORKSPACE_PATH });

  it('serves a stale value from new after a failed best-effort write to new, until backfill; compareInReadNew shows the lag', async () => {
    const rig = await openRig(sql, 'session-json', { settings: { writeAuthorityInReadNew: 'old', compareInReadNew: true } });
    await rig.forceTo('dual-write');
    await createSession(rig, 'sess-1');
    await rig.forceTo('read-new');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    const u = await update(rig, 'paused');
    expect(u.outcome).toBe('ok');
    expect(u.note).toMatch(/reads are served by new, so they miss this write until then/);

    const stale = await read(rig);
    expect(stale.servedBy).toBe('new');
    expect(stale.fallback).toBeUndefined();
    expect(stale.rows?.[0]?.status).toBe('active');
    expect(stale.shadow).toMatchObject({ side: 'old', matched: false });
    expect(stale.shadow?.diffs[0]?.fields?.map((f) => f.field)).toEqual(expect.arrayContaining(['status']));

    await rig.rehearsal.backfill.run();
    const fresh = await read(rig);
    expect(fresh.servedBy).toBe('new');
    expect(fresh.rows?.[0]?.status).toBe('paused');
    expect(fresh.shadow).toMatchObject({ matched: true });
  });

  it('serves the acknowledged value at once when new is authoritative, whatever happened to old', async () => {
    const rig = await openRig(sql, 'session-json', { settings: { writeAuthorityInReadNew: 'new' } });
    await rig.forceTo('dual-write');
    await createSession(rig, 'sess-1');
    await rig.forceTo('read-new');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true });
    expect((await update(rig, 'paused')).outcome).toBe('ok');
    const r = await read(rig);
    expect(r.servedBy).toBe('new');
    expect(r.rows?.[0]?.status).toBe('paused');
  });

  it('loses nothing when rolling back to shadow: old, authoritative throughout, has every acknowledged write', async () => {
    const rig = await openRig(sql, 'consensus-artifacts');
    await rig.forceTo('read-new');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    expect((await storeArtifact(rig, 'gemini')).outcome).toBe('ok');
    const plan = await rig.rehearsal.planRollback('shadow');
    expect(plan.blocked).toBe(false);
    expect(plan.hazards.filter((h) => h.kind === 'old-missing-writes')).toEqual([]);
    expect((await rig.rehearsal.movePhase('shadow')).ok).toBe(true);
    const r = await queryArtifacts(rig);
    expect(r.servedBy).toBe('old');
    expect(r.rows?.map((row) => row.agent_name)).toEqual(['gemini']);
  });

  it('from new-only back to read-new, old becomes authoritative again: reverse-sync first (the plan names it), or old-first writes overwrite what only new had', async () => {
    const append = (rig: Rig) => rig.rehearsal.execute('appendChatMessage', { session_id: 'sess-1', workspace_path: WORKSPACE_PATH, role: 'user', content: 'written in new-only', updated_at: '2025-11-13 10:30:00' });
    const messages = async (rig: Rig) => JSON.parse(String((await read(rig)).rows?.[0]?.messages)) as { content: string }[];
    for (const remedy of [true, false]) {
      const rig = await openRig(sql, 'session-json', { settings: { writeAuthorityInReadNew: 'old' } });
      await rig.forceTo('dual-write');
      await createSession(rig, 'sess-1');
      await rig.forceTo('new-only');
      expect((await append(rig)).observations.map((o) => o.side)).toEqual(['new']);
      const plan = await rig.rehearsal.planRollback('read-new');
      expect(plan.hazards.find((h) => h.kind === 'old-missing-writes')).toMatchObject({ count: 1, remedy: 'reverse-sync' });
      if (remedy) await rig.rehearsal.reverseSync.run();
      expect((await rig.rehearsal.movePhase('read-new', { acceptHazards: true })).ok).toBe(true);
      // A partial update, old first: on a stale old it takes the newest version.
      expect(sides(await update(rig, 'paused'))).toEqual(['write:old', 'write:new']);
      await rig.repair();
      expect((await messages(rig)).map((m) => m.content), `reverse-sync first: ${remedy}`).toEqual(remedy ? ['written in new-only'] : []);
    }
  });

  it('blocks the rollback from new-only to read-new under old authority until reverse-sync has run: a message appended in new-only survives a status update and a repair', async () => {
    // The routing helper's reproduction: append in new-only, roll back, update the status (old
    // first, so old takes the newest version), repair — the backfill copied old's record, without
    // the message, over new's.
    const append = (rig: Rig) => rig.rehearsal.execute('appendChatMessage', { session_id: 'sess-1', workspace_path: WORKSPACE_PATH, role: 'user', content: 'written in new-only', updated_at: '2025-11-13 10:30:00' });
    const messages = async (rig: Rig) => (JSON.parse(String((await read(rig)).rows?.[0]?.messages)) as { content: string }[]).map((m) => m.content);
    const rig = await openRig(sql, 'session-json', { settings: { writeAuthorityInReadNew: 'old' } });
    await rig.forceTo('dual-write');
    await createSession(rig, 'sess-1');
    await rig.forceTo('new-only');
    expect((await append(rig)).outcome).toBe('ok');

    const plan = await rig.rehearsal.planRollback('read-new');
    expect(plan.blocked).toBe(true);
    const hazard = plan.hazards.find((h) => h.kind === 'old-missing-writes');
    expect(hazard).toMatchObject({ count: 1, severity: 'data', remedy: 'reverse-sync' });
    expect(hazard?.message).toMatch(/old takes writes first again in read-new \(writeAuthorityInReadNew "old"\)/);
    expect(hazard?.message).toMatch(/the next backfill copies old's record over new's/);
    expect(hazard?.message).toMatch(/run reverse-sync first$/);

    // Refused without the remedy, and the phase stays.
    const refused = await rig.rehearsal.movePhase('read-new');
    expect(refused.ok).toBe(false);
    expect(refused.reasons).toEqual([hazard?.message]);
    expect(rig.rehearsal.phase).toBe('new-only');

    // The remedy unblocks it, and nothing new-only wrote is lost afterwards.
    await rig.rehearsal.reverseSync.run();
    expect((await rig.rehearsal.planRollback('read-new')).blocked).toBe(false);
    expect((await rig.rehearsal.movePhase('read-new')).ok).toBe(true);
    expect(sides(await update(rig, 'paused'))).toEqual(['write:old', 'write:new']);
    await rig.repair();
    expect(await messages(rig)).toEqual(['written in new-only']);
  });

  it('only warns on the rollback from new-only to read-new when new keeps write authority there', async () => {
    const rig = await openRig(sql, 'session-json', { settings: { writeAuthorityInReadNew: 'new' } });
    await rig.forceTo('dual-write');
    await createSession(rig, 'sess-1');
    await rig.forceTo('new-only');
    await rig.rehearsal.execute('appendChatMessage', { session_id: 'sess-1', workspace_path: WORKSPACE_PATH, role: 'user', content: 'written in new-only', updated_at: '2025-11-13 10:30:00' });
    const plan = await rig.rehearsal.planRollback('read-new');
    expect(plan.blocked).toBe(false);
    expect(plan.hazards.find((h) => h.kind === 'old-missing-writes')).toMatchObject({ count: 1, severity: 'warning', remedy: 'reverse-sync' });
  });
});
