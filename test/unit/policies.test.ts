/**
 * Dual-write policies (DESIGN.md section 3) under every fault of section 4 that hits a write:
 * atomic (consensus-artifacts forced to atomic), compensate (job-keys) and best-effort
 * (session-json, consensus-artifacts), in every direction: old authoritative in dual-write, and in
 * read-new new authoritative (`writeAuthorityInReadNew: "new"`) or old (`"old"`, the seeds' routing).
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Phase } from '../../src/engine/phases.ts';
import type { OperationResult } from '../../src/engine/results.ts';
import type { Policy, Side } from '../../src/engine/scenario/format.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { nodeSql } from '../support/node.ts';
import { counter, createSession, enqueue, getJob, getSession, queryArtifacts, storeArtifact, WORKSPACE_ID, WORKSPACE_PATH } from '../support/operations.ts';
import { openRig, type Rig, type RigOptions } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const count = (rig: Rig, side: Side, query: string, params: Record<string, string>): number => Number(rig.rehearsal.database(side).query(query, params)[0]?.n ?? 0);

/** A scenario under one policy, reduced to what these tests need: write a record, find it on a side, read it back. */
interface Subject {
  readonly label: string;
  readonly scenario: string;
  readonly options: RigOptions;
  readonly policy: Policy;
  write(rig: Rig, key: string): Promise<OperationResult>;
  /** Whether `side`'s raw tables hold the record `key` (counting every table the write touches). */
  has(rig: Rig, side: Side, key: string): boolean;
  read(rig: Rig, key: string): Promise<OperationResult>;
}

const ATOMIC: Subject = {
  label: 'atomic (consensus-artifacts, shared)',
  scenario: 'consensus-artifacts',
  options: { policy: 'atomic' },
  policy: 'atomic',
  write: (rig, key) => storeArtifact(rig, key),
  has: (rig, side, key) =>
    side === 'old'
      ? count(rig, 'old', 'SELECT count(*) AS n FROM consensus_artifacts WHERE agent_name = :k', { k: key }) > 0
      : count(rig, 'new', 'SELECT count(*) AS n FROM agent_outputs WHERE agent_name = :k', { k: key }) > 0,
  read: (rig, key) => queryArtifacts(rig).then((r) => filterRows(r, 'agent_name', key)),
};

const COMPENSATE: Subject = {
  label: 'compensate (job-keys, split)',
  scenario: 'job-keys',
  options: {},
  policy: 'compensate',
  write: (rig, key) => enqueue(rig, key),
  has: (rig, side, key) =>
    side === 'old'
      ? count(rig, 'old', `SELECT (SELECT count(*) FROM kv WHERE key = 'ai:jobs:' || :k) + (SELECT count(*) FROM list WHERE value = :k) AS n`, { k: key }) > 0
      : count(rig, 'new', `SELECT count(*) AS n FROM kv WHERE key = 'ai:job:ws-acme:' || :k`, { k: key }) > 0,
  read: (rig, key) => getJob(rig, key),
};

const BEST_EFFORT_SESSIONS: Subject = {
  label: 'best-effort (session-json, split)',
  scenario: 'session-json',
  options: {},
  policy: 'best-effort',
  write: (rig, key) => createSession(rig, key),
  has: (rig, side, key) =>
    side === 'old'
      ? count(rig, 'old', `SELECT count(*) AS n FROM session_files f, json_each(f.sessions) s WHERE json_extract(s.value, '$.id') = :k`, { k: key }) > 0
      : count(rig, 'new', `SELECT (SELECT count(*) FROM sessions WHERE id = :k) + (SELECT count(*) FROM instances WHERE session_id = :k) AS n`, { k: key }) > 0,
  read: (rig, key) => getSession(rig, key),
};

const BEST_EFFORT_ARTIFACTS: Subject = { ...ATOMIC, label: 'best-effort (consensus-artifacts, shared)', options: {}, policy: 'best-effort' };

const SUBJECTS: readonly Subject[] = [ATOMIC, COMPENSATE, BEST_EFFORT_SESSIONS, BEST_EFFORT_ARTIFACTS];

/** The directions of a dual write: [phase, authoritative side, second side, where (for test names)]. */
const DIRECTIONS: readonly (readonly [Phase, Side, Side, string])[] = [
  ['dual-write', 'old', 'new', 'dual-write'],
  ['read-new', 'new', 'old', 'read-new with new authoritative'],
  ['read-new', 'old', 'new', 'read-new with old authoritative'],
];

/** Rig options that make `auth` authoritative for writes in `phase` (only read-new has a choice). */
function authority(phase: Phase, auth: Side): RigOptions {
  return phase === 'read-new' ? { settings: { writeAuthorityInReadNew: auth } } : {};
}

function filterRows(r: OperationResult, field: string, value: string): OperationResult {
  return r.rows ? { ...r, rows: r.rows.filter((row) => row[field] === value) } : r;
}

async function rigAt(subject: Subject, phase: Phase, extra: RigOptions = {}): Promise<Rig> {
  const rig = await openRig(sql, subject.scenario, { ...subject.options, ...extra });
  await rig.forceTo(phase);
  return rig;
}

/** Arms `then` the moment the first fault of `kind` fires (so a later call in the same operation meets it). */
function onFirstFault(rig: Rig, kind: string, then: () => void): void {
  let done = false;
  rig.rehearsal.on((e) => {
    if (done || e.type !== 'fault' || e.kind !== kind) return;
    done = true;
    then();
  });
}

// ---------------------------------------------------------------------------------------------

