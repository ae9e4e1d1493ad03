/**
 * About this playground, in the built app: opened from the header with the keyboard, it shows the
 * SQLite version the engine's worker runs, the open rehearsal's durability and the storage, and
 * Escape closes it. axe finds nothing wrong in it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClean, startApp, startRehearsal, type App } from './app-harness.ts';

let app: App;
let axeSource: string;
beforeAll(async () => {
  axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

/** The text of the focused element, through the shadow roots it sits in. */
function focusedText(page: Page): Promise<string> {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el?.textContent?.trim() ?? '';
  });
}

/** Presses Tab until the focused element's text is `text`; fails after 60 presses. */
async function tabTo(page: Page, text: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if ((await focusedText(page)) === text) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached "${text}"`);
}

const aboutDialog = (page: Page) => page.locator('cl-about').locator('dialog');

describe('About this playground', () => {
  it('opens from the header with the keyboard, shows the SQLite version and the durability, and closes with Escape', async () => {
    const { page, context, problems } = await app.newPage();
    await startRehearsal(app, page, 'job-keys');
    await tabTo(page, 'About');
    await page.keyboard.press('Enter');
    const dialog = aboutDialog(page);
    await dialog.getByText(/^3\.\d+\.\d+$/).waitFor({ timeout: 30_000 });
    expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);
    const text = (await dialog.textContent())?.replace(/\s+/g, ' ') ?? '';
    expect(text).toMatch(/\d+ compile options/);
    expect(text).toContain('IndexedDB (database "cutover-lab", store "rehearsals")');
    expect(text).toContain('strict (rehearsal');
    expect(text).toMatch(/MiB used of [\d.]+ (MiB|GiB) \(/);
    expect(text).toContain('docs/limits.md');
    // The focus is in the dialog (its Close button), not on the page behind it.
    expect(await focusedText(page)).toBe('Close');
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
    const results = await page.evaluate(() => (window as unknown as { axe: { run(context: Document): Promise<AxeResults> } }).axe.run(document));
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('cl-app')?.shadowRoot?.querySelector('cl-about')?.shadowRoot?.querySelector('dialog')?.open);
    // The page's single-key shortcuts work again once it is closed: `?` opens the shortcuts.
    await page.keyboard.press('?');
    await page.locator('cl-shortcuts').locator('dialog').getByText('Keyboard shortcuts').waitFor();
    expectClean(problems);
    await context.close();
  });
});
