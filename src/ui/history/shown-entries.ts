/**
 * Which history entries the panel shows, newest first, kept up to date incrementally: the app
 * appends to one array, so each sync scans only the new tail; a narrower query (more text typed,
 * a stricter select) filters the entries already shown instead of scanning the whole log again.
 *
 * A sync can be given a time budget. A new query that must test more entries than fit in it (the
 * first text search of 100,000 entries builds their search texts: a quarter of a second) is then
 * applied over several syncs: each tests entries until the budget is spent and keeps what it found,
 * and until the last one the entries shown are the previous query's, whole and consistent.
 */
import type { HistoryEntry, HistoryFilter } from '../types.ts';
import { toJson } from './format.ts';

/** The panel's filter with nothing filtered out. */
export const SHOW_EVERYTHING: HistoryFilter = Object.freeze({ text: '', show: 'all', outcome: 'any' });

/** The choices of the panel's Show select, with their labels. */
export const SHOW_OPTIONS = [
  ['all', 'Everything'],
  ['operations', 'Operations'],
  ['events', 'Events'],
] as const satisfies readonly (readonly [HistoryFilter['show'], string])[];

/** The choices of the panel's Outcome select, with their labels. */
export const OUTCOME_OPTIONS = [
  ['any', 'Any outcome'],
  ['ok', 'ok'],
  ['fail', 'fail'],
  ['info', 'info (indeterminate)'],
] as const satisfies readonly (readonly [HistoryFilter['outcome'], string])[];

/** Whether a select's value is a Show choice. */
export const isShow = (value: string): value is HistoryFilter['show'] => SHOW_OPTIONS.some(([v]) => v === value);
/** Whether a select's value is an Outcome choice. */
export const isOutcome = (value: string): value is HistoryFilter['outcome'] => OUTCOME_OPTIONS.some(([v]) => v === value);

/** What the panel asks to see. */
export interface HistoryQuery {
  readonly filter: HistoryFilter;
  /** Only entries whose `index` is in this set (the lost writes), or null for no such limit. */
  readonly only: ReadonlySet<number> | null;
}

/** How a sync changed what is shown. */
export interface SyncChange {
  /** The log was replaced by one that does not extend it (another rehearsal): positions are new. */
  readonly replaced: boolean;
  /** The query shown differs from the last sync's (a new query has been applied in full). */
  readonly requeried: boolean;
  /** A query is being applied: sync again (with a fresh budget) to go on; meanwhile the last one is shown. */
  readonly pending: boolean;
}

/** Entries tested between two looks at the clock. */
const CHECK_EVERY = 256;

/** A query being applied over several syncs: the entries below `end` (the log scanned when it began). */
interface Requery {
  readonly query: HistoryQuery;
  readonly needle: string;
  /** Positions to test (those the last query shows, when the new one narrows it), or null: all below `end`. */
  readonly candidates: readonly number[] | null;
  readonly end: number;
  /** Next index into `candidates`, or next position. */
  cursor: number;
  /** Passing positions found so far, ascending. */
  readonly found: number[];
  /** Positions whose entry was replaced (an in-flight operation completed) since it began: tested again at the end. */
  readonly replaced: Set<number>;
}

// The first search builds this for every entry, so the common case skips toJson's replacer.
function paramsText(params: Readonly<Record<string, unknown>>): string {
  for (const value of Object.values(params)) if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return toJson(params);
  return JSON.stringify(params);
}

/** What the text box searches in an entry, lower-cased. */
export function searchTextOf(entry: HistoryEntry): string {
  const text =
    entry.kind === 'operation'
      ? `${entry.name}\n${paramsText(entry.params)}\n${entry.outcome ?? 'in flight'}\n${entry.note ?? ''}\n${entry.result?.note ?? ''}\n${entry.result?.error?.message ?? ''}`
      : `${entry.message}\n${entry.level}`;
  return text.toLowerCase();
}

/** The needle the text box's value searches for. */
function needleOf(filter: HistoryFilter): string {
  return filter.text.trim().toLowerCase();
}

