/**
 * Writes as applications write them: `add` (UPDATE … SET stock = stock - :qty) and computed values
 * ({ "expr": "CAST(ROUND(:price * 100) AS INTEGER)" }), through the model, the history checker on
 * hand-built histories of the inventory fixture, the validator's refusals (each message as printed)
 * and a simulation in strict durability.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkHistory, finalReads, type FinalObservation } from '../../src/engine/checks/history-checker.ts';
import { applyEffect } from '../../src/engine/checks/model.ts';
import { NO_EXPRESSIONS, sqlExpressions, type Expressions } from '../../src/engine/expressions.ts';
import type { Collection, Scenario, WriteOperation } from '../../src/engine/scenario/format.ts';
import { formatProblems, validateScenario } from '../../src/engine/scenario/validate.ts';
import type { Params, Row, SqlEngine } from '../../src/engine/sql.ts';
import { simulate } from '../../src/harness/simulate.ts';
import { HistoryBuilder } from '../support/history-builder.ts';
import { inventoryScenario, PRICE_CENTS } from '../support/inventory-scenario.ts';
import { nodeSql } from '../support/node.ts';
import { mutated, rejection, type Json } from '../support/scenario-mutations.ts';

let sql: SqlEngine;
let expressions: Expressions;
beforeAll(async () => {
  sql = await nodeSql();
  expressions = sqlExpressions(sql);
});

const inventory = inventoryScenario;
const items = inventory.collections.items as Collection;
const write = (name: string): WriteOperation => inventory.operations[name] as WriteOperation;

describe('the inventory fixture', () => {
  it('passes the validator', () => {
    const v = validateScenario(inventory, sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
    expect(v.scenario.id).toBe('inventory');
  });
});

// ---------------------------------------------------------------------------------------------
// The model: one write's effect on one record

describe('applyEffect with add and expr', () => {
  const item = (stock: number | string | null, price_cents: number | null = 1999) => ({ name: 'lamp', stock, price_cents });

  it('adds a negative expression delta to an integer, as stock = stock - :qty does', () => {
    expect(applyEffect(items, write('sell'), { sku: 'sku-1', qty: 3 }, item(10), expressions)).toEqual(item(7));
  });

  it('adds a parameter delta and goes below zero like SQL does', () => {
    expect(applyEffect(items, write('restock'), { sku: 'sku-1', delta: -12 }, item(10), expressions)).toEqual(item(-2));
  });

  it('keeps NULL: NULL plus a delta and a value plus a NULL delta are NULL, as in SQL', () => {
    expect(applyEffect(items, write('restock'), { sku: 'sku-1', delta: 5 }, item(null), expressions)).toEqual(item(null));
    expect(applyEffect(items, write('restock'), { sku: 'sku-1', delta: null }, item(10), expressions)).toEqual(item(null));
  });

  it('adds a REAL as a real number', () => {
    expect(applyEffect(items, write('restock'), { sku: 'sku-1', delta: 0.5 }, item(10), expressions)).toEqual(item(10.5));
  });

  it('adds to text as SQLite does, through the expressions port', () => {
    expect(applyEffect(items, write('restock'), { sku: 'sku-1', delta: 5 }, item('10'), expressions)).toEqual(item(15));
    expect(applyEffect(items, write('restock'), { sku: 'sku-1', delta: 5 }, item('12 boxes'), expressions)).toEqual(item(17));
    expect(applyEffect(items, write('restock'), { sku: 'sku-1', delta: 5 }, item('none'), expressions)).toEqual(item(5));
    expect(() => applyEffect(items, write('restock'), { sku: 'sku-1', delta: 5 }, item('10'), NO_EXPRESSIONS)).toThrow(/pass an evaluator/);
  });

  it('leaves an absent record absent: an update adds nothing to a record that does not exist', () => {
    expect(applyEffect(items, write('sell'), { sku: 'sku-1', qty: 3 }, null, expressions)).toBeNull();
  });

  it('computes a price in cents as SQLite rounds it (0.29 dollars is 29 cents, where truncating 28.999999999999996 gives 28)', () => {
    const reprice = (price: number) => applyEffect(items, write('reprice'), { sku: 'sku-1', price }, item(4), expressions);
    const db = sql.open();
    const sqlite = (text: string): number => Number(db.query(`SELECT ${text} AS v`)[0]?.v);
    expect(reprice(0.29)).toEqual(item(4, 29));
    expect(sqlite('CAST(0.29 * 100 AS INTEGER)'), 'truncating').toBe(28);
    expect(reprice(19.99)).toEqual(item(4, 1999));
    expect(reprice(2.675)).toEqual(item(4, sqlite('CAST(ROUND(2.675 * 100) AS INTEGER)')));
    db.close();
  });
});

// ---------------------------------------------------------------------------------------------
// The history checker on hand-built inventory histories

/** A history of the inventory; invocations and completions are recorded in the order the test calls them. */
class Hist extends HistoryBuilder {
  constructor() {
    super(inventory);
  }

