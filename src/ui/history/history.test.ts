import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { OperationResult } from '../../engine/vocabulary.ts';
import type { HistoryEntry } from '../types.ts';
import { formatTime } from './format.ts';
import { ROW_HEIGHT, type ClHistory } from './history.ts';
import { ShownEntries } from './shown-entries.ts';

const T0 = Date.UTC(2025, 10, 13, 10, 0, 0);

function operation(index: number, overrides: Partial<Extract<HistoryEntry, { kind: 'operation' }>> = {}): HistoryEntry {
  return {
    kind: 'operation',
    index,
    name: index % 2 ? 'readArtifact' : 'storeArtifact',
    access: index % 2 ? 'read' : 'write',
    phase: 'dual-write',
    params: { spec_id: `SPEC-${index}`, stage: 'plan' },
    at: T0 + index,
    outcome: index % 7 === 3 ? 'fail' : 'ok',
    ...overrides,
  };
}

function event(index: number, message: string, level: 'info' | 'warning' | 'error' = 'info'): HistoryEntry {
  return { kind: 'event', index, at: T0 + index, level, message };
}

function makeLog(n: number): HistoryEntry[] {
  const log: HistoryEntry[] = [];
  for (let i = 0; i < n; i++) log.push(i % 10 === 9 ? event(i, `checkpoint ${i}`) : operation(i));
  return log;
}

const mounted: HTMLElement[] = [];

async function mount(entries: HistoryEntry[], props: Partial<Pick<ClHistory, 'filter' | 'highlight' | 'lostIndexes'>> = {}): Promise<ClHistory> {
  await import('./history.ts');
  const el = document.createElement('cl-history');
  el.entries = entries;
  el.revision = 1;
  Object.assign(el, props);
  document.body.append(el);
  mounted.push(el);
  await el.updateComplete;
  await settle(el);
  return el;
}

/** Waits for layout, the ResizeObserver and any render they caused. */
async function settle(el: ClHistory): Promise<void> {
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  await el.updateComplete;
}

const root = (el: ClHistory): ShadowRoot => el.shadowRoot as ShadowRoot;
const list = (el: ClHistory): HTMLElement => root(el).querySelector('.list') as HTMLElement;
const rows = (el: ClHistory): HTMLElement[] => [...root(el).querySelectorAll<HTMLElement>('[role="option"]')];
const countText = (el: ClHistory): string => root(el).querySelector('.count')?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** Rows whose box lies (at least partly) inside the list's visible area, top to bottom. */
function visibleRows(el: ClHistory): HTMLElement[] {
  const box = list(el).getBoundingClientRect();
  return rows(el)
    .filter((r) => {
      const b = r.getBoundingClientRect();
      return b.bottom > box.top + 1 && b.top < box.bottom - 1;
    })
    .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
}

async function scrollListTo(el: ClHistory, top: number): Promise<void> {
  list(el).scrollTop = top;
  list(el).dispatchEvent(new Event('scroll'));
  await settle(el);
}

afterEach(() => {
  for (const el of mounted.splice(0)) el.remove();
});

