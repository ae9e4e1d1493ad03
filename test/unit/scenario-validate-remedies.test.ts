/**
 * Every validator message says what to change, not only what is wrong: the findings of a newcomer
 * who wrote docs/examples/inventory.json from the docs alone, each as the validator now prints it
 * (path and whole message), on that very file broken the way it was.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblems, validateScenario, type Problem } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';
import { mutated, rejection, type Json } from '../support/scenario-mutations.ts';

let sql: SqlEngine;
let inventory: Json;
beforeAll(async () => {
  sql = await nodeSql();
  inventory = JSON.parse(await readFile(resolve(import.meta.dirname, '../../docs/examples/inventory.json'), 'utf8')) as Json;
});

const ops = (s: Json) => s.operations as Record<string, Json>;
const op = (s: Json, name: string) => ops(s)[name] as Json;
const effect = (s: Json, name: string) => op(s, name).effect as Json;
const items = (s: Json) => (s.collections as Record<string, Json>).items as Json;

/** Every problem the validator reports for the inventory changed by `mutate`, as printed. */
function problems(mutate: (s: Json) => void): string[] {
  return rejection(mutated(inventory, mutate), sql).map((p: Problem) => `${p.path}: ${p.message}`);
}

describe('a parameter a statement or an expression does not have (1)', () => {
  it('in an operation: declare it in the operation\'s params, or use one of those', () => {
    expect(problems((s) => ((op(s, 'reprice').new as string[])[0] = 'UPDATE products SET price_cents = :cost WHERE sku = :sku'))).toEqual([
      'operations.reprice.new[0]: uses :cost, which is not one of :sku, :price: declare "cost" in operations.reprice.params, or use one of those',
    ]);
  });

  it('in an operation, with did-you-mean when one is close', () => {
    expect(problems((s) => ((op(s, 'reprice').new as string[])[0] = 'UPDATE products SET price_cents = CAST(ROUND(:prices * 100) AS INTEGER) WHERE sku = :sku'))).toEqual([
      'operations.reprice.new[0]: uses :prices, which is not one of :sku, :price: did you mean :price? Otherwise declare "prices" in operations.reprice.params',
    ]);
  });

  it('names every parameter that is as close', () => {
    const s = mutated(BUILT_IN_SCENARIOS['consensus-artifacts'], (x) => {
      const store = op(x, 'storeSynthesis').old as string[];
      store[0] = (store[0] as string).replace(':status', ':state');
    });
    expect(rejection(s, sql).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'operations.storeSynthesis.old[0]: uses :state, which is not one of :spec_id, :stage, :run_id, :output_markdown, :status, :artifacts_count, :degraded, :created_at: did you mean :stage or :status? Otherwise declare "state" in operations.storeSynthesis.params',
    ]);
  });

  it("in a collection's upsert: bound with the record's columns only, did you mean :price_cents", () => {
    // The newcomer's first try: the old side stores dollars, so they wrote :price.
    expect(problems((s) => ((items(s).upsert as Json).old = ['INSERT INTO items (sku, name, stock, price) VALUES (:sku, :name, :stock, :price)']))).toEqual([
      'collections.items.upsert.old[0]: uses :price, which is not one of :sku, :name, :stock, :price_cents: these statements are bound with the record\'s key and field columns of "items" only; did you mean :price_cents?',
    ]);
  });

  it('in a remove statement, and in a canonical rows query, which takes none', () => {
    expect(
      problems((s) => {
        ((items(s).remove as Json).old as string[])[0] = 'DELETE FROM items WHERE sku = :sku AND stock = :stock';
        (items(s).rows as Json).new = `${String((items(s).rows as Json).new)} WHERE p.sku = :sku`;
      }),
    ).toEqual([
      'collections.items.remove.old[0]: uses :stock, which is not one of :sku: remove statements are bound with the key columns of "items" only; find the record by its key alone',
      'collections.items.rows.new: uses :sku, which is not declared: a canonical rows query takes no parameters (it returns every record); remove it',
    ]);
  });

  it('in an expression', () => {
    expect(problems((s) => ((effect(s, 'reprice').set as Json).price_cents = { expr: 'CAST(ROUND(:cost * 100) AS INTEGER)' }))).toEqual([
      'operations.reprice.effect.set.price_cents: uses :cost, which is not one of :sku, :price (an expression computes from its operation\'s parameters): declare "cost" in operations.reprice.params, or use one of those',
    ]);
    expect(problems((s) => ((effect(s, 'reprice').set as Json).price_cents = { expr: 'CAST(ROUND(:Price * 100) AS INTEGER)' }))).toEqual([
      'operations.reprice.effect.set.price_cents: uses :Price, which is not one of :sku, :price (an expression computes from its operation\'s parameters): did you mean :price? Otherwise declare "Price" in operations.reprice.params',
    ]);
  });
});