  /** The check with what the final reads return, by sku (missing: no rows). */
  check(final: Record<string, Row | undefined>) {
    const finals: FinalObservation[] = finalReads(inventory, this.h.ops, expressions).map((r) => {
      const row = final[String(r.params.sku)];
      return { ...r, rows: row ? [row] : [] };
    });
    return checkHistory(inventory, this.h.ops, finals, expressions);
  }
}

const row = (sku: string, stock: number | null, price_cents = 1999): Row => ({ sku, name: 'lamp', stock, price_cents });
const addItem = (sku: string, stock: number, price = 19.99): Params => ({ sku, name: 'lamp', stock, price });
const sell = (sku: string, qty: number): Params => ({ sku, qty });
const restock = (sku: string, delta: number): Params => ({ sku, delta });

describe('the history checker with increments', () => {
  it('accepts the sum of acknowledged increments and calls a missing one lost', () => {
    const h = new Hist();
    h.run('addItem', addItem('sku-1', 10));
    h.run('sell', sell('sku-1', 3));
    h.run('restock', restock('sku-1', 5));
    expect(h.check({ 'sku-1': row('sku-1', 12) })).toMatchObject({ valid: true, lost: [], unexpected: [] });
    const withoutRestock = h.check({ 'sku-1': row('sku-1', 7) });
    expect(withoutRestock.lost.map((l) => `${l.operation.name} ${l.key}: found ${String(l.found?.stock)}`)).toEqual(['restock ["sku-1"]: found 7']);
    // The sale lost but the restock applied: a count no order of the writes gives.
    expect(h.check({ 'sku-1': row('sku-1', 15) }).unexpected.map((u) => u.found?.stock)).toEqual([15]);
  });

  it('holds a failed increment to having no effect', () => {
    const h = new Hist();
    h.run('addItem', addItem('sku-1', 10));
    h.run('sell', sell('sku-1', 3), 'fail');
    expect(h.check({ 'sku-1': row('sku-1', 10) })).toMatchObject({ valid: true, failedWrites: 1 });
    expect(h.check({ 'sku-1': row('sku-1', 7) }).unexpected.map((u) => u.found?.stock)).toEqual([7]);
  });

  it('allows an indeterminate increment to have applied or not, and counts it recovered when it did', () => {
    const h = new Hist();
    h.run('addItem', addItem('sku-1', 10));
    h.indeterminate(h.invoke('sell', sell('sku-1', 3)));
    h.run('restock', restock('sku-1', 5));
    expect(h.check({ 'sku-1': row('sku-1', 15) })).toMatchObject({ valid: true, recovered: 0, indeterminateWrites: 1 });
    expect(h.check({ 'sku-1': row('sku-1', 12) })).toMatchObject({ valid: true, recovered: 1 });
    expect(h.check({ 'sku-1': row('sku-1', 9) }).unexpected.map((u) => u.found?.stock)).toEqual([9]);
  });

  it('lets concurrent increments land in either order (they commute) and reads in between see either one', () => {
    const h = new Hist();
    h.run('addItem', addItem('sku-1', 10));
    const a = h.invoke('sell', sell('sku-1', 3));
    const b = h.invoke('sell', sell('sku-1', 2));
    const during = h.invoke('getItem', { sku: 'sku-1' });
    h.complete(during, 'ok', [row('sku-1', 8)]);
    h.complete(b, 'ok');
    h.complete(a, 'ok');
    const report = h.check({ 'sku-1': row('sku-1', 5) });
    expect(report).toMatchObject({ valid: true, unexpectedReads: 0, staleReads: 0 });
    expect(h.check({ 'sku-1': row('sku-1', 8) }).lost.map((l) => l.operation.name)).toEqual(['sell']);
  });

  it('finds a read that missed an increment completed before it began stale', () => {
    const h = new Hist();
    h.run('addItem', addItem('sku-1', 10));
    h.run('sell', sell('sku-1', 3));
    h.run('getItem', { sku: 'sku-1' }, 'ok', [row('sku-1', 10)]);
    expect(h.check({ 'sku-1': row('sku-1', 7) })).toMatchObject({ valid: true, staleReads: 1 });
  });

  it('does not accuse a record whose increments outgrow the bound (2^8 sums), counts it undecided, and still finds a count no increments reach or a name never written', () => {
    const h = new Hist();
    h.run('addItem', addItem('sku-1', 10));
    const deltas = [1, 2, 4, 8, 16, 32, 64, 128];
    for (const d of deltas) h.indeterminate(h.invoke('restock', restock('sku-1', d)));
    // Every restock landed: 10 + 255, a sum the bounded search may never reach.
    expect(h.check({ 'sku-1': row('sku-1', 265) })).toMatchObject({ lost: [], unexpected: [], undecided: 1 });
    expect(h.check({ 'sku-1': row('sku-1', 10 + 128 + 1) })).toMatchObject({ lost: [], unexpected: [], undecided: 1 });
    // Not found: not accused either (the record cannot be decided).
    expect(h.check({})).toMatchObject({ lost: [], undecided: 1 });
    expect(h.check({ 'sku-1': row('sku-1', 10 + 256) }).unexpected.map((u) => u.found?.stock)).toEqual([266]);
    expect(h.check({ 'sku-1': row('sku-1', 9) }).unexpected.map((u) => u.found?.stock)).toEqual([9]);
    expect(h.check({ 'sku-1': { ...row('sku-1', 265), name: 'nobody wrote this' } }).unexpected).toHaveLength(1);
  });

  it('decides a record with many indeterminate increments of one size: their sums stay few', () => {
    const h = new Hist();
    h.run('addItem', addItem('sku-1', 10));
    for (let i = 0; i < 30; i++) h.indeterminate(h.invoke('sell', sell('sku-1', 1)));
    expect(h.check({ 'sku-1': row('sku-1', 0) })).toMatchObject({ valid: true, undecided: 0, recovered: 1 });
    expect(h.check({ 'sku-1': row('sku-1', -21) }).unexpected.map((u) => u.found?.stock)).toEqual([-21]);
  });
});

