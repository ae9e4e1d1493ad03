/**
 * `<cl-scenario-picker>` opening a scenario file: read as text, checked by a real engine worker
 * (`checkScenario`, through the client the page uses), then kept as the user's scenario or
 * refused with its problems at their paths, nothing kept.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import inventory from '../../../docs/examples/inventory.json';
import { EngineClient } from '../../worker/client.ts';
import type { ScenarioCheck } from '../../worker/protocol.ts';
import './scenario-picker.ts';
import type { ClScenarioPicker, PickerUserScenario } from './scenario-picker.ts';

let client: EngineClient;
beforeAll(async () => {
  client = new EngineClient((name) => new Worker(new URL('../../worker/engine.worker.ts', import.meta.url), { type: 'module', name }));
  // The worker is up (SQLite loaded) before the first file is chosen.
  await client.call((api) => api.list());
});
afterAll(() => client.dispose());

/** A picker whose kept scenarios are what it asked to keep, as the page does. */
async function mount(): Promise<{ el: ClScenarioPicker; added: PickerUserScenario[]; checked: string[] }> {
  const el = document.createElement('cl-scenario-picker');
  const added: PickerUserScenario[] = [];
  const checked: string[] = [];
  el.checkScenario = async (text: string): Promise<ScenarioCheck> => {
    checked.push(text);
    return client.call<ScenarioCheck>((api) => api.checkScenario(text));
  };
  el.addEventListener('cl-add-scenario', (e) => {
    added.push(e.detail);
    el.userScenarios = [...added];
  });
  document.body.append(el);
  await el.updateComplete;
  return { el, added, checked };
}

const fileOf = (text: string, name = 'scenario.json', type = 'application/json'): File => new File([text], name, { type });

/** Chooses `file` through the picker's file input, as a user does, and waits for the check. */
async function choose(el: ClScenarioPicker, file: File): Promise<void> {
  const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[type="file"]')!;
  const list = new DataTransfer();
  list.items.add(file);
  input.files = list.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
  await settled(el);
}

/** Waits until the picker is no longer checking a file (it shows "Checking" from the event on). */
async function settled(el: ClScenarioPicker): Promise<void> {
  await el.updateComplete;
  await expect.poll(() => el.shadowRoot!.textContent!.includes('Checking '), { timeout: 10_000 }).toBe(false);
  await el.updateComplete;
}

