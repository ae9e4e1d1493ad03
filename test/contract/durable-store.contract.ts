/**
 * The durable-store contract (DESIGN.md section 5), as one suite any `KeyValueBackend` must pass:
 * the in-memory backend in Node today, IndexedDB in real Chromium next. Nothing here may import
 * Node-only code: the browser project runs this same file.
 *
 * Every backend write is observed through small wrappers (counting, gating, refusing), so the
 * suite proves the store's behaviour over *any* backend, not the quirks of one.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { corruptNewestSnapshot, damageSnapshot } from '../../src/engine/durability/corrupt.ts';
import { DurableStore, type DurableStoreOptions } from '../../src/engine/durability/durable-store.ts';
import {
  RecoveryError,
  SNAPSHOT_FORMAT,
  StorageError,
  type BackendWrite,
  type Digest,
  type DurabilityMode,
  type JournalEntry,
  type KeyValueBackend,
  type SnapshotRecord,
} from '../../src/engine/durability/types.ts';
import { CORRUPTIONS, type Corruption } from '../../src/engine/faults.ts';
import { createRandom } from '../../src/engine/random.ts';
import type { BoundStatement, Row, SqlDatabase, SqlEngine } from '../../src/engine/sql.ts';

export type BackendFactory = () => Promise<KeyValueBackend> | KeyValueBackend;

// ---------------------------------------------------------------------------------------------
// Backend wrappers: they work over any backend.

/** Passes everything to `inner`; the wrappers below override what they watch or change. */
class BackendWrapper implements KeyValueBackend {
  constructor(readonly inner: KeyValueBackend) {}

  get(key: string): Promise<unknown> {
    return this.inner.get(key);
  }

  keys(prefix: string): Promise<string[]> {
    return this.inner.keys(prefix);
  }

  write(change: BackendWrite): Promise<void> {
    return this.inner.write(change);
  }
}

/** Counts write transactions and remembers which keys each one set, and which are durable. */
export class ObservedBackend extends BackendWrapper {
  /** Every write handed to this backend, in call order (counted when called, not when done). */
  readonly started: BackendWrite[] = [];
  /** Writes the inner backend finished. */
  completed = 0;
  /** Every key read with `get`, in call order. */
  readonly gets: string[] = [];
  /** Keys whose write finished. */
  readonly durableKeys = new Set<string>();
  /** When set, each write waits for `release()` before reaching the inner backend. */
  #gated = false;
  #waiting: (() => void)[] = [];
  #waiters: (() => void)[] = [];

  override get(key: string): Promise<unknown> {
    this.gets.push(key);
    return this.inner.get(key);
  }

  /** Snapshot keys read with `get`, in call order. */
  snapshotGets(): string[] {
    return this.gets.filter((k) => k.includes('/s/'));
  }

