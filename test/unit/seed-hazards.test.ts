/**
 * What the seeds' own tests did not catch, reproduced on the built-in scenarios.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { nodeSql } from '../support/node.ts';
import { openRig } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

describe('hazards the seeds hide', () => {
  it("seed 002: get_job with another workspace's id falls back to the flat key and returns that workspace's job", async () => {
    const rig = await openRig(sql, 'job-keys');
    const r = rig.rehearsal;
    // A job enqueued before the flag: only the flat key ai:jobs:{job_id} exists.
    await r.execute('enqueue', { job_id: 'job-7', workspace_id: 'ws-acme', kind: 'embed', result: null, created_at: '2025-11-13 09:00:00' });
    await rig.forceTo('read-new');
    // Another workspace asks for job-7: the scoped key misses, the fallback key has no workspace in it.
    const read = await r.execute('getJob', { job_id: 'job-7', workspace_id: 'ws-globex' });
    expect(read.fallback).toBe('empty');
    expect(read.servedBy).toBe('old');
    expect(read.rows?.[0]?.workspace_id).toBe('ws-acme');
  });

  it('seed 003: a best-effort JSON write that failed is missing when a SQLite read error falls back to JSON', async () => {
    const rig = await openRig(sql, 'session-json');
    const r = rig.rehearsal;
    await rig.forceTo('read-new');
    // SQLite (new) is authoritative in read-new; the JSON write fails and is only logged.
    r.faults.add({ kind: 'write-error', side: 'old', once: true });
    const created = await r.execute('createSession', { workspace_path: '/w', session_id: 's1', task: 't', runtime: 'claude', instances: '[]', created_at: '2025-11-13 09:00:00' });
    expect(created.outcome).toBe('ok');
    expect(created.note).toMatch(/best-effort/);
    // A read error on SQLite falls back to JSON, which never got the session.
    r.faults.add({ kind: 'read-error', side: 'new', once: true });
    const read = await r.execute('getAllSessions', { workspace_path: '/w' });
    expect(read).toMatchObject({ outcome: 'ok', servedBy: 'old', fallback: 'error' });
    expect(read.rows).toEqual([]);
    // Reverse-sync repairs the JSON side; the same fallback now finds it.
    await r.reverseSync.run();
    r.faults.add({ kind: 'read-error', side: 'new', once: true });
    expect((await r.execute('getAllSessions', { workspace_path: '/w' })).rows).toHaveLength(1);
  });
});
