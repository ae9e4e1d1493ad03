import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryReport } from '../../engine/vocabulary.ts';
import { tokens } from '../theme.ts';
import './invariant-badge.ts';
import type { ClInvariantBadge } from './invariant-badge.ts';

type LostWrite = HistoryReport['lost'][number];

const lostWrite = (key: string): LostWrite => ({
  collection: 'sessions',
  key,
  operation: { index: 4, name: 'renew', params: { id: key }, phase: 'dual-write' },
  expected: [{ id: key, state: 'active' }],
  found: null,
});

const report = (over: Partial<HistoryReport> = {}): HistoryReport => ({
  operations: 120,
  writes: 60,
  acknowledgedWrites: 55,
  failedWrites: 2,
  indeterminateWrites: 3,
  reads: 60,
  lost: [],
  unexpected: [],
  unexpectedReads: 0,
  staleReads: 4,
  recovered: 1,
  undecided: 0,
  duplicates: [],
  valid: true,
  ...over,
});

async function mount(props: { report?: HistoryReport | null; checking?: boolean }): Promise<ClInvariantBadge> {
  const el = document.createElement('cl-invariant-badge');
  if (props.report !== undefined) el.report = props.report;
  if (props.checking !== undefined) el.checking = props.checking;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const root = (el: ClInvariantBadge): ShadowRoot => el.shadowRoot as ShadowRoot;
const text = (node: Element | null | undefined): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
const badge = (el: ClInvariantBadge): HTMLElement => root(el).querySelector('[part="badge"]') as HTMLElement;
const button = (el: ClInvariantBadge, label: string): HTMLButtonElement | undefined =>
  [...root(el).querySelectorAll('button')].find((b) => text(b).startsWith(label));

beforeAll(() => {
  document.adoptedStyleSheets = [tokens.styleSheet as CSSStyleSheet];
});

afterEach(() => {
  document.body.replaceChildren();
});

describe('cl-invariant-badge', () => {
  it('reads "Lost acknowledged writes: 0" in the ok colour after a clean check', async () => {
    const el = await mount({ report: report() });
    expect(text(root(el).querySelector('[part="headline"]'))).toBe('✓Lost acknowledged writes: 0');
    expect(badge(el).dataset['verdict']).toBe('ok');
    expect(badge(el).getAttribute('role')).toBe('status');
    expect(getComputedStyle(badge(el)).borderTopColor).toBe(colourOf('--cl-ok'));
    expect(button(el, 'Show the writes')).toBeUndefined();
  });

  it('shows unexpected values and recovered writes as secondary text', async () => {
    const el = await mount({ report: report({ unexpected: [{ collection: 'sessions', key: '["s9"]', found: { state: 'zombie' }, where: 'final', allowed: [null] }], unexpectedReads: 2, valid: false }) });
    const details = text(root(el).querySelector('[part="details"]'));
    expect(details).toContain('55 acknowledged writes checked');
    expect(details).toContain('unexpected values: 1 (in 2 reads)');
    expect(details).toContain('recovered: 1 of 3 indeterminate writes');
    expect(details).not.toContain('undecided');
    expect(badge(el).dataset['verdict']).toBe('warn');
  });

  it('says how many records the checker could not decide, when there are any', async () => {
    const el = await mount({ report: report({ undecided: 2 }) });
    expect(text(root(el).querySelector('[part="details"]'))).toContain('undecided: 2 records with too many indeterminate writes to tell');
  });

  it('turns red with the count and offers to show the lost writes', async () => {
    const el = await mount({ report: report({ lost: [lostWrite('a'), lostWrite('b'), lostWrite('c')], valid: false }) });
    expect(text(root(el).querySelector('[part="headline"]'))).toBe('✕Lost acknowledged writes: 3');
    expect(badge(el).dataset['verdict']).toBe('bad');
    expect(getComputedStyle(badge(el)).borderTopColor).toBe(colourOf('--cl-bad'));
    const events: CustomEvent[] = [];
    document.body.addEventListener('cl-show-history', (e) => events.push(e));
    const show = button(el, 'Show the writes');
    expect(show).toBeDefined();
    show?.click();
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toEqual({ filter: 'lost' });
    expect(events[0]?.bubbles && events[0]?.composed).toBe(true);
  });

  it('says "checking…" while a check runs and disables "Check now"', async () => {
    const el = await mount({ report: report({ lost: [lostWrite('a')] }), checking: true });
    expect(text(root(el).querySelector('[part="headline"]'))).toContain('Lost acknowledged writes: checking…');
    expect(text(root(el).querySelector('[part="details"]'))).toMatch(/^Last check: /);
    expect(button(el, 'Check now')?.disabled).toBe(true);
    expect(button(el, 'Show the writes')).toBeUndefined();
    el.checking = false;
    await el.updateComplete;
    expect(text(root(el).querySelector('[part="headline"]'))).toContain('Lost acknowledged writes: 1');
  });

  it('says "not checked yet" without a report', async () => {
    const el = await mount({ report: null });
    expect(text(root(el).querySelector('[part="headline"]'))).toContain('Lost acknowledged writes: not checked yet');
    expect(root(el).querySelector('[part="details"]')).toBeNull();
  });

  it('fires cl-check-history from "Check now", by keyboard too', async () => {
    const el = await mount({ report: null });
    const events: CustomEvent[] = [];
    document.body.addEventListener('cl-check-history', (e) => events.push(e));
    const check = button(el, 'Check now') as HTMLButtonElement;
    check.focus();
    expect(root(el).activeElement).toBe(check);
    check.click();
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toEqual({});
  });

  it('keeps the status text inside the role="status" region and the buttons outside it', async () => {
    const el = await mount({ report: report({ lost: [lostWrite('a')] }) });
    expect(badge(el).querySelector('button')).toBeNull();
    expect(root(el).querySelector('[style]')).toBeNull();
  });
});

/** The computed colour of a token, as getComputedStyle reports colours. */
function colourOf(token: string): string {
  const probe = document.createElement('span');
  probe.style.color = `var(${token})`;
  document.body.append(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour;
}
