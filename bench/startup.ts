/**
 * `npm run bench:startup`: how soon the built app is interactive on localhost. Builds the app and
 * serves it as `npm start` does (vite preview, the CSP header), then for each round a fresh
 * Chromium context (empty IndexedDB, a cold HTTP cache) loads the page and the time is taken in
 * the page, from navigation start (performance.now() is 0 there) to the first frame in which the
 * scenario picker's "Start a rehearsal" button is rendered and enabled — the engine worker started,
 * the rehearsal list read. A second figure: from pressing that button to the open rehearsal's
 * SQL editor (CodeMirror, loaded on demand) being in the page. Target (issue 11, item 5): < 1 s.
 */
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';
import { serveApp } from '../test/e2e/app-harness.ts';

const ROUNDS = Number(process.env['STARTUP_ROUNDS'] ?? 7);
const TARGET_MS = 1000;

/** In the page: resolves with performance.now() at the first frame where `find` finds something. */
const firstFrameWith = (find: string): string => `new Promise((resolve) => {
  const check = () => (${find})() ? resolve(performance.now()) : requestAnimationFrame(check);
  check();
})`;
const PICKER_READY = `() => document.querySelector('cl-app')?.shadowRoot?.querySelector('cl-scenario-picker')?.shadowRoot?.querySelector('button.primary:not([disabled])')`;
const EDITOR_READY = `() => document.querySelector('cl-app')?.shadowRoot?.querySelector('cl-sql-console')?.shadowRoot?.querySelector('.cm-content')`;

const stats = (xs: readonly number[]): { min: number; median: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? NaN, median: s[Math.floor(s.length / 2)] ?? NaN, max: s[s.length - 1] ?? NaN };
};
const ms = (x: number): string => `${x.toFixed(0)} ms`;

const served = await serveApp();
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
const interactive: number[] = [];
const domContentLoaded: number[] = [];
const editor: number[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(served.url, { waitUntil: 'commit' });
    interactive.push(await page.evaluate<number>(firstFrameWith(PICKER_READY)));
    domContentLoaded.push(await page.evaluate<number>(`performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd`));
    const clickedAt = await page.evaluate<number>(`(() => {
      const b = (${PICKER_READY})();
      const t = performance.now();
      b.click();
      return t;
    })()`);
    editor.push((await page.evaluate<number>(firstFrameWith(EDITOR_READY))) - clickedAt);
    await context.close();
  }
} finally {
  await browser.close();
  await served.close();
}

const i = stats(interactive);
const d = stats(domContentLoaded);
const e = stats(editor);
console.log(`start-up, built app on localhost, ${ROUNDS} cold loads (fresh context each), Chromium ${browser.version()}`);
console.log(`  DOMContentLoaded                          min ${ms(d.min)}  median ${ms(d.median)}  max ${ms(d.max)}`);
console.log(`  navigation → picker interactive           min ${ms(i.min)}  median ${ms(i.median)}  max ${ms(i.max)}  (target < ${TARGET_MS} ms: ${i.median < TARGET_MS ? 'met' : 'NOT met'})`);
console.log(`  "Start a rehearsal" → SQL editor in page  min ${ms(e.min)}  median ${ms(e.median)}  max ${ms(e.max)}`);
