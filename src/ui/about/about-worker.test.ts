/** `about()` through the real engine Web Worker and the page's client, as the About panel asks it. */
import { afterEach, describe, expect, it } from 'vitest';
import { EngineClient } from '../../worker/client.ts';

let client: EngineClient | undefined;
afterEach(() => client?.dispose());

describe('about() in the engine worker', () => {
  it('returns the build\'s SQLite version and compile options, the IndexedDB store, and the open rehearsal\'s durability', async () => {
    const c = new EngineClient((name) => new Worker(new URL('../../worker/engine.worker.ts', import.meta.url), { type: 'module', name }));
    client = c;
    const idle = await c.call((api) => api.about());
    expect(idle.sqliteVersion).toMatch(/^3\.\d+\.\d+$/);
    expect(idle.compileOptions.length).toBeGreaterThan(0);
    expect(idle.compileOptions.every((o) => typeof o === 'string' && o.length > 0)).toBe(true);
    expect(idle.storage).toBe('IndexedDB (database "cutover-lab", store "rehearsals")');
    expect(idle.durability).toBeNull();
    const rehearsalId = `about-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await c.open({ rehearsalId, scenarioId: 'job-keys', durability: 'strict' }, () => ({ rehearsalId, durability: 'strict' }));
    const open = await c.call((api) => api.about());
    expect(open.durability).toBe('strict');
    expect(open.rehearsalId).toBe(rehearsalId);
    expect(open.rehearsalBytes).toBeGreaterThan(0);
    expect(open.sqliteVersion).toBe(idle.sqliteVersion);
    await c.call((api) => api.remove(rehearsalId)).catch(() => undefined);
  });
});
