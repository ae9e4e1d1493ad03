/**
 * The playground at scale, as a user drives it (issue 11, items 4 and 6): the built app as `npm
 * start` serves it, real Chromium, real IndexedDB. A new job-keys rehearsal with N starting
 * records; dual-write; the workload at R ops/s while a backfill copies every record; then verify
 * and the history check. Prints the time of each step, the longest main-thread task (a
 * `longtask` PerformanceObserver installed before the app loads) during the load and during the
 * backfill with the workload running, the operations completed per second meanwhile, and the
 * peak memory of Chromium's processes. Not a test: it fails only when a step does not finish.
 *
 *   npm run bench:scale                                   # 100,000 records, 500 ops/s
 *   npm run bench:scale -- --records 1000000 --rate 100   # the million-row rehearsal
 *   npm run bench:scale -- --import --records 1000000     # a shop database of that many rows made by
 *                                                         # sqlite3, imported through the picker (issue 13)
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';
import { button, currentPhase, savedHistory, serveApp, shadowText } from '../test/e2e/app-harness.ts';
import { poll } from '../test/e2e/wait.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string' },
    durability: { type: 'string', default: 'strict' },
    import: { type: 'boolean', default: false },
  },
});
const records = Number(values.records);
const rate = Number(values.rate);
const concurrency = Number(values.concurrency);
const LONG = 30 * 60_000;

interface LongTask {
  readonly start: number;
  readonly duration: number;
}

declare global {
  interface Window {
    __longtasks: LongTask[];
  }
}

/**
 * Resident memory of this run's Chromium, in MiB: the browser process started on `profile` and
 * every process under it (Linux `ps`; other Chromiums on the machine are not counted).
 */
