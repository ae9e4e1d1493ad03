/**
 * The Plan panel over its controller and the engine in its real Web Worker: a plan dropped or
 * picked is validated (problems with their paths, nothing changed), Step and Continue replay it with
 * each gate's verdict shown as it ends and the current step marked, from the keyboard too; a plan
 * that fails shows ✗ with what was measured against the threshold; Stop ends it where it stands.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import brokenPlan from '../../docs/examples/plans/drop-before-backfill.json';
import seed002 from '../../docs/examples/plans/seed-002-job-keys.json';
import { PlanController } from '../../src/ui/plan/plan-controller.ts';
import '../../src/ui/plan/plan-panel.ts';
import type { ClPlanPanel } from '../../src/ui/plan/plan-panel.ts';
import { PlanRecorder } from '../../src/ui/plan/plan-recorder.ts';
import { button, cleanBody, query, tabTo } from '../../src/ui/test-support.ts';
import { EngineClient } from '../../src/worker/client.ts';

let client: EngineClient | undefined;
afterEach(() => {
  client?.dispose();
  cleanBody();
});

/** The panel with a controller over a real engine worker, as the app wires them; `scenarioId` is the open rehearsal's. */
async function panelFor(scenarioId: string): Promise<{ el: ClPlanPanel; controller: PlanController; downloads: { name: string; text: string }[] }> {
  client = new EngineClient((name) => new Worker(new URL('../../src/worker/engine.worker.ts', import.meta.url), { type: 'module', name }));
  const el = document.createElement('cl-plan-panel');
  const downloads: { name: string; text: string }[] = [];
  const host: ReactiveControllerHost = {
    addController: (_c: ReactiveController) => undefined,
    removeController: () => undefined,
    requestUpdate: () => (el.view = controller.view),
    updateComplete: Promise.resolve(true),
  };
  const controller: PlanController = new PlanController(host, {
    client,
    recorder: new PlanRecorder(),
    rehearsal: () => ({ scenarioId, phase: 'old-only', scenarioMix: {}, workload: { running: false, opsPerSecond: 20, mix: {} }, faults: [] }),
    download: (name, _type, text) => downloads.push({ name, text }),
  });
  client.listen({ events: (events) => controller.events(events) });
  el.view = controller.view;
  el.addEventListener('cl-plan', (e) => void controller.handle(e.detail));
  document.body.append(el);
  await el.updateComplete;
  return { el, controller, downloads };
}

const root = (el: ClPlanPanel): ShadowRoot => el.shadowRoot as ShadowRoot;
const steps = (el: ClPlanPanel): HTMLElement[] => [...root(el).querySelectorAll<HTMLElement>('li.step')];
const current = (el: ClPlanPanel): string | null => root(el).querySelector('li.step[aria-current="step"]')?.getAttribute('data-index') ?? null;
const verdicts = (el: ClPlanPanel, index: number): string[] => [...root(el).querySelectorAll(`li.step[data-index="${index}"] li.verdict`)].map((li) => li.textContent?.replace(/\s+/g, ' ').trim() ?? '');

/** Drops `text` as a file named `name` on the panel, as a person dragging it from their desktop. */
function drop(el: ClPlanPanel, name: string, text: string): void {
  const data = new DataTransfer();
  data.items.add(new File([text], name, { type: 'application/json' }));
  const zone = query(root(el), '.drop');
  zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
  zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
}

