/**
 * Query plans of the lookups the engine makes on every write and every backfilled record, and of
 * the scenarios' reads: the built-in scenarios declare the indexes a real migration would, so no
 * key lookup reads a whole table (session-json's old side, JSON files, is the one that cannot be
 * indexed, and says why); `query-plans.ts` finds a scan and offers the index that removes it,
 * tried in a transaction that is rolled back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkKeyLookup, checkRead, explainQueryPlan, fullScans, planText, planWarning, scenarioPlanChecks } from '../../src/engine/query-plans.ts';
import { keyLookupSql, RecordAccess } from '../../src/engine/records.ts';
import type { Scenario, Side } from '../../src/engine/scenario/format.ts';
import type { Params, Row, SqlDatabase, SqlEngine } from '../../src/engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import inventory from '../../docs/examples/inventory.json' with { type: 'json' };
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

/** Databases holding a scenario's schemas: one for both sides in shared topology, one each in split. */
function schemaDbs(s: Scenario): (side: Side) => SqlDatabase {
  const open = (ddl: readonly string[]) => {
    const db = sql.open();
    for (const d of ddl) db.exec(d);
    return db;
  };
  if (s.topology === 'shared') {
    const db = open([...s.schema.old, ...s.schema.new]);
    return () => db;
  }
  const old = open(s.schema.old);
  const neu = open(s.schema.new);
  return (side) => (side === 'old' ? old : neu);
}

const builtIn = (id: string): Scenario => {
  const s = BUILT_IN_SCENARIOS[id];
  if (!s) throw new Error(id);
  return s;
};

/** job-keys as it was before the expression indexes were declared. */
function jobKeysWithoutIndexes(): Scenario {
  const s = structuredClone(builtIn('job-keys')) as { -readonly [K in keyof Scenario]: Scenario[K] };
  s.schema = { old: s.schema.old.filter((d) => !d.startsWith('CREATE INDEX')), new: s.schema.new.filter((d) => !d.startsWith('CREATE INDEX')) };
  return s;
}

const SEARCHES_EVERYWHERE: readonly string[] = ['consensus-artifacts', 'job-keys', 'session-json'];

