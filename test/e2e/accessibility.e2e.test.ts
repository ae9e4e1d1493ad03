/**
 * Accessibility, measured: axe-core's default rules (contrast included) over the whole built page,
 * in the light and the dark theme, on the scenario picker, on a running rehearsal and with the
 * rollback dialog open. axe is evaluated in the page through the DevTools protocol: the page's
 * Content-Security-Policy (no inline script) stays as it is served.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { button, expectClean, nextPhase, openPicker, shownHistoryEntries, startApp, startRehearsal, type App } from './app-harness.ts';

let app: App;
let axeSource: string;
beforeAll(async () => {
  axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

/** One violation, as a reader of the failure needs it: rule, impact, what it asks, where. */
interface Finding {
  readonly id: string;
  readonly impact: string | null | undefined;
  readonly help: string;
  readonly targets: readonly string[];
}

/** Runs axe over the whole document (axe-core's default rules) and returns its violations. */
async function axeViolations(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const results = await page.evaluate(() => (window as unknown as { axe: { run(context: Document): Promise<AxeResults> } }).axe.run(document));
  return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
}

/** Expects no violation; the failure lists each one's id, impact and targets. */
async function expectAccessible(page: Page, where: string): Promise<void> {
  const violations = await axeViolations(page);
  const report = violations.map((v) => `  ${v.id} (${v.impact ?? 'no impact'}): ${v.help}\n    ${v.targets.join('\n    ')}`).join('\n');
  expect(violations.map((v) => v.id), `axe violations on ${where}:\n${report}`).toEqual([]);
}

for (const colorScheme of ['light', 'dark'] as const) {
  describe(`accessibility in the ${colorScheme} theme`, () => {
    it('the scenario picker has no axe violations', async () => {
      const { page, context, problems } = await app.newPage({ colorScheme });
      await openPicker(app, page);
      await expectAccessible(page, `the scenario picker (${colorScheme})`);
      expectClean(problems);
      await context.close();
    });

    it('a running rehearsal has no axe violations', async () => {
      const { page, context, problems } = await app.newPage({ colorScheme });
      await startRehearsal(app, page, 'job-keys');
      await button(page, 'Start workload', 'cl-workload').click();
      await nextPhase(page, 'dual-write');
      // Running: the workload has added to the seed data's history entries.
      const seeded = await shownHistoryEntries(page);
      await expect.poll(() => shownHistoryEntries(page), { timeout: 30_000 }).toBeGreaterThan(seeded + 20);
      await expectAccessible(page, `a running rehearsal in dual-write (${colorScheme})`);
      await button(page, 'Stop workload', 'cl-workload').click();
      expectClean(problems);
      await context.close();
    });

    it('the rollback dialog has no axe violations', async () => {
      const { page, context, problems } = await app.newPage({ colorScheme });
      await startRehearsal(app, page, 'job-keys');
      await nextPhase(page, 'dual-write');
      await button(page, 'Previous phase', 'cl-phase-stepper').click();
      const dialog = page.locator('cl-rollback-dialog dialog');
      await expect.poll(() => dialog.isVisible(), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => dialog.textContent()).toMatch(/Roll back from\s*dual-write\s*to\s*old-only/);
      await expectAccessible(page, `the rollback dialog from dual-write (${colorScheme})`);
      expectClean(problems);
      await context.close();
    });
  });
}