  override async write(change: BackendWrite): Promise<void> {
    this.started.push(change);
    for (const w of this.#waiters.splice(0)) w();
    if (this.#gated) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    await this.inner.write(change);
    this.completed++;
    for (const [k] of change.set ?? []) this.durableKeys.add(k);
  }

  /** Holds every write from now on until released. */
  gate(): void {
    this.#gated = true;
  }

  /** Lets the writes held so far proceed (and stops holding new ones when `ungate`). */
  release(ungate = false): void {
    if (ungate) this.#gated = false;
    for (const r of this.#waiting.splice(0)) r();
  }

  /** Number of writes currently held at the gate. */
  get held(): number {
    return this.#waiting.length;
  }

  /** Resolves once at least `n` writes have been started. */
  async startedAtLeast(n: number): Promise<void> {
    while (this.started.length < n) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Journal entries (set keys under `/j/`) carried by each write, in call order. */
  journalBatches(): number[] {
    return this.started.map((w) => (w.set ?? []).filter(([k]) => k.includes('/j/')).length).filter((n) => n > 0);
  }
}

/** Refuses writes on demand, as a full quota does: the transaction fails and nothing of it is stored. */
export class RefusingBackend extends BackendWrapper {
  #refuse = 0;
  refused = 0;

  override async write(change: BackendWrite): Promise<void> {
    if (this.#refuse > 0) {
      this.#refuse--;
      this.refused++;
      // What IndexedDB throws is a DOMException, not the store's own error type.
      const error = new Error('The quota has been exceeded.');
      error.name = 'QuotaExceededError';
      throw error;
    }
    await this.inner.write(change);
  }

  /** Refuses the next `n` writes. */
  refuseNext(n: number): void {
    this.#refuse = n;
  }
}

/** A view of a backend that hides some keys from listing (to aim `corruptNewestSnapshot` at an older generation). */
class HidingBackend extends BackendWrapper {
  constructor(
    inner: KeyValueBackend,
    readonly hidden: readonly string[],
  ) {
    super(inner);
  }

  override async keys(prefix: string): Promise<string[]> {
    return (await this.inner.keys(prefix)).filter((k) => !this.hidden.includes(k));
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

let namespaceCounter = 0;
/** A namespace of its own per test, so a persistent backend (IndexedDB) never leaks state between tests. */
function freshNamespace(): string {
  namespaceCounter++;
  return `contract/${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${namespaceCounter}`;
}

/** Lets pending promise continuations and storage callbacks run (a macrotask turn; no timing assumed). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const FILE = 'main';
const CREATE: BoundStatement = { sql: 'CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)' };

/** The statements of journal entry `seq`: 1 creates the table; later ones insert, and every third rewrites an earlier row, so order matters. */
function statementsFor(seq: number): BoundStatement[] {
  if (seq === 1) return [CREATE];
  const out: BoundStatement[] = [{ sql: 'INSERT INTO t (k, v) VALUES (:k, :v)', params: { k: seq, v: `v${seq}` } }];
  if (seq % 3 === 0) out.push({ sql: 'UPDATE t SET v = v || :s WHERE k = :k', params: { k: seq - 1, s: `+${seq}` } });
  return out;
}

function entry(seq: number): JournalEntry {
  return { seq, statements: statementsFor(seq) };
}

/** The rows after entries 1..n, computed independently of the store. */
function expectedRows(n: number): Row[] {
  const rows = new Map<number, string>();
  for (let seq = 2; seq <= n; seq++) {
    rows.set(seq, `v${seq}`);
    if (seq % 3 === 0) rows.set(seq - 1, `${rows.get(seq - 1) ?? ''}+${seq}`);
  }
  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => ({ k, v }));
}

function rowsOf(db: SqlDatabase): Row[] {
  return db.query('SELECT k, v FROM t ORDER BY k');
}

function tablesOf(db: SqlDatabase): string[] {
  return db.query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).map((r) => String(r.name));
}

/** The database a writer holds in memory: committed entries applied, for checkpoints. */
class Writer {
  readonly db: SqlDatabase;
  seq = 0;

  constructor(sql: SqlEngine) {
    this.db = sql.open();
  }

  /** Commits entry seq+1 in memory and returns it (for `append`). */
  next(): JournalEntry {
    const e = entry(this.seq + 1);
    this.db.exec('BEGIN');
    for (const s of e.statements) this.db.run(s.sql, s.params);
    this.db.exec('COMMIT');
    this.seq = e.seq;
    return e;
  }

  /** Commits and appends `count` entries, waiting for each. */
  async appendMany(store: DurableStore, count: number, file = FILE): Promise<void> {
    for (let i = 0; i < count; i++) await store.append(file, this.next());
  }
}

/** Every stored key and value of one namespace, to prove that something changed nothing. */
async function dump(backend: KeyValueBackend, namespace: string): Promise<[string, unknown][]> {
  const keys = await backend.keys(`${namespace}/`);
  const out: [string, unknown][] = [];
  for (const k of keys) out.push([k, await backend.get(k)]);
  return out;
}

/** What `p` was rejected with, or undefined when it was fulfilled. */
function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** Whether a promise has settled by now (after letting pending work run). */
async function settledYet(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await nextTask();
  return done;
}

const PROBLEM_WORDS: Record<Corruption, RegExp> = {
  'bit-flip': /checksum/i,
  truncate: /truncated/i,
  empty: /empty/i,
  'not-sqlite': /not a SQLite database/i,
  'newer-format': /newer/i,
};

// ---------------------------------------------------------------------------------------------
// The contract

/**
 * Registers the durable-store contract for one backend. `makeBackend` must return an empty
 * backend (or one whose other namespaces do not matter: each test uses a namespace of its own).
 */
export function durableStoreContract(name: string, makeBackend: BackendFactory, loadSql: () => Promise<SqlEngine>, digest: Digest): void {
  interface Setup<B extends KeyValueBackend = KeyValueBackend> {
    readonly sql: SqlEngine;
    /** The backend under test, inside the wrapper the test asked for (observing, refusing). */
    readonly backend: B;
    readonly namespace: string;
    readonly clock: VirtualClock;
    /** A store over `backend` (a new instance each call: a new incarnation after a crash). */
    store(mode?: DurabilityMode, overrides?: Partial<DurableStoreOptions>): DurableStore;
    /** The backend key of journal entry `seq` of `file`. */
    journalKey(seq: number, file?: string): string;
  }

  function setup(): Promise<Setup>;
  function setup<B extends KeyValueBackend>(wrap: (b: KeyValueBackend) => B): Promise<Setup<B>>;
  async function setup(wrap?: (b: KeyValueBackend) => KeyValueBackend): Promise<Setup> {
    const sql = await loadSql();
    const base = await makeBackend();
    const backend = wrap ? wrap(base) : base;
    const namespace = freshNamespace();
    const clock = new VirtualClock(0);
    return {
      sql,
      backend,
      namespace,
      clock,
      store: (mode = 'strict', overrides = {}) => new DurableStore({ backend, namespace, mode, digest, clock, ...overrides }),
      journalKey: (seq, file = FILE) => `${namespace}/f/${file}/j/${String(seq).padStart(12, '0')}`,
    };
  }

  /** What a new incarnation recovers of `file`, as a plain value (its table's rows read, none before entry 1, and the database closed). */
  async function recovered(s: Setup, file = FILE): Promise<{ seq: number; generation: number; replayed: number; fresh: boolean; problems: readonly string[]; rows: Row[] }> {
    const r = await s.store().recover(file, s.sql);
    try {
      return { seq: r.seq, generation: r.generation, replayed: r.replayed, fresh: r.fresh, problems: r.problems, rows: tablesOf(r.db).includes('t') ? rowsOf(r.db) : [] };
    } finally {
      r.db.close();
    }
  }

  /** Two checkpoints with journal entries around them: gen 1 at seq 3, gen 2 at seq 5, entries up to 7. */
  async function twoGenerations(s: Setup): Promise<{ store: DurableStore; writer: Writer }> {
    const store = s.store();
    const writer = new Writer(s.sql);
    await writer.appendMany(store, 3);
    await store.checkpoint(FILE, writer.db.export(), writer.seq);
    await writer.appendMany(store, 2);
    await store.checkpoint(FILE, writer.db.export(), writer.seq);
    await writer.appendMany(store, 2);
    return { store, writer };
  }

  describe(`durable store contract on ${name}`, () => {
    describe('journal and recovery', () => {
      it('recovers a store that never stored anything as an empty, fresh database', async () => {
        const s = await setup();
        const r = await s.store().recover(FILE, s.sql);
        expect(r.fresh).toBe(true);
        expect(r.seq).toBe(0);
        expect(r.generation).toBe(0);
        expect(r.replayed).toBe(0);
        expect(r.problems).toEqual([]);
        expect(tablesOf(r.db)).toEqual([]);
        r.db.close();
      });

      it('replays appended transactions in order after a restart', async () => {
        const s = await setup();
        const writer = new Writer(s.sql);
        await writer.appendMany(s.store(), 9);

        const r = await recovered(s);
        expect(r.fresh).toBe(false);
        expect(r.seq).toBe(9);
        expect(r.generation).toBe(0);
        expect(r.replayed).toBe(9);
        expect(r.problems).toEqual([]);
        // Entry 9 rewrites the row entry 8 inserted: only an in-order replay gives "v8+9".
        expect(r.rows).toEqual(expectedRows(9));
        expect(r.rows).toContainEqual({ k: 8, v: 'v8+9' });
      });

      it('replays a journal entry that replaces the whole database (a restored backup), then the entries after it', async () => {
        const s = await setup();
        const store = s.store();
        const writer = new Writer(s.sql);
        await writer.appendMany(store, 3);
        // The image restored: a database as it was after entries 1 and 2 only.
        const backup = new Writer(s.sql);
        backup.next();
        backup.next();
        await store.append(FILE, { seq: 4, statements: [], image: backup.db.export() });
        await store.append(FILE, entry(5));

        const r = await recovered(s);
        expect(r.seq).toBe(5);
        expect(r.rows).toEqual([...expectedRows(2), { k: 5, v: 'v5' }]);
        backup.db.close();
      });

      it('keeps the journals of different files apart', async () => {
        const s = await setup();
        const store = s.store();
        const a = new Writer(s.sql);
        const b = new Writer(s.sql);
        await a.appendMany(store, 4, 'old');
        await b.appendMany(store, 2, 'new');

        const again = s.store();
        const ra = await again.recover('old', s.sql);
        const rb = await again.recover('new', s.sql);
        expect([ra.seq, rb.seq]).toEqual([4, 2]);
        expect(rowsOf(ra.db)).toEqual(expectedRows(4));
        expect(rowsOf(rb.db)).toEqual(expectedRows(2));
        ra.db.close();
        rb.db.close();
      });

      it('keeps rehearsals in different namespaces apart on one backend', async () => {
        const s = await setup();
        await new Writer(s.sql).appendMany(s.store(), 3);
        const other = new DurableStore({ backend: s.backend, namespace: freshNamespace(), mode: 'strict', digest, clock: s.clock });
        const r = await other.recover(FILE, s.sql);
        expect(r.fresh).toBe(true);
        expect(r.seq).toBe(0);
        r.db.close();
      });

      it('refuses to rebuild a file whose journal has a gap, and changes nothing', async () => {
        const s = await setup();
        await new Writer(s.sql).appendMany(s.store(), 5);
        const keys = await s.backend.keys(`${s.namespace}/f/${FILE}/j/`);
        const third = keys[2];
        expect(third).toBeDefined();
        await s.backend.write({ delete: [third as string] });
        const before = await dump(s.backend, s.namespace);

        const error = await rejection(s.store().recover(FILE, s.sql));
        expect(error).toBeInstanceOf(RecoveryError);
        expect((error as RecoveryError).message).toMatch(/jumps from entry 2 to 4/);
        expect(await dump(s.backend, s.namespace)).toEqual(before);
      });
    });

    describe('checkpoints', () => {
      it('recovers from the snapshot plus the journal entries after it', async () => {
        const s = await setup();
        const store = s.store();
        const writer = new Writer(s.sql);
        await writer.appendMany(store, 6);
        const info = await store.checkpoint(FILE, writer.db.export(), writer.seq);
        expect(info).toMatchObject({ generation: 1, seq: 6 });
        await writer.appendMany(store, 3);

        const r = await recovered(s);
        expect(r.generation).toBe(1);
        expect(r.seq).toBe(9);
        expect(r.replayed).toBe(3);
        expect(r.problems).toEqual([]);
        expect(r.rows).toEqual(expectedRows(9));
      });

      it('stores each snapshot with its generation, format version and SHA-256 checksum', async () => {
        const s = await setup();
        const store = s.store();
        const writer = new Writer(s.sql);
        await writer.appendMany(store, 4);
        const bytes = writer.db.export();
        await store.checkpoint(FILE, bytes, writer.seq);

        const keys = await s.backend.keys(`${s.namespace}/f/${FILE}/s/`);
        expect(keys).toHaveLength(1);
        const record = (await s.backend.get(keys[0] as string)) as SnapshotRecord;
        expect(record.format).toBe(SNAPSHOT_FORMAT);
        expect(record.generation).toBe(1);
        expect(record.seq).toBe(4);
        expect(record.byteLength).toBe(bytes.length);
        expect(record.checksum).toBe(await digest(bytes));
        expect(record.checksum).toMatch(/^[0-9a-f]{64}$/);
      });

      it('trims the journal only up to the previous generation, and keeps two generations', async () => {
        const s = await setup();
        const store = s.store();
        const writer = new Writer(s.sql);

        await writer.appendMany(store, 4);
        const first = await store.checkpoint(FILE, writer.db.export(), writer.seq);
        // No previous generation: nothing may be trimmed yet.
        expect(first.trimmed).toBe(0);
        expect(await store.describeFile(FILE)).toEqual({ generations: [1], journal: [1, 2, 3, 4] });

        await writer.appendMany(store, 3);
        const second = await store.checkpoint(FILE, writer.db.export(), writer.seq);
        expect(second.trimmed).toBe(4);
        expect(await store.describeFile(FILE)).toEqual({ generations: [2, 1], journal: [5, 6, 7] });

        await writer.appendMany(store, 2);
        const third = await store.checkpoint(FILE, writer.db.export(), writer.seq);
        expect(third.trimmed).toBe(3);
        expect(await store.describeFile(FILE)).toEqual({ generations: [3, 2], journal: [8, 9] });

        const r = await recovered(s);
        expect(r.generation).toBe(3);
        expect(r.seq).toBe(9);
        expect(r.rows).toEqual(expectedRows(9));
      });

      it('does not write a snapshot covering an entry that is not stored yet', async () => {
        const s = await setup((b) => new ObservedBackend(b));
        const { backend } = s;
        const store = s.store();
        const writer = new Writer(s.sql);
        await writer.appendMany(store, 2);

        backend.gate();
        const append = store.append(FILE, writer.next());
        const checkpoint = store.checkpoint(FILE, writer.db.export(), writer.seq);
        await backend.startedAtLeast(3);
        await nextTask();
        // Only the append's write has started: the snapshot waits for it.
        expect(backend.started).toHaveLength(3);
        expect(backend.started.some((w) => (w.set ?? []).some(([k]) => k.includes('/s/')))).toBe(false);
        backend.release(true);
        await append;
        await checkpoint;
        expect(await store.describeFile(FILE)).toMatchObject({ generations: [1] });
      });
    });

    describe('corrupt snapshots', () => {
      for (const corruption of CORRUPTIONS) {
        it(`falls back one generation without losing a committed change when the newest snapshot is ${corruption}`, async () => {
          const s = await setup();
          const { writer } = await twoGenerations(s);
          const done = await corruptNewestSnapshot(s.backend, s.namespace, FILE, corruption, createRandom(`contract-${corruption}`));
          expect(done?.generation).toBe(2);

          const r = await recovered(s);
          expect(r.generation).toBe(1);
          expect(r.seq).toBe(writer.seq);
          expect(r.replayed).toBe(writer.seq - 3);
          expect(r.rows).toEqual(expectedRows(writer.seq));
          const named = r.problems.find((p) => /generation 2/.test(p));
          expect(named, `problems: ${JSON.stringify(r.problems)}`).toBeDefined();
          expect(named).toMatch(PROBLEM_WORDS[corruption]);
          expect(r.problems.join('\n')).toMatch(/recovered "main" from snapshot generation 1/);
        });
      }

      it('rebuilds from the whole journal when the only snapshot is corrupt and nothing was trimmed yet', async () => {
        const s = await setup();
        const store = s.store();
        const writer = new Writer(s.sql);
        await writer.appendMany(store, 4);
        await store.checkpoint(FILE, writer.db.export(), writer.seq);
        await writer.appendMany(store, 2);
        await corruptNewestSnapshot(s.backend, s.namespace, FILE, 'empty', createRandom(5));

        const r = await recovered(s);
        expect(r.generation).toBe(0);
        expect(r.fresh).toBe(false);
        expect(r.seq).toBe(6);
        expect(r.replayed).toBe(6);
        expect(r.rows).toEqual(expectedRows(6));
        expect(r.problems.join('\n')).toMatch(/generation 1 .*empty/);
        expect(r.problems.join('\n')).toMatch(/replaying 6 journal entries from the start/);
      });

      it('never deletes or overwrites a snapshot of a newer format while checkpointing on', async () => {
        const s = await setup();
        const { writer } = await twoGenerations(s);
        const done = await corruptNewestSnapshot(s.backend, s.namespace, FILE, 'newer-format', createRandom(1));
        const key = done?.key as string;
        const stored = await s.backend.get(key);
        expect((stored as SnapshotRecord).format).toBe(SNAPSHOT_FORMAT + 1);

        const store = s.store();
        const r = await store.recover(FILE, s.sql);
        expect(r.problems.join('\n')).toMatch(/kept untouched/);
        r.db.close();
        for (let i = 0; i < 3; i++) {
          await writer.appendMany(store, 2);
          await store.checkpoint(FILE, writer.db.export(), writer.seq);
        }
        expect(await s.backend.keys(`${s.namespace}/f/${FILE}/s/`), 'the newer-format generation 2 must still be stored').toContain(key);
        expect(await s.backend.get(key)).toEqual(stored);

        const again = await recovered(s);
        expect(again.rows).toEqual(expectedRows(writer.seq));
      });

      it('keeps a snapshot of a newer format after a restart too, when a newer generation hides it from recovery', async () => {
        const s = await setup();
        const { writer } = await twoGenerations(s);
        const done = await corruptNewestSnapshot(s.backend, s.namespace, FILE, 'newer-format', createRandom(2));
        const key = done?.key as string;
        const stored = await s.backend.get(key);

        // First incarnation: sees the newer format, checkpoints past it.
        const first = s.store();
        (await first.recover(FILE, s.sql)).db.close();
        await writer.appendMany(first, 2);
        await first.checkpoint(FILE, writer.db.export(), writer.seq);

        // A restart: recovery stops at the newest valid generation and never reads the newer-format one.
        const second = s.store();
        (await second.recover(FILE, s.sql)).db.close();
        for (let i = 0; i < 2; i++) {
          await writer.appendMany(second, 2);
          await second.checkpoint(FILE, writer.db.export(), writer.seq);
        }
        expect(await s.backend.keys(`${s.namespace}/f/${FILE}/s/`), 'the newer-format generation 2 must still be stored').toContain(key);
        expect(await s.backend.get(key)).toEqual(stored);
      });

      for (const corruption of CORRUPTIONS) {
        it(`never trims the journal back to a snapshot that was written ${corruption}: a later corrupt generation still recovers`, async () => {
          const s = await setup();
          const store = s.store();
          const writer = new Writer(s.sql);
          await writer.appendMany(store, 3);
          await store.checkpoint(FILE, writer.db.export(), writer.seq); // generation 1, good
          // Generation 2 is written damaged (the snapshot-corrupt fault) in this same incarnation.
          const random = createRandom(`written-${corruption}`);
          const damaging = s.store('strict', { damageSnapshot: (record) => damageSnapshot(record, corruption, random) });
          await writer.appendMany(damaging, 2);
          await damaging.checkpoint(FILE, writer.db.export(), writer.seq);
          // More checkpoints: each must keep a good generation and the journal since it.
          await writer.appendMany(damaging, 2);
          await store.checkpoint(FILE, writer.db.export(), writer.seq); // generation 3
          await writer.appendMany(store, 1);
          // Then the newest is damaged at rest too.
          const newest = await corruptNewestSnapshot(s.backend, s.namespace, FILE, 'bit-flip', createRandom(9));
          expect(newest?.generation).toBe(3);

          const r = await recovered(s);
          expect(r.seq).toBe(writer.seq);
          expect(r.rows).toEqual(expectedRows(writer.seq));
          expect(r.generation).toBe(1);
          expect(r.problems.join('\n')).toMatch(/generation 3/);
          expect(r.problems.join('\n')).toMatch(/generation 2/);
        });
      }

      describe('generations known good without reading them back', () => {
        const snapshotKey = (s: Setup, generation: number, seq: number): string =>
          `${s.namespace}/f/${FILE}/s/${String(generation).padStart(8, '0')}-${String(seq).padStart(12, '0')}`;

        it('a checkpoint reads back no generation this store wrote itself, and keeps the same generations and journal', async () => {
          const s = await setup((b) => new ObservedBackend(b));
          const store = s.store();
          const writer = new Writer(s.sql);
          for (const n of [3, 2, 2, 2]) {
            await writer.appendMany(store, n);
            await store.checkpoint(FILE, writer.db.export(), writer.seq);
          }
          expect(s.backend.snapshotGets()).toEqual([]);
          expect(await store.describeFile(FILE)).toEqual({ generations: [4, 3], journal: [8, 9] });
          const r = await recovered(s);
          expect(r).toMatchObject({ generation: 4, seq: 9, problems: [] });
          expect(r.rows).toEqual(expectedRows(9));
        });

        it('after a restart it reads each generation once: recovery checks the one it uses, the first checkpoint looks at the older one before deleting it, later ones read none', async () => {
          const s = await setup((b) => new ObservedBackend(b));
          const { writer } = await twoGenerations(s); // generation 1 at entry 3, 2 at entry 5, entries up to 7
          s.backend.gets.length = 0;
          const store = s.store();
          const r = await store.recover(FILE, s.sql);
          r.db.close();
          expect(s.backend.snapshotGets()).toEqual([snapshotKey(s, 2, 5)]);
          await writer.appendMany(store, 2);
          await store.checkpoint(FILE, writer.db.export(), writer.seq);
          expect(s.backend.snapshotGets()).toEqual([snapshotKey(s, 2, 5), snapshotKey(s, 1, 3)]);
          await writer.appendMany(store, 2);
          await store.checkpoint(FILE, writer.db.export(), writer.seq);
          expect(s.backend.snapshotGets()).toEqual([snapshotKey(s, 2, 5), snapshotKey(s, 1, 3)]);
          expect(await store.describeFile(FILE)).toEqual({ generations: [4, 3], journal: [10, 11] });
        });

        for (const corruption of CORRUPTIONS) {
          it(`the same store reads back a generation its fault hook wrote ${corruption}, and never trims the journal back to it`, async () => {
            const s = await setup((b) => new ObservedBackend(b));
            const random = createRandom(`same-store-${corruption}`);
            const store = s.store('strict', { damageSnapshot: (record) => (record.generation === 2 ? damageSnapshot(record, corruption, random) : undefined) });
            const writer = new Writer(s.sql);
            for (const n of [3, 2, 2]) {
              await writer.appendMany(store, n);
              await store.checkpoint(FILE, writer.db.export(), writer.seq);
            }
            // Generation 3's checkpoint read generation 2 back (it was damaged as it was written), not generation 1.
            expect(s.backend.snapshotGets()).toEqual([snapshotKey(s, 2, 5)]);
            await writer.appendMany(store, 1);
            const newest = await corruptNewestSnapshot(s.backend, s.namespace, FILE, 'bit-flip', createRandom(9));
            expect(newest?.generation).toBe(3);
            const r = await recovered(s);
            expect(r.generation).toBe(1);
            expect(r.seq).toBe(writer.seq);
            expect(r.rows).toEqual(expectedRows(writer.seq));
          });
        }

        it('a generation damaged at rest after this store wrote it: once told (snapshotChanged), the next checkpoint reads it back and keeps the one before', async () => {
          const s = await setup();
          const store = s.store();
          const writer = new Writer(s.sql);
          for (const n of [3, 2]) {
            await writer.appendMany(store, n);
            await store.checkpoint(FILE, writer.db.export(), writer.seq);
          }
          const damaged = await corruptNewestSnapshot(s.backend, s.namespace, FILE, 'bit-flip', createRandom(11));
          expect(damaged?.generation).toBe(2);
          store.snapshotChanged(damaged?.key as string);
          await writer.appendMany(store, 2);
          await store.checkpoint(FILE, writer.db.export(), writer.seq);
          // Generation 2 failed its check, so generation 1 is the one kept, with the journal since it.
          expect(await store.describeFile(FILE)).toEqual({ generations: [3, 2, 1], journal: [4, 5, 6, 7] });
          await writer.appendMany(store, 1);
          const newest = await corruptNewestSnapshot(s.backend, s.namespace, FILE, 'truncate', createRandom(12));
          expect(newest?.generation).toBe(3);
          const r = await recovered(s);
          expect(r.generation).toBe(1);
          expect(r.seq).toBe(8);
          expect(r.rows).toEqual(expectedRows(8));
        });

        it('not told, it trusts what it wrote: when that generation and the newer one are both damaged, recovery refuses and changes nothing rather than rebuild without committed changes', async () => {
          const s = await setup();
          const store = s.store();
          const writer = new Writer(s.sql);
          for (const n of [3, 2]) {
            await writer.appendMany(store, n);
            await store.checkpoint(FILE, writer.db.export(), writer.seq);
          }
          await corruptNewestSnapshot(s.backend, s.namespace, FILE, 'bit-flip', createRandom(13));
          await writer.appendMany(store, 2);
          await store.checkpoint(FILE, writer.db.export(), writer.seq);
          // Trimmed up to generation 2, which this store wrote: the documented limit (design notes).
          expect(await store.describeFile(FILE)).toEqual({ generations: [3, 2], journal: [6, 7] });
          await corruptNewestSnapshot(s.backend, s.namespace, FILE, 'truncate', createRandom(14));
          const before = await dump(s.backend, s.namespace);
          const error = await rejection(s.store().recover(FILE, s.sql));
          expect(error).toBeInstanceOf(RecoveryError);
          expect((error as RecoveryError).message).toMatch(/nothing was changed/);
          expect(await dump(s.backend, s.namespace)).toEqual(before);
        });
      });

      it('refuses to rebuild when every snapshot is corrupt and the journal was trimmed, changing nothing', async () => {
        const s = await setup();
        const store = s.store();
        const writer = new Writer(s.sql);
        for (const n of [3, 2, 2]) {
          await writer.appendMany(store, n);
          await store.checkpoint(FILE, writer.db.export(), writer.seq);
        }
        await writer.appendMany(store, 1);
        // Generations 3 and 2 are left; the journal starts after generation 2.
        expect(await store.describeFile(FILE)).toEqual({ generations: [3, 2], journal: [6, 7, 8] });
        const newest = await corruptNewestSnapshot(s.backend, s.namespace, FILE, 'bit-flip', createRandom(3));
        expect(newest?.generation).toBe(3);
        const older = await corruptNewestSnapshot(new HidingBackend(s.backend, [newest?.key as string]), s.namespace, FILE, 'truncate', createRandom(4));
        expect(older?.generation).toBe(2);
        const before = await dump(s.backend, s.namespace);

        for (let attempt = 0; attempt < 2; attempt++) {
          const error = await s.store().recover(FILE, s.sql).then(
            (r) => {
              const tables = tablesOf(r.db);
              r.db.close();
              return new Error(`recovered up to entry ${r.seq} into a database with tables [${tables.join(', ')}] instead of refusing`);
            },
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(RecoveryError);
          const problems = (error as RecoveryError).problems.join('\n');
          expect(problems).toMatch(/generation 3 .*checksum/);
          expect(problems).toMatch(/generation 2 .*truncated/);
          expect((error as RecoveryError).message).toMatch(/nothing was changed/);
          expect(await dump(s.backend, s.namespace)).toEqual(before);
        }
      });
    });

    describe('durability modes', () => {
      it('strict: acknowledges an append only after its backend write finished, one write per entry', async () => {
        const s = await setup((b) => new ObservedBackend(b));
        const { backend } = s;
        const store = s.store('strict');
        const writer = new Writer(s.sql);
        backend.gate();

        const appends = [1, 2, 3].map(() => store.append(FILE, writer.next()));
        const acked: number[] = [];
        const ackedBeforeDurable: number[] = [];
        appends.forEach((p, i) => {
          void p.then(() => {
            // Whatever resolves must already be durable.
            if (!backend.durableKeys.has(s.journalKey(i + 1))) ackedBeforeDurable.push(i + 1);
            acked.push(i + 1);
          });
        });
        await backend.startedAtLeast(1);
        expect(await settledYet(appends[0] as Promise<void>)).toBe(false);
        expect(acked).toEqual([]);
        expect(backend.held).toBe(1);

        backend.release(true);
        await Promise.all(appends);
        expect(acked).toEqual([1, 2, 3]);
        expect(ackedBeforeDurable).toEqual([]);
        expect(backend.journalBatches()).toEqual([1, 1, 1]);
      });

      it('group: stores several entries in one backend write and acknowledges each after its batch', async () => {
        const s = await setup((b) => new ObservedBackend(b));
        const { backend } = s;
        const store = s.store('group');
        const writer = new Writer(s.sql);
        backend.gate();

        const appends = Array.from({ length: 8 }, () => store.append(FILE, writer.next()));
        let ackedEarly = false;
        appends.forEach((p, i) => {
          void p.then(() => {
            if (!backend.durableKeys.has(s.journalKey(i + 1))) ackedEarly = true;
          });
        });
        await backend.startedAtLeast(1);
        await nextTask();
        expect(await settledYet(Promise.race(appends))).toBe(false);

        backend.release(true);
        await Promise.all(appends);
        expect(ackedEarly).toBe(false);
        const batches = backend.journalBatches();
        expect(batches.reduce((a, b) => a + b, 0)).toBe(8);
        expect(batches.length).toBeLessThan(8);
        expect(Math.max(...batches)).toBeGreaterThan(1);

        const r = await recovered(s);
        expect(r.seq).toBe(8);
        expect(r.rows).toEqual(expectedRows(8));
      });

      it('group: never puts more entries in one write than the group limit', async () => {
        const s = await setup((b) => new ObservedBackend(b));
        const { backend } = s;
        const store = s.store('group', { groupMaxEntries: 3 });
        const writer = new Writer(s.sql);
        await Promise.all(Array.from({ length: 10 }, () => store.append(FILE, writer.next())));
        const batches = backend.journalBatches();
        expect(batches.reduce((a, b) => a + b, 0)).toBe(10);
        expect(Math.max(...batches)).toBeLessThanOrEqual(3);
        expect(Math.max(...batches)).toBeGreaterThan(1);
      });

      it('unsafe-ack-first: acknowledges at once and stores only when its timer fires', async () => {
        const s = await setup((b) => new ObservedBackend(b));
        const { backend } = s;
        const store = s.store('unsafe-ack-first', { unsafeFlushDelayMs: 50 });
        const writer = new Writer(s.sql);

        await store.append(FILE, writer.next());
        await store.append(FILE, writer.next());
        expect(backend.started).toHaveLength(0);
        expect(store.pendingEntries).toBe(2);

        await s.clock.sleep(49);
        expect(backend.started).toHaveLength(0);
        await s.clock.sleep(1);
        expect(backend.started.length).toBeGreaterThan(0);
        await store.durable(FILE);
        expect(store.pendingEntries).toBe(0);

        const r = await recovered(s);
        expect(r.seq).toBe(2);
      });

      it('unsafe-ack-first: a crash loses acknowledged entries that were not flushed and reports each of them', async () => {
        const s = await setup();
        const store = s.store('unsafe-ack-first');
        const writer = new Writer(s.sql);
        const lost: { file: string; seqs: readonly number[]; error: StorageError }[] = [];
        store.onLostAck((file, seqs, error) => lost.push({ file, seqs, error }));

        await writer.appendMany(store, 3);
        await store.durable();
        await writer.appendMany(store, 2);
        store.dispose();

        await expect.poll(() => lost.flatMap((l) => l.seqs).sort()).toEqual([4, 5]);
        expect(lost.every((l) => l.file === FILE && l.error instanceof StorageError)).toBe(true);
        // The dead incarnation's flush timer is gone: time passing stores nothing.
        await s.clock.sleep(1000);

        const r = await recovered(s);
        expect(r.seq).toBe(3);
        expect(r.rows).toEqual(expectedRows(3));
      });

      it('strict: a crash before an entry reached the backend rejects its append instead of acknowledging it', async () => {
        const s = await setup((b) => new ObservedBackend(b));
        const { backend } = s;
        const store = s.store('strict');
        const writer = new Writer(s.sql);
        await writer.appendMany(store, 2);
        const lost: number[] = [];
        store.onLostAck((_f, seqs) => lost.push(...seqs));

        backend.gate();
        const inFlight = store.append(FILE, writer.next());
        const queued = store.append(FILE, writer.next());
        await backend.startedAtLeast(3);
        store.dispose();
        await expect(queued).rejects.toBeInstanceOf(StorageError);
        backend.release(true);
        const inFlightStored = await inFlight.then(
          () => true,
          () => false,
        );

        const r = await recovered(s);
        // The in-flight entry is stored exactly when it was acknowledged; the queued one never is.
        expect(r.seq).toBe(inFlightStored ? 3 : 2);
        expect(lost).toEqual([]);
      });
    });

    describe('refused writes (quota)', () => {
      for (const mode of ['strict', 'group'] as const) {
        it(`${mode}: rejects a refused append with StorageError, refuses the file's later appends until cleared, and keeps the durable state`, async () => {
          const s = await setup((b) => new RefusingBackend(b));
          const { backend } = s;
          const store = s.store(mode);
          const writer = new Writer(s.sql);
          await writer.appendMany(store, 3);

          backend.refuseNext(1);
          const refused = await rejection(store.append(FILE, writer.next()));
          expect(refused).toBeInstanceOf(StorageError);
          expect((refused as StorageError).message).toMatch(/quota/i);
          expect(store.isBroken(FILE)).toBe(true);

          // Storage would accept now, but entry 5 would leave a gap: it is refused too, and not stored.
          const later = await rejection(store.append(FILE, entry(5)));
          expect(later).toBeInstanceOf(StorageError);
          expect(await store.describeFile(FILE)).toMatchObject({ journal: [1, 2, 3] });
          // Other files are not affected.
          await store.append('other', entry(1));

          const r = await store.recover(FILE, s.sql);
          expect(r.seq).toBe(3);
          expect(rowsOf(r.db)).toEqual(expectedRows(3));
          // Still broken until the caller has swapped the rebuilt database in: a commit in
          // between would run on the stale one.
          expect(store.isBroken(FILE)).toBe(true);
          r.db.close();
          const elsewhere = await recovered(s);
          expect(elsewhere.seq).toBe(3);

          store.clearBroken(FILE);
          expect(store.isBroken(FILE)).toBe(false);
          await store.append(FILE, entry(4));
          const after = await recovered(s);
          expect(after.seq).toBe(4);
          expect(after.rows).toEqual(expectedRows(4));
        });
      }

      it('group: a refused batch rejects every entry of that file queued behind it', async () => {
        const s = await setup((b) => new RefusingBackend(b));
        const { backend } = s;
        const store = s.store('group');
        const writer = new Writer(s.sql);
        await writer.appendMany(store, 3);

        backend.refuseNext(1);
        const results = await Promise.allSettled([store.append(FILE, writer.next()), store.append(FILE, writer.next()), store.append(FILE, writer.next())]);
        expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StorageError);
        expect(backend.refused).toBe(1);

        const r = await recovered(s);
        expect(r.seq).toBe(3);
      });

      it('refuses to checkpoint past an entry storage refused', async () => {
        const s = await setup((b) => new RefusingBackend(b));
        const { backend } = s;
        const store = s.store('strict');
        const writer = new Writer(s.sql);
        await writer.appendMany(store, 3);

        backend.refuseNext(1);
        await expect(store.append(FILE, writer.next())).rejects.toBeInstanceOf(StorageError);
        // The writer's memory holds entry 4; a snapshot of it would make a refused change durable.
        await expect(store.checkpoint(FILE, writer.db.export(), writer.seq)).rejects.toBeInstanceOf(StorageError);
        expect(await store.describeFile(FILE)).toEqual({ generations: [], journal: [1, 2, 3] });
      });

      it('unsafe-ack-first: reports acknowledged entries that storage then refused', async () => {
        const s = await setup((b) => new RefusingBackend(b));
        const { backend } = s;
        const store = s.store('unsafe-ack-first');
        const lost: number[] = [];
        store.onLostAck((_f, seqs) => lost.push(...seqs));
        const writer = new Writer(s.sql);

        backend.refuseNext(1);
        await writer.appendMany(store, 2);
        await store.settled();
        await expect.poll(() => [...lost].sort()).toEqual([1, 2]);
        expect(store.isBroken(FILE)).toBe(true);
        const r = await recovered(s);
        expect(r.seq).toBe(0);
      });
    });

    describe('meta and backups', () => {
      it('round-trips control values across a restart, and reads a missing one as undefined', async () => {
        const s = await setup();
        const value = { phase: 'shadow', opens: 3, nested: { list: [1, 'two', null], flag: true } };
        await s.store().writeMeta('control', value);
        await s.store().writeMeta('other', 'x');
        await s.store().writeMeta('other', 'y');

        const again = s.store();
        expect(await again.readMeta('control')).toEqual(value);
        expect(await again.readMeta('other')).toBe('y');
        expect(await again.readMeta('missing')).toBeUndefined();
      });

      it('keeps the previous control value when storage refuses the new one', async () => {
        const s = await setup((b) => new RefusingBackend(b));
        const store = s.store();
        await store.writeMeta('control', { phase: 'dual-write' });
        s.backend.refuseNext(1);
        await expect(store.writeMeta('control', { phase: 'shadow' })).rejects.toThrow(/quota/i);
        expect(await s.store().readMeta('control')).toEqual({ phase: 'dual-write' });
      });

      it('round-trips a backup with its bytes, checksum and facts', async () => {
        const s = await setup();
        const writer = new Writer(s.sql);
        for (let i = 0; i < 5; i++) writer.next();
        const bytes = writer.db.export();
        await s.store().writeBackup('before-drop-1', bytes, { phase: 'new-only', versionHigh: 42 });

        const again = s.store();
        expect(await again.listBackups()).toEqual(['before-drop-1']);
        const backup = await again.readBackup('before-drop-1');
        expect(backup.format).toBe(SNAPSHOT_FORMAT);
        expect(backup.byteLength).toBe(bytes.length);
        expect(backup.checksum).toBe(await digest(bytes));
        expect(backup.info).toEqual({ phase: 'new-only', versionHigh: 42 });
        expect(new Uint8Array(backup.bytes)).toEqual(bytes);
        const db = s.sql.open(backup.bytes);
        expect(rowsOf(db)).toEqual(expectedRows(5));
        db.close();
      });

      it('refuses a backup that does not exist, naming it', async () => {
        const s = await setup();
        const error = await rejection(s.store().readBackup('nope'));
        expect(error).toBeInstanceOf(RecoveryError);
        expect((error as RecoveryError).message).toMatch(/"nope"/);
      });

      const backupDamage: Record<Corruption, { damage: (r: SnapshotRecord) => object; says: RegExp }> = {
        'bit-flip': {
          damage: (r) => {
            const bytes = new Uint8Array(r.bytes);
            bytes[bytes.length - 7] = (bytes[bytes.length - 7] as number) ^ 0x10;
            return { ...r, bytes };
          },
          says: /checksum/i,
        },
        truncate: { damage: (r) => ({ ...r, bytes: new Uint8Array(r.bytes).slice(0, 200) }), says: /truncated/i },
        empty: { damage: (r) => ({ ...r, bytes: new Uint8Array(0) }), says: /empty/i },
        'not-sqlite': { damage: (r) => ({ ...r, bytes: new Uint8Array(r.bytes.length).fill(0x7b) }), says: /not a SQLite database/i },
        'newer-format': { damage: (r) => ({ ...r, format: SNAPSHOT_FORMAT + 1 }), says: /newer/i },
      };
      for (const [kind, { damage, says }] of Object.entries(backupDamage)) {
        it(`refuses a backup that is ${kind}, with a message naming the backup and what is wrong`, async () => {
          const s = await setup();
          const writer = new Writer(s.sql);
          for (let i = 0; i < 5; i++) writer.next();
          const store = s.store();
          await store.writeBackup('before-drop-1', writer.db.export(), { phase: 'new-only' });
          const key = `${s.namespace}/backup/before-drop-1`;
          await s.backend.write({ set: [[key, damage((await s.backend.get(key)) as SnapshotRecord)]] });

          const error = await rejection(s.store().readBackup('before-drop-1'));
          expect(error).toBeInstanceOf(RecoveryError);
          expect((error as RecoveryError).message).toMatch(/backup "before-drop-1"/);
          expect((error as RecoveryError).message).toMatch(says);
        });
      }
    });
  });
}