describe('cl-history', () => {
  it('renders only a window of 100,000 entries: newest on top, the oldest at the bottom', async () => {
    const el = await mount(makeLog(100_000));
    expect(rows(el).length).toBeGreaterThan(0);
    expect(rows(el).length).toBeLessThan(200);
    expect(list(el).scrollHeight).toBeGreaterThanOrEqual(100_000 * ROW_HEIGHT);
    expect(visibleRows(el)[0]?.dataset['index']).toBe('99999');
    expect(countText(el)).toBe('100,000 entries (100,000 shown)');

    await scrollListTo(el, list(el).scrollHeight);
    expect(rows(el).length).toBeLessThan(200);
    const visible = visibleRows(el);
    expect(visible.at(-1)?.dataset['index']).toBe('0');
    expect(root(el).querySelector('[data-index="99999"]')).toBeNull();

    await scrollListTo(el, 50_000 * ROW_HEIGHT);
    expect(rows(el).length).toBeLessThan(200);
    expect(visibleRows(el)[0]?.dataset['index']).toBe('49999');

    await scrollListTo(el, 0);
    expect(visibleRows(el)[0]?.dataset['index']).toBe('99999');
  });

  it('with 10,000 entries, renders a window of rows and the filter finds exactly the matching entries', async () => {
    const log = makeLog(10_000);
    const el = await mount(log);
    expect(rows(el).length).toBeGreaterThan(0);
    expect(rows(el).length).toBeLessThan(200);
    const search = root(el).querySelector('input[type="search"]') as HTMLInputElement;

    // Typed a key at a time: each keystroke starts a filter that may be applied over several tasks.
    await userEvent.click(search);
    await userEvent.keyboard('spec-77');
    await el.updateComplete;
    expect(el.filtering).toBe(false);
    const expected = log.filter((e) => e.kind === 'operation' && String(e.params['spec_id']).toLowerCase().includes('spec-77')).map((e) => String(e.index));
    expect(expected.length).toBe(100); // 77, 770–778, 7700–7799 but the events (…9)
    expect(el.shownCount).toBe(expected.length);
    expect(countText(el)).toBe('10,000 entries (100 shown)');
    expect(rows(el).length).toBeLessThan(200);
    expect(rows(el).slice(0, 5).map((r) => r.dataset['index'])).toEqual(expected.slice(-5).reverse());

    await scrollListTo(el, list(el).scrollHeight);
    expect(visibleRows(el).at(-1)?.dataset['index']).toBe('77');

    // Deleting widens the filter again (the whole log is tested again).
    await userEvent.keyboard('{Backspace}{Backspace}');
    await el.updateComplete;
    expect(el.shownCount).toBe(log.filter((e) => e.kind === 'operation' && String(e.params['spec_id']).toLowerCase().includes('spec-')).length);
    await userEvent.fill(search, '');
    await el.updateComplete;
    expect(countText(el)).toBe('10,000 entries (10,000 shown)');
  });

  it('shows time, phase, operation, access, outcome, serving side with fallback, and the error or note', async () => {
    const result: OperationResult = {
      id: 1,
      name: 'readArtifact',
      kind: 'read',
      phase: 'read-new',
      params: { spec_id: 'SPEC-9' },
      outcome: 'ok',
      rows: [],
      servedBy: 'old',
      fallback: 'empty',
      observations: [],
      durationMs: 1.5,
    };
    const el = await mount([
      operation(0, { name: 'readArtifact', access: 'read', phase: 'read-new', params: { spec_id: 'SPEC-9' }, result, at: T0 + 1234 }),
      operation(1, { outcome: undefined }),
      operation(2, { outcome: 'info', note: 'crashed at now' }),
      event(3, 'backfill paused', 'warning'),
    ]);
    const [ev, info, inFlight, read] = visibleRows(el).map((r) => r.textContent?.replace(/\s+/g, ' ').trim() ?? '');
    expect(read).toContain(formatTime(T0 + 1234));
    expect(formatTime(T0 + 1234)).toMatch(/^\d\d:\d\d:\d\d\.234$/);
    expect(read).toMatch(/read-new readArtifact read ok old fallback spec_id="SPEC-9"/);
    expect(inFlight).toContain('in flight');
    expect(info).toMatch(/info crashed at now/);
    expect(ev).toMatch(/event warning backfill paused/);
  });

  it('filters by text and outcome, with the count line following', async () => {
    const el = await mount(makeLog(1000));
    const search = root(el).querySelector('input[type="search"]') as HTMLInputElement;
    const filters: unknown[] = [];
    el.addEventListener('cl-history-filter', (e) => filters.push(e.detail));

    await userEvent.fill(search, 'SPEC-42"');
    await el.updateComplete;
    expect(countText(el)).toBe('1,000 entries (1 shown)');
    expect(rows(el).map((r) => r.dataset['index'])).toEqual(['42']);
    expect(filters.at(-1)).toEqual({ text: 'SPEC-42"', show: 'all', outcome: 'any' });

    await userEvent.fill(search, 'checkpoint');
    await el.updateComplete;
    expect(countText(el)).toBe('1,000 entries (100 shown)');
    expect(rows(el).every((r) => r.textContent?.includes('checkpoint'))).toBe(true);

    await userEvent.fill(search, '');
    const outcome = root(el).querySelector('select[name="outcome"]') as HTMLSelectElement;
    await userEvent.selectOptions(outcome, 'fail');
    await el.updateComplete;
    const fails = makeLog(1000).filter((e) => e.kind === 'operation' && e.outcome === 'fail').length;
    expect(countText(el)).toBe(`1,000 entries (${fails} shown)`);
    expect(rows(el).every((r) => r.querySelector('.badge')?.textContent === 'fail')).toBe(true);

    el.filter = { text: '', show: 'events', outcome: 'any' };
    await el.updateComplete;
    expect(countText(el)).toBe('1,000 entries (100 shown)');
    expect((root(el).querySelector('select[name="show"]') as HTMLSelectElement).value).toBe('events');
    expect(outcome.value).toBe('any');
  });

  it('shows an appended entry on top when the revision is bumped, and its completion in place', async () => {
    const log = makeLog(100);
    const el = await mount(log, { filter: { text: '', show: 'all', outcome: 'ok' } });
    const shownBefore = el.shownCount;
    log.push(operation(100, { name: 'newestOp', outcome: undefined }));
    el.revision = 2;
    await el.updateComplete;
    // In flight: an outcome filter hides it until it completes.
    expect(el.shownCount).toBe(shownBefore);

    el.filter = { text: '', show: 'all', outcome: 'any' };
    await el.updateComplete;
    expect(visibleRows(el)[0]?.dataset['index']).toBe('100');
    expect(visibleRows(el)[0]?.textContent).toContain('in flight');

    el.filter = { text: '', show: 'all', outcome: 'ok' };
    await el.updateComplete;
    log[100] = operation(100, { name: 'newestOp', outcome: 'ok' });
    el.revision = 3;
    await el.updateComplete;
    expect(el.shownCount).toBe(shownBefore + 1);
    expect(visibleRows(el)[0]?.textContent).toContain('newestOp');
    expect(countText(el)).toBe(`101 entries (${shownBefore + 1} shown)`);
  });

  it('keeps the rows in view still when entries arrive while scrolled down', async () => {
    const log = makeLog(1000);
    const el = await mount(log);
    await scrollListTo(el, 300 * ROW_HEIGHT);
    const before = visibleRows(el)[0]?.dataset['index'];
    log.push(event(1000, 'new'), event(1001, 'newer'));
    el.revision = 2;
    await settle(el);
    expect(visibleRows(el)[0]?.dataset['index']).toBe(before);
  });

  it('moves the selection with the keyboard and opens details with Enter', async () => {
    const log = makeLog(100_000);
    log[99_998] = operation(99_998, {
      result: {
        id: 7,
        name: 'readArtifact',
        kind: 'read',
        phase: 'shadow',
        params: { spec_id: 'SPEC-1' },
        outcome: 'ok',
        rows: Array.from({ length: 25 }, (_, i) => ({ spec_id: `SPEC-${i}`, n: i })),
        servedBy: 'new',
        shadow: { side: 'old', matched: false, diffs: [{ key: '["SPEC-1"]', kind: 'changed', fields: [{ field: 'stage', primary: 'plan', shadow: 'tasks' }] }] },
        observations: [
          { side: 'new', access: 'read', ok: true, rows: 25, attempts: 1, durationMs: 2 },
          { side: 'old', access: 'read', ok: false, attempts: 3, durationMs: 40, error: { kind: 'busy', message: 'database is locked', transient: true } },
        ],
        durationMs: 42,
      },
    });
    const el = await mount(log);
    list(el).focus();
    await userEvent.keyboard('{ArrowDown}');
    await el.updateComplete;
    expect(root(el).querySelector('[aria-selected="true"]')?.getAttribute('data-index')).toBe('99999');
    expect(list(el).getAttribute('aria-activedescendant')).toBe('row-99999');
    await userEvent.keyboard('{ArrowDown}');
    await el.updateComplete;
    expect(list(el).getAttribute('aria-activedescendant')).toBe('row-99998');
    expect(root(el).querySelector('.details')).toBeNull();

    await userEvent.keyboard('{Enter}');
    await el.updateComplete;
    const details = root(el).querySelector('.details') as HTMLElement;
    const text = details.textContent?.replace(/\s+/g, ' ') ?? '';
    expect(text).toContain('#99998');
    expect(text).toContain('"spec_id": "SPEC-99998"');
    expect(text).toContain('25 rows returned, first 20 shown');
    expect(details.querySelectorAll('ol.returned li')).toHaveLength(20);
    expect(text).toContain('busy: database is locked (transient)');
    expect(text).toMatch(/old read no 3 40 ms busy/);
    expect(text).toContain('mismatched, 1 difference');
    expect(text).toContain('stage: "plan" → "tasks"');

    await userEvent.keyboard('{Escape}');
    await el.updateComplete;
    expect(root(el).querySelector('.details')).toBeNull();

    // End goes to the oldest entry, scrolling it into view; Space opens it.
    await userEvent.keyboard('{End}');
    await settle(el);
    expect(visibleRows(el).some((r) => r.dataset['index'] === '0' && r.getAttribute('aria-selected') === 'true')).toBe(true);
    await userEvent.keyboard(' ');
    await el.updateComplete;
    expect(root(el).querySelector('.details h3')?.textContent).toContain('#0');
  });

  it('renders params as text, never as markup', async () => {
    const payload = '<img src=x onerror=alert(1)>';
    const el = await mount([operation(0, { params: { content_json: payload } }), event(1, payload)]);
    (rows(el).find((r) => r.dataset['index'] === '0') as HTMLElement).click();
    await el.updateComplete;
    expect(root(el).querySelector('img')).toBeNull();
    expect(root(el).querySelector('.details pre')?.textContent).toContain(payload);
    expect(rows(el).some((r) => r.textContent?.includes(payload))).toBe(true);
  });

  it('shows only the lost writes when highlighted, with a chip that clears it', async () => {
    const lost = new Set([4, 40, 400]);
    const el = await mount(makeLog(1000), { highlight: 'lost', lostIndexes: lost });
    expect(rows(el).map((r) => r.dataset['index'])).toEqual(['400', '40', '4']);
    expect(countText(el)).toBe('1,000 entries (3 shown)');
    const chip = root(el).querySelector('.chip') as HTMLElement;
    expect(chip.textContent).toMatch(/Showing lost writes\s+—\s+clear/);

    let cleared = 0;
    el.addEventListener('cl-clear-highlight', () => cleared++);
    (chip.querySelector('button') as HTMLButtonElement).click();
    await el.updateComplete;
    expect(cleared).toBe(1);
    expect(root(el).querySelector('.chip')).toBeNull();
    expect(countText(el)).toBe('1,000 entries (1,000 shown)');
  });
});