describe('write-error on the authoritative side', () => {
  for (const subject of SUBJECTS) {
    for (const [phase, auth, second, where] of DIRECTIONS) {
      it(`fails and leaves ${second} untouched under ${subject.label} in ${where}`, async () => {
        const rig = await rigAt(subject, phase, authority(phase, auth));
        rig.rehearsal.faults.add({ kind: 'write-error', side: auth, once: true });
        const w = await subject.write(rig, 'rec-1');
        expect(w.outcome).toBe('fail');
        expect(w.error?.kind).toBe('injected');
        expect(w.error?.transient).toBe(false);
        const authObs = w.observations.find((o) => o.side === auth);
        expect(authObs?.ok).toBe(false);
        expect(authObs?.attempts).toBe(1);
        if (subject.policy !== 'atomic') expect(w.observations.map((o) => o.side)).toEqual([auth]);
        expect(subject.has(rig, auth, 'rec-1')).toBe(false);
        expect(subject.has(rig, second, 'rec-1')).toBe(false);
        expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total')).toBe(0);
        // The next write goes through: the fault was once.
        expect((await subject.write(rig, 'rec-2')).outcome).toBe('ok');
        expect(subject.has(rig, second, 'rec-2')).toBe(true);
      });
    }
  }

  it('fails a single-side write in old-only and new-only and writes nothing', async () => {
    for (const [phase, side] of [
      ['old-only', 'old'],
      ['new-only', 'new'],
    ] as const) {
      const rig = await rigAt(COMPENSATE, phase);
      rig.rehearsal.faults.add({ kind: 'write-error', side, once: true });
      const w = await COMPENSATE.write(rig, 'rec-1');
      expect(w.outcome).toBe('fail');
      expect(w.observations.map((o) => [o.side, o.ok])).toEqual([[side, false]]);
      expect(COMPENSATE.has(rig, side, 'rec-1')).toBe(false);
    }
  });

  it('hits only the named operation when the fault names one', async () => {
    const rig = await rigAt(COMPENSATE, 'dual-write');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', operation: 'updateStatus' });
    expect((await enqueue(rig, 'job-1')).outcome).toBe('ok');
    const u = await rig.rehearsal.execute('updateStatus', { job_id: 'job-1', workspace_id: WORKSPACE_ID, status: 'running', result: null, updated_at: '2025-11-13 10:05:00' });
    expect(u.outcome).toBe('fail');
  });
});

// ---------------------------------------------------------------------------------------------

describe('write-error on the second side: atomic', () => {
  for (const [phase, auth, second, where] of DIRECTIONS) {
    it(`fails and writes neither side in ${where}`, async () => {
      const rig = await rigAt(ATOMIC, phase, authority(phase, auth));
      rig.rehearsal.faults.add({ kind: 'write-error', side: second, once: true });
      const w = await ATOMIC.write(rig, 'rec-1');
      expect(w.outcome).toBe('fail');
      expect(w.observations.map((o) => [o.side, o.ok])).toEqual([
        [auth, false],
        [second, false],
      ]);
      expect(w.error?.message).toMatch(new RegExp(`injected write error on ${second}`));
      expect(ATOMIC.has(rig, 'old', 'rec-1')).toBe(false);
      expect(ATOMIC.has(rig, 'new', 'rec-1')).toBe(false);
      const m = rig.rehearsal.metrics();
      expect(counter(m, 'cutover_dual_write_total', { result: 'failed' })).toBe(0);
      expect(counter(m, 'cutover_dual_write_total', { result: 'succeeded' })).toBe(0);
      expect(rig.rehearsal.control.divergenceEvents).toBe(0);
      const report = await rig.rehearsal.verify();
      expect(report.totals.total).toBe(0);
    });
  }

  it('never diverges: after many second-side failures verify is clean', async () => {
    const rig = await rigAt(ATOMIC, 'dual-write');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', rate: 0.5 });
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) outcomes.push((await ATOMIC.write(rig, `rec-${i}`)).outcome);
    expect(outcomes).toContain('ok');
    expect(outcomes).toContain('fail');
    const report = await rig.rehearsal.verify();
    expect(report.totals.consistent).toBe(outcomes.filter((o) => o === 'ok').length);
    expect(report.totals.total).toBe(report.totals.consistent);
  });
});