describe("SQLite's no such table and no such column, with the name meant or the names there are", () => {
  it.each([
    ['a table, close', 'UPDATE item SET stock = stock - :qty WHERE sku = :sku', 'no such table: item — did you mean "items"?'],
    [
      'a table, far',
      'UPDATE inventory SET stock = stock - :qty WHERE sku = :sku',
      'no such table: inventory — the database\'s tables are items, products, stock_levels: name one of those, or create "inventory" in schema.old',
    ],
    ['a column, close', 'UPDATE items SET stok = stok - :qty WHERE sku = :sku', 'no such column: stok — did you mean "stock" (items)?'],
    [
      "a column of another table (the new schema's, in one database)",
      'UPDATE items SET on_hand = on_hand - :qty WHERE sku = :sku',
      'no such column: on_hand — "on_hand" is a column of stock_levels: read it from that table (check the table or alias before the dot), or add the column to the table that lacks it in schema.old',
    ],
    [
      'a column no table has',
      'UPDATE items SET quantity = quantity - :qty WHERE sku = :sku',
      'no such column: quantity — no table of the database has a column "quantity": name a column the statement\'s tables have, or add it in schema.old',
    ],
  ])('%s', (_what, statement, message) => {
    expect(problems((s) => ((op(s, 'sell').old as string[])[0] = statement))).toEqual([`operations.sell.old[0]: ${message}`]);
  });
});

describe('a read or canonical query missing a column of its collection (2)', () => {
  it('says to alias the column that holds it, naming a returned column the collection lacks when one is close', () => {
    expect(problems((s) => (op(s, 'getItem').old = 'SELECT sku, name, stock, price FROM items WHERE sku = :sku'))).toEqual([
      'operations.getItem.old: returns no column "price_cents" (returns sku, name, stock, price): return it under that name; alias the column that holds it: … AS price_cents (perhaps "price", which is not a column of "items")',
    ]);
  });

  it('without a guess when nothing returned is close', () => {
    expect(problems((s) => ((items(s).rows as Json).old = 'SELECT sku, name, stock FROM items'))).toEqual([
      'collections.items.rows.old: returns no column "price_cents" (returns sku, name, stock): return it under that name; alias the column that holds it: … AS price_cents',
    ]);
  });
});

