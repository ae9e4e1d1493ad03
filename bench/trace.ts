/**
 * What the engine asks of sql.js and of storage for one operation, and the plans SQLite picks:
 * the evidence behind the hypotheses of issue 11, gathered through the ports (a tracing SqlEngine
 * and a counting KeyValueBackend handed to `Rehearsal.open`), not by changing the engine.
 *
 *   node --expose-gc --import tsx bench/trace.ts
 *
 * 1. every statement of one write, one read (hit, fallback) and one backfill batch, with the query
 *    plan (EXPLAIN QUERY PLAN) of each distinct query;
 * 2. the canonical key lookup of job-keys with and without an expression index on the key;
 * 3. raw sql.js with and without `PRAGMA locking_mode=EXCLUSIVE; journal_mode=MEMORY`, and
 *    BEGIN/COMMIT through `exec` against prepared once; the raw floor under a dual write;
 * 4. the storage calls and bytes of one checkpoint, and what hashing and cloning cost per MiB.
 * Timings are interleaved CPU time (µs) medians of several rounds, as in bench/run.ts.
 */
import { VirtualClock } from '../src/engine/clock.ts';
import type { BackendWrite, KeyValueBackend } from '../src/engine/durability/types.ts';
import { Rehearsal } from '../src/engine/rehearsal.ts';
import type { Scenario } from '../src/engine/scenario/format.ts';
import type { Params, Row, SqlDatabase, SqlEngine, StatementShape } from '../src/engine/sql.ts';
import { loadNodeSqlEngine } from '../src/harness/node-sql.ts';
import { webCryptoSha256 } from '../src/store/digest.ts';
import { MemoryBackend } from '../src/store/memory-backend.ts';
import { artifactParams, enqueueParams, EPOCH_MS, getJobParams } from './lib/engine-params.ts';
import { forceTo, scenario, seedArtifacts, seedJobs } from './lib/engine.ts';
import { interleave } from './lib/measure.ts';
import { RawDb } from './lib/raw.ts';

interface Call {
  readonly db: TracingDb;
  readonly kind: 'run' | 'query' | 'exec' | 'export';
  readonly sql: string;
  readonly params?: Params;
}

let tracing = false;
const calls: Call[] = [];

class TracingDb implements SqlDatabase {
  constructor(readonly inner: SqlDatabase) {}
  run(sql: string, params?: Params): number {
    if (tracing) calls.push({ db: this, kind: 'run', sql, ...(params ? { params } : {}) });
    return this.inner.run(sql, params);
  }
  query(sql: string, params?: Params, limit?: number): Row[] {
    if (tracing) calls.push({ db: this, kind: 'query', sql, ...(params ? { params } : {}) });
    return this.inner.query(sql, params, limit);
  }
  exec(script: string): void {
    if (tracing) calls.push({ db: this, kind: 'exec', sql: script });
    this.inner.exec(script);
  }
  describe(sql: string): StatementShape {
    return this.inner.describe(sql);
  }
  export(): Uint8Array {
    if (tracing) calls.push({ db: this, kind: 'export', sql: '(export)' });
    return this.inner.export();
  }
  get inTransaction(): boolean {
    return this.inner.inTransaction;
  }
  close(): void {
    this.inner.close();
  }
}

class CountingBackend implements KeyValueBackend {
  gets = 0;
  getBytes = 0;
  keyLists = 0;
  writes = 0;
  setBytes = 0;
  constructor(readonly inner: MemoryBackend) {}
  async get(key: string): Promise<unknown> {
    const v = await this.inner.get(key);
    this.gets++;
    this.getBytes += bytesIn(v);
    return v;
  }
  keys(prefix: string): Promise<string[]> {
    this.keyLists++;
    return this.inner.keys(prefix);
  }
  write(change: BackendWrite): Promise<void> {
    this.writes++;
    for (const [, v] of change.set ?? []) this.setBytes += bytesIn(v);
    return this.inner.write(change);
  }
  reset(): void {
    this.gets = this.getBytes = this.keyLists = this.writes = this.setBytes = 0;
  }
}

function bytesIn(v: unknown): number {
  if (v instanceof Uint8Array) return v.length;
  if (v && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + bytesIn(x), 0);
  return 0;
}

const sqlEngine = await loadNodeSqlEngine();
const tracingEngine: SqlEngine = { open: (bytes) => new TracingDb(sqlEngine.open(bytes)) };