describe('write-error on the second side: compensate', () => {
  for (const [phase, auth, second, where] of DIRECTIONS) {
    it(`fails and undoes the ${auth} write in ${where}`, async () => {
      const rig = await rigAt(COMPENSATE, phase, authority(phase, auth));
      rig.rehearsal.faults.add({ kind: 'write-error', side: second, once: true });
      const w = await COMPENSATE.write(rig, 'job-1');
      expect(w.outcome).toBe('fail');
      expect(w.observations.map((o) => [o.access, o.side, o.ok])).toEqual([
        ['write', auth, true],
        ['write', second, false],
        ['compensate', auth, true],
      ]);
      expect(w.error?.kind).toBe('injected');
      expect(w.note).toMatch(/undone/);
      expect(COMPENSATE.has(rig, 'old', 'job-1')).toBe(false);
      expect(COMPENSATE.has(rig, 'new', 'job-1')).toBe(false);
      expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total', { result: 'compensated' })).toBe(1);
      expect((await COMPENSATE.read(rig, 'job-1')).rows).toEqual([]);
      const report = await rig.rehearsal.verify();
      expect(report.totals.total).toBe(0);
    });
  }

  it('restores the previous value of an updated record when the second write fails', async () => {
    const rig = await rigAt(COMPENSATE, 'dual-write');
    await enqueue(rig, 'job-1');
    const before = rig.rehearsal.database('old').query(`SELECT value FROM kv WHERE key = 'ai:jobs:job-1'`);
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    const u = await rig.rehearsal.execute('updateStatus', { job_id: 'job-1', workspace_id: WORKSPACE_ID, status: 'completed', result: 'done', updated_at: '2025-11-13 10:05:00' });
    expect(u.outcome).toBe('fail');
    expect(u.observations.map((o) => o.access)).toEqual(['write', 'write', 'compensate']);
    const after = rig.rehearsal.database('old').query(`SELECT value FROM kv WHERE key = 'ai:jobs:job-1'`);
    expect(JSON.parse(String(after[0]?.value))).toEqual(JSON.parse(String(before[0]?.value)));
    const read = await COMPENSATE.read(rig, 'job-1');
    expect(read.rows?.[0]?.status).toBe('queued');
    expect((await rig.rehearsal.verify()).totals).toMatchObject({ total: 1, consistent: 1 });
  });

  it('reports an indeterminate outcome (info) when the compensation itself fails, leaving an orphan that backfill repairs', async () => {
    const rig = await rigAt(COMPENSATE, 'dual-write');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    // The moment new's write fails, arm a failure for the undo on old.
    onFirstFault(rig, 'write-error', () => rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true }));
    const divergenceBefore = rig.rehearsal.control.divergenceEvents;
    const w = await COMPENSATE.write(rig, 'job-1');
    expect(w.outcome).toBe('info');
    expect(w.observations.map((o) => [o.access, o.side, o.ok])).toEqual([
      ['write', 'old', true],
      ['write', 'new', false],
      ['compensate', 'old', false],
    ]);
    expect(w.note).toMatch(/orphan/);
    expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total', { result: 'compensation_failed' })).toBe(1);
    expect(rig.rehearsal.control.divergenceEvents).toBe(divergenceBefore + 1);
    // The orphan: old has the job, new does not.
    expect(COMPENSATE.has(rig, 'old', 'job-1')).toBe(true);
    expect(COMPENSATE.has(rig, 'new', 'job-1')).toBe(false);
    const report = await rig.rehearsal.verify();
    expect(report.totals.oldOnly).toBe(1);
    await rig.rehearsal.backfill.run();
    const repaired = await rig.rehearsal.verify();
    expect(repaired.totals).toMatchObject({ total: 1, consistent: 1, oldOnly: 0 });
  });

  it('reports info when storage refuses the compensation, and the orphan survives a reopen', async () => {
    const rig = await rigAt(COMPENSATE, 'dual-write');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    onFirstFault(rig, 'write-error', () => rig.rehearsal.faults.add({ kind: 'storage-quota', once: true }));
    const w = await COMPENSATE.write(rig, 'job-1');
    expect(w.outcome).toBe('info');
    expect(w.observations[2]).toMatchObject({ access: 'compensate', side: 'old', ok: false });
    expect(w.observations[2]?.error?.kind).toBe('storage');
    rig.rehearsal.crash();
    const reopened = await rig.open();
    expect(COMPENSATE.has(rig, 'old', 'job-1')).toBe(true);
    expect(COMPENSATE.has(rig, 'new', 'job-1')).toBe(false);
    expect((await reopened.verify()).totals.oldOnly).toBe(1);
  });
});

