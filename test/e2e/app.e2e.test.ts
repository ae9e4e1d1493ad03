/**
 * The playground end to end: the built app, served with its Content-Security-Policy, driven in
 * Chromium. Each flow ends with no console errors, no CSP violations and no dialogs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CONSOLE_LIMITS } from '../../src/worker/protocol.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { CONTENT_SECURITY_POLICY } from '../../vite.config.ts';
import {
  button,
  currentPhase,
  engineNumber,
  expectClean as clean,
  nextPhase as next,
  savedAcknowledgedWrites,
  savedHistory,
  shadowText,
  shownHistoryEntries,
  startApp,
  startRehearsal,
  type App,
} from './app-harness.ts';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';

const start = (page: Page, scenarioId: string): Promise<void> => startRehearsal(app, page, scenarioId);

/** Jobs job-keys starts with (its seed data's enqueues). */
const SEEDED_JOBS = (BUILT_IN_SCENARIOS['job-keys']?.seedData ?? []).filter((s) => s.operation === 'enqueue').reduce((n, s) => n + s.count, 0);

async function badgeText(page: Page): Promise<string> {
  return shadowText(page, 'cl-invariant-badge');
}

/** Waits for the invariant badge to say 0 lost; if it does not, fails with the lost writes' details. */
async function expectNothingLost(page: Page): Promise<void> {
  try {
    await expect.poll(() => badgeText(page), { timeout: 60_000 }).toMatch(/Lost acknowledged writes: 0/);
  } catch (error) {
    const lost = await page.locator('cl-app').evaluate((el) => JSON.stringify((el as unknown as { engine: { checkReport: unknown } }).engine.checkReport, null, 1).slice(0, 4000));
    throw new Error(`${(error as Error).message}\nhistory check: ${lost}`, { cause: error });
  }
}

describe('rehearsing each built-in scenario in the playground', () => {
  for (const scenarioId of ['consensus-artifacts', 'job-keys', 'session-json']) {
    it(`walks ${scenarioId} through all six phases with a workload, a crash, a reload and a rollback plan, losing nothing`, async () => {
      const { page, context, problems } = await app.newPage();
      await start(page, scenarioId);
      await button(page, 'Start workload', 'cl-workload').click();
      await next(page, 'dual-write');
      // The backfill runs during dual-write, racing the workload.
      await button(page, 'Start backfill', 'cl-actions').click();
      await expect.poll(() => shadowText(page, 'cl-actions'), { timeout: 60_000 }).toMatch(/Pass 1 done/);
      await button(page, 'Verify', 'cl-actions').click();
      await next(page, 'shadow');
      await next(page, 'read-new');
      await next(page, 'new-only');

      // Crash now: the worker is killed and a new one recovers from IndexedDB.
      await button(page, 'Crash now', 'cl-faults').click();
      await expect.poll(() => page.locator('cl-app').evaluate((el) => el.shadowRoot?.querySelector('header')?.textContent ?? ''), { timeout: 30_000 }).toContain('engine #2');
      await expect.poll(() => currentPhase(page).textContent()).toContain('new-only');
      await expectNothingLost(page);

      // Rolling back from new-only shows the hazard: writes since the cut-over are only in new.
      await expect.poll(() => savedAcknowledgedWrites(page, 'new-only'), { timeout: 30_000, message: 'acknowledged writes in new-only' }).toBeGreaterThanOrEqual(3);
      await button(page, 'Previous phase', 'cl-phase-stepper').click();
      const dialog = page.locator('cl-rollback-dialog dialog');
      await expect.poll(() => dialog.isVisible(), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => dialog.textContent()).toMatch(/exist only in new|newer there/);
      await expect.poll(() => dialog.textContent()).toMatch(/reverse-sync/i);
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.isVisible()).toBe(false);

      // Drop the old schema (a backup is taken first).
      await button(page, 'Verify', 'cl-actions').click();
      await next(page, 'old-dropped');
      await button(page, 'Stop workload', 'cl-workload').click();
      // The history is saved a second after it changes: wait until all of it is, every operation settled.
      await expect
        .poll(async () => {
          const history = await savedHistory(page);
          return history.entries === (await shownHistoryEntries(page)) && history.ops.every((o) => o.outcome !== null);
        }, { timeout: 30_000, message: 'the whole history saved' })
        .toBe(true);
      const saved = (await savedHistory(page)).entries;

      // Reload: the same rehearsal, phase and history come back, and nothing was lost.
      await page.reload();
      await expect.poll(() => currentPhase(page).textContent(), { timeout: 30_000 }).toContain('old-dropped');
      await expectNothingLost(page);
      await expect.poll(() => shownHistoryEntries(page)).toBeGreaterThanOrEqual(saved);
      // The last verify's report comes back too, saying when it was made.
      await expect.poll(() => shadowText(page, 'cl-consistency')).toMatch(/Verified at \d\d:\d\d:\d\d/);
      clean(problems);
      await context.close();
    });
  }
});

