/**
 * `<cl-scenario-editor>`: edits checked as they are typed (problems at the field their path points
 * into, the field marked invalid), Start only once the check passed, a dry run shown as text, and
 * the edited scenario handed on in its events. One test checks through a real engine worker.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import inventory from '../../../docs/examples/inventory.json';
import type { Scenario } from '../../engine/vocabulary.ts';
import { EngineClient } from '../../worker/client.ts';
import type { DryRunResult, Problem, ScenarioCheck } from '../../worker/protocol.ts';
import './scenario-editor.ts';
import type { ClScenarioEditor } from './scenario-editor.ts';

const scenario = inventory as unknown as Scenario;

/** A check that passes unless `problemsOf` finds something in the text, and records every text it was given. */
function fakeCheck(problemsOf: (s: Scenario) => Problem[] = () => []) {
  const texts: string[] = [];
  const check = async (text: string): Promise<ScenarioCheck> => {
    texts.push(text);
    const s = JSON.parse(text) as Scenario;
    const problems = problemsOf(s);
    return problems.length > 0 ? { ok: false, problems } : { ok: true, scenario: s, info: {} as never, warnings: [] };
  };
  return { check, texts };
}

async function mount(options: { check?: (text: string) => Promise<ScenarioCheck>; dryRun?: (s: unknown) => Promise<DryRunResult>; importName?: string } = {}): Promise<ClScenarioEditor> {
  const el = document.createElement('cl-scenario-editor');
  el.scenario = scenario;
  el.check = options.check ?? fakeCheck().check;
  el.dryRun = options.dryRun ?? (async () => ({ ok: true, source: 'seed data', collections: [] }));
  if (options.importName) el.importName = options.importName;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const root = (el: ClScenarioEditor): ShadowRoot => el.shadowRoot!;
const button = (el: ClScenarioEditor, label: string): HTMLButtonElement => {
  const found = [...root(el).querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent!.trim()) === label);
  if (!found) throw new Error(`no button "${label}"`);
  return found;
};
const status = (el: ClScenarioEditor): string => root(el).querySelector('.status')!.textContent!.trim();

/** The SQL field at `path`, once its CodeMirror editor is mounted. */
async function sqlField(el: ClScenarioEditor, path: string) {
  const field = root(el).querySelector(`cl-scenario-sql-field[data-path="${path}"]`);
  if (!field) throw new Error(`no SQL field at ${path}`);
  await expect.poll(() => field.shadowRoot!.querySelector('.cm-content'), { timeout: 10_000 }).not.toBeNull();
  return { field, content: field.shadowRoot!.querySelector<HTMLElement>('.cm-content')! };
}

/** Replaces the statement at `path` by typing, as a user does. */
async function typeSql(el: ClScenarioEditor, path: string, text: string): Promise<void> {
  const { content } = await sqlField(el, path);
  await userEvent.click(content);
  await userEvent.keyboard('{Control>}a{/Control}{Backspace}');
  await userEvent.keyboard(text);
}

/** Waits until the check of the latest edit has finished. */
async function checked(el: ClScenarioEditor): Promise<void> {
  await expect.poll(() => status(el), { timeout: 10_000 }).not.toBe('Checking…');
  await el.updateComplete;
}

function events(el: ClScenarioEditor, type: string): unknown[] {
  const out: unknown[] = [];
  el.addEventListener(type, (e) => out.push((e as CustomEvent).detail));
  return out;
}

let client: EngineClient | undefined;
afterEach(() => document.body.replaceChildren());
afterAll(() => client?.dispose());