/** Whether `entry` passes the query's selects and lost-writes limit (everything but the text). */
function passesSelects(entry: HistoryEntry, query: HistoryQuery): boolean {
  const { show, outcome } = query.filter;
  if (show === 'operations' && entry.kind !== 'operation') return false;
  if (show === 'events' && entry.kind !== 'event') return false;
  // Outcomes belong to operations: an outcome filter hides events and operations still in flight.
  if (outcome !== 'any' && (entry.kind !== 'operation' || entry.outcome !== outcome)) return false;
  return query.only === null || query.only.has(entry.index);
}

function isEverything(query: HistoryQuery): boolean {
  const { filter } = query;
  return query.only === null && filter.show === 'all' && filter.outcome === 'any' && needleOf(filter) === '';
}

function sameQuery(a: HistoryQuery, b: HistoryQuery): boolean {
  return a.only === b.only && a.filter.show === b.filter.show && a.filter.outcome === b.filter.outcome && needleOf(a.filter) === needleOf(b.filter);
}

/** Whether every entry `next` passes also passes `prev`, so `next` can filter `prev`'s result. */
function narrows(prev: HistoryQuery, next: HistoryQuery): boolean {
  return (
    (prev.filter.show === 'all' || prev.filter.show === next.filter.show) &&
    (prev.filter.outcome === 'any' || prev.filter.outcome === next.filter.outcome) &&
    (prev.only === null || prev.only === next.only) &&
    needleOf(next.filter).includes(needleOf(prev.filter))
  );
}

const isInFlight = (entry: HistoryEntry): boolean => entry.kind === 'operation' && entry.outcome === undefined;

/** First index in the ascending `sorted` whose value is at least `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? Infinity) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The entries a query shows, addressed newest first by display position (0 = top row) and
 * mapped back to positions in the log array.
 *
 * Invariants: every position below `#scanned` has been tested against `#query`; `#shown` holds
 * the passing positions in ascending order, or is null when the query shows everything (no copy
 * of the log is made); `#inFlight` holds the scanned operations that were in flight, with the
 * object seen, because the app replaces those in place when they complete. While `#requery` is
 * set, the log is not scanned further: new entries wait until the new query is applied.
 */
export class ShownEntries {
  #entries: readonly HistoryEntry[] = [];
  #query: HistoryQuery = { filter: SHOW_EVERYTHING, only: null };
  #shown: number[] | null = null;
  #scanned = 0;
  #inFlight = new Map<number, HistoryEntry>();
  /** Search text by log position, built on the first text search; entries are immutable once complete. */
  #texts: (string | undefined)[] = [];
  /** The query being applied, when it did not fit in one sync's budget. */
  #requery: Requery | null = null;

  /** Entries shown. */
  get size(): number {
    return this.#shown === null ? this.#scanned : this.#shown.length;
  }

  /** Whether a query or the log's new entries are still being applied (sync again to go on). */
  get pending(): boolean {
    return this.#requery !== null || this.#scanned < this.#entries.length;
  }