describe('the key lookup every write and every backfilled record makes', () => {
  it('is the query RecordAccess.readRecord runs', () => {
    const s = builtIn('job-keys');
    const db = schemaDbs(s)('old');
    const seen: string[] = [];
    const tracing: SqlDatabase = {
      run: (q, p) => db.run(q, p),
      query: (q: string, p?: Params, limit?: number): Row[] => {
        seen.push(q);
        return db.query(q, p, limit);
      },
      exec: (q) => db.exec(q),
      describe: (q) => db.describe(q),
      export: () => db.export(),
      get inTransaction() {
        return db.inTransaction;
      },
      close: () => db.close(),
    };
    new RecordAccess(s).readRecord(tracing, 'old', 'jobs', { job_id: 'job-1' });
    expect(seen).toEqual([keyLookupSql(s.collections.jobs as Scenario['collections'][string], 'old')]);
  });

  for (const id of SEARCHES_EVERYWHERE) {
    it(`${id}: SEARCH on both sides for every collection${id === 'session-json' ? ' (old: JSON files, a scan no index can serve)' : ''}`, () => {
      const s = builtIn(id);
      const db = schemaDbs(s);
      for (const [name, c] of Object.entries(s.collections)) {
        for (const side of ['old', 'new'] as const) {
          const check = checkKeyLookup(db(side), c, side);
          const plan = planText(check.plan);
          if (id === 'session-json' && side === 'old') {
            // The sessions live in a JSON array per workspace file: json_each reads them all.
            expect(plan, `${name} ${side}`).toMatch(/^SCAN f; SCAN s VIRTUAL TABLE/);
            expect(check.scans.map((x) => x.table)).toEqual(['session_files']);
            expect(check.fix).toBeUndefined();
            expect(check.why).toMatch(/no index can serve it: what it looks for is read out of each session_files row by the table-valued function json_each/);
            continue;
          }
          expect(check.scans, `${id} ${name} ${side}: ${plan}`).toEqual([]);
          expect(plan, `${id} ${name} ${side}`).toMatch(/^SEARCH /);
          expect(plan).not.toMatch(/(^|; )SCAN (?!\(|i$|m$|i;|m;)/);
        }
      }
    });
  }

  it('job-keys: the expression index on the key makes SEARCH of SCAN, and is what the check offers without it', () => {
    const withIndex = builtIn('job-keys');
    expect(withIndex.schema.old).toContain(`CREATE INDEX kv_job_id ON kv (json_extract(value, '$.job_id'))`);
    expect(withIndex.schema.new).toContain(`CREATE INDEX kv_job_id ON kv (json_extract(value, '$.job_id'))`);
    const s = jobKeysWithoutIndexes();
    const db = schemaDbs(s);
    const jobs = s.collections.jobs as Scenario['collections'][string];
    for (const side of ['old', 'new'] as const) {
      const check = checkKeyLookup(db(side), jobs, side);
      expect(planText(check.plan)).toBe('SCAN kv');
      expect(check.scans).toEqual([{ alias: 'kv', table: 'kv', via: 'table', detail: 'SCAN kv' }]);
      expect(check.fix?.statements).toEqual([`CREATE INDEX kv_job_id ON kv (json_extract(value, '$.job_id'))`]);
      expect(planText(check.fix?.plan ?? [])).toBe('SEARCH kv USING INDEX kv_job_id (<expr>=?)');
      // Tried and rolled back: the database is as it was.
      expect(db(side).inTransaction).toBe(false);
      expect(db(side).query(`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'kv_job_id'`)).toEqual([]);
      expect(planText(explainQueryPlan(db(side), keyLookupSql(jobs, side)))).toBe('SCAN kv');
    }
  });

  it('job-keys: the backfill batch read pages through the index too, with no sort', () => {
    const s = builtIn('job-keys');
    const db = schemaDbs(s);
    const jobs = s.collections.jobs as Scenario['collections'][string];
    for (const side of ['old', 'new'] as const) {
      const page = `SELECT * FROM (${jobs.rows[side]}) WHERE ("job_id") > (:__key_job_id) ORDER BY "job_id" LIMIT :__limit`;
      expect(planText(explainQueryPlan(db(side), page))).toBe('SEARCH kv USING INDEX kv_job_id (<expr>>?)');
    }
  });
});

describe('scenarioPlanChecks and planWarning: what the validator can warn about', () => {
  it('finds nothing to warn about in the built-in scenarios and the docs example', () => {
    for (const s of [...Object.values(BUILT_IN_SCENARIOS), inventory as unknown as Scenario]) {
      const checks = scenarioPlanChecks(s, schemaDbs(s));
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.map((c) => planWarning(c)).filter((w) => w !== undefined), s.id).toEqual([]);
    }
  });

  it('lists every key lookup and read of a scenario at its path', () => {
    const checks = scenarioPlanChecks(builtIn('job-keys'), schemaDbs(builtIn('job-keys')));
    expect(checks.map((c) => `${c.kind} ${c.path}`)).toEqual([
      'key-lookup collections.jobs.rows.old',
      'key-lookup collections.jobs.rows.new',
      'read operations.getJob.old',
      'read operations.getJob.new',
    ]);
  });

  it('warns about job-keys without its indexes, naming the index and the schema it belongs to', () => {
    const s = jobKeysWithoutIndexes();
    const warnings = scenarioPlanChecks(s, schemaDbs(s)).map((c) => [c.path, planWarning(c)] as const).filter(([, w]) => w !== undefined);
    expect(warnings).toEqual([
      [
        'collections.jobs.rows.old',
        `the lookup of one jobs record by key on old reads the whole table (SCAN kv): every write's existence check and every record backfill or reverse-sync copies costs time in proportion to the table; declare "CREATE INDEX kv_job_id ON kv (json_extract(value, '$.job_id'))" in schema.old, which makes it SEARCH kv USING INDEX kv_job_id (<expr>=?)`,
      ],
      [
        'collections.jobs.rows.new',
        `the lookup of one jobs record by key on new reads the whole table (SCAN kv): every write's existence check and every record backfill or reverse-sync copies costs time in proportion to the table; declare "CREATE INDEX kv_job_id ON kv (json_extract(value, '$.job_id'))" in schema.new, which makes it SEARCH kv USING INDEX kv_job_id (<expr>=?)`,
      ],
    ]);
  });

  it("session-json's old key lookup scans with no index to offer: reported only when asked for every scan", () => {
    const s = builtIn('session-json');
    const check = scenarioPlanChecks(s, schemaDbs(s)).find((c) => c.path === 'collections.sessions.rows.old');
    expect(check && planWarning(check)).toBeUndefined();
    expect(check && planWarning(check, { unfixable: true })).toMatch(/^the lookup of one sessions record by key on old reads the whole table \(SCAN f\): .*; no index can serve it: /);
  });

  it("the docs' listing read (stock below a threshold, by SKU) scans, and an index on stock does not change SQLite's plan: no warning unless asked", () => {
    const s = inventory as unknown as Scenario;
    const check = scenarioPlanChecks(s, schemaDbs(s)).find((c) => c.path === 'operations.listLowStock.old');
    expect(check?.check.scans.map((x) => x.detail)).toEqual(['SCAN items USING INDEX sqlite_autoindex_items_1']);
    expect(check?.check.why).toBe('no index is offered: CREATE INDEX items_stock ON items (stock) did not change the plan (SCAN items USING INDEX sqlite_autoindex_items_1)');
    expect(check && planWarning(check)).toBeUndefined();
  });
});

