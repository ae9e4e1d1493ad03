/**
 * What the write-ahead history costs the workload in the page: the same runner, engine and
 * history, with each invocation stored before it is sent (as the app runs) and without waiting,
 * in alternating rounds in one run, in real Chromium with IndexedDB. Prints operations per second,
 * the ratio, and the longest main-thread task seen while the workload ran. Not a timed test: it
 * fails only if a round completes no operation.
 */
import { afterAll, expect, it } from 'vitest';
import { runSeedData } from '../src/ui/app/seeding.ts';
import { WorkloadRunner } from '../src/ui/app/workload-runner.ts';
import { HistoryRecorder } from '../src/ui/history-recorder.ts';
import { openPageDb } from '../src/store/page-db.ts';
import { EngineClient } from '../src/worker/client.ts';
import type { EngineState } from '../src/worker/protocol.ts';

const ROUND_MS = 4000;
const ROUNDS = 3;
const RATE = { opsPerSecond: 500, concurrency: 8 };

const clients: EngineClient[] = [];
afterAll(() => clients.forEach((c) => c.dispose()));

/** One rehearsal, its history and a runner; `writeAhead` as the runner's option. */
async function setup(writeAhead: boolean) {
  const id = `bench-${writeAhead ? 'wa' : 'nowait'}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const history = new HistoryRecorder(id, () => undefined, openPageDb(`bench-${id}`));
  const client = new EngineClient((name) => new Worker(new URL('../src/worker/engine.worker.ts', import.meta.url), { type: 'module', name }));
  clients.push(client);
  client.listen({ events: (events) => history.apply(events) });
  let state: EngineState = await client.open({ rehearsalId: id, scenarioId: 'job-keys', durability: 'strict' }, () => ({ rehearsalId: id, durability: 'strict' }));
  await runSeedData(history, { nextSeeds: (done) => client.call((api) => api.nextSeeds(done)), execute: (name, params) => client.call((api) => api.execute(name, params)) });
  state = await client.call((api) => api.state());
  const runner = new WorkloadRunner(
    {
      plan: (count) => client.call((api) => api.planWorkload(count)),
      execute: (name, params) => client.call((api) => api.execute(name, params)),
      recorder: () => history,
      phase: () => state.phase,
      problem: (message) => {
        throw new Error(message);
      },
    },
    { writeAhead },
  );
  runner.configure(RATE);
  return { history, runner };
}

/** Runs the workload for ROUND_MS; returns completed operations per second and the longest task. */
async function round(rig: Awaited<ReturnType<typeof setup>>): Promise<{ opsPerSecond: number; longestTaskMs: number }> {
  let longest = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longest = Math.max(longest, entry.duration);
  });
  observer.observe({ type: 'longtask', buffered: false });
  const completed = () => rig.history.ops.filter((o) => o.outcome !== undefined).length;
  const before = completed();
  const started = performance.now();
  rig.runner.start();
  // The round's length is what is measured over: a wait for time is the point here.
  await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
  rig.runner.stop();
  await rig.runner.idle();
  const elapsed = performance.now() - started;
  observer.disconnect();
  return { opsPerSecond: ((completed() - before) / elapsed) * 1000, longestTaskMs: longest };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

it('measures the write-ahead history against sending without waiting, in alternating rounds', async () => {
  const withWal = await setup(true);
  const without = await setup(false);
  const a: { opsPerSecond: number; longestTaskMs: number }[] = [];
  const b: { opsPerSecond: number; longestTaskMs: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await round(withWal));
    b.push(await round(without));
  }
  const ratios = a.map((x, i) => x.opsPerSecond / (b[i]?.opsPerSecond ?? Number.NaN));
  const row = (name: string, xs: { opsPerSecond: number; longestTaskMs: number }[]) =>
    `${name.padEnd(28)} ops/s min ${Math.min(...xs.map((x) => x.opsPerSecond)).toFixed(0)} median ${median(xs.map((x) => x.opsPerSecond)).toFixed(0)} max ${Math.max(...xs.map((x) => x.opsPerSecond)).toFixed(0)}   longest task ${Math.max(...xs.map((x) => x.longestTaskMs)).toFixed(0)} ms`;
  console.log(
    [
      `write-ahead history, job-keys, strict, asked for ${RATE.opsPerSecond} ops/s at concurrency ${RATE.concurrency}, ${ROUNDS} rounds of ${ROUND_MS / 1000} s each, alternating`,
      row('stored before sending', a),
      row('sent without waiting', b),
      `ratio (stored / not waiting) min ${Math.min(...ratios).toFixed(2)} median ${median(ratios).toFixed(2)} max ${Math.max(...ratios).toFixed(2)}`,
    ].join('\n'),
  );
  expect(Math.min(...a.map((x) => x.opsPerSecond), ...b.map((x) => x.opsPerSecond))).toBeGreaterThan(0);
}, 120_000);
