/**
 * The worker's host publishes events and state to the page. When that publisher fails (the page's
 * listener throws), the error is counted by the rehearsal and reported as an error in the log it
 * sends next — never swallowed.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { createEngineHost } from '../../src/worker/engine-host.ts';
import type { EngineState, WorkerEvent } from '../../src/worker/protocol.ts';
import { nodeSql } from '../support/node.ts';

describe('engine host', () => {
  it('counts and reports an error thrown by the page listener instead of swallowing it', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const host = createEngineHost({ sql: await nodeSql(), backend: new MemoryBackend(), digest: webCryptoSha256, clock, lock: async () => ({ release: async () => undefined }) });
    const delivered: WorkerEvent[] = [];
    let failNext = true;
    await host.subscribe((events) => {
      if (failNext) {
        failNext = false;
        throw new Error('page listener broke');
      }
      delivered.push(...events);
    });
    await host.open({ rehearsalId: 'raised', scenarioId: 'job-keys', durability: 'strict', seed: 1 });
    // A phase move's events: the first batch goes to the broken listener; the report comes in a later one.
    await host.movePhase('dual-write', {});
    await clock.sleep(60);
    await clock.sleep(60);
    const reports = delivered.filter((e) => e.type === 'log' && e.level === 'error');
    expect(reports.map((e) => (e.type === 'log' ? e.message : ''))).toEqual([expect.stringMatching(/raised by a publisher.*page listener broke/)]);
    const metrics = await host.metrics();
    expect(metrics.counters.find((c) => c.name === 'cutover_raised_total')).toMatchObject({ labels: { where: 'publisher' }, value: 1 });
    await host.close();
  });
});

describe('the workload after a kill', () => {
  it('never hands out a {seq} an engine that was killed may have used (no job id twice)', async () => {
    const backend = new MemoryBackend();
    const sql = await nodeSql();
    const ports = { sql, backend, digest: webCryptoSha256, lock: async () => ({ release: async () => undefined }) };
    const jobIds = async (host: ReturnType<typeof createEngineHost>, count: number): Promise<string[]> =>
      (await host.planWorkload(count)).filter((p) => p.name === 'enqueue').map((p) => String(p.params['job_id']));
    const first = createEngineHost({ ...ports, clock: new VirtualClock(1_700_000_000_000) });
    await first.open({ rehearsalId: 'seq', scenarioId: 'job-keys', durability: 'strict', seed: 1 });
    for (let done = 0, batch = await first.nextSeeds(0); batch.length > 0; batch = await first.nextSeeds(done)) {
      for (const p of batch) await first.execute(p.name, p.params);
      done += batch.length;
    }
    const used = await jobIds(first, 200);
    // Killed each time before running 50 operations: no close, nothing saved beyond what was
    // stored as it happened. New engines open it, one after the other.
    for (let incarnation = 2; incarnation <= 4; incarnation++) {
      const next = createEngineHost({ ...ports, clock: new VirtualClock(1_700_000_000_000 + incarnation * 100_000) });
      await next.open({ rehearsalId: 'seq', durability: 'strict' });
      const ids = await jobIds(next, 200);
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.filter((id) => used.includes(id))).toEqual([]);
      used.push(...ids);
    }
  });
});

describe('the shadow gate on the page', () => {
  it('pushes a state after shadow reads (at most every half second) whose next guard counts them', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const host = createEngineHost({ sql: await nodeSql(), backend: new MemoryBackend(), digest: webCryptoSha256, clock, lock: async () => ({ release: async () => undefined }) });
    const states: EngineState[] = [];
    await host.subscribe((events) => {
      for (const e of events) if (e.type === 'state') states.push(e.state);
    });
    await host.open({ rehearsalId: 'shadow-gate', scenarioId: 'job-keys', durability: 'strict', seed: 1 });
    for (let done = 0, batch = await host.nextSeeds(0); batch.length > 0; batch = await host.nextSeeds(done)) {
      for (const p of batch) await host.execute(p.name, p.params);
      done += batch.length;
    }
    await host.movePhase('dual-write', { force: true });
    await host.movePhase('shadow', { force: true });
    await clock.sleep(600);
    states.length = 0;
    const reads = (await host.planWorkload(60)).filter((p) => p.kind === 'read').slice(0, 5);
    expect(reads).toHaveLength(5);
    for (const p of reads) await host.execute(p.name, p.params);
    expect(states).toEqual([]);
    await clock.sleep(600);
    expect(states).toHaveLength(1);
    expect(states[0]?.nextGuard?.shadow).toMatchObject({ reads: 5, minReads: 20, enoughReads: false });
    expect(states[0]?.control.shadowWindow).toMatchObject({ reads: 5, since: 'shadow' });
    await host.close();
  });
});
