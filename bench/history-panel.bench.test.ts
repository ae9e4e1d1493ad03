/**
 * The history panel (`<cl-history>`) with 100,000 entries, in real Chromium (`npm run bench:page`).
 * Issue 11: "the history panel stays smooth with 100k entries" — no main-thread task over 50 ms.
 *
 * The entries are built as `HistoryRecorder` builds them: an operation is pushed in flight when it
 * is invoked and its entry is replaced by a completed copy (outcome, result, note) when the engine
 * answers; engine notices are events. The panel gets the recorder's array, which grows in place,
 * and a bumped `revision`, as the app passes them.
 *
 * Per action, a `PerformanceObserver` collects the `longtask` entries (tasks over 50 ms) that
 * start inside it, a requestAnimationFrame loop records the longest gap between two frames, and
 * `performance.now()` spans the action until the DOM shows its result and two frames have passed
 * ("settled"); CDP's Performance.getMetrics gives the time spent in style and layout. The
 * actions: the first render; scrolling from top to bottom in steps; typing a filter a key at a
 * time, then deleting it; appending 500 entries/s for 3 s while scrolled to the bottom (with no
 * filter, then with a text filter); opening an entry's details.
 *
 * Baselines, in the same round: the first render of 10 entries (it pays the page's one-time costs
 * in the first round), scrolling a plain DOM windowed list by the same steps, and the append
 * workload with no panel updated. On a loaded machine a task can exceed 50 ms only because the
 * renderer was descheduled: a long task in an action and none in its baseline is what counts.
 * `VITE_BENCH_PROFILE=<regex>` prints a CPU profile summary of the matching actions.
 *
 * Three rounds (one with VITE_BENCH_QUICK=1), each on a new panel and log. Not a timed test: it
 * fails only if the panel does not show what an action asks for. It prints one table, and a line
 * "@@bench-info {json}" per action.
 */
import { expect, it } from 'vitest';
import { cdp, userEvent } from 'vitest/browser';
import type { OperationResult } from '../src/engine/vocabulary.ts';
import { ROW_HEIGHT, type ClHistory } from '../src/ui/history/history.ts';
import type { HistoryEntry } from '../src/ui/types.ts';

const QUICK = import.meta.env.VITE_BENCH_QUICK === '1';
const ENTRIES = 100_000;
const SCROLL_STEPS = QUICK ? 20 : 60;
const APPEND_PER_SECOND = 500;
const APPEND_SECONDS = QUICK ? 1 : 3;
const LONG_TASK_MS = 50;
const ROUNDS = QUICK ? 1 : 3;
/** `VITE_BENCH_PROFILE=<regex>` prints where the CPU time of the actions it matches went (a CDP profile). */
const PROFILE = import.meta.env.VITE_BENCH_PROFILE as string | undefined;

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const WORKSPACES = ['ws-acme', 'ws-globex', 'ws-initech', 'ws-umbrella'] as const;
const KINDS = ['summarize', 'embed', 'classify', 'translate'] as const;
const PHASES = ['old-only', 'dual-write', 'shadow', 'read-new', 'new-only'] as const;

type Operation = Extract<HistoryEntry, { kind: 'operation' }>;

/** A job-keys workload, recorded the way `HistoryRecorder` records it. */
class Recorder {
  readonly entries: HistoryEntry[] = [];
  revision = 0;
  #seq = 0;
  #resultId = 0;

  /** `HistoryRecorder.invoke`: the operation's entry, in flight. Returns its position. */
  invoke(at: number): number {
    const n = this.#seq++;
    const job = `job-${Math.floor(n / 3)}`;
    const workspace = WORKSPACES[n % WORKSPACES.length] as string;
    const phase = PHASES[Math.floor((n / 20_000) % PHASES.length)] as Operation['phase'];
    const [name, access, params] =
      n % 3 === 0
        ? (['enqueue', 'write', { job_id: job, workspace_id: workspace, kind: KINDS[n % KINDS.length], result: null, created_at: new Date(at).toISOString() }] as const)
        : n % 3 === 1
          ? (['updateStatus', 'write', { job_id: job, workspace_id: workspace, status: 'running', result: `out-${n}`, updated_at: new Date(at).toISOString() }] as const)
          : (['getJob', 'read', { job_id: job, workspace_id: workspace }] as const);
    this.entries.push({ kind: 'operation', index: this.entries.length, name, access, phase, params, at, outcome: undefined });
    this.revision++;
    return this.entries.length - 1;
  }

