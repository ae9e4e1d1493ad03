/**
 * The built playground, served as `npm start` serves it (vite preview, with the Content-Security-
 * Policy header), and a Chromium driven by playwright-core. Every page records console errors,
 * uncaught exceptions, CSP violations and dialogs (an `alert` would mean injected HTML ran).
 * Below it, the ways the tests drive and read the page: each waits for a condition, never for time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { expect } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { poll } from './wait.ts';

const root = resolve(import.meta.dirname, '../..');

/** What went wrong on a page that should not have. */
export interface PageProblems {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly cspViolations: string[];
  readonly dialogs: string[];
}

export interface App {
  readonly url: string;
  readonly browser: Browser;
  /** A fresh context (empty IndexedDB) and page, watched for problems. */
  newPage(options?: { width?: number; height?: number; colorScheme?: 'light' | 'dark'; context?: BrowserContext }): Promise<{ page: Page; context: BrowserContext; problems: PageProblems }>;
  close(): Promise<void>;
}

/** The built app served by `vite preview`, as `npm start` serves it (with the CSP header). */
export interface ServedApp {
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the app into a temporary folder and serves it as `npm start` does (`vite build && vite preview`, the config's headers included). */
export async function serveApp(): Promise<ServedApp> {
  const outDir = await mkdtemp(join(tmpdir(), 'cutover-app-'));
  await build({ root, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({ root, logLevel: 'silent', build: { outDir }, preview: { port: 0, strictPort: false, host: '127.0.0.1' } });
  const address = server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 4173;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      await new Promise<void>((ok) => server.httpServer.close(() => ok()));
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

/** Builds the app into a temporary folder, serves it and starts Chromium. */
export async function startApp(): Promise<App> {
  const served = await serveApp();
  const url = served.url;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  return {
    url,
    browser,
    async newPage(options = {}) {
      const context = options.context ?? (await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, colorScheme: options.colorScheme ?? 'light' }));
      const page = await context.newPage();
      const problems: PageProblems = { consoleErrors: [], pageErrors: [], cspViolations: [], dialogs: [] };
      page.on('console', (m) => {
        if (m.type() === 'error') problems.consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => problems.pageErrors.push(String(e)));
      page.on('dialog', (d) => {
        problems.dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss();
      });
      await page.exposeFunction('__reportCsp', (v: string) => problems.cspViolations.push(v));
      await page.addInitScript(() => {
        document.addEventListener(
          'securitypolicyviolation',
          (e) => {
            const where = e.target instanceof Element ? ` on <${e.target.localName} class="${e.target.getAttribute('class') ?? ''}">` : '';
            (window as unknown as { __reportCsp: (v: string) => void }).__reportCsp(`${e.violatedDirective} ${e.blockedURI}${where} ${e.sample ? `"${e.sample}"` : ''} ${e.sourceFile}:${e.lineNumber}`);
          },
          true,
        );
      });
      return { page, context, problems };
    },
    async close() {
      await browser.close();
      await served.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Driving the playground. The helpers wait with `poll` (./wait.ts), not `expect.poll`, so that
// the crash trial (`npm run test:crash`, a script outside Vitest) drives the page with them too.

/** Fails listing whatever went wrong on the page. */
export function expectClean(problems: PageProblems): void {
  expect(problems.cspViolations, 'CSP violations').toEqual([]);
  expect(problems.consoleErrors, 'console errors').toEqual([]);
  expect(problems.pageErrors, 'uncaught errors').toEqual([]);
  expect(problems.dialogs, 'dialogs').toEqual([]);
}

/** The phase list's current step. */
export const currentPhase = (page: Page): Locator => page.locator('cl-phase-stepper li[aria-current="step"]');

/** A button by its exact accessible name, inside `within`. */
export const button = (page: Page, name: string, within = 'cl-app'): Locator => page.locator(within).getByRole('button', { name, exact: true });

/** The text a component renders (in its shadow root). */
export function shadowText(page: Page, selector: string): Promise<string> {
  return page.locator(selector).first().evaluate((el) => el.shadowRoot?.textContent ?? el.textContent ?? '');
}

/** The header's text (it names the engine incarnation). */
export const headerText = (page: Page): Promise<string> => page.locator('cl-app').evaluate((el) => el.shadowRoot?.querySelector('header')?.textContent ?? '');

/** The engine incarnation the header shows (`engine #N`), 0 before it shows one. */
export const engineNumber = async (page: Page): Promise<number> => Number(/engine #(\d+)/.exec(await headerText(page))?.[1] ?? 0);

/** Opens the app on the scenario picker and waits until the picker offers the built-in scenarios. */
export async function openPicker(app: App, page: Page): Promise<void> {
  await page.goto(app.url);
  await button(page, 'Start a rehearsal of job-keys').waitFor();
}

/** Starts a new rehearsal of `scenarioId` from the picker and waits for it to stand in old-only. */
export async function startRehearsal(app: Pick<App, 'url'>, page: Page, scenarioId: string): Promise<void> {
  await page.goto(app.url);
  await button(page, `Start a rehearsal of ${scenarioId}`).click();
  await poll(() => currentPhase(page).textContent(), (t) => t?.includes('old-only') ?? false, { timeout: 30_000, message: 'the new rehearsal in old-only' });
}

/** Resolves true once `locator` (a button) is enabled, false if it is not within `timeoutMs`. */
async function enabledWithin(page: Page, locator: Locator, timeoutMs: number): Promise<boolean> {
  const element = await locator.elementHandle();
  return page.waitForFunction((el) => !(el as HTMLButtonElement).disabled, element, { timeout: timeoutMs }).then(
    () => true,
    () => false,
  );
}

/** A backfill pass and a verify, each waited for until it has finished: what the forward guards ask for. */
export async function repair(page: Page): Promise<void> {
  const backfill = page.locator('cl-actions').getByRole('region', { name: 'Backfill', exact: true });
  const passesDone = async (): Promise<number> => Number(/Pass (\d+) done/.exec((await backfill.textContent()) ?? '')?.[1] ?? 0);
  const before = await passesDone();
  await button(page, 'Start backfill', 'cl-actions').click();
  await poll(passesDone, (n) => n > before, { timeout: 60_000, message: `backfill pass ${before + 1} done` });
  const verifiedAt = (): Promise<number | null> => page.locator('cl-consistency').evaluate((el) => (el as unknown as { verifiedAt: number | null }).verifiedAt);
  const lastVerify = await verifiedAt();
  await button(page, 'Verify', 'cl-actions').click();
  await poll(verifiedAt, (at) => at !== lastVerify, { timeout: 60_000, message: 'a new verify' });
}

/** Clicks Next phase and waits for the phase to change; repairs first while the guard refuses. */
export async function nextPhase(page: Page, to: string): Promise<void> {
  const nextButton = button(page, 'Next phase', 'cl-phase-stepper');
  // A write racing the verify can make it stale at once: then another round.
  for (let round = 1; !(await nextButton.isEnabled()); round++) {
    if (round > 4) throw new Error(`Next phase stays disabled on the way to ${to}: ${await shadowText(page, 'cl-phase-stepper')}`);
    await repair(page);
    await enabledWithin(page, nextButton, 5_000);
  }
  await nextButton.click();
  await poll(() => currentPhase(page).textContent(), (t) => t?.includes(to) ?? false, { timeout: 30_000, message: `the phase ${to}` });
}

/** One operation of the history as the page saved it. */
export interface SavedOp {
  readonly kind: 'read' | 'write';
  readonly phase: string;
  readonly outcome: string | null;
}

/**
 * The history the page saved to IndexedDB (database `cutover-lab-ui`, store `history`, chunks
 * `<rehearsal>/c/<n>`), for the one rehearsal of a fresh context: what a reload would bring back.
 */
export function savedHistory(page: Page): Promise<{ entries: number; ops: SavedOp[] }> {
  return page.evaluate(async () => {
    // Opening a database that does not exist would create it empty, without the page's store.
    if (!(await indexedDB.databases()).some((d) => d.name === 'cutover-lab-ui')) return { entries: 0, ops: [] };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('cutover-lab-ui');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('cannot open cutover-lab-ui'));
    });
    try {
      if (!db.objectStoreNames.contains('history')) return { entries: 0, ops: [] };
      const store = db.transaction('history', 'readonly').objectStore('history');
      const read = <T>(request: IDBRequest<T>): Promise<T> =>
        new Promise((resolve, reject) => {
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error ?? new Error('cannot read the history store'));
        });
      const [keys, values] = await Promise.all([read(store.getAllKeys()), read(store.getAll())]);
      const isChunk = (key: IDBValidKey | undefined): boolean => typeof key === 'string' && /\/c\/\d+$/.test(key);
      const chunks = values.filter((_, i) => isChunk(keys[i])) as { entries: unknown[]; ops: { kind: 'read' | 'write'; phase: string; outcome?: string }[] }[];
      return {
        entries: chunks.reduce((n, c) => n + c.entries.length, 0),
        ops: chunks.flatMap((c) => c.ops.map((o) => ({ kind: o.kind, phase: o.phase, outcome: o.outcome ?? null }))),
      };
    } finally {
      db.close();
    }
  });
}

/**
 * One value of the page's own database (`cutover-lab-ui`, store `history`), read-only: the page's
 * settings (`~page/settings/<rehearsal>`), the open rehearsal (`~page/current`). Undefined when absent.
 */
export function savedPageValue(page: Page, key: string): Promise<unknown> {
  return page.evaluate(async (k) => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'cutover-lab-ui')) return undefined;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('cutover-lab-ui');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('cannot open cutover-lab-ui'));
    });
    try {
      if (!db.objectStoreNames.contains('history')) return undefined;
      const request = db.transaction('history', 'readonly').objectStore('history').get(k);
      return await new Promise<unknown>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error ?? new Error(`cannot read ${k}`));
      });
    } finally {
      db.close();
    }
  }, key);
}

/** Acknowledged writes in the saved history, in `phase` when given. */
export async function savedAcknowledgedWrites(page: Page, phase?: string): Promise<number> {
  return (await savedHistory(page)).ops.filter((o) => o.kind === 'write' && o.outcome === 'ok' && (phase === undefined || o.phase === phase)).length;
}

/** The number of entries the history panel says it holds. */
export async function shownHistoryEntries(page: Page): Promise<number> {
  const text = await shadowText(page, 'cl-history');
  return Number(/([\d,]+) entr(?:y|ies)/.exec(text)?.[1]?.replaceAll(',', '') ?? Number.NaN);
}
