/**
 * A scenario file of the user's own, opened in the playground as a newcomer would: the picker's
 * "Open a scenario file…", a rehearsal of it started, and the scenario still listed after a reload.
 * A broken file lists its problems at their paths and adds nothing.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

const INVENTORY = resolve(import.meta.dirname, '../../docs/examples/inventory.json');

describe('a scenario file of your own', () => {
  it('opens, starts a rehearsal of it, and is still listed after a reload; a broken one lists its problems and adds nothing', async () => {
    const { page, problems } = await app.newPage();
    await page.goto(app.url);
    await button(page, 'Start a rehearsal of job-keys').waitFor();
    const picker = (): Promise<string> => shadowText(page, 'cl-scenario-picker');

    // A broken file: its problems, at their paths, and no card.
    const dir = await mkdtemp(join(tmpdir(), 'cutover-scenario-'));
    const broken = join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify({ format: 1, id: 'broken-one', title: 'Broken' }));
    await page.locator('cl-scenario-picker input[type="file"][accept^=".json"]').setInputFiles(broken);
    await expect.poll(picker, { timeout: 30_000 }).toMatch(/version/);
    expect(await picker()).not.toContain('Start a rehearsal of broken-one');

    await page.locator('cl-scenario-picker input[type="file"][accept^=".json"]').setInputFiles(INVENTORY);
    await expect.poll(picker, { timeout: 30_000 }).toContain('is listed below as your scenario');
    await button(page, 'Start a rehearsal of inventory').click();
    await poll(() => currentPhase(page).textContent(), (t) => t?.includes('old-only') ?? false, { timeout: 60_000, message: 'the rehearsal of inventory in old-only' });

    await page.reload();
    await button(page, 'Rehearsals…').click();
    await expect.poll(picker, { timeout: 30_000 }).toContain('your scenario');
    expect(await picker()).toContain('Start a rehearsal of inventory');
    expectClean(problems);
  }, 180_000);
});