  /** `HistoryRecorder.complete`: the entry replaced by a completed copy. */
  complete(position: number): void {
    const entry = this.entries[position];
    if (entry?.kind !== 'operation') return;
    const failed = position % 37 === 5;
    const result: OperationResult = {
      id: ++this.#resultId,
      name: entry.name,
      kind: entry.access,
      phase: entry.phase,
      params: entry.params as OperationResult['params'],
      outcome: failed ? 'fail' : 'ok',
      ...(entry.access === 'read'
        ? { rows: [{ key: `ai:jobs:${String(entry.params['job_id'])}`, value: `{"status":"queued","n":${position}}` }], servedBy: entry.phase === 'read-new' || entry.phase === 'new-only' ? 'new' : 'old' }
        : { version: position, collection: 'jobs', recordKey: JSON.stringify([entry.params['job_id']]) }),
      ...(failed ? { error: { kind: 'busy', message: 'database is locked', transient: true } } : {}),
      observations: [{ side: 'old', access: entry.access, ok: !failed, attempts: failed ? 3 : 1, durationMs: 0.4 }],
      durationMs: 0.6,
    };
    this.entries[position] = { ...entry, outcome: result.outcome, result, ...(result.note ? { note: result.note } : {}) };
    this.revision++;
  }

  /** An engine notice (`HistoryRecorder.event`). */
  event(at: number, message: string): void {
    this.entries.push({ kind: 'event', index: this.entries.length, at, level: 'info', message });
    this.revision++;
  }

  /** Operations invoked and completed, with a notice every 50th entry, up to `n` entries. */
  fill(n: number): void {
    while (this.entries.length < n) {
      const at = T0 + this.entries.length * 3;
      if (this.entries.length % 50 === 49) this.event(at, `backfill batch ${this.entries.length / 50} copied 100 rows`);
      else this.complete(this.invoke(at));
    }
  }
}

/** What one action cost. */
interface Figures {
  readonly action: string;
  /** Tasks over 50 ms that started during the action. */
  readonly longTasks: number;
  readonly longestTaskMs: number;
  /** Where the longest task ran (`PerformanceLongTaskTiming.name`: "self", "same-origin-ancestor" …). */
  readonly longestTaskIn?: string;
  /** Longest gap between two animation frames during the action. */
  readonly longestFrameMs: number;
  readonly frames: number;
  /** Time in style recalculation and layout during the action (CDP Performance.getMetrics), ms. */
  readonly styleLayoutMs: number;
  /** From the action's start until its result is shown and two frames have passed. */
  readonly settleMs: number;
  readonly note?: string;
}

const longTasks: PerformanceEntry[] = [];
const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries()));
observer.observe({ type: 'longtask', buffered: false });

const frame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve));

/** Two frames, then the element's pending update. */
async function settle(el: ClHistory): Promise<void> {
  await frame();
  await frame();
  await el.updateComplete;
}

