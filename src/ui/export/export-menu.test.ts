/**
 * The Export menu: a button that shows its items, reached and closed from the keyboard (Escape
 * returns focus to the button), an unavailable item disabled with its reason, and a chosen item
 * sent as `cl-export`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { cleanBody, mount, query } from '../test-support.ts';
import './export-menu.ts';
import type { ClExportMenu, ExportKind } from './export-menu.ts';

afterEach(cleanBody);

const items = (el: ClExportMenu): HTMLButtonElement[] => [...(el.shadowRoot?.querySelectorAll<HTMLButtonElement>('ul button') ?? [])];

function exportsChosen(): ExportKind[] {
  const chosen: ExportKind[] = [];
  document.addEventListener('cl-export', (e) => chosen.push((e as CustomEvent<{ what: ExportKind }>).detail.what));
  return chosen;
}

describe('cl-export-menu', () => {
  it('opens from the keyboard, moves with the arrows, closes on Escape with focus back on its button', async () => {
    const el = await mount<ClExportMenu>('cl-export-menu', {});
    const toggle = query<HTMLButtonElement>(el.shadowRoot, 'button[part="toggle"]');
    toggle.focus();
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await userEvent.keyboard('{Enter}');
    await expect.poll(() => items(el).length).toBe(5);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(items(el).map((b) => b.textContent?.trim())).toEqual(['Old database (.sqlite)', 'New database (.sqlite)', 'Scenario (.json)', 'Report (.json)', 'Report (.md)']);
    await expect.poll(() => el.shadowRoot?.activeElement?.textContent?.trim()).toBe('Old database (.sqlite)');
    await userEvent.keyboard('{ArrowDown}');
    expect(el.shadowRoot?.activeElement?.textContent?.trim()).toBe('New database (.sqlite)');
    await userEvent.keyboard('{ArrowUp}{ArrowUp}');
    expect(el.shadowRoot?.activeElement?.textContent?.trim()).toBe('Report (.md)');
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => items(el).length).toBe(0);
    expect(el.shadowRoot?.activeElement).toBe(toggle);
  });

  it('sends the chosen item and closes', async () => {
    const chosen = exportsChosen();
    const el = await mount<ClExportMenu>('cl-export-menu', {});
    query<HTMLButtonElement>(el.shadowRoot, 'button[part="toggle"]').click();
    await el.updateComplete;
    query<HTMLButtonElement>(el.shadowRoot, 'button[data-export="report-md"]').click();
    expect(chosen).toEqual(['report-md']);
    await el.updateComplete;
    expect(el.open).toBe(false);
  });

  it('disables an item that cannot be exported, with its reason beside it', async () => {
    const chosen = exportsChosen();
    const el = await mount<ClExportMenu>('cl-export-menu', { unavailable: { old: 'The old schema is dropped: restore the backup to export it.' } });
    query<HTMLButtonElement>(el.shadowRoot, 'button[part="toggle"]').click();
    await el.updateComplete;
    const old = query<HTMLButtonElement>(el.shadowRoot, 'button[data-export="old"]');
    expect(old.disabled).toBe(true);
    const reason = query(el.shadowRoot, `#${old.getAttribute('aria-describedby') ?? 'none'}`);
    expect(reason.textContent).toBe('The old schema is dropped: restore the backup to export it.');
    expect(query<HTMLButtonElement>(el.shadowRoot, 'button[data-export="new"]').disabled).toBe(false);
    old.click();
    expect(chosen).toEqual([]);
  });

  it('closes when a click lands elsewhere, and fits a 390px-wide screen', async () => {
    const el = await mount<ClExportMenu>('cl-export-menu', {});
    query<HTMLButtonElement>(el.shadowRoot, 'button[part="toggle"]').click();
    await el.updateComplete;
    const list = query(el.shadowRoot, 'ul');
    expect(list.getBoundingClientRect().right).toBeLessThanOrEqual(document.documentElement.clientWidth);
    document.body.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, composed: true }));
    await el.updateComplete;
    expect(el.open).toBe(false);
  });
});
