import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { scenarioInfo, type RehearsalSummary, type ScenarioInfo } from '../../worker/protocol.ts';
import './scenario-picker.ts';
import type { ClScenarioPicker } from './scenario-picker.ts';

const scenarios: ScenarioInfo[] = Object.values(BUILT_IN_SCENARIOS).map(scenarioInfo);

const rehearsals = [
  { id: 'job-keys-abc', title: 'Flat Redis keys to workspace-scoped keys', phase: 'shadow' },
  { id: 'session-json-def', title: 'Session JSON files to SQLite', phase: 'old-only' },
] as unknown as RehearsalSummary[];

async function mount(): Promise<ClScenarioPicker> {
  const el = document.createElement('cl-scenario-picker');
  el.scenarios = scenarios;
  el.rehearsals = rehearsals;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const button = (el: ClScenarioPicker, label: string): HTMLButtonElement | null =>
  [...el.shadowRoot!.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent?.trim()) === label) ?? null;

function events(el: ClScenarioPicker, type: string): unknown[] {
  const out: unknown[] = [];
  el.addEventListener(type, (e) => out.push((e as CustomEvent).detail));
  return out;
}

afterEach(() => document.body.replaceChildren());

describe('cl-scenario-picker', () => {
  it('starts a new rehearsal with the chosen durability', async () => {
    const el = await mount();
    const opened = events(el, 'cl-open-rehearsal');
    el.shadowRoot!.querySelector<HTMLInputElement>('input[value="unsafe-ack-first"]')!.click();
    await el.updateComplete;
    button(el, 'Start a rehearsal of job-keys')!.click();
    expect(opened).toEqual([{ scenarioId: 'job-keys', durability: 'unsafe-ack-first' }]);
  });

  it('reopens a stored rehearsal without changing its durability', async () => {
    const el = await mount();
    const opened = events(el, 'cl-open-rehearsal');
    el.shadowRoot!.querySelector<HTMLInputElement>('input[value="group"]')!.click();
    await el.updateComplete;
    button(el, 'Open job-keys-abc')!.click();
    expect(opened).toEqual([{ rehearsalId: 'job-keys-abc' }]);
  });

  it('deletes a rehearsal only after a second, confirming press, and can keep it', async () => {
    const el = await mount();
    const deleted = events(el, 'cl-delete-rehearsal');
    button(el, 'Delete session-json-def…')!.click();
    await el.updateComplete;
    expect(deleted).toEqual([]);
    expect(el.shadowRoot!.textContent).toContain('for good?');
    // Focus moves to the safe choice, and back when it is taken.
    expect(el.shadowRoot!.activeElement).toBe(button(el, 'Keep session-json-def'));
    button(el, 'Keep session-json-def')!.click();
    await el.updateComplete;
    expect(button(el, 'Yes, delete session-json-def')).toBeNull();
    expect(el.shadowRoot!.activeElement).toBe(button(el, 'Delete session-json-def…'));
    button(el, 'Delete session-json-def…')!.click();
    await el.updateComplete;
    button(el, 'Yes, delete session-json-def')!.click();
    await el.updateComplete;
    expect(deleted).toEqual([{ rehearsalId: 'session-json-def' }]);
    expect(button(el, 'Delete session-json-def…')).not.toBeNull();
  });

  it('names the real migration each scenario comes from, without internal seed numbers', async () => {
    const el = await mount();
    const cards = [...el.shadowRoot!.querySelectorAll('article')];
    expect(cards).toHaveLength(3);
    for (const card of cards) {
      expect(card.querySelector('p')!.textContent!.length).toBeGreaterThan(80);
      expect(card.textContent).toContain('From the field notes:');
      expect(card.textContent).not.toMatch(/seed \d+:/);
    }
  });
});