/** Runs `action`, then `settled`; measures both together. */
async function measureAction(action: string, run: () => Promise<string | void>): Promise<Figures> {
  let frames = 0;
  let longestFrame = 0;
  let last = performance.now();
  let looping = true;
  const loop = (now: number): void => {
    longestFrame = Math.max(longestFrame, now - last);
    last = now;
    frames++;
    if (looping) requestAnimationFrame(loop);
  };
  await frame();
  last = performance.now();
  requestAnimationFrame(loop);
  const profiling = PROFILE !== undefined && new RegExp(PROFILE).test(action);
  if (profiling) await startProfile();
  const before = await metrics();
  const start = performance.now();
  const note = await run();
  const settleMs = performance.now() - start;
  const after = await metrics();
  if (profiling) await printProfile(action);
  looping = false;
  await frame();
  longTasks.push(...observer.takeRecords());
  const mine = longTasks.filter((t) => t.startTime >= start - 1 && t.startTime <= start + settleMs).sort((a, b) => b.duration - a.duration);
  return {
    action,
    longTasks: mine.length,
    longestTaskMs: mine[0]?.duration ?? 0,
    ...(mine[0] ? { longestTaskIn: mine[0].name } : {}),
    longestFrameMs: longestFrame,
    frames,
    styleLayoutMs: (after.RecalcStyleDuration + after.LayoutDuration - before.RecalcStyleDuration - before.LayoutDuration) * 1000,
    settleMs,
    ...(note ? { note } : {}),
  };
}

/**
 * The baseline of scrolling: a plain windowed list of the same height, rows and steps, written
 * with the DOM directly (the text of 30 row elements replaced on every scroll event).
 */
async function rawScroll(): Promise<Figures> {
  const box = document.createElement('div');
  box.style.cssText = 'height: 32rem; overflow-y: auto; position: relative; font: 14px monospace';
  const spacer = document.createElement('div');
  spacer.style.height = `${ENTRIES * ROW_HEIGHT}px`;
  const windowEl = document.createElement('div');
  windowEl.style.cssText = 'position: absolute; left: 0; right: 0; top: 0';
  const rowEls = Array.from({ length: 30 }, () => {
    const r = document.createElement('div');
    r.style.cssText = `height: ${ROW_HEIGHT}px; border-bottom: 1px solid #ccc`;
    windowEl.append(r);
    return r;
  });
  box.append(spacer, windowEl);
  document.body.append(box);
  box.addEventListener('scroll', () => {
    const first = Math.floor(box.scrollTop / ROW_HEIGHT);
    windowEl.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    for (const [i, r] of rowEls.entries()) r.textContent = `#${ENTRIES - 1 - first - i} 10:00:00.000 dual-write enqueue write ok job_id="job-${first + i}"`;
  });
  await frame();
  const figures = await measureAction(`scroll, baseline: a plain DOM windowed list, same steps`, async () => {
    const max = box.scrollHeight - box.clientHeight;
    for (let step = 1; step <= SCROLL_STEPS; step++) {
      box.scrollTop = Math.round((max * step) / SCROLL_STEPS);
      await frame();
    }
    await frame();
    await frame();
  });
  box.remove();
  return figures;
}

interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number } }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

type Metrics = Record<'RecalcStyleDuration' | 'LayoutDuration', number>;