describe('write-error on the second side: best-effort', () => {
  for (const subject of [BEST_EFFORT_SESSIONS, BEST_EFFORT_ARTIFACTS]) {
    it(`succeeds, counts the failure and leaves new behind until backfill under ${subject.label} in dual-write`, async () => {
      const rig = await rigAt(subject, 'dual-write');
      rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
      const divergenceBefore = rig.rehearsal.control.divergenceEvents;
      const w = await subject.write(rig, 'rec-1');
      expect(w.outcome).toBe('ok');
      expect(w.error).toBeUndefined();
      expect(w.observations.map((o) => [o.side, o.ok])).toEqual([
        ['old', true],
        ['new', false],
      ]);
      expect(w.note).toMatch(/best-effort/);
      expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total', { result: 'failed' })).toBe(1);
      expect(counter(rig.rehearsal.metrics(), 'cutover_writes_total', { side: 'new', result: 'failed' })).toBe(1);
      expect(rig.rehearsal.control.divergenceEvents).toBe(divergenceBefore + 1);
      expect(subject.has(rig, 'old', 'rec-1')).toBe(true);
      expect(subject.has(rig, 'new', 'rec-1')).toBe(false);
      // The acknowledged write is readable through this phase's read path.
      expect((await subject.read(rig, 'rec-1')).rows).toHaveLength(1);

      const report = await rig.rehearsal.verify();
      expect(report.totals.oldOnly).toBe(1);
      expect(report.totals.consistent).toBe(0);
      expect(report.discrepancies.map((d) => d.kind)).toEqual(['old-only']);

      const pass = await rig.rehearsal.backfill.run();
      expect(pass.status).toBe('done');
      expect(pass.copied).toBe(1);
      expect(subject.has(rig, 'new', 'rec-1')).toBe(true);
      expect((await rig.rehearsal.verify()).totals).toMatchObject({ total: 1, consistent: 1 });
    });

    it(`succeeds and leaves old behind until reverse-sync under ${subject.label} in read-new with new authoritative`, async () => {
      const rig = await rigAt(subject, 'read-new', authority('read-new', 'new'));
      rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true });
      const w = await subject.write(rig, 'rec-1');
      expect(w.outcome).toBe('ok');
      expect(w.observations.map((o) => [o.side, o.ok])).toEqual([
        ['new', true],
        ['old', false],
      ]);
      expect(w.note).toMatch(/old is behind until reverse-sync repairs it$/);
      expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total', { result: 'failed', authoritative: 'new' })).toBe(1);
      // New is authoritative and serves reads: the acknowledged write is readable at once.
      expect((await subject.read(rig, 'rec-1')).rows).toHaveLength(1);
      expect(subject.has(rig, 'new', 'rec-1')).toBe(true);
      expect(subject.has(rig, 'old', 'rec-1')).toBe(false);
      expect((await rig.rehearsal.verify()).totals.newOnly).toBe(1);
      const pass = await rig.rehearsal.reverseSync.run();
      expect(pass.status).toBe('done');
      expect(pass.copied).toBe(1);
      expect(subject.has(rig, 'old', 'rec-1')).toBe(true);
      expect((await rig.rehearsal.verify()).totals).toMatchObject({ total: 1, consistent: 1 });
    });

    it(`succeeds and leaves new behind until backfill under ${subject.label} in read-new with old authoritative, while new serves the reads`, async () => {
      const rig = await rigAt(subject, 'read-new', authority('read-new', 'old'));
      expect((await subject.write(rig, 'rec-0')).outcome).toBe('ok');
      rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
      const divergenceBefore = rig.rehearsal.control.divergenceEvents;
      const w = await subject.write(rig, 'rec-1');
      expect(w.outcome).toBe('ok');
      expect(w.observations.map((o) => [o.side, o.ok])).toEqual([
        ['old', true],
        ['new', false],
      ]);
      expect(w.note).toMatch(/new is behind until backfill repairs it; reads are served by new, so they miss this write until then/);
      expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total', { result: 'failed', authoritative: 'old' })).toBe(1);
      expect(rig.rehearsal.control.divergenceEvents).toBe(divergenceBefore + 1);
      expect(subject.has(rig, 'old', 'rec-1')).toBe(true);
      expect(subject.has(rig, 'new', 'rec-1')).toBe(false);

      const before = await subject.read(rig, 'rec-1');
      if (subject === BEST_EFFORT_ARTIFACTS) {
        // A group read (seed 000): new has rec-0 for the spec and stage, so there is no fallback
        // and the acknowledged rec-1 is missing from what the application reads.
        expect(before).toMatchObject({ servedBy: 'new', rows: [] });
        expect(before.fallback).toBeUndefined();
      } else {
        // A read by id: new has no row at all, so the fallback to old finds it.
        expect(before).toMatchObject({ servedBy: 'old', fallback: 'empty' });
        expect(before.rows).toHaveLength(1);
      }

      expect((await rig.rehearsal.verify()).totals.oldOnly).toBe(1);
      const pass = await rig.rehearsal.backfill.run();
      expect(pass.status).toBe('done');
      expect(subject.has(rig, 'new', 'rec-1')).toBe(true);
      const after = await subject.read(rig, 'rec-1');
      expect(after.servedBy).toBe('new');
      expect(after.rows).toHaveLength(1);
      expect((await rig.rehearsal.verify()).totals).toMatchObject({ total: 2, consistent: 2 });
    });
  }

  it('leaves a stale field in new after a failed second update, which verify finds and backfill repairs', async () => {
    const rig = await rigAt(BEST_EFFORT_SESSIONS, 'dual-write');
    await createSession(rig, 'sess-1');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    const u = await rig.rehearsal.execute('updateSessionStatus', { session_id: 'sess-1', workspace_path: WORKSPACE_PATH, status: 'completed', updated_at: '2025-11-13 11:00:00' });
    expect(u.outcome).toBe('ok');
    const report = await rig.rehearsal.verify();
    expect(report.totals).toMatchObject({ total: 1, inconsistent: 1, newerInOld: 1 });
    expect(report.discrepancies[0]?.fields.map((f) => f.field).sort()).toEqual(['status', 'updated_at']);
    await rig.rehearsal.backfill.run();
    expect((await rig.rehearsal.verify()).totals).toMatchObject({ total: 1, consistent: 1 });
    const newRow = rig.rehearsal.database('new').query(`SELECT status FROM sessions WHERE id = 'sess-1'`);
    expect(newRow[0]?.status).toBe('completed');
  });
});

// ---------------------------------------------------------------------------------------------

describe('busy (transient) below the retry budget', () => {
  for (const subject of SUBJECTS) {
    for (const [phase, auth, second, where] of DIRECTIONS) {
      for (const side of [auth, second]) {
        it(`retries and succeeds when ${side} is busy 3 times under ${subject.label} in ${where}`, async () => {
          const rig = await rigAt(subject, phase, authority(phase, auth));
          rig.rehearsal.faults.add({ kind: 'busy', side, times: 3 });
          const start = rig.clock.now();
          const w = await subject.write(rig, 'rec-1');
          expect(w.outcome).toBe('ok');
          expect(w.observations.every((o) => o.ok)).toBe(true);
          expect(w.observations.find((o) => o.side === side)?.attempts).toBe(4);
          expect(counter(rig.rehearsal.metrics(), 'cutover_retries_total', { side })).toBe(3);
          expect(subject.has(rig, 'old', 'rec-1')).toBe(true);
          expect(subject.has(rig, 'new', 'rec-1')).toBe(true);
          // Three backoffs: at least 50 + 100 + 200 ms, at most 100 + 200 + 400 ms.
          const waited = rig.clock.now() - start;
          expect(waited).toBeGreaterThanOrEqual(350);
          expect(waited).toBeLessThanOrEqual(700);
          expect(w.durationMs).toBe(waited);
        });
      }
    }
  }

  it('succeeds with the last attempt the budget allows (busy retryAttempts - 1 times)', async () => {
    const rig = await rigAt(COMPENSATE, 'old-only', { settings: { retryAttempts: 4 } });
    rig.rehearsal.faults.add({ kind: 'busy', side: 'old', times: 3 });
    const w = await enqueue(rig, 'job-1');
    expect(w.outcome).toBe('ok');
    expect(w.observations[0]?.attempts).toBe(4);
  });
});

