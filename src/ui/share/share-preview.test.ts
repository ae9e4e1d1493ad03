/**
 * The share link's preview: what a link holds shown as text (markup in a title stays text),
 * nothing run until Load, Load hands over the validated scenario and the seed; a hostile link
 * shows its reason and never reaches the engine.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../../engine/vocabulary.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { scenarioInfo, type ShareCheck } from '../../worker/protocol.ts';
import { button, cleanBody, mount, query } from '../test-support.ts';
import { encodeShare, SHARE_PREFIX } from './share-link.ts';
import './share-preview.ts';
import type { ClSharePreview } from './share-preview.ts';

afterEach(cleanBody);

const MARKUP = '</script><img src=x onerror="globalThis.__shared=1">';
const scenario: Scenario = { ...BUILT_IN_SCENARIOS['job-keys']!, title: MARKUP };

function stubs() {
  const calls = { check: 0, load: [] as { scenario: Scenario; seed: number | undefined; plan?: unknown }[], dismissed: 0 };
  const props: Partial<ClSharePreview> = {
    check: async (s: unknown): Promise<ShareCheck> => {
      calls.check++;
      return { ok: true, scenario: s as Scenario, info: scenarioInfo(s as Scenario), warnings: [], steps: [] };
    },
    load: async (s, seed, plan) => {
      calls.load.push({ scenario: s, seed, ...(plan === undefined ? {} : { plan }) });
    },
    dismiss: () => {
      calls.dismissed++;
    },
  };
  return { calls, props };
}

const text = (el: ClSharePreview): string => (query(el.shadowRoot, 'dialog').textContent ?? '').replace(/\s+/g, ' ');

describe('cl-share-preview', () => {
  it('says when a scenario was made from a database the link cannot carry, and keeps it for an import of one\'s own copy', async () => {
    const { calls, props } = stubs();
    const kept: Scenario[] = [];
    const fromFile: Scenario = { ...BUILT_IN_SCENARIOS['job-keys']!, id: 'library', sources: ['imported from library.sqlite'], seedData: [] };
    const el = await mount<ClSharePreview>('cl-share-preview', { ...props, keep: async (s: Scenario) => void kept.push(s) });
    await el.show(await encodeShare({ scenario: fromFile }));
    expect(query(el.shadowRoot, '[data-share="database"]').textContent?.replace(/\s+/g, ' ')).toMatch(
      /made from the database library\.sqlite, and a link carries none of its data: Load opens a rehearsal with no records at all\. .*import your copy of library\.sqlite on the picker and choose this scenario there/,
    );
    button(el.shadowRoot, 'Keep in my scenarios').click();
    await expect.poll(() => kept.length).toBe(1);
    expect(kept[0]).toEqual(fromFile);
    expect(calls.load).toEqual([]);
    expect(el.open).toBe(false);
  });

  it('shows the title, schemas and operations as text, runs nothing until Load, then loads that scenario with its seed', async () => {
    const { calls, props } = stubs();
    const el = await mount<ClSharePreview>('cl-share-preview', props);
    await el.show(await encodeShare({ scenario, seed: 5 }));
    expect(el.open).toBe(true);
    expect(query(el.shadowRoot, '[data-share="title"]').textContent).toBe(MARKUP);
    expect(el.shadowRoot?.querySelector('img')).toBeNull();
    expect((globalThis as Record<string, unknown>)['__shared']).toBeUndefined();
    expect(query(el.shadowRoot, '[data-share="old-schema"]').textContent).toContain(scenario.schema.old[0]!.slice(0, 30));
    expect(query(el.shadowRoot, '[data-share="new-schema"]').textContent).toContain(scenario.schema.new[0]!.slice(0, 30));
    expect([...query(el.shadowRoot, '[data-share="operations"]').querySelectorAll('li')].length).toBe(Object.keys(scenario.operations).length);
    expect(text(el)).toContain('seed 5');
    // Validated, not loaded.
    expect(calls.check).toBe(1);
    expect(calls.load).toEqual([]);
    button(el.shadowRoot, 'Load').click();
    await expect.poll(() => calls.load.length).toBe(1);
    expect(calls.load[0]).toEqual({ scenario, seed: 5 });
    expect(el.open).toBe(false);
  });

  it('hands the link\'s plan to Load with the scenario and seed', async () => {
    const { calls, props } = stubs();
    const el = await mount<ClSharePreview>('cl-share-preview', props);
    const plan = { format: 1, scenario: scenario.id, steps: [{ kind: 'move', to: 'dual-write' }] };
    await el.show(await encodeShare({ scenario, plan, seed: 9 }));
    button(el.shadowRoot, 'Load').click();
    await expect.poll(() => calls.load.length).toBe(1);
    expect(calls.load[0]).toEqual({ scenario, seed: 9, plan });
  });

  it('a hostile link shows why it was refused, never reaches the engine, and offers no Load', async () => {
    const { calls, props } = stubs();
    const el = await mount<ClSharePreview>('cl-share-preview', props);
    await el.show(`${SHARE_PREFIX}v9.AAAA`);
    expect(query(el.shadowRoot, '[data-share="refused"]').textContent).toMatch(/refused: the share link is version "v9".*Nothing was run or stored/s);
    expect([...(el.shadowRoot?.querySelectorAll('button') ?? [])].map((b) => b.textContent?.trim())).toEqual(['Dismiss']);
    button(el.shadowRoot, 'Dismiss').click();
    await expect.poll(() => calls.dismissed).toBe(1);
    expect(calls.check).toBe(0);
    expect(calls.load).toEqual([]);
  });

  it("shows the engine's problems at their paths for a link whose scenario is not valid", async () => {
    const { calls, props } = stubs();
    const el = await mount<ClSharePreview>('cl-share-preview', { ...props, check: async () => ({ ok: false, problems: [{ path: 'scenario.id', message: 'must be a slug' }] }) });
    await el.show(await encodeShare({ scenario }));
    expect(query(el.shadowRoot, '[data-share="problems"]').textContent?.replace(/\s+/g, ' ')).toContain('scenario.id: must be a slug');
    expect(() => button(el.shadowRoot, 'Load')).toThrow();
    expect(calls.load).toEqual([]);
  });
});