describe('the history checker with computed values', () => {
  it('expects the rounded cents the expression computes and finds truncated ones unexpected', () => {
    const h = new Hist();
    h.run('addItem', addItem('sku-1', 4, 19.99));
    h.run('reprice', { sku: 'sku-1', price: 0.29 });
    expect(h.check({ 'sku-1': row('sku-1', 4, 29) })).toMatchObject({ valid: true });
    expect(h.check({ 'sku-1': row('sku-1', 4, 28) }).unexpected.map((u) => u.found?.price_cents)).toEqual([28]);
    expect(h.check({ 'sku-1': row('sku-1', 4, 1999) }).lost.map((l) => l.operation.name)).toEqual(['reprice']);
  });
});

// ---------------------------------------------------------------------------------------------
// The validator's refusals, each with its path and the message it prints

const broken = (mutate: (s: Json) => void): Json => mutated(inventory, mutate);
const ops = (s: Json) => s.operations as Record<string, Json>;
const effect = (s: Json, op: string) => ops(s)[op]!.effect as Json;
const params = (s: Json, op: string) => ops(s)[op]!.params as Json;
const setPrice = (expr: string) => (s: Json) => ((effect(s, 'reprice').set as Json).price_cents = { expr });
const sellAdds = (ref: unknown) => (s: Json) => (effect(s, 'sell').add = { stock: ref });

const ADD_ONLY_UPDATE = 'only an "update" can add (a relative change of a record that exists, as "UPDATE items SET stock = stock + :delta")';
const NOT_DETERMINISTIC_CALL = (fn: string, message: string, remedy: string) =>
  `is not deterministic (SQLite: "${message}"): it calls ${fn}, whose answer changes from call to call, or from one SQLite build to another, so the history checker, computing it again, would not get what the write stored; ${remedy}`;
