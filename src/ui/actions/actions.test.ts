import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { button, change, cleanBody, makeProgress, makeState, mount, query, record, tabTo } from '../test-support.ts';
import './actions.ts';
import type { ClActions } from './actions.ts';
import { formatEta } from './format.ts';

afterEach(cleanBody);

function section(el: ClActions, action: 'backfill' | 'reverse-sync'): HTMLElement {
  return query(el.shadowRoot, `section[data-action="${action}"]`);
}

function commandButton(el: ClActions, action: 'backfill' | 'reverse-sync', command: string): HTMLButtonElement {
  return query<HTMLButtonElement>(section(el, action), `button[data-command="${command}"]`);
}

/** The figures under a progress bar, by name. */
function figures(s: HTMLElement): Record<string, string> {
  return Object.fromEntries([...s.querySelectorAll('.figures > div')].map((d) => [d.querySelector('dt')?.textContent?.trim(), d.querySelector('dd')?.textContent?.trim()]));
}

describe('cl-actions', () => {
  it('starts an idle backfill and enables only Start', async () => {
    const copies = record('cl-copy');
    const el = await mount<ClActions>('cl-actions', { state: makeState() });
    const start = button(section(el, 'backfill'), 'Start backfill');
    expect(start.disabled).toBe(false);
    expect(button(section(el, 'backfill'), 'Pause backfill').disabled).toBe(true);
    expect(commandButton(el, 'backfill', 'resume').disabled).toBe(true);
    expect(commandButton(el, 'backfill', 'cancel').disabled).toBe(true);
    start.click();
    copies.stop();
    expect(copies.details).toEqual([{ action: 'backfill', command: 'start' }]);
  });

  it('pauses and cancels a running pass, resumes a paused one', async () => {
    const copies = record('cl-copy');
    const el = await mount<ClActions>('cl-actions', {
      state: makeState({ backfill: makeProgress('backfill', { status: 'running', pass: 1, processed: 10, total: 100 }) }),
    });
    expect(commandButton(el, 'backfill', 'start').disabled).toBe(true);
    button(section(el, 'backfill'), 'Pause backfill').click();
    commandButton(el, 'backfill', 'cancel').click();
    el.state = makeState({ reverseSync: makeProgress('reverse-sync', { status: 'paused', pass: 2, processed: 3, total: 9 }) });
    await el.updateComplete;
    expect(commandButton(el, 'reverse-sync', 'pause').disabled).toBe(true);
    commandButton(el, 'reverse-sync', 'resume').click();
    commandButton(el, 'reverse-sync', 'cancel').click();
    copies.stop();
    expect(copies.details).toEqual([
      { action: 'backfill', command: 'pause' },
      { action: 'backfill', command: 'cancel' },
      { action: 'reverse-sync', command: 'resume' },
      { action: 'reverse-sync', command: 'cancel' },
    ]);
  });

  it('sends a new batch size, clamped to what the engine accepts', async () => {
    const copies = record('cl-copy');
    const el = await mount<ClActions>('cl-actions', { state: makeState() });
    const batch = query<HTMLInputElement>(el.shadowRoot, '#backfill-batch');
    expect(batch.value).toBe('50');
    change(batch, '200');
    change(query<HTMLInputElement>(el.shadowRoot, '#reverse-sync-batch'), '99999');
    change(batch, 'abc');
    copies.stop();
    expect(copies.details).toEqual([
      { action: 'backfill', command: { batchSize: 200 } },
      { action: 'reverse-sync', command: { batchSize: 10_000 } },
    ]);
  });

  it('shows progress: processed of total on the bar, copied, skipped, removed, rate, ETA and the warning', async () => {
    const el = await mount<ClActions>('cl-actions', {
      state: makeState({
        backfill: makeProgress('backfill', {
          status: 'running',
          pass: 1,
          processed: 120,
          total: 400,
          copied: 100,
          skipped: 15,
          removed: 5,
          rate: 12.5,
          etaSeconds: 22.4,
          warning: 'started in old-only: records written to old after the cursor passes them are missed',
        }),
      }),
    });
    const s = section(el, 'backfill');
    const bar = query<HTMLProgressElement>(s, 'progress');
    expect(bar.max).toBe(400);
    expect(bar.value).toBe(120);
    expect(bar.labels.length).toBe(1);
    const text = s.textContent?.replace(/\s+/g, ' ') ?? '';
    expect(text).toContain('120 / 400');
    expect(figures(s)).toEqual({
      Processed: '120 of 400 (30 %)',
      Copied: '100',
      Skipped: '15',
      Removed: '5',
      Rate: '12.5 records/s',
      Left: 'about 22 s',
    });
    expect(text).toContain('started in old-only');
    expect(text).toContain('Pass 1 running');
  });

  it('shows the reverse-sync compactly, with the same figures', async () => {
    const el = await mount<ClActions>('cl-actions', {
      state: makeState({ reverseSync: makeProgress('reverse-sync', { status: 'running', pass: 1, processed: 5, total: 10, copied: 4, skipped: 1, rate: 2, etaSeconds: 2.5 }) }),
    });
    const s = section(el, 'reverse-sync');
    expect(query<HTMLProgressElement>(s, 'progress').value).toBe(5);
    expect(figures(s)).toEqual({ Processed: '5 of 10 (50 %)', 'Copied / skipped / removed': '4 / 1 / 0', Rate: '2 records/s', Left: 'about 3 s' });
  });

  it('formats an ETA in seconds, minutes or hours, and a dash when unknown', () => {
    expect(formatEta(null)).toBe('—');
    expect(formatEta(12.4)).toBe('about 12 s');
    expect(formatEta(59.6)).toBe('about 1 min');
    expect(formatEta(200)).toBe('about 3 min 20 s');
    expect(formatEta(3900)).toBe('about 1 h 5 min');
    expect(formatEta(7200)).toBe('about 2 h');
  });

  it('disables the copies once old is dropped and says why', async () => {
    const el = await mount<ClActions>('cl-actions', { state: makeState({ phase: 'old-dropped' }) });
    expect(commandButton(el, 'backfill', 'start').disabled).toBe(true);
    expect(commandButton(el, 'reverse-sync', 'start').disabled).toBe(true);
    expect(section(el, 'backfill').textContent).toContain('the old schema is dropped');
    // Verify too: with old gone it would call every record different.
    const verify = [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Verify')!;
    expect(verify.disabled).toBe(true);
    expect(el.shadowRoot!.getElementById(verify.getAttribute('aria-describedby')!)?.textContent).toContain('Old is dropped: there is nothing left to compare new with');
  });

  it('says why a verify in new-only differs: writes go to new alone until a reverse-sync', async () => {
    const el = await mount<ClActions>('cl-actions', { state: makeState({ phase: 'new-only', lastVerify: { clean: false, diverged: 27, lostByDrop: 0, divergenceEvents: 0, phase: 'new-only' } }) });
    expect(el.shadowRoot!.getElementById('verify-new-only')?.textContent).toMatch(/writes go to new alone: records written since the cut-over differ until a reverse-sync/);
  });

  it('fires cl-verify and shows the last verify summary', async () => {
    const verifies = record('cl-verify');
    const el = await mount<ClActions>('cl-actions', { state: makeState() });
    expect(query(el.shadowRoot, '.verify-summary').textContent).toContain('Not verified yet');
    button(el.shadowRoot, 'Verify').click();
    el.state = makeState({ lastVerify: { clean: false, diverged: 4, lostByDrop: 0, divergenceEvents: 0, phase: 'shadow' } });
    await el.updateComplete;
    const summary = query(el.shadowRoot, '[part="verify"]').textContent?.replace(/\s+/g, ' ') ?? '';
    expect(summary).toContain('4 records differ.');
    expect(summary).toContain('Verified in shadow.');
    expect(summary).not.toContain('Out of date');
    el.state = makeState({ lastVerify: { clean: true, diverged: 0, lostByDrop: 0, divergenceEvents: 1, phase: 'read-new' }, control: { divergenceEvents: 2 } });
    await el.updateComplete;
    const later = query(el.shadowRoot, '[part="verify"]').textContent ?? '';
    expect(later).toContain('Clean');
    expect(later).toContain('Out of date');
    el.state = makeState({ lastVerify: { clean: false, diverged: 0, appReadMismatches: 2, lostByDrop: 0, divergenceEvents: 0, phase: 'shadow' } });
    await el.updateComplete;
    expect(query(el.shadowRoot, '.verify-summary').textContent?.replace(/\s+/g, ' ')).toContain('2 records read differently through the application (the canonical queries agree).');
    verifies.stop();
    expect(verifies.details).toEqual([{}]);
  });

  it('shows what the drop would lose and that a backup is taken, then fires the move to old-dropped', async () => {
    const moves = record('cl-move-phase');
    const el = await mount<ClActions>('cl-actions', {
      state: makeState({ phase: 'new-only', nextGuard: { to: 'old-dropped', ok: true, reasons: [], recordsLost: 0, overridable: false } }),
    });
    const drop = query(el.shadowRoot, '[part="drop"]');
    expect(drop.textContent).toContain('A backup snapshot of old is taken first');
    expect(drop.textContent).toContain('the drop loses nothing');
    button(drop, 'Drop old schema').click();
    moves.stop();
    expect(moves.details).toEqual([{ to: 'old-dropped', options: {} }]);
  });

  it('refuses the drop while records would be lost, with the count and the reasons', async () => {
    const el = await mount<ClActions>('cl-actions', {
      state: makeState({
        phase: 'new-only',
        nextGuard: { to: 'old-dropped', ok: false, reasons: ['dropping old would lose 3 records'], recordsLost: 3, overridable: false },
      }),
    });
    const drop = query(el.shadowRoot, '[part="drop"]');
    expect(drop.textContent).toContain('The drop would lose 3 records');
    expect(drop.textContent).toContain('dropping old would lose 3 records');
    expect(button(drop, 'Drop old schema').disabled).toBe(true);
    // The records themselves are in the consistency report.
    const shown: Event[] = [];
    document.addEventListener('cl-show-consistency', (e) => shown.push(e), { once: true });
    button(drop, 'Show them in Consistency').click();
    expect(shown).toHaveLength(1);
  });

  it('keeps Drop old schema disabled before new-only', async () => {
    const el = await mount<ClActions>('cl-actions', { state: makeState({ phase: 'shadow' }) });
    const drop = query(el.shadowRoot, '[part="drop"]');
    expect(button(drop, 'Drop old schema').disabled).toBe(true);
    expect(drop.textContent).toContain('Available from new-only');
  });

  it('disables every control that changes something in a read-only tab', async () => {
    const el = await mount<ClActions>('cl-actions', {
      state: makeState({
        phase: 'new-only',
        readOnly: true,
        backfill: makeProgress('backfill', { status: 'paused', pass: 1 }),
        nextGuard: { to: 'old-dropped', ok: true, reasons: [], recordsLost: 0, overridable: false },
      }),
    });
    const changing = [...(el.shadowRoot?.querySelectorAll('section[data-action] button, section[data-action] input, [part="drop"] button') ?? [])] as (
      | HTMLButtonElement
      | HTMLInputElement
    )[];
    expect(changing.length).toBe(11);
    expect(changing.every((c) => c.disabled)).toBe(true);
    expect(query(el.shadowRoot, '#read-only-note').textContent).toContain('read-only');
  });

  it('is driven from the keyboard: Tab reaches Start backfill and Enter starts it', async () => {
    const copies = record('cl-copy');
    const verifies = record('cl-verify');
    const el = await mount<ClActions>('cl-actions', { state: makeState() });
    await tabTo(el, button(section(el, 'backfill'), 'Start backfill'));
    await userEvent.keyboard('{Enter}');
    await tabTo(el, button(el.shadowRoot, 'Verify'));
    await userEvent.keyboard('{Space}');
    copies.stop();
    verifies.stop();
    expect(copies.details).toEqual([{ action: 'backfill', command: 'start' }]);
    expect(verifies.details).toEqual([{}]);
  });
});