async function openTraced(s: Scenario): Promise<{ r: Rehearsal; backend: CountingBackend }> {
  const backend = new CountingBackend(new MemoryBackend());
  const r = await Rehearsal.open({ scenario: s, id: 'trace', seed: 1, durability: 'strict', ports: { sql: tracingEngine, backend, digest: webCryptoSha256, clock: new VirtualClock(EPOCH_MS) }, persistMetricsEvery: 0 });
  return { r, backend };
}

const shorten = (sql: string, n = 150) => {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n)}…` : one;
};

function sideOf(r: Rehearsal, db: TracingDb): string {
  const sides: string[] = [];
  for (const side of ['old', 'new'] as const) {
    try {
      if (r.database(side) === db) sides.push(side);
    } catch {
      // dropped
    }
  }
  return sides.join('+') || '?';
}

function plan(db: TracingDb, sql: string, params?: Params): string {
  try {
    return db.inner
      .query(`EXPLAIN QUERY PLAN ${sql}`, params)
      .map((row) => String(row.detail))
      .join('; ');
  } catch (e) {
    return `(no plan: ${(e as Error).message})`;
  }
}

/** Runs `fn` with tracing on; prints each call (or a count per distinct statement) and the plans of the queries. */
async function traced(title: string, r: Rehearsal, fn: () => Promise<unknown>, options: { list?: boolean; per?: number } = {}): Promise<void> {
  calls.length = 0;
  tracing = true;
  try {
    await fn();
  } finally {
    tracing = false;
  }
  const per = options.per ?? 1;
  console.log(`\n## ${title}: ${calls.length} sql.js calls${per > 1 ? ` (${(calls.length / per).toFixed(1)} per record)` : ''}`);
  const byKind = new Map<string, number>();
  for (const c of calls) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
  console.log(`   by kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const distinct = new Map<string, { call: Call; n: number }>();
  for (const c of calls) {
    const k = `${c.kind}|${sideOf(r, c.db)}|${c.sql}`;
    const d = distinct.get(k);
    if (d) d.n++;
    else distinct.set(k, { call: c, n: 1 });
  }
  if (options.list) {
    for (const c of calls) console.log(`   ${c.kind.padEnd(5)} ${sideOf(r, c.db).padEnd(7)} ${shorten(c.sql)}`);
  }
  console.log('   distinct statements (count, kind, side) and plans of reads and writes:');
  for (const { call, n } of distinct.values()) {
    const p = call.kind === 'exec' || call.kind === 'export' ? '' : `\n        plan: ${plan(call.db, call.sql, call.params)}`;
    console.log(`   ${String(n).padStart(4)}× ${call.kind.padEnd(5)} ${sideOf(r, call.db).padEnd(7)} ${shorten(call.sql)}${p}`);
  }
}

const us = (x: number) => `${x.toFixed(1)} µs`;

// ---------------------------------------------------------------------------------------------
console.log('# 1. What one operation asks of sql.js');

const jk = scenario(sqlEngine, 'job-keys');
{
  const { r } = await openTraced(jk);
  seedJobs(r.database('old'), 1000, true);
  await traced('job-keys enqueue in old-only, strict, 1,000 records stored', r, () => r.execute('enqueue', enqueueParams('t-1', 1)), { list: true });
  await forceTo(r, 'dual-write');
  await traced('job-keys enqueue in dual-write (compensate)', r, () => r.execute('enqueue', enqueueParams('t-2', 2)), { list: true });
  await r.backfill.start(50);
  await traced('job-keys one backfill batch of 50 (of 1,000)', r, () => r.backfill.step(), { per: 50 });
  await r.backfill.run();
  await forceTo(r, 'read-new');
  await traced('job-keys getJob in read-new, hit on new', r, () => r.execute('getJob', getJobParams('seed-7', 0)), { list: true });
  await r.execute('enqueue', enqueueParams('t-3', 3));
}
{
  // A fallback needs a record only old has: written in old-only and never backfilled.
  const { r } = await openTraced(jk);
  await r.execute('enqueue', enqueueParams('only-old', 1));
  await forceTo(r, 'read-new');
  await traced('job-keys getJob in read-new, miss on new, fallback to old', r, () => r.execute('getJob', getJobParams('only-old', 1)), { list: true });
}
const ca = scenario(sqlEngine, 'consensus-artifacts');
{
  const { r } = await openTraced(ca);
  seedArtifacts(r.database('old'), 1000, 60, true);
  await traced('consensus-artifacts storeArtifact in old-only, strict', r, () => r.execute('storeArtifact', artifactParams('T', 1)), { list: true });
  await forceTo(r, 'dual-write');
  await r.backfill.start(50);
  await traced('consensus-artifacts one backfill batch of 50 (of 1,000)', r, () => r.backfill.step(), { per: 50 });
}

// ---------------------------------------------------------------------------------------------
console.log('\n# 2. job-keys key lookup (the existence check of a write, the re-read of a backfilled record), 10,000 records');
{
  const c = jk.collections.jobs;
  if (!c) throw new Error('job-keys has no jobs collection');
  const lookup = `SELECT * FROM (${c.rows.old}) WHERE "job_id" IS :__key_job_id LIMIT 2`;
  const plain = await RawDb.open(jk.schema.old);
  seedJobs(plain, 10_000, false);
  const indexed = await RawDb.open([], plain.db.export());
  indexed.db.exec(`CREATE INDEX kv_job_id ON kv (json_extract(value, '$.job_id'))`);
  const explain = (db: RawDb) =>
    db
      .query(`EXPLAIN QUERY PLAN ${lookup}`, { __key_job_id: 'seed-5000' })
      .map((x) => String(x.detail))
      .join('; ');
  console.log(`   as the scenario declares it: ${explain(plain)}`);
  console.log(`   with CREATE INDEX kv_job_id ON kv (json_extract(value, '$.job_id')): ${explain(indexed)}`);
  const m = await interleave(
    5,
    {
      block: () => {
        for (let i = 0; i < 50; i++) plain.query(lookup, { __key_job_id: `seed-${i * 199}` });
        return 50;
      },
    },
    {
      block: () => {
        for (let i = 0; i < 500; i++) indexed.query(lookup, { __key_job_id: `seed-${(i * 199) % 10_000}` });
        return 500;
      },
    },
  );
  console.log(`   one lookup: ${us(m.a.median)} without the index, ${us(m.b.median)} with it (${(m.a.median / m.b.median).toFixed(0)}×)`);
  plain.close();
  indexed.close();
}

// ---------------------------------------------------------------------------------------------
console.log('\n# 3. sql.js settings and transaction control (raw, job-keys old schema, 1,000 records)');
{
  const op = jk.operations.enqueue;
  if (op?.kind !== 'write') throw new Error('enqueue is not a write');
  const getJob = jk.operations.getJob;
  if (getJob?.kind !== 'read') throw new Error('getJob is not a read');
  const dflt = await RawDb.open(jk.schema.old);
  seedJobs(dflt, 1000, false);
  const tuned = await RawDb.open([], dflt.db.export());
  tuned.db.exec('PRAGMA locking_mode=EXCLUSIVE');
  tuned.db.exec('PRAGMA journal_mode=MEMORY');
  let n = 0;
  const w = await interleave(
    7,
    {
      block: () => {
        for (let i = 0; i < 200; i++) dflt.transaction(op.old, enqueueParams(`d-${n++}`, i));
        return 200;
      },
    },
    {
      block: () => {
        for (let i = 0; i < 200; i++) tuned.transaction(op.old, enqueueParams(`d-${n++}`, i));
        return 200;
      },
    },
  );
  console.log(`   enqueue (2 inserts in BEGIN…COMMIT): ${us(w.a.median)} default, ${us(w.b.median)} with locking_mode=EXCLUSIVE + journal_mode=MEMORY (${(w.a.median / w.b.median).toFixed(2)}×)`);
  const rd = await interleave(
    7,
    {
      block: () => {
        for (let i = 0; i < 500; i++) dflt.query(getJob.old, getJobParams(`seed-${i}`, i));
        return 500;
      },
    },
    {
      block: () => {
        for (let i = 0; i < 500; i++) tuned.query(getJob.old, getJobParams(`seed-${i}`, i));
        return 500;
      },
    },
  );
  console.log(`   point select (autocommit): ${us(rd.a.median)} default, ${us(rd.b.median)} tuned (${(rd.a.median / rd.b.median).toFixed(2)}×)`);
  // Still correct with the pragmas: a rollback undoes, export is a usable image.
  tuned.db.exec('BEGIN');
  tuned.db.exec(`DELETE FROM kv`);
  tuned.db.exec('ROLLBACK');
  const kept = Number(tuned.db.exec('SELECT count(*) FROM kv')[0]?.values[0]?.[0]);
  const image = await RawDb.open([], tuned.db.export());
  const inImage = Number(image.db.exec('SELECT count(*) FROM kv')[0]?.values[0]?.[0]);
  console.log(`   with the pragmas, ROLLBACK kept ${kept} rows and export() reopened with ${inImage} rows (integrity: ${String(image.db.exec('PRAGMA integrity_check')[0]?.values[0]?.[0])})`);
  image.close();

  const begin = dflt.db.prepare('BEGIN');
  const commit = dflt.db.prepare('COMMIT');
  const t = await interleave(
    7,
    {
      block: () => {
        for (let i = 0; i < 2000; i++) {
          dflt.db.exec('BEGIN');
          dflt.db.exec('COMMIT');
        }
        return 2000;
      },
    },
    {
      block: () => {
        for (let i = 0; i < 2000; i++) {
          begin.run();
          commit.run();
        }
        return 2000;
      },
    },
  );
  console.log(`   an empty BEGIN + COMMIT: ${us(t.a.median)} through exec (parsed each time), ${us(t.b.median)} prepared once`);
  begin.free();
  commit.free();
  dflt.close();
  tuned.close();
}

// ---------------------------------------------------------------------------------------------
console.log('\n# 3b. The floor under a dual write (consensus-artifacts, both schemas in one raw database)');
{
  const op = ca.operations.storeArtifact;
  if (op?.kind !== 'write') throw new Error('storeArtifact is not a write');
  const one = await RawDb.open([...ca.schema.old, ...ca.schema.new]);
  const both = await RawDb.open([...ca.schema.old, ...ca.schema.new]);
  let n = 0;
  const m = await interleave(
    7,
    {
      block: () => {
        for (let i = 0; i < 200; i++) both.transaction([...op.old, ...op.new], artifactParams(`D${n}`, i));
        n++;
        return 200;
      },
    },
    {
      block: () => {
        for (let i = 0; i < 200; i++) one.transaction(op.old, artifactParams(`D${n}`, i));
        n++;
        return 200;
      },
    },
  );
  console.log(`   storeArtifact's old and new SQL in one transaction: ${us(m.a.median)}; its old SQL alone: ${us(m.b.median)} (${(m.a.median / m.b.median).toFixed(2)}×: what a dual write costs before any engine work)`);
  one.close();
  both.close();
}

