/**
 * Starting records: a rehearsal that begins with records in the old schema that no operation of
 * the history made. They are committed data: backfill copies them, and the history check holds
 * every one of them to its first state, so a drop before the backfill is caught.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import type { BackendWrite, KeyValueBackend } from '../../src/engine/durability/types.ts';
import { createRandom } from '../../src/engine/random.ts';
import { Rehearsal } from '../../src/engine/rehearsal.ts';
import { STARTING_IMAGE } from '../../src/engine/actions/starting-records.ts';
import { Driver } from '../../src/harness/driver.ts';
import { SIMULATION_EPOCH_MS } from '../../src/harness/simulate.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { nodeSql } from '../support/node.ts';
import { scenarioFor } from '../support/rig.ts';

const sql = await nodeSql();
const scenario = scenarioFor('job-keys', sql);
const COUNT = 2_000;

function ports(backend: KeyValueBackend = new MemoryBackend()) {
  return { sql, backend, digest: webCryptoSha256, clock: new VirtualClock(SIMULATION_EPOCH_MS) };
}

const count = (r: Rehearsal, side: 'old' | 'new'): number => Number(r.database(side).query(`SELECT count(*) AS n FROM (${scenario.collections.jobs?.rows[side] ?? ''})`)[0]?.n);

function driver(backend = new MemoryBackend()): Driver {
  return new Driver({ scenario, seed: 7, durability: 'strict', ports: ports(backend), random: createRandom(7), id: 'test', startingRecords: { operation: 'enqueue', count: COUNT } });
}

describe('starting records', () => {
  it('loads them into old, versioned, before anything else; a reopen keeps them and loads nothing again', async () => {
    const backend = new MemoryBackend();
    const progress: number[] = [];
    const options = { scenario, id: 'test', seed: 7, durability: 'strict' as const, ports: ports(backend), startingRecords: { operation: 'enqueue', count: COUNT }, onStartingRecords: (p: { done: number }) => void progress.push(p.done) };
    const r = await Rehearsal.open(options);
    expect(count(r, 'old')).toBe(COUNT);
    expect(count(r, 'new')).toBe(0);
    expect(Number(r.database('old').query(`SELECT count(*) AS n FROM __cutover_versions_old WHERE collection = 'jobs'`)[0]?.n)).toBe(COUNT);
    expect(r.control.startingRecords).toMatchObject({ operation: 'enqueue', count: COUNT, status: 'loaded', records: { jobs: COUNT } });
    expect(progress.at(-1)).toBe(COUNT);
    // Keys come from a seq range of their own: the workload's job-1, job-2 … never collide with them.
    expect(r.database('old').query(`SELECT min(json_extract(value, '$.job_id')) AS k FROM kv WHERE key LIKE 'ai:jobs:%'`)[0]?.k).toBe('job-1000000001');
    r.crash();
    progress.length = 0;
    const again = await Rehearsal.open(options);
    expect(count(again, 'old')).toBe(COUNT);
    expect(progress).toEqual([]);
    await again.close();
  });

  it('refuses an operation that cannot make a whole record, naming the ones that can', async () => {
    await expect(Rehearsal.open({ scenario, id: 'x', seed: 1, durability: 'strict', ports: ports(), startingRecords: { operation: 'updateStatus', count: 10 } })).rejects.toThrow(
      'the starting records cannot be made: "updateStatus" does not make a whole record (starting records come from an insert or upsert write): choose one of enqueue',
    );
    await expect(Rehearsal.open({ scenario, id: 'x', seed: 1, durability: 'strict', ports: ports(), startingRecords: { operation: 'enqueue', count: 0 } })).rejects.toThrow(/the count must be a whole number from 1 to 2,000,000/);
  });

  it('a crash after the image was stored and before the old file took it installs it at the next open', async () => {
    const backend = new MemoryBackend();
    let refuse = true;
    // Storage refuses the journal entry that carries the image (the old file's replacement), once.
    const flaky: KeyValueBackend = {
      get: (key) => backend.get(key),
      keys: (prefix) => backend.keys(prefix),
      write: (change: BackendWrite) => {
        if (refuse && (change.set ?? []).some(([key, value]) => key.includes('/j/') && (value as { image?: unknown }).image !== undefined)) {
          refuse = false;
          return Promise.reject(new Error('disk full'));
        }
        return backend.write(change);
      },
    };
    const options = { scenario, id: 'test', seed: 7, durability: 'strict' as const, ports: ports(flaky), startingRecords: { operation: 'enqueue', count: 500 } };
    await expect(Rehearsal.open(options)).rejects.toThrow(/disk full/);
    expect(await backend.get(`rehearsal/test/backup/${STARTING_IMAGE}`)).toBeDefined();
    const r = await Rehearsal.open({ ...options, ports: ports(backend) });
    expect(count(r, 'old')).toBe(500);
    expect(r.control.startingRecords?.status).toBe('loaded');
    await r.close();
  });

  it('a whole walk with a backfill keeps every starting record, and reads of them are no surprise to the checker', async () => {
    const d = driver();
    await d.open();
    await d.seed();
    const [row] = d.rehearsal.database('old').query(`SELECT json_extract(value, '$.job_id') AS job_id, json_extract(value, '$.workspace_id') AS ws FROM kv WHERE key LIKE 'ai:jobs:job-1%' ORDER BY key LIMIT 1`);
    // A read and an update of a starting record, neither made by the history.
    expect((await d.invoke({ name: 'getJob', kind: 'read', params: { job_id: row?.job_id ?? null, workspace_id: row?.ws ?? null } }))?.rows).toHaveLength(1);
    expect((await d.invoke({ name: 'updateStatus', kind: 'write', params: { job_id: row?.job_id ?? null, workspace_id: row?.ws ?? null, status: 'running', result: null, updated_at: '2025-11-13 10:00:00' } }))?.outcome).toBe('ok');
    for (let i = 0; i < 60; i++) await d.invoke(d.workload.next());
    while (d.rehearsal.phase !== 'old-dropped') {
      const move = await d.moveForward();
      expect(move?.ok, JSON.stringify(move?.reasons)).toBe(true);
      for (let i = 0; i < 20; i++) await d.invoke(d.workload.next());
    }
    expect(count(d.rehearsal, 'new')).toBeGreaterThanOrEqual(COUNT);
    const report = await d.checkHistory();
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.starting).toMatchObject({ records: COUNT, missing: 0, changed: 0 });
    expect(report.starting?.untouched).toBeGreaterThan(COUNT - 10);
    expect(report.valid).toBe(true);
  });

  it('starting records deleted behind the history are missing; before a backfill, new-only still finds the rest through its fallback to old', async () => {
    const d = driver();
    await d.open();
    await d.seed();
    await d.rehearsal.consoleWrite('old', `DELETE FROM kv WHERE key IN ('ai:jobs:job-1000000003', 'ai:jobs:job-1000000004')`);
    // (The drop itself refuses without a backfill, force or not; new-only reads new, then old.)
    for (const to of ['dual-write', 'shadow', 'read-new', 'new-only'] as const) {
      const move = await d.rehearsal.movePhase(to, { force: true });
      expect(move.ok, `${to}: ${move.reasons.join('; ')}`).toBe(true);
    }
    expect(count(d.rehearsal, 'new')).toBe(0);
    const report = await d.checkHistory();
    expect(report.valid).toBe(false);
    expect(report.starting).toMatchObject({ records: COUNT, untouched: COUNT, missing: 2, changed: 0 });
    expect(report.starting?.examples.map((e) => [e.key, e.found])).toEqual([
      ['["job-1000000003"]', null],
      ['["job-1000000004"]', null],
    ]);
  });

  it('a starting record changed behind the history (the console) is reported changed', async () => {
    const d = driver();
    await d.open();
    await d.rehearsal.consoleWrite('old', `UPDATE kv SET value = json_set(value, '$.status', 'tampered') WHERE key = 'ai:jobs:job-1000000002'`);
    const report = await d.checkHistory();
    expect(report.starting).toMatchObject({ missing: 0, changed: 1 });
    expect(report.starting?.examples[0]).toMatchObject({ key: '["job-1000000002"]', found: { status: 'tampered' }, expected: { status: 'queued' } });
    expect(report.valid).toBe(false);
  });
});
