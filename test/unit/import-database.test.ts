/**
 * Importing a database file (issue 13, items 2 and 3): the file's checks (header, length, integrity),
 * the starter scenario made from its schema, and a rehearsal whose old database is the file — its
 * rows the starting records, versioned, carried through every phase by the backfill and held to
 * their first state by the history check.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import type { KeyValueBackend } from '../../src/engine/durability/types.ts';
import { importSizeProblem, sqliteFileProblem } from '../../src/engine/import-file.ts';
import { createRandom } from '../../src/engine/random.ts';
import { Rehearsal } from '../../src/engine/rehearsal.ts';
import type { Scenario } from '../../src/engine/scenario/format.ts';
import { validateScenario } from '../../src/engine/scenario/validate.ts';
import { Driver } from '../../src/harness/driver.ts';
import { SIMULATION_EPOCH_MS } from '../../src/harness/simulate.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { inspectDatabase as inspect } from '../../src/engine/import-database.ts';
import { nodeSql } from '../support/node.ts';
import inventory from '../../docs/examples/inventory.json' with { type: 'json' };

const sql = await nodeSql();
const inspectDatabase = (engine: typeof sql, bytes: Uint8Array, name: string) => inspect(engine, bytes, name, { importId: 'test' });
const CUSTOMERS = 300;
const ORDERS = 1_200;

/** A shop's database as an application would have made it: foreign keys, a composite key, a table without a key, a view. */
function shopFile(): Uint8Array {
  const db = sql.open();
  db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, created_at TEXT NOT NULL)`);
  db.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), total REAL NOT NULL, status TEXT NOT NULL DEFAULT 'new')`);
  db.exec(`CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders (id), sku TEXT NOT NULL, qty INTEGER NOT NULL, PRIMARY KEY (order_id, sku)) WITHOUT ROWID`);
  db.exec(`CREATE TABLE audit_log (at TEXT, message TEXT)`);
  db.exec(`CREATE INDEX orders_by_customer ON orders (customer_id)`);
  db.exec(`CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100`);
  const series = (n: number) => `WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < ${n}) SELECT value FROM s`;
  db.exec(`INSERT INTO customers SELECT value, 'customer ' || value, 'c' || value || '@example.com', '2025-01-01 00:00:00' FROM (${series(CUSTOMERS)})`);
  db.exec(`INSERT INTO orders SELECT value, 1 + value % ${CUSTOMERS}, (value % 37) * 4.5, 'paid' FROM (${series(ORDERS)})`);
  db.exec(`INSERT INTO order_items SELECT value, 'sku-' || (value % 7), 1 + value % 3 FROM (${series(ORDERS)})`);
  db.exec(`INSERT INTO audit_log VALUES ('2025-01-01', 'imported')`);
  const bytes = db.export();
  db.close();
  return bytes;
}

function ports() {
  return { sql, backend: new MemoryBackend(), digest: webCryptoSha256, clock: new VirtualClock(SIMULATION_EPOCH_MS) };
}

const inspected = (bytes: Uint8Array) => {
  const result = inspectDatabase(sql, bytes, 'shop.sqlite');
  if (!result.ok) throw new Error(result.problem);
  return result;
};

