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
import type { WorkerEvent } from '../../src/worker/protocol.ts';
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
    // The first batch of events is delivered to the broken listener; the report comes in a later one.
    await clock.sleep(60);
    await clock.sleep(60);
    const reports = delivered.filter((e) => e.type === 'log' && e.level === 'error');
    expect(reports.map((e) => (e.type === 'log' ? e.message : ''))).toEqual([expect.stringMatching(/raised by a publisher.*page listener broke/)]);
    const metrics = await host.metrics();
    expect(metrics.counters.find((c) => c.name === 'cutover_raised_total')).toMatchObject({ labels: { where: 'publisher' }, value: 1 });
    await host.close();
  });
});
