/**
 * Share links in the built app (issue 13, item 6): a link the CLI makes, opened in a fresh browser
 * context, shows its preview and stores nothing; Load opens a new rehearsal of that scenario in
 * old-only. Hostile links (a decompression bomb, `__proto__`, a wrong version) show their message,
 * offer no Load, and leave IndexedDB without a rehearsal and Object.prototype untouched. The
 * header's "Copy share link" puts the open rehearsal's scenario and seed on the clipboard; with a
 * plan in the Plan panel, the link carries it, and in a fresh browser context Load puts it into
 * the Plan panel with its seed: replayed there, it gives the figures it gave where the link was
 * made, and those `cutover-lab rehearse` gives.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64UrlEncode } from '../../src/engine/share-format.ts';
import type { Plan } from '../../src/harness/plan/format.ts';
import type { RehearsalReport } from '../../src/harness/plan/report.ts';
import { decodeShareNode, encodeShareNode } from '../../src/harness/share.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { button, currentPhase, expectClean, headerText, shadowText, startApp, startRehearsal, type App } from './app-harness.ts';
import { poll } from './wait.ts';

const root = resolve(import.meta.dirname, '../..');
const SEED_002 = join(root, 'docs/examples/plans/seed-002-job-keys.json');

let app: App;
let dir: string;
beforeAll(async () => {
  app = await startApp();
  dir = await mkdtemp(join(tmpdir(), 'cutover-share-e2e-'));
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A fresh context (its own empty storage, like a new browser profile) whose pages may read and write the clipboard. */
async function clipboardContext(): Promise<BrowserContext> {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.url).origin });
  return context;
}

/** Clicks the header's "Copy share link" and returns the link the clipboard then holds. */
async function copyShareLink(page: Page): Promise<string> {
  await page.evaluate(() => navigator.clipboard.writeText(''));
  await button(page, 'Copy share link').click();
  let link = '';
  await poll(async () => (link = await page.evaluate(() => navigator.clipboard.readText())), (t) => t !== '', { timeout: 15_000, message: 'a link on the clipboard' });
  return link;
}

const planPanel = (page: Page) => page.locator('cl-plan-panel');

/** Continues the Plan panel's replay to its end and returns its report (the panel's JSON export). */
async function replayReport(page: Page): Promise<RehearsalReport> {
  await button(page, 'Continue', 'cl-plan-panel').click();
  await expect.poll(() => planPanel(page).getByRole('status').allTextContents(), { timeout: 120_000 }).toContainEqual(expect.stringMatching(/^(Passed|Failed|Rolled back|Ended)/));
  const [download] = await Promise.all([page.waitForEvent('download'), button(page, 'Export report (JSON)', 'cl-plan-panel').click()]);
  const path = join(dir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return JSON.parse(await readFile(path, 'utf8')) as RehearsalReport;
}

/** What a replay must give again: each step's figures, phases and gates, and the final checks. */
function figuresOf(report: RehearsalReport) {
  return {
    steps: report.steps.map((s) => ({ index: s.index, kind: s.kind, status: s.status, phaseBefore: s.phaseBefore, phaseAfter: s.phaseAfter, figures: s.figures, gates: s.gates.map((g) => ({ gate: g.gate, held: g.held, measured: g.measured })) })),
    invariants: report.invariants,
    outcome: report.outcome,
  };
}

/** Keys of rehearsals stored in this context's IndexedDB (none when the database was never made). */
function storedRehearsalKeys(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'cutover-lab')) return [];
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const req = indexedDB.open('cutover-lab');
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(new Error(String(req.error)));
    });
    try {
      if (!db.objectStoreNames.contains('rehearsals')) return [];
      const keys = await new Promise<IDBValidKey[]>((ok, fail) => {
        const req = db.transaction('rehearsals').objectStore('rehearsals').getAllKeys();
        req.onsuccess = () => ok(req.result);
        req.onerror = () => fail(new Error(String(req.error)));
      });
      return keys.map(String).filter((k) => k.startsWith('rehearsal/'));
    } finally {
      db.close();
    }
  });
}

const preview = (page: Page) => page.locator('cl-share-preview').locator('dialog');

