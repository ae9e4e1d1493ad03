import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { AppReadsReport, ConsistencyReport, Discrepancy } from '../../engine/vocabulary.ts';
import './consistency.ts';
import type { ClConsistency } from './consistency.ts';
import { verifiedWhen } from './format.ts';

const LABELS = { old: 'SQLite', new: 'JSON' } as const;
const XSS = '<img src=x onerror=alert(1)>';

const counts = (over: Partial<ConsistencyReport['totals']> = {}): ConsistencyReport['totals'] => ({
  total: 0,
  consistent: 0,
  inconsistent: 0,
  oldOnly: 0,
  newOnly: 0,
  deletedInNew: 0,
  deletedInOld: 0,
  newerInOld: 0,
  newerInNew: 0,
  ...over,
});

const discrepancies: Discrepancy[] = [
  {
    collection: 'sessions',
    key: '["s1"]',
    kind: 'inconsistent',
    fields: [
      { field: 'state', old: 'active', new: XSS },
      { field: 'renewals', old: 3, new: '3' },
    ],
    newer: 'new',
    old: { id: 's1', state: 'active', renewals: 3, user: 'ann' },
    new: { id: 's1', state: XSS, renewals: '3', user: 'ann' },
  },
  { collection: 'sessions', key: '["s2"]', kind: 'old-only', fields: [], newer: 'old', old: { id: 's2', state: 'idle', renewals: 0, user: null }, new: null },
  { collection: 'users', key: '["u7"]', kind: 'deleted-in-new', fields: [], newer: 'new', old: { id: 'u7', name: 'Bo' }, new: null },
];

function report(over: Partial<ConsistencyReport> = {}): ConsistencyReport {
  const sessions = { collection: 'sessions', ...counts({ total: 40, consistent: 38, inconsistent: 1, oldOnly: 1, newerInNew: 1 }) };
  const users = { collection: 'users', ...counts({ total: 10, consistent: 9, deletedInNew: 1 }) };
  return {
    labels: { old: 'old', new: 'new' },
    collections: [sessions, users],
    totals: counts({ total: 50, consistent: 47, inconsistent: 1, oldOnly: 1, deletedInNew: 1, newerInNew: 1 }),
    mismatchRate: 3 / 50,
    discrepancies,
    discrepancyCount: 3,
    ...over,
  };
}

