/**
 * Plans in the built playground: load seed 002's plan, Step, Step, Continue, every gate ✓, the
 * report exported and equal to `runPlan` in Node; a plan that is not valid shows the validator's
 * paths and changes nothing; and the done-when of issue 12 item 5 — a plan recorded in the page
 * (dual-write, a workload, backfill, verify, a move), exported, replayed in the page and with
 * `cutover-lab rehearse` from Node with the same seed gives the same figures, step by step.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/harness/plan/format.ts';
import type { RehearsalReport } from '../../src/harness/plan/report.ts';
import { runPlan } from '../../src/harness/plan/run.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';
import { button, expectClean, nextPhase, repair, savedAcknowledgedWrites, shadowText, startApp, startRehearsal, type App } from './app-harness.ts';

const root = resolve(import.meta.dirname, '../..');
const SEED_002 = join(root, 'docs/examples/plans/seed-002-job-keys.json');

let app: App;
let dir: string;
beforeAll(async () => {
  app = await startApp();
  dir = await mkdtemp(join(tmpdir(), 'cutover-plan-e2e-'));
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const panel = (page: Page) => page.locator('cl-plan-panel');
const planButton = (page: Page, name: string) => button(page, name, 'cl-plan-panel');
const currentStep = (page: Page) => panel(page).locator('li.step[aria-current="step"]');

/** Waits until the replay has ended (the panel says so). */
async function replayEnded(page: Page): Promise<void> {
  await expect.poll(() => panel(page).getByRole('status').allTextContents(), { timeout: 120_000 }).toContainEqual(expect.stringMatching(/^Ended: /));
}

/** Clicks an export button and returns the downloaded file's name and text. */
async function exported(page: Page, name: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), planButton(page, name).click()]);
  const path = join(dir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return { name: download.suggestedFilename(), text: await readFile(path, 'utf8') };
}

/** Per step: what the CLI and the page must agree on (every figure, the phases, each gate's verdict and measure). */
function stepFigures(report: RehearsalReport) {
  return report.steps.map((s) => ({ index: s.index, kind: s.kind, status: s.status, phaseBefore: s.phaseBefore, phaseAfter: s.phaseAfter, figures: s.figures, gates: s.gates.map((g) => ({ gate: g.gate, held: g.held, measured: g.measured })) }));
}