describe('share links in the playground', () => {
  it('a link opens a preview in a fresh context, stores nothing until Load, and Load opens the rehearsal in old-only', async () => {
    const scenario = { ...BUILT_IN_SCENARIOS['job-keys']!, id: 'shared-job-keys', title: 'Shared: <b>job keys</b> from a link' };
    const { page, context, problems } = await app.newPage();
    await page.goto(`${app.url}${encodeShareNode({ scenario, seed: 3 })}`);
    await preview(page).locator('[data-share="title"]').waitFor({ timeout: 30_000 });
    expect(await preview(page).locator('[data-share="title"]').textContent()).toBe(scenario.title);
    expect(await preview(page).locator('b').count()).toBe(0);
    expect(await preview(page).locator('[data-share="new-schema"]').textContent()).toContain(scenario.schema.new[0]!.slice(0, 30));
    expect(await storedRehearsalKeys(page)).toEqual([]);
    await button(page, 'Load', 'cl-share-preview').click();
    await poll(() => currentPhase(page).textContent(), (t) => t?.includes('old-only') ?? false, { timeout: 60_000, message: 'the shared rehearsal in old-only' });
    expect(await headerText(page)).toContain(scenario.title);
    expect(await page.evaluate(() => location.hash)).toBe('');
    expect((await storedRehearsalKeys(page)).some((k) => k.includes('shared-job-keys'))).toBe(true);
    expectClean(problems);
    await context.close();
  });

  it('hostile links show their message, offer no Load, store nothing and leave Object.prototype alone', async () => {
    const hostile: [string, RegExp][] = [
      [`#share=v1.${base64UrlEncode(new Uint8Array(deflateRawSync(Buffer.alloc(10 * 1024 * 1024), { level: 9 })))}`, /expands to more than 256 KiB/],
      [`#share=v1.${base64UrlEncode(new Uint8Array(deflateRawSync(Buffer.from('{"format":"cutover-lab/share","scenario":{"__proto__":{"polluted":1}}}'))))}`, /key "__proto__"/],
      [`#share=v1.${base64UrlEncode(new Uint8Array(deflateRawSync(Buffer.from('{"format":"cutover-lab/share","scenario":{'))))}`, /not hold valid JSON/],
      ['#share=v7.AAAA', /version "v7"/],
      [`#share=v1.${'A'.repeat(70_000)}`, /too long/],
    ];
    for (const [fragment, reason] of hostile) {
      const { page, context, problems } = await app.newPage();
      await page.goto(`${app.url}${fragment}`);
      const refused = preview(page).locator('[data-share="refused"]');
      await refused.waitFor({ timeout: 30_000 });
      expect(await refused.textContent()).toMatch(reason);
      expect(await preview(page).getByRole('button', { name: 'Load', exact: true }).count()).toBe(0);
      expect(await page.evaluate(() => ({} as Record<string, unknown>)['polluted'])).toBeUndefined();
      expect(await storedRehearsalKeys(page)).toEqual([]);
      expectClean(problems);
      await context.close();
    }
  });

  it('"Copy share link" puts a #share=v1. link on the clipboard holding the open rehearsal\'s scenario and seed', async () => {
    const context = await clipboardContext();
    const { page, problems } = await app.newPage({ context });
    await startRehearsal(app, page, 'session-json');
    const link = await copyShareLink(page);
    expect(link.startsWith(`${app.url}#share=v1.`)).toBe(true);
    const decoded = decodeShareNode(new URL(link).hash);
    if (!decoded.ok) throw new Error(decoded.reason);
    const built = BUILT_IN_SCENARIOS['session-json']!;
    expect(decoded.value.scenario).toMatchObject({ id: built.id, title: built.title, schema: built.schema, operations: built.operations });
    // A rehearsal opened from the picker has seed 1; no plan is loaded, so the link carries none.
    expect(decoded.value.seed).toBe(1);
    expect(decoded.value.plan).toBeUndefined();
    await expect.poll(() => page.locator('cl-app').locator('.notice').allTextContents()).toContainEqual(expect.stringMatching(/Share link copied: it holds the scenario and its seed 1, never the data/));
    expectClean(problems);
    await context.close();
  });

  it('round-trips: a plan replayed with a seed, shared, loaded in a fresh context and replayed gives the same figures as there and as `cutover-lab rehearse`', async () => {
    const SEED = 7;
    // Context A: a rehearsal, seed 002's plan in the Plan panel, replayed with seed 7.
    const contextA = await clipboardContext();
    const a = await app.newPage({ context: contextA });
    await startRehearsal(app, a.page, 'job-keys');
    await planPanel(a.page).locator('input[type="file"]').setInputFiles(SEED_002);
    await expect.poll(() => planPanel(a.page).locator('li.step').count()).toBe(10);
    const seed = planPanel(a.page).getByLabel('Seed');
    await seed.fill(String(SEED));
    await seed.press('Enter');
    await expect.poll(() => shadowText(a.page, 'cl-plan-panel')).toMatch(new RegExp(`seed ${SEED}`));
    const inA = await replayReport(a.page);
    const link = await copyShareLink(a.page);
    const decoded = decodeShareNode(new URL(link).hash);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.value.seed).toBe(SEED);
    expect(decoded.value.plan).toEqual(JSON.parse(await readFile(SEED_002, 'utf8')) as Plan);
    expectClean(a.problems);
    await contextA.close();

    // Context B: nothing stored, the link opened, Load: the plan is in the Plan panel with its seed, nothing run.
    const b = await app.newPage();
    await b.page.goto(link);
    await preview(b.page).locator('[data-share="plan"]').waitFor({ timeout: 30_000 });
    expect(await preview(b.page).textContent()).toContain(`seed ${SEED}`);
    expect(await storedRehearsalKeys(b.page)).toEqual([]);
    await button(b.page, 'Load', 'cl-share-preview').click();
    await poll(() => currentPhase(b.page).textContent(), (t) => t?.includes('old-only') ?? false, { timeout: 60_000, message: 'the shared rehearsal in old-only' });
    await expect.poll(() => planPanel(b.page).locator('li.step').count(), { timeout: 30_000 }).toBe(10);
    expect(await planPanel(b.page).getByLabel('Seed').inputValue()).toBe(String(SEED));
    expect(await planPanel(b.page).locator('li.verdict').count()).toBe(0);
    const inB = await replayReport(b.page);
    expect(figuresOf(inB)).toEqual(figuresOf(inA));

    // And the CLI, from the same plan and seed.
    const json = join(dir, 'cli-report.json');
    await promisify(execFile)(process.execPath, [join(root, 'bin/cutover-lab.mjs'), 'rehearse', '--scenario', 'job-keys', '--plan', SEED_002, '--seed', String(SEED), '--json', json], { cwd: root }).catch((e: { code?: number }) => {
      if (e.code !== 1) throw e; // a failed gate: the figures must agree all the same
    });
    const cli = JSON.parse(await readFile(json, 'utf8')) as RehearsalReport;
    expect(figuresOf(inB)).toEqual(figuresOf(cli));
    console.log(`round trip, seed ${SEED}: ${inB.steps.length} steps, outcome ${inB.outcome}, operations per step ${inB.steps.map((s) => s.figures.operations).join(',')}`);
    expectClean(b.problems);
    await b.context.close();
  });
});