describe('faults in the playground', () => {
  it('a crash fault at rate 1 keeps crashing the engine until it is removed, and loses nothing', async () => {
    const { page, context, problems } = await app.newPage();
    await start(page, 'job-keys');
    await button(page, 'Start workload', 'cl-workload').click();
    const faults = page.locator('cl-faults');
    await faults.locator('#kind').selectOption('crash');
    await faults.locator('#point').selectOption('');
    await faults.locator('input[name="trigger"][value="rate"]').check();
    await faults.locator('#rate').fill('1');
    await faults.locator('#rate').blur();
    await button(page, 'Arm fault', 'cl-faults').click();
    await expect.poll(() => engineNumber(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    // Removing it works even though the engine crashes again and again meanwhile.
    const remove = faults.getByRole('button', { name: 'Remove crash at any point, rate 1', exact: true });
    await expect
      .poll(
        async () => {
          if ((await remove.count()) > 0 && (await remove.isEnabled())) await remove.click({ timeout: 1000 }).catch(() => undefined);
          return shadowText(page, 'cl-faults');
        },
        { timeout: 30_000, interval: 500 },
      )
      .toContain('Armed faults (0)');
    // While the fault is armed no write completes (each crashes the engine). Acknowledged writes
    // show it is gone; more of them on one engine show that engine keeps running.
    const acknowledged = (): Promise<number> => savedAcknowledgedWrites(page);
    const removedAt = await acknowledged();
    await expect.poll(acknowledged, { timeout: 30_000, message: 'writes acknowledged once the fault is removed' }).toBeGreaterThanOrEqual(removedAt + 10);
    const settled = await engineNumber(page);
    const settledAt = await acknowledged();
    await expect.poll(acknowledged, { timeout: 30_000, message: 'writes acknowledged on the settled engine' }).toBeGreaterThanOrEqual(settledAt + 20);
    expect(await engineNumber(page)).toBe(settled);
    await button(page, 'Stop workload', 'cl-workload').click();
    await expectNothingLost(page);
    clean(problems);
    await context.close();
  });
});

/**
 * Records each keydown the page saw and whether a shortcut took it: the app calls preventDefault
 * on the keys it acts on, synchronously, so a key not taken can have no effect later either. The
 * listener is on window, where a keydown arrives after the app's listener on document.
 */
async function watchShortcuts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: { key: string; taken: boolean }[] = [];
    (window as unknown as { __shortcutKeys: typeof seen }).__shortcutKeys = seen;
    window.addEventListener('keydown', (e) => seen.push({ key: e.key, taken: e.defaultPrevented }));
  });
}

/** The keys recorded by {@link watchShortcuts} since the last call. */
function shortcutKeys(page: Page): Promise<{ key: string; taken: boolean }[]> {
  return page.evaluate(() => (window as unknown as { __shortcutKeys: { key: string; taken: boolean }[] }).__shortcutKeys.splice(0));
}

