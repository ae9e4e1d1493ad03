import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import type { MetricsSnapshot } from '../../engine/vocabulary.ts';
import { ClFigures } from './figures.ts';

type SeriesPoint = MetricsSnapshot['series'][number];

const point = (second: number, over: Partial<SeriesPoint> = {}): SeriesPoint => ({
  t: 50_000 + second * 1000,
  operations: 40 + second,
  reads: 20,
  fallbacks: 1,
  shadowReads: 10,
  mismatches: 0,
  p99: { old: 2.5, new: 4 },
  ...over,
});

const histogram = (p: number, count: number) => ({ counts: [], sum: 0, count, p50: p / 2, p95: p * 0.9, p99: p });

function snapshot(seconds: number, last: Partial<SeriesPoint> = {}): MetricsSnapshot {
  const series = Array.from({ length: seconds }, (_, i) => point(i, i === seconds - 1 ? last : {}));
  return {
    counters: [
      { name: 'cutover_operations_total', labels: { operation: 'renew', kind: 'write', outcome: 'ok' }, value: 300 },
      { name: 'cutover_operations_total', labels: { operation: 'lookup', kind: 'read', outcome: 'ok' }, value: 200 },
      { name: 'cutover_operations_total', labels: { operation: 'renew', kind: 'write', outcome: 'fail' }, value: 7 },
      { name: 'cutover_writes_total', labels: { side: 'old', result: 'ok' }, value: 301 },
      { name: 'cutover_writes_total', labels: { side: 'new', result: 'failed' }, value: 9 },
      { name: 'cutover_dual_write_total', labels: { result: 'compensated' }, value: 4 },
      { name: 'cutover_reads_total', labels: { served_by: 'new' }, value: 190 },
      { name: 'cutover_fallbacks_total', labels: { reason: 'empty' }, value: 12 },
      { name: 'cutover_faults_total', labels: { kind: 'latency' }, value: 3 },
      { name: 'cutover_crashes_total', labels: {}, value: 2 },
      { name: 'cutover_checkpoints_total', labels: {}, value: 17 },
    ],
    latency: { old: histogram(3.2, 500), new: histogram(6.4, 480) },
    series,
  };
}

async function mount(metrics: MetricsSnapshot | null, width = '900px'): Promise<ClFigures> {
  const el = document.createElement('cl-figures');
  el.style.width = width;
  el.metrics = metrics;
  el.labels = { old: 'SQLite', new: 'JSON' };
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const root = (el: ClFigures): ShadowRoot => el.shadowRoot as ShadowRoot;
const text = (node: Element | null | undefined): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
const frames = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));

/** The directives of the app's Content-Security-Policy (vite.config.ts) that a document can set in a <meta>. */
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'";

/** Makes the frame's `import()` work under Vitest (the charts' library is imported on demand). */
const FRAME_IMPORTS = new URL('../../../test/browser/support/frame-dynamic-import.ts', import.meta.url).pathname;

