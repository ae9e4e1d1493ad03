/**
 * The marks on the figures' time axis (`cl-figures`'s `markers`), derived from what the page
 * stores: the rehearsal's history holds the engine's log lines (phase moves, faults fired,
 * verifies) and the page's notices (restarts after a crash or the watchdog), each with its time,
 * so the marks come back after a reload. A copy pass finishing is not in the history: it is seen
 * live, in the engine's state, and is gone after a reload. Others (a plan replay's steps) add
 * marks of their own with `add`.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CopyProgress } from '../../engine/vocabulary.ts';
import type { EngineState } from '../../worker/protocol.ts';
import type { ChartMarker } from '../figures/chart-markers.ts';
import type { HistoryEntry, LogEvent } from '../types.ts';

/** Firings of one fault closer together than this make one mark. */
export const FAULT_RUN_GAP_MS = 5000;

/** A history as the marks read it: its entries (growing in place) and which rehearsal it is. */
export interface MarkedHistory {
  readonly rehearsalId: string;
  readonly entries: readonly HistoryEntry[];
}

// The lines the marks are read from, as the engine host and the engine controller write them.
const PHASE = /^phase (\S+) → (\S+) \((forward|rollback|restore)(, guard overridden)?\)$/;
const FAULT = /^fault: (.+)$/;
const VERIFY = /^verify: (\d+) of (\d+) records consistent/;
const CRASHED = /^The engine crashed( \(crash fault\))? and recovered/;
const WATCHDOG = /^query cancelled: the watchdog stopped the engine/;

/** A fault's detail without what varies between its firings: the operation, the count left. */
const faultGroup = (detail: string): string => detail.replace(/ \([^)]*\)/g, '').replace(/, \d+ left$/, '');

/** The mark a history event stands for, or null; faults are merged into runs by `HistoryMarks`. */
export function markerOfEvent(entry: LogEvent): ChartMarker | null {
  const { at, message } = entry;
  if (!(at > 0)) return null;
  let m = PHASE.exec(message);
  if (m) {
    const [, from, to, how, forced] = m;
    const guard = forced ? ', guard overridden' : '';
    if (how === 'forward') return { at, kind: 'phase', label: `${from} → ${to}${guard}` };
    if (how === 'rollback') return { at, kind: 'rollback', label: `${from} → ${to}${guard}` };
    return { at, kind: 'rollback', label: `${from} → ${to} (backup restored)` };
  }
  m = FAULT.exec(message);
  if (m) return { at, kind: 'fault', label: m[1] as string };
  m = VERIFY.exec(message);
  if (m) {
    const consistent = Number(m[1]);
    const total = Number(m[2]);
    if (consistent === total) return { at, kind: 'verify', label: `clean (${total.toLocaleString('en-US')} records)` };
    return { at, kind: 'verify', label: `${(total - consistent).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} records differ`, alert: true };
  }
  m = CRASHED.exec(message);
  if (m) return { at, kind: 'crash', label: m[1] ? 'engine restarted (crash fault)' : 'engine restarted (Crash now)' };
  if (WATCHDOG.test(message)) return { at, kind: 'crash', label: 'engine restarted (watchdog)' };
  return null;
}

/**
 * The marks of one history, read incrementally: each call to `read` looks only at the entries
 * added since the last one (events are only ever appended). A fault firing again within
 * `FAULT_RUN_GAP_MS` of its last firing counts up the run's mark instead of adding one.
 */
export class HistoryMarks {
  readonly #marks: ChartMarker[] = [];
  #next = 0;
  /** Per fault group, its open run: the mark's position, its first and last firing, how many. */
  readonly #runs = new Map<string, { readonly index: number; readonly first: number; last: number; count: number }>();

