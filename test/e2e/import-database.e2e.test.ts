/**
 * Bring your own database, end to end in the built app (issue 13): a shop's database made by
 * another program (the sqlite3 command-line tool) — 100,000 keyed rows across three tables with
 * foreign keys, and a table without a key — imported through the picker, its starter scenario
 * generated, one table's migration edited in the editor (customers.name becomes full_name in the
 * new schema), dry-run, and rehearsed through all six phases with a workload and a backfill,
 * verify clean and nothing lost. Both databases are exported at read-new and opened again with
 * sqlite3: integrity_check ok and the same row counts. Bad files (not SQLite, truncated, damaged)
 * are refused with their message and nothing stored. The figures the issue asks for are printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { button, currentPhase, expectClean, nextPhase, shadowText, startApp, type App } from './app-harness.ts';
import { poll } from './wait.ts';

let app: App;
let dir: string;
beforeAll(async () => {
  app = await startApp();
  dir = await mkdtemp(join(tmpdir(), 'cutover-import-'));
});
afterAll(async () => {
  await app?.close();
});

const CUSTOMERS = 20_000;
const ORDERS = 40_000;
const ITEMS = 40_000;

const sqlite3 = (file: string, sql: string): string => execFileSync('sqlite3', [file, sql], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();

/** The shop's database, made by the sqlite3 tool as an application would have. */
function makeShop(file: string): void {
  const series = (n: number): string => `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})`;
  sqlite3(
    file,
    [
      'PRAGMA foreign_keys = ON',
      'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)',
      'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), total_cents INTEGER NOT NULL, status TEXT NOT NULL)',
      'CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders (id), sku TEXT NOT NULL, qty INTEGER NOT NULL, PRIMARY KEY (order_id, sku)) WITHOUT ROWID',
      'CREATE TABLE events (at TEXT NOT NULL, message TEXT)',
      'CREATE INDEX orders_by_customer ON orders (customer_id)',
      `${series(CUSTOMERS)} INSERT INTO customers SELECT i, 'customer ' || i, 'c' || i || '@example.com', '2025-01-01 10:00:00' FROM s`,
      `${series(ORDERS)} INSERT INTO orders SELECT i, 1 + i % ${CUSTOMERS}, (i * 37) % 10000, CASE i % 3 WHEN 0 THEN 'paid' WHEN 1 THEN 'shipped' ELSE 'new' END FROM s`,
      `${series(ITEMS)} INSERT INTO order_items SELECT i, 'sku-' || (i % 50), 1 + i % 4 FROM s`,
      `${series(500)} INSERT INTO events SELECT '2025-01-01', 'event ' || i FROM s`,
    ].join(';\n'),
  );
}

