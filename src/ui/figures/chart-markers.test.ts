import { afterEach, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import type { MetricsSnapshot } from '../../engine/vocabulary.ts';
import type { ChartMarker } from './chart-markers.ts';
import { ClFigures } from './figures.ts';

type SeriesPoint = MetricsSnapshot['series'][number];

/** 12:00:00 local time on a fixed day, so the list's clock reads the same in every time zone. */
const T0 = new Date(2025, 0, 15, 12, 0, 0).getTime();

const point = (second: number): SeriesPoint => ({ t: T0 + second * 1000, operations: 40, reads: 20, fallbacks: 1, shadowReads: 10, mismatches: 0, p99: { old: 2.5, new: 4 } });
const snapshot = (seconds: number): MetricsSnapshot => ({ counters: [], latency: { old: { counts: [], sum: 0, count: 0, p50: 0, p95: 0, p99: 0 }, new: { counts: [], sum: 0, count: 0, p50: 0, p95: 0, p99: 0 } }, series: Array.from({ length: seconds }, (_, i) => point(i)) });

async function mount(metrics: MetricsSnapshot | null, markers: readonly ChartMarker[], width = '900px'): Promise<ClFigures> {
  const el = document.createElement('cl-figures');
  el.style.width = width;
  el.metrics = metrics;
  el.markers = markers;
  el.windowSeconds = 60;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const root = (el: ClFigures): ShadowRoot => el.shadowRoot as ShadowRoot;
const marks = (el: ClFigures): HTMLButtonElement[] => [...root(el).querySelectorAll<HTMLButtonElement>('[part="marks"] button.mark')];
/** What assistive technology reads for a mark: its text with the letter tag left out. */
const spoken = (b: Element): string => {
  const copy = b.cloneNode(true) as Element;
  for (const hidden of copy.querySelectorAll('[aria-hidden="true"]')) hidden.remove();
  return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
};

/** Pixels of the exact colour `rgb` on a chart's canvas. */
function pixelsOf(el: ClFigures, chart: string, rgb: readonly [number, number, number]): number {
  const canvas = root(el).querySelector(`[data-plot="${chart}"] canvas`) as HTMLCanvasElement;
  const { data } = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height);
  let n = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2]) n++;
  return n;
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('cl-figures marks', () => {
  it('lists the marks in the window as text, oldest first, and leaves out those before it', async () => {
    const el = await mount(snapshot(30), [
      { at: T0 + 20_500, kind: 'fault', label: 'write error on new' },
      { at: T0 + 4_000, kind: 'phase', label: 'dual-write → shadow' },
      // 60 s before the window's newest second: outside the window of 60 s.
      { at: T0 + 29_000 - 61_000, kind: 'crash', label: 'engine restarted (Crash now)' },
    ]);
    expect(marks(el).map(spoken)).toEqual(['12:00:04 phase dual-write → shadow', '12:00:20 fault write error on new']);
    expect(marks(el).map((b) => b.title)).toEqual(['12:00:04 phase dual-write → shadow', '12:00:20 fault write error on new']);
    // The accessible name as the browser computes it.
    await expect.element(page.getByRole('button', { name: '12:00:04 phase dual-write → shadow' })).toBeInTheDocument();
  });

  it('shows a label from the data as text, never as markup', async () => {
    const el = await mount(snapshot(10), [{ at: T0 + 5_000, kind: 'plan-step', label: '<img src=x onerror=alert(1)> step 3' }]);
    expect(root(el).querySelector('[part="marks"] img')).toBeNull();
    expect(spoken(marks(el)[0] as Element)).toBe('12:00:05 plan step <img src=x onerror=alert(1)> step 3');
  });

  it('draws each mark on every chart in its kind’s colour', async () => {
    const el = await mount(snapshot(30), []);
    el.style.setProperty('--cl-warn', 'rgb(250, 0, 250)');
    el.style.setProperty('--cl-ok', 'rgb(0, 250, 250)');
    el.metrics = snapshot(31);
    await el.updateComplete;
    // The fallback-rate line is drawn in the warn colour too: the other charts show the mark alone.
    const charts = ['operations', 'mismatches', 'latency'];
    for (const chart of charts) expect(pixelsOf(el, chart, [250, 0, 250])).toBe(0);
    el.markers = [
      { at: T0 + 10_000, kind: 'fault', label: 'write error on new' },
      { at: T0 + 20_000, kind: 'verify', label: 'clean' },
    ];
    await el.updateComplete;
    for (const chart of charts) expect(pixelsOf(el, chart, [250, 0, 250])).toBeGreaterThan(20);
    for (const chart of [...charts, 'fallbacks']) expect(pixelsOf(el, chart, [0, 250, 250])).toBeGreaterThan(20);
  });

  it('draws a verify that found differences in the alarm colour', async () => {
    const el = await mount(snapshot(30), []);
    el.style.setProperty('--cl-ok', 'rgb(0, 250, 250)');
    el.style.setProperty('--cl-bad', 'rgb(250, 250, 0)');
    el.markers = [{ at: T0 + 20_000, kind: 'verify', label: '3 of 100 records differ', alert: true }];
    await el.updateComplete;
    expect(pixelsOf(el, 'operations', [0, 250, 250])).toBe(0);
    expect(pixelsOf(el, 'operations', [250, 250, 0])).toBeGreaterThan(20);
  });

  it('stretches the time axis to a mark after the newest second of figures', async () => {
    const el = await mount(snapshot(10), []);
    el.style.setProperty('--cl-accent', 'rgb(250, 0, 250)');
    el.markers = [{ at: T0 + 9_000 + 30_000, kind: 'phase', label: 'shadow → read-new' }];
    await el.updateComplete;
    expect(marks(el).map(spoken)).toEqual(['12:00:39 phase shadow → read-new']);
    // Drawn inside the plot, near its right edge.
    const canvas = root(el).querySelector('[data-plot="operations"] canvas') as HTMLCanvasElement;
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let rightmost = -1;
    for (let i = 0; i < data.length; i += 4) if (data[i] === 250 && data[i + 1] === 0 && data[i + 2] === 250) rightmost = Math.max(rightmost, (i / 4) % canvas.width);
    expect(rightmost).toBeGreaterThan(canvas.width * 0.9);
  });

  it('highlights a mark while its entry is hovered or focused, and keeps it highlighted once pressed', async () => {
    const el = await mount(snapshot(30), [
      { at: T0 + 5_000, kind: 'phase', label: 'old-only → dual-write' },
      { at: T0 + 15_000, kind: 'crash', label: 'engine restarted (crash fault)' },
    ]);
    const canvas = root(el).querySelector('[data-plot="operations"] canvas') as HTMLCanvasElement;
    const plain = canvas.toDataURL();
    const [first, second] = marks(el) as [HTMLButtonElement, HTMLButtonElement];
    first.focus();
    await el.updateComplete;
    expect(first.classList.contains('pointed')).toBe(true);
    expect(canvas.toDataURL()).not.toBe(plain);
    first.blur();
    await el.updateComplete;
    expect(first.classList.contains('pointed')).toBe(false);
    expect(canvas.toDataURL()).toBe(plain);

    await userEvent.click(second);
    await el.updateComplete;
    expect(second.getAttribute('aria-pressed')).toBe('true');
    second.blur();
    await userEvent.unhover(second);
    await el.updateComplete;
    expect(second.classList.contains('pointed')).toBe(true);
    expect(canvas.toDataURL()).not.toBe(plain);
    // Pressed again, it lets go.
    await userEvent.click(second);
    second.blur();
    await userEvent.unhover(second);
    await el.updateComplete;
    expect(second.getAttribute('aria-pressed')).toBe('false');
    expect(canvas.toDataURL()).toBe(plain);
  });

  it('highlights the mark the pointer comes near on a chart', async () => {
    const el = await mount(snapshot(30), [{ at: T0 + 15_000, kind: 'fault', label: 'busy on old' }]);
    const over = root(el).querySelector('[data-plot="operations"] .u-over') as HTMLElement;
    const box = over.getBoundingClientRect();
    // x from -29 s to 0: 15 s is at (15 - 0) / 29 of the width.
    const x = box.left + (box.width * 15) / 29;
    over.dispatchEvent(new MouseEvent('mousemove', { clientX: x, clientY: box.top + box.height / 2, bubbles: true }));
    await el.updateComplete;
    expect(marks(el)[0]?.classList.contains('pointed')).toBe(true);
    over.dispatchEvent(new MouseEvent('mousemove', { clientX: box.left + 5, clientY: box.top + box.height / 2, bubbles: true }));
    await el.updateComplete;
    expect(marks(el)[0]?.classList.contains('pointed')).toBe(false);
  });

  it('shows no list when no mark falls in the window', async () => {
    const el = await mount(snapshot(10), [{ at: T0 - 3_600_000, kind: 'phase', label: 'old-only → dual-write' }]);
    expect(root(el).querySelector('[part="marks"]')).toBeNull();
  });
});