describe('checkRead', () => {
  function db(...ddl: string[]): SqlDatabase {
    const d = sql.open();
    for (const x of ddl) d.exec(x);
    return d;
  }

  it('offers an index on the columns a read compares with parameters: equalities first, then one range', () => {
    const d = db('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, status TEXT NOT NULL, placed_at TEXT NOT NULL)');
    const check = checkRead(d, 'SELECT id, customer, status FROM orders o WHERE o.placed_at >= :since AND o.customer = :customer AND status = :status ORDER BY id');
    expect(check.scans.map((s) => s.detail)).toEqual(['SCAN o']);
    expect(check.fix?.statements).toEqual(['CREATE INDEX orders_customer_status_placed_at ON orders (customer, status, placed_at)']);
    expect(planText(check.fix?.plan ?? [])).toMatch(/^SEARCH o USING (COVERING )?INDEX orders_customer_status_placed_at \(customer=\? AND status=\? AND placed_at>\?\)/);
  });

  it('offers an expression index for a JSON path compared with a parameter, on the table the alias names', () => {
    const d = db('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)', 'CREATE TABLE other (x TEXT)');
    const check = checkRead(d, `SELECT k.key AS key, json_extract(k.value, '$.status') AS status FROM kv AS k WHERE json_extract(k.value, '$.status') = :status`);
    expect(check.fix?.statements).toEqual([`CREATE INDEX kv_status ON kv (json_extract(value, '$.status'))`]);
    expect(planText(check.fix?.plan ?? [])).toBe('SEARCH k USING INDEX kv_status (<expr>=?)');
  });

  it('says why when nothing can be offered: OR, no parameter terms, a join term only', () => {
    const d = db('CREATE TABLE t (a TEXT, b TEXT)', 'CREATE TABLE u (a TEXT, c TEXT)');
    expect(checkRead(d, 'SELECT a FROM t WHERE a = :x OR b = :y').why).toBe('no index is offered: its WHERE clause has no terms comparing a column with parameters (or joins them with OR)');
    expect(checkRead(d, 'SELECT a FROM t').why).toBe('no index is offered: its WHERE clause has no terms comparing a column with parameters (or joins them with OR)');
    expect(checkRead(d, 'SELECT t.a FROM t JOIN u ON u.a = t.a WHERE u.c <> :c').why).toMatch(/^no index is offered: its WHERE clause compares no column of a scanned table/);
  });

  it('a plan that searches has no scans', () => {
    const d = db('CREATE TABLE t (a TEXT PRIMARY KEY, b TEXT)');
    expect(checkRead(d, 'SELECT a, b FROM t WHERE a = :a')).toMatchObject({ scans: [] });
  });

  it('does not try an index inside a caller’s transaction', () => {
    const d = db('CREATE TABLE t (a TEXT, b TEXT)');
    d.exec('BEGIN');
    const check = checkRead(d, 'SELECT a FROM t WHERE b = :b');
    expect(check.fix).toBeUndefined();
    expect(check.why).toMatch(/could not be tried here/);
    expect(d.inTransaction).toBe(true);
    d.exec('ROLLBACK');
  });
});

describe('fullScans', () => {
  it('leaves out subqueries, co-routines and constant rows; names a table-valued function as one', () => {
    const plan = (details: string[]) => details.map((detail, id) => ({ id, parent: 0, detail }));
    expect(fullScans(plan(['CO-ROUTINE (subquery-1)', 'SEARCH t USING INDEX x (a=?)', 'SCAN (subquery-1)', 'SCAN CONSTANT ROW']))).toEqual([]);
    expect(fullScans(plan(['CO-ROUTINE m', 'SEARCH c USING INDEX y (s=?)', 'SCAN m']))).toEqual([]);
    expect(fullScans(plan(['SCAN f', 'SCAN s VIRTUAL TABLE INDEX 1:']), 'SELECT 1 FROM session_files f, json_each(f.sessions) s')).toEqual([
      { alias: 'f', table: 'session_files', via: 'table', detail: 'SCAN f' },
      { alias: 's', table: 'json_each', via: 'function', detail: 'SCAN s VIRTUAL TABLE INDEX 1:' },
    ]);
    expect(fullScans(plan(['SCAN p USING COVERING INDEX pk']), 'SELECT 1 FROM products p')).toEqual([{ alias: 'p', table: 'products', via: 'index', detail: 'SCAN p USING COVERING INDEX pk' }]);
  });
});