describe('text where a parameter name is expected (3)', () => {
  it('"-qty" reads as an expression: write it as { "expr": "-:qty" }', () => {
    expect(problems((s) => (effect(s, 'sell').add = { stock: '-qty' }))).toEqual([
      'operations.sell.effect.add.stock: no parameter named "-qty": a string here names a parameter; to compute a value from the parameters, write an expression with each parameter as :name: { "expr": "-:qty" }',
    ]);
  });

  it('"price * 100" gets its colon where it names a parameter', () => {
    expect(problems((s) => (effect(s, 'reprice').set = { price_cents: 'price * 100' }))).toEqual([
      'operations.reprice.effect.set.price_cents: no parameter named "price * 100": a string here names a parameter; to compute a value from the parameters, write an expression with each parameter as :name: { "expr": ":price * 100" }',
    ]);
  });

  it('an expression over no declared parameter lists them; a dash inside a name close to one is a misspelling', () => {
    expect(problems((s) => (effect(s, 'sell').add = { stock: '-quantity' }))).toEqual([
      'operations.sell.effect.add.stock: no parameter named "-quantity": a string here names a parameter; to compute a value from the parameters, write an expression with each parameter as :name (its parameters: :sku, :qty): { "expr": "…" }',
    ]);
    expect(problems((s) => (effect(s, 'sell').key = { sku: 'sk-u' }))).toEqual(['operations.sell.effect.key.sku: no parameter named "sk-u": did you mean "sku"?']);
  });

  it('a name that is not declared: did you mean, or the names and where to declare it', () => {
    expect(problems((s) => (effect(s, 'reprice').set = { price_cents: 'prise' }))).toEqual(['operations.reprice.effect.set.price_cents: no parameter named "prise": did you mean "price"?']);
    expect(problems((s) => (effect(s, 'reprice').set = { price_cents: { param: 'amount', ifNull: 0 } }))).toEqual([
      'operations.reprice.effect.set.price_cents.param: no parameter named "amount": name one of "sku", "price", or declare it in the operation\'s "params"',
    ]);
  });

  it('in a key, an expression is not offered (a key cannot be computed)', () => {
    expect(problems((s) => (effect(s, 'sell').key = { sku: "sku || '-x'" }))).toEqual([
      'operations.sell.effect.key.sku: no parameter named "sku || \'-x\'": a string here names a parameter, and a key cannot be computed; compute the key in the parameter generator (e.g. {"template": "sku-{seq}"}) and name that parameter here',
    ]);
  });
});

describe("a collection's check read (4, 5)", () => {
  it('a write named as the read lists the reads of the collection', () => {
    expect(problems((s) => ((items(s).check as Json).read = 'sell'))).toEqual([
      'collections.items.check.read: "sell" is not a read (it is a write): name one of the reads of "items": getItem, listLowStock',
    ]);
  });

  it('a read of no name: did you mean, whatever the case', () => {
    expect(problems((s) => ((items(s).check as Json).read = 'getitem'))).toEqual(['collections.items.check.read: no operation named "getitem": did you mean "getItem"?']);
  });

  it("a parameter the read does not have lists the read's parameters", () => {
    expect(problems((s) => ((items(s).check as Json).params = { sku: 'sku', skus: 'sku' }))).toEqual([
      'collections.items.check.params.skus: "getItem" has no parameter "skus" (its parameters: "sku", all mapped): remove "skus"',
    ]);
    expect(problems((s) => ((items(s).check as Json).params = { id: 'sku' }))).toEqual([
      'collections.items.check.params: the read\'s parameter "sku" is not mapped to a record column: add "sku": "sku" to check.params',
      'collections.items.check.params.id: "getItem" has no parameter "id" (its parameters: "sku"): did you mean "sku"?',
    ]);
  });

  it('a column the collection does not have: did you mean', () => {
    expect(problems((s) => ((items(s).check as Json).params = { sku: 'SKU' }))).toEqual(['collections.items.check.params.sku: "SKU" is not a column of "items": did you mean "sku"?']);
  });
});