  /** The marks of `entries` (the same array, grown since the last call); true when they changed. */
  read(entries: readonly HistoryEntry[]): boolean {
    let changed = false;
    for (; this.#next < entries.length; this.#next++) {
      const entry = entries[this.#next];
      if (entry?.kind !== 'event') continue;
      const mark = markerOfEvent(entry);
      if (!mark) continue;
      changed = true;
      if (mark.kind === 'fault') this.#addFault(mark);
      else this.#marks.push(mark);
    }
    return changed;
  }

  /** The marks so far, in the order the history has them. */
  get marks(): readonly ChartMarker[] {
    return this.#marks;
  }

  #addFault(mark: ChartMarker): void {
    const group = faultGroup(mark.label);
    const run = this.#runs.get(group);
    if (run && mark.at - run.last <= FAULT_RUN_GAP_MS && mark.at >= run.last) {
      run.last = mark.at;
      run.count++;
      const seconds = Math.round((run.last - run.first) / 1000);
      this.#marks[run.index] = { at: run.first, kind: 'fault', label: `${group} ×${run.count.toLocaleString('en-US')} over ${seconds} s`, id: `fault|${run.first}|${group}` };
      return;
    }
    this.#runs.set(group, { index: this.#marks.length, first: mark.at, last: mark.at, count: 1 });
    this.#marks.push({ ...mark, id: `fault|${mark.at}|${group}` });
  }
}

/** A copy pass that finished since `before` (the same action's progress last seen), as a mark. */
export function copyDoneMarker(before: CopyProgress | undefined, after: CopyProgress, at: number): ChartMarker | null {
  if (!before || after.status !== 'done' || (before.status === 'done' && before.pass === after.pass)) return null;
  const removed = after.removed > 0 ? `, ${after.removed.toLocaleString('en-US')} removed` : '';
  return { at, kind: 'copy', label: `${after.action} pass ${after.pass} done (${after.copied.toLocaleString('en-US')} copied${removed})` };
}

/** What the marks read from the page. */
export interface ChartMarkersPorts {
  /** The open rehearsal's history, or null. */
  history(): MarkedHistory | null;
  /** The engine's state, or null. */
  state(): EngineState | null;
  /** The time now (ms since the epoch). */
  now?(): number;
}

/**
 * Keeps `markers` for the figures up to date before each render of the host: the history's marks,
 * copy passes seen finishing, and those added. A new array only when something changed.
 */
export class ChartMarkersController implements ReactiveController {
  /** For `cl-figures`'s `markers`. */
  markers: readonly ChartMarker[] = [];
  #history: MarkedHistory | null = null;
  #historyMarks = new HistoryMarks();
  #rehearsalId: string | null = null;
  #copies: { backfill?: CopyProgress; 'reverse-sync'?: CopyProgress } = {};
  #live: ChartMarker[] = [];
  #added: ChartMarker[] = [];
  #stale = true;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly ports: ChartMarkersPorts,
  ) {
    host.addController(this);
  }

  hostUpdate(): void {
    this.update();
  }

  /** Reads what changed (the host calls it before each render). */
  update(): void {
    const state = this.ports.state();
    const history = this.ports.history();
    const rehearsalId = state?.rehearsalId ?? history?.rehearsalId ?? null;
    if (rehearsalId !== this.#rehearsalId) {
      // Another rehearsal: nothing seen before belongs to it.
      this.#rehearsalId = rehearsalId;
      this.#copies = {};
      this.#live = [];
      this.#added = [];
      this.#stale = true;
    }
    if (history !== this.#history) {
      // A history read again (another tab wrote it meanwhile) holds every mark afresh.
      this.#history = history;
      this.#historyMarks = new HistoryMarks();
      this.#stale = true;
    }
    if (history && this.#historyMarks.read(history.entries)) this.#stale = true;
    if (state) this.#seeCopies(state);
    if (this.#stale) {
      this.markers = [...this.#historyMarks.marks, ...this.#live, ...this.#added];
      this.#stale = false;
    }
  }

  /** Adds a mark of the caller's (a plan step); kept until another rehearsal opens or `clearAdded`. */
  add(marker: ChartMarker): void {
    this.#added.push(marker);
    this.#stale = true;
    this.host.requestUpdate();
  }

  /** Forgets the marks added with `add`. */
  clearAdded(): void {
    this.#added = [];
    this.#stale = true;
    this.host.requestUpdate();
  }

  #seeCopies(state: EngineState): void {
    const at = this.ports.now?.() ?? Date.now();
    for (const progress of [state.backfill, state.reverseSync]) {
      const mark = copyDoneMarker(this.#copies[progress.action], progress, at);
      this.#copies[progress.action] = progress;
      if (mark) {
        this.#live.push(mark);
        this.#stale = true;
      }
    }
  }
}
