/**
 * The public API as a consumer calls it (issue 12's newcomer's findings): `rehearse` and `simulate`
 * check their options with the CLI's messages, take starting records, take a built-in id or a
 * scenario object and load sql.js themselves in Node; `parsePlan`/`validatePlan` take a built-in id
 * too and never throw; the one-line summary of a gate that failed for too few reads says so.
 */
import { describe, expect, it } from 'vitest';
import { formatRehearsal } from '../../src/harness/cli.ts';
import { InvalidOptionsError, parsePlan, parseScenario, rehearse, simulate, validatePlan, validateScenario, loadNodeSqlEngine, type Plan } from '../../src/harness/index.ts';
import { renderJUnit } from '../../src/harness/plan/junit.ts';
import { describeFigures, renderRunbook } from '../../src/harness/plan/runbook.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';

const verifyOnly: Plan = { format: 1, steps: [{ kind: 'verify' }] };

describe('rehearse() options', () => {
  it('refuses a misspelt durability, a fractional seed, an unknown option and a bad store, each saying what to give', async () => {
    await expect(rehearse('job-keys', verifyOnly, { seed: 1, durability: 'stric' as 'strict' })).rejects.toThrow('rehearse: options.durability "stric": use strict, group, unsafe-ack-first (did you mean "strict"?)');
    await expect(rehearse('job-keys', verifyOnly, { seed: 1.5, durability: 'strict' })).rejects.toThrow(InvalidOptionsError);
    await expect(rehearse('job-keys', verifyOnly, { seed: 1.5, durability: 'strict' })).rejects.toThrow('a seed is a whole number (or a word)');
    await expect(rehearse('job-keys', verifyOnly, { seed: 1, durability: 'strict', seeds: 3 } as never)).rejects.toThrow('rehearse: unknown option "seeds" (did you mean "seed"?)');
    await expect(rehearse('job-keys', verifyOnly, { seed: 1, durability: 'strict', store: {} as never })).rejects.toThrow('options.store is not a store');
    await expect(rehearse('job-keys', verifyOnly, undefined as never)).rejects.toThrow('rehearse: expected an options object');
  });

  it('starts with starting records (a count: the first write that can make them), and refuses a count out of range or a read', async () => {
    const plain = await rehearse('job-keys', verifyOnly, { seed: 2, durability: 'strict' });
    const started = await rehearse('job-keys', verifyOnly, { seed: 2, durability: 'strict', startingRecords: 500 });
    const named = await rehearse('job-keys', verifyOnly, { seed: 2, durability: 'strict', startingRecords: { count: 500, operation: 'enqueue' } });
    // Keys made from the seed may repeat (they count once): at least 450 of the 500 are new records.
    expect(started.invariants.verify?.records).toBeGreaterThanOrEqual((plain.invariants.verify?.records ?? 0) + 450);
    expect(started.invariants.history.lost).toEqual([]);
    // The default operation is enqueue: the same run, byte for byte.
    expect(JSON.stringify(named)).toBe(JSON.stringify(started));
    // The plan's own field does the same.
    const inPlan = await rehearse('job-keys', { ...verifyOnly, startingRecords: { count: 500 } }, { seed: 2, durability: 'strict' });
    expect(JSON.stringify(inPlan)).toBe(JSON.stringify(started));
    await expect(rehearse('job-keys', verifyOnly, { seed: 2, durability: 'strict', startingRecords: 0 })).rejects.toThrow('options.startingRecords.count: expected an integer from 1 to 2000000, found number 0');
    await expect(rehearse('job-keys', verifyOnly, { seed: 2, durability: 'strict', startingRecords: { count: 10, operation: 'getJob' } })).rejects.toThrow('"getJob" does not make a whole record');
  }, 60_000);
});

describe('the plan field "startingRecords"', () => {
  it('is checked at its path: the count, an operation that does not exist or cannot make records, a bare number', () => {
    const problems = (startingRecords: unknown, scenario?: string): string[] => {
      const v = validatePlan({ ...verifyOnly, startingRecords }, scenario);
      return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
    };
    expect(problems({ count: 10_000 }, 'job-keys')).toEqual([]);
    expect(problems({ count: 10_000, operation: 'enqueue' }, 'job-keys')).toEqual([]);
    expect(problems({ count: 3_000_000 })).toEqual(['startingRecords.count: expected an integer from 1 to 2000000, found number 3000000']);
    expect(problems({ count: 10, operation: 'enqeue' }, 'job-keys')).toEqual(['startingRecords.operation: no operation named "enqeue" in "job-keys": did you mean "enqueue"?']);
    expect(problems({ count: 10, operation: 'updateStatus' }, 'job-keys')[0]).toMatch(/^startingRecords\.operation: "updateStatus" does not make a whole record .*: choose one of enqueue$/);
    expect(problems(10_000)).toEqual(['startingRecords: expected { "count": 10000 }, found a bare number: give the count as "count" (and optionally the write that makes them as "operation")']);
    expect(problems({ cout: 5 })).toEqual(['startingRecords.cout: unknown key "cout" (did you mean "count"?)', 'startingRecords.count: is required: how many records the old schema starts with, a whole number from 1 to 2000000, e.g. "count": 10000']);
  });
});

