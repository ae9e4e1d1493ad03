/**
 * An inventory migration for tests of relative writes and computed values: stock changes by a
 * quantity (`UPDATE … SET stock = stock - :qty`, declared with `add`), and prices move from REAL
 * dollars (old) to INTEGER cents (new), declared with `{ "expr": "CAST(ROUND(:price * 100) AS
 * INTEGER)" }`. The prices include 0.29, whose 0.29 * 100 is 28.999999999999996 (truncating gives
 * 28 cents, rounding 29), and 2.675, whose 267.49999999999997 cents SQLite's ROUND takes to 268.
 */
import type { Scenario } from '../../src/engine/scenario/format.ts';

/** What the new side stores for a price in dollars, and what each effect declares it as. */
export const PRICE_CENTS = 'CAST(ROUND(:price * 100) AS INTEGER)';

/** Prices the generators draw, in dollars. */
export const PRICES = [19.99, 4.95, 0.29, 1.15, 2.675] as const;

const ROWS_OLD = 'SELECT sku, name, stock, CAST(ROUND(price * 100) AS INTEGER) AS price_cents FROM items';
const ROWS_NEW = 'SELECT sku, title AS name, stock, price_cents FROM products';

/** The inventory scenario: split databases, compensating dual writes. */
export const inventoryScenario: Scenario = {
  format: 'cutover-lab/scenario',
  version: 1,
  id: 'inventory',
  title: 'Inventory: relative stock changes, prices from dollars to cents',
  summary:
    'A shop keeps items with their stock and price. Sales and restocks change stock relative to what it is (stock = stock - :qty), and the new schema stores prices as INTEGER cents instead of REAL dollars, rounding as the application does.',
  topology: 'split',
  policy: 'compensate',
  labels: { old: 'items (dollars)', new: 'products (cents)' },
  schema: {
    old: ['CREATE TABLE items (sku TEXT PRIMARY KEY, name TEXT NOT NULL, stock INTEGER NOT NULL, price REAL NOT NULL)'],
    new: ['CREATE TABLE products (sku TEXT PRIMARY KEY, title TEXT NOT NULL, stock INTEGER NOT NULL, price_cents INTEGER NOT NULL)'],
  },
  collections: {
    items: {
      key: ['sku'],
      fields: ['name', 'stock', 'price_cents'],
      rows: { old: ROWS_OLD, new: ROWS_NEW },
      upsert: {
        old: [
          'INSERT INTO items (sku, name, stock, price) VALUES (:sku, :name, :stock, :price_cents / 100.0) ON CONFLICT (sku) DO UPDATE SET name = excluded.name, stock = excluded.stock, price = excluded.price',
        ],
        new: [
          'INSERT INTO products (sku, title, stock, price_cents) VALUES (:sku, :name, :stock, :price_cents) ON CONFLICT (sku) DO UPDATE SET title = excluded.title, stock = excluded.stock, price_cents = excluded.price_cents',
        ],
      },
      remove: { old: ['DELETE FROM items WHERE sku = :sku'], new: ['DELETE FROM products WHERE sku = :sku'] },
      check: { read: 'getItem', params: { sku: 'sku' } },
    },
  },
  operations: {
    addItem: {
      kind: 'write',
      description: 'A new item with its starting stock and price.',
      params: {
        sku: { template: 'sku-{seq}' },
        name: { text: [1, 3] },
        stock: { int: [0, 40] },
        price: { oneOf: [...PRICES] },
      },
      old: ['INSERT INTO items (sku, name, stock, price) VALUES (:sku, :name, :stock, :price)'],
      new: [`INSERT INTO products (sku, title, stock, price_cents) VALUES (:sku, :name, :stock, ${PRICE_CENTS})`],
      effect: { collection: 'items', type: 'insert', key: { sku: 'sku' }, set: { name: 'name', stock: 'stock', price_cents: { expr: PRICE_CENTS } } },
    },
    sell: {
      kind: 'write',
      description: 'A sale: stock goes down by the quantity sold (and may go below zero: back orders).',
      params: { sku: { existing: 'items', field: 'sku', missing: 0.1 }, qty: { int: [1, 5] } },
      old: ['UPDATE items SET stock = stock - :qty WHERE sku = :sku'],
      new: ['UPDATE products SET stock = stock - :qty WHERE sku = :sku'],
      effect: { collection: 'items', type: 'update', key: { sku: 'sku' }, add: { stock: { expr: '-:qty' } } },
    },
    restock: {
      kind: 'write',
      description: 'A delivery: stock goes up by a delta.',
      params: { sku: { existing: 'items', field: 'sku', missing: 0.05 }, delta: { int: [5, 20] } },
      old: ['UPDATE items SET stock = stock + :delta WHERE sku = :sku'],
      new: ['UPDATE products SET stock = stock + :delta WHERE sku = :sku'],
      effect: { collection: 'items', type: 'update', key: { sku: 'sku' }, add: { stock: 'delta' } },
    },
    reprice: {
      kind: 'write',
      description: 'A new price, in dollars on old and in cents on new.',
      params: { sku: { existing: 'items', field: 'sku' }, price: { oneOf: [...PRICES] } },
      old: ['UPDATE items SET price = :price WHERE sku = :sku'],
      new: [`UPDATE products SET price_cents = ${PRICE_CENTS} WHERE sku = :sku`],
      effect: { collection: 'items', type: 'update', key: { sku: 'sku' }, set: { price_cents: { expr: PRICE_CENTS } } },
    },
    discontinue: {
      kind: 'write',
      params: { sku: { existing: 'items', field: 'sku' } },
      old: ['DELETE FROM items WHERE sku = :sku'],
      new: ['DELETE FROM products WHERE sku = :sku'],
      effect: { collection: 'items', type: 'delete', key: { sku: 'sku' } },
    },
    getItem: {
      kind: 'read',
      params: { sku: { existing: 'items', field: 'sku', missing: 0.05 } },
      collection: 'items',
      old: `${ROWS_OLD} WHERE sku = :sku`,
      new: `${ROWS_NEW} WHERE sku = :sku`,
    },
  },
  drop: ['DROP TABLE items'],
  seedData: [{ operation: 'addItem', count: 20 }],
  workload: { mix: { addItem: 8, sell: 35, restock: 10, reprice: 10, discontinue: 2, getItem: 35 } },
  settings: { backfillBatchSize: 10 },
};