describe('busy (transient) at or above the retry budget', () => {
  for (const subject of SUBJECTS) {
    for (const [phase, auth, second, where] of DIRECTIONS) {
      for (const times of [6, 9]) {
        it(`fails with a transient error when the authoritative side (${auth}) is busy ${times} times under ${subject.label} in ${where}`, async () => {
          const rig = await rigAt(subject, phase, authority(phase, auth));
          rig.rehearsal.faults.add({ kind: 'busy', side: auth, times });
          const w = await subject.write(rig, 'rec-1');
          expect(w.outcome).toBe('fail');
          expect(w.error?.kind).toBe('busy');
          expect(w.error?.transient).toBe(true);
          expect(w.observations.find((o) => o.side === auth)?.attempts).toBe(6);
          expect(counter(rig.rehearsal.metrics(), 'cutover_retries_total', { side: auth })).toBe(5);
          expect(subject.has(rig, 'old', 'rec-1')).toBe(false);
          expect(subject.has(rig, 'new', 'rec-1')).toBe(false);
        });
      }

      it(`handles ${second} busy for the whole budget as its policy says under ${subject.label} in ${where}`, async () => {
        const rig = await rigAt(subject, phase, authority(phase, auth));
        rig.rehearsal.faults.add({ kind: 'busy', side: second, times: 6 });
        const w = await subject.write(rig, 'rec-1');
        const secondObs = w.observations.find((o) => o.side === second && o.access === 'write');
        expect(secondObs?.ok).toBe(false);
        expect(secondObs?.attempts).toBe(6);
        expect(secondObs?.error?.transient).toBe(true);
        expect(subject.has(rig, second, 'rec-1')).toBe(false);
        if (subject.policy === 'best-effort') {
          expect(w.outcome).toBe('ok');
          expect(subject.has(rig, auth, 'rec-1')).toBe(true);
          expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total', { result: 'failed' })).toBe(1);
        } else {
          expect(w.outcome).toBe('fail');
          expect(w.error?.transient).toBe(true);
          expect(w.error?.kind).toBe('busy');
          expect(subject.has(rig, auth, 'rec-1')).toBe(false);
        }
      });
    }
  }

  it('respects a smaller retry budget from the scenario settings', async () => {
    const rig = await rigAt(BEST_EFFORT_SESSIONS, 'old-only', { settings: { retryAttempts: 3 } });
    rig.rehearsal.faults.add({ kind: 'busy', side: 'old', times: 3 });
    const w = await createSession(rig, 'sess-1');
    expect(w.outcome).toBe('fail');
    expect(w.observations[0]?.attempts).toBe(3);
    expect(counter(rig.rehearsal.metrics(), 'cutover_retries_total')).toBe(2);
  });

  it('does not retry permanent errors', async () => {
    const rig = await rigAt(COMPENSATE, 'old-only');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true });
    const start = rig.clock.now();
    const w = await enqueue(rig, 'job-1');
    expect(w.outcome).toBe('fail');
    expect(w.observations[0]?.attempts).toBe(1);
    expect(counter(rig.rehearsal.metrics(), 'cutover_retries_total')).toBe(0);
    expect(rig.clock.now()).toBe(start);
  });

  it('retries busy reads too, and serves them once the side answers', async () => {
    const rig = await rigAt(COMPENSATE, 'dual-write');
    await enqueue(rig, 'job-1');
    rig.rehearsal.faults.add({ kind: 'busy', side: 'old', times: 2 });
    const r = await COMPENSATE.read(rig, 'job-1');
    expect(r.outcome).toBe('ok');
    expect(r.observations[0]?.attempts).toBe(3);
    expect(r.rows).toHaveLength(1);
    expect(counter(rig.rehearsal.metrics(), 'cutover_retries_total', { side: 'old' })).toBe(2);
  });
});

describe('retry backoff', () => {
  /** Every sleep the engine asked of the clock during `fn`. */
  async function sleepsDuring(rig: Rig, fn: () => Promise<unknown>): Promise<number[]> {
    const spy = vi.spyOn(rig.clock, 'sleep');
    try {
      await fn();
      return spy.mock.calls.map((c) => c[0]);
    } finally {
      spy.mockRestore();
    }
  }

  const bounds = (attempt: number): [number, number] => {
    const ceiling = Math.min(1600, 100 * 2 ** (attempt - 1));
    return [ceiling / 2, ceiling];
  };

  for (const subject of SUBJECTS) {
    it(`backs off exponentially with jitter (50–100, 100–200, 200–400, 400–800, 800–1600 ms) under ${subject.label}`, async () => {
      const rig = await rigAt(subject, 'dual-write');
      rig.rehearsal.faults.add({ kind: 'busy', side: 'new', times: 5 });
      const start = rig.clock.now();
      let w: OperationResult | undefined;
      const sleeps = await sleepsDuring(rig, async () => (w = await subject.write(rig, 'rec-1')));
      expect(w?.outcome).toBe('ok');
      expect(sleeps).toHaveLength(5);
      sleeps.forEach((ms, i) => {
        const [lo, hi] = bounds(i + 1);
        expect(ms, `backoff ${i + 1}`).toBeGreaterThanOrEqual(lo);
        expect(ms, `backoff ${i + 1}`).toBeLessThanOrEqual(hi);
      });
      // The virtual clock moved by exactly the backoffs, and nothing else.
      expect(rig.clock.now() - start).toBe(sleeps.reduce((a, b) => a + b, 0));
    });
  }

  it('caps the backoff at 1.6 s when the budget allows more attempts', async () => {
    const rig = await rigAt(COMPENSATE, 'old-only', { settings: { retryAttempts: 9 } });
    rig.rehearsal.faults.add({ kind: 'busy', side: 'old', times: 8 });
    const sleeps = await sleepsDuring(rig, () => enqueue(rig, 'job-1'));
    expect(sleeps).toHaveLength(8);
    for (const ms of sleeps.slice(4)) {
      expect(ms).toBeGreaterThanOrEqual(800);
      expect(ms).toBeLessThanOrEqual(1600);
    }
  });

  it('jitters: the delays are not all at the top (or all at the bottom) of their ranges', async () => {
    const delays: number[] = [];
    const tops: boolean[] = [];
    const bottoms: boolean[] = [];
    for (const seed of [1, 2, 3]) {
      const rig = await rigAt(COMPENSATE, 'old-only', { seed });
      rig.rehearsal.faults.add({ kind: 'busy', side: 'old', times: 5 });
      const sleeps = await sleepsDuring(rig, () => enqueue(rig, 'job-1'));
      sleeps.forEach((ms, i) => {
        const [lo, hi] = bounds(i + 1);
        delays.push(ms);
        tops.push(ms === hi);
        bottoms.push(ms === lo);
      });
    }
    expect(delays).toHaveLength(15);
    expect(tops.every(Boolean)).toBe(false);
    expect(bottoms.every(Boolean)).toBe(false);
  });

  it('replays the same backoff from the same seed', async () => {
    const run = async (): Promise<number[]> => {
      const rig = await rigAt(COMPENSATE, 'old-only', { seed: 'replay' });
      rig.rehearsal.faults.add({ kind: 'busy', side: 'old', times: 4 });
      return sleepsDuring(rig, () => enqueue(rig, 'job-1'));
    };
    expect(await run()).toEqual(await run());
  });
});

