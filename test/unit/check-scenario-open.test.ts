/** `open` with a scenario of the user's (`OpenOptions.scenario`): validated in the worker, refused with the validator's paths, stored with the rehearsal. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import type { Scenario } from '../../src/engine/scenario/format.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { createEngineHost } from '../../src/worker/engine-host.ts';
import { nodeSql } from '../support/node.ts';

const lock = async () => ({ release: async () => undefined });
const inventory = JSON.parse(readFileSync(new URL('../../docs/examples/inventory.json', import.meta.url), 'utf8')) as Scenario;

describe('open({ scenario })', () => {
  it('opens a new rehearsal of a user scenario, which it keeps when reopened without one', async () => {
    const backend = new MemoryBackend();
    const ports = { sql: await nodeSql(), backend, digest: webCryptoSha256, clock: new VirtualClock(0), lock };
    const host = createEngineHost(ports);
    const state = await host.open({ rehearsalId: 'inv-1', scenario: inventory, durability: 'strict' });
    expect(state.scenario.id).toBe('inventory');
    expect(state.phase).toBe('old-only');
    await host.close();
    const again = createEngineHost(ports);
    expect((await again.open({ rehearsalId: 'inv-1', durability: 'strict' })).scenario.title).toBe(inventory.title);
    expect(await again.list()).toEqual([expect.objectContaining({ id: 'inv-1', scenarioId: 'inventory' })]);
    await again.close();
  });

  it('refuses an invalid scenario with the paths of its problems, and stores nothing', async () => {
    const backend = new MemoryBackend();
    const host = createEngineHost({ sql: await nodeSql(), backend, digest: webCryptoSha256, clock: new VirtualClock(0), lock });
    const broken = { ...inventory, schema: { ...inventory.schema, new: ['CREATE TABLE products (sku TEXT PRIMARY KEY)'] } };
    await expect(host.open({ rehearsalId: 'inv-2', scenario: broken as Scenario, durability: 'strict' })).rejects.toThrow(/not valid[\s\S]*collections\.items/);
    expect(await host.list()).toEqual([]);
  });
});