describe('names that name nothing: did you mean (6)', () => {
  it.each([
    ['workload.mix', (s: Json) => ((s.workload as Json).mix = { ...((s.workload as Json).mix as Json), getitem: 5 }), 'workload.mix.getitem: no operation named "getitem": did you mean "getItem"?'],
    ['seed data', (s: Json) => (s.seedData = [{ operation: 'additem', count: 5 }]), 'seedData[0].operation: no operation named "additem": did you mean "addItem"?'],
    ['a read\'s collection', (s: Json) => (op(s, 'getItem').collection = 'item'), 'operations.getItem.collection: no collection named "item": did you mean "items"?'],
    ['an effect\'s collection', (s: Json) => (effect(s, 'sell').collection = 'Items'), 'operations.sell.effect.collection: no collection named "Items": did you mean "items"?'],
    ['an existing generator\'s collection', (s: Json) => ((op(s, 'sell').params as Json).sku = { existing: 'item', field: 'sku' }), 'operations.sell.params.sku.existing: no collection named "item": did you mean "items"?'],
    ['an existing generator\'s field', (s: Json) => ((op(s, 'sell').params as Json).sku = { existing: 'items', field: 'SKU' }), 'operations.sell.params.sku.field: collection "items" has no column "SKU": did you mean "sku"?'],
    ['a field an effect sets', (s: Json) => (effect(s, 'reprice').set = { price: { expr: ':price' } }), 'operations.reprice.effect.set.price: "price" is not a field of "items" (its fields: name, stock, price_cents): did you mean "price_cents"?'],
  ])('%s', (_what, mutate, expected) => {
    expect(problems(mutate)).toEqual([expected]);
  });

  it('lists the names when none is close', () => {
    expect(problems((s) => ((s.workload as Json).mix = { ...((s.workload as Json).mix as Json), fetchAll: 5 }))).toEqual([
      'workload.mix.fetchAll: no operation named "fetchAll": name one of "addItem", "sell", "restock", "reprice", "discontinue", "getItem", "listLowStock"',
    ]);
  });
});

describe('a missing key is reported once, at its path, with what to write (7)', () => {
  it("a collection's check", () => {
    expect(problems((s) => delete items(s).check)).toEqual([
      'collections.items.check: is required: name the read the history checker finds a record with, and map each of its parameters to a record column, e.g. "check": { "read": "getItem", "params": { "sku": "sku" } }',
    ]);
  });

  it("a read's collection (and the check read naming it is not accused again)", () => {
    expect(problems((s) => delete op(s, 'getItem').collection)).toEqual(['operations.getItem.collection: is required: name the collection whose records this read returns: "collection": "items"']);
  });

  it("an operation's kind, a write's effect, an effect's collection, a seed step's operation", () => {
    expect(problems((s) => delete op(s, 'sell').kind)).toEqual(['operations.sell.kind: is required: "kind": "write" (changes records) or "read" (returns records of a collection)']);
    expect(problems((s) => delete op(s, 'sell').effect)).toEqual([
      'operations.sell.effect: is required: declare what the write does to one record: "effect": { "collection": …, "type": "insert" | "upsert" | "update" | "delete", "key": { <key column>: <parameter> }, "set": { … } }',
    ]);
    expect(problems((s) => delete effect(s, 'sell').collection)).toEqual(['operations.sell.effect.collection: is required: name the collection of the record this write changes: "collection": "items"']);
    expect(problems((s) => delete effect(s, 'sell').type)).toEqual(['operations.sell.effect.type: is required: what the write does to the record: one of "insert", "upsert", "update", "delete"']);
    expect(problems((s) => (s.seedData = [{ count: 5 }]))).toEqual(['seedData[0].operation: is required']);
  });

  it('a missing container is not reported again at every name it would hold', () => {
    expect(problems((s) => delete s.collections)).toEqual(['collections: is required']);
    expect(problems((s) => delete items(s).key)).toEqual(['collections.items.key: is required']);
    expect(problems((s) => delete op(s, 'restock').params)).toEqual(['operations.restock.params: is required']);
  });

  it('no message anywhere says "undefined" when any one key of a valid scenario is deleted', () => {
    const keyPaths = (v: unknown, at: (string | number)[] = []): (string | number)[][] =>
      typeof v !== 'object' || v === null ? [] : Object.entries(v).flatMap(([k, sub]) => [...(Array.isArray(v) ? [] : [[...at, k]]), ...keyPaths(sub, [...at, Array.isArray(v) ? Number(k) : k])]);
    for (const base of [inventory, ...Object.values(BUILT_IN_SCENARIOS)]) {
      for (const path of keyPaths(base).filter((p) => p.length <= 5)) {
        const copy = mutated(base, (s) => {
          let o = s as Record<string | number, unknown>;
          for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
          delete o[path[path.length - 1] as string];
        });
        const v = validateScenario(copy, sql);
        const found = v.ok ? [] : v.problems;
        const byPath = new Map<string, number>();
        for (const p of found) byPath.set(p.path, (byPath.get(p.path) ?? 0) + 1);
        const context = `deleting ${path.join('.')}:\n${formatProblems(found)}`;
        expect(found.filter((p) => /undefined/.test(p.message)), context).toEqual([]);
        expect([...byPath].filter(([, n]) => n > 1), context).toEqual([]);
      }
    }
  });
});

