/** `about()` of the engine host: the build's SQLite read on a scratch database, the open rehearsal's durability and size. */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { createEngineHost } from '../../src/worker/engine-host.ts';
import { nodeSql } from '../support/node.ts';

const lock = async () => ({ release: async () => undefined });

describe('about()', () => {
  it('reports the SQLite version and compile options with no rehearsal open, and no durability or size', async () => {
    const host = createEngineHost({ sql: await nodeSql(), backend: new MemoryBackend(), digest: webCryptoSha256, clock: new VirtualClock(0), lock });
    const about = await host.about();
    expect(about.sqliteVersion).toMatch(/^3\.\d+\.\d+$/);
    expect(about.compileOptions.length).toBeGreaterThan(0);
    for (const option of about.compileOptions) expect(option).toMatch(/^[A-Z0-9_]+(=.+)?$/);
    expect(about.durability).toBeNull();
    expect(about.rehearsalId).toBeNull();
    expect(about.rehearsalBytes).toBeUndefined();
    expect(about.storage).toMatch(/in memory/);
  });

  it('names the storage it was given and the open rehearsal\'s durability, and sizes its database files', async () => {
    const host = createEngineHost({ sql: await nodeSql(), backend: new MemoryBackend(), digest: webCryptoSha256, clock: new VirtualClock(0), lock, storage: 'IndexedDB (database "x")' });
    await host.open({ rehearsalId: 'about-1', scenarioId: 'job-keys', durability: 'group', seed: 1 });
    const about = await host.about();
    expect(about.storage).toBe('IndexedDB (database "x")');
    expect(about.rehearsalId).toBe('about-1');
    expect(about.durability).toBe('group');
    // Both sides exist, each at least one page: a whole number of bytes over one page.
    expect(about.rehearsalBytes).toBeGreaterThan(1024);
    expect(Number.isInteger(about.rehearsalBytes)).toBe(true);
    // The scratch database is not a side: no table of the rehearsal's was read or made there, and the sides are unchanged.
    const before = (await host.query('old', 'SELECT count(*) AS n FROM sqlite_schema')).rows;
    await host.about();
    expect((await host.query('old', 'SELECT count(*) AS n FROM sqlite_schema')).rows).toEqual(before);
    await host.close();
  });
});
