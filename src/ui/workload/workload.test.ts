import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { button, change, cleanBody, makeState, mount, query, record, tabTo } from '../test-support.ts';
import './workload.ts';
import type { ClWorkload } from './workload.ts';

afterEach(cleanBody);

const engineSettings = { opsPerSecond: 20, concurrency: 4, mix: { enqueue: 3, getJob: 5, updateStatus: 2 } };

function weight(el: ClWorkload, operation: string): HTMLInputElement {
  return query<HTMLInputElement>(el.shadowRoot, `input[data-operation="${operation}"]`);
}

describe('cl-workload', () => {
  it('starts the workload with the current settings', async () => {
    const events = record('cl-workload');
    const el = await mount<ClWorkload>('cl-workload', { state: makeState() });
    button(el.shadowRoot, 'Start workload').click();
    events.stop();
    expect(events.details).toEqual([{ settings: engineSettings, running: true }]);
  });

  it('stops a running workload', async () => {
    const events = record('cl-workload');
    const el = await mount<ClWorkload>('cl-workload', { state: makeState({ workload: { ...engineSettings, running: true } }) });
    expect(el.shadowRoot?.querySelector('[role="status"]')?.textContent).toContain('Running: 20 operations/s, 4 at once');
    button(el.shadowRoot, 'Stop workload').click();
    events.stop();
    expect(events.details).toEqual([{ settings: engineSettings, running: false }]);
  });

  it('sends every change with the whole settings, keeping the running flag, and keeps quick edits together', async () => {
    const events = record('cl-workload');
    const el = await mount<ClWorkload>('cl-workload', { state: makeState({ workload: { ...engineSettings, running: true } }) });
    change(query<HTMLInputElement>(el.shadowRoot, '#ops'), '50');
    await el.updateComplete;
    change(query<HTMLInputElement>(el.shadowRoot, '#concurrency'), '8');
    await el.updateComplete;
    change(weight(el, 'getJob'), '0');
    events.stop();
    expect(events.details).toEqual([
      { settings: { ...engineSettings, opsPerSecond: 50 }, running: true },
      { settings: { ...engineSettings, opsPerSecond: 50, concurrency: 8 }, running: true },
      { settings: { opsPerSecond: 50, concurrency: 8, mix: { enqueue: 3, getJob: 0, updateStatus: 2 } }, running: true },
    ]);
  });

  it('moves the rate with the slider and clamps typed values to the engine limits', async () => {
    const events = record('cl-workload');
    const el = await mount<ClWorkload>('cl-workload', { state: makeState() });
    change(query<HTMLInputElement>(el.shadowRoot, '#ops-slider'), '120');
    await el.updateComplete;
    expect(query<HTMLInputElement>(el.shadowRoot, '#ops').value).toBe('120');
    change(query<HTMLInputElement>(el.shadowRoot, '#concurrency'), '99');
    events.stop();
    expect(events.details.map((d) => [d.settings.opsPerSecond, d.settings.concurrency])).toEqual([
      [120, 4],
      [120, 16],
    ]);
  });

  it('lists every operation with its weight, share and description as help', async () => {
    const el = await mount<ClWorkload>('cl-workload', { state: makeState() });
    const input = weight(el, 'updateStatus');
    expect(input.value).toBe('2');
    expect(input.labels?.[0]?.textContent).toContain('updateStatus');
    const help = el.shadowRoot?.getElementById(input.getAttribute('aria-describedby') ?? '');
    expect(help?.textContent).toBe('Changes the status of an existing job.');
    expect(input.closest('li')?.textContent).toContain('20 %');
  });

  it('refuses a mix with nothing to run: no event, Start disabled, an explanation', async () => {
    const events = record('cl-workload');
    const el = await mount<ClWorkload>('cl-workload', { state: makeState() });
    for (const op of ['enqueue', 'getJob', 'updateStatus']) {
      change(weight(el, op), '0');
      await el.updateComplete;
    }
    events.stop();
    expect(events.details.length).toBe(2);
    expect(button(el.shadowRoot, 'Start workload').disabled).toBe(true);
    expect(query(el.shadowRoot, '#mix-error').textContent).toContain('at least one operation');
  });

  it('keeps a second quick edit when the engine reports the first one back, and sends both with the third', async () => {
    const events = record('cl-workload');
    const el = await mount<ClWorkload>('cl-workload', { state: makeState({ workload: { ...engineSettings, running: true } }) });
    change(query<HTMLInputElement>(el.shadowRoot, '#ops'), '46');
    await el.updateComplete;
    change(query<HTMLInputElement>(el.shadowRoot, '#concurrency'), '3');
    await el.updateComplete;
    // The engine's answer to the first edit arrives now: it knows nothing of the second yet.
    el.state = makeState({ workload: { ...engineSettings, opsPerSecond: 46, running: true } });
    await el.updateComplete;
    change(weight(el, 'enqueue'), '11');
    await el.updateComplete;
    events.stop();
    expect(events.details.at(-1)).toEqual({ settings: { opsPerSecond: 46, concurrency: 3, mix: { ...engineSettings.mix, enqueue: 11 } }, running: true });
    expect(query<HTMLInputElement>(el.shadowRoot, '#concurrency').value).toBe('3');
  });

  it('follows settings the engine reports that differ from before', async () => {
    const el = await mount<ClWorkload>('cl-workload', { state: makeState() });
    el.state = makeState({ workload: { opsPerSecond: 5, concurrency: 2, mix: { enqueue: 1 }, running: true } });
    await el.updateComplete;
    expect(query<HTMLInputElement>(el.shadowRoot, '#ops').value).toBe('5');
    expect(weight(el, 'getJob').value).toBe('0');
    expect(button(el.shadowRoot, 'Stop workload')).toBeTruthy();
  });

  it('disables every control in a read-only tab and says why', async () => {
    const el = await mount<ClWorkload>('cl-workload', { state: makeState({ readOnly: true }) });
    const controls = [...(el.shadowRoot?.querySelectorAll('button, input') ?? [])] as (HTMLButtonElement | HTMLInputElement)[];
    expect(controls.length).toBe(7);
    expect(controls.every((c) => c.disabled || c.matches(':disabled'))).toBe(true);
    expect(query(el.shadowRoot, '#read-only-note').textContent).toContain('read-only');
  });

  it('is driven from the keyboard: Tab reaches Start workload and Enter starts it', async () => {
    const events = record('cl-workload');
    const el = await mount<ClWorkload>('cl-workload', { state: makeState() });
    await tabTo(el, button(el.shadowRoot, 'Start workload'));
    await userEvent.keyboard('{Enter}');
    events.stop();
    expect(events.details).toEqual([{ settings: engineSettings, running: true }]);
  });
});
