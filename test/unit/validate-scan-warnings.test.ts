/**
 * Issue 11: the validator warns when a collection's key lookup or a read's plan reads a whole table
 * where an index would make it a search, naming the index and the schema to declare it in. Not
 * blocking: the scenario stays valid.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblems, validateScenario, type Problem } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';
import { mutated, type Json } from '../support/scenario-mutations.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

function warningsOf(value: unknown): readonly Problem[] {
  const v = validateScenario(value, sql);
  if (!v.ok) throw new Error(formatProblems(v.problems));
  return v.warnings;
}

describe('full scans the validator warns about', () => {
  it('job-keys without its expression index: the key lookup scans kv on both sides, and the warning names the index', () => {
    const withoutIndex = mutated(BUILT_IN_SCENARIOS['job-keys'], (s) => {
      const schema = s.schema as { old: string[]; new: string[] };
      schema.old = schema.old.filter((ddl) => !ddl.startsWith('CREATE INDEX'));
      schema.new = schema.new.filter((ddl) => !ddl.startsWith('CREATE INDEX'));
    });
    const warnings = warningsOf(withoutIndex).filter((w) => w.path.startsWith('collections.jobs.rows.'));
    expect(warnings.map((w) => w.path)).toEqual(['collections.jobs.rows.old', 'collections.jobs.rows.new']);
    for (const w of warnings) {
      expect(w.message).toMatch(/^the lookup of one jobs record by key on (old|new) reads the whole table \(SCAN kv\b/);
      expect(w.message).toMatch(/declare "CREATE INDEX [^"]+ ON kv ?\(json_extract\(value, '\$\.job_id'\)\)" in schema\.(old|new), which makes it SEARCH kv USING INDEX/);
    }
  });

  it('is silent for the built-ins and the docs\' examples, which declare what they need', async () => {
    for (const [id, scenario] of Object.entries(BUILT_IN_SCENARIOS)) expect(warningsOf(scenario), id).toEqual([]);
    const inventory = JSON.parse(await readFile(resolve(import.meta.dirname, '../../docs/examples/inventory.json'), 'utf8')) as Json;
    expect(warningsOf(inventory)).toEqual([]);
  });
});