describe('a key read through existing from a field that can be NULL (8)', () => {
  /** discontinue's key read from the field `name`, which addItem sets to `nameRef`. */
  const keyFromName = (nameRef: unknown) => (s: Json) => {
    (op(s, 'discontinue').params as Json).sku = { existing: 'items', field: 'name' };
    (effect(s, 'addItem').set as Json).name = nameRef;
  };
  const refused = (why: string) =>
    `operations.discontinue.effect.key.sku: a key column cannot be NULL, but parameter "sku" reads field "name" of "items", which can be NULL (${why}) (backfill orders and resumes by key, and NULL compares with nothing): read a key column of "items" instead, or make every write set "name" to a value`;
  const keyProblems = (mutate: (s: Json) => void): string[] => {
    const v = validateScenario(mutated(inventory, mutate), sql);
    return v.ok ? [] : v.problems.filter((p) => p.path === 'operations.discontinue.effect.key.sku').map((p) => `${p.path}: ${p.message}`);
  };

  it.each([
    ["nullif(:name, '')", "its expression calls nullif(), which returns NULL for input it cannot use"],
    ["json_extract(:name, '$.title')", 'its expression calls json_extract(), which returns NULL for input it cannot use'],
    ["CASE WHEN :stock > 0 THEN :name END", 'its expression has a CASE without ELSE, which is NULL when no branch matches'],
    [':name || (1 / :stock)', 'its expression divides (/) by what can be 0, and SQLite gives NULL for a division by zero'],
    ["CASE WHEN :stock > 0 THEN :name ELSE NULL END", 'its expression holds NULL'],
  ])('refuses an expr that can give NULL: %s', (expr, why) => {
    expect(keyProblems(keyFromName({ expr }))).toEqual([refused(`operations.addItem.effect.set.name: ${why}`)]);
  });

  it('refuses an expr over a parameter that can be NULL', () => {
    expect(
      keyProblems((s) => {
        keyFromName({ expr: 'upper(:name)' })(s);
        (op(s, 'addItem').params as Json).name = { nullable: 0.1, of: { text: [1, 3] } };
      }),
    ).toEqual([refused('operations.addItem.effect.set.name: its expression uses :name, and parameter "name" is nullable')]);
  });

  it.each([
    ['upper(:name)'],
    ["coalesce(json_extract(:name, '$.title'), 'untitled')"],
    ["CASE WHEN :name IS NULL THEN 'none' ELSE :name END"],
    [":name || (:stock / 100.0)"],
  ])('accepts an expr that obviously cannot give NULL: %s', (expr) => {
    expect(keyProblems(keyFromName({ expr }))).toEqual([]);
  });

  it('accepts a nullable parameter with a non-null ifNull', () => {
    expect(
      keyProblems((s) => {
        keyFromName({ param: 'name', ifNull: 'unnamed' })(s);
        (op(s, 'addItem').params as Json).name = { nullable: 0.1, of: { text: [1, 3] } };
      }),
    ).toEqual([]);
  });

  it('refuses a key read from a field an add can make NULL (a NULL delta)', () => {
    expect(
      keyProblems((s) => {
        (op(s, 'discontinue').params as Json).sku = { existing: 'items', field: 'stock' };
        (op(s, 'restock').params as Json).qty = { nullable: 0.1, of: { int: [5, 50] } };
      }),
    ).toEqual([
      'operations.discontinue.effect.key.sku: a key column cannot be NULL, but parameter "sku" reads field "stock" of "items", which can be NULL (operations.restock.effect.add.stock: a NULL delta makes the field NULL, and parameter "qty" is nullable) (backfill orders and resumes by key, and NULL compares with nothing): read a key column of "items" instead, or make every write set "stock" to a value',
    ]);
  });
});