// ---------------------------------------------------------------------------------------------

describe('latency', () => {
  for (const subject of SUBJECTS) {
    for (const [phase, auth, second, where] of DIRECTIONS) {
      it(`adds the injected latency to ${second}'s observation and to the operation under ${subject.label} in ${where}`, async () => {
        const rig = await rigAt(subject, phase, authority(phase, auth));
        const baseline = await subject.write(rig, 'rec-0');
        expect(baseline.outcome).toBe('ok');
        const baseSecond = baseline.observations.find((o) => o.side === second)?.durationMs ?? NaN;
        rig.rehearsal.faults.add({ kind: 'latency', side: second, latencyMs: 250 });
        const start = rig.clock.now();
        const w = await subject.write(rig, 'rec-1');
        expect(w.outcome).toBe('ok');
        expect(w.observations.find((o) => o.side === second)?.durationMs).toBe(baseSecond + 250);
        if (subject.policy !== 'atomic') {
          // Only the slow side is slow.
          expect(w.observations.find((o) => o.side === auth)?.durationMs).toBe(baseline.observations.find((o) => o.side === auth)?.durationMs);
        }
        expect(w.durationMs).toBe(baseline.durationMs + 250);
        expect(rig.clock.now() - start).toBe(250);
      });
    }
  }

  it('adds latency on both sides when the fault names no side', async () => {
    const rig = await rigAt(BEST_EFFORT_SESSIONS, 'dual-write');
    rig.rehearsal.faults.add({ kind: 'latency', latencyMs: 120 });
    const w = await createSession(rig, 'sess-1');
    expect(w.observations.map((o) => o.durationMs)).toEqual([120, 120]);
    expect(w.durationMs).toBe(240);
  });

  it('adds latency to reads, on the serving side and the fallback', async () => {
    const rig = await rigAt(COMPENSATE, 'old-only');
    await enqueue(rig, 'legacy');
    await rig.forceTo('read-new');
    rig.rehearsal.faults.add({ kind: 'latency', side: 'new', latencyMs: 40 });
    rig.rehearsal.faults.add({ kind: 'latency', side: 'old', latencyMs: 70 });
    const r = await COMPENSATE.read(rig, 'legacy');
    expect(r.fallback).toBe('empty');
    expect(r.observations.map((o) => [o.side, o.durationMs])).toEqual([
      ['new', 40],
      ['old', 70],
    ]);
    expect(r.durationMs).toBe(110);
  });

  it('lands the latency in the side latency histogram', async () => {
    const rig = await rigAt(COMPENSATE, 'dual-write');
    rig.rehearsal.faults.add({ kind: 'latency', side: 'new', latencyMs: 300 });
    await enqueue(rig, 'job-1');
    const m = rig.rehearsal.metrics();
    expect(m.latency.new.sum).toBe(300);
    expect(m.latency.old.sum).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------

describe('storage-quota (strict durability)', () => {
  for (const subject of SUBJECTS) {
    for (const [phase, auth, , where] of DIRECTIONS) {
      it(`fails the write, acknowledges nothing unstored and keeps the previous state across a reopen under ${subject.label} in ${where}`, async () => {
        const rig = await rigAt(subject, phase, authority(phase, auth));
        expect((await subject.write(rig, 'rec-kept')).outcome).toBe('ok');
        const quota = rig.rehearsal.faults.add({ kind: 'storage-quota' });
        const refused = await subject.write(rig, 'rec-refused');
        expect(refused.outcome).toBe('fail');
        expect(refused.error?.kind).toBe('storage');
        expect(refused.error?.transient).toBe(false);
        expect(counter(rig.rehearsal.metrics(), 'cutover_storage_failures_total')).toBeGreaterThanOrEqual(1);
        rig.rehearsal.faults.remove(quota);
        // Through the engine's read path, the refused write is not there.
        expect((await subject.read(rig, 'rec-refused')).rows).toEqual([]);

        rig.rehearsal.crash();
        const reopened = await rig.open();
        expect(reopened.phase).toBe(phase);
        for (const side of ['old', 'new'] as const) {
          expect(subject.has(rig, side, 'rec-kept')).toBe(true);
          expect(subject.has(rig, side, 'rec-refused')).toBe(false);
        }
        expect((await subject.read(rig, 'rec-kept')).rows).toHaveLength(1);
        expect((await subject.read(rig, 'rec-refused')).rows).toEqual([]);
        // And the rehearsal goes on.
        expect((await subject.write(rig, 'rec-after')).outcome).toBe('ok');
      });
    }
  }

  for (const subject of SUBJECTS) {
    for (const [phase, auth, , where] of DIRECTIONS) {
      it(`leaves no trace of a refused write in the live databases right after the failure under ${subject.label} in ${where}`, async () => {
        const rig = await rigAt(subject, phase, authority(phase, auth));
        expect((await subject.write(rig, 'rec-kept')).outcome).toBe('ok');
        rig.rehearsal.faults.add({ kind: 'storage-quota', once: true });
        const refused = await subject.write(rig, 'rec-refused');
        expect(refused.outcome).toBe('fail');
        // What the console and tests see (rehearsal.database) must be what durable storage holds:
        // the file that lost a journal entry is reloaded before the failed operation returns.
        expect(subject.has(rig, 'old', 'rec-refused')).toBe(false);
        expect(subject.has(rig, 'new', 'rec-refused')).toBe(false);
        expect(subject.has(rig, 'old', 'rec-kept')).toBe(true);
        expect(subject.has(rig, 'new', 'rec-kept')).toBe(true);
      });
    }
  }

  it('makes the last clean verify stale when storage refuses a write (a side was reloaded from what was stored)', async () => {
    const rig = await rigAt(BEST_EFFORT_SESSIONS, 'shadow');
    await rig.rehearsal.backfill.run();
    await rig.rehearsal.verify();
    await rig.shadowReads();
    expect((await rig.rehearsal.checkGuard('read-new')).ok).toBe(true);
    rig.rehearsal.faults.add({ kind: 'storage-quota', once: true });
    expect((await createSession(rig, 'sess-refused')).outcome).not.toBe('ok');
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.ok).toBe(false);
    expect(guard.reasons.join(' ')).toMatch(/diverged the sides since the last verify/);
  });

  it('keeps every acknowledged write across a reopen when storage refuses a stretch of writes', async () => {
    const rig = await rigAt(BEST_EFFORT_SESSIONS, 'dual-write');
    const acknowledged: string[] = [];
    const refused: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = `sess-${i}`;
      const quota = i % 3 === 1 ? rig.rehearsal.faults.add({ kind: 'storage-quota' }) : undefined;
      const w = await createSession(rig, id);
      if (quota !== undefined) rig.rehearsal.faults.remove(quota);
      (w.outcome === 'ok' ? acknowledged : refused).push(id);
    }
    expect(refused).toEqual(['sess-1', 'sess-4', 'sess-7', 'sess-10']);
    rig.rehearsal.crash();
    await rig.open();
    for (const id of acknowledged) expect((await BEST_EFFORT_SESSIONS.read(rig, id)).rows, id).toHaveLength(1);
    for (const id of refused) expect(BEST_EFFORT_SESSIONS.has(rig, 'old', id), id).toBe(false);
  });

  for (const subject of SUBJECTS) {
    it(`handles storage refusing only the second write as its policy says under ${subject.label}`, async () => {
      const rig = await rigAt(subject, 'dual-write');
      // A zero-latency fault on new is the cue: arm the quota just before new's write commits.
      rig.rehearsal.faults.add({ kind: 'latency', side: 'new', latencyMs: 0.001 });
      onFirstFault(rig, 'latency', () => rig.rehearsal.faults.add({ kind: 'storage-quota', once: true }));
      const w = await subject.write(rig, 'rec-1');
      rig.rehearsal.crash();
      await rig.open();
      if (subject.policy === 'best-effort') {
        expect(w.outcome).toBe('ok');
        expect(w.observations.find((o) => o.side === 'new')?.error?.kind).toBe('storage');
        expect(subject.has(rig, 'old', 'rec-1')).toBe(true);
        expect(subject.has(rig, 'new', 'rec-1')).toBe(false);
        // Acknowledged, so readable through the phase's read path after the reopen.
        expect((await subject.read(rig, 'rec-1')).rows).toHaveLength(1);
      } else {
        expect(w.outcome).toBe('fail');
        expect(w.error?.kind).toBe('storage');
        expect(subject.has(rig, 'old', 'rec-1')).toBe(false);
        expect(subject.has(rig, 'new', 'rec-1')).toBe(false);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('crash at a named point of a dual write', () => {
  for (const subject of SUBJECTS) {
    it(`writes nothing when the engine dies before the authoritative write under ${subject.label}`, async () => {
      const rig = await rigAt(subject, 'dual-write');
      rig.rehearsal.faults.add({ kind: 'crash', point: 'before-authoritative', once: true });
      await expect(subject.write(rig, 'rec-1')).rejects.toThrow(/crashed at before-authoritative/);
      expect(rig.rehearsal.dead).toBe(true);
      const reopened = await rig.open();
      expect(reopened.phase).toBe('dual-write');
      expect(subject.has(rig, 'old', 'rec-1')).toBe(false);
      expect(subject.has(rig, 'new', 'rec-1')).toBe(false);
      expect(counter(reopened.metrics(), 'cutover_crashes_total')).toBe(1);
    });

    it(`keeps both sides' writes when the engine dies after the writes but before the acknowledgement under ${subject.label}`, async () => {
      const rig = await rigAt(subject, 'dual-write');
      rig.rehearsal.faults.add({ kind: 'crash', point: 'after-writes-before-ack', once: true });
      await expect(subject.write(rig, 'rec-1')).rejects.toThrow(/crashed/);
      await rig.open();
      expect(subject.has(rig, 'old', 'rec-1')).toBe(true);
      expect(subject.has(rig, 'new', 'rec-1')).toBe(true);
    });
  }

  it('has no point between the writes under atomic: both sides commit together', async () => {
    const rig = await rigAt(ATOMIC, 'dual-write');
    rig.rehearsal.faults.add({ kind: 'crash', point: 'between-writes', once: true });
    const w = await ATOMIC.write(rig, 'rec-1');
    expect(w.outcome).toBe('ok');
    expect(rig.rehearsal.dead).toBe(false);
    expect(ATOMIC.has(rig, 'old', 'rec-1')).toBe(true);
    expect(ATOMIC.has(rig, 'new', 'rec-1')).toBe(true);
  });

  for (const subject of [COMPENSATE, BEST_EFFORT_SESSIONS, BEST_EFFORT_ARTIFACTS]) {
    for (const [phase, auth, second, where] of DIRECTIONS) {
      it(`leaves an orphan in ${auth} after a crash between the writes, which verify finds and ${auth === 'old' ? 'backfill' : 'reverse-sync'} repairs, under ${subject.label} in ${where}`, async () => {
        const rig = await rigAt(subject, phase, authority(phase, auth));
        rig.rehearsal.faults.add({ kind: 'crash', point: 'between-writes', once: true });
        await expect(subject.write(rig, 'rec-1')).rejects.toThrow(/crashed at between-writes/);
        const reopened = await rig.open();
        expect(subject.has(rig, auth, 'rec-1')).toBe(true);
        expect(subject.has(rig, second, 'rec-1')).toBe(false);
        // The reopen knows a dual write may have been cut in half: the guard wants a fresh verify.
        expect(reopened.control.divergenceEvents).toBe(1);
        const report = await reopened.verify();
        expect(auth === 'old' ? report.totals.oldOnly : report.totals.newOnly).toBe(1);
        await (auth === 'old' ? reopened.backfill : reopened.reverseSync).run();
        expect((await reopened.verify()).totals).toMatchObject({ total: 1, consistent: 1 });
      });
    }
  }

  it('loses a write committed in memory but never persisted (crash before persist) on every policy', async () => {
    for (const subject of SUBJECTS) {
      const rig = await rigAt(subject, 'dual-write');
      expect((await subject.write(rig, 'rec-kept')).outcome).toBe('ok');
      rig.rehearsal.faults.add({ kind: 'crash', point: 'before-persist', once: true });
      await expect(subject.write(rig, 'rec-1')).rejects.toThrow(/crashed at before-persist/);
      await rig.open();
      expect(subject.has(rig, 'old', 'rec-1'), subject.label).toBe(false);
      expect(subject.has(rig, 'new', 'rec-1'), subject.label).toBe(false);
      expect(subject.has(rig, 'old', 'rec-kept'), subject.label).toBe(true);
      expect(subject.has(rig, 'new', 'rec-kept'), subject.label).toBe(true);
    }
  });
});

describe('failing compensation in read-new', () => {
  it('reports info and leaves the orphan in new, which reverse-sync carries to old, with new authoritative', async () => {
    const rig = await rigAt(COMPENSATE, 'read-new', authority('read-new', 'new'));
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true });
    onFirstFault(rig, 'write-error', () => rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true }));
    const w = await COMPENSATE.write(rig, 'job-1');
    expect(w.outcome).toBe('info');
    expect(w.observations.map((o) => [o.access, o.side, o.ok])).toEqual([
      ['write', 'new', true],
      ['write', 'old', false],
      ['compensate', 'new', false],
    ]);
    expect(COMPENSATE.has(rig, 'new', 'job-1')).toBe(true);
    expect(COMPENSATE.has(rig, 'old', 'job-1')).toBe(false);
    // Indeterminate, and in fact visible: the read path serves it.
    expect((await COMPENSATE.read(rig, 'job-1')).rows).toHaveLength(1);
    expect((await rig.rehearsal.verify()).totals.newOnly).toBe(1);
    await rig.rehearsal.reverseSync.run();
    expect((await rig.rehearsal.verify()).totals).toMatchObject({ total: 1, consistent: 1 });
  });

  it('reports info and leaves the orphan in old, which backfill carries to new, with old authoritative (seed 002)', async () => {
    const rig = await rigAt(COMPENSATE, 'read-new', authority('read-new', 'old'));
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    onFirstFault(rig, 'write-error', () => rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true }));
    const w = await COMPENSATE.write(rig, 'job-1');
    expect(w.outcome).toBe('info');
    expect(w.observations.map((o) => [o.access, o.side, o.ok])).toEqual([
      ['write', 'old', true],
      ['write', 'new', false],
      ['compensate', 'old', false],
    ]);
    expect(w.note).toMatch(/old holds an orphan until backfill repairs it/);
    expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total', { result: 'compensation_failed', authoritative: 'old' })).toBe(1);
    expect(COMPENSATE.has(rig, 'old', 'job-1')).toBe(true);
    expect(COMPENSATE.has(rig, 'new', 'job-1')).toBe(false);
    // Indeterminate; new has no row for it, so the read falls back to old and serves it.
    const read = await COMPENSATE.read(rig, 'job-1');
    expect(read).toMatchObject({ servedBy: 'old', fallback: 'empty' });
    expect(read.rows).toHaveLength(1);
    expect((await rig.rehearsal.verify()).totals.oldOnly).toBe(1);
    await rig.rehearsal.backfill.run();
    expect((await rig.rehearsal.verify()).totals).toMatchObject({ total: 1, consistent: 1 });
    expect((await COMPENSATE.read(rig, 'job-1')).servedBy).toBe('new');
  });
});

describe('atomic writes and faults on the other side', () => {
  it('does not use up a once fault on the second side when the first side already failed the transaction', async () => {
    const rig = await rigAt(ATOMIC, 'dual-write');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', once: true });
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', once: true });
    const first = await ATOMIC.write(rig, 'rec-1');
    expect(first.outcome).toBe('fail');
    // Old's fault fired (and is gone); new's was never reached and is still armed.
    expect(rig.rehearsal.faults.list().map((f) => [f.side, f.fired])).toEqual([['new', 0]]);
    const second = await ATOMIC.write(rig, 'rec-2');
    expect(second.outcome).toBe('fail');
    expect(second.observations.some((o) => o.side === 'new' && o.error?.kind === 'injected')).toBe(true);
    expect(rig.rehearsal.faults.list()).toEqual([]);
  });
});
