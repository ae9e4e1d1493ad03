/**
 * Backfill and reverse-sync write a batch's records with one INSERT into a temporary view whose
 * INSTEAD OF trigger runs the collection's upsert statements for each record in order
 * (`RecordAccess.batchUpsertStatements`), and record the batch's versions in one statement. That
 * must leave every table exactly as running each record's statements one after another does —
 * values and their types — and fall back to the per-record statements when the batch cannot go
 * that way.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/engine/random.ts';
import { batchRowsJson, RecordAccess } from '../../src/engine/records.ts';
import type { Collection, Scenario, Side } from '../../src/engine/scenario/format.ts';
import { runInTransaction, type Row, type SqlDatabase, type SqlEngine } from '../../src/engine/sql.ts';
import { Workload } from '../../src/engine/workload.ts';
import { SIMULATION_EPOCH_MS } from '../../src/harness/simulate.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';
import { openRig, type Rig } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

/** A rig in old-only holding the scenario's seed data. */
async function seeded(id: string): Promise<Rig> {
  const rig = await openRig(sql, id);
  const workload = new Workload(rig.scenario, createRandom(`batch-${id}`), () => SIMULATION_EPOCH_MS);
  for (const step of rig.scenario.seedData) {
    for (let i = 0; i < step.count; i++) {
      const inv = workload.invocation(step.operation);
      const r = await rig.rehearsal.execute(inv.name, inv.params);
      if (r.outcome === 'ok') workload.observeWrite(inv.name, inv.params);
    }
  }
  return rig;
}

function schemaDb(s: Scenario, side: Side): SqlDatabase {
  const db = sql.open();
  for (const ddl of s.topology === 'shared' ? [...s.schema.old, ...s.schema.new] : s.schema[side]) db.exec(ddl);
  return db;
}

/** Every row of every table, with each value's type, in rowid (or key) order. */
function dump(db: SqlDatabase): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of db.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)) {
    const name = String(t.name);
    const cols = db.query(`SELECT name FROM pragma_table_info(:t)`, { t: name }).map((c) => String(c.name));
    const select = cols.map((c) => `"${c}", typeof("${c}") AS "typeof ${c}"`).join(', ');
    out[name] = db.query(`SELECT ${select} FROM "${name}" ORDER BY ${cols.map((c) => `"${c}"`).join(', ')}`);
  }
  return out;
}

function perRecord(records: RecordAccess, db: SqlDatabase, side: Side, name: string, rows: readonly Row[]): void {
  runInTransaction(
    db,
    rows.flatMap((r) => records.upsertStatements(side, name, r, 0, { withVersion: false })),
  );
}

function batched(records: RecordAccess, db: SqlDatabase, side: Side, name: string, rows: readonly Row[]): void {
  const statements = records.batchUpsertStatements(db, side, name, rows);
  expect(statements, `${name} on ${side} should batch`).toBeDefined();
  runInTransaction(db, statements ?? []);
}

