/**
 * IndexedDB, `group` durability, 64 operations in flight, in real Chromium (`npm run bench` runs
 * it after the Node part; alone: `npm run bench:page`). consensus-artifacts storeArtifact in
 * old-only, 64 `execute` calls started together, BATCHES such batches a round, on a fresh rehearsal
 * and a fresh IndexedDB database each round, then `store.settled()`; acknowledgements per second
 * of wall time (a page has no CPU clock), and the longest main-thread task seen meanwhile.
 *
 * The baseline, interleaved round by round: raw sql.js running the same statements one
 * transaction each, and one strict IndexedDB transaction putting the 64 journal entries (raw
 * batched puts). Puts alone are measured too (extra.putsOnly), and the engine's IndexedDB write
 * transactions per round are counted (extra.engineTransactionsPerRound). Not a timed test: it fails only if
 * an operation does not come back ok. Prints one line "@@bench-row {json}" that bench/run.ts reads.
 */
import initSqlJs, { type Database, type Statement } from 'sql.js';
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { expect, it } from 'vitest';
import type { BackendWrite } from '../src/engine/durability/types.ts';
import type { Rehearsal } from '../src/engine/rehearsal.ts';
import { Rehearsal as RehearsalClass } from '../src/engine/rehearsal.ts';
import type { Scenario, WriteOperation } from '../src/engine/scenario/format.ts';
import { formatProblems, validateScenario } from '../src/engine/scenario/validate.ts';
import type { Params } from '../src/engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../src/scenarios/index.ts';
import { loadBrowserSqlEngine } from '../src/store/browser-sql.ts';
import { webCryptoSha256 } from '../src/store/digest.ts';
import { createStrictStore, IndexedDbBackend } from '../src/store/idb-backend.ts';
import { realClock } from '../src/store/real-clock.ts';
import { artifactParams } from './lib/engine-params.ts';
import { stats } from './lib/measure.ts';
import { row } from './lib/report.ts';

const QUICK = import.meta.env.VITE_BENCH_QUICK === '1';
const IN_FLIGHT = 64;
const BATCHES = 16;
const ROUNDS = QUICK ? 2 : 7;

let dbs = 0;
const dbName = (what: string) => `cutover-lab-bench-${what}-${Date.now()}-${dbs++}`;

async function scenario(): Promise<Scenario> {
  const sql = await loadBrowserSqlEngine();
  const v = validateScenario(BUILT_IN_SCENARIOS['consensus-artifacts'], sql);
  if (!v.ok) throw new Error(formatProblems(v.problems));
  return v.scenario;
}

/** The engine's IndexedDB write transactions: every one, and those carrying journal entries. */
const transactions = { all: 0, journal: 0 };

/** Counts the backend's write transactions (a diagnostic: one journal transaction per group of 64 is the goal). */
class CountingBackend extends IndexedDbBackend {
  override write(change: BackendWrite): Promise<void> {
    transactions.all++;
    if ((change.set ?? []).some(([key]) => key.includes('/j/'))) transactions.journal++;
    return super.write(change);
  }
}

async function openEngine(s: Scenario): Promise<Rehearsal> {
  const sql = await loadBrowserSqlEngine();
  return RehearsalClass.open({
    scenario: s,
    id: 'bench',
    seed: 1,
    durability: 'group',
    ports: { sql, backend: new CountingBackend(createStrictStore(dbName('engine'))), digest: webCryptoSha256, clock: realClock },
    persistMetricsEvery: 0,
  });
}

/** Raw sql.js with prepared statements reused, and a raw IndexedDB object store. */
class Raw {
  readonly #cache = new Map<string, Statement>();
  constructor(
    readonly db: Database,
    readonly idb: IDBDatabase,
  ) {}

  static async open(s: Scenario): Promise<Raw> {
    const SQL = await initSqlJs({ locateFile: () => wasmUrl });
    const db = new SQL.Database();
    for (const sql of [...s.schema.old, ...s.schema.new]) db.exec(sql);
    const request = indexedDB.open(dbName('raw'));
    request.onupgradeneeded = () => request.result.createObjectStore('store');
    const idb = await new Promise<IDBDatabase>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
    });
    return new Raw(db, idb);
  }

  transaction(statements: readonly string[], params: Params): void {
    this.db.exec('BEGIN');
    for (const sql of statements) {
      let st = this.#cache.get(sql);
      if (!st) {
        st = this.db.prepare(sql);
        this.#cache.set(sql, st);
      }
      const bind: Record<string, Params[string]> = {};
      for (const m of sql.matchAll(/:([A-Za-z_]\w*)/g)) bind[`:${m[1]}`] = params[m[1] as string] ?? null;
      st.run(bind);
    }
    this.db.exec('COMMIT');
  }

  /** One strict transaction putting every entry; resolves on complete. */
  put(entries: readonly [string, unknown][]): Promise<void> {
    const tx = this.idb.transaction('store', 'readwrite', { durability: 'strict' });
    const store = tx.objectStore('store');
    for (const [k, v] of entries) store.put(v, k);
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('transaction aborted'));
    });
  }

  close(): void {
    for (const st of this.#cache.values()) st.free();
    this.db.close();
    this.idb.close();
  }
}

