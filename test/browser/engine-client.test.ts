/** The engine in its real Web Worker, through the client: console limits, the watchdog, Crash now. */
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { EngineClient, EngineRestarted, type RestartReason } from '../../src/worker/client.ts';
import { CONSOLE_LIMITS, type EngineState, type OpenOptions, type WorkerEvent } from '../../src/worker/protocol.ts';

const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';

/** How many seed operations of `operation` (all of them without one) a new rehearsal of `scenarioId` starts with. */
function seeded(scenarioId: string, operation?: string): number {
  const scenario = BUILT_IN_SCENARIOS[scenarioId];
  if (!scenario) throw new Error(`no built-in scenario "${scenarioId}"`);
  return scenario.seedData.filter((step) => operation === undefined || step.operation === operation).reduce((n, step) => n + step.count, 0);
}
let client: EngineClient | undefined;

afterEach(() => client?.dispose());

/** Runs a new rehearsal's seed data as the page does, `done` operations in: asks for the next ones until there are none; returns the outcomes. */
async function runSeeds(c: EngineClient, done = 0): Promise<string[]> {
  const outcomes: string[] = [];
  for (let batch = await c.call((api) => api.nextSeeds(done)); batch.length > 0; batch = await c.call((api) => api.nextSeeds(done + outcomes.length))) {
    for (const planned of batch) outcomes.push((await c.call((api) => api.execute(planned.name, planned.params))).outcome);
  }
  return outcomes;
}

async function openClient(scenarioId = 'job-keys', seed = true): Promise<{ client: EngineClient; state: EngineState; events: WorkerEvent[]; restarts: RestartReason[] }> {
  const c = new EngineClient((name) => new Worker(new URL('../../src/worker/engine.worker.ts', import.meta.url), { type: 'module', name }));
  client = c;
  const events: WorkerEvent[] = [];
  const restarts: RestartReason[] = [];
  c.listen({ events: (e) => events.push(...e), restarted: (reason) => restarts.push(reason) });
  const options: OpenOptions = { rehearsalId: `client-${Date.now()}-${Math.random().toString(36).slice(2)}`, scenarioId, durability: 'strict' };
  const state = await c.open(options, () => ({ rehearsalId: options.rehearsalId, durability: 'strict' }));
  if (seed) await runSeeds(c);
  return { client: c, state, events, restarts };
}

describe('the engine client', () => {
  it('offers a new rehearsal\'s seed data one operation at a time for the page to run, then marks it seeded', async () => {
    const { client: c, state } = await openClient('job-keys', false);
    expect(state.phase).toBe('old-only');
    expect(state.readOnly).toBe(false);
    const expected = seeded('job-keys');
    expect(expected).toBeGreaterThan(0);
    // The engine runs nothing on its own: until the page runs the seeds, old is empty.
    expect((await c.query('old', 'SELECT count(*) AS n FROM kv')).rows).toEqual([[0]]);
    expect(await runSeeds(c)).toEqual(Array.from({ length: expected }, () => 'ok'));
    expect((await c.query('old', "SELECT count(*) AS n FROM kv WHERE key LIKE 'ai:jobs:%'")).rows).toEqual([[seeded('job-keys', 'enqueue')]]);
    // Seeded for good: a crash and recovery offer nothing more.
    await c.crash();
    await c.settled();
    expect(await c.call((api) => api.nextSeeds(0))).toEqual([]);
  });

  it('resumes the seed data after a crash where the page\'s history stopped', async () => {
    const { client: c } = await openClient('job-keys', false);
    const [first] = await c.call((api) => api.nextSeeds(0));
    expect(first).toBeDefined();
    await c.call((api) => api.execute(first!.name, first!.params));
    await c.crash();
    await c.settled();
    expect(await runSeeds(c, 1)).toHaveLength(seeded('job-keys') - 1);
  });

  it('cancels a runaway query after the watchdog limit and well within twice it, and recovers the rehearsal, phase included', async () => {
    const { client: c, restarts } = await openClient('job-keys');
    await c.call((api) => api.movePhase('dual-write', {}));
    const started = performance.now();
    await expect(c.query('new', RUNAWAY)).rejects.toThrow('query cancelled');
    const elapsed = performance.now() - started;
    // The watchdog counts from the query's start, so never less than its limit (timer granularity aside).
    expect(elapsed).toBeGreaterThanOrEqual(CONSOLE_LIMITS.timeoutMs - 20);
    expect(elapsed).toBeLessThan(2 * CONSOLE_LIMITS.timeoutMs);
    await c.settled();
    expect(restarts).toEqual(['watchdog']);
    const state = await c.call((api) => api.state());
    expect(state.phase).toBe('dual-write');
    expect(state.incarnation).toBe(2);
    const after = await c.query('old', "SELECT count(*) AS n FROM kv WHERE key LIKE 'ai:jobs:%'");
    expect(after.rows).toEqual([[seeded('job-keys', 'enqueue')]]);
  });

  it('refuses ATTACH, DETACH, VACUUM INTO and PRAGMA writable_schema with a message', async () => {
    const { client: c } = await openClient();
    for (const [sql, message] of [
      ["ATTACH DATABASE 'x.db' AS x", /ATTACH is not allowed/],
      ['DETACH DATABASE x', /DETACH is not allowed/],
      ["VACUUM INTO 'copy.db'", /VACUUM INTO is not allowed/],
      ['PRAGMA writable_schema = ON', /writable_schema is not allowed/],
      ['SELECT 1; SELECT 2', /one statement at a time/],
    ] as const) {
      await expect(c.query('old', sql)).rejects.toThrow(message);
    }
    // A mention inside a string is not a statement.
    expect((await c.query('old', "SELECT 'ATTACH' AS word")).rows).toEqual([['ATTACH']]);
  });

  it('journals a console write like any change: it survives Crash now', async () => {
    const { client: c, restarts } = await openClient();
    const write = await c.query('old', "INSERT INTO list (name, value) VALUES ('console', 'kept')");
    expect(write).toMatchObject({ kind: 'write', changes: 1 });
    await c.crash();
    expect(restarts).toEqual(['crash']);
    const read = await c.query('old', "SELECT value FROM list WHERE name = 'console'");
    expect(read.rows).toEqual([['kept']]);
  });

  it('rejects calls in flight when the engine crashes, as crashed rather than cancelled', async () => {
    const { client: c, events, restarts } = await openClient();
    const answer = c.query('new', RUNAWAY).then(
      () => undefined,
      (e: unknown) => e,
    );
    // In flight in the engine, not merely sent: the engine says when it starts a console query.
    await expect.poll(() => events.some((e) => e.type === 'query-started')).toBe(true);
    await c.crash();
    const error = await answer;
    expect(error).toBeInstanceOf(EngineRestarted);
    expect((error as EngineRestarted).reason).toBe('crash');
    expect(restarts).toEqual(['crash']);
  });
});
