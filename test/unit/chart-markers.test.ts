/**
 * The marks on the figures' time axis: read from the rehearsal's history (the engine host's own
 * log lines, the page's restart notices), copy passes seen finishing in the state, and which of
 * them fall in the charts' window.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import type { CopyProgress } from '../../src/engine/vocabulary.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { ChartMarkersController, copyDoneMarker, FAULT_RUN_GAP_MS, HistoryMarks, markerOfEvent, type MarkedHistory } from '../../src/ui/app/chart-markers.ts';
import { markerText, markerWindow, visibleMarkers, type ChartMarker } from '../../src/ui/figures/chart-markers.ts';
import { windowData } from '../../src/ui/figures/chart-window.ts';
import type { HistoryEntry } from '../../src/ui/types.ts';
import { createEngineHost } from '../../src/worker/engine-host.ts';
import type { EngineState } from '../../src/worker/protocol.ts';
import { nodeSql } from '../support/node.ts';

const event = (index: number, at: number, message: string, level: 'info' | 'warning' | 'error' = 'info'): HistoryEntry => ({ kind: 'event', index, at, level, message });

/** 12:00:00 local time on a fixed day, so clock text reads the same in every time zone. */
const T0 = new Date(2025, 0, 15, 12, 0, 0).getTime();

describe('marks from the engine host’s log lines', () => {
  it('reads phase moves, a rollback, a move forced past its guard, a fault and a verify as the host writes them', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const host = createEngineHost({ sql: await nodeSql(), backend: new MemoryBackend(), digest: webCryptoSha256, clock, lock: async () => ({ release: async () => undefined }) });
    const entries: HistoryEntry[] = [];
    await host.subscribe((events) => {
      for (const e of events) if (e.type === 'log') entries.push(event(entries.length, e.at, e.message, e.level));
    });
    await host.open({ rehearsalId: 'marks', scenarioId: 'job-keys', durability: 'strict', seed: 1 });
    for (let done = 0, batch = await host.nextSeeds(0); batch.length > 0; batch = await host.nextSeeds(done)) {
      for (const p of batch) await host.execute(p.name, p.params);
      done += batch.length;
    }
    expect((await host.movePhase('dual-write', {})).ok).toBe(true);
    await host.setFaults([{ kind: 'write-error', side: 'new', once: true }]);
    const write = (await host.planWorkload(100)).find((p) => p.kind === 'write');
    if (!write) throw new Error('the workload planned no write');
    await host.execute(write.name, write.params);
    expect((await host.movePhase('old-only', {})).ok).toBe(true);
    expect((await host.movePhase('dual-write', {})).ok).toBe(true);
    expect((await host.movePhase('shadow', {})).ok).toBe(true);
    // Read-new wants shadow reads first: forced.
    expect((await host.movePhase('read-new', { force: true })).ok).toBe(true);
    await host.verify();
    await clock.sleep(60);
    await host.close();

    const marks = new HistoryMarks();
    expect(marks.read(entries)).toBe(true);
    expect(marks.marks.map((m) => [m.kind, m.label, m.alert ?? false])).toEqual([
      ['phase', 'old-only → dual-write', false],
      ['fault', expect.stringMatching(/^write error on new \(.+\)$/), false],
      ['rollback', 'dual-write → old-only', false],
      ['phase', 'old-only → dual-write', false],
      ['phase', 'dual-write → shadow', false],
      ['phase', 'shadow → read-new, guard overridden', false],
      // Rolled back without a backfill, the new side misses what was written before dual-write.
      ['verify', expect.stringMatching(/^\d+ of \d+ records differ$/), true],
    ]);
    for (const m of marks.marks) expect(m.at).toBeGreaterThan(0);
  });
});