describe('plans in the playground', () => {
  it('replays seed 002\'s plan step by step: Step, Step, Continue, every gate ✓, the report as runPlan gives it', async () => {
    const { page, problems } = await app.newPage();
    await startRehearsal(app, page, 'job-keys');
    await panel(page).locator('input[type="file"]').setInputFiles(SEED_002);
    await expect.poll(() => panel(page).locator('li.step').count()).toBe(10);
    await expect.poll(() => currentStep(page).getAttribute('data-index')).toBe('0');
    // Nothing ran on loading.
    await expect.poll(() => panel(page).locator('li.verdict').count()).toBe(0);

    await planButton(page, 'Step').click();
    await expect.poll(() => currentStep(page).getAttribute('data-index'), { timeout: 60_000 }).toBe('1');
    await expect.poll(() => panel(page).locator('li.step[data-index="0"] li.verdict').allTextContents()).toEqual([expect.stringMatching(/errorRate 0% \(≤ 0%\)/), expect.stringMatching(/p99Ms\.old [\d.]+ ms \(≤ 30 ms\)/)]);
    // Keyboard: the second Step from the keyboard.
    await planButton(page, 'Step').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => currentStep(page).getAttribute('data-index'), { timeout: 60_000 }).toBe('2');

    await planButton(page, 'Continue').click();
    await replayEnded(page);
    await expect.poll(() => currentStep(page).count()).toBe(0);
    const verdicts = panel(page).locator('li.verdict');
    expect(await verdicts.count()).toBeGreaterThanOrEqual(15);
    expect(await panel(page).locator('li.verdict.failed').count()).toBe(0);
    for (const mark of await verdicts.locator('.mark').allTextContents()) expect(mark).toBe('✓');
    await expect.poll(() => shadowText(page, 'cl-plan-panel')).toMatch(/Passed: all 10 steps ran/);

    const report = await exported(page, 'Export report (JSON)');
    expect(report.name).toBe('seed-002-job-keys.report.json');
    const plan = JSON.parse(await readFile(SEED_002, 'utf8')) as Plan;
    const node = await runPlan({ scenario: BUILT_IN_SCENARIOS['job-keys']!, plan, seed: 1, durability: 'strict', sql: await nodeSql() });
    // The same bytes: latencies come from the seeded cost model on the virtual clock, not the machine.
    expect(JSON.parse(report.text)).toEqual(JSON.parse(JSON.stringify(node)));
    const runbook = await exported(page, 'Export runbook (Markdown)');
    expect(runbook.text).toMatch(/^# Cut-over runbook: Seed 002/);
    expectClean(problems);
  });

  it('shows why a plan is not valid, with the path of each problem, and keeps the plan loaded before', async () => {
    const { page, problems } = await app.newPage();
    await startRehearsal(app, page, 'job-keys');
    await panel(page).locator('input[type="file"]').setInputFiles(SEED_002);
    await expect.poll(() => panel(page).locator('li.step').count()).toBe(10);
    const bad = join(dir, 'bad-plan.json');
    await writeFile(bad, JSON.stringify({ format: 1, scenario: 'job-keys', steps: [{ kind: 'move', to: 'read-new' }, { kind: 'workload', operations: -3 }] }));
    await panel(page).locator('input[type="file"]').setInputFiles(bad);
    const alert = panel(page).getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/bad-plan\.json was not loaded/);
    expect(await alert.locator('code').allTextContents()).toEqual(expect.arrayContaining(['steps[0].to', 'steps[1].operations']));
    // Not JSON at all.
    const notJson = join(dir, 'notes.json');
    await writeFile(notJson, 'format: 1\n');
    await panel(page).locator('input[type="file"]').setInputFiles(notJson);
    await expect.poll(() => alert.textContent()).toMatch(/notes\.json was not loaded: 1 problem[\s\S]*not valid JSON/);
    // The plan loaded before is still there, with nothing run.
    expect(await panel(page).locator('li.step').count()).toBe(10);
    expect(await currentStep(page).getAttribute('data-index')).toBe('0');
    expectClean(problems);
  });

  it('replays a plan recorded in the page to the figures `cutover-lab rehearse` gives from the same seed', async () => {
    const { page, problems } = await app.newPage();
    await startRehearsal(app, page, 'job-keys');
    await planButton(page, 'Record').click();
    await expect.poll(() => shadowText(page, 'cl-plan-panel')).toMatch(/Recording: 0 steps/);

    await nextPhase(page, 'dual-write');
    await button(page, 'Start workload', 'cl-workload').click();
    await expect.poll(() => savedAcknowledgedWrites(page, 'dual-write'), { timeout: 60_000 }).toBeGreaterThanOrEqual(15);
    await button(page, 'Stop workload', 'cl-workload').click();
    await repair(page); // a backfill pass, then verify
    await nextPhase(page, 'shadow');
    await planButton(page, 'Stop recording').click();
    await expect.poll(() => panel(page).locator('li.step').count()).toBeGreaterThanOrEqual(5);

    const exportedPlan = await exported(page, 'Export plan (JSON)');
    const plan = JSON.parse(exportedPlan.text) as Plan;
    expect(plan).toMatchObject({ format: 1, scenario: 'job-keys' });
    expect(plan.steps.map((s) => s.kind)).toEqual(['move', 'workload', 'backfill', 'verify', 'move']);
    const planFile = join(dir, 'recorded-plan.json');
    await writeFile(planFile, exportedPlan.text);

    // Replayed in the page, seed 7.
    const seed = panel(page).getByLabel('Seed');
    await seed.fill('7');
    await seed.press('Enter');
    await expect.poll(() => shadowText(page, 'cl-plan-panel')).toMatch(/seed 7/);
    await planButton(page, 'Continue').click();
    await replayEnded(page);
    const inPage = JSON.parse((await exported(page, 'Export report (JSON)')).text) as RehearsalReport;

    // Replayed from Node with the CLI, seed 7.
    const json = join(dir, 'cli-report.json');
    await promisify(execFile)(process.execPath, [join(root, 'bin/cutover-lab.mjs'), 'rehearse', '--scenario', 'job-keys', '--plan', planFile, '--seed', '7', '--json', json], { cwd: root }).catch((e: { code?: number }) => {
      // Exit 1 is a failed gate: the figures must agree all the same.
      if (e.code !== 1) throw e;
    });
    const cli = JSON.parse(await readFile(json, 'utf8')) as RehearsalReport;
    expect(stepFigures(inPage)).toEqual(stepFigures(cli));
    expect(inPage.invariants).toEqual(cli.invariants);
    expect(inPage.outcome).toBe(cli.outcome);
    // For the closing note: the figures compared.
    console.log(`recorded plan ${JSON.stringify(plan.steps)}\nper-step figures (page = CLI): ${JSON.stringify(stepFigures(cli).map((s) => ({ i: s.index, kind: s.kind, ops: s.figures.operations, ack: s.figures.acknowledged, failed: s.figures.failed, p99: s.figures.p99Ms, ms: s.figures.elapsedMs, gates: s.gates })))}\noutcome ${cli.outcome}, ok ${String(cli.ok)}`);
    expectClean(problems);
  });
});
