/**
 * Replaying a plan in the playground: the worker's host steps the runner `cutover-lab rehearse`
 * uses (PlanRun), on its own virtual clock and in-memory store, so Step by Step, Continue and the
 * CLI give the same figures from the same seed. Bad input (not JSON, an invalid plan, a plan for
 * another scenario) returns the validator's problems and starts nothing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { runPlan } from '../../src/harness/plan/run.ts';
import type { Plan } from '../../src/harness/plan/format.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { createEngineHost } from '../../src/worker/engine-host.ts';
import type { WorkerEvent } from '../../src/worker/protocol.ts';
import { nodeSql } from '../support/node.ts';

const SEED_002 = readFileSync(new URL('../../docs/examples/plans/seed-002-job-keys.json', import.meta.url), 'utf8');

async function host() {
  const sql = await nodeSql();
  const events: WorkerEvent[] = [];
  const h = createEngineHost({ sql, backend: new MemoryBackend(), digest: webCryptoSha256, clock: new VirtualClock(1_700_000_000_000), lock: async () => ({ release: async () => undefined }) });
  await h.subscribe((batch) => events.push(...batch));
  return { h, sql, events };
}

describe('plan replay in the worker host', () => {
  it('steps seed 002\'s plan to the report runPlan gives, byte for byte, with a plan-step event per step of Continue', async () => {
    const { h, sql, events } = await host();
    const start = await h.planStart('job-keys', SEED_002, { seed: 1, durability: 'strict' });
    if (!start.ok) throw new Error(JSON.stringify(start.problems));
    expect(start.steps).toHaveLength(10);
    expect(start.steps[2]).toMatchObject({ index: 2, kind: 'workload', label: expect.stringContaining('step 3: workload: 150 operations'), gates: expect.arrayContaining(['lostWrites ≤ 0']) });

    const first = await h.planStep(start.session);
    expect(first).toMatchObject({ next: 1, report: null });
    expect(first.steps).toHaveLength(1);
    const second = await h.planStep(start.session);
    expect(second.next).toBe(2);
    const rest = await h.planContinue(start.session);
    expect(rest.next).toBeNull();
    expect(rest.report?.ok).toBe(true);
    const streamed = events.flatMap((e) => (e.type === 'plan-step' ? [e.step.index] : []));
    expect(streamed).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);

    const cli = await runPlan({ scenario: BUILT_IN_SCENARIOS['job-keys']!, plan: JSON.parse(SEED_002) as Plan, seed: 1, durability: 'strict', sql });
    expect(JSON.stringify(rest.report)).toBe(JSON.stringify(cli));
    expect(await h.planRunbook(start.session)).toMatch(/^# Cut-over runbook: Seed 002[\s\S]*✅ passed: every step ran/);
  });

  it('returns the validator\'s path-precise problems for bad input and starts nothing', async () => {
    const { h } = await host();
    const notJson = await h.planStart('job-keys', '{"format": 1,', { seed: 1, durability: 'strict' });
    expect(notJson).toMatchObject({ ok: false, problems: [{ path: '', message: expect.stringContaining('not valid JSON') }] });
    const invalid = await h.planStart('job-keys', JSON.stringify({ format: 1, steps: [{ kind: 'move', to: 'nowhere' }] }), { seed: 1, durability: 'strict' });
    expect(invalid.ok).toBe(false);
    expect(!invalid.ok && invalid.problems.map((p) => p.path)).toContain('steps[0].to');
    const elsewhere = await h.planStart('session-json', SEED_002, { seed: 1, durability: 'strict' });
    expect(elsewhere.ok).toBe(false);
    expect(!elsewhere.ok && elsewhere.problems.map((p) => p.message).join('\n')).toMatch(/job-keys/);
    await expect(h.planStep('plan-99')).rejects.toThrow(/no plan replay "plan-99"/);
  });

  it('Stop ends the replay where it stands: the final checks run on the steps so far', async () => {
    const { h } = await host();
    const start = await h.planStart('job-keys', SEED_002, { seed: 1, durability: 'strict' });
    if (!start.ok) throw new Error('invalid');
    await h.planStep(start.session);
    const stopped = await h.planStop(start.session);
    expect(stopped.next).toBeNull();
    expect(stopped.report?.steps).toHaveLength(1);
    expect(stopped.report?.invariants.ok).toBe(true);
    // Nothing more runs once it ended.
    expect((await h.planStep(start.session)).steps).toHaveLength(1);
  });
});