const cards = (el: ClScenarioPicker) => [...el.shadowRoot!.querySelectorAll('article')];
const problems = (el: ClScenarioPicker) => [...el.shadowRoot!.querySelectorAll('.problems li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim());

afterEach(() => document.body.replaceChildren());

describe('cl-scenario-picker: a scenario file', () => {
  it('offers a keyboard-reachable file input that accepts JSON', async () => {
    const { el } = await mount();
    const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[type="file"]')!;
    expect(input.accept).toBe('.json,application/json');
    expect(input.closest('label')!.textContent).toContain('Open a scenario file…');
    input.focus();
    expect(el.shadowRoot!.activeElement).toBe(input);
  });

  it('keeps a valid file as "your scenario", whose card starts a rehearsal of it with the chosen durability', async () => {
    const { el, added } = await mount();
    await choose(el, fileOf(JSON.stringify(inventory), 'inventory.json'));
    expect(added.map((a) => a.scenario.id)).toEqual(['inventory']);
    const card = cards(el).find((c) => c.textContent!.includes('your scenario'))!;
    expect(card.querySelector('h3')!.textContent).toBe(inventory.title);
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).toContain('inventory.json: valid');
    const opened: unknown[] = [];
    el.addEventListener('cl-open-rehearsal', (e) => opened.push(e.detail));
    el.shadowRoot!.querySelector<HTMLInputElement>('input[value="group"]')!.click();
    await el.updateComplete;
    [...card.querySelectorAll('button')].find((b) => b.textContent === 'Start a rehearsal of inventory')!.click();
    expect(opened).toEqual([{ scenario: expect.objectContaining({ id: 'inventory', title: inventory.title }), durability: 'group' }]);
  });

  it('lists an invalid file\'s problems with their paths, and keeps nothing', async () => {
    const { el, added } = await mount();
    const broken = { ...inventory, policy: 'sometimes', title: undefined };
    await choose(el, fileOf(JSON.stringify(broken), 'broken.json'));
    expect(added).toEqual([]);
    expect(cards(el).some((c) => c.textContent!.includes('your scenario'))).toBe(false);
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).toContain('broken.json was not added');
    const listed = problems(el);
    expect(listed.some((p) => p.startsWith('policy:'))).toBe(true);
    expect(listed.some((p) => p.startsWith('title:'))).toBe(true);
  });

  it('says where a file that is not JSON stops being JSON, and keeps nothing', async () => {
    const { el, added } = await mount();
    await choose(el, fileOf('{\n  "id": "x",\n  oops\n}', 'notes.json'));
    expect(added).toEqual([]);
    expect(problems(el)).toEqual([expect.stringMatching(/^not valid JSON \(at line 3, column 3\)/)]);
  });

  it('refuses a file over 1 MiB without reading or checking it', async () => {
    const { el, added, checked } = await mount();
    await choose(el, fileOf(`{"pad": "${'x'.repeat(1024 * 1024)}"}`, 'huge.json'));
    expect(checked).toEqual([]);
    expect(added).toEqual([]);
    expect(problems(el)).toEqual([expect.stringMatching(/1\.0 MiB; a scenario file may be at most 1 MiB/)]);
  });

  it('refuses a scenario with a built-in\'s id', async () => {
    const { el, added } = await mount();
    await choose(el, fileOf(JSON.stringify({ ...inventory, id: 'job-keys' }), 'clash.json'));
    expect(added).toEqual([]);
    expect(problems(el)).toEqual([expect.stringMatching(/^id: "job-keys" is a built-in scenario's id/)]);
  });

  it('shows a drop zone while a file is dragged over it, and checks a dropped file', async () => {
    const { el, added } = await mount();
    const data = new DataTransfer();
    data.items.add(fileOf(JSON.stringify(inventory), 'dropped.json'));
    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('.file')!.classList.contains('dragging')).toBe(true);
    expect(el.shadowRoot!.textContent).toContain('Drop a scenario file (.json) or a database (.sqlite) to check it');
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    await settled(el);
    expect(el.shadowRoot!.querySelector('.file')!.classList.contains('dragging')).toBe(false);
    expect(added.map((a) => a.scenario.id)).toEqual(['inventory']);
  });

  it('hands a dropped file that is not .json to the database import, not to the scenario check', async () => {
    const { el, added, checked } = await mount();
    const data = new DataTransfer();
    data.items.add(new File(['SQLite format 3\0'], 'old.sqlite', { type: 'application/octet-stream' }));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    await settled(el);
    // No engine ports here: the import refuses it, and says so in its own section.
    const alert = () => el.shadowRoot!.querySelector('cl-database-import')!.shadowRoot!.querySelector('[role="alert"]')?.textContent ?? '';
    await expect.poll(alert).toContain('old.sqlite was not imported');
    expect(checked).toEqual([]);
    expect(added).toEqual([]);
    expect(problems(el)).toEqual([]);
  });

  it('removes a user scenario only after a confirming press', async () => {
    const { el } = await mount();
    el.userScenarios = [{ scenario: inventory as never, warnings: [{ path: 'operations.x', message: 'may truncate' }] }];
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('.warnings')!.textContent).toContain('operations.x: may truncate');
    const removed: unknown[] = [];
    el.addEventListener('cl-remove-scenario', (e) => removed.push(e.detail));
    const button = (label: string) => [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === label) ?? null;
    button('Remove inventory…')!.click();
    await el.updateComplete;
    expect(removed).toEqual([]);
    expect(el.shadowRoot!.activeElement).toBe(button('Keep inventory'));
    button('Yes, remove inventory')!.click();
    expect(removed).toEqual([{ id: 'inventory' }]);
  });
});