describe('ShownEntries', () => {
  it('agrees with a full rescan after appends, completions and narrowing queries', () => {
    const log = makeLog(500);
    const shown = new ShownEntries();
    const only = new Set([3, 10, 250, 499]);
    const queries = [
      { filter: { text: '', show: 'all', outcome: 'any' }, only: null },
      { filter: { text: 'spec-1', show: 'all', outcome: 'any' }, only: null },
      { filter: { text: 'spec-12', show: 'operations', outcome: 'ok' }, only: null },
      { filter: { text: '', show: 'all', outcome: 'fail' }, only: null },
      { filter: { text: '', show: 'all', outcome: 'any' }, only },
      { filter: { text: 'check', show: 'events', outcome: 'any' }, only: null },
    ] as const;
    for (const [step, query] of queries.entries()) {
      log.push(operation(log.length, { outcome: undefined }));
      shown.sync(log, query);
      const inFlight = log.length - 1;
      log[inFlight] = operation(inFlight, { outcome: step % 2 ? 'ok' : 'fail' });
      log.push(event(log.length, `checkpoint ${log.length}`));
      shown.sync(log, query);
      const fresh = new ShownEntries();
      fresh.sync(log, query);
      expect(shown.size).toBe(fresh.size);
      for (let row = 0; row < fresh.size; row++) expect(shown.positionAt(row)).toBe(fresh.positionAt(row));
    }
  });

  it('applies a query over several budgeted syncs, showing the last one meanwhile, and ends where a full sync would', () => {
    const log = makeLog(3000);
    // In flight when the first slice tests it, and not matching until it completes.
    log[10] = operation(10, { params: { spec_id: 'X-10' }, outcome: undefined });
    const shown = new ShownEntries();
    const everything = { filter: { text: '', show: 'all', outcome: 'any' }, only: null } as const;
    const checkpoints = { filter: { text: 'checkpoint', show: 'all', outcome: 'any' }, only: null } as const;
    const spec = { filter: { text: 'spec-29', show: 'all', outcome: 'any' }, only: null } as const;
    expect(shown.sync(log, everything).pending).toBe(false);

    // A budget spent at the first look at the clock: one slice of entries per sync.
    const spent = (): boolean => true;
    let change = shown.sync(log, spec, spent);
    expect(change).toEqual({ replaced: false, requeried: false, pending: true });
    expect(shown.size).toBe(3000);
    expect(shown.positionAt(0)).toBe(2999);

    // Meanwhile the log grows and an in-flight entry (possibly tested already) completes.
    log.push(operation(3000, { params: { spec_id: 'SPEC-29-new' } }));
    log[10] = operation(10, { params: { spec_id: 'SPEC-29-10' }, outcome: 'ok' });
    let syncs = 1;
    while (change.pending) {
      change = shown.sync(log, spec, spent);
      syncs++;
      if (change.requeried) break;
    }
    expect(syncs).toBeGreaterThan(2);
    expect(change.requeried).toBe(true);
    change = shown.sync(log, spec, spent);
    expect(change.pending).toBe(false);
    const fresh = new ShownEntries();
    fresh.sync(log, spec);
    expect(shown.size).toBe(fresh.size);
    for (let row = 0; row < fresh.size; row++) expect(shown.positionAt(row)).toBe(fresh.positionAt(row));
    expect(shown.rowOf(10)).toBe(fresh.size - 1); // the oldest entry shown

    expect(shown.positionAt(0)).toBe(3000);

    // A query abandoned before it is applied: going back to the one shown changes nothing.
    expect(shown.sync(log, checkpoints, spent).pending).toBe(true);
    expect(shown.sync(log, spec, spent)).toEqual({ replaced: false, requeried: false, pending: false });
    expect(shown.size).toBe(fresh.size);

    // Clearing the filter needs no scan: applied at once.
    expect(shown.sync(log, checkpoints, spent).pending).toBe(true);
    expect(shown.sync(log, everything, spent)).toEqual({ replaced: false, requeried: true, pending: false });
    expect(shown.size).toBe(log.length);
  });

  it('starts over when given a log that does not extend the last one', () => {
    const shown = new ShownEntries();
    const query = { filter: { text: '', show: 'all', outcome: 'any' }, only: null } as const;
    shown.sync(makeLog(10), query);
    expect(shown.sync(makeLog(3), query).replaced).toBe(true);
    expect(shown.size).toBe(3);
  });
});
