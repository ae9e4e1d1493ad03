import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblems, parseScenario } from '../../src/engine/scenario/validate.ts';
import { simulate } from '../../src/harness/simulate.ts';
import { nodeSql } from '../support/node.ts';

describe('the complete example in docs/scenario-format.md', () => {
  it('validates as written and keeps every acknowledged write in a simulation', async () => {
    const doc = await readFile(resolve(import.meta.dirname, '../../docs/scenario-format.md'), 'utf8');
    const block = /## A complete example[\s\S]*?```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const sql = await nodeSql();
    const v = parseScenario(block as string, sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
    const report = await simulate({ scenario: v.scenario, sql, seeds: 2, ops: 100, faultRate: 0.1, durability: 'strict' });
    expect(report.failures).toEqual([]);
    expect(report.totals.acknowledgedWrites).toBeGreaterThan(50);
  });
});
