import { afterEach, describe, expect, it } from 'vitest';
import inventory from '../../../docs/examples/inventory.json';
import type { Scenario } from '../../engine/vocabulary.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { scenarioInfo, type DryRunResult, type RehearsalSummary, type ScenarioCheck, type ScenarioInfo } from '../../worker/protocol.ts';
import type { ImportPorts } from '../database-import/database-import.ts';
import type { ClScenarioEditor } from '../scenario-editor/scenario-editor.ts';
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

/** Ports whose check passes what it is given, and whose dry runs are recorded with their arguments. */
function fakePorts() {
  const dryRuns: unknown[][] = [];
  const ports: ImportPorts = {
    inspect: async () => ({ ok: false, problem: 'not used here' }),
    check: async (text: string): Promise<ScenarioCheck> => {
      const s = JSON.parse(text) as Scenario;
      return { ok: true, scenario: s, info: scenarioInfo(s), warnings: [] };
    },
    dryRun: async (...args: unknown[]): Promise<DryRunResult> => {
      dryRuns.push(args);
      return { ok: true, source: 'seed data', collections: [] };
    },
  };
  return { ports, dryRuns };
}

/** The picker's editor, once it has loaded and its check of the starting point passed. */
async function openedEditor(el: ClScenarioPicker): Promise<ClScenarioEditor> {
  await expect.poll(() => el.shadowRoot!.querySelector('cl-scenario-editor'), { timeout: 10_000 }).not.toBeNull();
  const editor = el.shadowRoot!.querySelector('cl-scenario-editor')!;
  await expect.poll(() => editorButton(editor, 'Keep in my scenarios')?.disabled, { timeout: 5_000 }).toBe(false);
  return editor;
}

const editorButton = (editor: ClScenarioEditor, text: string): HTMLButtonElement | undefined =>
  [...editor.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent?.trim() === text);

describe('cl-scenario-picker: the scenario editor', () => {
  const inventoryScenario = inventory as unknown as Scenario;

  async function mountWithPorts(): Promise<{ el: ClScenarioPicker; dryRuns: unknown[][] }> {
    const el = await mount();
    const { ports, dryRuns } = fakePorts();
    el.importPorts = ports;
    el.userScenarios = [{ scenario: inventoryScenario, warnings: [] }];
    await el.updateComplete;
    return { el, dryRuns };
  }

  it('edits a copy of a built-in scenario under a new id, focused, and starts a rehearsal of it with the chosen durability', async () => {
    const { el, dryRuns } = await mountWithPorts();
    const opened = events(el, 'cl-open-rehearsal');
    el.shadowRoot!.querySelector<HTMLInputElement>('input[value="group"]')!.click();
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('cl-scenario-editor')).toBeNull();
    button(el, 'Edit a copy of job-keys…')!.click();
    const editor = await openedEditor(el);
    expect(editor.scenario.id).toBe('job-keys-copy');
    expect(editor.scenario.title).toBe(`${BUILT_IN_SCENARIOS['job-keys']!.title} (copy)`);
    expect(editor.scenario.collections).toEqual(BUILT_IN_SCENARIOS['job-keys']!.collections);
    // The built-in itself is untouched.
    expect(BUILT_IN_SCENARIOS['job-keys']!.id).toBe('job-keys');
    expect(el.shadowRoot!.activeElement).toBe(editor);
    expect(el.shadowRoot!.textContent).toContain('Editing a copy of job-keys, as job-keys-copy');
    // The dry run is on the scenario's seed data: no import id.
    editorButton(editor, 'Dry run')!.click();
    await expect.poll(() => dryRuns.length).toBe(1);
    expect(dryRuns[0]).toHaveLength(1);
    editorButton(editor, 'Start rehearsal')!.click();
    expect(opened).toEqual([{ scenario: expect.objectContaining({ id: 'job-keys-copy' }), durability: 'group' }]);
  });

  it('keeps the edited scenario under its id, closes the editor with a status line, and a copy of a copy gets a new id', async () => {
    const { el } = await mountWithPorts();
    const added = events(el, 'cl-add-scenario');
    button(el, 'Edit inventory…')!.click();
    let editor = await openedEditor(el);
    expect(editor.scenario).toEqual(inventoryScenario);
    expect(el.shadowRoot!.textContent).toContain('Editing your scenario inventory');
    editorButton(editor, 'Keep in my scenarios')!.click();
    await el.updateComplete;
    expect(added).toEqual([{ scenario: expect.objectContaining({ id: 'inventory' }), warnings: [] }]);
    expect(el.shadowRoot!.querySelector('cl-scenario-editor')).toBeNull();
    expect(el.shadowRoot!.querySelector('.editor-status')!.textContent).toContain('“inventory” kept');
    await expect.poll(() => el.shadowRoot!.activeElement).toBe(button(el, 'Edit inventory…'));
    // With job-keys-copy already kept, the next copy is job-keys-copy-2.
    el.userScenarios = [...el.userScenarios, { scenario: { ...BUILT_IN_SCENARIOS['job-keys']!, id: 'job-keys-copy' }, warnings: [] }];
    await el.updateComplete;
    button(el, 'Edit a copy of job-keys…')!.click();
    editor = await openedEditor(el);
    expect(editor.scenario.id).toBe('job-keys-copy-2');
    expect(el.shadowRoot!.querySelector('.editor-status')!.textContent!.trim()).toBe('');
  });

  it('Cancel closes the editor, keeps nothing, and returns focus to the button that opened it', async () => {
    const { el } = await mountWithPorts();
    const added = events(el, 'cl-add-scenario');
    const opened = events(el, 'cl-open-rehearsal');
    button(el, 'Edit a copy of session-json…')!.click();
    const editor = await openedEditor(el);
    editorButton(editor, 'Cancel')!.click();
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('cl-scenario-editor')).toBeNull();
    await expect.poll(() => el.shadowRoot!.activeElement).toBe(button(el, 'Edit a copy of session-json…'));
    expect(added).toEqual([]);
    expect(opened).toEqual([]);
  });

  it('opens one editor at a time, and disables the Edit buttons while busy or without an engine', async () => {
    const { el } = await mountWithPorts();
    button(el, 'Edit a copy of job-keys…')!.click();
    await openedEditor(el);
    button(el, 'Edit inventory…')!.click();
    await expect.poll(() => el.shadowRoot!.querySelector('cl-scenario-editor')?.scenario.id).toBe('inventory');
    expect(el.shadowRoot!.querySelectorAll('cl-scenario-editor')).toHaveLength(1);
    el.busy = true;
    await el.updateComplete;
    for (const label of ['Edit inventory…', 'Edit a copy of job-keys…', 'Edit a copy of session-json…', 'Edit a copy of consensus-artifacts…']) expect(button(el, label)!.disabled, label).toBe(true);
    el.busy = false;
    el.importPorts = null;
    await el.updateComplete;
    expect(button(el, 'Edit inventory…')!.disabled).toBe(true);
  });
});