async function mount(r: ConsistencyReport | null): Promise<ClConsistency> {
  const el = document.createElement('cl-consistency');
  el.report = r;
  el.labels = LABELS;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const root = (el: ClConsistency): ShadowRoot => el.shadowRoot as ShadowRoot;
const text = (node: Element | null | undefined): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
const cells = (row: Element | null | undefined): string[] => [...(row?.querySelectorAll('th, td') ?? [])].map(text);
const options = (el: ClConsistency): HTMLElement[] => [...root(el).querySelectorAll<HTMLElement>('[role="option"]')];
const fieldRow = (el: ClConsistency, field: string): HTMLTableRowElement | null => root(el).querySelector(`[part="fields"] tr[data-field="${field}"]`);

afterEach(() => {
  document.body.replaceChildren();
});

describe('cl-consistency', () => {
  it('shows totals per collection with the sides\' labels', async () => {
    const el = await mount(report());
    const headings = cells(root(el).querySelector('[part="totals"] thead tr'));
    expect(headings).toEqual(['Collection', 'Records', 'Consistent', 'Inconsistent', 'SQLite only', 'JSON only', 'Pending deletes', 'Mismatch rate']);
    expect(cells(root(el).querySelector('tr[data-collection="sessions"]'))).toEqual(['sessions', '40', '38', '1', '1', '0', '0', '5 %']);
    expect(cells(root(el).querySelector('tr[data-collection="users"]'))).toEqual(['users', '10', '9', '0', '0', '0', '1', '10 %']);
    expect(cells(root(el).querySelector('tfoot tr'))).toEqual(['All', '50', '47', '1', '1', '0', '1', '6 %']);
    const summary = text(root(el).querySelector('[part="summary"]'));
    expect(summary).toContain('3 of 50 records differ (mismatch rate 6 %)');
    expect(summary).toContain('Newer in SQLite: 0; newer in JSON: 1.');
  });

  it('says when verify made the report (a report restored after a reload is not fresh)', async () => {
    const el = await mount(report());
    expect(text(root(el).querySelector('[part="summary"]'))).not.toContain('Verified at');
    const today = new Date();
    today.setHours(9, 5, 7, 0);
    el.verifiedAt = today.getTime();
    await el.updateComplete;
    expect(text(root(el).querySelector('[part="summary"] .when'))).toBe('Verified at 09:05:07.');
    expect(verifiedWhen(new Date(2026, 10, 21, 9, 5, 7).getTime(), new Date(2026, 10, 23, 12).getTime())).toBe('on 2026-11-21 at 09:05:07');
  });

  it('falls back to the report\'s labels', async () => {
    const el = document.createElement('cl-consistency');
    el.report = report({ labels: { old: 'Postgres', new: 'Mongo' } });
    document.body.append(el);
    await el.updateComplete;
    expect(cells(root(el).querySelector('[part="totals"] thead tr'))).toContain('Mongo only');
  });

  it('lists discrepancies with kind, key and newer side', async () => {
    const el = await mount(report());
    expect(root(el).querySelector('[role="listbox"]')).not.toBeNull();
    expect(options(el).map(text)).toEqual([
      'Differs sessions ["s1"] newer in JSON',
      'SQLite only sessions ["s2"] newer in SQLite',
      'Deleted in JSON, pending in SQLite users ["u7"] newer in JSON',
    ]);
    expect(text(root(el).querySelector('[part="detail"]'))).toContain('Select a discrepancy');
    expect(root(el).querySelector('#list-count')).toBeNull();
  });

  it('shows old and new field by field for the selected discrepancy, differing fields marked', async () => {
    const el = await mount(report());
    options(el)[0]?.click();
    await el.updateComplete;
    expect(options(el)[0]?.getAttribute('aria-selected')).toBe('true');
    expect(cells(root(el).querySelector('[part="fields"] thead tr'))).toEqual(['Field', 'SQLite', 'JSON']);
    expect(cells(fieldRow(el, 'user'))).toEqual(['user', 'ann', 'ann']);
    expect(fieldRow(el, 'user')?.classList.contains('differs')).toBe(false);
    expect(fieldRow(el, 'state')?.classList.contains('differs')).toBe(true);
    expect(text(fieldRow(el, 'state')?.querySelector('th'))).toBe('state≠ (differs)');
    // Same digits, different SQL types: the type is spelled out.
    expect(cells(fieldRow(el, 'renewals')).slice(1)).toEqual(['3(number)', '3(text)']);
    expect(text(root(el).querySelector('[part="detail"]'))).toContain('2 of 4 fields differ');
  });

  it('renders a field value as text, never as HTML', async () => {
    const el = await mount(report());
    options(el)[0]?.click();
    await el.updateComplete;
    const cell = fieldRow(el, 'state')?.querySelectorAll('td')[1];
    expect(cell?.textContent).toBe(XSS);
    expect(root(el).querySelector('img')).toBeNull();
    expect(document.querySelector('img')).toBeNull();
  });

  it('marks a record on one side only, and NULL values', async () => {
    const el = await mount(report());
    options(el)[1]?.click();
    await el.updateComplete;
    expect(cells(fieldRow(el, 'user'))).toEqual(['user≠ (differs)', 'NULL', 'no record']);
    expect(fieldRow(el, 'user')?.querySelector('td')?.classList.contains('null')).toBe(true);
  });

  it('moves through the list with the keyboard, selection following focus', async () => {
    const el = await mount(report());
    const [first] = options(el);
    expect(options(el).map((o) => o.tabIndex)).toEqual([0, -1, -1]);
    first?.focus();
    await userEvent.keyboard('{ArrowDown}');
    await el.updateComplete;
    expect(root(el).activeElement).toBe(options(el)[1]);
    expect(options(el)[1]?.getAttribute('aria-selected')).toBe('true');
    expect(text(root(el).querySelector('[part="detail"] h3'))).toBe('sessions ["s2"]');
    await userEvent.keyboard('{End}');
    await el.updateComplete;
    expect(root(el).activeElement).toBe(options(el)[2]);
    expect(options(el).map((o) => o.tabIndex)).toEqual([-1, -1, 0]);
    await userEvent.keyboard('{Home}');
    await el.updateComplete;
    expect(root(el).activeElement).toBe(options(el)[0]);
    expect(text(root(el).querySelector('[part="detail"] h3'))).toBe('sessions ["s1"]');
  });

  it('keeps the selection across a new report when the record is still there', async () => {
    const el = await mount(report());
    options(el)[1]?.click();
    await el.updateComplete;
    el.report = report({ discrepancies: discrepancies.slice(1), discrepancyCount: 2 });
    await el.updateComplete;
    expect(options(el)[0]?.getAttribute('aria-selected')).toBe('true');
    el.report = report({ discrepancies: discrepancies.slice(2), discrepancyCount: 1 });
    await el.updateComplete;
    expect(text(root(el).querySelector('[part="detail"]'))).toContain('Select a discrepancy');
  });

  it('says "showing N of M" when the report holds only some discrepancies', async () => {
    const el = await mount(report({ discrepancyCount: 1234 }));
    expect(text(root(el).querySelector('#list-count'))).toBe('Showing 3 of 1,234.');
  });

  it('fires cl-verify from the Verify button', async () => {
    const el = await mount(null);
    expect(text(root(el).querySelector('[part="summary"]'))).toContain('Not verified yet');
    const events: CustomEvent[] = [];
    document.body.addEventListener('cl-verify', (e) => events.push(e));
    (root(el).querySelector('[part="verify-button"]') as HTMLButtonElement).click();
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toEqual({});
    expect(events[0]?.composed).toBe(true);
  });

  it('says so when both sides match', async () => {
    const el = await mount(report({ collections: [{ collection: 'sessions', ...counts({ total: 5, consistent: 5 }) }], totals: counts({ total: 5, consistent: 5 }), mismatchRate: 0, discrepancies: [], discrepancyCount: 0 }));
    expect(text(root(el).querySelector('[part="summary"]'))).toBe('Consistent: all 5 records are the same on SQLite and JSON.');
    expect(root(el).querySelector('[role="listbox"]')).toBeNull();
    expect(root(el).querySelector('tfoot')).toBeNull();
  });

  it('fits 390 px without the page scrolling sideways', async () => {
    const el = await mount(report());
    el.style.width = '390px';
    options(el)[0]?.click();
    await el.updateComplete;
    expect(el.scrollWidth).toBeLessThanOrEqual(390);
    expect(root(el).querySelector('[style]')).toBeNull();
  });

  describe("through the application's reads", () => {
    const clean = { collections: [{ collection: 'sessions', ...counts({ total: 5, consistent: 5 }) }], totals: counts({ total: 5, consistent: 5 }), mismatchRate: 0, discrepancies: [], discrepancyCount: 0 };
    const appReads = (over: Partial<AppReadsReport> = {}): AppReadsReport => ({
      sides: ['old', 'new'],
      sample: 'all',
      collections: [{ collection: 'sessions', read: 'getSession', groups: 5, recordsCompared: 5, mismatches: 2 }],
      recordsCompared: 5,
      mismatches: 2,
      newerInNew: 0,
      first: [
        { collection: 'sessions', key: '["s1"]', read: 'getSession', params: { id: 's1' }, fields: [{ field: 'price_cents', old: 1999, new: 1998 }, { field: 'note', old: null, new: XSS }], newer: 'unknown' },
        { collection: 'sessions', key: '["s2"]', read: 'getSession', params: { id: 's2' }, fields: [], onlyIn: 'old', newer: 'old' },
      ],
      ...over,
    });

    it('is not consistent when only the application reads differ, and says the canonical queries agree', async () => {
      const el = await mount(report({ ...clean, appReads: appReads() }));
      expect(text(root(el).querySelector('[part="summary"]'))).toBe('Not consistent: 2 records read differently through the application, though the canonical queries agree on all 5 records.');
      const section = text(root(el).querySelector('[part="app-reads"]'));
      expect(section).toContain("Each collection's check read (getSession), run on each side separately over every record, compared field by field.");
      expect(section).toContain('2 of 5 records read differently.');
      expect(section).toContain('The canonical queries may hide this');
    });

    it('lists the differing fields with both values as text, and a record one side does not return', async () => {
      const el = await mount(report({ ...clean, appReads: appReads() }));
      const rows = [...root(el).querySelectorAll('[part="app-read-diffs"] tbody tr')].map((r) => [...r.children].map((c) => text(c)));
      expect(rows).toEqual([
        ['sessions ["s1"]', 'price_cents', '1999', '1998'],
        ['sessions ["s1"]', 'note', 'NULL', XSS],
        ['sessions ["s2"]', 'only SQLite returns the record'],
      ]);
      expect(root(el).querySelector('img')).toBeNull();
      const headings = [...root(el).querySelectorAll('[part="app-read-diffs"] thead th')].map((h) => text(h));
      expect(headings).toEqual(['Record', 'Field', 'SQLite', 'JSON']);
      const region = root(el).querySelector<HTMLElement>('[role="region"][aria-label="Records the application reads differently"]');
      expect(region?.tabIndex).toBe(0);
    });

    it('says how many records were sampled, that they agree, or that nothing was compared once old is dropped', async () => {
      const sampled = await mount(report({ ...clean, appReads: appReads({ sample: 3, recordsCompared: 3, mismatches: 0, first: [] }) }));
      expect(text(root(sampled).querySelector('[part="app-reads"]'))).toContain('over a sample of 3 records per collection');
      expect(text(root(sampled).querySelector('[part="app-reads"]'))).toContain('3 records read the same on SQLite and JSON.');
      expect(text(root(sampled).querySelector('[part="summary"]'))).toBe('Consistent: all 5 records are the same on SQLite and JSON.');
      const dropped = await mount(report({ ...clean, appReads: appReads({ sides: ['new'], recordsCompared: 0, mismatches: 0, first: [] }) }));
      expect(text(root(dropped).querySelector('[part="app-reads"]'))).toContain('Not compared: SQLite is dropped.');
    });

    it('shows nothing of them for a report made before verify read through the application', async () => {
      const el = await mount(report());
      expect(root(el).querySelector('[part="app-reads"]')).toBeNull();
    });
  });
});
