/**
 * The page keeps the rehearsal's history, not the engine: a crash kills the engine's worker, and
 * the record of what was acknowledged must outlive it (the user saw those acknowledgements). The
 * workload runner records each operation here before the engine runs it and its result when it
 * answers; the engine's own operations (a new rehearsal's seed data) arrive as invoke/complete
 * events. What was in flight when the engine died is marked indeterminate.
 *
 * The history is write-ahead, like the engine's journal. Every change is appended to a log in the
 * page's IndexedDB database, a batch per transaction (group commit: whatever accumulates while one
 * batch is being stored goes in the next), and the runner waits until an operation's invocation is
 * stored before it asks the engine to run it. So after a whole-browser kill every operation the
 * engine may have run is in the history — as acknowledged, or as indeterminate — and none of its
 * values looks like one "no write produced". About once a second the history is compacted into
 * chunks of 1,000 entries and the log before it is deleted, in one transaction.
 */
import { openPageDb, type PageDb } from '../store/page-db.ts';
import { recordCompletion, type ConsistencyReport, type HistoryOp, type OperationResult, type Params, type Phase } from '../engine/vocabulary.ts';
import type { WorkerEvent } from '../worker/protocol.ts';
import type { HistoryEntry } from './types.ts';

const CHUNK = 1000;
/** How the note of an operation that was never sent to the engine begins. */
export const NOT_RUN = 'not sent to the engine';
/** How long changes may sit in the log before they are compacted into chunks. */
const COMPACT_AFTER_MS = 1000;

/** One batch of the write-ahead log: the operations and entries it changed, as they were then. */
interface LogRecord {
  readonly ops: readonly HistoryOp[];
  readonly entries: readonly HistoryEntry[];
}

