/**
 * An import killed for real: the built app on a persistent profile, a 300,000-row database made by
 * the sqlite3 tool imported through the picker, and the whole browser SIGKILLed while the new
 * rehearsal versions and stores the rows (the loading screen's "Importing the database's rows").
 * Relaunched, the page comes back by itself, and the rehearsal is either whole — every row in old,
 * the history check holding all of them to their first state — or says it starts without the rows
 * and the file must be imported again. Never a rehearsal claiming rows it lacks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kill, launch, type RunningBrowser } from './crash-harness.ts';
import { button, currentPhase, serveApp, shadowText, type ServedApp } from './app-harness.ts';
import { poll } from './wait.ts';

let app: ServedApp;
let dir: string;
beforeAll(async () => {
  app = await serveApp();
  dir = await mkdtemp(join(tmpdir(), 'cutover-import-kill-'));
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ROWS = 300_000;

function makeFile(file: string): void {
  const series = (n: number): string => `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})`;
  execFileSync('sqlite3', [
    file,
    [
      'CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance INTEGER NOT NULL)',
      `${series(ROWS)} INSERT INTO accounts SELECT i, 'owner ' || i, i % 1000 FROM s`,
    ].join(';\n'),
  ]);
}

async function pageOf(b: RunningBrowser): Promise<Page> {
  const context = b.browser.contexts()[0] ?? (await b.browser.newContext());
  return context.pages()[0] ?? (await context.newPage());
}

const loadingText = (page: Page): Promise<string> => page.locator('cl-app').evaluate((el) => el.shadowRoot?.querySelector('.loading')?.textContent ?? '');

describe('an import, its whole browser killed', () => {
  it('comes back whole, or says the rows must be imported again — never with rows missing', async () => {
    const file = join(dir, 'accounts.sqlite');
    makeFile(file);
    const profile = join(dir, 'profile');
    let b = await launch(profile);
    try {
      let page = await pageOf(b);
      await page.goto(app.url);
      await button(page, 'Start a rehearsal of job-keys').waitFor({ timeout: 60_000 });
      await page.locator('cl-database-import input[type="file"]').setInputFiles(file);
      await expect.poll(() => shadowText(page, 'cl-database-import'), { timeout: 60_000 }).toMatch(/integrity check ok/);
      await button(page, 'Start a rehearsal of the starter as it is', 'cl-database-import').click();
      // Killed while the rows are versioned (or, if that was too quick to see, while they are stored).
      const seen = await poll(() => loadingText(page), (t) => /Importing the database's rows|Storing the starting records/.test(t), { timeout: 60_000, intervalMs: 20, message: 'the import under way' });
      await kill(b);

      b = await launch(profile);
      page = await pageOf(b);
      await page.goto(app.url);
      // The page remembers a rehearsal as open once it has opened: a new one killed while being
      // made is listed on the picker, and opened from there.
      await button(page, 'Start a rehearsal of job-keys').waitFor({ timeout: 60_000 });
      const listed = page.locator('cl-scenario-picker').getByRole('button', { name: /^Open starter|^Open accounts/ });
      if ((await listed.count()) === 0) {
        // Killed before the rehearsal was made: nothing of it is listed, and the picker works.
        console.log(`killed at "${seen.trim()}"; after the relaunch: no rehearsal was made`);
        return;
      }
      await listed.first().click();
      await poll(() => currentPhase(page).textContent({ timeout: 1000 }).catch(() => null), (t) => t?.includes('old-only') ?? false, { timeout: 120_000, message: 'the rehearsal reopened in old-only' });
      const notices = (): Promise<string> => page.locator('cl-app').evaluate((el) => [...(el.shadowRoot?.querySelectorAll('.notice p') ?? [])].map((p) => p.textContent ?? '').join(' | '));
      await page.locator('cl-invariant-badge').getByRole('button', { name: 'Check now' }).click();
      const badge = (): Promise<string> => shadowText(page, 'cl-invariant-badge');
      await expect.poll(badge, { timeout: 120_000 }).toMatch(/Lost acknowledged writes: 0/);
      const text = (await badge()).replace(/\s+/g, ' ');
      if (/starting records: /.test(text)) {
        // Whole: every row there, held to its first state.
        expect(text).toMatch(new RegExp(`starting records: ${ROWS.toLocaleString('en-US')}, [\\d,]+ untouched held to their first state, all there`));
      } else {
        // Or it says the rows are not there, and what to do.
        await expect.poll(notices, { timeout: 30_000 }).toMatch(/the import of accounts\.sqlite was interrupted before it was stored, so this rehearsal starts without its rows: delete the rehearsal and import the file again/);
      }
      console.log(`killed at "${seen.trim()}"; after the relaunch: ${/starting records/.test(text) ? 'the image was installed, every row there' : 'the rehearsal says the import was interrupted'}`);
    } finally {
      await kill(b);
    }
  }, 300_000);
});