/** A frame under the app's CSP with `module` loaded; collects the frame's CSP violations. */
async function frameWithCsp(module: string): Promise<{ win: Window & typeof globalThis; violations: string[] }> {
  const iframe = document.createElement('iframe');
  iframe.srcdoc = `<!doctype html><meta http-equiv="Content-Security-Policy" content="${CSP}"><body><script type="module" src="${FRAME_IMPORTS}"></script><script type="module" src="${module}"></script></body>`;
  document.body.append(iframe);
  await new Promise((resolve) => iframe.addEventListener('load', resolve, { once: true }));
  const win = iframe.contentWindow as Window & typeof globalThis;
  const violations: string[] = [];
  win.document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
  return { win, violations };
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('cl-figures', () => {
  it('draws four uPlot charts from a snapshot', async () => {
    const el = await mount(snapshot(30));
    const plots = root(el).querySelectorAll('[part="plot"]');
    expect(plots).toHaveLength(4);
    for (const plot of plots) expect(plot.querySelectorAll('.uplot canvas')).toHaveLength(1);
    expect([...root(el).querySelectorAll('figcaption .chart-title')].map(text)).toEqual(['Operations per second', 'Fallback rate', 'Mismatch rate', 'p99 latency']);
  });

  it('updates the charts in place when new figures arrive', async () => {
    const el = await mount(snapshot(10));
    const canvases = [...root(el).querySelectorAll('canvas')];
    const before = canvases.map((c) => c.toDataURL());
    el.metrics = snapshot(11, { operations: 500, p99: { old: 90, new: 120 } });
    await el.updateComplete;
    const after = [...root(el).querySelectorAll('canvas')];
    expect(after).toHaveLength(4);
    after.forEach((c, i) => expect(c).toBe(canvases[i]));
    // The operations and latency charts were redrawn with the new peak.
    expect(after[0]?.toDataURL()).not.toBe(before[0]);
    expect(after[3]?.toDataURL()).not.toBe(before[3]);
    expect(text(root(el).querySelector('[data-chart="operations"] figcaption'))).toContain('500/s in the last second');
  });

  it('gives every chart its current figures as text', async () => {
    const el = await mount(snapshot(10, { reads: 50, fallbacks: 5, shadowReads: 20, mismatches: 1 }));
    const caption = (id: string) => text(root(el).querySelector(`[data-chart="${id}"] figcaption`));
    expect(caption('operations')).toContain('49/s in the last second, peak 49/s');
    expect(caption('fallbacks')).toContain('10 % in the last second');
    expect(caption('fallbacks')).toContain('(14 of 230 reads)');
    expect(caption('mismatches')).toContain('5 % in the last second');
    expect(caption('mismatches')).toContain('(1 of 110 shadow reads)');
    expect(caption('latency')).toContain('SQLite 2.5 ms');
    expect(caption('latency')).toContain('JSON 4 ms');
    // The canvases are decoration for assistive technology; the captions carry the figures.
    for (const plot of root(el).querySelectorAll('[part="plot"]')) expect(plot.getAttribute('aria-hidden')).toBe('true');
    const latency = root(el).querySelector('[part="latency"]');
    expect(text(latency)).toContain('SQLite 1.6 ms 2.88 ms 3.2 ms 500');
    expect(text(latency)).toContain('JSON 3.2 ms 5.76 ms 6.4 ms 480');
  });

  it('lists the counters by outcome, side, result and reason', async () => {
    const el = await mount(snapshot(3));
    const row = (name: string, nth = 0): string => {
      const tr = root(el).querySelectorAll(`[part="counters"] tr[data-counter="${name}"]`)[nth];
      return [...(tr?.querySelectorAll('th, td.num, li') ?? [])].map(text).join(' ');
    };
    expect(row('cutover_operations_total')).toBe('Operations 507 ok 500 fail 7 info 0');
    expect(row('cutover_writes_total', 0)).toBe('Writes to SQLite 301 ok 301 failed 0');
    expect(row('cutover_writes_total', 1)).toBe('Writes to JSON 9 ok 0 failed 9');
    expect(row('cutover_dual_write_total')).toBe('Dual writes 4 succeeded 0 failed 0 compensated 4 compensation failed 0');
    expect(row('cutover_reads_total')).toBe('Reads served by 190 SQLite 0 JSON 190');
    expect(row('cutover_fallbacks_total')).toBe('Fallbacks 12 empty 12 error 0');
    expect(row('cutover_retries_total')).toBe('Retries 0 SQLite 0 JSON 0');
    expect(row('cutover_faults_total')).toBe('Faults fired 3 latency 3');
    expect(row('cutover_crashes_total')).toBe('Crashes 2');
    expect(row('cutover_recoveries_total')).toBe('Recoveries 0');
    expect(row('cutover_checkpoints_total')).toBe('Checkpoints 17');
  });

  it('says so when there are no figures yet', async () => {
    const el = await mount(null);
    expect(text(root(el).querySelector('.empty'))).toContain('No figures yet');
    expect(root(el).querySelectorAll('canvas')).toHaveLength(4);
    expect(text(root(el).querySelector('[data-chart="fallbacks"] figcaption'))).toContain('no reads yet');
  });

  it('resizes the charts with their container: stacked at 390 px, side by side at 1280 px', async () => {
    await page.viewport(390, 800);
    const el = await mount(snapshot(5), '390px');
    await frames();
    const canvases = () => [...root(el).querySelectorAll<HTMLCanvasElement>('[part="plot"] canvas')];
    const plotWidth = (c: HTMLCanvasElement) => (c.closest('[part="plot"]') as HTMLElement).getBoundingClientRect().width;
    const tops = () => new Set([...root(el).querySelectorAll('figure')].map((f) => Math.round(f.getBoundingClientRect().top))).size;
    const narrow = canvases()[0]?.getBoundingClientRect().width ?? 0;
    expect(narrow).toBeGreaterThan(300);
    for (const c of canvases()) expect(Math.abs(c.getBoundingClientRect().width - plotWidth(c))).toBeLessThanOrEqual(1);
    expect(tops()).toBe(4);
    expect(el.scrollWidth).toBeLessThanOrEqual(390);

    await page.viewport(1280, 800);
    el.style.width = '1280px';
    await frames();
    for (const c of canvases()) expect(Math.abs(c.getBoundingClientRect().width - plotWidth(c))).toBeLessThanOrEqual(1);
    expect(tops()).toBe(1);
    expect(el.scrollWidth).toBeLessThanOrEqual(1280);
  });

  it('styles uPlot through an adopted stylesheet, with no <style> element or style attribute of its own', async () => {
    const el = await mount(snapshot(5));
    expect(root(el).adoptedStyleSheets.length).toBeGreaterThan(0);
    expect(root(el).querySelector('style')).toBeNull();
    // uPlot.min.css applies inside the shadow root.
    const over = root(el).querySelector('.u-over') as HTMLElement;
    expect(getComputedStyle(over).position).toBe('absolute');
  });

  it('destroys its charts when removed and draws them again when put back', async () => {
    const el = await mount(snapshot(5));
    el.remove();
    expect(root(el).querySelectorAll('.uplot')).toHaveLength(0);
    document.body.append(el);
    await el.updateComplete;
    expect(root(el).querySelectorAll('.uplot canvas')).toHaveLength(4);
  });

  it('colours the series from the tokens', async () => {
    const el = await mount(snapshot(5));
    el.style.setProperty('--cl-old', 'rgb(255, 0, 0)');
    el.metrics = snapshot(6);
    await el.updateComplete;
    const canvas = root(el).querySelector('[data-plot="latency"] canvas') as HTMLCanvasElement;
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let red = 0;
    for (let i = 0; i < data.length; i += 4) if ((data[i] ?? 0) > 200 && (data[i + 1] ?? 0) < 60 && (data[i + 2] ?? 0) < 60) red++;
    expect(red).toBeGreaterThan(10);
  });
  it('renders under the page\'s Content-Security-Policy without a violation', async () => {
    const { win, violations } = await frameWithCsp(new URL('./figures.ts', import.meta.url).pathname);
    await win.customElements.whenDefined('cl-figures');
    const el = win.document.createElement('cl-figures') as ClFigures;
    el.metrics = snapshot(8);
    win.document.body.append(el);
    await el.updateComplete;
    await frames();
    expect(root(el).querySelectorAll('.uplot canvas')).toHaveLength(4);
    expect(win.getComputedStyle(root(el).querySelector('.u-over') as Element).position).toBe('absolute');
    // The policy is enforced in the frame: a <style> element is refused.
    const style = win.document.createElement('style');
    style.textContent = 'body { color: red; }';
    win.document.head.append(style);
    await frames();
    expect(violations).toEqual(['style-src-elem inline ']);
  });
});
