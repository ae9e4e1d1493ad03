import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ROUTES, type Scenario, type ShadowGate } from '../../engine/vocabulary.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { scenarioInfo } from '../../worker/protocol.ts';
import './phase-stepper.ts';
import type { ClPhaseStepper } from './phase-stepper.ts';
import { button, change, cleanBody, makeState, mount, query, record, tabTo } from '../test-support.ts';

afterEach(cleanBody);

describe('cl-phase-stepper', () => {
  it('marks the current phase with aria-current="step" and no other', async () => {
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', { state: makeState({ phase: 'shadow' }) });
    const current = el.shadowRoot?.querySelectorAll('li[aria-current="step"]');
    expect(current?.length).toBe(1);
    expect(current?.[0]?.textContent).toContain('shadow');
    expect(el.shadowRoot?.querySelectorAll('ol > li').length).toBe(6);
  });

  it('shows what writes and reads do in every phase, with the scenario side labels', async () => {
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', { state: makeState({ phase: 'read-new' }) });
    const steps = [...(el.shadowRoot?.querySelectorAll('ol > li') ?? [])];
    expect(steps[0]?.textContent).toContain(ROUTES['old-only'].summary);
    const readNew = steps[3]?.textContent?.replace(/\s+/g, ' ');
    expect(readNew).toContain(ROUTES['read-new'].summary);
    expect(readNew).toContain('Writes: workspace keys (authoritative), then flat keys. Reads: workspace keys, falling back to flat keys.');
  });

  it("shows the scenario's own routing: read-new writes old first where writeAuthorityInReadNew is \"old\" (job-keys, seed 002), new first where it is not (session-json)", async () => {
    const text = (el: ClPhaseStepper, index: number) => el.shadowRoot?.querySelectorAll('ol > li')[index]?.textContent?.replace(/\s+/g, ' ') ?? '';
    const jobKeys = await mount<ClPhaseStepper>('cl-phase-stepper', { state: makeState({ phase: 'read-new', scenario: scenarioInfo(BUILT_IN_SCENARIOS['job-keys'] as Scenario) }) });
    expect(text(jobKeys, 3)).toContain('Writes: flat keys (authoritative), then workspace keys. Reads: workspace keys, falling back to flat keys.');
    expect(text(jobKeys, 3)).toContain('Writes go to old (authoritative), then new; reads are served by new');
    expect(text(jobKeys, 3)).not.toContain(ROUTES['read-new'].summary);
    // The other phases are the table's.
    expect(text(jobKeys, 2)).toContain('Writes: flat keys (authoritative), then workspace keys. Reads: flat keys, compared with workspace keys.');
    expect(text(jobKeys, 4)).toContain('Writes: workspace keys. Reads: workspace keys, falling back to flat keys.');
    cleanBody();

    const sessions = BUILT_IN_SCENARIOS['session-json'] as Scenario;
    const info = scenarioInfo(sessions);
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', { state: makeState({ phase: 'read-new', scenario: info }) });
    expect(text(el, 3)).toContain(`Writes: ${info.labels.new} (authoritative), then ${info.labels.old}. Reads: ${info.labels.new}, falling back to ${info.labels.old}.`);
    expect(text(el, 3)).toContain(ROUTES['read-new'].summary);
  });

  it('fires cl-move-phase to the next phase when Next phase is clicked', async () => {
    const moves = record('cl-move-phase');
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', {
      state: makeState({ phase: 'dual-write', nextGuard: { to: 'shadow', ok: true, reasons: [], overridable: true } }),
    });
    button(el.shadowRoot, 'Next phase').click();
    moves.stop();
    expect(moves.details).toEqual([{ to: 'shadow', options: {} }]);
  });

  it('shows why the next move is refused and fires a forced move from Move anyway', async () => {
    const moves = record('cl-move-phase');
    const reason = 'no backfill has completed since writes started reaching new';
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', {
      state: makeState({ phase: 'shadow', nextGuard: { to: 'read-new', ok: false, reasons: [reason], overridable: true, warnings: ['fallback hides deletes'] } }),
    });
    const guard = query(el.shadowRoot, '[part="guard"]');
    expect(guard.textContent).toContain(reason);
    expect(guard.textContent).toContain('fallback hides deletes');
    expect(button(el.shadowRoot, 'Next phase').disabled).toBe(true);
    button(el.shadowRoot, 'Move anyway').click();
    moves.stop();
    expect(moves.details).toEqual([{ to: 'read-new', options: { force: true } }]);
  });

  it('shows the warnings of an allowed move', async () => {
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', {
      state: makeState({ phase: 'read-new', nextGuard: { to: 'new-only', ok: true, reasons: [], overridable: true, warnings: ['a deleted record comes back from old'] } }),
    });
    expect(query(el.shadowRoot, '[part="guard"]').textContent).toContain('a deleted record comes back from old');
    expect(button(el.shadowRoot, 'Next phase').disabled).toBe(false);
  });

  it('asks to accept data loss, with the count, before dropping old when records would be lost', async () => {
    const moves = record('cl-move-phase');
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', {
      state: makeState({
        phase: 'new-only',
        nextGuard: { to: 'old-dropped', ok: false, reasons: ['dropping old would lose 7 records'], recordsLost: 7, overridable: false },
      }),
    });
    const root = el.shadowRoot;
    expect(query(root, '[part="guard"]').textContent).toContain('would lose 7 records');
    expect(root?.textContent).not.toContain('Move anyway');
    const drop = button(root, 'Drop old anyway');
    expect(drop.disabled).toBe(true);
    const accept = query<HTMLInputElement>(root, 'label.accept input');
    expect(accept.closest('label')?.textContent).toContain('Accept data loss of 7 records');
    accept.click();
    await el.updateComplete;
    expect(drop.disabled).toBe(false);
    drop.click();
    moves.stop();
    expect(moves.details).toEqual([{ to: 'old-dropped', options: { acceptDataLoss: 7 } }]);
  });

  it('asks to verify first when the count of lost records is unknown: no blind drop', async () => {
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', {
      state: makeState({ phase: 'new-only', nextGuard: { to: 'old-dropped', ok: false, reasons: ['verify again'], overridable: false } }),
    });
    expect(query(el.shadowRoot, '[part="guard"]').textContent).toContain('Run verify');
    expect(el.shadowRoot?.querySelector('label.accept')).toBeNull();
    expect(() => button(el.shadowRoot, 'Drop old anyway')).toThrow();
  });

  it('forgets the acceptance when the count changes', async () => {
    const guard = (recordsLost: number) => ({ to: 'old-dropped' as const, ok: false, reasons: ['would lose records'], recordsLost, overridable: false });
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', { state: makeState({ phase: 'new-only', nextGuard: guard(7) }) });
    query<HTMLInputElement>(el.shadowRoot, 'label.accept input').click();
    await el.updateComplete;
    el.state = makeState({ phase: 'new-only', nextGuard: guard(9) });
    await el.updateComplete;
    expect(query<HTMLInputElement>(el.shadowRoot, 'label.accept input').checked).toBe(false);
    expect(button(el.shadowRoot, 'Drop old anyway').disabled).toBe(true);
  });

  it('fires cl-plan-rollback for the previous phase and for the phase chosen in Roll back to', async () => {
    const plans = record('cl-plan-rollback');
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', { state: makeState({ phase: 'read-new' }) });
    button(el.shadowRoot, 'Previous phase').click();
    const select = query<HTMLSelectElement>(el.shadowRoot, '#rollback-to');
    expect([...select.options].map((o) => o.value)).toEqual(['old-only', 'dual-write', 'shadow']);
    expect(select.value).toBe('shadow');
    change(select, 'dual-write');
    await el.updateComplete;
    button(el.shadowRoot, 'Roll back…').click();
    plans.stop();
    expect(plans.details).toEqual([{ to: 'shadow' }, { to: 'dual-write' }]);
  });

  it('offers Restore backup instead of Previous phase once old is dropped', async () => {
    const restores = record('cl-restore-backup');
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', { state: makeState({ phase: 'old-dropped' }) });
    expect(() => button(el.shadowRoot, 'Previous phase')).toThrow();
    expect(() => button(el.shadowRoot, 'Next phase')).toThrow();
    button(el.shadowRoot, 'Restore backup').click();
    restores.stop();
    expect(restores.details).toEqual([{}]);
  });

  it('has no Previous phase or Roll back in the first phase', async () => {
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', { state: makeState({ phase: 'old-only' }) });
    expect(() => button(el.shadowRoot, 'Previous phase')).toThrow();
    expect(el.shadowRoot?.querySelector('#rollback-to')).toBeNull();
  });

  it('disables every control of a read-only tab and says why', async () => {
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', {
      state: makeState({ phase: 'shadow', readOnly: true, nextGuard: { to: 'read-new', ok: false, reasons: ['verify first'], overridable: true } }),
    });
    const controls = [...(el.shadowRoot?.querySelectorAll('button, select, input') ?? [])] as (HTMLButtonElement | HTMLSelectElement)[];
    expect(controls.length).toBeGreaterThan(3);
    expect(controls.every((c) => c.disabled)).toBe(true);
    expect(query(el.shadowRoot, '#read-only-note').textContent).toContain('read-only');
  });

  it('is driven from the keyboard: Tab reaches Next phase, Enter and Space activate buttons', async () => {
    const moves = record('cl-move-phase');
    const plans = record('cl-plan-rollback');
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', {
      state: makeState({ phase: 'dual-write', nextGuard: { to: 'shadow', ok: true, reasons: [], overridable: true } }),
    });
    await tabTo(el, button(el.shadowRoot, 'Next phase'));
    await userEvent.keyboard('{Enter}');
    await tabTo(el, button(el.shadowRoot, 'Roll back…'));
    await userEvent.keyboard('{Space}');
    moves.stop();
    plans.stop();
    expect(moves.details).toEqual([{ to: 'shadow', options: {} }]);
    expect(plans.details).toEqual([{ to: 'old-only' }]);
  });

  it('renders a placeholder without a rehearsal', async () => {
    const el = await mount<ClPhaseStepper>('cl-phase-stepper', {});
    expect(el.shadowRoot?.textContent).toContain('No rehearsal is open.');
  });

  describe('the shadow gate', () => {
    const XSS = '<img src=x onerror=alert(1)>';
    const gate = (over: Partial<ShadowGate> = {}): ShadowGate => ({
      reads: 12,
      mismatches: 0,
      rate: 0,
      minReads: 20,
      limit: 0,
      since: 'shadow',
      enoughReads: false,
      withinLimit: true,
      first: [],
      ...over,
    });
    const gateText = (el: ClPhaseStepper) => query(el.shadowRoot, '[part="shadow-gate"]').textContent?.replace(/\s+/g, ' ').trim() ?? '';

    it('shows in shadow how many shadow reads the move to read-new still needs, before the user tries', async () => {
      const el = await mount<ClPhaseStepper>('cl-phase-stepper', {
        state: makeState({ phase: 'shadow', nextGuard: { to: 'read-new', ok: false, reasons: ['12 shadow reads since entering shadow; 20 are needed'], overridable: true, shadow: gate() } }),
      });
      expect(gateText(el)).toContain('Shadow reads: 12 of 20 needed, 0 mismatches (0%; the limit is 0%), since entering shadow.');
      expect(button(el.shadowRoot, 'Next phase').getAttribute('aria-describedby')).toBe('guard shadow-gate');
      expect(el.shadowRoot?.querySelector('[part="shadow-diffs"]')).toBeNull();
      // Met: still shown in shadow, the Next phase button enabled.
      el.state = makeState({ phase: 'shadow', nextGuard: { to: 'read-new', ok: true, reasons: [], overridable: true, shadow: gate({ reads: 23, enoughReads: true, since: 'clean-verify' }) } });
      await el.updateComplete;
      expect(gateText(el)).toContain('Shadow reads: 23 (20 needed), 0 mismatches (0%; the limit is 0%), since the last clean verify.');
      expect(button(el.shadowRoot, 'Next phase').disabled).toBe(false);
      expect(button(el.shadowRoot, 'Next phase').getAttribute('aria-describedby')).toBe('shadow-gate');
    });

    it('is not shown before shadow, nor after it while the mismatches are within the limit', async () => {
      const dual = await mount<ClPhaseStepper>('cl-phase-stepper', { state: makeState({ phase: 'dual-write', nextGuard: { to: 'shadow', ok: true, reasons: [], overridable: true } }) });
      expect(dual.shadowRoot?.querySelector('[part="shadow-gate"]')).toBeNull();
      const later = await mount<ClPhaseStepper>('cl-phase-stepper', {
        state: makeState({ phase: 'read-new', nextGuard: { to: 'new-only', ok: true, reasons: [], overridable: true, shadow: gate({ minReads: 0, reads: 40, enoughReads: true }) } }),
      });
      expect(later.shadowRoot?.querySelector('[part="shadow-gate"]')).toBeNull();
    });

    it('lists the first mismatches field by field when they refuse the move, every value as text', async () => {
      const first: ShadowGate['first'] = [
        { operation: 'getJob', params: { job_id: 'job-1' }, phase: 'shadow', diffCount: 1, diffs: [{ key: '["job-1"]', kind: 'changed', fields: [{ field: 'status', old: 'done', new: XSS }] }] },
        { operation: 'getJob', params: { job_id: 'job-2' }, phase: 'shadow', diffCount: 1, diffs: [{ key: '["job-2"]', kind: 'only-in', side: 'old', fields: [] }] },
      ];
      const el = await mount<ClPhaseStepper>('cl-phase-stepper', {
        state: makeState({
          phase: 'shadow',
          nextGuard: { to: 'read-new', ok: false, reasons: ['shadow reads disagreed 7 times in 31'], overridable: true, shadow: gate({ reads: 31, mismatches: 7, rate: 7 / 31, enoughReads: true, withinLimit: false, first }) },
        }),
      });
      expect(gateText(el)).toContain('Shadow reads: 31 (20 needed), 7 mismatches (22.6%; the limit is 0%), since entering shadow.');
      const items = [...(el.shadowRoot?.querySelectorAll('[part="shadow-diffs"] > li') ?? [])].map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
      expect(items).toEqual([
        `getJob job_id: "job-1" ["job-1"] status: flat keys "done", workspace keys ${JSON.stringify(XSS)}`,
        'getJob job_id: "job-2" ["job-2"] returned by flat keys only',
      ]);
      expect(el.shadowRoot?.querySelector('img')).toBeNull();
      expect(button(el.shadowRoot, 'Move anyway')).toBeDefined();
    });

    it('fits 390 px without the page scrolling sideways', async () => {
      const first: ShadowGate['first'] = [
        { operation: 'getJob', params: { job_id: 'job-1', workspace_id: 'a-rather-long-workspace-identifier' }, phase: 'shadow', diffCount: 1, diffs: [{ key: '["job-1"]', kind: 'changed', fields: [{ field: 'result', old: 'x'.repeat(120), new: null }] }] },
      ];
      const el = await mount<ClPhaseStepper>('cl-phase-stepper', {
        state: makeState({ phase: 'shadow', nextGuard: { to: 'read-new', ok: false, reasons: ['refused'], overridable: true, shadow: gate({ reads: 30, mismatches: 1, rate: 1 / 30, enoughReads: true, withinLimit: false, first }) } }),
      });
      el.style.width = '390px';
      await el.updateComplete;
      expect(el.scrollWidth).toBeLessThanOrEqual(390);
    });
  });
});