  /**
   * Brings the index up to date with the log (grown since the last sync) and the query, as far as
   * it gets before `expired()` says the budget is spent (looked at every few hundred entries; by
   * default never: all of it in this sync).
   */
  sync(entries: readonly HistoryEntry[], query: HistoryQuery, expired: () => boolean = () => false): SyncChange {
    const replaced = entries !== this.#entries && !this.#extends(entries);
    if (replaced) {
      this.#scanned = 0;
      this.#inFlight.clear();
      this.#texts = [];
      this.#requery = null;
      this.#shown = isEverything(this.#query) ? null : [];
    }
    this.#entries = entries;
    this.#recheckInFlight();

    let requeried = false;
    const target = this.#requery?.query ?? this.#query;
    if (!sameQuery(query, target)) {
      this.#requery = null;
      if (sameQuery(query, this.#query)) {
        // Back to the query shown (a key typed and deleted before it was applied): nothing to do.
        this.#query = query;
      } else if (isEverything(query)) {
        this.#shown = null;
        this.#query = query;
        requeried = true;
      } else {
        this.#startRequery(query);
      }
    }
    if (this.#requery !== null) requeried = this.#continueRequery(expired) || requeried;
    if (this.#requery === null) this.#scan(expired);
    return { replaced, requeried, pending: this.pending };
  }

  /** Position in the log of the entry at display position `row` (0 = newest shown). */
  positionAt(row: number): number | undefined {
    const size = this.size;
    if (row < 0 || row >= size || !Number.isInteger(row)) return undefined;
    return this.#shown === null ? size - 1 - row : this.#shown[size - 1 - row];
  }

  /** Display position of the entry at log position `position`, or -1 when it is not shown. */
  rowOf(position: number): number {
    if (position < 0 || position >= this.#scanned) return -1;
    if (this.#shown === null) return this.#scanned - 1 - position;
    const i = lowerBound(this.#shown, position);
    return this.#shown[i] === position ? this.#shown.length - 1 - i : -1;
  }

  // The app may hand over a new array instead of appending: it extends the old log when the
  // scanned prefix is the same objects (first and last checked; in-flight ones are rechecked).
  #extends(entries: readonly HistoryEntry[]): boolean {
    const n = this.#scanned;
    if (n === 0) return true;
    return entries.length >= n && entries[0] === this.#entries[0] && entries[n - 1] === this.#entries[n - 1];
  }

  #recheckInFlight(): void {
    const needle = needleOf(this.#query.filter);
    for (const [position, seen] of this.#inFlight) {
      const current = this.#entries[position];
      if (current === undefined || current === seen) continue;
      this.#texts[position] = undefined;
      this.#requery?.replaced.add(position);
      if (this.#shown !== null) {
        const i = lowerBound(this.#shown, position);
        const was = this.#shown[i] === position;
        const is = this.#matches(position, current, this.#query, needle);
        if (was && !is) this.#shown.splice(i, 1);
        else if (!was && is) this.#shown.splice(i, 0, position);
      }
      if (isInFlight(current)) this.#inFlight.set(position, current);
      else this.#inFlight.delete(position);
    }
  }

  #startRequery(query: HistoryQuery): void {
    // A copy: the in-flight recheck edits `#shown` in place while the new query is applied.
    const candidates = this.#shown !== null && narrows(this.#query, query) ? this.#shown.slice() : null;
    this.#requery = { query, needle: needleOf(query.filter), candidates, end: this.#scanned, cursor: 0, found: [], replaced: new Set() };
  }

  /** Tests entries for the query being applied until it is done (returns true: now shown) or the budget is spent. */
  #continueRequery(expired: () => boolean): boolean {
    const job = this.#requery;
    if (job === null) return false;
    const { query, needle, candidates, found } = job;
    const stop = candidates === null ? job.end : candidates.length;
    while (job.cursor < stop) {
      const to = Math.min(stop, job.cursor + CHECK_EVERY);
      for (let i = job.cursor; i < to; i++) {
        const position = candidates === null ? i : (candidates[i] as number);
        const entry = this.#entries[position];
        if (entry !== undefined && this.#matches(position, entry, query, needle)) found.push(position);
      }
      job.cursor = to;
      if (job.cursor < stop && expired()) return false;
    }
    // Entries replaced meanwhile may have been tested as they were before: test them as they are.
    for (const position of job.replaced) {
      const entry = this.#entries[position];
      if (entry === undefined || position >= job.end) continue;
      const i = lowerBound(found, position);
      const was = found[i] === position;
      const is = this.#matches(position, entry, query, needle);
      if (was && !is) found.splice(i, 1);
      else if (!was && is) found.splice(i, 0, position);
    }
    this.#shown = found;
    this.#query = query;
    this.#requery = null;
    return true;
  }

  #matches(position: number, entry: HistoryEntry, query: HistoryQuery, needle: string): boolean {
    if (!passesSelects(entry, query)) return false;
    if (needle === '') return true;
    let text = this.#texts[position];
    if (text === undefined) {
      text = searchTextOf(entry);
      // Only complete entries: an in-flight one is replaced when it completes.
      if (!isInFlight(entry)) this.#texts[position] = text;
    }
    return text.includes(needle);
  }

  #scan(expired: () => boolean): void {
    const entries = this.#entries;
    const shown = this.#shown;
    const needle = needleOf(this.#query.filter);
    let position = this.#scanned;
    while (position < entries.length) {
      const to = Math.min(entries.length, position + CHECK_EVERY);
      for (; position < to; position++) {
        const entry = entries[position];
        if (entry === undefined) continue;
        if (isInFlight(entry)) this.#inFlight.set(position, entry);
        if (shown !== null && this.#matches(position, entry, this.#query, needle)) shown.push(position);
      }
      this.#scanned = position;
      if (position < entries.length && expired()) return;
    }
  }
}