describe('parsePlan and validatePlan', () => {
  it('take a built-in scenario id, and report an unknown id or a value that is no scenario as a problem instead of throwing', () => {
    const text = JSON.stringify({ format: 1, steps: [{ kind: 'workload', operations: 5, mix: { getJbo: 1 } }] });
    const v = parsePlan(text, 'job-keys');
    expect(v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(['steps[0].mix.getJbo: no operation named "getJbo" in "job-keys": did you mean "getJob"?']);
    const unknown = parsePlan(text, 'job-key');
    expect(unknown.ok ? '' : unknown.problems[0]?.message).toBe('no built-in scenario "job-key" to validate the plan against: did you mean "job-keys"?, or pass the scenario object');
    const notScenario = validatePlan(JSON.parse(text), 42 as never);
    expect(notScenario.ok ? '' : notScenario.problems[0]?.message).toBe("the scenario to validate the plan against must be a scenario object or a built-in scenario's id, found number 42");
    const notText = parsePlan({ format: 1 } as never);
    expect(notText.ok ? '' : notText.problems[0]?.message).toMatch(/^expected the plan's text \(a string\), found an object/);
  });

  it('suggest the key or value meant by its beginning: p99 for p99Ms, between-write for between-writes', () => {
    const v = validatePlan({ format: 1, steps: [{ kind: 'workload', operations: 5, gate: { p99: { new: 5 } } }, { kind: 'crash', at: 'between-write' }] });
    expect(v.ok ? [] : v.problems.map((p) => p.message)).toEqual([
      'unknown key "p99" (did you mean "p99Ms"?)',
      'names no gate: give at least one of "mismatchRate", "fallbackRate", "errorRate", "lostWrites", "unexpected", "verifyClean", "p99Ms"',
      'expected one of "before-authoritative", "between-writes", "after-writes-before-ack", "mid-backfill-batch", "before-persist", "during-checkpoint", found "between-write": did you mean "between-writes"?',
    ]);
  });
});

describe('simulate() from a consumer', () => {
  it('takes a built-in id without sql and gives the report simulate takes with sql; a scenario object replays as --scenario <your scenario file>', async () => {
    const sql = await loadNodeSqlEngine();
    const byId = await simulate({ scenario: 'job-keys', seeds: 2, ops: 30, faultRate: 0.1, durability: 'strict' });
    const withSql = await simulate({ scenario: BUILT_IN_SCENARIOS['job-keys'] as never, sql, seeds: 2, ops: 30, faultRate: 0.1, durability: 'strict', scenarioArg: 'job-keys' });
    expect(JSON.stringify(byId)).toBe(JSON.stringify(withSql));
    expect(byId.settings).not.toHaveProperty('startingRecords');
    await expect(simulate({ scenario: 'job-key', seeds: 1, ops: 10, faultRate: 0, durability: 'strict' })).rejects.toThrow('no built-in scenario "job-key": did you mean "job-keys"?');
    await expect(simulate({ scenario: 'job-keys', seeds: 0, ops: 10, faultRate: 0, durability: 'strict' })).rejects.toThrow('simulate: options.seeds number 0: a whole number from 1 to 100000');
    // A copy that is not a built-in: the replay cannot name it by id.
    const own = { ...(BUILT_IN_SCENARIOS['job-keys'] as object), id: 'my-jobs' } as never;
    const careless = await simulate({ scenario: own, seeds: 1, ops: 40, faultRate: 0.3, durability: 'unsafe-ack-first', careless: true });
    for (const f of careless.failures) expect(f.command).toContain('--scenario <your scenario file> ');
  }, 60_000);

  it('starts every seed with starting records, says so in the settings and the replay command', async () => {
    const report = await simulate({ scenario: 'job-keys', seeds: 1, ops: 20, faultRate: 0, durability: 'strict', startingRecords: 200 });
    expect(report.settings.startingRecords).toEqual({ operation: 'enqueue', count: 200 });
    const again = await simulate({ scenario: 'job-keys', seeds: 1, ops: 20, faultRate: 0, durability: 'strict', startingRecords: { count: 200, operation: 'enqueue' } });
    expect(JSON.stringify(again)).toBe(JSON.stringify(report));
  }, 60_000);

  it('exports the scenario validator with its warnings', async () => {
    const sql = await loadNodeSqlEngine();
    const v = validateScenario(BUILT_IN_SCENARIOS['job-keys'], sql);
    expect(v.ok && Array.isArray(v.warnings)).toBe(true);
    const bad = parseScenario('{"id": 3}', sql);
    expect(bad.ok).toBe(false);
  });
});

describe('a rate gate that failed for too few reads', () => {
  it('says so in the CLI, the runbook and JUnit, not only "measured 0%, threshold ≤ 0%"', async () => {
    const plan: Plan = {
      format: 1,
      steps: [
        { kind: 'move', to: 'dual-write' },
        { kind: 'backfill' },
        { kind: 'move', to: 'shadow' },
        { kind: 'workload', operations: 10, mix: { getJob: 1 }, gate: { mismatchRate: { max: 0, minReads: 50 } } },
      ],
    };
    const report = await rehearse('job-keys', plan, { seed: 1, durability: 'strict' });
    const run = { report, plan };
    const line = 'only 10 shadow reads; at least 50 needed (measured 0%, threshold ≤ 0%)';
    expect(formatRehearsal(run).split('\n')).toContain(`  step 4, gate mismatchRate: ${line}`);
    expect(renderRunbook(run)).toContain(`- step 4, gate \`mismatchRate\`: ${line}`);
    expect(renderJUnit(run)).toContain(`<failure message="mismatchRate: ${line}"`);
  }, 60_000);
});

describe('the runbook\'s wording', () => {
  it('says why verify is clean though writes were lost, that an onFail found no hazards, "1 fallback", and "must hold at the end" on the last step', async () => {
    const plan: Plan = {
      format: 1,
      steps: [
        { kind: 'move', to: 'dual-write' },
        { kind: 'workload', operations: 20, gate: { errorRate: { max: 0 }, onFail: { kind: 'rollback', to: 'old-only' } } },
        { kind: 'verify' },
        { kind: 'workload', operations: 10, gate: { errorRate: { max: 0 } } },
      ],
    };
    const report = await rehearse('job-keys', plan, { seed: 1, durability: 'strict' });
    const copy = JSON.parse(JSON.stringify(report)) as typeof report & { steps: { figures: { fallbacks: number; fallbacksOnEmpty: number }; gates: { held: boolean }[]; onFail: unknown }[]; invariants: { history: { lost: unknown[] }; verify: { clean: boolean } } };
    const lost = { collection: 'jobs', key: '["job-1"]', operation: { index: 3, name: 'enqueue', phase: 'old-only', params: {} }, expected: null, found: null };
    copy.invariants.history.lost = [lost];
    copy.invariants.verify = { ...copy.invariants.verify, clean: true };
    const first = copy.steps[1];
    if (!first) throw new Error('no step');
    first.figures = { ...first.figures, fallbacks: 1, fallbacksOnEmpty: 1 };
    first.gates = first.gates.map((g) => ({ ...g, held: false }));
    first.onFail = { step: { kind: 'rollback', to: 'old-only' }, status: 'done', problem: null, phaseAfter: 'old-only', detail: {} };
    const md = renderRunbook({ report: copy, plan });
    expect(md).toContain('1 fallback (1 new had no rows, 0 new failed)');
    expect(md).toContain('now in `old-only`; no hazards, no remedies needed');
    expect(md).toContain('Clean although writes were lost: verify compares old with new, and both sides lack the lost writes, so they agree');
    expect(md).toContain('**Gate** (must hold at the end):');
    expect(md).toContain('**Gate** (must hold before the next step; on failure roll back to `old-only`):');
    expect(formatRehearsal({ report: copy, plan })).toContain('verify in dual-write clean (both sides lack the lost writes, so they agree)');
    // A crash step runs no operation: its line is the crash alone.
    expect(describeFigures({ ...first.figures, operations: 0, fallbacks: 0, shadowReads: 0, p99Ms: { old: null, new: null }, crashes: 1 } as never)).toBe('1 crash (and recovery from durable state)');
  }, 60_000);
});
