/**
 * The page keeps the rehearsal's history, not the engine: a crash kills the engine's worker, and
 * the record of what was acknowledged must outlive it (the user saw those acknowledgements). The
 * workload runner records each operation here before the engine runs it and its result when it
 * answers; the engine's own operations (a new rehearsal's seed data) arrive as invoke/complete
 * events. What was in flight when the engine died is marked indeterminate, and everything is
 * saved to IndexedDB in chunks.
 */
import { createStore, get, set, setMany, keys, delMany, type UseStore } from 'idb-keyval';
import { recordCompletion, type ConsistencyReport, type HistoryOp, type OperationResult, type Params, type Phase } from '../engine/vocabulary.ts';
import type { WorkerEvent } from '../worker/protocol.ts';
import type { HistoryEntry } from './types.ts';

const CHUNK = 1000;

type MutableOp = { -readonly [K in keyof HistoryOp]: HistoryOp[K] };

/** An operation recorded as invoked, to complete later. */
export type OpToken = number & { readonly __op: unique symbol };

/** The history of the open rehearsal. */
export class HistoryRecorder {
  /** For the history panel, oldest first; grows in place. */
  readonly entries: HistoryEntry[] = [];
  /** Operations only, for the history checker. */
  readonly ops: MutableOp[] = [];
  /** Bumped on every change, for the panel. */
  revision = 0;
  /**
   * A read-only tab records nothing to IndexedDB: the tab writing the rehearsal owns its history,
   * and saving this tab's copy would overwrite what that one saves.
   */
  readOnly = false;
  /** Why the last save failed (cleared by the next that succeeds). */
  saveError: string | null = null;
  readonly #store: UseStore;
  /** Operations in flight by token (the runner's) or engine event reference. */
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
    const all = (await keys(this.#store)).map(String).filter((k) => k.startsWith(`${prefix}c/`));
    const chunks = [...new Set(all.map((k) => Number(k.slice(prefix.length + 2))))].sort((a, b) => a - b);
    for (const n of chunks) {
      const saved = (await get(`${prefix}c/${n}`, this.#store)) as { entries: HistoryEntry[]; ops: MutableOp[] } | undefined;
      if (!saved) continue;
      this.entries.push(...saved.entries);
      this.ops.push(...saved.ops);
    }
    for (const e of this.entries) if (e.kind === 'operation') this.#opEntry.push(e.index);
    this.#pos = this.ops.reduce((max, o) => Math.max(max, o.invokedPos + 1, (o.completedPos ?? 0) + 1), 0);
    // Whatever was in flight when the page went away is indeterminate now.
    for (const op of this.ops) {
      if (op.outcome === undefined) this.#settleIndeterminate(op, this.#opEntry[op.index], 'the page closed before it completed');
    }
    this.#changed();
  }

  /** Records an operation as invoked, before the engine is asked to run it. */
  invoke(name: string, kind: 'read' | 'write', params: Params, phase: Phase, at = Date.now()): OpToken {
    const token = this.#invoke(name, kind, params, phase, at);
    this.#changed();
    return token;
  }

  /** Records the engine's answer to an operation. */
  complete(token: OpToken, result: OperationResult, at = Date.now()): void {
    if (this.#complete(`op:${token}`, result, at)) this.#changed();
  }

  /** The operation's outcome is unknown (the engine died or failed while running it). */
  indeterminate(token: OpToken, why: string): void {
    const found = this.#inFlight.get(`op:${token}`);
    if (!found) return;
    this.#inFlight.delete(`op:${token}`);
    this.#settleIndeterminate(found.op, found.entry, why);
    this.#changed();
  }

  /** Applies a batch of worker events from engine incarnation `incarnation` (another rehearsal's are ignored). */
  apply(events: readonly WorkerEvent[], incarnation: number): void {
    let changed = false;
    for (const e of events) {
      if ('rehearsalId' in e && e.rehearsalId !== this.rehearsalId) continue;
      switch (e.type) {
        case 'invoke': {
          const token = this.#invoke(e.name, e.kind, e.params, e.phase, e.at);
          const found = this.#inFlight.get(`op:${token}`);
          this.#inFlight.delete(`op:${token}`);
          if (found) this.#inFlight.set(`engine:${incarnation}:${e.ref}`, found);
          changed = true;
          break;
        }
        case 'complete':
          changed = this.#complete(`engine:${incarnation}:${e.ref}`, e.result, e.at) || changed;
          break;
        case 'log':
          this.#push({ kind: 'event', index: this.entries.length, at: e.at, level: e.level, message: e.message });
          changed = true;
          break;
        default:
          break;
      }
    }
    if (changed) this.#changed();
  }

  /** Operations in flight. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** The engine died: what it was doing is indeterminate (it may or may not have happened). */
  terminated(why: string): void {
    for (const { op, entry } of this.#inFlight.values()) this.#settleIndeterminate(op, entry, why);
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

  /** Saves now (before the page goes away, before a check). Never rejects: a failure is kept in `saveError` and retried. */
  async flush(): Promise<void> {
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    if (this.readOnly) return;
    const chunks = [...this.#dirty];
    this.#dirty.clear();
    if (chunks.length === 0) return;
    try {
      await setMany(
        chunks.map((n) => {
          const entries = this.entries.slice(n * CHUNK, (n + 1) * CHUNK);
          // The operations whose entries fall in this chunk.
          const ops = this.ops.slice(lowerBound(this.#opEntry, n * CHUNK), lowerBound(this.#opEntry, (n + 1) * CHUNK));
          return [`${this.rehearsalId}/c/${n}`, { entries, ops }] as [string, unknown];
        }),
        this.#store,
      );
      this.saveError = null;
    } catch (e) {
      // Not saved: try again with the next change.
      for (const n of chunks) this.#dirty.add(n);
      this.saveError = `the history could not be saved: ${(e as Error).message}`;
    }
  }

  /** Keeps the last consistency report, so a reload shows it again (not in a read-only tab). */
  async saveConsistency(report: ConsistencyReport, at = Date.now()): Promise<void> {
    if (this.readOnly) return;
    try {
      await set(`${this.rehearsalId}/consistency`, { report, at }, this.#store);
    } catch {
      // Only a convenience: the next verify makes a new one.
    }
  }

  /** The last consistency report saved for this rehearsal, with when verify made it, or null. */
  async loadConsistency(): Promise<{ report: ConsistencyReport; at: number } | null> {
    try {
      const saved = (await get(`${this.rehearsalId}/consistency`, this.#store)) as { report?: ConsistencyReport; at?: number } | undefined;
      return saved?.report && typeof saved.at === 'number' ? { report: saved.report, at: saved.at } : null;
    } catch {
      return null;
    }
  }

  /** Forgets this rehearsal's saved history (and its last consistency report). */
  async clear(): Promise<void> {
    const prefix = `${this.rehearsalId}/`;
    const all = (await keys(this.#store)).map(String).filter((k) => k.startsWith(prefix));
    await delMany(all, this.#store);
  }

  #invoke(name: string, kind: 'read' | 'write', params: Params, phase: Phase, at: number): OpToken {
    const op: MutableOp = { index: this.ops.length, name, kind, params, phase, invokedAt: at, invokedPos: this.#pos++, seed: false };
    this.ops.push(op);
    this.#opEntry.push(this.entries.length);
    this.#push({ kind: 'operation', index: this.entries.length, name, access: kind, phase, params, at, outcome: undefined });
    this.#inFlight.set(`op:${op.index}`, { op, entry: this.entries.length - 1 });
    return op.index as OpToken;
  }

  #complete(key: string, result: OperationResult, at: number): boolean {
    const found = this.#inFlight.get(key);
    if (!found) return false;
    this.#inFlight.delete(key);
    recordCompletion(found.op, result, at, this.#pos++);
    const entry = this.entries[found.entry];
    if (entry?.kind === 'operation') {
      this.entries[found.entry] = { ...entry, outcome: result.outcome, result, ...(result.note ? { note: result.note } : {}) };
      this.#dirty.add(Math.floor(found.entry / CHUNK));
    }
    return true;
  }

  #settleIndeterminate(op: MutableOp, entry: number | undefined, why: string): void {
    op.outcome = 'info';
    op.completedAt = Date.now();
    op.completedPos = this.#pos++;
    op.note = why;
    if (entry === undefined) return;
    const e = this.entries[entry];
    if (e?.kind === 'operation') this.entries[entry] = { ...e, outcome: 'info', note: why };
    this.#dirty.add(Math.floor(entry / CHUNK));
  }

  #push(entry: HistoryEntry): void {
    this.entries.push(entry);
    this.#dirty.add(Math.floor((this.entries.length - 1) / CHUNK));
  }

  #changed(): void {
    this.revision++;
    if (!this.readOnly) this.#saveTimer ??= setTimeout(() => void this.flush(), 1000);
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