describe('batched upserts leave the tables as per-record upserts do', () => {
  for (const id of ['consensus-artifacts', 'job-keys', 'session-json']) {
    it(`${id}: every collection, both sides, into empty tables and over existing records`, async () => {
      const s = BUILT_IN_SCENARIOS[id] as Scenario;
      const rig = await seeded(id);
      // The seed data as canonical records, and a second version of each (every field changed where it can be).
      for (const [name, c] of Object.entries(s.collections)) {
        const source = rig.rehearsal.database('old');
        const first = new RecordAccess(s).allRecords(source, 'old', name);
        expect(first.length, `${id} ${name} has seed records`).toBeGreaterThan(0);
        const second = first.map((r, i) => changed(c, r, i)).reverse();
        for (const side of ['old', 'new'] as const) {
          const a = schemaDb(s, side);
          const b = schemaDb(s, side);
          const ra = new RecordAccess(s);
          const rb = new RecordAccess(s);
          perRecord(ra, a, side, name, first);
          batched(rb, b, side, name, first);
          expect(dump(b), `${id} ${name} ${side}: first`).toEqual(dump(a));
          perRecord(ra, a, side, name, second);
          batched(rb, b, side, name, second);
          expect(dump(b), `${id} ${name} ${side}: second`).toEqual(dump(a));
          // The view and trigger live in the connection's temp schema, not in the file.
          expect(b.query(`SELECT name FROM sqlite_master WHERE name LIKE '__cutover_copy%'`)).toEqual([]);
          expect(sql.open(b.export()).query(`SELECT count(*) AS n FROM sqlite_temp_master`)[0]?.n).toBe(0);
        }
      }
    });
  }

  it('keeps every value and its type: 32-bit and larger integers, reals, -0, text with escapes and emoji, NULL', () => {
    const s = scenarioWith([`CREATE TABLE t (k TEXT PRIMARY KEY, a, b, c REAL, d INTEGER, e TEXT)`], ['INSERT INTO t (k, a, b, c, d, e) VALUES (:k, :a, :b, :c, :d, :e) ON CONFLICT (k) DO UPDATE SET a = excluded.a, b = excluded.b, c = excluded.c, d = excluded.d, e = excluded.e']);
    const values = [0, -0, 1, -1, 2147483647, -2147483648, 2147483648, -2147483649, 1700000000000, 2 ** 53, 2 ** 60, 1e21, 1e300, 0.1, 0.30000000000000004, -2.5e-300, 5e-324, 1.5, 123456.789];
    const texts = ['', 'plain', 'quote " and \\ backslash', 'tab\tnew\nline\r\u0001\u001f\u007f', 'é ü ß 中文', '😀 pair', '{"json": [1, 2]}', '1.0', '  '];
    const rows: Row[] = [];
    values.forEach((v, i) => rows.push({ k: `n${i}`, a: v, b: -v, c: v, d: v, e: v }));
    texts.forEach((v, i) => rows.push({ k: `t${i}`, a: v, b: null, c: v, d: v, e: v }));
    rows.push({ k: 'nulls', a: null, b: null, c: null, d: null, e: null });
    const a = schemaDb(s, 'old');
    const b = schemaDb(s, 'old');
    perRecord(new RecordAccess(s), a, 'old', 'items', rows);
    batched(new RecordAccess(s), b, 'old', 'items', rows);
    expect(dump(b)).toEqual(dump(a));
  });

  it('runs each record’s statements before the next record’s, as one after another would', () => {
    // The second statement reads what the first wrote: batched per statement, it would count every record's first row.
    const s = scenarioWith(
      ['CREATE TABLE t (k TEXT PRIMARY KEY, a)', 'CREATE TABLE log (seq INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT, seen INTEGER)'],
      ['INSERT INTO t (k, a) VALUES (:k, :a) ON CONFLICT (k) DO UPDATE SET a = excluded.a', 'INSERT INTO log (k, seen) SELECT :k, count(*) FROM t'],
    );
    const rows = [1, 2, 3].map((i) => ({ k: `k${i}`, a: i }));
    const b = schemaDb(s, 'old');
    batched(new RecordAccess(s), b, 'old', 'items', rows);
    expect(b.query('SELECT k, seen FROM log ORDER BY seq')).toEqual([
      { k: 'k1', seen: 1 },
      { k: 'k2', seen: 2 },
      { k: 'k3', seen: 3 },
    ]);
  });
});

describe('when a batch cannot go as one INSERT', () => {
  it('values JSON cannot carry as sql.js binds them: a blob, NUL, a lone surrogate, a number that is not finite', () => {
    const cols = ['k', 'v'];
    expect(batchRowsJson([{ k: 'a', v: 'ok' }], cols)).toBe('[["a","ok"]]');
    expect(batchRowsJson([{ k: 'a', v: 3000000000 }, { k: 'b', v: 2.5 }, { k: 'c', v: 7 }], cols)).toBe('[["a",3000000000.0],["b",2.5],["c",7]]');
    expect(batchRowsJson([{ k: 'a', v: new Uint8Array([1]) }], cols)).toBeUndefined();
    expect(batchRowsJson([{ k: 'a', v: 'nul\u0000inside' }], cols)).toBeUndefined();
    expect(batchRowsJson([{ k: 'a', v: 'lone \ud800 high' }], cols)).toBeUndefined();
    expect(batchRowsJson([{ k: 'a', v: 'lone \udc00 low' }], cols)).toBeUndefined();
    expect(batchRowsJson([{ k: 'a', v: Number.POSITIVE_INFINITY }], cols)).toBeUndefined();
    expect(batchRowsJson([{ k: 'a', v: Number.NaN }], cols)).toBeUndefined();
  });

  it('an upsert SQLite refuses inside a trigger (a WITH clause): no batch, the per-record statements instead', async () => {
    const s = scenarioWith(['CREATE TABLE t (k TEXT PRIMARY KEY, a)'], ['WITH x AS (SELECT :k AS k, :a AS a) INSERT INTO t (k, a) SELECT k, a FROM x WHERE true ON CONFLICT (k) DO UPDATE SET a = excluded.a']);
    const db = schemaDb(s, 'old');
    const records = new RecordAccess(s);
    expect(records.batchUpsertStatements(db, 'old', 'items', [{ k: 'a', a: 1 }])).toBeUndefined();
    // Decided once, and the database is as it was.
    expect(db.inTransaction).toBe(false);
    expect(db.query(`SELECT count(*) AS n FROM sqlite_temp_master`)[0]?.n).toBe(0);
  });

  it('a blob in a batch: the copier writes that batch record by record, and the copy is whole', async () => {
    const rig = await seeded('consensus-artifacts');
    await rig.forceTo('dual-write');
    // Written outside the engine (no version): content_json holds bytes, which JSON cannot carry.
    rig.rehearsal.database('old').exec(`INSERT INTO consensus_artifacts (spec_id, stage, agent_name, content_json, run_id, created_at) VALUES ('SPEC-BLOB', 'plan', 'claude', X'00ff10', 'run-blob', '2025-11-13 09:00:00')`);
    const p = await rig.rehearsal.backfill.run();
    expect(p.status).toBe('done');
    expect(rig.rehearsal.database('new').query(`SELECT hex(content) AS h, typeof(content) AS t FROM agent_outputs WHERE agent_name = 'claude' AND run_id IN (SELECT id FROM consensus_runs WHERE spec_id = 'SPEC-BLOB')`)).toEqual([{ h: '00FF10', t: 'blob' }]);
    const report = await rig.rehearsal.verify();
    expect(report.totals.consistent).toBe(report.totals.total);
  });
});