describe('keyboard shortcuts', () => {
  it('move phases and open the rollback plan, never act behind a dialog, and can be turned off', async () => {
    const { page, context, problems } = await app.newPage();
    await watchShortcuts(page);
    await start(page, 'job-keys');
    await page.keyboard.press('n');
    await expect.poll(() => currentPhase(page).textContent(), { timeout: 15_000 }).toContain('dual-write');
    await page.keyboard.press('p');
    const rollback = page.locator('cl-rollback-dialog dialog');
    await expect.poll(() => rollback.isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await shortcutKeys(page)).toEqual([
      { key: 'n', taken: true },
      { key: 'p', taken: true },
    ]);
    // Behind the open dialog, c (crash) and n (next phase) are not taken, so they cannot act later.
    await page.keyboard.press('c');
    await page.keyboard.press('n');
    expect(await shortcutKeys(page)).toEqual([
      { key: 'c', taken: false },
      { key: 'n', taken: false },
    ]);
    expect(await engineNumber(page)).toBe(1);
    expect(await currentPhase(page).textContent()).toContain('dual-write');
    await page.keyboard.press('Escape');
    await expect.poll(() => rollback.isVisible()).toBe(false);

    // Turned off in the shortcuts dialog, single keys do nothing, after a reload too.
    await page.keyboard.press('?');
    const shortcuts = page.locator('cl-shortcuts dialog');
    await expect.poll(() => shortcuts.isVisible(), { timeout: 5000 }).toBe(true);
    await shortcuts.getByRole('checkbox', { name: /Single-key shortcuts/ }).uncheck();
    await page.keyboard.press('Escape');
    await expect.poll(() => shortcuts.isVisible()).toBe(false);
    await page.reload();
    await expect.poll(() => currentPhase(page).textContent(), { timeout: 30_000 }).toContain('dual-write');
    await page.keyboard.press('n');
    await page.keyboard.press('?');
    expect(await shortcutKeys(page)).toEqual([
      { key: 'n', taken: false },
      { key: '?', taken: false },
    ]);
    expect(await currentPhase(page).textContent()).toContain('dual-write');
    expect(await shortcuts.isVisible()).toBe(false);
    clean(problems);
    await context.close();
  });
});