let metricsEnabled = false;
/** The renderer's cumulative main-thread times, seconds. */
async function metrics(): Promise<Metrics> {
  if (!metricsEnabled) await cdp().send('Performance.enable');
  metricsEnabled = true;
  const { metrics: list } = (await cdp().send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  const get = (name: keyof Metrics): number => list.find((m) => m.name === name)?.value ?? 0;
  return { RecalcStyleDuration: get('RecalcStyleDuration'), LayoutDuration: get('LayoutDuration') };
}

async function startProfile(): Promise<void> {
  await cdp().send('Profiler.enable');
  await cdp().send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp().send('Profiler.start');
}

/** Self time by function, the top 15, of the profile begun by `startProfile`. */
async function printProfile(action: string): Promise<void> {
  const { profile } = (await cdp().send('Profiler.stop')) as { profile: CpuProfile };
  const byNode = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  for (const [i, id] of profile.samples.entries()) {
    const f = byNode.get(id);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!f || f.functionName === '(idle)') continue;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(src|node_modules|bench)\//, '$1/').replace(/\?.*$/, '')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 15);
  console.log([`profile of "${action}": ${total.toFixed(0)} ms busy`, ...top.map(([k, ms]) => `  ${ms.toFixed(1).padStart(7)} ms  ${k}`)].join('\n'));
}

const root = (el: ClHistory): ShadowRoot => el.shadowRoot as ShadowRoot;
const list = (el: ClHistory): HTMLElement => root(el).querySelector('.list') as HTMLElement;
const rows = (el: ClHistory): HTMLElement[] => [...root(el).querySelectorAll<HTMLElement>('[role="option"]')];

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** One line per action over the rounds: the worst task and frame gap of any round, the median settle time. */
function print(rounds: readonly (readonly Figures[])[]): void {
  const actions = rounds[0]?.map((f) => f.action) ?? [];
  const lines = [
    `History panel, ${ENTRIES.toLocaleString('en-US')} entries, Chromium, ${rounds.length} round(s) (target: no main-thread task over ${LONG_TASK_MS} ms)`,
    '| action | tasks > 50 ms (per round) | longest task (where) | longest frame gap | settled after (median) | style + layout (median) | note |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [i, action] of actions.entries()) {
    const all = rounds.map((r) => r[i] as Figures);
    const worst = all.reduce((a, b) => (b.longestTaskMs > a.longestTaskMs ? b : a));
    const summary = {
      action,
      longTasksPerRound: all.map((f) => f.longTasks),
      longestTaskMs: worst.longestTaskMs,
      longestTaskIn: worst.longestTaskIn,
      longestFrameMs: Math.max(...all.map((f) => f.longestFrameMs)),
      styleLayoutMs: median(all.map((f) => f.styleLayoutMs)),
      settleMs: median(all.map((f) => f.settleMs)),
      note: all.at(-1)?.note,
    };
    lines.push(
      `| ${action} | ${summary.longTasksPerRound.join(' ')} | ${summary.longestTaskMs ? `${summary.longestTaskMs.toFixed(0)} ms (${summary.longestTaskIn ?? '?'})` : '—'} | ${summary.longestFrameMs.toFixed(1)} ms | ${summary.settleMs.toFixed(0)} ms | ${summary.styleLayoutMs.toFixed(0)} ms | ${summary.note ?? ''} |`,
    );
    console.log(`@@bench-info ${JSON.stringify({ id: `page.history-panel.${i}`, ...summary })}`);
  }
  console.log(lines.join('\n'));
}

it(`history panel with ${ENTRIES.toLocaleString('en-US')} entries: render, scroll, filter, append, details`, async () => {
  await import('../src/ui/history/history.ts');
  const rounds: Figures[][] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await round());
  print(rounds);
});

