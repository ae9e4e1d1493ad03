/**
 * The worker's side of share links: `checkShare` validates a link's scenario and plan for its
 * preview (problems at their paths in the link, nothing stored), and `shareable` gives the open
 * rehearsal's scenario and seed, which round-trip through a link into a new rehearsal.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { decodeShare, encodeShare } from '../../src/ui/share/share-link.ts';
import { createEngineHost } from '../../src/worker/engine-host.ts';
import { nodeSql } from '../support/node.ts';

const scenario = BUILT_IN_SCENARIOS['job-keys']!;

async function host(backend = new MemoryBackend()) {
  return createEngineHost({ sql: await nodeSql(), backend, digest: webCryptoSha256, clock: new VirtualClock(1_700_000_000_000), lock: async () => ({ release: async () => undefined }) });
}

describe('checkShare', () => {
  it('accepts a scenario (a built-in one too) with its plan, and says its steps in words', async () => {
    const h = await host();
    const check = await h.checkShare(scenario, { format: 1, scenario: 'job-keys', steps: [{ kind: 'move', to: 'dual-write' }] });
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.info.title).toBe(scenario.title);
    expect(check.steps.map((s) => s.description)).toEqual([expect.stringContaining('dual-write')]);
  });

  it('refuses a bad scenario or plan with problems at their paths in the link, storing nothing', async () => {
    const backend = new MemoryBackend();
    const h = await host(backend);
    const bad = await h.checkShare({ ...scenario, id: "x'; DROP TABLE jobs; --" });
    expect(bad).toEqual({ ok: false, problems: expect.arrayContaining([expect.objectContaining({ path: 'scenario.id' })]) });
    const badPlan = await h.checkShare(scenario, { format: 1, scenario: 'job-keys', steps: [{ kind: 'move', to: 'nowhere' }] });
    expect(badPlan).toEqual({ ok: false, problems: expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^plan\.steps\[0\]/) })]) });
    expect(await backend.keys('')).toEqual([]);
  });
});

describe('shareable', () => {
  it("gives the open rehearsal's scenario and seed; through a link they open a new rehearsal of that scenario", async () => {
    const backend = new MemoryBackend();
    const h = await host(backend);
    const user = { ...scenario, id: 'my-jobs', title: 'My jobs' };
    await h.open({ rehearsalId: 'mine', scenario: user, durability: 'strict', seed: 9 });
    const shared = await h.shareable();
    expect(shared).toEqual({ scenario: user, seed: 9 });
    const link = await decodeShare(await encodeShare(shared));
    if (!link.ok) throw new Error(link.reason);
    const check = await h.checkShare(link.value.scenario);
    if (!check.ok) throw new Error('refused');
    await h.open({ rehearsalId: 'from-link', scenario: check.scenario, durability: 'strict', ...(link.value.seed === undefined ? {} : { seed: link.value.seed }) });
    expect(await h.list()).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'from-link', scenarioId: 'my-jobs', title: 'My jobs', phase: 'old-only' })]));
    await h.close();
  });
});
