/**
 * The page-driven workload against the real engine in its Web Worker, with the history kept in
 * real IndexedDB: every operation is recorded before the engine runs it, a crash (Crash now or a
 * crash fault) leaves what was in flight indeterminate, and the history check finds nothing lost.
 */
import { openPageDb } from '../../src/store/page-db.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSeedData } from '../../src/ui/app/seeding.ts';
import { WorkloadRunner } from '../../src/ui/app/workload-runner.ts';
import { HistoryRecorder } from '../../src/ui/history-recorder.ts';
import { EngineClient, type RestartReason } from '../../src/worker/client.ts';
import type { EngineState, OpenOptions } from '../../src/worker/protocol.ts';
import type { FaultSpec } from '../../src/engine/faults.ts';

let client: EngineClient | undefined;
let runner: WorkloadRunner | undefined;

afterEach(async () => {
  runner?.dispose();
  vi.useRealTimers();
  await runner?.idle();
  client?.dispose();
});

/** Polls `value` until it exceeds `than` (operations run in the real worker meanwhile). */
const beyond = (what: string, value: () => number, than: number): Promise<void> =>
  expect.poll(value, { timeout: 20_000, message: what }).toBeGreaterThan(than);

interface Rig {
  client: EngineClient;
  runner: WorkloadRunner;
  recorder: HistoryRecorder;
  state: () => EngineState;
  restarts: RestartReason[];
  /** Operations in flight in the engine at once, most seen. */
  maxConcurrent: () => number;
  /** Executes the engine was asked for whose operation was not in the history yet. */
  unrecorded: () => number;
}

