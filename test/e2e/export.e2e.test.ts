/**
 * Exports from the header's Export menu in the built app (issue 13, item 5): the old and new
 * databases of a shared-file rehearsal downloaded as `.sqlite` files that another program — the
 * `sqlite3` command-line tool — opens, finds sound, and counts the same rows in as the app's SQL
 * console, with neither the engine's tables nor the other side's; the scenario as JSON that
 * `cutover-lab validate` accepts; the live report as JSON and Markdown.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { button, currentPhase, expectClean, nextPhase, repair, startApp, startRehearsal, type App } from './app-harness.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const SQLITE3 = process.env['SQLITE3_PATH'] ?? '/usr/bin/sqlite3';

let app: App;
let dir: string;
beforeAll(async () => {
  app = await startApp();
  dir = await mkdtemp(join(tmpdir(), 'cutover-export-e2e-'));
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const menu = (page: Page) => page.locator('cl-export-menu');

/** axe-core's violations over the whole page (run through the DevTools protocol: the CSP stays as served). */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  const results = await page.evaluate(() => (window as unknown as { axe: { run(context: Document): Promise<AxeResults> } }).axe.run(document));
  return results.violations.map((v) => `${v.id}: ${v.help} ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
}

/** Opens the Export menu, picks `item` and saves the download; returns its name, path and size. */
async function exportItem(page: Page, item: string): Promise<{ name: string; path: string; bytes: number; ms: number }> {
  await menu(page).getByRole('button', { name: /^Export/ }).click();
  const started = Date.now();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), menu(page).getByRole('button', { name: item, exact: true }).click()]);
  const path = join(dir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return { name: download.suggestedFilename(), path, bytes: (await stat(path)).size, ms: Date.now() - started };
}

/** Counts the rows of `tables` in the app's SQL console on `side` (columns named after the side, so an older result never passes for this one). */
async function consoleCounts(page: Page, side: 'old' | 'new', radio: RegExp, tables: readonly string[]): Promise<string[]> {
  const consoleEl = page.locator('cl-sql-console');
  const columns = tables.map((t) => `${side}_${t}`);
  await consoleEl.getByRole('radio', { name: radio }).check();
  await consoleEl.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(`SELECT ${tables.map((t, i) => `(SELECT count(*) FROM ${t}) AS ${columns[i]}`).join(', ')}`);
  await button(page, 'Run', 'cl-sql-console').click();
  await expect.poll(() => consoleEl.locator('table th').allTextContents(), { timeout: 15_000 }).toEqual(columns);
  return consoleEl.locator('table tbody tr').first().locator('td').allTextContents();
}

/** `sqlite3 <file> <sql>`, its output lines. */
async function sqlite3(file: string, sql: string): Promise<string[]> {
  const { stdout } = await run(SQLITE3, ['-batch', '-readonly', file, sql]);
  return stdout.trim().split('\n');
}

const TABLES = {
  old: ['consensus_artifacts', 'consensus_synthesis'],
  new: ['agent_outputs', 'consensus_runs'],
} as const;

describe('the Export menu', () => {
  it.skipIf(!existsSync(SQLITE3))('exports old and new as files sqlite3 opens: integrity ok, the console\'s row counts, no engine or other-side tables', async () => {
    const { page, context, problems } = await app.newPage();
    // consensus-artifacts keeps both sides in one file: each export must leave the other side out.
    await startRehearsal(app, page, 'consensus-artifacts');
    await nextPhase(page, 'dual-write');
    await repair(page); // a backfill pass copies the seed data to new, then a verify
    const counts: Record<'old' | 'new', string[]> = { old: [], new: [] };
    for (const side of ['old', 'new'] as const) counts[side] = await consoleCounts(page, side, side === 'old' ? /old|consensus_artifacts/ : /new|consensus_runs/, TABLES[side]);
    // The seed data and its copy in new.
    expect(counts.old.map(Number).every((n) => n > 0)).toBe(true);
    expect(Number(counts.new[0])).toBeGreaterThan(0);

    const figures: string[] = [];
    for (const side of ['old', 'new'] as const) {
      const file = await exportItem(page, side === 'old' ? 'Old database (.sqlite)' : 'New database (.sqlite)');
      expect(file.name).toMatch(new RegExp(`^consensus-artifacts-[a-z0-9]+-${side}\\.sqlite$`));
      expect(await sqlite3(file.path, 'PRAGMA integrity_check')).toEqual(['ok']);
      expect(await sqlite3(file.path, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).toEqual([...TABLES[side]]);
      expect(await sqlite3(file.path, "SELECT count(*) FROM sqlite_master WHERE name LIKE '\\_\\_cutover\\_%' ESCAPE '\\'")).toEqual(['0']);
      expect(await sqlite3(file.path, TABLES[side].map((t) => `SELECT count(*) FROM ${t};`).join(' '))).toEqual(counts[side]);
      figures.push(`${file.name}: ${file.bytes} bytes, ${file.ms} ms from click to saved`);
    }
    // The menu says what it exported.
    await expect.poll(() => page.locator('cl-app').locator('.notice').allTextContents()).toContainEqual(expect.stringMatching(/Exported consensus-artifacts-.*-new\.sqlite: 2 tables/));

    const scenario = await exportItem(page, 'Scenario (.json)');
    expect(scenario.name).toBe('consensus-artifacts.scenario.json');
    expect(JSON.parse(await readFile(scenario.path, 'utf8'))).toMatchObject({ id: 'consensus-artifacts', topology: 'shared' });
    const validated = await run(process.execPath, [join(root, 'bin/cutover-lab.mjs'), 'validate', scenario.path], { cwd: root });
    expect(validated.stdout).toMatch(/valid/i);

    const json = await exportItem(page, 'Report (.json)');
    const report = JSON.parse(await readFile(json.path, 'utf8')) as { scenario: { id: string }; seed: number; phase: string; durability: string; figures: { totals: Record<string, number> }; lastVerify: { phase: string } | null };
    expect(report).toMatchObject({ format: 'cutover-lab/live-report', scenario: { id: 'consensus-artifacts' }, seed: 1, phase: 'dual-write' });
    expect(report.figures.totals['cutover_operations_total']).toBeGreaterThanOrEqual(72);
    expect(report.lastVerify?.phase).toBe('dual-write');
    const md = await exportItem(page, 'Report (.md)');
    const text = await readFile(md.path, 'utf8');
    expect(text).toMatch(/^# Rehearsal report: /);
    expect(text).toContain('- Phase: dual-write');
    expect(text).toContain('## Last verify');
    console.log(`exports: ${figures.join('; ')}`);
    expectClean(problems);
    await context.close();
  });

  it('disables the old database once old is dropped, saying why, and still exports new (390px wide, dark theme, no axe violations with the menu open)', async () => {
    const { page, context, problems } = await app.newPage({ width: 390, height: 844, colorScheme: 'dark' });
    await startRehearsal(app, page, 'job-keys');
    // Shadow reads (the gate to read-new) come from the workload.
    await button(page, 'Start workload', 'cl-workload').click();
    for (const phase of ['dual-write', 'shadow', 'read-new', 'new-only', 'old-dropped']) await nextPhase(page, phase);
    await expect.poll(() => currentPhase(page).textContent()).toContain('old-dropped');
    await button(page, 'Stop workload', 'cl-workload').click();
    await menu(page).getByRole('button', { name: /^Export/ }).click();
    const old = menu(page).getByRole('button', { name: 'Old database (.sqlite)', exact: true });
    expect(await old.isDisabled()).toBe(true);
    expect(await menu(page).locator('.reason').textContent()).toMatch(/old schema is dropped/);
    // The list fits the phone's screen.
    const box = await menu(page).locator('ul').boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => menu(page).locator('ul').count()).toBe(0);
    const file = await exportItem(page, 'New database (.sqlite)').catch(async (e: unknown) => {
      throw new Error(`${String(e)}\nnotices: ${(await page.locator('cl-app').locator('.notice').allTextContents()).join(' | ')}\nmenu: ${await menu(page).evaluate((el) => el.shadowRoot?.innerHTML ?? '')}`);
    });
    if (existsSync(SQLITE3)) expect(await sqlite3(file.path, 'PRAGMA integrity_check')).toEqual(['ok']);
    expectClean(problems);
    await context.close();
  });
});