describe('HistoryMarks', () => {
  it('reads the restart notices of a crash fault, Crash now and the watchdog as crashes', () => {
    // The texts of EngineController's notices after a restart (recorded into the history).
    const marks = new HistoryMarks();
    marks.read([
      event(0, T0, 'Crash now: the engine’s worker is terminated; everything in its memory is gone.', 'warning'),
      event(1, T0 + 900, 'The engine crashed and recovered from IndexedDB (phase dual-write).', 'warning'),
      event(2, T0 + 5000, 'The engine crashed (crash fault) and recovered from IndexedDB (phase shadow). Recovery reported: x', 'warning'),
      event(3, T0 + 9000, 'query cancelled: the watchdog stopped the engine and recovered the rehearsal from IndexedDB.', 'error'),
    ]);
    expect(marks.marks).toEqual([
      { at: T0 + 900, kind: 'crash', label: 'engine restarted (Crash now)' },
      { at: T0 + 5000, kind: 'crash', label: 'engine restarted (crash fault)' },
      { at: T0 + 9000, kind: 'crash', label: 'engine restarted (watchdog)' },
    ]);
  });

  it('reads a restored backup as a rollback and a clean verify as clean', () => {
    expect(markerOfEvent({ kind: 'event', index: 0, at: T0, level: 'info', message: 'phase drop-old → new-only (restore)' })).toEqual({ at: T0, kind: 'rollback', label: 'drop-old → new-only (backup restored)' });
    expect(markerOfEvent({ kind: 'event', index: 0, at: T0, level: 'info', message: 'verify: 1200 of 1200 records consistent, mismatch rate 0.00 %' })).toEqual({ at: T0, kind: 'verify', label: 'clean (1,200 records)' });
    // Operations, other notices and entries the log lost (time 0) make no mark.
    expect(markerOfEvent({ kind: 'event', index: 0, at: T0, level: 'info', message: 'Moved old-only → dual-write.' })).toBeNull();
    expect(markerOfEvent({ kind: 'event', index: 0, at: 0, level: 'info', message: 'phase old-only → dual-write (forward)' })).toBeNull();
  });

  it('makes one mark of a fault firing again and again, counting up, and a new one after a pause', () => {
    const marks = new HistoryMarks();
    const entries: HistoryEntry[] = [event(0, T0, 'fault: write error on new (renew)', 'warning'), event(1, T0 + 1000, 'fault: write error on new (enqueue)', 'warning'), event(2, T0 + 1500, 'fault: +100 ms on old', 'warning')];
    marks.read(entries);
    expect(marks.marks.map((m) => m.label)).toEqual(['write error on new ×2 over 1 s', '+100 ms on old']);
    const id = marks.marks[0]?.id;
    entries.push(event(3, T0 + 1000 + FAULT_RUN_GAP_MS, 'fault: write error on new (renew)', 'warning'));
    expect(marks.read(entries)).toBe(true);
    expect(marks.marks[0]).toEqual({ at: T0, kind: 'fault', label: 'write error on new ×3 over 6 s', id });
    entries.push(event(4, T0 + 7000 + FAULT_RUN_GAP_MS, 'fault: write error on new (renew)', 'warning'));
    marks.read(entries);
    expect(marks.marks.map((m) => [m.at, m.label])).toEqual([
      [T0, 'write error on new ×3 over 6 s'],
      [T0 + 1500, '+100 ms on old'],
      [T0 + 12_000, 'write error on new (renew)'],
    ]);
  });

  it('reads only what was added since the last read', () => {
    const marks = new HistoryMarks();
    const entries: HistoryEntry[] = [event(0, T0, 'phase old-only → dual-write (forward)')];
    expect(marks.read(entries)).toBe(true);
    expect(marks.read(entries)).toBe(false);
    entries.push({ kind: 'operation', index: 1, name: 'renew', access: 'write', phase: 'dual-write', params: {}, at: T0 + 10, outcome: 'ok' });
    expect(marks.read(entries)).toBe(false);
    entries.push(event(2, T0 + 20, 'phase dual-write → shadow (forward)'));
    expect(marks.read(entries)).toBe(true);
    expect(marks.marks).toHaveLength(2);
  });
});

const progress = (over: Partial<CopyProgress>): CopyProgress => ({ action: 'backfill', status: 'running', pass: 1, processed: 0, total: 10, copied: 0, skipped: 0, removed: 0, batchSize: 50, rate: null, etaSeconds: null, startedInPhase: 'dual-write', ...over });

describe('copy passes', () => {
  it('marks a pass when it is seen finishing, once', () => {
    expect(copyDoneMarker(progress({}), progress({ status: 'done', copied: 1234, removed: 2 }), T0)).toEqual({ at: T0, kind: 'copy', label: 'backfill pass 1 done (1,234 copied, 2 removed)' });
    expect(copyDoneMarker(progress({ status: 'done' }), progress({ status: 'done' }), T0)).toBeNull();
    // Done already when first seen (the page opened after it finished): when is not known.
    expect(copyDoneMarker(undefined, progress({ status: 'done' }), T0)).toBeNull();
    // A second pass that ran and finished between two looks.
    expect(copyDoneMarker(progress({ status: 'done', pass: 1 }), progress({ action: 'backfill', status: 'done', pass: 2, copied: 3 }), T0)?.label).toBe('backfill pass 2 done (3 copied)');
    expect(copyDoneMarker(progress({}), progress({ status: 'cancelled' }), T0)).toBeNull();
  });
});

