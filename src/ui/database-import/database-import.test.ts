/**
 * `<cl-database-import>` with fake engine ports: a file that is not SQLite, or is too large, is
 * refused before the engine is asked (and, when too large, before it is read); a real SQLite file
 * (an empty database, built byte by byte: src/ui may not load sql.js, not even in a test) goes to
 * `inspect`, its tables and notes are shown as text, the starter
 * opens in the editor by itself, and a rehearsal of it starts with the file's bytes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../../engine/vocabulary.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { MAX_IMPORT_BYTES, scenarioInfo, type DatabaseInspection, type DryRunResult, type ImportedTable, type ScenarioCheck } from '../../worker/protocol.ts';
import './database-import.ts';
import type { ClDatabaseImport, ImportPorts } from './database-import.ts';

const starter = { ...BUILT_IN_SCENARIOS['job-keys']!, id: 'shop', title: 'shop.sqlite' } as Scenario;

const table = (name: string, rows: number, collection: string | null, note?: string): ImportedTable => ({
  name,
  rows,
  columns: [
    { name: 'id', type: 'INTEGER', notNull: true, pk: collection ? 1 : 0 },
    { name: 'name', type: 'TEXT', notNull: false, pk: 0 },
  ],
  foreignKeys: [],
  collection,
  ...(note ? { note } : {}),
});

/** An inspection of `fileName` with two tables, one of them without a collection. */
const inspectionOf = (fileName: string, bytes: number, tables = [table('customers', 3, 'customers'), table('events', 2, null, 'no primary key')]): DatabaseInspection => ({
  ok: true,
  importId: 'import-1',
  fileName,
  bytes,
  tables,
  starter,
  notes: ['table "events" has no primary key: the starter leaves it out'],
  timings: { open: 1, integrity: 2, tables: 3, starter: 4 },
});

/** Ports that record what they are asked; `inspect` answers with `answer`. */
function fakePorts(answer: (bytes: Uint8Array, fileName: string) => DatabaseInspection) {
  const inspected: { bytes: Uint8Array; fileName: string }[] = [];
  const dryRuns: unknown[][] = [];
  const ports: ImportPorts = {
    inspect: async (bytes, fileName) => {
      inspected.push({ bytes, fileName });
      return answer(bytes, fileName);
    },
    check: async (text: string): Promise<ScenarioCheck> => {
      const s = JSON.parse(text) as Scenario;
      return { ok: true, scenario: s, info: scenarioInfo(s), warnings: [] };
    },
    dryRun: async (...args: unknown[]): Promise<DryRunResult> => {
      dryRuns.push(args);
      return { ok: true, source: 'import', collections: [] };
    },
  };
  return { ports, inspected, dryRuns };
}

async function mount(ports: ImportPorts | null): Promise<ClDatabaseImport> {
  const el = document.createElement('cl-database-import');
  el.ports = ports;
  el.durability = 'group';
  document.body.append(el);
  await el.updateComplete;
  return el;
}

/**
 * An empty SQLite 3 database as SQLite writes it (https://sqlite.org/fileformat.html): one 512-byte
 * page, the 100-byte header, then the empty leaf page of sqlite_master. sql.js opens it, its
 * integrity check says ok, and tables can be created in it (checked when this was written).
 */
function emptyDatabase(): Uint8Array<ArrayBuffer> {
  const pageSize = 512;
  const bytes = new Uint8Array(pageSize);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode('SQLite format 3\0'), 0);
  view.setUint16(16, pageSize);
  bytes.set([1, 1, 0, 64, 32, 32], 18); // file format versions, reserved bytes, payload fractions
  view.setUint32(24, 1); // change counter
  view.setUint32(28, 1); // pages in the file
  view.setUint32(44, 4); // schema format
  view.setUint32(56, 1); // UTF-8
  view.setUint32(92, 1); // version-valid-for: the change counter, so the page count holds
  view.setUint32(96, 3_045_000); // SQLite version number
  bytes[100] = 0x0d; // a leaf table b-tree page with no cells
  view.setUint16(105, pageSize); // its cell content area starts at the end of the page
  return bytes;
}

/** A small SQLite database file, and its bytes. */
async function sqliteFile(name = 'shop.sqlite'): Promise<{ file: File; bytes: Uint8Array }> {
  const bytes = emptyDatabase();
  return { file: new File([bytes], name, { type: 'application/vnd.sqlite3' }), bytes };
}

