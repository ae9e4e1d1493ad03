/** The scenario editor's dry run in the worker: a sample spread over the old side upserted into a scratch new schema and compared by key. */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { dryRun } from '../../src/worker/dry-run.ts';
import type { DryRunResult } from '../../src/worker/protocol.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const inventory = (): Json => JSON.parse(readFileSync(new URL('../../docs/examples/inventory.json', import.meta.url), 'utf8')) as Json;

function ok(result: DryRunResult): Extract<DryRunResult, { ok: true }> {
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result;
}

/** inventory.json with integer skus (INT affinity, not a rowid alias, so the seed data's text skus still fit). */
function integerKeyed(): Json {
  const s = inventory();
  s.schema.old[0] = s.schema.old[0].replace('sku TEXT PRIMARY KEY', 'sku INT PRIMARY KEY');
  s.schema.new[0] = s.schema.new[0].replace('sku TEXT PRIMARY KEY', 'sku INT PRIMARY KEY');
  s.schema.new[1] = s.schema.new[1].replace('sku TEXT PRIMARY KEY', 'sku INT PRIMARY KEY');
  return s;
}

/** An imported database of `count` items with skus 1…count, inserted in reverse. */
function integerImage(count: number): Uint8Array {
  const made = sql.open();
  made.exec('CREATE TABLE items (sku INT PRIMARY KEY, name TEXT NOT NULL, stock INTEGER NOT NULL, price REAL NOT NULL)');
  made.exec('BEGIN');
  for (let i = count; i >= 1; i--) made.run('INSERT INTO items VALUES (:sku, :name, :stock, :price)', { sku: i, name: `item ${i}`, stock: i % 7, price: (i % 100) + 0.25 });
  made.exec('COMMIT');
  const image = made.export();
  made.close();
  return image;
}

