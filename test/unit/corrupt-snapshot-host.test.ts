/**
 * The playground's "corrupt snapshot" action damages a snapshot the running engine wrote and
 * knows good (its checkpoints do not read back what they wrote: docs/design-notes.md). The host
 * tells the store, so the next checkpoint reads that generation back, finds it damaged and keeps
 * the one before with the journal since it: a later damaged snapshot still recovers everything.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { corruptNewestSnapshot } from '../../src/engine/durability/corrupt.ts';
import { createRandom } from '../../src/engine/random.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { createEngineHost } from '../../src/worker/engine-host.ts';
import { nodeSql } from '../support/node.ts';
import { WORKSPACE_ID } from '../support/operations.ts';

describe('the corrupt-snapshot action on a running engine', () => {
  it('makes the next checkpoint fall back past the damaged generation, so damage to the newest one later loses nothing', async () => {
    const backend = new MemoryBackend();
    const ports = { sql: await nodeSql(), backend, digest: webCryptoSha256, lock: async () => ({ release: async () => undefined }) };
    const host = createEngineHost({ ...ports, clock: new VirtualClock(1_700_000_000_000) });
    await host.open({ rehearsalId: 'corrupt', scenarioId: 'job-keys', durability: 'strict', seed: 1 });
    const generations = () => backend.allKeys().filter((k) => k.startsWith('rehearsal/corrupt/f/old/s/'));
    let n = 0;
    // Writes until `count` snapshots of old are stored (at most 500 writes: a checkpoint every 200 entries).
    const enqueueUntil = async (count: number) => {
      for (let i = 0; i < 500 && generations().length < count; i++) {
        const r = await host.execute('enqueue', { job_id: `job-${++n}`, workspace_id: WORKSPACE_ID, kind: 'embed', result: null, created_at: '2025-11-13 10:00:00' });
        expect(r.outcome).toBe('ok');
      }
    };
    // Two generations of old's file (a checkpoint every 200 journal entries: the file is small).
    await enqueueUntil(2);
    expect(generations()).toHaveLength(2);
    expect(await host.corruptSnapshot('bit-flip')).toMatch(/damaged snapshot generation 2 of "old"/);
    // The next checkpoint reads generation 2 back, finds it damaged, and keeps generation 1 (and 2).
    await enqueueUntil(3);
    expect(generations().map((k) => Number(k.split('/s/')[1]?.split('-')[0]))).toEqual([1, 2, 3]);
    // Then the newest is damaged at rest too, and the engine is killed (no close).
    const newest = await corruptNewestSnapshot(backend, 'rehearsal/corrupt', 'old', 'truncate', createRandom(1));
    expect(newest?.generation).toBe(3);

    const next = createEngineHost({ ...ports, clock: new VirtualClock(1_700_000_100_000) });
    const state = await next.open({ rehearsalId: 'corrupt', durability: 'strict' });
    expect(state.recoveryProblems.join('\n')).toMatch(/generation 3 .*truncated[\s\S]*generation 2 .*checksum[\s\S]*recovered "old" from snapshot generation 1/);
    const rows = await next.query('old', `SELECT count(*) AS n FROM kv WHERE key LIKE 'ai:jobs:job-%'`);
    expect(rows.rows).toEqual([[n]]);
    await next.close();
  });
});