// ---------------------------------------------------------------------------------------------
console.log('\n# 4. One checkpoint of a ~50 MiB file (consensus-artifacts): storage calls and bytes');
{
  const s = scenario(sqlEngine, 'consensus-artifacts', { settings: { checkpointEvery: 100_000 } });
  const { r, backend } = await openTraced(s);
  const db = r.database('old');
  seedArtifacts(db, 50 * 880, 1000, true);
  await r.execute('storeArtifact', artifactParams('PRE', 0));
  await r.store.durable();
  const seq = Math.max(...(await r.store.describeFile('main')).journal);
  const bytes = db.export();
  const MiB = bytes.length / 2 ** 20;
  await r.store.checkpoint('main', bytes, seq); // generation 1: nothing before it
  backend.reset();
  await r.store.checkpoint('main', db.export(), seq); // generation 2: reads generation 1 back
  console.log(
    `   file ${MiB.toFixed(1)} MiB; the second checkpoint: ${backend.writes} backend writes carrying ${(backend.setBytes / 2 ** 20).toFixed(1)} MiB, ${backend.gets} gets returning ${(backend.getBytes / 2 ** 20).toFixed(1)} MiB, ${backend.keyLists} key listings`,
  );
  const m = await interleave(
    5,
    {
      block: async () => {
        await webCryptoSha256(bytes);
        return MiB;
      },
    },
    {
      block: () => {
        structuredClone(bytes);
        return MiB;
      },
    },
  );
  const e = await interleave(
    5,
    { block: () => db.export().length / 2 ** 20 },
    {
      block: async () => {
        await r.store.checkpoint('main', db.export(), seq);
        return MiB;
      },
    },
  );
  console.log(`   per MiB: export ${us(e.a.median)}, whole checkpoint (export included) ${us(e.b.median)}, SHA-256 ${us(m.a.median)}, structuredClone ${us(m.b.median)}`);
  console.log(
    `   a checkpoint hashes the new image and the previous generation (2 × SHA-256) and clones it on write and on read-back (MemoryBackend: 2 × structuredClone): ${us(2 * m.a.median + 2 * m.b.median)} of ${us(e.b.median - e.a.median)} beyond the export`,
  );
}