describe('cl-scenario-editor', () => {
  it('shows a problem at the new DDL statement it was found in, marks it invalid and keeps Start disabled', async () => {
    const { check } = fakeCheck((s) => (s.schema.new[0]!.startsWith('CREAT ') ? [{ path: 'schema.new[0]', message: 'near "CREAT": syntax error' }] : []));
    const el = await mount({ check });
    await checked(el);
    expect(status(el)).toBe('No problems');
    expect(button(el, 'Start rehearsal').disabled).toBe(false);

    await typeSql(el, 'schema.new[0]', 'CREAT TABLE products (sku TEXT)');
    await expect.poll(() => status(el), { timeout: 10_000 }).toBe('1 problem');
    const { field, content } = await sqlField(el, 'schema.new[0]');
    expect(field.shadowRoot!.querySelector('.problems')!.textContent).toContain('near "CREAT": syntax error');
    await expect.poll(() => content.getAttribute('aria-invalid')).toBe('true');
    expect(field.shadowRoot!.querySelector('.frame')!.classList.contains('invalid')).toBe(true);
    // The message is the editable area's description.
    expect(field.shadowRoot!.getElementById(content.getAttribute('aria-describedby')!)!.textContent).toContain('syntax error');
    // Other statements carry no message.
    const other = await sqlField(el, 'schema.new[1]');
    expect(other.content.getAttribute('aria-invalid')).toBeNull();
    expect(button(el, 'Start rehearsal').disabled).toBe(true);
    expect(button(el, 'Keep in my scenarios').disabled).toBe(true);

    await typeSql(el, 'schema.new[0]', 'CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL)');
    await expect.poll(() => status(el), { timeout: 10_000 }).toBe('No problems');
    expect(button(el, 'Start rehearsal').disabled).toBe(false);
    expect(content.getAttribute('aria-invalid')).toBeNull();
  });

  it('lists a problem whose path has no field at the top, and one in an effect at its JSON field', async () => {
    const { check } = fakeCheck(() => [
      { path: 'settings.backfillBatchSize', message: 'must be a whole number from 1' },
      { path: 'operations.reprice.effect.set.price_cents', message: 'is not deterministic' },
    ]);
    const el = await mount({ check });
    await checked(el);
    expect(status(el)).toBe('2 problems');
    expect(root(el).querySelector('.problems.top')!.textContent).toMatch(/settings\.backfillBatchSize\s*: must be a whole number/);
    const effect = root(el).querySelector<HTMLTextAreaElement>('label[for] + textarea[aria-invalid="true"]')!;
    expect(root(el).querySelector(`label[for="${effect.id}"]`)!.textContent).toBe('reprice: effect (JSON)');
    expect(root(el).getElementById(effect.getAttribute('aria-describedby')!)!.textContent).toContain('is not deterministic');
  });

  it('refuses a JSON field that does not parse until it does, without asking the worker', async () => {
    const { check, texts } = fakeCheck();
    const el = await mount({ check });
    await checked(el);
    const params = [...root(el).querySelectorAll('label')].find((l) => l.textContent === 'reprice: params (JSON)')!;
    const input = root(el).getElementById(params.htmlFor) as HTMLTextAreaElement;
    await userEvent.fill(input, '{ "sku": ');
    await checked(el);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(status(el)).toBe('1 problem');
    expect(button(el, 'Start rehearsal').disabled).toBe(true);
    await userEvent.fill(input, '{ "sku": { "existing": "items", "field": "sku" }, "price": { "const": 1.5 } }');
    await checked(el);
    expect(input.getAttribute('aria-invalid')).toBe('false');
    expect(button(el, 'Start rehearsal').disabled).toBe(false);
    expect((JSON.parse(texts.at(-1)!) as Scenario).operations.reprice!.params).toEqual({ sku: { existing: 'items', field: 'sku' }, price: { const: 1.5 } });
  });

  it('fires start and save with the edited scenario, and cancel', async () => {
    const el = await mount();
    const started = events(el, 'cl-editor-start');
    const saved = events(el, 'cl-editor-save');
    const cancelled = events(el, 'cl-editor-cancel');
    await checked(el);
    const title = root(el).querySelector<HTMLInputElement>('#f-title')!;
    await userEvent.fill(title, 'My inventory');
    await typeSql(el, 'drop[0]', 'DROP TABLE IF EXISTS items');
    await checked(el);
    await userEvent.click(button(el, 'Start rehearsal'));
    await userEvent.click(button(el, 'Keep in my scenarios'));
    await userEvent.click(button(el, 'Cancel'));
    expect(started).toHaveLength(1);
    const edited = (started[0] as { scenario: Scenario }).scenario;
    expect(edited.title).toBe('My inventory');
    expect(edited.drop).toEqual(['DROP TABLE IF EXISTS items']);
    expect(edited.operations).toEqual(scenario.operations);
    expect(saved).toEqual(started);
    expect(cancelled).toEqual([null]);
    // The starting scenario is not changed by editing.
    expect(scenario.title).not.toBe('My inventory');
  });

  it('shows a dry run\'s rows as text, its differences marked, and a statement error with its path', async () => {
    const html = '<img src=x onerror=alert(1)>';
    const asked: unknown[] = [];
    const result: DryRunResult = {
      ok: true,
      source: 'import',
      collections: [
        {
          name: 'items',
          sampled: 2,
          differing: 1,
          old: { columns: ['sku', 'name', 'stock', 'price_cents'], rows: [['a', html, null, 100], ['b', 'plain', 2, new Uint8Array([1, 171])]] },
          new: { columns: ['sku', 'name', 'stock', 'price_cents'], rows: [['a', html, null, 1000], ['b', 'plain', 2, new Uint8Array([1, 171])]] },
          differences: [{ key: '["a"]', old: { name: html, stock: null, price_cents: 100 }, new: { name: html, stock: null, price_cents: 1000 } }],
          error: { path: 'collections.items.upsert.new[1]', message: 'NOT NULL constraint failed: stock_levels.on_hand' },
        },
      ],
    };
    const el = await mount({ dryRun: async (s) => (asked.push(s), result), importName: 'shop.sqlite' });
    expect(root(el).querySelector('.dry-run')!.textContent).toContain('a sample of the rows of shop.sqlite');
    await userEvent.click(button(el, 'Dry run'));
    await expect.poll(() => root(el).querySelector('.dry-collection')).not.toBeNull();
    expect((asked[0] as Scenario).id).toBe('inventory');
    const section = root(el).querySelector('.dry-collection')!;
    expect(section.querySelector('img')).toBeNull();
    const cells = (side: string) => [...section.querySelectorAll(`table[data-side="${side}"] tbody tr`)].map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent));
    expect(cells('old')).toEqual([
      ['a', html, 'NULL', '100'],
      ['b', 'plain', '2', "x'01ab'"],
    ]);
    expect(cells('new')[0]).toEqual(['a', html, 'NULL', '1000']);
    const marked = (side: string) => [...section.querySelectorAll(`table[data-side="${side}"] tbody tr`)].map((tr) => tr.classList.contains('differs'));
    expect(marked('old')).toEqual([true, false]);
    expect(marked('new')).toEqual([true, false]);
    expect(section.querySelector('.differences')!.textContent).toContain(`old name ${html}, stock NULL, price_cents 100; new name ${html}, stock NULL, price_cents 1000`);
    expect(section.querySelector('.verdict')!.textContent).toMatch(/All 2 records compared\.\s+1 of 2 differ\./);
    expect(root(el).querySelector('.dry-run [aria-live]')!.textContent).toMatch(/2 records compared,\s+1 differing\./);
    expect(section.querySelector('.error')!.textContent).toMatch(/collections\.items\.upsert\.new\[1\]\s*: NOT NULL constraint failed/);
    expect(root(el).querySelector('.stale')).toBeNull();
    await userEvent.fill(root(el).querySelector<HTMLInputElement>('#f-title')!, 'Edited');
    expect(root(el).querySelector('.stale')!.textContent).toContain('edited after this dry run');
  });

  it('says how many records were compared and how many differ, the first 20 listed', async () => {
    const columns = ['sku', 'name'];
    const rows = (n: number) => Array.from({ length: n }, (_, i) => [`s${String(i + 1).padStart(3, '0')}`, `item ${i + 1}`]);
    const result: DryRunResult = {
      ok: true,
      source: 'seed data',
      collections: [
        { name: 'agree', sampled: 500, old: { columns, rows: rows(20) }, new: { columns, rows: rows(20) }, differences: [], differing: 0 },
        {
          name: 'differ',
          sampled: 500,
          old: { columns, rows: rows(20) },
          new: { columns, rows: rows(20) },
          differences: Array.from({ length: 20 }, (_, i) => ({ key: `["x${i}"]`, old: { name: 'a' }, new: { name: null } })),
          differing: 37,
        },
      ],
    };
    const el = await mount({ dryRun: async () => result });
    await userEvent.click(button(el, 'Dry run'));
    await expect.poll(() => root(el).querySelectorAll('.dry-collection').length).toBe(2);
    const text = (name: string) => root(el).querySelector(`.dry-collection[data-collection="${name}"]`)!.textContent!.replace(/\s+/g, ' ');
    expect(text('agree')).toMatch(/500 records sampled.*500 records compared, spread over the whole collection in key order\. Both sides agree on every sampled record\./);
    expect(text('differ')).toContain('500 records compared, spread over the whole collection in key order. 37 of 500 differ (the first 20 listed).');
    expect(root(el).querySelectorAll('.dry-collection[data-collection="differ"] .differences li')).toHaveLength(20);
    expect(root(el).querySelector('.dry-run [aria-live] > p')!.textContent!.replace(/\s+/g, ' ')).toContain('1,000 records compared, 37 differing.');
  });

  it('gives every button a name that contains its visible text, and headings from h4 (it sits under an h3)', async () => {
    const el = await mount();
    const buttons = [...root(el).querySelectorAll('button')];
    expect(buttons.some((b) => b.getAttribute('aria-label') === 'Add statement to old schema')).toBe(true);
    for (const b of buttons) {
      const visible = b.textContent!.trim().replace(/\s+/g, ' ');
      const name = b.getAttribute('aria-label') ?? visible;
      expect(name.toLowerCase(), name).toContain(visible.toLowerCase());
    }
    expect(root(el).querySelector('header h4')!.textContent).toBe('Edit scenario');
    expect(root(el).querySelectorAll('h1, h2, h3')).toHaveLength(0);
    expect([...root(el).querySelectorAll('section > h5')].map((h) => h.textContent)).toEqual(['Scenario', 'Schemas', 'Collections', 'Operations', 'Drop', 'Seed data', 'Workload mix', 'Dry run']);
  });

  it('checks through the real engine worker: a broken new DDL statement gets SQLite\'s message at that statement', async () => {
    client = new EngineClient((name) => new Worker(new URL('../../worker/engine.worker.ts', import.meta.url), { type: 'module', name }));
    const c = client;
    const el = await mount({ check: (text) => c.call<ScenarioCheck>((api) => api.checkScenario(text)) });
    await checked(el);
    expect(status(el)).toBe('No problems');
    await typeSql(el, 'schema.new[1]', 'CREATE TABLE stock_levels (sku TEXT PRIMARY KEY REFERENCES products (sku), on_hand INTEGER NOT NULL,)');
    await expect.poll(() => status(el), { timeout: 10_000 }).toMatch(/^\d+ problems?$/);
    const { field, content } = await sqlField(el, 'schema.new[1]');
    expect(field.shadowRoot!.querySelector('.problems')!.textContent).toMatch(/syntax error/);
    expect(content.getAttribute('aria-invalid')).toBe('true');
    expect(button(el, 'Start rehearsal').disabled).toBe(true);
  });
});
