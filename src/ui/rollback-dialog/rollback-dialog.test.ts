import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { RollbackPlan } from '../../engine/vocabulary.ts';
import { button, cleanBody, mount, query, record, tabTo } from '../test-support.ts';
import './rollback-dialog.ts';
import type { ClRollbackDialog } from './rollback-dialog.ts';

afterEach(cleanBody);

const blockedPlan: RollbackPlan = {
  from: 'new-only',
  to: 'shadow',
  blocked: true,
  hazards: [
    {
      kind: 'old-missing-writes',
      count: 37,
      severity: 'data',
      message: '37 records written since the cut-over exist only in new or are newer there: run reverse-sync first',
      remedy: 'reverse-sync',
    },
  ],
};

const warningPlan: RollbackPlan = {
  from: 'dual-write',
  to: 'old-only',
  blocked: false,
  hazards: [{ kind: 'new-goes-stale', count: 12, severity: 'warning', message: 'new stops receiving writes: its 12 records go stale', remedy: 'backfill' }],
};

function dialogOf(el: ClRollbackDialog): HTMLDialogElement {
  return query<HTMLDialogElement>(el.shadowRoot, 'dialog');
}

describe('cl-rollback-dialog', () => {
  it('stays closed without a plan and opens as a modal dialog when given one', async () => {
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', {});
    expect(dialogOf(el).open).toBe(false);
    el.plan = warningPlan;
    await el.updateComplete;
    expect(dialogOf(el).open).toBe(true);
    expect(dialogOf(el).matches(':modal')).toBe(true);
    expect(el.shadowRoot?.activeElement?.textContent?.trim()).toBe('Cancel');
  });

  it('lists each hazard with its count, severity and message', async () => {
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: blockedPlan });
    const hazards = el.shadowRoot?.querySelectorAll('[part="hazard"]');
    expect(hazards?.length).toBe(1);
    const text = hazards?.[0]?.textContent ?? '';
    expect(text).toContain('37 records');
    expect(text).toContain('Data: writes become unreadable');
    expect(text).toContain('run reverse-sync first');
  });

  it('fires the remedies: reverse-sync, backfill and restore backup', async () => {
    const copies = record('cl-copy');
    const restores = record('cl-restore-backup');
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: blockedPlan });
    button(el.shadowRoot, 'Run reverse-sync').click();
    el.plan = warningPlan;
    await el.updateComplete;
    expect(el.shadowRoot?.textContent).toContain('Warning: work to redo');
    button(el.shadowRoot, 'Run backfill').click();
    el.plan = {
      from: 'old-dropped',
      to: 'new-only',
      blocked: true,
      hazards: [{ kind: 'old-dropped', count: 4, severity: 'data', message: 'the old schema is dropped: restore the backup snapshot first', remedy: 'restore-backup' }],
    };
    await el.updateComplete;
    button(el.shadowRoot, 'Restore backup').click();
    expect(button(el.shadowRoot, 'Roll back').disabled).toBe(true);
    copies.stop();
    restores.stop();
    expect(copies.details).toEqual([
      { action: 'reverse-sync', command: 'start' },
      { action: 'backfill', command: 'start' },
    ]);
    expect(restores.details).toEqual([{}]);
  });

  it('requires the acceptance checkbox before rolling back a blocked plan, then fires acceptHazards', async () => {
    const moves = record('cl-move-phase');
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: blockedPlan });
    const rollBack = button(el.shadowRoot, 'Roll back');
    expect(rollBack.disabled).toBe(true);
    const accept = query<HTMLInputElement>(el.shadowRoot, 'label.accept input');
    expect(accept.closest('label')?.textContent).toContain('I accept that these writes become unreadable');
    accept.click();
    await el.updateComplete;
    expect(rollBack.disabled).toBe(false);
    rollBack.click();
    moves.stop();
    expect(moves.details).toEqual([{ to: 'shadow', options: { acceptHazards: true } }]);
  });

  it('rolls back an unblocked plan without a checkbox', async () => {
    const moves = record('cl-move-phase');
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: warningPlan });
    expect(el.shadowRoot?.querySelector('label.accept')).toBeNull();
    button(el.shadowRoot, 'Roll back').click();
    moves.stop();
    expect(moves.details).toEqual([{ to: 'old-only', options: { acceptHazards: false } }]);
  });

  it('clears the acceptance when a new plan arrives', async () => {
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: blockedPlan });
    query<HTMLInputElement>(el.shadowRoot, 'label.accept input').click();
    await el.updateComplete;
    el.plan = { ...blockedPlan, hazards: [{ ...(blockedPlan.hazards[0] as RollbackPlan['hazards'][number]), count: 40 }] };
    await el.updateComplete;
    expect(query<HTMLInputElement>(el.shadowRoot, 'label.accept input').checked).toBe(false);
    expect(button(el.shadowRoot, 'Roll back').disabled).toBe(true);
  });

  it('disables Roll back and the remedies while busy', async () => {
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: warningPlan, busy: true });
    expect(button(el.shadowRoot, 'Roll back').disabled).toBe(true);
    expect(button(el.shadowRoot, 'Run backfill').disabled).toBe(true);
    expect(button(el.shadowRoot, 'Cancel').disabled).toBe(false);
    expect(el.shadowRoot?.querySelector('[role="status"]')?.textContent).toContain('Working');
  });

  it('while a remedy copies, shows its progress and holds every other change until the plan is counted again', async () => {
    const copying = {
      action: 'reverse-sync',
      status: 'running',
      pass: 1,
      processed: 30,
      total: 120,
      copied: 12,
      skipped: 18,
      removed: 0,
      batchSize: 50,
      rate: 100,
      etaSeconds: 1,
      startedInPhase: 'new-only',
    } as const;
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: blockedPlan, copying });
    expect(button(el.shadowRoot, 'Roll back').disabled).toBe(true);
    expect(button(el.shadowRoot, 'Run reverse-sync').disabled).toBe(true);
    expect(query<HTMLInputElement>(el.shadowRoot, 'label.accept input').disabled).toBe(true);
    expect(query(el.shadowRoot, '.copying').textContent).toBe('Reverse-sync running 25 % (30 of 120 records): the hazards are counted again when it ends.');
    // Only the start and the end are announced, not every percent.
    expect(query(el.shadowRoot, '.copying').getAttribute('role')).toBeNull();
    expect(query(el.shadowRoot, '[role="status"]').textContent).toBe('Reverse-sync running.');
    el.copying = { ...copying, processed: 60 };
    await el.updateComplete;
    expect(query(el.shadowRoot, '[role="status"]').textContent).toBe('Reverse-sync running.');
    el.copying = null;
    await el.updateComplete;
    expect(button(el.shadowRoot, 'Run reverse-sync').disabled).toBe(false);
    expect(query(el.shadowRoot, '.copying').textContent).toBe('');
    expect(query(el.shadowRoot, '[role="status"]').textContent).toBe('');
  });

  it('shows a refusal inside the dialog, where the user is looking', async () => {
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: warningPlan });
    const alert = query(el.shadowRoot, '[role="alert"]');
    expect(alert.textContent).toBe('');
    el.message = 'Move to old-only refused: a backfill pass is running.';
    await el.updateComplete;
    expect(query(el.shadowRoot, '[role="alert"]').textContent).toBe('Move to old-only refused: a backfill pass is running.');
    expect(dialogOf(el).contains(query(el.shadowRoot, '[role="alert"]'))).toBe(true);
  });

  it('disables everything that changes something in a read-only tab', async () => {
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: blockedPlan, readOnly: true });
    expect(button(el.shadowRoot, 'Roll back').disabled).toBe(true);
    expect(button(el.shadowRoot, 'Run reverse-sync').disabled).toBe(true);
    expect(query<HTMLInputElement>(el.shadowRoot, 'label.accept input').disabled).toBe(true);
    expect(query(el.shadowRoot, '#read-only-note').textContent).toContain('read-only');
  });

  it('closes on Cancel: plan becomes null and cl-dialog-close fires', async () => {
    const closes: Event[] = [];
    document.addEventListener('cl-dialog-close', (e) => closes.push(e), { once: true });
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: warningPlan });
    button(el.shadowRoot, 'Cancel').click();
    await el.updateComplete;
    expect(dialogOf(el).open).toBe(false);
    expect(el.plan).toBeNull();
    expect(closes.length).toBe(1);
  });

  it('closes on Escape and returns focus to where it was', async () => {
    const closes: Event[] = [];
    document.addEventListener('cl-dialog-close', (e) => closes.push(e), { once: true });
    const opener = document.createElement('button');
    opener.textContent = 'Roll back…';
    document.body.append(opener);
    opener.focus();
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: blockedPlan });
    expect(dialogOf(el).open).toBe(true);
    await userEvent.keyboard('{Escape}');
    await el.updateComplete;
    expect(dialogOf(el).open).toBe(false);
    expect(el.plan).toBeNull();
    expect(closes.length).toBe(1);
    expect(document.activeElement).toBe(opener);
  });

  it('does not fire cl-dialog-close when the app closes it by clearing the plan', async () => {
    const closes: Event[] = [];
    const listener = (e: Event): number => closes.push(e);
    document.addEventListener('cl-dialog-close', listener);
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: warningPlan });
    el.plan = null;
    await el.updateComplete;
    await new Promise((r) => setTimeout(r, 0));
    document.removeEventListener('cl-dialog-close', listener);
    expect(dialogOf(el).open).toBe(false);
    expect(closes.length).toBe(0);
  });

  it('is driven from the keyboard: Tab to the checkbox, Space checks it, Enter on Roll back fires the move', async () => {
    const moves = record('cl-move-phase');
    const el = await mount<ClRollbackDialog>('cl-rollback-dialog', { plan: blockedPlan });
    await tabTo(el, query(el.shadowRoot, 'label.accept input'));
    await userEvent.keyboard('{Space}');
    await el.updateComplete;
    await tabTo(el, button(el.shadowRoot, 'Roll back'));
    await userEvent.keyboard('{Enter}');
    moves.stop();
    expect(moves.details).toEqual([{ to: 'shadow', options: { acceptHazards: true } }]);
  });
});
