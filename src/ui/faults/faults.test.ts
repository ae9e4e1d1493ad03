import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { CORRUPTIONS, CRASH_POINTS, DURABILITY_MODES, FAULT_KINDS, type ArmedFault } from '../../engine/vocabulary.ts';
import { button, change, cleanBody, makeState, mount, query, record, tabTo } from '../test-support.ts';
import './faults.ts';
import type { ClFaults } from './faults.ts';

afterEach(cleanBody);

const armed: ArmedFault[] = [
  { id: 4, kind: 'write-error', side: 'new', rate: 0.25, fired: 3 },
  { id: 7, kind: 'busy', side: 'old', times: 2, fired: 0 },
];

async function pick(el: ClFaults, selector: string, value: string): Promise<void> {
  change(query<HTMLSelectElement>(el.shadowRoot, selector), value);
  await el.updateComplete;
}

async function arm(el: ClFaults): Promise<void> {
  button(el.shadowRoot, 'Arm fault').click();
  await el.updateComplete;
}

describe('cl-faults', () => {
  it('arms a write error on one side at a rate, for one operation, keeping the armed faults (without ids)', async () => {
    const events = record('cl-faults');
    const el = await mount<ClFaults>('cl-faults', { state: makeState({ faults: armed }) });
    await pick(el, '#side', 'old');
    await pick(el, '#operation', 'enqueue');
    change(query<HTMLInputElement>(el.shadowRoot, '#rate'), '0.5');
    await el.updateComplete;
    await arm(el);
    events.stop();
    expect(events.details).toEqual([
      {
        faults: [
          { kind: 'write-error', side: 'new', rate: 0.25 },
          { kind: 'busy', side: 'old', times: 2 },
          { kind: 'write-error', side: 'old', operation: 'enqueue', rate: 0.5 },
        ],
      },
    ]);
  });

  it('offers only matching operations: writes for write errors, reads for read errors', async () => {
    const el = await mount<ClFaults>('cl-faults', { state: makeState() });
    const options = (): string[] => [...query<HTMLSelectElement>(el.shadowRoot, '#operation').options].map((o) => o.value);
    expect(options()).toEqual(['', 'enqueue', 'updateStatus']);
    await pick(el, '#kind', 'read-error');
    expect(options()).toEqual(['', 'getJob']);
  });

  it('arms every kind with its own fields', async () => {
    const events = record('cl-faults');
    const el = await mount<ClFaults>('cl-faults', { state: makeState() });
    expect([...query<HTMLSelectElement>(el.shadowRoot, '#kind').options].map((o) => o.value)).toEqual([...FAULT_KINDS]);
    // read-error on both sides, once
    await pick(el, '#kind', 'read-error');
    await pick(el, '#side', 'both');
    query<HTMLInputElement>(el.shadowRoot, 'input[name="trigger"][value="once"]').click();
    await el.updateComplete;
    expect(el.shadowRoot?.querySelector('#rate')).toBeNull();
    await arm(el);
    // busy k times on new
    await pick(el, '#kind', 'busy');
    await pick(el, '#side', 'new');
    change(query<HTMLInputElement>(el.shadowRoot, '#times'), '5');
    await arm(el);
    // latency on old, at a rate
    await pick(el, '#kind', 'latency');
    await pick(el, '#side', 'old');
    change(query<HTMLInputElement>(el.shadowRoot, '#latency'), '750');
    query<HTMLInputElement>(el.shadowRoot, 'input[name="trigger"][value="rate"]').click();
    await el.updateComplete;
    change(query<HTMLInputElement>(el.shadowRoot, '#rate'), '2');
    await arm(el);
    // storage quota, once
    await pick(el, '#kind', 'storage-quota');
    expect(el.shadowRoot?.querySelector('#side')).toBeNull();
    query<HTMLInputElement>(el.shadowRoot, 'input[name="trigger"][value="once"]').click();
    await el.updateComplete;
    await arm(el);
    // crash at a named point, once
    query<HTMLInputElement>(el.shadowRoot, 'input[name="trigger"][value="rate"]').click();
    await el.updateComplete;
    await pick(el, '#kind', 'crash');
    expect(query<HTMLInputElement>(el.shadowRoot, 'input[name="trigger"][value="once"]').checked).toBe(true);
    expect([...query<HTMLSelectElement>(el.shadowRoot, '#point').options].map((o) => o.value)).toEqual([...CRASH_POINTS, '']);
    await pick(el, '#point', 'mid-backfill-batch');
    expect(query(el.shadowRoot, '#point-help').textContent).toContain('backfill');
    await arm(el);
    // crash at any point, at a rate
    await pick(el, '#point', '');
    expect(query(el.shadowRoot, '#point-help').textContent).toContain('whichever crash point');
    query<HTMLInputElement>(el.shadowRoot, 'input[name="trigger"][value="rate"]').click();
    await el.updateComplete;
    change(query<HTMLInputElement>(el.shadowRoot, '#rate'), '0.05');
    await arm(el);
    query<HTMLInputElement>(el.shadowRoot, 'input[name="trigger"][value="once"]').click();
    await el.updateComplete;
    // the next snapshot written damaged, once
    await pick(el, '#kind', 'snapshot-corrupt');
    await pick(el, '#armed-corruption', 'not-sqlite');
    await arm(el);
    events.stop();
    // The state is not updated between arms, so each event holds the one new fault.
    expect(events.details.map((d) => d.faults)).toEqual([
      [{ kind: 'read-error', once: true }],
      [{ kind: 'busy', side: 'new', times: 5 }],
      [{ kind: 'latency', side: 'old', latencyMs: 750, rate: 1 }],
      [{ kind: 'storage-quota', once: true }],
      [{ kind: 'crash', point: 'mid-backfill-batch', once: true }],
      [{ kind: 'crash', rate: 0.05 }],
      [{ kind: 'snapshot-corrupt', corruption: 'not-sqlite', once: true }],
    ]);
  });

  it('lists the armed faults and removes one, sending the rest', async () => {
    const events = record('cl-faults');
    const el = await mount<ClFaults>('cl-faults', { state: makeState({ faults: armed }) });
    const items = [...(el.shadowRoot?.querySelectorAll('[part="armed"] li') ?? [])];
    expect(items.map((li) => li.querySelector('code')?.textContent)).toEqual(['write-error on new (workspace keys), rate 0.25', 'busy on old (flat keys), 2 times']);
    expect(items[0]?.textContent).toContain('fired 3×');
    const remove = query<HTMLButtonElement>(items[0], 'button');
    expect(remove.getAttribute('aria-label')).toBe('Remove write-error on new (workspace keys), rate 0.25');
    remove.click();
    button(el.shadowRoot, 'Remove all').click();
    events.stop();
    expect(events.details).toEqual([{ faults: [{ kind: 'busy', side: 'old', times: 2 }] }, { faults: [] }]);
  });

  it('fires cl-crash-now from a prominent Crash now button', async () => {
    const crashes = record('cl-crash-now');
    const el = await mount<ClFaults>('cl-faults', { state: makeState() });
    const crash = button(el.shadowRoot, 'Crash now');
    expect(crash.closest('[part="crash"]')).toBeTruthy();
    expect(el.shadowRoot?.querySelector('button')).toBe(crash);
    crash.click();
    crashes.stop();
    expect(crashes.details).toEqual([{}]);
  });

  it('corrupts the newest snapshot with the chosen damage', async () => {
    const events = record('cl-corrupt-snapshot');
    const el = await mount<ClFaults>('cl-faults', { state: makeState() });
    expect([...query<HTMLSelectElement>(el.shadowRoot, '#corruption').options].map((o) => o.value)).toEqual([...CORRUPTIONS]);
    await pick(el, '#corruption', 'truncate');
    expect(query(el.shadowRoot, '#corruption-help').textContent).toContain('third');
    button(el.shadowRoot, 'Corrupt snapshot').click();
    events.stop();
    expect(events.details).toEqual([{ corruption: 'truncate' }]);
  });

  it('chooses the durability mode, explaining each', async () => {
    const events = record('cl-durability');
    const el = await mount<ClFaults>('cl-faults', { state: makeState({ durability: 'group' }) });
    const select = query<HTMLSelectElement>(el.shadowRoot, '#durability');
    expect(select.value).toBe('group');
    expect(query(el.shadowRoot, '#durability-help').textContent).toContain('batches');
    expect(el.shadowRoot?.querySelectorAll('[part="durability"] dd').length).toBe(DURABILITY_MODES.length);
    change(select, 'unsafe-ack-first');
    events.stop();
    expect(events.details).toEqual([{ durability: 'unsafe-ack-first' }]);
  });

  it('disables every control in a read-only tab and says why', async () => {
    const events = record('cl-faults');
    const el = await mount<ClFaults>('cl-faults', { state: makeState({ readOnly: true, faults: armed }) });
    const controls = [...(el.shadowRoot?.querySelectorAll('button, input, select') ?? [])] as (HTMLButtonElement | HTMLInputElement | HTMLSelectElement)[];
    expect(controls.length).toBeGreaterThan(10);
    expect(controls.filter((c) => !c.matches(':disabled'))).toEqual([]);
    expect(query(el.shadowRoot, '#read-only-note').textContent).toContain('read-only');
    query<HTMLFormElement>(el.shadowRoot, 'form').requestSubmit();
    events.stop();
    expect(events.details).toEqual([]);
  });

  it('is driven from the keyboard: Enter on Crash now, Space on Arm fault', async () => {
    const crashes = record('cl-crash-now');
    const events = record('cl-faults');
    const el = await mount<ClFaults>('cl-faults', { state: makeState() });
    await tabTo(el, button(el.shadowRoot, 'Crash now'));
    await userEvent.keyboard('{Enter}');
    await tabTo(el, button(el.shadowRoot, 'Arm fault'));
    await userEvent.keyboard('{Space}');
    crashes.stop();
    events.stop();
    expect(crashes.details).toEqual([{}]);
    expect(events.details).toEqual([{ faults: [{ kind: 'write-error', side: 'new', rate: 0.1 }] }]);
  });
});
