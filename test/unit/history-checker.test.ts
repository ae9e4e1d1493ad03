/**
 * The history checker (Jepsen's set checker, generalised) on hand-built histories of job-keys,
 * and end to end: it must find the writes `unsafe-ack-first` loses in a crash, and none in `strict`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkHistory, finalReads, type FinalObservation } from '../../src/engine/checks/history-checker.ts';
import type { Scenario } from '../../src/engine/scenario/format.ts';
import type { Params, Row, SqlEngine } from '../../src/engine/sql.ts';
import { HistoryBuilder } from '../support/history-builder.ts';
import { nodeSql } from '../support/node.ts';
import { Rig, scenarioFor } from '../support/rig.ts';

let sql: SqlEngine;
let scenario: Scenario;
beforeAll(async () => {
  sql = await nodeSql();
  scenario = scenarioFor('job-keys', sql);
});
const jobKeys = (): Scenario => scenario;

// ---------------------------------------------------------------------------------------------
// Building histories of job-keys by hand

const WS = 'ws-acme';

const enqueue = (job: string, createdAt = '2025-11-13 10:00:00'): Params => ({ job_id: job, workspace_id: WS, kind: 'embed', result: null, created_at: createdAt });
const update = (job: string, status: string, result: string | null, updatedAt: string): Params => ({ job_id: job, workspace_id: WS, status, result, updated_at: updatedAt });
const getJob = (job: string): Params => ({ job_id: job, workspace_id: WS });

/** A job as getJob returns it. */
function job(id: string, fields: Partial<Record<'status' | 'result' | 'created_at' | 'updated_at' | 'kind', string>> = {}): Row {
  const created = fields.created_at ?? '2025-11-13 10:00:00';
  return { job_id: id, workspace_id: WS, kind: fields.kind ?? 'embed', status: fields.status ?? 'queued', result: fields.result ?? '', created_at: created, updated_at: fields.updated_at ?? created };
}

/** A history with a clock; invocations and completions are recorded in the order the test calls them. */
class Hist extends HistoryBuilder {
  constructor(scenario: Scenario = jobKeys()) {
    super(scenario);
  }

  /** The check with what each final read returns, by job id (missing: no rows). */
  check(finalRows: Record<string, readonly Row[]> = {}) {
    const finals: FinalObservation[] = finalReads(this.scenario, this.h.ops).map((r) => ({ ...r, rows: finalRows[String(r.params.job_id)] ?? [] }));
    return checkHistory(this.scenario, this.h.ops, finals);
  }
}

