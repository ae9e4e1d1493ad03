/** The engine in its real Web Worker, through the client: console limits, the watchdog, Crash now. */
import { afterEach, describe, expect, it } from 'vitest';
import { EngineClient, EngineRestarted, type RestartReason } from '../../src/worker/client.ts';
import type { EngineState, OpenOptions, WorkerEvent } from '../../src/worker/protocol.ts';

const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';
let client: EngineClient | undefined;

afterEach(() => client?.dispose());

async function openClient(scenarioId = 'job-keys'): Promise<{ client: EngineClient; state: EngineState; events: WorkerEvent[]; restarts: RestartReason[] }> {
  const c = new EngineClient((name) => new Worker(new URL('../../src/worker/engine.worker.ts', import.meta.url), { type: 'module', name }));
  client = c;
  const events: WorkerEvent[] = [];
  const restarts: RestartReason[] = [];
  c.listen({ events: (e) => events.push(...e), restarted: (reason) => restarts.push(reason) });
  const options: OpenOptions = { rehearsalId: `client-${Date.now()}-${Math.random().toString(36).slice(2)}`, scenarioId, durability: 'strict' };
  const state = await c.open(options, () => ({ rehearsalId: options.rehearsalId, durability: 'strict' }));
  return { client: c, state, events, restarts };
}

describe('the engine client', () => {
  it('opens a new rehearsal with its seed data, reported as operations', async () => {
    const { state, events } = await openClient();
    expect(state.phase).toBe('old-only');
    expect(state.readOnly).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(events.filter((e) => e.type === 'complete').length).toBe(55); // job-keys seeds 40 + 15 writes
  });

  it('cancels a runaway query within 3 seconds and recovers the rehearsal, phase included', async () => {
    const { client: c } = await openClient();
    await c.call((api) => api.movePhase('dual-write', {}));
    const started = performance.now();
    await expect(c.query('new', RUNAWAY)).rejects.toThrow('query cancelled');
    expect(performance.now() - started).toBeLessThan(3000);
    await c.settled();
    const state = await c.call((api) => api.state());
    expect(state.phase).toBe('dual-write');
    expect(state.incarnation).toBe(2);
    const after = await c.query('old', "SELECT count(*) AS n FROM kv WHERE key LIKE 'ai:jobs:%'");
    expect(after.rows).toEqual([[40]]);
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

  it('rejects calls in flight when the engine crashes', async () => {
    const { client: c } = await openClient();
    const pending = expect(c.query('new', RUNAWAY)).rejects.toBeInstanceOf(EngineRestarted);
    await new Promise((r) => setTimeout(r, 100));
    await c.crash();
    await pending;
  });
});