describe('ChartMarkersController', () => {
  const state = (rehearsalId: string, backfill: Partial<CopyProgress>): EngineState => ({ rehearsalId, backfill: progress(backfill), reverseSync: progress({ action: 'reverse-sync', status: 'idle' }) }) as unknown as EngineState;

  function setUp() {
    let updates = 0;
    const host = { addController: () => undefined, removeController: () => undefined, requestUpdate: () => void updates++, updateComplete: Promise.resolve(true) };
    const page: { history: MarkedHistory | null; state: EngineState | null; now: number } = { history: null, state: null, now: T0 };
    const controller = new ChartMarkersController(host, { history: () => page.history, state: () => page.state, now: () => page.now });
    return { controller, page, updates: () => updates };
  }

  it('gives the history’s marks, copy passes seen finishing and marks added, in a new array only when they change', () => {
    const { controller, page, updates } = setUp();
    const entries: HistoryEntry[] = [event(0, T0, 'phase old-only → dual-write (forward)')];
    page.history = { rehearsalId: 'r1', entries };
    page.state = state('r1', { status: 'running' });
    controller.update();
    const first = controller.markers;
    expect(first.map((m) => m.kind)).toEqual(['phase']);
    controller.update();
    expect(controller.markers).toBe(first);

    page.now = T0 + 5000;
    page.state = state('r1', { status: 'done', copied: 7 });
    controller.update();
    expect(controller.markers.map((m) => [m.kind, m.at])).toEqual([
      ['phase', T0],
      ['copy', T0 + 5000],
    ]);
    controller.add({ at: T0 + 6000, kind: 'plan-step', label: 'step 2: move to shadow' });
    expect(updates()).toBe(1);
    controller.update();
    expect(controller.markers.map((m) => m.kind)).toEqual(['phase', 'copy', 'plan-step']);
  });

  it('reads a history read again from the start, and forgets everything of another rehearsal', () => {
    const { controller, page } = setUp();
    page.history = { rehearsalId: 'r1', entries: [event(0, T0, 'phase old-only → dual-write (forward)')] };
    page.state = state('r1', { status: 'running' });
    controller.update();
    controller.add({ at: T0 + 1, kind: 'plan-step', label: 'step 1' });
    // Another tab wrote the history meanwhile: this one reads what it stored.
    page.history = { rehearsalId: 'r1', entries: [event(0, T0, 'phase old-only → dual-write (forward)'), event(1, T0 + 10, 'phase dual-write → shadow (forward)')] };
    controller.update();
    expect(controller.markers.map((m) => m.label)).toEqual(['old-only → dual-write', 'dual-write → shadow', 'step 1']);

    page.history = { rehearsalId: 'r2', entries: [] };
    page.state = state('r2', { status: 'done' });
    controller.update();
    expect(controller.markers).toEqual([]);
  });
});

describe('the charts’ window', () => {
  const series = (seconds: number) => Array.from({ length: seconds }, (_, i) => ({ t: T0 + i * 1000, operations: 1, reads: 0, fallbacks: 0, shadowReads: 0, mismatches: 0, p99: { old: null, new: null } }));
  const mark = (at: number, label = 'x'): ChartMarker => ({ at, kind: 'phase', label });

  it('keeps the marks within the window, placed in seconds from the newest second', () => {
    // 100 seconds of figures, a window of 60: x from -59 to 0.
    const data = windowData(series(100), 60);
    const marks = [mark(T0 + 99_000 - 59_000, 'first in'), mark(T0 + 99_000 - 59_001, 'just out'), mark(T0 + 99_500, 'in the newest second'), mark(T0 + 50_000, 'middle')];
    const window = markerWindow(data, 60, marks);
    expect(window).toMatchObject({ origin: T0 + 99_000, min: -59 });
    expect(window?.max).toBeCloseTo(0.5);
    expect(visibleMarkers(marks, window).map((p) => [p.marker.label, p.x])).toEqual([
      ['first in', -59],
      ['middle', -49],
      ['in the newest second', 0.5],
    ]);
  });

  it('stretches to a mark before the first second of figures, or after the last, within the window’s length', () => {
    const data = windowData(series(10), 60);
    const before = [mark(T0 - 20_000)];
    expect(markerWindow(data, 60, before)).toEqual({ origin: T0 + 9000, min: -29, max: 0 });
    const after = [mark(T0 + 9000 + 100_000, 'later')];
    // The newest mark wins: the figures are out of the window.
    expect(markerWindow(data, 60, after)).toEqual({ origin: T0 + 9000, min: 41, max: 100 });
    expect(markerWindow(windowData([], 60), 60, [])).toBeNull();
    // Marks without figures make a window of their own.
    expect(visibleMarkers(after, markerWindow(windowData([], 60), 60, after))).toHaveLength(1);
  });

  it('reads a mark as its time, kind and label', () => {
    expect(markerText({ at: T0 + 3 * 60_000 + 4000, kind: 'phase', label: 'dual-write → shadow' })).toBe('12:03:04 phase dual-write → shadow');
    expect(markerText({ at: T0, kind: 'plan-step', label: 'step 3' })).toBe('12:00:00 plan step step 3');
  });
});