const logKey = (rehearsalId: string, seq: number): string => `${rehearsalId}/log/${String(seq).padStart(12, '0')}`;
/** The last log batch the chunks supersede (every batch begun before the compaction that wrote them). */
const compactedKey = (rehearsalId: string): string => `${rehearsalId}/compacted`;

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
  #readOnly = false;
  /** Why the last save failed (cleared by the next that succeeds). */
  saveError: string | null = null;
  readonly #db: PageDb;
  /** Operations in flight by token (the runner's) or engine event reference. */
  readonly #inFlight = new Map<string, { op: MutableOp; entry: number }>();
  /** Entry index of each operation (both grow together, so this is sorted). */
  readonly #opEntry: number[] = [];
  #pos = 0;
  /**
   * A read-only tab records nothing to IndexedDB: the tab writing the rehearsal owns its history,
   * and saving this tab's copy would overwrite what that one saves. A tab whose engine died is
   * read-only until its new engine has the writer lock again; becoming the writer stores what
   * changed meanwhile.
   */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  set readOnly(readOnly: boolean) {
    const becameWriter = this.#readOnly && !readOnly;
    this.#readOnly = readOnly;
    if (becameWriter) this.#scheduleSaves();
    // Invocations waiting to be stored are not stored by this tab now: they must not be sent.
    if (readOnly) for (const w of this.#waiters.splice(0)) w.reject(new Error('this tab is not writing the rehearsal now'));
  }

  /** Chunks changed since the last compaction. */
  #dirty = new Set<number>();
  /** Operations and entries changed since the last log batch began. */
  #logOps = new Set<number>();
  #logEntries = new Set<number>();
  /** Changes counted as they happen; `#stored` is the count the log holds durably. */
  #changes = 0;
  #stored = 0;
  #nextLogSeq = 1;
  /** Log batches stored and not yet compacted (their keys' sequence numbers). */
  #logged: number[] = [];
  #logging: Promise<void> | undefined;
  #waiters: { readonly through: number; readonly resolve: () => void; readonly reject: (e: Error) => void }[] = [];
  /** Change count each invocation was made at, by token, until it is stored. */
  readonly #invokedAt = new Map<number, number>();
  #compactTimer: ReturnType<typeof setTimeout> | undefined;
  /** The compaction running now: compactions run one at a time. */
  #compacting: Promise<void> | undefined;
  #onChange: () => void;

  constructor(
    readonly rehearsalId: string,
    onChange: () => void,
    db: PageDb = openPageDb(),
  ) {
    this.#db = db;
    this.#onChange = onChange;
  }

  /** Loads what was saved for this rehearsal. */
  async load(): Promise<void> {
    const prefix = `${this.rehearsalId}/`;
    const chunkKeys = await this.#db.keys(`${prefix}c/`);
    const chunks = [...new Set(chunkKeys.map((k) => Number(k.slice(prefix.length + 2))))].filter(Number.isInteger).sort((a, b) => a - b);
    for (const n of chunks) {
      const saved = (await this.#db.get(`${prefix}c/${n}`)) as { entries: HistoryEntry[]; ops: MutableOp[] } | undefined;
      // Each by its own index: a chunk written short (a compaction refused) cannot shift the rest.
      for (const entry of saved?.entries ?? []) this.entries[entry.index] = entry;
      for (const op of saved?.ops ?? []) this.ops[op.index] = op;
    }
    // Then the log: what changed after the last compaction, replayed in order. A batch begun
    // before that compaction is older than the chunks and is skipped (it is deleted later).
    const compacted = Number((await this.#db.get(compactedKey(this.rehearsalId))) ?? 0);
    // New batches are numbered past every batch the chunks supersede, or a reload would skip them.
    this.#nextLogSeq = compacted + 1;
    for (const key of await this.#db.keys(`${prefix}log/`)) {
      const seq = Number(key.slice(prefix.length + 4));
      if (!Number.isInteger(seq)) continue;
      this.#logged.push(seq);
      this.#nextLogSeq = Math.max(this.#nextLogSeq, seq + 1);
      if (seq <= compacted) continue;
      const record = (await this.#db.get(key)) as LogRecord | undefined;
      for (const op of record?.ops ?? []) this.ops[op.index] = { ...op };
      for (const entry of record?.entries ?? []) this.entries[entry.index] = entry;
    }
    // A hole (an entry the log never got) would break every index after it: close it with a note.
    for (let i = 0; i < this.entries.length; i++) {
      if (this.entries[i] === undefined) this.entries[i] = { kind: 'event', index: i, at: 0, level: 'warning', message: 'a history entry was not saved before the page went away' };
    }
    for (const e of this.entries) if (e.kind === 'operation') this.#opEntry.push(e.index);
    // An operation the log never got (storage refused it and the page went away) was never sent.
    for (let i = 0; i < this.ops.length; i++) {
      if (this.ops[i] !== undefined) continue;
      const entry = this.entries[this.#opEntry[i] ?? -1];
      const known = entry?.kind === 'operation' ? entry : undefined;
      this.ops[i] = { index: i, name: known?.name ?? '?', kind: known?.access ?? 'write', params: (known?.params ?? {}) as Params, phase: known?.phase ?? 'old-only', invokedAt: known?.at ?? 0, invokedPos: 0, seed: false, outcome: 'fail', completedAt: known?.at ?? 0, completedPos: 0, note: `${NOT_RUN}: its invocation was not stored` };
    }
    this.#pos = this.ops.reduce((max, o) => Math.max(max, o.invokedPos + 1, (o.completedPos ?? 0) + 1), 0);
    // Whatever was in flight when the page went away is indeterminate now.
    for (const op of this.ops) {
      if (op.outcome === undefined) this.#settleIndeterminate(op, this.#opEntry[op.index], 'the page closed before it completed');
    }
    if (this.#logged.length > 0) for (let n = 0; n * CHUNK < this.entries.length; n++) this.#dirty.add(n);
    this.#changed();
  }

  /** Records an operation as invoked, before the engine is asked to run it; `stored(token)` says when that is durable. */
  invoke(name: string, kind: 'read' | 'write', params: Params, phase: Phase, at = Date.now(), seed = false): OpToken {
    const token = this.#invoke(name, kind, params, phase, at, seed);
    this.#changed();
    this.#invokedAt.set(token, this.#changes);
    return token;
  }

  /**
   * Resolves once the invocation of `token` is stored (at once in a read-only tab, which stores
   * nothing); rejects when storage refused it. Only then may the engine run the operation.
   */
  stored(token: OpToken): Promise<void> {
    const through = this.#invokedAt.get(token) ?? 0;
    if (this.readOnly || through <= this.#stored) {
      this.#invokedAt.delete(token);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => this.#waiters.push({ through, resolve, reject })).finally(() => this.#invokedAt.delete(token));
  }

  /** Whether the operation is still waiting for its answer (not settled as indeterminate by a crash meanwhile). */
  pending(token: OpToken): boolean {
    return this.#inFlight.has(`op:${token}`);
  }

  /** The operation was never sent to the engine (its invocation could not be stored first): it did not happen. */
  notRun(token: OpToken, why: string, at = Date.now()): void {
    const found = this.#inFlight.get(`op:${token}`);
    if (!found) return;
    this.#inFlight.delete(`op:${token}`);
    const op = found.op;
    const note = `${NOT_RUN}: ${why}`;
    op.outcome = 'fail';
    op.completedAt = at;
    op.completedPos = this.#pos++;
    op.note = note;
    this.#touchOp(op.index);
    const entry = this.entries[found.entry];
    if (entry?.kind === 'operation') this.#setEntry({ ...entry, outcome: 'fail', note });
    this.#changed();
  }

  /**
   * Seed operations the engine answered (a new rehearsal's seed data, run by the page). One cut
   * short or never sent does not count: seeding resumes with another in its place.
   */
  get seedOps(): number {
    return this.ops.reduce((n, o) => n + (o.seed && (o.outcome === 'ok' || (o.outcome === 'fail' && !o.note?.startsWith(NOT_RUN))) ? 1 : 0), 0);
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

  /** Applies a batch of worker events (another rehearsal's are ignored): the engine's log lines. */
  apply(events: readonly WorkerEvent[]): void {
    let changed = false;
    for (const e of events) {
      if ('rehearsalId' in e && e.rehearsalId !== this.rehearsalId) continue;
      switch (e.type) {
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

  /**
   * Compacts now (before the page goes away, before a check): the changed chunks are written and
   * the log they cover deleted, in one transaction. Never rejects: a failure is kept in
   * `saveError` and retried.
   */
  async flush(): Promise<void> {
    if (this.#compactTimer) clearTimeout(this.#compactTimer);
    this.#compactTimer = undefined;
    // One at a time: a compaction refused puts its chunks back, and the next one writes them.
    while (this.#compacting) await this.#compacting;
    this.#compacting = this.#compact().finally(() => (this.#compacting = undefined));
    await this.#compacting;
  }

  async #compact(): Promise<void> {
    if (this.readOnly) return;
    const chunks = [...this.#dirty];
    const covered = [...this.#logged];
    this.#dirty.clear();
    if (chunks.length === 0 && covered.length === 0) return;
    // The chunks hold everything in memory, so they supersede every log batch begun so far.
    const supersedes = this.#nextLogSeq - 1;
    try {
      await this.#db.write({
        set: [
          ...chunks.map((n) => {
            const entries = this.entries.slice(n * CHUNK, (n + 1) * CHUNK);
            // The operations whose entries fall in this chunk.
            const ops = this.ops.slice(lowerBound(this.#opEntry, n * CHUNK), lowerBound(this.#opEntry, (n + 1) * CHUNK));
            return [`${this.rehearsalId}/c/${n}`, { entries, ops }] as const;
          }),
          [compactedKey(this.rehearsalId), supersedes] as const,
        ],
        delete: covered.map((seq) => logKey(this.rehearsalId, seq)),
      });
      this.#logged = this.#logged.filter((seq) => !covered.includes(seq));
      this.saveError = null;
    } catch (e) {
      // Not saved: try again with the next change.
      for (const n of chunks) this.#dirty.add(n);
      this.saveError = `the history could not be saved: ${(e as Error).message}`;
    }
  }

  /** Resolves once every change so far is stored in the log (or storage refused it). */
  async logged(): Promise<void> {
    while (this.#logging) await this.#logging;
  }

  /** Keeps the last consistency report, so a reload shows it again (not in a read-only tab). */
  async saveConsistency(report: ConsistencyReport, at = Date.now()): Promise<void> {
    if (this.readOnly) return;
    try {
      await this.#db.write({ set: [[`${this.rehearsalId}/consistency`, { report, at }]] });
    } catch {
      // Only a convenience: the next verify makes a new one.
    }
  }

  /** The last consistency report saved for this rehearsal, with when verify made it, or null. */
  async loadConsistency(): Promise<{ report: ConsistencyReport; at: number } | null> {
    try {
      const saved = (await this.#db.get(`${this.rehearsalId}/consistency`)) as { report?: ConsistencyReport; at?: number } | undefined;
      return saved?.report && typeof saved.at === 'number' ? { report: saved.report, at: saved.at } : null;
    } catch {
      return null;
    }
  }

  /** Forgets this rehearsal's saved history (and its last consistency report). */
  async clear(): Promise<void> {
    await this.#db.write({ delete: await this.#db.keys(`${this.rehearsalId}/`) });
  }

  #invoke(name: string, kind: 'read' | 'write', params: Params, phase: Phase, at: number, seed: boolean): OpToken {
    const op: MutableOp = { index: this.ops.length, name, kind, params, phase, invokedAt: at, invokedPos: this.#pos++, seed };
    this.ops.push(op);
    this.#touchOp(op.index);
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
    this.#touchOp(found.op.index);
    const entry = this.entries[found.entry];
    if (entry?.kind === 'operation') this.#setEntry({ ...entry, outcome: result.outcome, result, ...(result.note ? { note: result.note } : {}) });
    return true;
  }

  #settleIndeterminate(op: MutableOp, entry: number | undefined, why: string): void {
    op.outcome = 'info';
    op.completedAt = Date.now();
    op.completedPos = this.#pos++;
    op.note = why;
    this.#touchOp(op.index);
    if (entry === undefined) return;
    const e = this.entries[entry];
    if (e?.kind === 'operation') this.#setEntry({ ...e, outcome: 'info', note: why });
  }

  #push(entry: HistoryEntry): void {
    this.entries.push(entry);
    this.#touchEntry(this.entries.length - 1);
  }

  #setEntry(entry: HistoryEntry): void {
    this.entries[entry.index] = entry;
    this.#touchEntry(entry.index);
  }

  #touchEntry(index: number): void {
    this.#dirty.add(Math.floor(index / CHUNK));
    this.#logEntries.add(index);
  }

  #touchOp(index: number): void {
    this.#logOps.add(index);
  }

  #changed(): void {
    this.revision++;
    this.#changes++;
    this.#scheduleSaves();
    this.#onChange();
  }

  #scheduleSaves(): void {
    if (this.readOnly) return;
    this.#logging ??= this.#logSoon();
    this.#compactTimer ??= setTimeout(() => void this.flush(), COMPACT_AFTER_MS);
  }

  /** Stores the changes made so far as one log batch, then the ones made meanwhile, until none is left. */
  async #logSoon(): Promise<void> {
    // Let the changes of this turn (a tick's invocations) gather into one batch.
    await Promise.resolve();
    try {
      // A tab that stopped being the writer stops here; what is left is stored when it writes again.
      while (!this.readOnly && (this.#logOps.size > 0 || this.#logEntries.size > 0)) {
        const through = this.#changes;
        // Copies: what this batch says is how things stand now; a later change goes in a later batch.
        const ops = [...this.#logOps].map((i) => this.ops[i]).filter((o): o is MutableOp => o !== undefined).map((o) => ({ ...o }));
        const entries = [...this.#logEntries].map((i) => this.entries[i]).filter((e): e is HistoryEntry => e !== undefined);
        this.#logOps.clear();
        this.#logEntries.clear();
        const seq = this.#nextLogSeq++;
        const record: LogRecord = { ops, entries };
        try {
          await this.#db.write({ set: [[logKey(this.rehearsalId, seq), record]] });
        } catch (e) {
          // Nothing of this batch is stored: every invocation waiting is refused (the runner does
          // not send it), and the changes go with the next batch, or into the next compaction.
          for (const o of ops) this.#logOps.add(o.index);
          for (const x of entries) this.#logEntries.add(x.index);
          this.saveError = `the history could not be saved: ${(e as Error).message}`;
          for (const w of this.#waiters.splice(0)) w.reject(new Error(this.saveError));
          return;
        }
        this.#logged.push(seq);
        this.#stored = Math.max(this.#stored, through);
        const done = this.#waiters.filter((w) => w.through <= this.#stored);
        this.#waiters = this.#waiters.filter((w) => w.through > this.#stored);
        for (const w of done) w.resolve();
      }
    } finally {
      this.#logging = undefined;
    }
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