describe('the SQL console', () => {
  it('cancels a runaway query within twice the watchdog limit while the page still answers clicks', async () => {
    const { page, context, problems } = await app.newPage();
    await start(page, 'job-keys');
    const consoleEl = page.locator('cl-sql-console');
    await consoleEl.locator('.cm-content').click();
    await page.keyboard.insertText(RUNAWAY);
    const started = Date.now();
    await button(page, 'Run', 'cl-sql-console').click();
    const running = (): Promise<boolean> => consoleEl.evaluate((el) => el.hasAttribute('running'));
    await expect.poll(running).toBe(true);
    // The page answers while sql.js is stuck in the worker: the shortcuts dialog opens, and the query is still running.
    await page.locator('cl-app').getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await expect.poll(() => page.locator('cl-shortcuts dialog').isVisible(), { timeout: 1000 }).toBe(true);
    expect(await running()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => consoleEl.getByRole('alert').textContent(), { timeout: 2 * CONSOLE_LIMITS.timeoutMs }).toContain('query cancelled');
    expect(Date.now() - started).toBeLessThan(2 * CONSOLE_LIMITS.timeoutMs);
    // The rehearsal was recovered: the console works again on the same data.
    await consoleEl.getByRole('radio', { name: /old|flat keys/ }).check();
    await consoleEl.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText("SELECT count(*) AS jobs FROM kv WHERE key LIKE 'ai:jobs:%'");
    await button(page, 'Run', 'cl-sql-console').click();
    await expect.poll(() => consoleEl.locator('table td').allTextContents(), { timeout: 15_000 }).toEqual([String(SEEDED_JOBS)]);
    clean(problems);
    await context.close();
  });

  it('shows a cell holding HTML as text', async () => {
    const { page, context, problems } = await app.newPage();
    await start(page, 'job-keys');
    const consoleEl = page.locator('cl-sql-console');
    await consoleEl.locator('.cm-content').click();
    await page.keyboard.insertText(`SELECT '<img src=x onerror=alert(1)>' AS payload`);
    await button(page, 'Run', 'cl-sql-console').click();
    await expect.poll(() => consoleEl.locator('table').textContent(), { timeout: 15_000 }).toContain('<img src=x onerror=alert(1)>');
    expect(await consoleEl.locator('table img').count()).toBe(0);
    // And ATTACH is refused with a message.
    await consoleEl.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(`ATTACH DATABASE 'x.db' AS x`);
    await button(page, 'Run', 'cl-sql-console').click();
    await expect.poll(() => consoleEl.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('ATTACH is not allowed');
    clean(problems);
    await context.close();
  });
});

describe('two tabs on one rehearsal', () => {
  it('opens the second tab read-only, says so, and hands it the rehearsal when the first tab closes', async () => {
    const first = await app.newPage();
    await start(first.page, 'job-keys');
    const second = await app.newPage({ context: first.context });
    await second.page.goto(app.url);
    await expect.poll(() => second.page.locator('cl-app').evaluate((el) => el.shadowRoot?.textContent ?? ''), { timeout: 30_000 }).toContain('Read-only: this rehearsal is open in another tab');
    expect(await button(second.page, 'Next phase', 'cl-phase-stepper').isDisabled()).toBe(true);
    // A crash in the writing tab restarts its engine there; the read-only tab does not take over.
    await button(first.page, 'Crash now', 'cl-faults').click();
    await expect.poll(() => engineNumber(first.page), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => button(first.page, 'Next phase', 'cl-phase-stepper').isEnabled(), { timeout: 15_000 }).toBe(true);
    // The read-only tab takes over only when it is granted the writing page's lock, which an
    // engine restart does not release: the writing tab still holds it, the read-only tab still waits.
    const pageLocks = await second.page.evaluate(async () => {
      const { held = [], pending = [] } = await navigator.locks.query();
      const pageLock = (l: LockInfo): boolean => l.name?.includes(':page:') ?? false;
      return { held: held.filter(pageLock).map((l) => l.clientId), pending: pending.filter(pageLock).map((l) => l.clientId) };
    });
    expect(pageLocks.held).toHaveLength(1);
    expect(pageLocks.pending).toHaveLength(1);
    expect(pageLocks.held[0]).not.toBe(pageLocks.pending[0]);
    expect(await second.page.locator('cl-app').evaluate((el) => el.shadowRoot?.textContent ?? '')).toContain('Read-only: this rehearsal is open in another tab');
    clean(first.problems);
    // Closing the writing tab hands the rehearsal to the read-only one.
    await first.page.close();
    const appText = () => second.page.locator('cl-app').evaluate((el) => el.shadowRoot?.textContent ?? '');
    await expect.poll(appText, { timeout: 30_000 }).toContain('this tab writes it now');
    expect(await appText()).not.toContain('Read-only: this rehearsal');
    await expect.poll(() => button(second.page, 'Next phase', 'cl-phase-stepper').isEnabled(), { timeout: 10_000 }).toBe(true);
    await next(second.page, 'dual-write');
    clean(second.problems);
    await first.context.close();
  });
});

describe('the Content-Security-Policy', () => {
  it('allows WebAssembly and the page\'s own origin, and blocks inline script, data: images and other origins', async () => {
    const { page, context, problems } = await app.newPage();
    const response = await page.goto(app.url);
    const header = response?.headers()['content-security-policy'] ?? '';
    expect(header).toBe(CONTENT_SECURITY_POLICY);
    expect(header).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(header).not.toMatch(/'unsafe-inline'|'unsafe-eval'|data:|https?:|\*/);
    // The built page carries the policy too, for any server.
    expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''));
    await button(page, 'Start a rehearsal of job-keys').click();
    await expect.poll(() => currentPhase(page).textContent(), { timeout: 30_000 }).toContain('old-only');
    const outcome = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
      const img = new Image();
      const loaded = new Promise<boolean>((ok) => {
        img.onload = () => ok(true);
        img.onerror = () => ok(false);
      });
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
      const fetched = await fetch('http://example.invalid/').then(
        () => true,
        () => false,
      );
      return { inline: (window as unknown as { __inline?: number }).__inline ?? null, image: await loaded, fetched };
    });
    expect(outcome).toEqual({ inline: null, image: false, fetched: false });
    await expect.poll(() => problems.cspViolations.length).toBeGreaterThanOrEqual(3);
    expect(problems.cspViolations.join('\n')).toMatch(/script-src/);
    expect(problems.cspViolations.join('\n')).toMatch(/img-src/);
    expect(problems.cspViolations.join('\n')).toMatch(/connect-src/);
    await context.close();
  });
});

describe('layout', () => {
  it('fits a 390 px wide phone screen without sideways scrolling, in the dark theme too', async () => {
    const { page, context, problems } = await app.newPage({ width: 390, height: 844, colorScheme: 'dark' });
    await start(page, 'session-json');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const region of ['Metrics', 'Consistency', 'Faults', 'History', 'SQL console']) {
      expect(await page.getByRole('region', { name: region, exact: true }).count(), region).toBe(1);
    }
    clean(problems);
    await context.close();
  });
});
