import { EditorView } from '@codemirror/view';
import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { ClEventMap } from '../events.ts';
import type { QueryResult, SchemaInfo, SchemaObject } from '../../worker/protocol.ts';
import './sql-console.ts';
import type { ClSqlConsole } from './sql-console.ts';

const column = (name: string, type = 'TEXT', pk = false) => ({ name, type, pk });

const artifacts: SchemaObject = {
  type: 'table',
  name: 'artifacts',
  sql: 'CREATE TABLE artifacts (id INTEGER PRIMARY KEY, spec_id TEXT)',
  columns: [column('id', 'INTEGER', true), column('spec_id')],
  engine: false,
};
const schema: SchemaInfo = {
  old: [artifacts, { type: 'index', name: 'artifacts_by_spec', sql: '', columns: [column('spec_id')], engine: false }],
  new: [
    { type: 'table', name: 'consensus_artifacts', sql: '', columns: [column('run_id', 'TEXT', true), column('stage')], engine: false },
    { type: 'view', name: 'latest', sql: '', columns: [column('run_id')], engine: false },
    { type: 'table', name: '_cl_versions', sql: '', columns: [column('key', 'TEXT', true)], engine: true },
  ],
};

function readResult(columns: string[], rows: QueryResult['rows'], overrides: Partial<QueryResult> = {}): QueryResult {
  return { side: 'new', columns, rows, truncated: false, truncatedValues: 0, changes: 0, kind: 'read', durationMs: 3, ...overrides };
}

const mounted: HTMLElement[] = [];
const listeners: ((e: Event) => void)[] = [];
afterEach(() => {
  for (const el of mounted.splice(0)) el.remove();
  for (const listener of listeners.splice(0)) document.removeEventListener('cl-run-query', listener);
});

async function mount(props: Partial<Pick<ClSqlConsole, 'labels' | 'schema' | 'result' | 'error' | 'running' | 'side' | 'value'>> = {}): Promise<ClSqlConsole> {
  const el = document.createElement('cl-sql-console');
  Object.assign(el, { labels: { old: 'old (artifacts)', new: 'new (consensus)' }, schema, ...props });
  document.body.append(el);
  mounted.push(el);
  await el.updateComplete;
  return el;
}

/** Runs heard on the document: the event must bubble out of the shadow root. */
function recordRuns(): ClEventMap['cl-run-query'][] {
  const runs: ClEventMap['cl-run-query'][] = [];
  const listener = (e: Event) => runs.push((e as CustomEvent<ClEventMap['cl-run-query']>).detail);
  document.addEventListener('cl-run-query', listener);
  listeners.push(listener);
  return runs;
}

const shadow = (el: ClSqlConsole): ShadowRoot => el.shadowRoot!;
const editorOf = (el: ClSqlConsole): EditorView => {
  const dom = shadow(el).querySelector<HTMLElement>('.cm-editor');
  const view = dom && EditorView.findFromDOM(dom);
  if (!view) throw new Error('no editor');
  return view;
};
const runButton = (el: ClSqlConsole) => shadow(el).querySelector<HTMLButtonElement>('button.run')!;
const sideInput = (el: ClSqlConsole, side: 'old' | 'new') => shadow(el).querySelector<HTMLInputElement>(`input[name="side"][value="${side}"]`)!;

