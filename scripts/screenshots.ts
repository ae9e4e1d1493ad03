// Screenshots of the real app at 1280×800 and 390×844, light and dark, after a short rehearsal.
// Usage: node --import tsx scripts/screenshots.ts  (writes docs/screenshots/*.png)
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { startApp } from '../test/e2e/app-harness.ts';

const out = resolve(import.meta.dirname, '../docs/screenshots');
const app = await startApp();
for (const [width, height] of [
  [1280, 800],
  [390, 844],
] as const) {
  for (const scheme of ['light', 'dark'] as const) {
    const { page, context, problems } = await app.newPage({ width, height, colorScheme: scheme });
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Start a rehearsal of session-json' }).click();
    await page.locator('cl-phase-stepper li[aria-current="step"]').waitFor({ timeout: 30_000 });
    await page.locator('cl-workload').getByRole('button', { name: 'Start workload', exact: true }).click();
    await page.locator('cl-phase-stepper').getByRole('button', { name: 'Next phase', exact: true }).click();
    await page.locator('cl-actions').getByRole('button', { name: 'Start backfill', exact: true }).click();
    await page.waitForTimeout(4000);
    await page.locator('cl-actions').getByRole('button', { name: 'Verify', exact: true }).click();
    await page.waitForTimeout(1000);
    // On to shadow, so the mismatch chart has shadow reads to show.
    await page.locator('cl-phase-stepper').getByRole('button', { name: 'Next phase', exact: true }).click();
    await page.waitForTimeout(4000);
    // The messages in the corner would cover the figures.
    for (const dismiss of await page.locator('cl-app').getByRole('button', { name: 'Dismiss' }).all()) await dismiss.click();
    await page.evaluate('window.scrollTo(0, 0)');
    await page.waitForTimeout(300);
    const name = `${width}x${height}-${scheme}`;
    await page.screenshot({ path: `${out}/${name}.png` });
    // Whole pages go to the temporary folder: worth a look, too big to keep.
    await page.screenshot({ path: `${tmpdir()}/cutover-${name}-full.png`, fullPage: true });
    console.log(name, JSON.stringify({ csp: problems.cspViolations.length, errors: problems.consoleErrors.length }));
    await context.close();
  }
}
await app.close();