async function rig(faults: FaultSpec[] = []): Promise<Rig> {
  const id = `runner-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const recorder = new HistoryRecorder(id, () => undefined, openPageDb(`runner-test-${id}`));
  const c = new EngineClient((name) => new Worker(new URL('../../src/worker/engine.worker.ts', import.meta.url), { type: 'module', name }));
  client = c;
  let state!: EngineState;
  const restarts: RestartReason[] = [];
  let armed = faults;
  c.listen({
    events: (events) => {
      recorder.apply(events);
      for (const e of events) {
        if (e.type === 'state') state = e.state;
        if (e.type === 'crashed') armed = [...e.faults];
      }
    },
    terminated: (reason) => recorder.terminated(reason === 'crash' ? 'crashed before it completed' : 'watchdog'),
    restarted: (reason, s) => {
      state = s;
      restarts.push(reason);
      r.reset();
    },
  });
  const options = (): OpenOptions => ({ rehearsalId: id, durability: 'strict', faults: armed });
  state = await c.open({ ...options(), scenarioId: 'session-json' }, options);
  // The seed data, as the page runs it: through the write-ahead history, before the faults arm.
  await runSeedData(recorder, { nextSeeds: (done) => c.call((api) => api.nextSeeds(done)), execute: (name, params) => c.call((api) => api.execute(name, params)) });
  let concurrent = 0;
  let maxConcurrent = 0;
  let unrecorded = 0;
  const r = new WorkloadRunner({
    plan: (count) => c.call((api) => api.planWorkload(count)),
    execute: async (name, params) => {
      // The runner must have recorded the operation, still in flight, before this call.
      const last = recorder.ops[recorder.ops.length - 1];
      if (!last || last.name !== name || last.outcome !== undefined || JSON.stringify(last.params) !== JSON.stringify(params)) {
        if (!recorder.ops.some((o) => o.outcome === undefined && o.name === name && JSON.stringify(o.params) === JSON.stringify(params))) unrecorded++;
      }
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      try {
        return await c.call((api) => api.execute(name, params));
      } finally {
        concurrent--;
      }
    },
    recorder: () => recorder,
    phase: () => state.phase,
    problem: (message) => {
      throw new Error(`the runner reported a problem: ${message}`);
    },
  });
  runner = r;
  return { client: c, runner: r, recorder, state: () => state, restarts, maxConcurrent: () => maxConcurrent, unrecorded: () => unrecorded };
}

async function check(t: Rig) {
  const resume = t.runner.pause();
  await t.runner.idle();
  const report = await t.client.call((api) => api.checkHistory(t.recorder.ops), { timeoutMs: 120_000 });
  resume();
  return report;
}

describe('the workload runner', () => {
  it('records every operation before the engine runs it and keeps to the concurrency', async () => {
    const t = await rig();
    const seeded = t.recorder.ops.length;
    t.runner.configure({ opsPerSecond: 200, concurrency: 3 });
    t.runner.start();
    await beyond('150 operations', () => t.recorder.ops.length, seeded + 149);
    t.runner.stop();
    await t.runner.idle();
    expect(t.unrecorded()).toBe(0);
    expect(t.maxConcurrent()).toBeLessThanOrEqual(3);
    expect(t.maxConcurrent()).toBeGreaterThan(1);
    expect(t.recorder.ops.every((o) => o.outcome !== undefined)).toBe(true);
    const acked = t.recorder.ops.filter((o) => o.kind === 'write' && o.outcome === 'ok').length;
    expect(acked).toBeGreaterThan(20);
    const report = await check(t);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });

  it('holds new operations while paused and waits for those in flight', async () => {
    // The runner's clock (its 50 ms tick and the rate it reads) moves only when the test moves it;
    // the engine, its worker and the history run in real time.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const t = await rig();
    const opsPerSecond = 200;
    t.runner.configure({ opsPerSecond, concurrency: 4 });
    t.runner.start();
    const tick = () => {
      vi.advanceTimersByTime(50);
      return t.recorder.ops.length;
    };
    await beyond('operations while running', tick, 80);
    const resume = t.runner.pause();
    await t.runner.idle();
    expect(t.runner.inFlight).toBe(0);
    const held = t.recorder.ops.length;
    // Five seconds of the runner's time: a runner that kept going would start hundreds of operations.
    vi.advanceTimersByTime(5_000);
    expect(t.runner.inFlight).toBe(0);
    expect(t.recorder.ops.length).toBe(held);
    expect(t.runner.running).toBe(true);
    resume();
    await beyond('operations after resuming', tick, held + 10);
  });

  it('leaves what was in flight at Crash now indeterminate and loses no acknowledged write', async () => {
    const t = await rig();
    t.runner.configure({ opsPerSecond: 300, concurrency: 4 });
    t.runner.start();
    await expect.poll(() => t.recorder.ops.length > 100 && t.runner.inFlight > 0, { timeout: 20_000, message: 'operations in flight' }).toBe(true);
    await t.client.crash();
    expect(t.restarts).toEqual(['crash']);
    const indeterminate = t.recorder.ops.filter((o) => o.outcome === 'info').length;
    expect(indeterminate).toBeGreaterThan(0);
    const before = t.recorder.ops.length;
    await beyond('operations on the recovered engine', () => t.recorder.ops.length, before + 50);
    t.runner.stop();
    const report = await check(t);
    expect(report.lost).toEqual([]);
    expect(t.recorder.ops.every((o) => o.outcome !== undefined)).toBe(true);
  });

  it('restarts the engine when a crash fault fires, disarming a fault that fires once', async () => {
    const t = await rig([{ kind: 'crash', point: 'after-writes-before-ack', once: true }]);
    t.runner.configure({ opsPerSecond: 100, concurrency: 2 });
    t.runner.start();
    await beyond('the engine to restart', () => t.restarts.length, 0);
    await t.client.settled();
    expect(t.restarts).toEqual(['crash']);
    expect(t.state().faults).toEqual([]);
    // The write that crashed after landing, before its acknowledgement: indeterminate, not lost.
    expect(t.recorder.ops.some((o) => o.kind === 'write' && o.outcome === 'info')).toBe(true);
    const before = t.recorder.ops.length;
    await beyond('operations on the recovered engine', () => t.recorder.ops.length, before + 30);
    t.runner.stop();
    const report = await check(t);
    expect(report.lost).toEqual([]);
  });
});