/** Long main-thread tasks the page saw (the Long Tasks API), from the page's start. */
async function watchLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}
const pageNow = (page: Page): Promise<number> => page.evaluate(() => performance.now());
const longestTask = (page: Page, from: number, to: number): Promise<number> =>
  page.evaluate(([a, b]) => Math.max(0, ...(window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((t) => t.start + t.duration >= a! && t.start <= b!).map((t) => t.duration)), [from, to]);

const importer = (page: Page): Promise<string> => shadowText(page, 'cl-database-import');

/** The starter with one table's migration edited: customers.name is full_name in the new schema. */
function renameName(scenario: Record<string, unknown>): Record<string, unknown> {
  const s = structuredClone(scenario) as {
    schema: { new: string[] };
    collections: Record<string, { rows: { new: string }; upsert: { new: string[] } }>;
    operations: Record<string, { new: string | string[] }>;
  };
  s.schema.new = s.schema.new.map((d) => (d.startsWith('CREATE TABLE customers') ? d.replace('name TEXT NOT NULL', 'full_name TEXT NOT NULL') : d));
  // The column, not the parameter :name (the canonical record keeps the field "name").
  const column = /(?<![:\w])"?name"?(?!\w)/g;
  const customers = s.collections.customers!;
  customers.rows.new = customers.rows.new.replace(column, 'full_name AS name');
  customers.upsert.new = customers.upsert.new.map((q) => q.replace(column, 'full_name'));
  s.operations.getCustomers!.new = (s.operations.getCustomers!.new as string).replace(column, 'full_name AS name');
  s.operations.putCustomers!.new = (s.operations.putCustomers!.new as string[]).map((q) => q.replace(column, 'full_name'));
  return s;
}

describe('bring your own database', () => {
  it('imports a 100,000-row database made by sqlite3, edits one table\'s migration, rehearses all six phases, and exports both sides sqlite3 opens', async () => {
    const file = join(dir, 'shop.sqlite');
    makeShop(file);
    expect(sqlite3(file, 'PRAGMA integrity_check')).toBe('ok');
    const { page, problems } = await app.newPage();
    await watchLongTasks(page);
    await page.goto(app.url);
    await button(page, 'Start a rehearsal of job-keys').waitFor();

    // Import: read, checked, described.
    const importStart = await pageNow(page);
    const t0 = Date.now();
    await page.locator('cl-database-import input[type="file"]').setInputFiles(file);
    await expect.poll(() => importer(page), { timeout: 120_000 }).toMatch(/integrity check ok — 4 tables,\s+100,500 rows/);
    const importMs = Date.now() - t0;
    const importLongest = await longestTask(page, importStart, await pageNow(page));
    const text = await importer(page);
    expect(text).toMatch(/events.*no collection/s);
    expect(text).toMatch(/table "events" has no primary key/);
    const starterMs = Number(/making the starter ([\d,]+) ms/.exec(text)?.[1]?.replaceAll(',', ''));

    // The starter, edited: the JSON view of the editor takes the whole scenario.
    // The starter opens in the editor by itself once the inspection is shown.
    const editor = page.locator('cl-scenario-editor');
    await editor.waitFor();
    await editor.locator('summary', { hasText: 'JSON of the whole scenario' }).click();
    const json = editor.locator('textarea#json-view');
    const starter = JSON.parse(await json.inputValue()) as Record<string, unknown>;
    expect(Object.keys(starter.collections as object)).toEqual(['customers', 'orders', 'order_items']);
    await json.fill(JSON.stringify(renameName(starter), null, 2));
    const start = editor.getByRole('button', { name: 'Start rehearsal', exact: true });
    await expect.poll(() => start.isEnabled(), { timeout: 30_000 }).toBe(true);
    // The dry run: a sample of the file's rows through the edited new schema, no difference.
    await editor.getByRole('button', { name: 'Dry run', exact: true }).click();
    const dryCustomers = editor.locator('article.dry-collection[data-collection="customers"]');
    await expect.poll(() => dryCustomers.count(), { timeout: 60_000 }).toBe(1);
    for (const name of ['customers', 'orders', 'order_items']) {
      const text = (await editor.locator(`article.dry-collection[data-collection="${name}"]`).textContent()) ?? '';
      expect(text, name).toMatch(/[\d,]+ records sampled.*records compared.*Both sides agree on every sampled record/s);
    }
    expect(await dryCustomers.locator('table[data-side="old"]').textContent()).toContain('customer 1');

    // Start: the file becomes the old database; its rows are counted in as they are versioned.
    const openStart = Date.now();
    await start.click();
    await poll(() => currentPhase(page).textContent(), (t) => t?.includes('old-only') ?? false, { timeout: 180_000, message: 'the imported rehearsal in old-only' });
    const openMs = Date.now() - openStart;

    await button(page, 'Start workload', 'cl-workload').click();
    await nextPhase(page, 'dual-write');
    const backfillStart = await pageNow(page);
    const b0 = Date.now();
    await button(page, 'Start backfill', 'cl-actions').click();
    const region = page.locator('cl-actions').getByRole('region', { name: 'Backfill', exact: true });
    await poll(async () => (await region.textContent()) ?? '', (t) => /Pass 1 done/.test(t), { timeout: 300_000, message: 'backfill pass 1 done' });
    const backfillMs = Date.now() - b0;
    const backfillLongest = await longestTask(page, backfillStart, await pageNow(page));
    const copied = Number(/Copied\s*([\d,]+)/.exec((await region.textContent()) ?? '')?.[1]?.replaceAll(',', '') ?? 0);
    // Records the workload wrote to both sides since dual-write began need no copy: all but a few.
    expect(copied).toBeGreaterThan(CUSTOMERS + ORDERS + ITEMS - 500);

    const report = () => page.locator('cl-consistency').evaluate((el) => (el as unknown as { report: { discrepancyCount: number; totals: unknown } | null }).report);
    const verifiedAt = (): Promise<number | null> => page.locator('cl-consistency').evaluate((el) => (el as unknown as { verifiedAt: number | null }).verifiedAt);
    const v0 = Date.now();
    const before = await verifiedAt();
    await button(page, 'Verify', 'cl-actions').click();
    await poll(verifiedAt, (at) => at !== before, { timeout: 300_000, message: 'verify' });
    const verifyMs = Date.now() - v0;
    await nextPhase(page, 'shadow');
    await nextPhase(page, 'read-new');

    // Read-new, the workload stopped and verify clean: both sides exported and opened by sqlite3.
    await button(page, 'Stop workload', 'cl-workload').click();
    const before2 = await verifiedAt();
    await button(page, 'Verify', 'cl-actions').click();
    await poll(verifiedAt, (at) => at !== before2, { timeout: 300_000, message: 'verify at read-new' });
    expect((await report())?.discrepancyCount).toBe(0);
    const exported: Record<string, string> = {};
    for (const side of ['old', 'new'] as const) {
      await page.locator('cl-export-menu').getByRole('button', { name: 'Export', exact: true }).click();
      const download = page.waitForEvent('download');
      await page.locator(`cl-export-menu button[data-export="${side}"]`).click();
      const path = join(dir, `${side}.sqlite`);
      await (await download).saveAs(path);
      exported[side] = path;
      expect(sqlite3(path, 'PRAGMA integrity_check')).toBe('ok');
    }
    for (const table of ['customers', 'orders', 'order_items']) {
      const old = Number(sqlite3(exported.old!, `SELECT count(*) FROM ${table}`));
      expect(old).toBeGreaterThanOrEqual({ customers: CUSTOMERS, orders: ORDERS, order_items: ITEMS }[table]!);
      expect(Number(sqlite3(exported.new!, `SELECT count(*) FROM ${table}`)), table).toBe(old);
    }
    // The edited migration: new has full_name, with the same names as old.
    expect(sqlite3(exported.new!, 'SELECT full_name FROM customers WHERE id = 7')).toBe(sqlite3(exported.old!, 'SELECT name FROM customers WHERE id = 7'));
    expect(sqlite3(exported.old!, 'SELECT count(*) FROM events')).toBe('500');
    expect(sqlite3(exported.old!, "SELECT count(*) FROM sqlite_master WHERE name LIKE '__cutover%'")).toBe('0');

    await button(page, 'Start workload', 'cl-workload').click();
    await nextPhase(page, 'new-only');
    await button(page, 'Verify', 'cl-actions').click();
    await nextPhase(page, 'old-dropped');
    await button(page, 'Stop workload', 'cl-workload').click();
    await page.locator('cl-invariant-badge').getByRole('button', { name: 'Check now' }).click();
    await expect
      .poll(() => shadowText(page, 'cl-invariant-badge'), { timeout: 120_000 })
      .toMatch(/Lost acknowledged writes: 0.*starting records: 100,000, [\d,]+ untouched held to their first state, all there/s);

    console.log(
      `import of ${(await readFile(file)).length.toLocaleString('en-US')} bytes, 100,000 keyed rows: import ${importMs} ms (longest main-thread task ${importLongest} ms), ` +
        `starter ${starterMs} ms, open with the rows versioned ${openMs} ms, backfill ${backfillMs} ms (longest task ${backfillLongest} ms, ${copied} copied), verify ${verifyMs} ms`,
    );
    await writeFile(join(dir, 'figures.txt'), `${importMs} ${importLongest} ${starterMs} ${openMs} ${backfillMs} ${backfillLongest} ${verifyMs}\n`);
    expectClean(problems);
  }, 600_000);

  it('refuses a file that is not SQLite, one cut short, one damaged and one too large, each with its message; nothing is stored', async () => {
    const good = join(dir, 'small.sqlite');
    sqlite3(good, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000) INSERT INTO t SELECT i, 'value ' || i FROM s");
    const bytes = await readFile(good);
    const files = {
      csv: [join(dir, 'export.csv.sqlite'), Buffer.from('id,name\n1,ada\n')],
      truncated: [join(dir, 'truncated.sqlite'), bytes.subarray(0, bytes.length - 4096)],
      damaged: [join(dir, 'damaged.sqlite'), Buffer.concat([bytes.subarray(0, 4096 * 2), Buffer.alloc(bytes.length - 4096 * 2, 0x5a)])],
    } as const;
    for (const [path, content] of Object.values(files)) await writeFile(path, content);
    // 300 MiB, sparse on disk: refused by its size before the page reads a byte.
    const oversized = join(dir, 'huge.sqlite');
    await writeFile(oversized, bytes);
    await truncate(oversized, 300 * 1024 * 1024);
    const { page, problems } = await app.newPage();
    await page.goto(app.url);
    await button(page, 'Start a rehearsal of job-keys').waitFor();
    const stored = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).sort());
    const storedBefore = await stored();
    const expected = {
      csv: /export\.csv\.sqlite was not imported: it is not a SQLite database: a SQLite 3 file starts with "SQLite format 3", and this one starts with "id,name.1,ada."/,
      truncated: /truncated\.sqlite was not imported: the file is truncated: its header says [\d,]+ pages of 4096 bytes/,
      damaged: /damaged\.sqlite was not imported: (the database is damaged|SQLite cannot open it)/,
      oversized: /huge\.sqlite was not imported: the file is 300 MiB, over the 256 MiB an import can hold in a tab/,
    };
    for (const [name, [path]] of [...Object.entries(files), ['oversized', [oversized]] as const]) {
      await page.locator('cl-database-import input[type="file"]').setInputFiles(path);
      await expect.poll(() => importer(page), { timeout: 30_000, message: name }).toMatch(expected[name as keyof typeof expected]);
      expect(await importer(page)).toContain('Nothing was stored or changed.');
    }
    expect(await stored()).toEqual(storedBefore);
    expect(await shadowText(page, 'cl-scenario-picker')).not.toContain('Rehearsals in this browser');
    expectClean(problems);
  }, 120_000);
});