const text = (el: ClDatabaseImport): string => el.shadowRoot!.textContent!.replace(/\s+/g, ' ');
const alertText = (el: ClDatabaseImport): string => el.shadowRoot!.querySelector('[role="alert"]')?.textContent?.replace(/\s+/g, ' ') ?? '';
const buttonNamed = (el: ClDatabaseImport, name: string): HTMLButtonElement | undefined => [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);

/** Waits until the import has shown the inspection. */
async function ready(el: ClDatabaseImport): Promise<void> {
  await expect.poll(() => el.shadowRoot!.querySelector('.ready'), { timeout: 10_000 }).not.toBeNull();
}

afterEach(() => document.body.replaceChildren());

describe('cl-database-import', () => {
  it('refuses a file that is not SQLite by its header, before the engine is asked', async () => {
    const { ports, inspected } = fakePorts(() => inspectionOf('x', 0));
    const el = await mount(ports);
    await el.openFile(new File(['id,name\n1,a\n'], 'x.sqlite'));
    await el.updateComplete;
    expect(inspected).toEqual([]);
    expect(alertText(el)).toContain('x.sqlite was not imported');
    expect(alertText(el)).toContain('it is not a SQLite database: a SQLite 3 file starts with "SQLite format 3", and this one starts with "id,name');
    expect(alertText(el)).toContain('Nothing was stored or changed.');
    expect(el.shadowRoot!.querySelector('cl-scenario-editor')).toBeNull();
  });

  it('refuses a file over the size cap without reading it', async () => {
    const { ports, inspected } = fakePorts(() => inspectionOf('x', 0));
    const el = await mount(ports);
    const file = new File(['SQLite format 3\0'], 'huge.sqlite');
    const reads: string[] = [];
    Object.defineProperty(file, 'size', { value: MAX_IMPORT_BYTES + 1 });
    for (const method of ['slice', 'stream', 'arrayBuffer', 'text'] as const) {
      Object.defineProperty(file, method, {
        value: () => {
          reads.push(method);
          throw new Error(`${method} was called`);
        },
      });
    }
    await el.openFile(file);
    await el.updateComplete;
    expect(reads).toEqual([]);
    expect(inspected).toEqual([]);
    expect(alertText(el)).toContain('huge.sqlite was not imported: the file is 256 MiB, over the 256 MiB an import can hold in a tab');
    expect(alertText(el)).toContain('Nothing was stored or changed.');
  });

  it('shows what the engine found in a SQLite file, opens the starter in the editor by itself, and starts a rehearsal with the file', async () => {
    const { ports, inspected, dryRuns } = fakePorts((bytes, fileName) => inspectionOf(fileName, bytes.length));
    const el = await mount(ports);
    const { file, bytes } = await sqliteFile();
    void el.openFile(file);
    await ready(el);
    expect(inspected).toHaveLength(1);
    expect(inspected[0]!.fileName).toBe('shop.sqlite');
    expect(inspected[0]!.bytes).toEqual(bytes);
    expect(text(el)).toMatch(/shop\.sqlite \(0\.5 KiB\): integrity check ok — 2 tables, 5 rows/);
    const rows = [...el.shadowRoot!.querySelectorAll('table.tables tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent!.replace(/\s+/g, ' ').trim()));
    expect(rows).toEqual([
      ['customers', '3', 'id', 'collection customers'],
      ['events', '2', '—', 'no collection'],
    ]);
    expect(el.shadowRoot!.querySelector('.notes')!.textContent).toContain('table "events" has no primary key: the starter leaves it out');
    // The editor opens by itself, once it has loaded, on the starter; its dry run samples the import.
    await expect.poll(() => el.shadowRoot!.querySelector('cl-scenario-editor'), { timeout: 10_000 }).not.toBeNull();
    const editor = el.shadowRoot!.querySelector('cl-scenario-editor')!;
    expect(editor.scenario).toEqual(starter);
    expect(editor.importName).toBe('shop.sqlite');
    expect(buttonNamed(el, 'Edit the starter scenario')!.disabled).toBe(true);
    await editor.dryRun(starter);
    expect(dryRuns).toEqual([[starter, 'import-1']]);

    const opened: unknown[] = [];
    el.addEventListener('cl-open-rehearsal', (e) => opened.push((e as CustomEvent).detail));
    buttonNamed(el, 'Start a rehearsal of the starter as it is')!.click();
    expect(opened).toEqual([{ scenario: starter, durability: 'group', startingImport: { name: 'shop.sqlite', bytes } }]);
    const sent = (opened[0] as { startingImport: { bytes: Uint8Array } }).startingImport.bytes;
    expect(sent).toBeInstanceOf(Uint8Array);
    expect([...sent.subarray(0, 15)].map((b) => String.fromCharCode(b)).join('')).toBe('SQLite format 3');
  });

  it('rehearses the file with one of your scenarios instead of the starter (one written or shared for this database)', async () => {
    const { ports } = fakePorts((bytes, fileName) => inspectionOf(fileName, bytes.length));
    const el = await mount(ports);
    const mine = { ...starter, id: 'shop-split-names', title: 'Split the names' } as Scenario;
    el.scenarios = [mine];
    const { file, bytes } = await sqliteFile();
    void el.openFile(file);
    await ready(el);
    const select = el.shadowRoot!.querySelector<HTMLSelectElement>('select#use-scenario')!;
    expect([...select.options].map((o) => o.textContent!.trim())).toEqual(['the starter made of shop.sqlite', 'your scenario “shop-split-names”: Split the names']);
    select.value = 'shop-split-names';
    select.dispatchEvent(new Event('change'));
    await el.updateComplete;
    await expect.poll(() => el.shadowRoot!.querySelector('cl-scenario-editor')?.scenario.id, { timeout: 10_000 }).toBe('shop-split-names');
    const opened: unknown[] = [];
    el.addEventListener('cl-open-rehearsal', (e) => opened.push((e as CustomEvent).detail));
    buttonNamed(el, 'Start a rehearsal of shop-split-names as it is')!.click();
    expect(opened).toEqual([{ scenario: mine, durability: 'group', startingImport: { name: 'shop.sqlite', bytes } }]);
  });

  it('after Cancel in the editor, focus goes to "Edit the starter scenario", which opens it again', async () => {
    const { ports } = fakePorts((bytes, fileName) => inspectionOf(fileName, bytes.length));
    const el = await mount(ports);
    void el.openFile((await sqliteFile()).file);
    await ready(el);
    await expect.poll(() => el.shadowRoot!.querySelector('cl-scenario-editor'), { timeout: 10_000 }).not.toBeNull();
    const cancel = [...el.shadowRoot!.querySelector('cl-scenario-editor')!.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Cancel')!;
    cancel.click();
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('cl-scenario-editor')).toBeNull();
    const edit = buttonNamed(el, 'Edit the starter scenario')!;
    await expect.poll(() => el.shadowRoot!.activeElement).toBe(edit);
    edit.click();
    await expect.poll(() => el.shadowRoot!.querySelector('cl-scenario-editor')).not.toBeNull();
  });

  it('does not open the editor for a file forgotten before the editor loaded', async () => {
    const { ports } = fakePorts((bytes, fileName) => inspectionOf(fileName, bytes.length));
    const el = await mount(ports);
    void el.openFile((await sqliteFile()).file);
    await ready(el);
    buttonNamed(el, 'Forget this file')!.click();
    await el.updateComplete;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(el.shadowRoot!.querySelector('.ready')).toBeNull();
    expect(el.shadowRoot!.querySelector('cl-scenario-editor')).toBeNull();
  });

  it('shows a refusal from the engine as an alert, nothing stored', async () => {
    const { ports, inspected } = fakePorts(() => ({ ok: false, problem: 'the integrity check failed: *** in database main *** Page 3: btreeInitPage() returns error code 11' }));
    const el = await mount(ports);
    await el.openFile((await sqliteFile('damaged.db')).file);
    await el.updateComplete;
    expect(inspected).toHaveLength(1);
    expect(alertText(el)).toContain('damaged.db was not imported: the integrity check failed: *** in database main *** Page 3');
    expect(alertText(el)).toContain('Nothing was stored or changed.');
    expect(el.shadowRoot!.querySelector('.ready')).toBeNull();
    expect(el.shadowRoot!.querySelector('cl-scenario-editor')).toBeNull();
  });

  it('shows names from the file as text, never as markup', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const { ports } = fakePorts((bytes, fileName) => ({ ...inspectionOf(fileName, bytes.length, [table(evil, 1, evil), table('plain', 1, null)]), notes: [`table "${evil}" is odd`] }));
    const el = await mount(ports);
    void el.openFile((await sqliteFile(`${evil}.sqlite`)).file);
    await ready(el);
    expect(el.shadowRoot!.querySelector('img')).toBeNull();
    expect(el.shadowRoot!.querySelector('table.tables tbody th')!.textContent).toBe(evil);
    expect(el.shadowRoot!.querySelector('table.tables tbody code')!.textContent).toBe(evil);
    expect(el.shadowRoot!.querySelector('.notes')!.textContent).toContain(`table "${evil}" is odd`);
    expect(text(el)).toContain(`${evil}.sqlite`);
  });
});