describe('cl-sql-console', () => {
  it('puts a CodeMirror editor inside its shadow root, labelled, with the value as its text', async () => {
    const el = await mount({ value: 'SELECT 1' });
    const content = shadow(el).querySelector('.cm-content');
    expect(content?.getAttribute('aria-label')).toBe('SQL statement');
    expect(editorOf(el).state.doc.toString()).toBe('SELECT 1');
    el.value = 'SELECT 2';
    await el.updateComplete;
    expect(editorOf(el).state.doc.toString()).toBe('SELECT 2');
  });

  it('loads the editor on demand, in a box as tall as the empty editor, and gives it the focus asked for while loading', async () => {
    const el = document.createElement('cl-sql-console');
    el.value = 'SELECT 1';
    document.body.append(el);
    mounted.push(el);
    el.focus(); // before the editor module has arrived, as the `e` shortcut may
    await el.updateComplete; // waits for the editor too
    expect(shadow(el).activeElement).toBe(shadow(el).querySelector('.cm-content'));
    expect(editorOf(el).state.doc.toString()).toBe('SELECT 1');
    const status = shadow(el).querySelector<HTMLElement>('.editor-status')!;
    expect(status.hidden).toBe(true);
    expect(shadow(el).querySelector('.editor')?.classList.contains('loading')).toBe(false);
  });

  it('does not take the focus back when the user moved it while the editor loaded', async () => {
    const el = document.createElement('cl-sql-console');
    const other = document.createElement('button');
    document.body.append(el, other);
    mounted.push(el, other);
    el.focus();
    other.focus();
    await el.updateComplete;
    expect(document.activeElement).toBe(other);
    expect(shadow(el).querySelector('.cm-editor')).not.toBeNull();
  });

  it('fires cl-run-query with the side and the typed SQL when Run is pressed', async () => {
    const el = await mount();
    const runs = recordRuns();
    expect(runButton(el).disabled).toBe(true);
    editorOf(el).focus();
    await userEvent.keyboard('SELECT * FROM consensus_artifacts');
    await el.updateComplete;
    expect(el.value).toBe('SELECT * FROM consensus_artifacts');
    expect(runButton(el).disabled).toBe(false);
    await userEvent.click(runButton(el));
    expect(runs).toEqual([{ side: 'new', sql: 'SELECT * FROM consensus_artifacts' }]);
  });

  it('runs on Ctrl+Enter from the editor', async () => {
    const el = await mount({ value: 'SELECT count(*) FROM artifacts', side: 'old' });
    const runs = recordRuns();
    editorOf(el).focus();
    await userEvent.keyboard('{Control>}{Enter}{/Control}');
    expect(runs).toEqual([{ side: 'old', sql: 'SELECT count(*) FROM artifacts' }]);
    expect(editorOf(el).state.doc.toString()).toBe('SELECT count(*) FROM artifacts');
  });

  it('disables Run while a statement is running and says so', async () => {
    const el = await mount({ value: 'SELECT 1', running: true });
    const runs = recordRuns();
    expect(runButton(el).disabled).toBe(true);
    expect(runButton(el).textContent?.trim()).toBe('Running…');
    editorOf(el).focus();
    await userEvent.keyboard('{Control>}{Enter}{/Control}');
    expect(runs).toEqual([]);
    el.running = false;
    await el.updateComplete;
    expect(runButton(el).disabled).toBe(false);
  });

  it('switches side with the selector, showing the labels', async () => {
    const el = await mount({ value: 'SELECT 1' });
    const runs = recordRuns();
    expect(sideInput(el, 'new').checked).toBe(true);
    const labels = [...shadow(el).querySelectorAll('.sides label')].map((l) => l.textContent?.replace(/\s+/g, ' ').trim());
    expect(labels).toEqual(['old (artifacts)', 'new (consensus)']);
    await userEvent.click(sideInput(el, 'old'));
    await el.updateComplete;
    expect(el.side).toBe('old');
    await userEvent.click(runButton(el));
    expect(runs).toEqual([{ side: 'old', sql: 'SELECT 1' }]);
  });

  it('disables the old side once it is dropped, falling back to new', async () => {
    const el = await mount({ side: 'old', value: 'SELECT 1' });
    expect(sideInput(el, 'old').disabled).toBe(false);
    el.schema = { old: null, new: schema.new };
    await el.updateComplete;
    expect(sideInput(el, 'old').disabled).toBe(true);
    expect(el.side).toBe('new');
    expect(sideInput(el, 'new').checked).toBe(true);
    expect(shadow(el).querySelector('.schema-side.side-old')?.textContent).toContain('Dropped');
  });

  it('renders values as text: markup stays text and creates no element', async () => {
    const attack = '<img src=x onerror=alert(1)>';
    const el = await mount({ result: readResult(['<b>name</b>', 'note'], [[attack, 'plain']]) });
    const cells = [...shadow(el).querySelectorAll('tbody td')];
    expect(cells[0]?.textContent).toBe(attack);
    expect(shadow(el).querySelector('th')?.textContent).toBe('<b>name</b>');
    // The editor draws its own <img> cursor buffers; the result region must hold none.
    expect(shadow(el).querySelector('.results img, .results b, [onerror]')).toBeNull();
    expect(document.querySelector('img')).toBeNull();
  });

  it('shows NULL and blobs as SQL text, numbers as numbers', async () => {
    const el = await mount({ result: readResult(['a', 'b', 'c', 'd'], [[null, new Uint8Array([0xde, 0xad, 0x00, 0x0f]), 42, 'NULL']]) });
    const cells = [...shadow(el).querySelectorAll('tbody td')];
    expect(cells.map((c) => c.textContent)).toEqual(['NULL', "x'dead000f'", '42', 'NULL']);
    expect(cells.map((c) => c.className)).toEqual(['null', 'blob', 'number', 'text']);
  });

  it('counts rows, and says when the result was cut at the cap', async () => {
    const el = await mount({ result: readResult(['n'], [[1], [2], [3]]) });
    const summary = () => shadow(el).querySelector('[role="status"]')?.textContent?.replace(/\s+/g, ' ').trim();
    expect(summary()).toMatch(/^3 rows on new \(consensus\)/);
    expect(shadow(el).querySelector('.truncated')).toBeNull();
    const rows = Array.from({ length: 1000 }, (_, i) => [i]);
    el.result = readResult(['n'], rows, { truncated: true });
    await el.updateComplete;
    expect(shadow(el).querySelectorAll('tbody tr')).toHaveLength(1000);
    expect(summary()).toContain('1,000 rows');
    expect(shadow(el).querySelector('.truncated')?.textContent).toBe('showing the first 1,000 rows');
  });

  it('keeps the header row in view while the results scroll', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => [i, `row ${i}`]);
    const el = await mount({ result: readResult(['n', 'label'], rows) });
    const results = shadow(el).querySelector<HTMLElement>('.results')!;
    expect(results.scrollHeight).toBeGreaterThan(results.clientHeight);
    results.scrollTop = 2000;
    const th = shadow(el).querySelector('th')!;
    expect(Math.abs(th.getBoundingClientRect().top - results.getBoundingClientRect().top)).toBeLessThan(3);
  });

  it('reports rows changed by a write', async () => {
    const el = await mount({ result: readResult([], [], { kind: 'write', changes: 1 }) });
    expect(shadow(el).querySelector('[role="status"] .count')?.textContent).toBe('1 row changed');
    expect(shadow(el).querySelector('table')).toBeNull();
    el.result = readResult([], [], { kind: 'write', changes: 7 });
    await el.updateComplete;
    expect(shadow(el).querySelector('[role="status"] .count')?.textContent).toBe('7 rows changed');
    expect(shadow(el).querySelector('[role="status"] .hand-edit')?.textContent).toContain('not in the workload\'s history');
    el.result = readResult([], [], { kind: 'write', changes: 0 });
    await el.updateComplete;
    expect(shadow(el).querySelector('.hand-edit')).toBeNull();
  });

  it('shows the error in an alert', async () => {
    const el = await mount();
    const alert = shadow(el).querySelector('[role="alert"]')!;
    expect(alert.textContent).toBe('');
    el.error = 'ATTACH is not allowed in the console';
    await el.updateComplete;
    expect(alert.textContent?.trim()).toBe('ATTACH is not allowed in the console');
  });

  it('lists both sides’ objects with their columns, primary keys marked, engine objects apart', async () => {
    const el = await mount();
    const names = (side: string) => [...shadow(el).querySelectorAll(`.side-${side} .objects > li > .object-head .object-name`)].map((b) => b.textContent?.trim());
    expect(names('old')).toEqual(['artifacts', 'artifacts_by_spec']);
    expect(names('new')).toEqual(['consensus_artifacts', 'latest', '_cl_versions']);
    const engine = shadow(el).querySelector('.side-new details.engine-objects');
    expect(engine?.querySelector('summary')?.textContent).toBe('Engine-owned (1)');
    expect(engine?.querySelector('.object.engine .object-name')?.textContent?.trim()).toBe('_cl_versions');
    const idColumn = shadow(el).querySelector('.side-old .object .columns li');
    expect(idColumn?.querySelector('.column-name')?.textContent).toBe('id');
    expect(idColumn?.querySelector('.pk')?.getAttribute('title')).toBe('primary key');
  });

  it('inserts an object name at the cursor when it is clicked or chosen with Enter', async () => {
    const el = await mount({ value: 'SELECT * FROM ' });
    const view = editorOf(el);
    view.dispatch({ selection: { anchor: view.state.doc.length } });
    const button = [...shadow(el).querySelectorAll<HTMLButtonElement>('.object-name')].find((b) => b.textContent?.trim() === 'artifacts')!;
    await userEvent.click(button);
    await el.updateComplete;
    expect(el.value).toBe('SELECT * FROM artifacts');
    expect(shadow(el).activeElement?.classList.contains('cm-content')).toBe(true);

    const latest = [...shadow(el).querySelectorAll<HTMLButtonElement>('.object-name')].find((b) => b.textContent?.trim() === 'latest')!;
    latest.focus();
    await userEvent.keyboard('{Enter}');
    await el.updateComplete;
    expect(el.value).toBe('SELECT * FROM artifactslatest');
  });

  it('quotes names that are not plain identifiers', async () => {
    const el = await mount({ schema: { old: null, new: [{ type: 'table', name: 'order items', sql: '', columns: [], engine: false }] } });
    await userEvent.click(shadow(el).querySelector<HTMLButtonElement>('.object-name')!);
    expect(el.value).toBe('"order items"');
  });

  it('refuses a statement over the size limit', async () => {
    const el = await mount({ value: `SELECT '${'x'.repeat(10_000)}'` });
    expect(runButton(el).disabled).toBe(true);
    expect(shadow(el).querySelector('.notice.warn')?.textContent?.replace(/\s+/g, ' ')).toContain('at most 10,000');
  });

  it('stacks vertically at 390px and puts the schema beside the editor at 1280px', async () => {
    const el = await mount({ result: readResult(['a'], [['x']]) });
    el.style.width = '390px';
    await new Promise(requestAnimationFrame);
    const workspace = shadow(el).querySelector('.workspace')!.getBoundingClientRect();
    let aside = shadow(el).querySelector('.schema')!.getBoundingClientRect();
    expect(aside.top).toBeGreaterThanOrEqual(workspace.bottom);
    expect(el.scrollWidth).toBeLessThanOrEqual(390);
    el.style.width = '1280px';
    await new Promise(requestAnimationFrame);
    aside = shadow(el).querySelector('.schema')!.getBoundingClientRect();
    expect(aside.left).toBeGreaterThan(shadow(el).querySelector('.workspace')!.getBoundingClientRect().right - 1);
  });
});