describe('the history checker on hand-built histories', () => {
  it('knows every value a long-lived record ever had: 100 updates, then reads of the latest and of an old one', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    let last = job('job-1');
    for (let i = 1; i <= 100; i++) {
      const at = `2025-11-13 10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
      h.run('updateStatus', update('job-1', i % 2 ? 'running' : 'queued', `r${i}`, at));
      last = job('job-1', { status: i % 2 ? 'running' : 'queued', result: `r${i}`, updated_at: at });
    }
    h.run('getJob', getJob('job-1'), 'ok', [last]);
    // A value from long ago is stale, not unexpected: some write produced it.
    h.run('getJob', getJob('job-1'), 'ok', [job('job-1', { status: 'running', result: 'r1', updated_at: '2025-11-13 10:00:01' })]);
    const report = h.check({ 'job-1': [last] });
    expect(report.unexpected).toEqual([]);
    expect(report.lost).toEqual([]);
    expect(report.staleReads).toBe(1);
    expect(report.undecided).toBe(0);
    expect(report.valid).toBe(true);
  });

  it('does not accuse a record whose possible states outgrow the bound (many indeterminate appends), counts it as undecided, and still finds a value never written', () => {
    const sessions = scenarioFor('session-json', sql);
    const h = new Hist(sessions);
    const ws = '/home/dev/acme-api';
    h.run('createSession', { workspace_path: ws, session_id: 'sess-1', task: 'plan', runtime: 'claude', instances: '[]', created_at: '2025-11-13 10:00:00' });
    // Eight appends cut short by crashes: any subset may have landed, 2^8 states.
    const appends: { role: string; content: string }[] = [];
    for (let i = 1; i <= 8; i++) {
      appends.push({ role: 'user', content: `m${i}` });
      h.indeterminate(h.invoke('appendChatMessage', { session_id: 'sess-1', workspace_path: ws, role: 'user', content: `m${i}`, updated_at: `2025-11-13 10:00:0${i}` }));
    }
    const row = (messages: unknown[], updatedAt: string): Row => ({ session_id: 'sess-1', workspace_path: ws, task: 'plan', status: 'active', runtime: 'claude', instances: '[]', messages: JSON.stringify(messages), created_at: '2025-11-13 10:00:00', updated_at: updatedAt });
    const check = (rows: Row[]) => checkHistory(sessions, h.h.ops, finalReads(sessions, h.h.ops).map((f) => ({ ...f, rows })));
    // Messages 1, 2, 5 and 8 landed: a state the bounded set may not hold.
    const someCombination = row([appends[0], appends[1], appends[4], appends[7]], '2025-11-13 10:00:08');
    expect(check([someCombination])).toMatchObject({ lost: [], unexpected: [], undecided: 1 });
    // Not found at all: not accused either, but counted as undecided.
    expect(check([])).toMatchObject({ lost: [], undecided: 1 });
    const never = row([{ role: 'user', content: 'nobody wrote this' }], '2025-11-13 10:00:03');
    expect(check([never]).unexpected).toHaveLength(1);
  });

  it('plans one final getJob per record written, with the record key and its workspace', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.run('updateStatus', update('job-1', 'running', null, '2025-11-13 10:00:01'));
    h.run('enqueue', enqueue('job-2'));
    expect(finalReads(scenario, h.h.ops)).toEqual([
      { collection: 'jobs', read: 'getJob', params: getJob('job-1') },
      { collection: 'jobs', read: 'getJob', params: getJob('job-2') },
    ]);
  });

  it('accepts a history whose final reads show every acknowledged write', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.run('updateStatus', update('job-1', 'running', 'half', '2025-11-13 10:00:01'));
    const report = h.check({ 'job-1': [job('job-1', { status: 'running', result: 'half', updated_at: '2025-11-13 10:00:01' })] });
    expect(report).toMatchObject({ valid: true, lost: [], unexpected: [], duplicates: [], acknowledgedWrites: 2, writes: 2, recovered: 0 });
  });

  it('reports an acknowledged write missing from the final read as lost, naming its operation', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    const lostOp = h.run('enqueue', enqueue('job-2'));
    const report = h.check({ 'job-1': [job('job-1')] });
    expect(report.valid).toBe(false);
    expect(report.lost).toHaveLength(1);
    expect(report.lost[0]).toMatchObject({
      collection: 'jobs',
      key: '["job-2"]',
      operation: { index: lostOp.index, name: 'enqueue', params: enqueue('job-2'), phase: 'old-only' },
      found: null,
    });
    expect(report.lost[0]?.expected).toEqual([{ workspace_id: WS, kind: 'embed', status: 'queued', result: '', created_at: '2025-11-13 10:00:00', updated_at: '2025-11-13 10:00:00' }]);
  });

  it('reports an older value in place of an acknowledged update as a lost write, naming the update', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    const upd = h.run('updateStatus', update('job-1', 'completed', 'done', '2025-11-13 10:00:02'));
    const report = h.check({ 'job-1': [job('job-1')] });
    expect(report.lost.map((l) => [l.key, l.operation.index, l.operation.name])).toEqual([['["job-1"]', upd.index, 'updateStatus']]);
    expect(report.unexpected).toEqual([]);
  });

  it('reports a value no write produced as unexpected, not as lost', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    const report = h.check({ 'job-1': [job('job-1', { status: 'exploded' })] });
    expect(report.valid).toBe(false);
    expect(report.lost).toEqual([]);
    // With the one state the history allows there: the job as enqueued.
    expect(report.unexpected).toEqual([{ collection: 'jobs', key: '["job-1"]', found: expect.objectContaining({ status: 'exploded' }), where: 'final', allowed: [expect.objectContaining({ status: 'queued' })] }]);
  });

  it('reports a record no write ever named as unexpected', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    const report = h.check({ 'job-1': [job('job-1'), job('job-ghost')] });
    expect(report.unexpected.map((u) => [u.key, u.where])).toEqual([['["job-ghost"]', 'final']]);
    expect(report.valid).toBe(false);
  });

  it('counts an indeterminate write that turned up as recovered, not lost', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    const op = h.invoke('updateStatus', update('job-1', 'running', null, '2025-11-13 10:00:01'));
    h.indeterminate(op);
    const report = h.check({ 'job-1': [job('job-1', { status: 'running', updated_at: '2025-11-13 10:00:01' })] });
    expect(report).toMatchObject({ valid: true, recovered: 1, lost: [], unexpected: [], indeterminateWrites: 1, acknowledgedWrites: 1 });
  });

  it('counts an indeterminate insert of a new record that turned up as recovered', () => {
    const h = new Hist();
    const op = h.invoke('enqueue', enqueue('job-1'));
    h.indeterminate(op);
    const report = h.check({ 'job-1': [job('job-1')] });
    expect(report).toMatchObject({ valid: true, recovered: 1, lost: [] });
  });

  it('does not report an indeterminate write that did not turn up as lost', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    const op = h.invoke('updateStatus', update('job-1', 'running', null, '2025-11-13 10:00:01'));
    h.indeterminate(op);
    const report = h.check({ 'job-1': [job('job-1')] });
    expect(report).toMatchObject({ valid: true, recovered: 0, lost: [], unexpected: [], indeterminateWrites: 1 });
  });

  it('does not report an indeterminate insert that never happened as lost', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    const op = h.invoke('enqueue', enqueue('job-2'));
    h.indeterminate(op);
    const report = h.check({ 'job-1': [job('job-1')] });
    expect(report).toMatchObject({ valid: true, recovered: 0, lost: [] });
  });

  it('treats a pending write (never completed) like an indeterminate one', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.invoke('updateStatus', update('job-1', 'running', null, '2025-11-13 10:00:01'));
    expect(h.check({ 'job-1': [job('job-1')] })).toMatchObject({ valid: true, lost: [], indeterminateWrites: 1 });
    expect(h.check({ 'job-1': [job('job-1', { status: 'running', updated_at: '2025-11-13 10:00:01' })] })).toMatchObject({ valid: true, lost: [], recovered: 1 });
  });

  it('gives a failed write no effect: its absence is not lost', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.run('updateStatus', update('job-1', 'running', null, '2025-11-13 10:00:01'), 'fail');
    h.run('enqueue', enqueue('job-2'), 'fail');
    const report = h.check({ 'job-1': [job('job-1')] });
    expect(report).toMatchObject({ valid: true, lost: [], unexpected: [], failedWrites: 2, acknowledgedWrites: 1 });
  });

  it("reports a failed update's value appearing in the final read as unexpected", () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.run('updateStatus', update('job-1', 'running', null, '2025-11-13 10:00:01'), 'fail');
    const report = h.check({ 'job-1': [job('job-1', { status: 'running', updated_at: '2025-11-13 10:00:01' })] });
    expect(report.valid).toBe(false);
    expect(report.unexpected.map((u) => [u.key, u.found?.status])).toEqual([['["job-1"]', 'running']]);
    expect(report.recovered).toBe(0);
  });

  it("reports a record whose only write failed, turning up in a final read, as unexpected (session-json)", () => {
    // getAllSessions lists a whole workspace, so the final read of sess-1's workspace also
    // returns sess-2 if the failed createSession had an effect after all.
    const sessions = scenarioFor('session-json', sql);
    const create = (id: string): Params => ({ workspace_path: '/home/dev/acme-api', session_id: id, task: 'plan', runtime: 'claude', instances: '[]', created_at: '2025-11-13 10:00:00' });
    const row = (id: string): Row => ({ session_id: id, workspace_path: '/home/dev/acme-api', task: 'plan', status: 'active', runtime: 'claude', instances: '[]', messages: '[]', created_at: '2025-11-13 10:00:00', updated_at: '2025-11-13 10:00:00' });
    const h = new Hist(sessions);
    h.run('createSession', create('sess-1'));
    h.run('createSession', create('sess-2'), 'fail');
    const finals = finalReads(sessions, h.h.ops);
    expect(finals).toEqual([{ collection: 'sessions', read: 'getAllSessions', params: { workspace_path: '/home/dev/acme-api' } }]);
    const report = checkHistory(
      sessions,
      h.h.ops,
      finals.map((f) => ({ ...f, rows: [row('sess-1'), row('sess-2')] })),
    );
    expect(report.unexpected.map((u) => [u.key, u.where])).toEqual([['["sess-2"]', 'final']]);
    expect(report.valid).toBe(false);
  });

  it('plans a final read for a record whose only write failed, so an effect it had after all is found (job-keys)', () => {
    // getJob needs the workspace, which only the failed enqueue's parameters name.
    const h = new Hist();
    h.run('enqueue', enqueue('job-2'), 'fail');
    const finals = finalReads(scenario, h.h.ops);
    expect(finals).toEqual([{ collection: 'jobs', read: 'getJob', params: getJob('job-2') }]);
    const report = checkHistory(scenario, h.h.ops, finals.map((f) => ({ ...f, rows: [job('job-2')] })));
    expect(report.unexpected.map((u) => u.key)).toEqual(['["job-2"]']);
  });

  it("reports a read during the run that returns a failed write's value as unexpected", () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.run('updateStatus', update('job-1', 'failed', 'boom', '2025-11-13 10:00:01'), 'fail');
    const read = h.run('getJob', getJob('job-1'), 'ok', [job('job-1', { status: 'failed', result: 'boom', updated_at: '2025-11-13 10:00:01' })]);
    const report = h.check({ 'job-1': [job('job-1')] });
    expect(report.unexpectedReads).toBe(1);
    expect(report.unexpected).toEqual([expect.objectContaining({ key: '["job-1"]', where: read.index })]);
    expect(report.valid).toBe(false);
  });

  it('reports a record returned twice by one final read as a duplicate', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    const report = h.check({ 'job-1': [job('job-1'), job('job-1')] });
    expect(report.duplicates).toEqual([{ collection: 'jobs', key: '["job-1"]', count: 2 }]);
    expect(report.valid).toBe(false);
    expect(report.lost).toEqual([]);
  });

  it('counts a read that misses a write completed before it began as stale (not invalid)', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.run('getJob', getJob('job-1'), 'ok', []);
    const report = h.check({ 'job-1': [job('job-1')] });
    expect(report.staleReads).toBe(1);
    expect(report.valid).toBe(true);
  });

  it('counts a read returning the value before a completed update as stale', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.run('updateStatus', update('job-1', 'completed', 'ok', '2025-11-13 10:00:01'));
    h.run('getJob', getJob('job-1'), 'ok', [job('job-1')]);
    const report = h.check({ 'job-1': [job('job-1', { status: 'completed', result: 'ok', updated_at: '2025-11-13 10:00:01' })] });
    expect(report.staleReads).toBe(1);
    expect(report.unexpectedReads).toBe(0);
  });

  it('does not count a read concurrent with a write as stale, whichever value it returns', () => {
    for (const rows of [[], [job('job-1')]]) {
      const h = new Hist();
      const w = h.invoke('enqueue', enqueue('job-1'));
      const r = h.invoke('getJob', getJob('job-1'));
      h.complete(w, 'ok');
      h.complete(r, 'ok', rows);
      const report = h.check({ 'job-1': [job('job-1')] });
      expect(report.staleReads, `read returning ${rows.length} rows`).toBe(0);
      expect(report.valid).toBe(true);
    }
  });

  it('does not count a read that sees an acknowledged write as stale', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.run('getJob', getJob('job-1'), 'ok', [job('job-1')]);
    expect(h.check({ 'job-1': [job('job-1')] }).staleReads).toBe(0);
  });

  it('requires the last of two sequential updates: the earlier value in the final read loses the later write', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.run('updateStatus', update('job-1', 'running', null, '2025-11-13 10:00:01'));
    const last = h.run('updateStatus', update('job-1', 'completed', 'r', '2025-11-13 10:00:02'));
    const report = h.check({ 'job-1': [job('job-1', { status: 'running', updated_at: '2025-11-13 10:00:01' })] });
    expect(report.lost.map((l) => l.operation.index)).toEqual([last.index]);
  });

  it('accepts either order for two concurrent updates (overlapping invoke and complete)', () => {
    const running = job('job-1', { status: 'running', updated_at: '2025-11-13 10:00:01' });
    const completed = job('job-1', { status: 'completed', result: 'r', updated_at: '2025-11-13 10:00:02' });
    for (const final of [running, completed]) {
      const h = new Hist();
      h.run('enqueue', enqueue('job-1'));
      const a = h.invoke('updateStatus', update('job-1', 'running', null, '2025-11-13 10:00:01'));
      const b = h.invoke('updateStatus', update('job-1', 'completed', 'r', '2025-11-13 10:00:02'));
      h.complete(a, 'ok');
      h.complete(b, 'ok');
      const report = h.check({ 'job-1': [final] });
      expect(report.lost, `final status ${String(final.status)}`).toEqual([]);
      expect(report.unexpected, `final status ${String(final.status)}`).toEqual([]);
      expect(report.valid).toBe(true);
    }
  });

  it('accepts a read after two concurrent updates seeing either order, without calling it stale', () => {
    const running = job('job-1', { status: 'running', updated_at: '2025-11-13 10:00:01' });
    const completed = job('job-1', { status: 'completed', result: 'r', updated_at: '2025-11-13 10:00:02' });
    for (const seen of [running, completed]) {
      const h = new Hist();
      h.run('enqueue', enqueue('job-1'));
      const a = h.invoke('updateStatus', update('job-1', 'running', null, '2025-11-13 10:00:01'));
      const b = h.invoke('updateStatus', update('job-1', 'completed', 'r', '2025-11-13 10:00:02'));
      h.complete(b, 'ok');
      h.complete(a, 'ok');
      h.run('getJob', getJob('job-1'), 'ok', [seen]);
      const report = h.check({ 'job-1': [seen] });
      expect(report.staleReads, `read status ${String(seen.status)}`).toBe(0);
      expect(report.lost, `final status ${String(seen.status)}`).toEqual([]);
    }
  });

  it('ignores records whose check read did not run (no final observation for them)', () => {
    const h = new Hist();
    h.run('enqueue', enqueue('job-1'));
    h.run('enqueue', enqueue('job-2'));
    const finals: FinalObservation[] = [{ collection: 'jobs', read: 'getJob', params: getJob('job-1'), rows: [job('job-1')] }];
    expect(checkHistory(scenario, h.h.ops, finals)).toMatchObject({ valid: true, lost: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: a driver, a real engine, a crash

describe('the history checker end to end on job-keys', () => {
  async function enqueueThenCrash(durability: 'unsafe-ack-first' | 'strict') {
    const rig = new Rig(sql, scenarioFor('job-keys', sql), { durability, seed: 11 });
    const driver = rig.driver();
    await driver.open();
    const outcomes: (string | undefined)[] = [];
    for (let i = 1; i <= 5; i++) {
      const r = await driver.invoke({ name: 'enqueue', kind: 'write', params: enqueue(`job-${i}`) });
      outcomes.push(r?.outcome);
    }
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    driver.rehearsal.crash();
    await driver.recover('now');
    return { driver, report: await driver.checkHistory() };
  }

  it("finds the acknowledged writes an 'unsafe-ack-first' crash loses", async () => {
    const { report, driver } = await enqueueThenCrash('unsafe-ack-first');
    expect(report.acknowledgedWrites).toBe(5);
    expect(report.lost.length).toBeGreaterThan(0);
    expect(report.valid).toBe(false);
    // Each lost write names the enqueue that was acknowledged.
    for (const l of report.lost) {
      expect(l.operation.name).toBe('enqueue');
      expect(l.found).toBeNull();
      expect(l.key).toBe(JSON.stringify([l.operation.params.job_id]));
    }
    expect(driver.crashes).toEqual(['now']);
  });

  it("finds no lost writes after a 'strict' crash, and every acknowledged job reads back", async () => {
    const { report, driver } = await enqueueThenCrash('strict');
    expect(report.acknowledgedWrites).toBe(5);
    expect(report.lost).toEqual([]);
    expect(report.valid).toBe(true);
    const back = await driver.rehearsal.execute('getJob', getJob('job-3'));
    expect(back.rows?.map((r) => r.job_id)).toEqual(['job-3']);
  });
});
