/**
 * A share link's seed is a new rehearsal's, and it must outlive the engine: the page opens the
 * engine again after a crash or a reload with its saved settings, so the seed is kept with them.
 */
import { describe, expect, it } from 'vitest';
import { PageSettingsController } from '../../src/ui/app/page-settings.ts';
import type { PageSettings, PageStore } from '../../src/ui/app/page-store.ts';

function memoryStore(): PageStore {
  const saved = new Map<string, PageSettings>();
  return {
    settings: (id) => Promise.resolve(saved.get(id) ?? null),
    saveSettings: (id, s) => Promise.resolve(void saved.set(id, structuredClone(s))),
  } as Partial<PageStore> as PageStore;
}

describe('page settings: the seed', () => {
  it('a new rehearsal opened with a seed is opened with it again after its settings are saved and read back', async () => {
    const store = memoryStore();
    let open = 'r-1';
    const first = new PageSettingsController(store, { rehearsalId: () => open, problem: () => undefined });
    await first.load('r-1', 'group', 7);
    expect(first.openOptions()).toMatchObject({ durability: 'group', seed: 7 });
    await first.workloadReported({ opsPerSecond: 20, concurrency: 4, mix: {} });
    // A reload: a new controller reads what was saved, and no seed is asked for.
    const again = new PageSettingsController(store, { rehearsalId: () => open, problem: () => undefined });
    await again.load('r-1');
    expect(again.openOptions().seed).toBe(7);
    // A saved rehearsal keeps its own seed whatever is asked; one never given a seed has none (the engine's 1).
    await again.load('r-1', undefined, 9);
    expect(again.openOptions().seed).toBe(7);
    open = 'r-2';
    await again.load('r-2');
    expect(again.openOptions().seed).toBeUndefined();
  });
});