/** Every action once, on a new panel and a new log of 100,000 entries. */
async function round(): Promise<Figures[]> {
  const recorder = new Recorder();
  recorder.fill(ENTRIES);
  const figures: Figures[] = [];

  // The same element with 10 entries first: in the first round it pays the page's one-time costs
  // (styles, template preparation, compilation), which do not depend on the number of entries.
  const small = new Recorder();
  small.fill(10);
  const smallEl = document.createElement('cl-history');
  figures.push(
    await measureAction('first render, 10 entries (baseline)', async () => {
      smallEl.entries = small.entries;
      smallEl.revision = small.revision;
      document.body.append(smallEl);
      await smallEl.updateComplete;
      await settle(smallEl);
    }),
  );
  smallEl.remove();

  const el = document.createElement('cl-history');

  figures.push(
    await measureAction('first render', async () => {
      el.entries = recorder.entries;
      el.revision = recorder.revision;
      document.body.append(el);
      await el.updateComplete;
      await settle(el);
      return `${rows(el).length} rows in the DOM`;
    }),
  );
  expect(rows(el).length).toBeGreaterThan(0);
  expect(rows(el).length).toBeLessThan(200);
  expect(rows(el)[0]?.dataset['position']).toBe(String(ENTRIES - 1));

  figures.push(
    await measureAction(`scroll: top to bottom in ${SCROLL_STEPS} steps, a frame each`, async () => {
      const max = list(el).scrollHeight - list(el).clientHeight;
      for (let step = 1; step <= SCROLL_STEPS; step++) {
        list(el).scrollTop = Math.round((max * step) / SCROLL_STEPS);
        await frame();
      }
      await settle(el);
    }),
  );
  expect(rows(el).some((r) => r.dataset['position'] === '0')).toBe(true);
  figures.push(await rawScroll());

  list(el).scrollTop = 0;
  await settle(el);

  const search = root(el).querySelector('input[type="search"]') as HTMLInputElement;
  const needle = 'job-4242"';
  figures.push(
    await measureAction(`filter: type "${needle}" a key at a time`, async () => {
      await userEvent.click(search);
      await userEvent.keyboard(needle);
      await settle(el);
      return `${el.shownCount} shown`;
    }),
  );
  const wanted = recorder.entries.filter((e) => e.kind === 'operation' && e.params['job_id'] === 'job-4242').map((e) => String(e.index));
  expect(wanted.length).toBeGreaterThan(0);
  expect(el.shownCount).toBe(wanted.length);
  expect(rows(el).map((r) => r.dataset['index'])).toEqual([...wanted].reverse());

  figures.push(
    await measureAction(`filter: delete it a key at a time`, async () => {
      for (let i = 0; i < needle.length; i++) await userEvent.keyboard('{Backspace}');
      await settle(el);
      return `${el.shownCount} shown`;
    }),
  );
  expect(el.shownCount).toBe(ENTRIES);

  const append = async (label: string, panel = true): Promise<Figures> =>
    measureAction(label, async () => {
      // The workload: every frame, the operations invoked last frame complete and the next ones
      // are invoked, 500 entries a second; the app passes the recorder's revision on.
      const inFlight: number[] = [];
      const total = APPEND_PER_SECOND * APPEND_SECONDS;
      const begin = performance.now();
      let appended = 0;
      while (appended < total) {
        const now = await frame();
        const due = Math.min(total, Math.floor(((now - begin) / 1000) * APPEND_PER_SECOND));
        for (const position of inFlight.splice(0)) recorder.complete(position);
        for (; appended < due; appended++) inFlight.push(recorder.invoke(Date.now()));
        if (panel) el.revision = recorder.revision;
      }
      for (const position of inFlight.splice(0)) recorder.complete(position);
      if (panel) el.revision = recorder.revision;
      await settle(el);
      return `${total} entries in ${((performance.now() - begin) / 1000).toFixed(1)} s, ${el.shownCount} shown`;
    });

  list(el).scrollTop = list(el).scrollHeight;
  await settle(el);
  const bottom = rows(el).at(-1)?.dataset['position'];
  figures.push(await append(`append: ${APPEND_PER_SECOND}/s for ${APPEND_SECONDS} s, scrolled to the bottom`));
  // Scrolled to the bottom, the oldest rows stay in view while new ones land on top.
  expect(rows(el).at(-1)?.dataset['position']).toBe(bottom);
  expect(el.shownCount).toBe(recorder.entries.length);
  figures.push(await append(`append: the same workload, no panel updated (baseline)`, false));

  el.filter = { text: 'ws-acme', show: 'all', outcome: 'any' };
  await settle(el);
  list(el).scrollTop = list(el).scrollHeight;
  await settle(el);
  figures.push(await append(`append: ${APPEND_PER_SECOND}/s for ${APPEND_SECONDS} s, scrolled to the bottom, text filter "ws-acme"`));
  el.filter = { text: '', show: 'all', outcome: 'any' };
  await settle(el);

  list(el).scrollTop = 40_000 * ROW_HEIGHT;
  await settle(el);
  const target = rows(el).find((r) => r.dataset['index'] !== undefined && recorder.entries[Number(r.dataset['position'])]?.kind === 'operation') as HTMLElement;
  figures.push(
    await measureAction('details: click a row', async () => {
      target.click();
      await settle(el);
    }),
  );
  expect(root(el).querySelector('.details h3')?.textContent).toContain(`#${target.dataset['index']}`);

  el.remove();
  return figures;
}
