/**
 * The built playground, served as `npm start` serves it (vite preview, with the Content-Security-
 * Policy header), and a Chromium driven by playwright-core. Every page records console errors,
 * uncaught exceptions, CSP violations and dialogs (an `alert` would mean injected HTML ran).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';

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

/** Builds the app into a temporary folder, serves it and starts Chromium. */
export async function startApp(): Promise<App> {
  const outDir = await mkdtemp(join(tmpdir(), 'cutover-app-'));
  await build({ root, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({ root, logLevel: 'silent', build: { outDir }, preview: { port: 0, strictPort: false, host: '127.0.0.1' } });
  const address = server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 4173;
  const url = `http://127.0.0.1:${port}/`;
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
      await new Promise<void>((ok) => server.httpServer.close(() => ok()));
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
