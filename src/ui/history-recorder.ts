/**
 * The page keeps the rehearsal's history, not the engine: a crash kills the engine's worker, and
 * the record of what was acknowledged must outlive it (the user saw those acknowledgements). The
 * recorder turns the worker's invoke/complete events into history operations, marks what was in
 * flight at a crash as indeterminate, and saves everything to IndexedDB in chunks.
 */
import { createStore, get, setMany, keys, delMany, type UseStore } from 'idb-keyval';
import type { HistoryOp } from '../engine/checks/history.ts';
import type { WorkerEvent } from '../worker/protocol.ts';
import type { HistoryEntry } from './types.ts';

const CHUNK = 1000;

type MutableOp = { -readonly [K in keyof HistoryOp]: HistoryOp[K] };

/** The history of the open rehearsal. */
export class HistoryRecorder {
  /** For the history panel, oldest first; grows in place. */
  readonly entries: HistoryEntry[] = [];
  /** Operations only, for the history checker. */
  readonly ops: MutableOp[] = [];
  /** Bumped on every change, for the panel. */
  revision = 0;
  readonly #store: UseStore;
  readonly #inFlight = new Map<string, { op: MutableOp; entry: number }>();
  /** Entry index of each operation (both grow together, so this is sorted). */
  readonly #opEntry: number[] = [];
  #pos = 0;
  #dirty = new Set<number>();
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #onChange: () => void;

  constructor(
    readonly rehearsalId: string,
    onChange: () => void,
    store: UseStore = createStore('cutover-lab-ui', 'history'),
  ) {
    this.#store = store;
    this.#onChange = onChange;
  }

  /** Loads what was saved for this rehearsal. */
  async load(): Promise<void> {
    const prefix = `${this.rehearsalId}/`;
    const all = (await keys(this.#store)).map(String).filter((k) => k.startsWith(prefix));
    const chunks = [...new Set(all.map((k) => Number(k.split('/')[2])))].sort((a, b) => a - b);
    for (const n of chunks) {
      const saved = (await get(`${prefix}c/${n}`, this.#store)) as { entries: HistoryEntry[]; ops: MutableOp[] } | undefined;
      if (!saved) continue;
      this.entries.push(...saved.entries);
      this.ops.push(...saved.ops);
    }
    for (const e of this.entries) if (e.kind === 'operation') this.#opEntry.push(e.index);
    this.#pos = this.ops.reduce((max, o) => Math.max(max, o.invokedPos + 1, (o.completedPos ?? 0) + 1), 0);
    // Whatever was in flight when the page went away is indeterminate now.
    for (const op of this.ops) if (op.outcome === undefined) this.#indeterminate(op, 'the page closed before it completed');
    this.#changed();
  }

  /** Applies a batch of worker events from engine incarnation `incarnation`. */
  apply(events: readonly WorkerEvent[], incarnation: number): void {
    let changed = false;
    for (const e of events) {
      switch (e.type) {
        case 'invoke': {
          const op: MutableOp = { index: this.ops.length, name: e.name, kind: e.kind, params: e.params, phase: e.phase, invokedAt: e.at, invokedPos: this.#pos++, seed: false };
          this.ops.push(op);
          this.#opEntry.push(this.entries.length);
          this.#push({ kind: 'operation', index: this.entries.length, name: e.name, access: e.kind, phase: e.phase, params: e.params, at: e.at, outcome: undefined });
          this.#inFlight.set(`${incarnation}:${e.ref}`, { op, entry: this.entries.length - 1 });
          changed = true;
          break;
        }
        case 'complete': {
          const found = this.#inFlight.get(`${incarnation}:${e.ref}`);
          if (!found) break;
          this.#inFlight.delete(`${incarnation}:${e.ref}`);
          const { op } = found;
          op.outcome = e.result.outcome;
          op.completedAt = e.at;
          op.completedPos = this.#pos++;
          if (e.result.rows) op.rows = e.result.rows;
          if (e.result.servedBy) op.servedBy = e.result.servedBy;
          if (e.result.fallback) op.fallback = e.result.fallback;
          if (e.result.error) op.error = e.result.error;
          if (e.result.note) op.note = e.result.note;
          const entry = this.entries[found.entry];
          if (entry?.kind === 'operation') {
            this.entries[found.entry] = { ...entry, outcome: e.result.outcome, result: e.result, ...(e.result.note ? { note: e.result.note } : {}) };
            this.#dirty.add(Math.floor(found.entry / CHUNK));
          }
          changed = true;
          break;
        }
        case 'log':
          this.event(e.level, e.message, e.at);
          break;
        case 'state':
          break;
      }
    }
    if (changed) this.#changed();
  }

  /** The engine died: what it was doing is indeterminate (it may or may not have happened). */
  terminated(why: string): void {
    for (const { op, entry } of this.#inFlight.values()) {
      this.#indeterminate(op, why);
      const e = this.entries[entry];
      if (e?.kind === 'operation') this.entries[entry] = { ...e, outcome: 'info', note: why };
      this.#dirty.add(Math.floor(entry / CHUNK));
    }
    this.#inFlight.clear();
    this.#changed();
  }

  /** Records something that happened to the rehearsal. */
  event(level: 'info' | 'warning' | 'error', message: string, at = Date.now()): void {
    this.#push({ kind: 'event', index: this.entries.length, at, level, message });
    this.#changed();
  }

  /** Entry indexes of the operations with these history indexes (to show lost writes). */
  entryIndexesOfOps(opIndexes: readonly number[]): Set<number> {
    return new Set(opIndexes.map((i) => this.#opEntry[i]).filter((e): e is number => e !== undefined));
  }

  /** Saves now (before the page goes away). */
  async flush(): Promise<void> {
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    const chunks = [...this.#dirty];
    this.#dirty.clear();
    if (chunks.length === 0) return;
    await setMany(
      chunks.map((n) => {
        const entries = this.entries.slice(n * CHUNK, (n + 1) * CHUNK);
        // The operations whose entries fall in this chunk.
        const ops = this.ops.slice(lowerBound(this.#opEntry, n * CHUNK), lowerBound(this.#opEntry, (n + 1) * CHUNK));
        return [`${this.rehearsalId}/c/${n}`, { entries, ops }] as [string, unknown];
      }),
      this.#store,
    );
  }

  /** Forgets this rehearsal's saved history. */
  async clear(): Promise<void> {
    const prefix = `${this.rehearsalId}/`;
    const all = (await keys(this.#store)).map(String).filter((k) => k.startsWith(prefix));
    await delMany(all, this.#store);
  }

  #indeterminate(op: MutableOp, why: string): void {
    op.outcome = 'info';
    op.completedAt = Date.now();
    op.completedPos = this.#pos++;
    op.note = why;
  }

  #push(entry: HistoryEntry): void {
    this.entries.push(entry);
    this.#dirty.add(Math.floor((this.entries.length - 1) / CHUNK));
  }

  #changed(): void {
    this.revision++;
    this.#saveTimer ??= setTimeout(() => void this.flush(), 1000);
    this.#onChange();
  }
}

/** First position in sorted `list` whose value is >= `value`. */
function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