describe('dryRun', () => {
  it('upserts the seed data of docs/examples/inventory.json into the new schema and finds no difference', () => {
    const result = ok(dryRun(sql, inventory(), undefined));
    expect(result.source).toBe('seed data');
    const [items] = result.collections;
    expect(items!.name).toBe('items');
    expect(items!.error).toBeUndefined();
    // The seed data writes 30 records (addItem × 30): all compared, the first 20 shown.
    expect(items!.sampled).toBe(30);
    expect(items!.old.columns).toEqual(['sku', 'name', 'stock', 'price_cents']);
    expect(items!.old.rows).toHaveLength(20);
    expect(items!.new.rows).toEqual(items!.old.rows);
    expect(items!.differences).toEqual([]);
    expect(items!.differing).toBe(0);
    // In key order.
    const keys = items!.old.rows.map((r) => String(r[0]));
    expect(keys).toEqual([...keys].sort());
  });

  it.each(Object.keys(BUILT_IN_SCENARIOS))('finds no difference in the built-in %s', (id) => {
    const result = ok(dryRun(sql, BUILT_IN_SCENARIOS[id], undefined));
    expect(result.collections.length).toBeGreaterThan(0);
    for (const c of result.collections) {
      expect(c.error, c.name).toBeUndefined();
      expect(c.sampled, c.name).toBeGreaterThan(0);
      expect(c.differences, c.name).toEqual([]);
    }
  });

  it('shows the records a wrong normalization changes, each side\'s fields', () => {
    const s = inventory();
    s.collections.items.upsert.new[0] = s.collections.items.upsert.new[0].replace('VALUES (:sku, :name, :price_cents)', 'VALUES (:sku, :name, :price_cents * 10)');
    const items = ok(dryRun(sql, s, undefined)).collections[0]!;
    expect(items.error).toBeUndefined();
    // Every record differs: 30 counted, the first 20 listed.
    expect(items.differences).toHaveLength(20);
    expect(items.differing).toBe(30);
    const first = items.differences[0]!;
    const oldPrice = first.old!.price_cents as number;
    expect(oldPrice).toBeGreaterThan(0);
    expect(first.new).toEqual({ ...first.old, price_cents: oldPrice * 10 });
    expect(JSON.parse(first.key)).toEqual([items.old.rows[0]![0]]);
  });

  it('lists a record the new side never got as a difference with new null', () => {
    const s = inventory();
    // The first record upserted (the first key) is never inserted into products.
    s.collections.items.upsert.new[0] = "INSERT INTO products (sku, name, price_cents) SELECT :sku, :name, :price_cents WHERE :sku <> (SELECT sku FROM items_seen ORDER BY rowid LIMIT 1) ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price_cents = excluded.price_cents";
    s.schema.new.push('CREATE TABLE items_seen (sku TEXT)');
    s.collections.items.upsert.new.unshift('INSERT INTO items_seen (sku) VALUES (:sku)');
    const items = ok(dryRun(sql, s, undefined)).collections[0]!;
    expect(items.error).toBeUndefined();
    expect(items.differences).toEqual([{ key: JSON.stringify([items.old.rows[0]![0]]), old: expect.any(Object), new: null }]);
    expect(items.differing).toBe(1);
  });

  it('reports an upsert.new statement that fails with its path', () => {
    const s = inventory();
    s.collections.items.upsert.new[1] = 'INSERT INTO stock_levels (sku, on_hand) VALUES (:sku, CASE WHEN :stock >= 0 THEN NULL END)';
    const items = ok(dryRun(sql, s, undefined)).collections[0]!;
    expect(items.error).toEqual({ path: 'collections.items.upsert.new[1]', message: expect.stringMatching(/NOT NULL constraint failed: stock_levels\.on_hand/) });
    expect(items.old.rows.length).toBeGreaterThan(0);
  });

  it('returns the validator\'s problems for an invalid scenario', () => {
    const s = inventory();
    s.schema.new[0] = 'CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL';
    const result = dryRun(sql, s, undefined);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toContain('schema.new[0]');
  });

  it('samples an imported database\'s rows, without changing its bytes', () => {
    const made = sql.open();
    made.exec('CREATE TABLE items (sku TEXT PRIMARY KEY, name TEXT NOT NULL, stock INTEGER NOT NULL, price REAL NOT NULL)');
    for (let i = 30; i >= 1; i--) made.run('INSERT INTO items VALUES (:sku, :name, :stock, :price)', { sku: `imp-${String(i).padStart(2, '0')}`, name: `<img src=x onerror=alert(${i})>`, stock: i, price: i + 0.5 });
    const image = made.export();
    made.close();
    const before = image.slice();
    const items = ok(dryRun(sql, inventory(), image)).collections[0]!;
    expect(items.sampled).toBe(30);
    expect(items.old.rows[0]).toEqual(['imp-01', '<img src=x onerror=alert(1)>', 1, 150]);
    expect(items.old.rows[19]![0]).toBe('imp-20');
    expect(items.new.rows).toEqual(items.old.rows);
    expect(items.differences).toEqual([]);
    expect(ok(dryRun(sql, inventory(), image)).source).toBe('import');
    expect(image).toEqual(before);
  });

  it('shows both sides of integer keys in numeric key order (1, 2, 3, …, not 1, 10, 11, …)', () => {
    const items = ok(dryRun(sql, integerKeyed(), integerImage(30))).collections[0]!;
    expect(items.sampled).toBe(30);
    const keys = (rows: readonly (readonly unknown[])[]) => rows.map((r) => r[0]);
    const first20 = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(keys(items.old.rows)).toEqual(first20);
    expect(keys(items.new.rows)).toEqual(first20);
    expect(items.differences).toEqual([]);
  });

  it('samples and orders the same way here when the canonical query cannot be wrapped (a trailing semicolon)', () => {
    const s = integerKeyed();
    s.collections.items.rows.old += ';';
    s.collections.items.rows.new += ';';
    const wrapped = ok(dryRun(sql, integerKeyed(), integerImage(1_000))).collections[0]!;
    const items = ok(dryRun(sql, s, integerImage(1_000))).collections[0]!;
    expect(items.error).toBeUndefined();
    expect(items.sampled).toBe(500);
    expect(items.old.rows).toEqual(wrapped.old.rows);
    expect(items.new.rows).toEqual(wrapped.new.rows);
    expect(items.differing).toBe(0);
  });

  it.each([1_000, 40_000])('compares up to 500 records spread over all %i and catches upsert.new mishandling only every 50th', (count) => {
    const s = integerKeyed();
    // Every 50th record loses its price on the new side.
    s.collections.items.upsert.new[0] = s.collections.items.upsert.new[0].replace('VALUES (:sku, :name, :price_cents)', 'VALUES (:sku, :name, CASE WHEN :sku % 50 = 0 THEN 0 ELSE :price_cents END)');
    const items = ok(dryRun(sql, s, integerImage(count))).collections[0]!;
    expect(items.error).toBeUndefined();
    expect(items.sampled).toBe(500);
    // The first 20 of the sample shown on each side, in key order, the same records on both.
    const oldKeys = items.old.rows.map((r) => r[0] as number);
    expect(oldKeys).toHaveLength(20);
    expect(oldKeys).toEqual([...oldKeys].sort((a, b) => a - b));
    expect(oldKeys[0]).toBe(1);
    expect(items.new.rows.map((r) => r[0])).toEqual(oldKeys);
    // Caught: every difference is a 50th record, with its price 0 on new.
    expect(items.differing).toBeGreaterThan(0);
    expect(items.differences.length).toBe(Math.min(20, items.differing!));
    const differingKeys = items.differences.map((d) => (JSON.parse(d.key) as number[])[0]!);
    for (const [i, d] of items.differences.entries()) {
      expect(differingKeys[i]! % 50).toBe(0);
      expect(d.new).toEqual({ ...d.old, price_cents: 0 });
    }
    expect(differingKeys).toEqual([...differingKeys].sort((a, b) => a - b));
    // Spread over the whole collection, not its first records.
    expect(Math.max(...differingKeys)).toBeGreaterThan(count / 2);
    // The same records each time.
    expect(ok(dryRun(sql, s, integerImage(count))).collections[0]!.differences).toEqual(items.differences);
  });

  it('reports a canonical query the imported database cannot answer at rows.old', () => {
    const made = sql.open();
    made.exec('CREATE TABLE other (id INTEGER)');
    const image = made.export();
    made.close();
    const items = ok(dryRun(sql, inventory(), image)).collections[0]!;
    expect(items.error).toEqual({ path: 'collections.items.rows.old', message: expect.stringMatching(/no such table: items/) });
    expect(items.sampled).toBe(0);
  });
});