const VALUE_REMEDY = 'draw the value as a parameter ({"int": [min, max]}, {"oneOf": [...]}) and compute from it';
const CLOCK_REMEDY = 'draw the time as a parameter ({ "now": "ms" } or { "now": "iso" }) and compute from it, e.g. datetime(:at / 1000, \'unixepoch\')';
const CLOCK = (fn: string, context = '') =>
  `is not deterministic${context} (SQLite: "non-deterministic use of ${fn}() in a generated column"): ${fn}() reads the clock ('now', or no time value at all) or the machine's time zone ('localtime', 'utc'), so its answer depends on when and where it runs and the history checker, computing it again, would not get what the write stored; ${CLOCK_REMEDY}`;
const PROHIBITED = 'non-deterministic functions prohibited in generated columns';
const NUMBER_REMEDY = '"add" changes a field by a number (SQLite would add the number the text starts with, or 0); draw it with {"int": [min, max]} or a {"oneOf"} of numbers';

describe('the validator refuses what add and expr cannot mean, at the path, with what to change', () => {
  const cases: [string, (s: Json) => void, string, string][] = [
    [
      'a key computed with expr',
      (s) => ((effect(s, 'sell').key as Json).sku = { expr: "'sku-' || :qty" }),
      'operations.sell.effect.key.sku',
      'a key cannot be computed with "expr": keys identify records (the write\'s lock and version, the history, the workload\'s picks of existing records) and order backfill, so a key is a value the statements bind as it is; compute the key in the parameter generator (e.g. {"template": "sku-{seq}"}) and name that parameter here',
    ],
    ['add on an insert', (s) => (effect(s, 'addItem').add = { name: 'name' }), 'operations.addItem.effect.add', `${ADD_ONLY_UPDATE}; an insert creates the record: give "name" its starting value in "set"`],
    [
      'add on an upsert',
      (s) => Object.assign(effect(s, 'addItem'), { type: 'upsert', set: { name: 'name', price_cents: { expr: PRICE_CENTS } }, add: { stock: 'stock' } }),
      'operations.addItem.effect.add',
      `${ADD_ONLY_UPDATE}; an upsert that adds would count the delta on whatever each side holds, and a side lacking the record or holding an older one would end with another count under the same version: set the field instead, or split the write into an insert that sets "stock" and an update that adds to it`,
    ],
    ['add on a delete', (s) => (effect(s, 'discontinue').add = { stock: { value: 1 } }), 'operations.discontinue.effect.add', `${ADD_ONLY_UPDATE}; a delete changes no field`],
    [
      'a field both set and added',
      (s) => (effect(s, 'sell').set = { stock: 'qty' }),
      'operations.sell.effect.add.stock',
      '"stock" is both set and added: a write either replaces a field ("set") or changes it by a delta ("add"); keep it in one of them',
    ],
    ['a field the collection does not have', (s) => (effect(s, 'sell').add = { stok: { expr: '-:qty' } }), 'operations.sell.effect.add.stok', '"stok" is not a field of "items" (its fields: name, stock, price_cents): did you mean "stock"?'],
    ['a key column', (s) => (effect(s, 'sell').add = { sku: 'qty' }), 'operations.sell.effect.add.sku', '"sku" is a key column of "items": a write cannot change a record\'s key; add to a field (name, stock, price_cents)'],
    ['add naming no field', (s) => (effect(s, 'sell').add = {}), 'operations.sell.effect.add', 'names no field: add to at least one, or remove "add"'],
    ['a text parameter as the delta', (s) => (params(s, 'restock').delta = { template: '{int:1:5}' }), 'operations.restock.effect.add.stock', `parameter "delta" is text (a {"template"} generator): ${NUMBER_REMEDY}`],
    ['a text literal as the delta', sellAdds({ value: 'x' }), 'operations.sell.effect.add.stock', `adds the text "x": ${NUMBER_REMEDY}`],
    [
      'a value reference with both value and expr',
      sellAdds({ expr: '-:qty', value: 1 }),
      'operations.sell.effect.add.stock',
      'has "value" and "expr": a value reference is one of a parameter name, {"param", "ifNull"}, {"value"} or {"expr"}; keep one',
    ],
    ['an empty expression', sellAdds({ expr: ' ' }), 'operations.sell.effect.add.stock.expr', 'must not be empty'],
    ['random()', sellAdds({ expr: '-:qty + random() % 2' }), 'operations.sell.effect.add.stock', NOT_DETERMINISTIC_CALL('random()', PROHIBITED, VALUE_REMEDY)],
    ['randomblob()', setPrice('length(randomblob(:price))'), 'operations.reprice.effect.set.price_cents', NOT_DETERMINISTIC_CALL('randomblob()', PROHIBITED, VALUE_REMEDY)],
    ['CURRENT_TIMESTAMP', setPrice('CURRENT_TIMESTAMP'), 'operations.reprice.effect.set.price_cents', NOT_DETERMINISTIC_CALL('CURRENT_TIMESTAMP', PROHIBITED, CLOCK_REMEDY)],
    ['CURRENT_DATE', setPrice('CURRENT_DATE'), 'operations.reprice.effect.set.price_cents', NOT_DETERMINISTIC_CALL('CURRENT_DATE', PROHIBITED, CLOCK_REMEDY)],
    ['changes()', setPrice('changes() + :price'), 'operations.reprice.effect.set.price_cents', NOT_DETERMINISTIC_CALL('changes()', PROHIBITED, VALUE_REMEDY)],
    ['last_insert_rowid()', setPrice('last_insert_rowid()'), 'operations.reprice.effect.set.price_cents', NOT_DETERMINISTIC_CALL('last_insert_rowid()', PROHIBITED, VALUE_REMEDY)],
    ['total_changes()', setPrice('total_changes()'), 'operations.reprice.effect.set.price_cents', NOT_DETERMINISTIC_CALL('total_changes()', PROHIBITED, VALUE_REMEDY)],
    ['sqlite_version()', setPrice('sqlite_version()'), 'operations.reprice.effect.set.price_cents', NOT_DETERMINISTIC_CALL('sqlite_version()', PROHIBITED, VALUE_REMEDY)],
    ["datetime('now')", setPrice("datetime('now')"), 'operations.reprice.effect.set.price_cents', CLOCK('datetime')],
    ["date('now')", setPrice("date('now')"), 'operations.reprice.effect.set.price_cents', CLOCK('date')],
    ["julianday('now')", setPrice("julianday('now')"), 'operations.reprice.effect.set.price_cents', CLOCK('julianday')],
    ["strftime(…, 'now')", setPrice("CAST(strftime('%s','now') AS INTEGER)"), 'operations.reprice.effect.set.price_cents', CLOCK('strftime')],
    ['unixepoch() without a time', setPrice('unixepoch()'), 'operations.reprice.effect.set.price_cents', CLOCK('unixepoch')],
    ["the 'localtime' modifier", setPrice("datetime(:price, 'unixepoch', 'localtime')"), 'operations.reprice.effect.set.price_cents', CLOCK('datetime')],
    [
      "a parameter drawing 'now' (found by the dry run)",
      (s) => {
        params(s, 'reprice').when = { const: 'now' };
        setPrice('date(:when)')(s);
      },
      'operations.reprice.effect.set.price_cents',
      CLOCK('date', ' with the dry run\'s parameters {"when":"now"}'),
    ],
    ['a parameter the operation does not declare', setPrice('ROUND(:cost * 100)'), 'operations.reprice.effect.set.price_cents', "uses :cost, which is not one of :sku, :price (an expression computes from its operation's parameters): declare \"cost\" in operations.reprice.params, or use one of those"],
    ['a parameter in another style', setPrice('ROUND(? * 100)'), 'operations.reprice.effect.set.price_cents', "uses the parameter ?: write the operation's parameters as :name"],
    [
      'a column instead of a parameter',
      sellAdds({ expr: 'stock - :qty' }),
      'operations.sell.effect.add.stock',
      'does not prepare as SELECT (<expr>): no such column: stock; an expression sees only its operation\'s parameters, written with a colon (:sku, :qty), not columns or fields (to change a field by a delta, use "add")',
    ],
    ['a table read', setPrice('(SELECT price FROM items)'), 'operations.reprice.effect.set.price_cents', "does not prepare as SELECT (<expr>): no such table: items; an expression computes from its operation's parameters alone and cannot read tables"],
    [
      'a subquery reading no table',
      setPrice('(SELECT :price * 100)'),
      'operations.reprice.effect.set.price_cents',
      'contains a subquery (SQLite: "subqueries prohibited in generated columns"): an expression computes one value from its operation\'s parameters alone; write it without SELECT',
    ],
    [
      'an aggregate function',
      setPrice('max(:price)'),
      'operations.reprice.effect.set.price_cents',
      "calls the aggregate function max(), which combines rows: an expression computes one value from one write's parameters; use a scalar function (max(a, b) with two or more arguments is one)",
    ],
    ['two expressions', setPrice(':price), (1'), 'operations.reprice.effect.set.price_cents', 'is not one expression: SELECT (<expr>) returns 2 columns; write a single expression (no commas outside parentheses)'],
    ['statements', setPrice(':price); DROP TABLE items; SELECT (1'), 'operations.reprice.effect.set.price_cents', 'holds a ";": an expression is one value, not statements; write a single expression over the operation\'s parameters'],
    [
      'a clause after the expression',
      setPrice(':price) AS v FROM (SELECT 1'),
      'operations.reprice.effect.set.price_cents',
      'is not one expression (SQLite: "near "AS": syntax error" once it stands alone): write a single expression, with no clause, comma or semicolon outside its parentheses',
    ],
    ['a syntax error', setPrice(':price *'), 'operations.reprice.effect.set.price_cents', 'does not prepare as SELECT (<expr>): near ")": syntax error; write one SQL expression over the operation\'s parameters (:sku, :price)'],
    [
      'an expression failing on generated parameters (found by the dry run)',
      setPrice("json_extract(:sku, '$.cents')"),
      'operations.reprice.effect.set.price_cents',
      'failed in a dry run with generated parameters {"sku":"sku-7"}: malformed JSON — the model and the history checker compute it for every such write, and an error there stops the history check; make it accept every value the operation\'s generators draw (guard with CASE, or json_valid() for JSON)',
    ],
    [
      'an expression delta computing text (found by the dry run)',
      sellAdds({ expr: "'-' || :qty" }),
      'operations.sell.effect.add.stock',
      'gave the text "-5" in a dry run with generated parameters {"qty":5}: "add" changes a field by a number (SQLite would add the number the text starts with, or 0); make the expression compute a number (e.g. CAST(… AS INTEGER))',
    ],
  ];

  it.each(cases)('%s', (_what, mutate, path, message) => {
    expect(rejection(broken(mutate), sql).filter((p) => p.path === path)).toEqual([{ path, message }]);
  });

  it("leaves ':name' inside a string literal alone and accepts the 'now' of a literal that is not a date function's", () => {
    const ok = broken(setPrice("CASE WHEN ':sku' = ':' || 'sku' AND 'now' <> '' THEN CAST(ROUND(:price * 100) AS INTEGER) END"));
    const v = validateScenario(ok, sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
  });

  it('accepts an update that only adds, and date functions over a parameter', () => {
    const ok = broken((s) => {
      params(s, 'reprice').at = { now: 'ms' };
      setPrice("CAST(strftime('%Y', :at / 1000, 'unixepoch') AS INTEGER) * 0 + CAST(ROUND(:price * 100) AS INTEGER)")(s);
    });
    const v = validateScenario(ok, sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
    expect((v.scenario.operations.sell as WriteOperation).effect).not.toHaveProperty('set');
  });
});

// ---------------------------------------------------------------------------------------------
// Whole rehearsals

describe('simulating the inventory', () => {
  it('holds every invariant in strict durability (5 seeds × 200 operations, faults and crashes)', async () => {
    const report = await simulate({ scenario: inventory, sql, seeds: 5, ops: 200, faultRate: 0.1, durability: 'strict' });
    expect(report.failures.map((f) => `seed ${f.seed} ${f.invariant}: ${f.detail}`)).toEqual([]);
    expect(report.totals).toMatchObject({ lostWrites: 0, unexpectedReads: 0, inconsistentRows: 0, duplicates: 0 });
    // The run did exercise what this file is about: crashes, and increments that may have landed.
    expect(report.totals.crashes).toBeGreaterThan(0);
    expect(report.totals.acknowledgedWrites).toBeGreaterThan(300);
  });

  it('catches an effect that declares the wrong sign of a sale', async () => {
    const wrong = mutated(inventory, sellAdds({ expr: ':qty' })) as unknown as Scenario;
    const report = await simulate({ scenario: wrong, sql, seeds: 1, ops: 60, faultRate: 0, durability: 'strict' });
    expect(report.failures.map((f) => f.invariant)).toContain('unexpected-values');
  });
});