/** Picks a file with the panel's file input. */
function pick(el: ClPlanPanel, name: string, text: string): void {
  const data = new DataTransfer();
  data.items.add(new File([text], name, { type: 'application/json' }));
  const input = query<HTMLInputElement>(root(el), 'input[type="file"]');
  input.files = data.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

describe('cl-plan-panel', () => {
  it('loads a dropped plan without running it, then Step (from the keyboard) and Continue show every gate\'s verdict', async () => {
    const { el, downloads } = await panelFor('job-keys');
    drop(el, 'seed-002-job-keys.json', JSON.stringify(seed002));
    // The worker checks the plan: as the first test of a run, it may still be loading sql.js.
    await expect.poll(() => steps(el).length, { timeout: 30_000 }).toBe(10);
    expect(current(el)).toBe('0');
    expect(root(el).querySelectorAll('li.verdict')).toHaveLength(0);
    // Before it runs, a step lists its gates as the plan writes them.
    expect(steps(el)[0]?.querySelector('.gates.pending')?.textContent).toMatch(/errorRate ≤ 0%[\s\S]*p99Ms\.old ≤ 30 ms/);

    const step = button(root(el), 'Step');
    await tabTo(el, step);
    await userEvent.keyboard('{Enter}');
    await expect.poll(() => current(el), { timeout: 30_000 }).toBe('1');
    expect(verdicts(el, 0)).toEqual([expect.stringMatching(/^✓ held: errorRate 0% \(≤ 0%\)$/), expect.stringMatching(/^✓ held: p99Ms\.old [\d.]+ ms \(≤ 30 ms\)$/)]);
    expect(steps(el)[0]?.querySelector('.status')?.textContent).toBe('done');

    button(root(el), 'Continue').click();
    await expect.poll(() => root(el).textContent ?? '', { timeout: 60_000 }).toMatch(/Passed: all 10 steps ran/);
    expect(current(el)).toBeNull();
    expect(root(el).querySelectorAll('li.verdict.failed')).toHaveLength(0);
    expect(root(el).querySelectorAll('li.verdict.held').length).toBeGreaterThanOrEqual(15);
    for (const name of ['Step', 'Continue', 'Stop']) expect(button(root(el), name).disabled).toBe(true);

    button(root(el), 'Export report (JSON)').click();
    expect(downloads.map((d) => d.name)).toEqual(['seed-002-job-keys.report.json']);
    expect(JSON.parse(downloads[0]!.text)).toMatchObject({ scenario: 'job-keys', ok: true, steps: { length: 10 } });
  });

  it('shows a failing gate as ✗ with what was measured against the threshold, and the step that failed', async () => {
    const { el } = await panelFor('consensus-artifacts');
    pick(el, 'drop-before-backfill.json', JSON.stringify(brokenPlan));
    await expect.poll(() => steps(el).length, { timeout: 30_000 }).toBe(brokenPlan.steps.length);
    button(root(el), 'Continue').click();
    await expect.poll(() => root(el).textContent ?? '', { timeout: 60_000 }).toMatch(/Failed at step 8/);
    const failed = root(el).querySelector('li.step[data-index="7"]');
    expect(failed?.querySelector('.status')?.textContent).toBe('gate failed');
    expect(failed?.querySelector('li.verdict.failed')?.textContent?.replace(/\s+/g, ' ').trim()).toMatch(/^✗ failed: lostWrites [1-9]\d* \(≤ 0\)$/);
    expect(root(el).querySelector('li.step[data-index="8"] .status')?.textContent).toBe('not run');
  });

  it('refuses an invalid plan, a plan for another scenario and a file that is not JSON, with the paths, and keeps the plan it had', async () => {
    const { el } = await panelFor('job-keys');
    pick(el, 'seed-002-job-keys.json', JSON.stringify(seed002));
    await expect.poll(() => steps(el).length, { timeout: 30_000 }).toBe(10);

    pick(el, 'typo.json', JSON.stringify({ format: 1, steps: [{ kind: 'move', to: 'dual-write' }, { kind: 'wrkload', operations: 5 }] }));
    await expect.poll(() => root(el).querySelector('[role="alert"]')?.textContent ?? '').toMatch(/typo\.json was not loaded/);
    expect([...root(el).querySelectorAll('[role="alert"] code')].map((c) => c.textContent)).toContain('steps[1].kind');

    pick(el, 'other.json', JSON.stringify(brokenPlan));
    await expect.poll(() => root(el).querySelector('[role="alert"]')?.textContent ?? '').toMatch(/other\.json was not loaded[\s\S]*consensus-artifacts/);

    drop(el, 'notes.txt', 'steps: move, workload');
    await expect.poll(() => root(el).querySelector('[role="alert"]')?.textContent ?? '').toMatch(/notes\.txt was not loaded: 1 problem[\s\S]*not valid JSON/);

    // The plan loaded first is still loaded, nothing run.
    expect(steps(el)).toHaveLength(10);
    expect(current(el)).toBe('0');
    expect(root(el).querySelectorAll('li.verdict')).toHaveLength(0);
  });

  it('Stop ends the replay after the step running now; the final checks run on the steps so far', async () => {
    const { el } = await panelFor('job-keys');
    drop(el, 'seed-002-job-keys.json', JSON.stringify(seed002));
    await expect.poll(() => steps(el).length, { timeout: 30_000 }).toBe(10);
    expect(button(root(el), 'Stop').disabled).toBe(true);
    button(root(el), 'Step').click();
    await expect.poll(() => current(el), { timeout: 30_000 }).toBe('1');
    button(root(el), 'Stop').click();
    await expect.poll(() => root(el).textContent ?? '', { timeout: 30_000 }).toMatch(/Stopped after 1 of 10 steps; the final checks ran on those \(no acknowledged write lost\)/);
    expect(root(el).querySelectorAll('li.step .status')).toHaveLength(10);
    expect([...root(el).querySelectorAll('li.step .status')].filter((s) => s.textContent === 'not run')).toHaveLength(9);
  });
});