describe('batched backfill through a crash', () => {
  it('a committed batch survives a crash before any checkpoint: the journal replays its view, trigger and INSERT on the reopened database', async () => {
    const rig = await openRig(sql, 'consensus-artifacts');
    for (let i = 0; i < 30; i++) {
      const r = await rig.rehearsal.execute('storeArtifact', {
        spec_id: `SPEC-${i % 3}`,
        stage: 'plan',
        run_id: `run-${i % 4}`,
        agent_name: `agent-${i}`,
        content_json: JSON.stringify({ i }),
        response_text: null,
        created_at: '2025-11-13 09:00:00',
      });
      expect(r.outcome).toBe('ok');
    }
    await rig.forceTo('dual-write');
    await rig.rehearsal.backfill.start(20);
    const p = await rig.rehearsal.backfill.step();
    expect(p.copied).toBeGreaterThan(1);
    const before = dump(rig.rehearsal.database('new'));
    rig.rehearsal.crash();
    await rig.open();
    expect(dump(rig.rehearsal.database('new'))).toEqual(before);
    const done = await rig.rehearsal.backfill.run();
    expect(done.status).toBe('done');
    const report = await rig.rehearsal.verify();
    expect(report.totals.consistent).toBe(report.totals.total);
  });
});

/** A one-collection scenario over `ddl` whose old upsert is `upsert` (the rest is enough for RecordAccess). */
function scenarioWith(ddl: string[], upsert: string[]): Scenario {
  const keyed = /\(k TEXT PRIMARY KEY, ([^)]*)\)/.exec(ddl[0] ?? '');
  const fields = (keyed?.[1] ?? 'a')
    .split(',')
    .map((f) => f.trim().split(' ')[0] as string)
    .filter((f) => f.length > 0);
  const collection: Collection = {
    key: ['k'],
    fields,
    rows: { old: `SELECT k, ${fields.join(', ')} FROM t`, new: `SELECT k, ${fields.join(', ')} FROM t` },
    upsert: { old: upsert, new: upsert },
    remove: { old: ['DELETE FROM t WHERE k = :k'], new: ['DELETE FROM t WHERE k = :k'] },
    check: { read: 'get', params: { k: 'k' } },
  } as unknown as Collection;
  return { id: 'batch-test', topology: 'split', policy: 'best-effort', schema: { old: ddl, new: ddl }, collections: { items: collection }, operations: {}, drop: [], seedData: [], workload: { mix: {} } } as unknown as Scenario;
}

/** A second version of a canonical record: text fields changed, numbers moved, the key kept. */
function changed(c: Collection, r: Row, i: number): Row {
  const out: Record<string, Row[string]> = { ...r };
  for (const f of c.fields) {
    const v = r[f];
    if (typeof v === 'number') out[f] = v + 1;
    else if (typeof v === 'string' && !/^\[|^\{|^\d{4}-/.test(v)) out[f] = `${v} (v2 ${i})`;
  }
  return out;
}