function chromiumRssMiB(profile: string): number {
  try {
    const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,rss=,args='], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
      .split('\n')
      .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), rss: Number(m[3]), args: m[4] ?? '' }));
    const roots = rows.filter((r) => r.args.includes(profile) && !r.args.includes('--type=')).map((r) => r.pid);
    const tree = new Set(roots);
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of rows) if (!tree.has(r.pid) && tree.has(r.ppid)) grew = tree.add(r.pid).size > 0;
    }
    return rows.filter((r) => tree.has(r.pid)).reduce((sum, r) => sum + r.rss, 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * A shop's database of `rows` keyed rows made by the sqlite3 tool: customers (a fifth), orders and
 * order items (two fifths each) with foreign keys, as test/e2e/import-database.e2e.test.ts makes it.
 */
function makeShop(file: string, rows: number): void {
  const customers = Math.max(1, Math.floor(rows / 5));
  const orders = Math.floor((rows - customers) / 2);
  const items = rows - customers - orders;
  const series = (n: number): string => `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})`;
  const sql = [
    'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)',
    'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), total_cents INTEGER NOT NULL, status TEXT NOT NULL)',
    'CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders (id), sku TEXT NOT NULL, qty INTEGER NOT NULL, PRIMARY KEY (order_id, sku)) WITHOUT ROWID',
    `${series(customers)} INSERT INTO customers SELECT i, 'customer ' || i, 'c' || i || '@example.com', '2025-01-01 10:00:00' FROM s`,
    `${series(orders)} INSERT INTO orders SELECT i, 1 + i % ${customers}, (i * 37) % 10000, 'paid' FROM s`,
    `${series(items)} INSERT INTO order_items SELECT i, 'sku-' || (i % 50), 1 + i % 4 FROM s`,
  ].join(';\n');
  execFileSync('sqlite3', [file, sql]);
}

const now = (page: Page): Promise<number> => page.evaluate(() => performance.now());
const longestSince = (page: Page, since: number): Promise<{ longest: number; count: number; over50: number }> =>
  page.evaluate((t) => {
    const tasks = window.__longtasks.filter((x) => x.start >= t);
    return { longest: Math.max(0, ...tasks.map((x) => x.duration)), count: tasks.length, over50: tasks.filter((x) => x.duration > 50).length };
  }, since);

async function main(): Promise<void> {
  const served = await serveApp();
  const profile = await mkdtemp(join(tmpdir(), 'cutover-scale-'));
  // A profile on disk, as a user's browser has: a context without one is "off the record", whose
  // IndexedDB lives in memory with a small quota (a 1,000,000-record rehearsal does not fit).
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumArgs, headless: true, viewport: { width: 1280, height: 800 } });
  const browser = { version: () => context.browser()?.version() ?? 'chromium', close: () => context.close() };
  let peakRss = 0;
  let noticeWatch: ReturnType<typeof setInterval> | undefined;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, chromiumRssMiB(profile))), 500);
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    console.log(line);
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    let crashed = false;
    page.on('crash', () => {
      crashed = true;
      say(`  the tab crashed (Chromium RSS ${chromiumRssMiB(profile).toFixed(0)} MiB, peak ${peakRss.toFixed(0)} MiB)`);
    });
    page.on('worker', (w) => w.on('close', () => say('  a worker closed')));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') say(`  page ${m.type()}: ${m.text().slice(0, 300)}`);
    });
    page.on('pageerror', (e) => say(`  page error: ${e.message.slice(0, 300)}`));
    // tsx names functions with esbuild's `__name`, which page.evaluate's serialised callbacks then call.
    await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    await page.addInitScript(() => {
      window.__longtasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    // Every message the page shows (notices), whenever it shows it: a restarted engine says so there.
    const noticesSeen = new Set<string>();
    noticeWatch = setInterval(() => {
      void page
        .locator('cl-app')
        .evaluate((el) => [...(el.shadowRoot?.querySelectorAll('.notice p') ?? [])].map((p) => p.textContent ?? ''), undefined, { timeout: 2000 })
        .then((list) => {
          for (const text of list) {
            if (noticesSeen.has(text)) continue;
            noticesSeen.add(text);
            say(`  notice: ${text.slice(0, 300)}`);
          }
        })
        .catch(() => undefined);
    }, 5000);
    await page.goto(served.url);
    await button(page, 'Start a rehearsal of job-keys').waitFor();
    say(`${values.import ? 'an imported shop database' : 'job-keys'}, ${records.toLocaleString('en-US')} starting records, workload ${rate} ops/s at concurrency ${concurrency}, ${values.durability ?? 'strict'}, Chromium ${browser.version()}`);

    // 1. The load: starting records made by job-keys' enqueue, or a database file imported.
    await page.locator(`cl-scenario-picker input[name="durability"][value="${values.durability}"]`).check();
    let t = await now(page);
    let wall = Date.now();
    if (values.import) {
      const file = join(profile, 'shop.sqlite');
      const made = Date.now();
      makeShop(file, records);
      say(`import: a shop database of ${records.toLocaleString('en-US')} keyed rows made by sqlite3 in ${((Date.now() - made) / 1000).toFixed(1)} s, ${((await stat(file)).size / 1024 / 1024).toFixed(1)} MiB`);
      t = await now(page);
      wall = Date.now();
      const readProgress: string[] = [];
      const watch = setInterval(() => {
        void shadowText(page, 'cl-database-import')
          .then((x) => {
            const m = /Reading [^:]+: ([\d.]+ \w+) of ([\d.]+ \w+)/.exec(x);
            if (m && readProgress.at(-1) !== m[1]) readProgress.push(m[1] ?? '');
          })
          .catch(() => undefined);
      }, 100);
      await page.locator('cl-database-import input[type="file"]').setInputFiles(file);
      await poll(() => shadowText(page, 'cl-database-import'), (x) => /integrity check ok|was not imported/.test(x), { timeout: LONG, intervalMs: 200, message: 'the import checked' });
      clearInterval(watch);
      const checked = await shadowText(page, 'cl-database-import');
      if (/was not imported/.test(checked)) throw new Error(checked.replace(/\s+/g, ' '));
      const reading = await longestSince(page, t);
      const timings = /Checked in the engine: ([^.]*)\./.exec(checked)?.[1] ?? '';
      say(`import: read and checked in ${((Date.now() - wall) / 1000).toFixed(1)} s (engine: ${timings}); read progress seen: ${readProgress.join(', ') || 'none'}; longest main-thread task ${reading.longest.toFixed(0)} ms (${reading.over50} over 50 ms)`);
      t = await now(page);
      wall = Date.now();
      await button(page, 'Start a rehearsal of the starter as it is', 'cl-database-import').click();
    } else {
      await page.locator(`cl-scenario-picker input[name="starting"][value="${records}"]`).check();
      await button(page, 'Start a rehearsal of job-keys').click();
    }
    let shown = '';
    let shownAt = 0;
    await poll(
      async () => {
        if (crashed) throw new Error('the tab crashed');
        const status = await page.locator('cl-app').evaluate((el) => {
          const loading = el.shadowRoot?.querySelector('.loading')?.textContent ?? '';
          const notices = [...(el.shadowRoot?.querySelectorAll('.notice p') ?? [])].map((p) => p.textContent ?? '').join(' | ');
          return `${loading}${notices ? ` [notices: ${notices}]` : ''}`;
        });
        // What the page says while it loads, every 10 s (the worker may restart and begin again).
        if (status && (status !== shown || Date.now() - shownAt > 10_000) && Date.now() - shownAt > 10_000) {
          say(`  ${((Date.now() - wall) / 1000).toFixed(0)} s: ${status.trim()} (Chromium RSS ${chromiumRssMiB(profile).toFixed(0)} MiB)`);
          shown = status;
          shownAt = Date.now();
        }
        return currentPhase(page).textContent({ timeout: 1000 }).catch(() => null);
      },
      (x) => x?.includes('old-only') ?? false,
      { timeout: LONG, intervalMs: 500, message: 'the rehearsal open in old-only' },
    );
    const load = await longestSince(page, t);
    say(`load: ${((Date.now() - wall) / 1000).toFixed(1)} s to open with its starting records${values.import ? ' (the file versioned and stored)' : ''}; longest main-thread task ${load.longest.toFixed(0)} ms (${load.over50} over 50 ms)`);

    // 2. dual-write, the workload, and a backfill of every record.
    await button(page, 'Next phase', 'cl-phase-stepper').click();
    await poll(() => currentPhase(page).textContent(), (x) => x?.includes('dual-write') ?? false, { timeout: 60_000, message: 'dual-write' });
    const panel = page.locator('cl-workload');
    for (const [selector, value] of [['#ops', rate], ['#concurrency', concurrency]] as const) {
      await panel.locator(selector).fill(String(value));
      await panel.locator(selector).blur();
    }
    if (values.batch) {
      const batch = page.locator('cl-actions #backfill-batch');
      await batch.fill(values.batch);
      await batch.blur();
    }
    const opsBefore = (await savedHistory(page)).ops.length;
    if (rate > 0) await button(page, 'Start workload', 'cl-workload').click();
    t = await now(page);
    const backfillWall = Date.now();
    await button(page, 'Start backfill', 'cl-actions').click();
    const backfill = page.locator('cl-actions').getByRole('region', { name: 'Backfill', exact: true });
    await poll(async () => (await backfill.textContent()) ?? '', (x) => /Pass 1 done/.test(x), { timeout: LONG, intervalMs: 500, message: 'backfill pass 1 done' });
    const backfillSeconds = (Date.now() - backfillWall) / 1000;
    const during = await longestSince(page, t);
    if (rate > 0) await button(page, 'Stop workload', 'cl-workload').click();
    const opsAfter = (await savedHistory(page)).ops.length;
    const copied = /Copied\s*([\d,]+)/.exec((await backfill.textContent()) ?? '')?.[1] ?? '?';
    say(
      `backfill: ${backfillSeconds.toFixed(1)} s (${copied} copied, ${Math.round(records / backfillSeconds).toLocaleString('en-US')} records/s) with the workload running: ${((opsAfter - opsBefore) / backfillSeconds).toFixed(0)} ops/s completed of ${rate} asked; longest main-thread task ${during.longest.toFixed(0)} ms (${during.count} long tasks, ${during.over50} over 50 ms)`,
    );

    // 3. Verify.
    t = await now(page);
    const verifyWall = Date.now();
    const verifiedAt = (): Promise<number | null> => page.locator('cl-consistency').evaluate((el) => (el as unknown as { verifiedAt: number | null }).verifiedAt);
    const lastVerify = await verifiedAt();
    await button(page, 'Verify', 'cl-actions').click();
    await poll(verifiedAt, (at) => at !== lastVerify, { timeout: LONG, intervalMs: 500, message: 'verify' });
    const verify = await longestSince(page, t);
    const consistency = (await shadowText(page, 'cl-consistency')).replace(/\s+/g, ' ').trim().slice(0, 200);
    say(`verify: ${((Date.now() - verifyWall) / 1000).toFixed(1)} s; longest main-thread task ${verify.longest.toFixed(0)} ms; ${consistency}`);

    // 4. The history check (the badge), which holds every starting record to its first state.
    const badge = page.locator('cl-invariant-badge');
    const checkWall = Date.now();
    await badge.getByRole('button', { name: 'Check now' }).click();
    const badgeText = async (): Promise<string> => (await shadowText(page, 'cl-invariant-badge')).replace(/\s+/g, ' ').trim();
    await poll(badgeText, (x) => /checking/i.test(x), { timeout: 30_000, intervalMs: 20, message: 'the history check started' }).catch(() => '');
    await poll(badgeText, (x) => x.length > 0 && !/checking|not checked/i.test(x), { timeout: LONG, intervalMs: 500, message: 'the history check' });
    say(`history check: ${((Date.now() - checkWall) / 1000).toFixed(1)} s; badge: ${await badgeText()}`);
    say(`peak memory of this run's Chromium processes (RSS summed over the browser's process tree, sampled every 0.5 s): ${peakRss.toFixed(0)} MiB; tab crashed: ${crashed ? 'yes' : 'no'}`);
  } finally {
    clearInterval(sampler);
    clearInterval(noticeWatch);
    await browser.close();
    await rm(profile, { recursive: true, force: true });
    await served.close();
  }
}

await main();
