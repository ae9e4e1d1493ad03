/**
 * Validator warnings: on the dry run's data, every record read through its collection's canonical
 * `rows` query and through its `check` read, side by side; where they disagree the scenario is still
 * valid, with a warning at the path to change and what to change. inventory-truncating.json (a
 * canonical query truncating cents where the application rounds) passed the validator silently.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblems, validateScenario, type Problem } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { inventoryScenario } from '../support/inventory-scenario.ts';
import { nodeSql } from '../support/node.ts';
import { mutated, type Json } from '../support/scenario-mutations.ts';
import { UNREPAIRABLE_SCENARIO } from '../support/unrepairable-scenario.ts';

let sql: SqlEngine;
const docs: Record<string, Json> = {};
beforeAll(async () => {
  sql = await nodeSql();
  const root = resolve(import.meta.dirname, '../..');
  for (const name of ['inventory', 'inventory-truncating']) docs[name] = JSON.parse(await readFile(resolve(root, `docs/examples/${name}.json`), 'utf8')) as Json;
  const format = await readFile(resolve(root, 'docs/scenario-format.md'), 'utf8');
  docs['user-emails'] = JSON.parse(/## A complete example[\s\S]*?```json\n([\s\S]*?)\n```/.exec(format)?.[1] as string) as Json;
});

/** The warnings of a valid scenario; fails with the problems of an invalid one. */
function warningsOf(value: unknown): Problem[] {
  const v = validateScenario(value, sql);
  if (!v.ok) throw new Error(`expected a valid scenario:\n${formatProblems(v.problems)}`);
  return [...v.warnings];
}

const getItem = (s: Json) => (s.operations as Record<string, Json>).getItem as Json;

describe('scenarios whose canonical queries and check reads agree have no warnings', () => {
  it.each(Object.keys(BUILT_IN_SCENARIOS))('built-in %s', (id) => {
    expect(warningsOf(BUILT_IN_SCENARIOS[id])).toEqual([]);
  });

  it.each(['inventory', 'user-emails'])('docs: %s', (name) => {
    expect(warningsOf(docs[name])).toEqual([]);
  });

  it('the test fixtures (the inventory, the unrepairable users: its upper-casing upsert is what simulate catches)', () => {
    expect(warningsOf(inventoryScenario)).toEqual([]);
    expect(warningsOf(UNREPAIRABLE_SCENARIO)).toEqual([]);
  });
});

describe('inventory-truncating.json', () => {
  it('is valid, with a warning at the canonical query naming a record, the field and both values', () => {
    expect(warningsOf(docs['inventory-truncating'])).toEqual([
      {
        path: 'collections.items.rows.old',
        message:
          'on the dry run\'s data the canonical query and the application\'s read getItem disagree on 10 of 20 records; the first: ["sku-12"] price_cents 114 (rows.old) vs 115 (getItem.old); ' +
          'backfill copies what the canonical query says, so a canonical query that normalises differently from the application copies the difference to new — make the two compute the field the same way',
      },
    ]);
  });

  it('gets the same warning every time (the dry run draws from a fixed seed)', () => {
    expect(warningsOf(docs['inventory-truncating'])).toEqual(warningsOf(structuredClone(docs['inventory-truncating'])));
  });
});

describe('what else the comparison warns of', () => {
  it('a read on the new side that computes a field differently: reverse-sync copies the difference to old', () => {
    const s = mutated(docs.inventory, (x) => {
      getItem(x).new = String(getItem(x).new).replace('p.price_cents AS price_cents', 'p.price_cents + 1 AS price_cents');
    });
    expect(warningsOf(s)).toEqual([
      {
        path: 'collections.items.rows.new',
        message:
          'on the dry run\'s data the canonical query and the application\'s read getItem disagree on 20 of 20 records; the first: ["sku-1"] price_cents 1010 (rows.new) vs 1011 (getItem.new); ' +
          'reverse-sync copies what the canonical query says, so a canonical query that normalises differently from the application copies the difference to old — make the two compute the field the same way',
      },
    ]);
  });

  it('in split topology too, each side on its own database', () => {
    const s = mutated(docs.inventory, (x) => {
      x.topology = 'split';
      x.policy = 'compensate';
      getItem(x).new = String(getItem(x).new).replace('s.on_hand AS stock', 's.on_hand * 2 AS stock');
    });
    expect(warningsOf(s).map((w) => w.path)).toEqual(['collections.items.rows.new']);
    expect(warningsOf(s)[0]?.message).toMatch(/disagree on 20 of 20 records; the first: \["sku-1"\] stock 39 \(rows\.new\) vs 78 \(getItem\.new\); reverse-sync/);
  });

  it('a check read that does not return a record the canonical query returns', () => {
    const s = mutated(docs.inventory, (x) => {
      getItem(x).old = `${String(getItem(x).old)} AND stock > 60`;
    });
    expect(warningsOf(s)).toEqual([
      {
        path: 'collections.items.rows.old',
        message:
          'on the dry run\'s data the application\'s read getItem returns nothing for 15 of the 20 records the canonical query returns; the first: ["sku-1"] (getItem.old with {"sku":"sku-1"}); ' +
          'the history checker and verify find records through this read, so they would miss it — make the read return every record the canonical query does, given the columns check.params maps',
      },
    ]);
  });

  it('a check read that fails on the data, at the read', () => {
    const s = mutated(docs.inventory, (x) => {
      getItem(x).old = String(getItem(x).old).replace('SELECT sku, name,', "SELECT sku, json_extract(name, '$.x') AS name,");
    });
    expect(warningsOf(s)).toEqual([
      {
        path: 'operations.getItem.old',
        message:
          'fails on the dry run\'s data with {"sku":"sku-1"} (the check read of "items", given the columns of a record collections.items.rows.old returns): malformed JSON; ' +
          'the history checker and verify read every record through it: make it accept every record the canonical query returns',
      },
    ]);
  });
});