describe('a database file checked for import', () => {
  it('lists its tables and makes a valid starter: a collection per table with a primary key, a read and a write each', () => {
    const result = inspected(shopFile());
    expect(result.tables.map((t) => [t.name, t.rows, t.collection])).toEqual([
      ['customers', CUSTOMERS, 'customers'],
      ['orders', ORDERS, 'orders'],
      ['order_items', ORDERS, 'order_items'],
      ['audit_log', 1, null],
    ]);
    expect(result.tables.find((t) => t.name === 'audit_log')?.note).toMatch(/has no primary key, so it has no collection.*Give it a PRIMARY KEY/);
    const s = result.starter;
    expect(validateScenario(s, sql).ok).toBe(true);
    expect(s.topology).toBe('split');
    expect(s.schema.old).toEqual(s.schema.new);
    expect(s.schema.old.some((d) => d.startsWith('CREATE VIEW big_orders'))).toBe(true);
    expect(s.collections.order_items?.key).toEqual(['order_id', 'sku']);
    expect(Object.keys(s.operations).sort()).toEqual(['getCustomers', 'getOrderItems', 'getOrders', 'putCustomers', 'putOrderItems', 'putOrders']);
    // A foreign key draws from its parent's records; an integer key ranges over the keys held and as many again.
    const put = s.operations.putOrders;
    expect(put?.kind === 'write' && put.params.customer_id).toEqual({ existing: 'customers', field: 'id' });
    expect(put?.kind === 'write' && put.params.id).toEqual({ int: [1, ORDERS * 2] });
    expect(s.drop[0]).toBe('DROP VIEW IF EXISTS big_orders');
    expect(s.drop.indexOf('DROP TABLE IF EXISTS order_items')).toBeLessThan(s.drop.indexOf('DROP TABLE IF EXISTS orders'));
    // Plain names stay bare (a quoted name SQLite cannot resolve would pass as a string).
    expect(s.collections.customers?.rows.old).toBe('SELECT id, name, email, created_at FROM customers');
    // Values follow the data: a unique e-mail never repeats, a column of few values keeps them, integers keep their range.
    const params = (op: string) => (s.operations[op]?.kind === 'write' ? s.operations[op].params : {});
    expect(params('putCustomers').email).toEqual({ template: 'email-{seq}@example.com' });
    expect(params('putOrders').status).toEqual({ oneOf: ['paid'] });
    expect(params('putOrderItems').qty).toEqual({ oneOf: [1, 2, 3] });
    expect(params('putOrders').total).toEqual({ oneOf: [4.5, 9, 13.5, 18, 22.5, 27] });
  });

  it('gives odd column names a plain name in the scenario and still quotes the real one', () => {
    const db = sql.open();
    db.exec(`CREATE TABLE "Line Items" ("Item ID" TEXT PRIMARY KEY, "unit price" REAL, "1st" TEXT)`);
    db.exec(`INSERT INTO "Line Items" VALUES ('a', 1.5, 'x')`);
    const result = inspected(db.export());
    db.close();
    expect(validateScenario(result.starter, sql).ok).toBe(true);
    expect(result.starter.collections.Line_Items?.key).toEqual(['Item_ID']);
    expect(result.starter.collections.Line_Items?.rows.old).toBe(`SELECT "Item ID" AS Item_ID, "unit price" AS unit_price, "1st" AS col_1st FROM "Line Items"`);
    expect(result.notes.join('\n')).toMatch(/column "Item ID" is "Item_ID" in the scenario/);
  });

  it('gives an integer column of a composite key its range and as many again, so writes add rows too', () => {
    const db = sql.open();
    db.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY)`);
    db.exec(`CREATE TABLE lines (order_id INTEGER NOT NULL REFERENCES orders (id), line_no INTEGER NOT NULL, qty INTEGER NOT NULL, PRIMARY KEY (order_id, line_no))`);
    db.exec(`INSERT INTO orders VALUES (1), (2)`);
    db.exec(`INSERT INTO lines VALUES (1, 1, 5), (1, 2, 5), (1, 3, 5), (2, 1, 5)`);
    const result = inspected(db.export());
    db.close();
    const put = result.starter.operations.putLines;
    expect(put?.kind === 'write' && put.params).toMatchObject({ order_id: { existing: 'orders', field: 'id' }, line_no: { int: [1, 6] } });
    expect(result.notes.join('\n')).not.toMatch(/only updates records that exist/);
    expect(validateScenario(result.starter, sql).ok).toBe(true);
  });

  it('gives no collection to a table whose rows its key cannot tell apart: NULL in the key, integers beyond 2^53', () => {
    const db = sql.open();
    db.exec(`CREATE TABLE tags (name TEXT PRIMARY KEY, n INTEGER)`);
    db.exec(`INSERT INTO tags VALUES ('a', 1), (NULL, 2), (NULL, 3)`);
    db.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)`);
    db.exec(`INSERT INTO events VALUES (1152921504606846976, 'a'), (1152921504606846977, 'b')`);
    db.exec(`CREATE TABLE fine (id INTEGER PRIMARY KEY)`);
    db.exec(`INSERT INTO fine VALUES (1)`);
    const result = inspected(db.export());
    db.close();
    expect(result.tables.map((t) => [t.name, t.collection])).toEqual([
      ['tags', null],
      ['events', null],
      ['fine', 'fine'],
    ]);
    expect(result.tables[0]?.note).toMatch(/2 of its rows have no value \(NULL\) in key column "name"/);
    expect(result.tables[1]?.note).toMatch(/key column "id" holds 2 integers beyond ±2\^53/);
    expect(validateScenario(result.starter, sql).ok).toBe(true);
  });

  it('keeps a virtual table this build can make, and leaves out one it cannot with the triggers that write to it', () => {
    const db = sql.open();
    db.exec(`CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`);
    // sql.js builds FTS3/4, not FTS5 (a file made elsewhere with FTS5 is the second case below).
    db.exec(`CREATE VIRTUAL TABLE posts_fts USING fts4(content='posts', body)`);
    db.exec(`CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN INSERT INTO posts_fts (docid, body) VALUES (new.id, new.body); END`);
    db.exec(`INSERT INTO posts VALUES (1, 'hello')`);
    const kept = inspected(db.export());
    expect(validateScenario(kept.starter, sql).ok).toBe(true);
    expect(kept.starter.schema.old.some((d) => d.includes('posts_fts USING fts4'))).toBe(true);
    expect(kept.starter.drop).toContain('DROP TABLE IF EXISTS posts_fts');
    // A module this build lacks (FTS5, as a file made by the sqlite3 tool may use): the table and its trigger are left out, and the starter still validates.
    db.exec(`PRAGMA writable_schema = ON`);
    db.exec(`UPDATE sqlite_master SET sql = replace(sql, 'fts4', 'fts5') WHERE name = 'posts_fts'`);
    db.exec(`PRAGMA writable_schema = OFF`);
    const bytes = db.export();
    db.close();
    const left = inspected(bytes);
    expect(left.notes.join('\n')).toMatch(/virtual table "posts_fts" is left out of both schemas \(this build's SQLite cannot make it: .*fts5/);
    expect(left.notes.join('\n')).toMatch(/trigger "posts_ai" is left out of both schemas: it writes to the virtual table "posts_fts"/);
    expect(validateScenario(left.starter, sql).ok).toBe(true);
  });

  it('quotes an alias that is a keyword, and cuts a long file name in the title', () => {
    const db = sql.open();
    db.exec(`CREATE TABLE t ("from?" TEXT PRIMARY KEY, v INTEGER)`);
    db.exec(`INSERT INTO t VALUES ('a', 1)`);
    const bytes = db.export();
    db.close();
    const name = `${'very-long-name-'.repeat(14)}.sqlite`;
    const r = inspectDatabase(sql, bytes, name);
    if (!r.ok) throw new Error(r.problem);
    expect(r.starter.collections.t?.rows.old).toBe('SELECT "from?" AS "from", v FROM t');
    expect(validateScenario(r.starter, sql).ok).toBe(true);
    expect(r.starter.title.length).toBeLessThanOrEqual(200);
  });

  it('refuses what is not a whole, sound SQLite file, saying what it is and what to do', () => {
    const good = shopFile();
    const refused = (bytes: Uint8Array): string => {
      const r = inspectDatabase(sql, bytes, 'shop.sqlite');
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.problem;
    };
    expect(refused(new TextEncoder().encode('id,name\n1,ada\n'))).toMatch(/^it is not a SQLite database: .*starts with "id,name.1,ada."/);
    expect(refused(new TextEncoder().encode('CREATE TABLE t (x);'))).toMatch(/SQL text \(load it into a database with "sqlite3 new.db < file.sql"/);
    expect(refused(new Uint8Array())).toMatch(/the file is empty/);
    expect(refused(good.slice(0, 50))).toMatch(/truncated: 50 bytes, less than the 100-byte header/);
    expect(refused(good.slice(0, good.length - 4096))).toMatch(/^the file is truncated: its header says \d+ pages of 4096 bytes .* copy it again\.$/);
    // A page of the orders table overwritten: the header is fine, integrity_check is not.
    const damaged = good.slice();
    const pageSize = 4096;
    for (let p = 3; p * pageSize < damaged.length; p += 2) damaged.fill(0x5a, p * pageSize + 8, p * pageSize + 200);
    expect(refused(damaged)).toMatch(/damaged|malformed/);
    expect(importSizeProblem(300 * 1024 * 1024)).toMatch(/^the file is 300 MiB, over the 256 MiB an import can hold/);
    expect(sqliteFileProblem(good, 1024)).toMatch(/^the file is [\d.]+ MiB, over the 0\.0 MiB an import can hold/);
  });

  it('refuses a rehearsal storage file (it holds the engine\'s own tables)', () => {
    const db = sql.open();
    db.exec(`CREATE TABLE __cutover_versions_old (collection TEXT, record_key TEXT, version INTEGER, deleted INTEGER, PRIMARY KEY (collection, record_key))`);
    const r = inspectDatabase(sql, db.export(), 'x.sqlite');
    db.close();
    expect(r.ok ? '' : r.problem).toMatch(/Cutover Lab's own tables/);
  });
});

describe('a rehearsal of an imported database', () => {
  const bytes = shopFile();
  const starter = inspected(bytes).starter;

  it('its rows are the starting records: versioned, backfilled, verified and held to their first state through every phase', async () => {
    const d = new Driver({ scenario: starter, seed: 3, durability: 'strict', ports: ports(), random: createRandom(3), id: 'imported', startingImport: { name: 'shop.sqlite', bytes } });
    const r = await d.open();
    expect(r.control.startingRecords).toMatchObject({ import: { name: 'shop.sqlite', bytes: bytes.length }, status: 'loaded', count: CUSTOMERS + 2 * ORDERS, records: { customers: CUSTOMERS, orders: ORDERS, order_items: ORDERS } });
    // The old database is the file itself: the table without a key and the view are there too.
    expect(r.database('old').query(`SELECT count(*) AS n FROM audit_log`)[0]?.n).toBe(1);
    expect(r.database('old').query(`SELECT count(*) AS n FROM big_orders`)[0]?.n).toBeGreaterThan(0);
    expect(r.database('new').query(`SELECT count(*) AS n FROM orders`)[0]?.n).toBe(0);
    await d.seed();
    for (let i = 0; i < 80; i++) await d.invoke(d.workload.next());
    while (d.rehearsal.phase !== 'old-dropped') {
      const move = await d.moveForward();
      expect(move?.ok, JSON.stringify(move?.reasons)).toBe(true);
      for (let i = 0; i < 30; i++) await d.invoke(d.workload.next());
    }
    expect(Number(d.rehearsal.database('new').query(`SELECT count(*) AS n FROM orders`)[0]?.n)).toBeGreaterThanOrEqual(ORDERS);
    const report = await d.checkHistory();
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.starting).toMatchObject({ records: CUSTOMERS + 2 * ORDERS, missing: 0, changed: 0 });
    expect(report.valid).toBe(true);
  });

  it('reports progress in rows, and a reopen keeps the import without loading it again', async () => {
    const p = ports();
    const seen: { done: number; total: number; stage: string }[] = [];
    const options = { scenario: starter, id: 'again', seed: 1, durability: 'strict' as const, ports: p, startingImport: { name: 'shop.sqlite', bytes }, onStartingRecords: (x: { done: number; total: number; stage: string }) => void seen.push(x) };
    const r = await Rehearsal.open(options);
    expect(seen.filter((x) => x.stage === 'importing').at(-1)).toEqual({ done: CUSTOMERS + 2 * ORDERS, total: CUSTOMERS + 2 * ORDERS, stage: 'importing' });
    expect(seen.at(-1)?.stage).toBe('installed');
    r.crash();
    seen.length = 0;
    const again = await Rehearsal.open({ ...options, ports: { ...p, clock: new VirtualClock(SIMULATION_EPOCH_MS) } });
    expect(seen).toEqual([]);
    expect(again.database('old').query(`SELECT count(*) AS n FROM orders`)[0]?.n).toBe(ORDERS);
    await again.close();
  });

  it('a page killed after the image was stored and before the control state recorded it: the reopen installs the image', async () => {
    const inner = new MemoryBackend();
    let killed = false;
    // Storage stops answering right after the image is written, as a killed tab's would.
    const dying: KeyValueBackend = {
      get: (key) => inner.get(key),
      keys: (prefix) => inner.keys(prefix),
      write: async (change) => {
        if (killed) throw new Error('the tab was killed');
        await inner.write(change);
        if (change.set?.some(([key]) => key.includes('starting-records'))) killed = true;
      },
    };
    const clock = new VirtualClock(SIMULATION_EPOCH_MS);
    await expect(Rehearsal.open({ scenario: starter, id: 'killed', seed: 1, durability: 'strict', ports: { sql, backend: dying, digest: webCryptoSha256, clock }, startingImport: { name: 'shop.sqlite', bytes } })).rejects.toThrow();
    // Reopened without the file (the page that had it is gone).
    const r = await Rehearsal.open({ scenario: starter, id: 'killed', seed: 1, durability: 'strict', ports: { sql, backend: inner, digest: webCryptoSha256, clock } });
    expect(r.recoveryProblems.join('\n')).not.toMatch(/interrupted/);
    expect(r.control.startingRecords).toMatchObject({ status: 'loaded', records: { customers: CUSTOMERS, orders: ORDERS, order_items: ORDERS } });
    expect(r.database('old').query(`SELECT count(*) AS n FROM orders`)[0]?.n).toBe(ORDERS);
    await r.close();
  });

  it('a page killed before the image was stored: the reopen says the rows are not there and to import again', async () => {
    const inner = new MemoryBackend();
    let writes = 0;
    let dead = false;
    const dying: KeyValueBackend = {
      get: (key) => inner.get(key),
      keys: (prefix) => inner.keys(prefix),
      write: async (change) => {
        if (dead || change.set?.some(([key]) => key.includes('starting-records'))) {
          dead = true;
          throw new Error('the tab was killed');
        }
        writes++;
        await inner.write(change);
      },
    };
    const clock = new VirtualClock(SIMULATION_EPOCH_MS);
    await expect(Rehearsal.open({ scenario: starter, id: 'early', seed: 1, durability: 'strict', ports: { sql, backend: dying, digest: webCryptoSha256, clock }, startingImport: { name: 'shop.sqlite', bytes } })).rejects.toThrow();
    expect(writes).toBeGreaterThan(0);
    const r = await Rehearsal.open({ scenario: starter, id: 'early', seed: 1, durability: 'strict', ports: { sql, backend: inner, digest: webCryptoSha256, clock } });
    expect(r.recoveryProblems.join('\n')).toMatch(/the import of shop\.sqlite was interrupted before it was stored, so this rehearsal starts without its rows: delete the rehearsal and import the file again/);
    expect(r.control.startingRecords ?? null).toBeNull();
    await r.close();
  });

  it('refuses a file that lacks what the scenario\'s old side reads and writes, naming each statement, and stores nothing', async () => {
    const p = ports();
    await expect(Rehearsal.open({ scenario: inventory as unknown as Scenario, id: 'x', seed: 1, durability: 'strict', ports: p, startingImport: { name: 'shop.sqlite', bytes } })).rejects.toThrow(
      /shop\.sqlite does not hold what the scenario's old side reads and writes:\n {2}collections\.items\.rows\.old: .*no such table: items/,
    );
    await expect(Rehearsal.open({ scenario: starter, id: 'y', seed: 1, durability: 'strict', ports: p, startingImport: { name: 'cut.sqlite', bytes: bytes.slice(0, 4096 * 2) } })).rejects.toThrow(/cut\.sqlite cannot be imported: the file is truncated/);
    expect(await p.backend.keys('')).toEqual([]);
  });

  it('refuses a shared-topology scenario whose new schema collides with a table of the file, before anything is stored', async () => {
    const db = sql.open();
    db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT)`);
    db.exec(`CREATE TABLE items_v2 (whatever TEXT)`);
    db.exec(`INSERT INTO items VALUES (1, 'a')`);
    const file = db.export();
    db.close();
    const base = inspected(file).starter;
    const shared: Scenario = {
      ...base,
      topology: 'shared',
      policy: 'atomic',
      schema: { old: ['CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT)'], new: ['CREATE TABLE items_v2 (id INTEGER PRIMARY KEY, v TEXT)'] },
      collections: { items: { ...base.collections.items!, rows: { ...base.collections.items!.rows, new: 'SELECT id, v FROM items_v2' }, upsert: { ...base.collections.items!.upsert, new: ['INSERT INTO items_v2 (id, v) VALUES (:id, :v) ON CONFLICT (id) DO UPDATE SET v = excluded.v'] }, remove: { ...base.collections.items!.remove, new: ['DELETE FROM items_v2 WHERE id = :id'] } } },
      operations: Object.fromEntries(Object.entries(base.operations).filter(([n]) => n.endsWith('Items')).map(([n, op]) => [n, op.kind === 'read' ? { ...op, new: op.new.replace('FROM items', 'FROM items_v2') } : { ...op, new: op.new.map((q) => q.replace(/\bitems\b/g, 'items_v2')) }])),
      drop: ['DROP TABLE items'],
    };
    expect(validateScenario(shared, sql).ok).toBe(true);
    const p = ports();
    await expect(Rehearsal.open({ scenario: shared, id: 's', seed: 1, durability: 'strict', ports: p, startingImport: { name: 'app.sqlite', bytes: file } })).rejects.toThrow(
      /the new schema cannot be created beside app\.sqlite's tables \(the scenario's topology is "shared": one file holds both\): .*items_v2 already exists/,
    );
    expect(await p.backend.keys('')).toEqual([]);
  });
});
