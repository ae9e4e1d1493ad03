/**
 * Starting records in the playground, as a user starts them: the picker's "Starting records"
 * choice, a progress bar while they load, then a rehearsal whose history check holds every one
 * of them to its first state, and a backfill that copies them. (The 100,000- and
 * 1,000,000-record runs are `npm run bench:scale`; this is their short version.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { button, currentPhase, expectClean, shadowText, startApp, type App } from './app-harness.ts';
import { poll } from './wait.ts';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

const COUNT = 10_000;

describe('starting records', () => {
  it('a new rehearsal starts with 10,000 records, shows their progress, checks them and backfills them', async () => {
    const { page, problems } = await app.newPage();
    await page.goto(app.url);
    await page.locator(`cl-scenario-picker input[name="starting"][value="${COUNT}"]`).check();
    await expect.poll(() => shadowText(page, 'cl-scenario-picker')).toContain(`${COUNT.toLocaleString('en-US')} starting records made by enqueue`);
    // Records each progress message the app shows while it loads.
    await page.locator('cl-app').evaluate((el) => {
      const seen: string[] = [];
      (window as unknown as { __progress: string[] }).__progress = seen;
      new MutationObserver(() => {
        const status = el.shadowRoot?.querySelector('p.loading')?.textContent;
        if (status && seen.at(-1) !== status) seen.push(status);
      }).observe(el.shadowRoot as ShadowRoot, { subtree: true, childList: true, characterData: true });
    });
    await button(page, 'Start a rehearsal of job-keys').click();
    await poll(() => currentPhase(page).textContent(), (t) => t?.includes('old-only') ?? false, { timeout: 60_000, message: 'the rehearsal in old-only' });
    const progress = await page.evaluate(() => (window as unknown as { __progress: string[] }).__progress);
    expect(progress.some((p) => /Making starting records: [\d,]+ of 10,000/.test(p)), progress.join(' | ')).toBe(true);

    // The history check holds every starting record to its first state.
    const badge = (): Promise<string> => shadowText(page, 'cl-invariant-badge');
    await page.locator('cl-invariant-badge').getByRole('button', { name: 'Check now' }).click();
    await expect.poll(badge, { timeout: 60_000 }).toMatch(/Lost acknowledged writes: 0.*starting records: 10,000, [\d,]+ untouched held to their first state, all there/s);

    // dual-write, then a backfill copies them all.
    await button(page, 'Next phase', 'cl-phase-stepper').click();
    await poll(() => currentPhase(page).textContent(), (t) => t?.includes('dual-write') ?? false, { timeout: 30_000, message: 'dual-write' });
    await button(page, 'Start backfill', 'cl-actions').click();
    const region = page.locator('cl-actions').getByRole('region', { name: 'Backfill', exact: true });
    await poll(async () => (await region.textContent()) ?? '', (t) => /Pass 1 done/.test(t), { timeout: 120_000, message: 'backfill pass 1 done' });
    const copied = Number(/Copied\s*([\d,]+)/.exec((await region.textContent()) ?? '')?.[1]?.replaceAll(',', '') ?? 0);
    expect(copied).toBeGreaterThanOrEqual(COUNT);
    expectClean(problems);
  }, 240_000);
});