/** Wall milliseconds of `block`, and the longest task seen meanwhile. */
async function timed(block: () => Promise<void>): Promise<{ ms: number; longestTaskMs: number }> {
  let longest = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longest = Math.max(longest, entry.duration);
  });
  observer.observe({ type: 'longtask', buffered: false });
  const t0 = performance.now();
  await block();
  const ms = performance.now() - t0;
  // Long tasks are reported after they end: let the observer hear the last one.
  await new Promise((resolve) => setTimeout(resolve, 0));
  observer.disconnect();
  return { ms, longestTaskMs: longest };
}

it('measures IndexedDB group commit with 64 operations in flight against raw batched puts, interleaved', async () => {
  const s = await scenario();
  const op = s.operations.storeArtifact as WriteOperation;
  const ops = IN_FLIGHT * BATCHES;
  const engineRates: number[] = [];
  const rawRates: number[] = [];
  const putsRates: number[] = [];
  const transactionCounts: { all: number; journal: number }[] = [];
  let longest = 0;

  const engineRound = async (round: number) => {
    const r = await openEngine(s);
    transactions.all = transactions.journal = 0;
    const t = await timed(async () => {
      for (let b = 0; b < BATCHES; b++) {
        const results = await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => r.execute('storeArtifact', artifactParams(`E${round}`, b * IN_FLIGHT + i))));
        for (const x of results) if (x.outcome !== 'ok') throw new Error(`storeArtifact came back ${x.outcome}: ${x.error?.message ?? ''}`);
      }
      await r.store.settled();
    });
    const counted = { ...transactions };
    await r.close();
    return { ...t, transactions: counted };
  };
  const rawRound = async (round: number, withSql: boolean) => {
    const raw = await Raw.open(s);
    let seq = 0;
    const t = await timed(async () => {
      for (let b = 0; b < BATCHES; b++) {
        const entries: [string, unknown][] = [];
        for (let i = 0; i < IN_FLIGHT; i++) {
          const params = artifactParams(`E${round}`, b * IN_FLIGHT + i);
          if (withSql) raw.transaction(op.old, params);
          seq++;
          entries.push([`journal/main/${String(seq).padStart(12, '0')}`, { seq, statements: op.old.map((sql) => ({ sql, params })) }]);
        }
        await raw.put(entries);
      }
    });
    raw.close();
    return t;
  };

  // Warm-up, not counted.
  await engineRound(-1);
  await rawRound(-1, true);
  for (let round = 0; round < ROUNDS; round++) {
    const e = await engineRound(round);
    engineRates.push((ops / e.ms) * 1000);
    transactionCounts.push(e.transactions);
    longest = Math.max(longest, e.longestTaskMs);
    const r = await rawRound(round, true);
    rawRates.push((ops / r.ms) * 1000);
    const p = await rawRound(round, false);
    putsRates.push((ops / p.ms) * 1000);
  }
  const engine = stats(engineRates);
  const raw = stats(rawRates);
  const result = row({
    id: 'page.idb-group64',
    path: `${IN_FLIGHT} writes in flight (storeArtifact, old-only, consensus-artifacts), group, IndexedDB in Chromium, engine in the page's main thread; ${BATCHES} batches a round; longest task ${Math.round(longest)} ms`,
    kind: 'throughput',
    unit: 'acks/s',
    engine,
    raw,
    rawLabel: `raw sql.js transactions + one strict IndexedDB transaction of ${IN_FLIGHT} puts (puts alone: ${Math.round(stats(putsRates).median)}/s)`,
    target: '≥ 0.9× raw batched and ≥ 5,000/s',
    rounds: ROUNDS,
    check: (ratio) => (ratio === undefined ? undefined : ratio >= 0.9 && engine.median >= 5000),
    extra: {
      putsOnly: stats(putsRates),
      longestTaskMs: longest,
      timing: 'wall time (performance.now)',
      // Per round of BATCHES × IN_FLIGHT operations: journal transactions (BATCHES when every group
      // of IN_FLIGHT lands in one) and every write transaction (checkpoints, control state too).
      engineTransactionsPerRound: { journal: stats(transactionCounts.map((c) => c.journal)), all: stats(transactionCounts.map((c) => c.all)) },
    },
  });
  console.log(`@@bench-row ${JSON.stringify(result)}`);
  expect(engine.min).toBeGreaterThan(0);
}, 300_000);
