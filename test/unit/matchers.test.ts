/**
 * The Vitest matchers on real reports: a passing plan passes all three; the broken plan
 * (drop-before-backfill) fails toHaveNoLostWrites and toPassGates naming the lost records, the
 * write, expected against found and the failing gate; an unbackfilled dual-write fails
 * toBeConsistent with the verify's field differences; a simulation that loses writes fails
 * toHaveNoLostWrites with the seed and its replay command. `.not` says why it did not fail.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { rehearse, simulate, type Plan, type RehearsalReport } from '../../src/harness/index.ts';
import { cutoverMatchers, fieldDiff } from '../../src/harness/matchers.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';

expect.extend(cutoverMatchers);

let sql: SqlEngine;
let broken: RehearsalReport;
let passing: RehearsalReport;
beforeAll(async () => {
  sql = await nodeSql();
  const plan = JSON.parse(await readFile(resolve(import.meta.dirname, '../../docs/examples/plans/drop-before-backfill.json'), 'utf8')) as Plan;
  broken = await rehearse('consensus-artifacts', plan, { seed: 1, durability: 'strict', sql });
  passing = await rehearse('job-keys', { format: 1, steps: [{ kind: 'move', to: 'dual-write' }, { kind: 'workload', operations: 40, gate: { errorRate: { max: 0 }, lostWrites: { max: 0 } } }, { kind: 'backfill' }, { kind: 'verify', gate: { verifyClean: true } }] }, { seed: 1, durability: 'strict', sql });
});

describe('toHaveNoLostWrites', () => {
  it('passes a plan that keeps every acknowledged write, and says so under .not', () => {
    expect(passing).toHaveNoLostWrites();
    expect(() => expect(passing).not.toHaveNoLostWrites()).toThrow(/^expected lost writes, but all \d+ acknowledged writes read back through the dual-write read path \(job-keys, seed 1, strict, passed\)$/);
  });

  it('fails the broken plan naming each lost record, the write, and expected against found', () => {
    const lost = broken.invariants.history.lost;
    expect(lost.length).toBeGreaterThan(10);
    const first = lost[0]!;
    let message = '';
    try {
      expect(broken).toHaveNoLostWrites();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(new RegExp(`^expected no lost writes, but ${lost.length} of \\d+ acknowledged writes are not readable through the old-dropped read path \\(consensus-artifacts, seed 1, strict, failed\\):\n`));
    // The record, the write with its parameters, what was expected and what was found.
    expect(message).toContain(`  - ${first.collection} ${first.key}: written by ${first.operation.name} #${first.operation.index} in ${first.operation.phase} ${JSON.stringify(first.operation.params)}\n`);
    expect(message).toContain(`      expected ${JSON.stringify(first.expected)}\n      found    nothing\n`);
    // Ten listed, the rest counted.
    expect(message.match(/^ {2}- /gm)).toHaveLength(10);
    expect(message).toMatch(new RegExp(`  … and ${lost.length - 10} more$`));
  });

  it('fails a simulation that loses writes, with the seed and the command that replays it', async () => {
    const report = await simulate({ scenario: BUILT_IN_SCENARIOS['job-keys']!, sql, seeds: 3, ops: 120, faultRate: 0.1, durability: 'unsafe-ack-first' });
    expect(report.lost.length).toBeGreaterThan(0);
    const l = report.lost[0]!;
    expect(() => expect(report).toHaveNoLostWrites()).toThrow(
      new RegExp(`^expected no lost writes, but ${report.lost.length} of ${report.totals.acknowledgedWrites} acknowledged writes of job-keys were lost in seeds? [\\d, ]+:\n  - seed ${l.seed}; replay: npx cutover-lab simulate --scenario job-keys --seeds 1 --seed-start ${l.seed} .*--durability unsafe-ack-first\n    ${escape(`${l.collection} ${l.key}: written by ${l.operation.name} #${l.operation.index}`)}`),
    );
  });

  it('passes a simulation that keeps every write', async () => {
    const report = await simulate({ scenario: BUILT_IN_SCENARIOS['job-keys']!, sql, seeds: 1, ops: 60, faultRate: 0.1, durability: 'strict' });
    expect(report).toHaveNoLostWrites();
  });

  it('refuses what is not a report, saying what it was given', () => {
    expect(() => expect({ steps: [] }).toHaveNoLostWrites()).toThrow(/^toHaveNoLostWrites\(\) expects the report rehearse\(\) returns or the one simulate\(\) returns; it was given an object with no "format"$/);
    expect(() => expect(Promise.resolve(passing)).toPassGates()).toThrow(/it was given an object with no "format" \(a promise: await rehearse\(…\) first\)$/);
  });
});

describe('toPassGates', () => {
  it('passes when every step ran and every gate held', () => {
    expect(passing).toPassGates();
    expect(() => expect(passing).not.toPassGates()).toThrow(/^expected a gate to fail, but all 3 gates of the 4 steps held \(job-keys, seed 1, strict, passed\)$/);
  });

  it('fails the broken plan at the drop: the step, measured against threshold, the records, and the steps not run', () => {
    const gate = broken.steps[7]!.gates[0]!;
    expect(gate).toMatchObject({ gate: 'lostWrites', held: false, threshold: 0 });
    expect(() => expect(broken).toPassGates()).toThrow(
      new RegExp(
        `^expected every gate to hold \\(consensus-artifacts, seed 1, strict, failed\\), but:\n` +
          `  - step 8 \\(steps\\[7\\], move "week 3\\+: remove the old schema tables"\\): lostWrites measured ${String(gate.measured)} against at most 0: ${gate.measured} acknowledged writes are not readable through the old-dropped read path: artifacts \\[.*\\] \\(storeArtifact #\\d+ in old-only\\).*\n` +
          `  - step 9 \\(steps\\[8\\]\\) did not run: the plan stopped at step 8$`,
      ),
    );
  });

  it('names a step that failed and the rollback a failing gate ran', async () => {
    const r = await rehearse('job-keys', { format: 1, steps: [{ kind: 'move', to: 'dual-write' }, { kind: 'arm-faults', faults: [{ kind: 'write-error', side: 'new', rate: 0.5 }] }, { kind: 'workload', operations: 30, gate: { errorRate: { max: 0.05 }, onFail: { kind: 'rollback', to: 'old-only' } } }] }, { seed: 1, durability: 'strict', sql });
    expect(() => expect(r).toPassGates()).toThrow(/\(job-keys, seed 1, strict, rolled-back\), but:\n {2}- step 3 \(steps\[2\], workload\): errorRate measured [\d.]+% against at most 5%: \d+ of 30 operations failed \([\d.]+%\); at most 5% allowed; onFail rolled back to old-only$/);
    const refused = await rehearse('job-keys', { format: 1, steps: [{ kind: 'move', to: 'dual-write' }, { kind: 'move', to: 'shadow' }, { kind: 'move', to: 'read-new' }] }, { seed: 1, durability: 'strict', sql });
    expect(() => expect(refused).toPassGates()).toThrow(/ {2}- step 3 \(steps\[2\], move\) failed: the move from shadow to read-new was refused: no backfill has completed/);
  });
});

describe('toBeConsistent', () => {
  it('passes a clean verify, and says what was checked under .not', () => {
    expect(passing).toBeConsistent();
    expect(() => expect(passing).not.toBeConsistent()).toThrow(/^expected the report to be inconsistent, but it has a clean verify of \d+ records and every value read was one some write produced/);
  });

  it('fails a dual-write whose new side failed writes, listing the records and the fields that differ', async () => {
    // session-json is best-effort: a write new refuses is acknowledged from old, and the sides drift.
    const steps: Plan['steps'] = [{ kind: 'move', to: 'dual-write' }, { kind: 'backfill' }, { kind: 'arm-faults', faults: [{ kind: 'write-error', side: 'new', rate: 0.3 }] }, { kind: 'workload', operations: 40 }];
    const r = await rehearse('session-json', { format: 1, steps }, { seed: 1, durability: 'strict', sql });
    const verify = r.invariants.verify!;
    expect(verify.clean).toBe(false);
    // The run itself passes (no gate asked for a clean verify): the matcher is what catches it.
    expect(r.ok).toBe(true);
    const fieldDiffs = verify.first.filter((d) => / inconsistent \(messages old ".*" new ".*"\)$/.test(d));
    expect(fieldDiffs.length).toBeGreaterThan(0);
    let message = '';
    try {
      expect(r).toBeConsistent();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(new RegExp(`^expected the report to be consistent \\(session-json, seed 1, strict, passed\\), but the final verify found ${verify.differing} of ${verify.records} records differing between old and new and ${verify.appReadMismatches} the application reads differently:\n`));
    for (const d of fieldDiffs) expect(message).toContain(`\n  - ${d}\n`);
  });

  it('lists values no write produced and records a read returned twice', () => {
    // The report of a real run with the checker's findings put in by hand: no built-in plan produces them.
    const history = { ...passing.invariants.history, unexpectedCount: 1, unexpected: [{ collection: 'jobs', key: '["job-1"]', found: { status: 'done' }, where: 12 as const }], duplicates: [{ collection: 'jobs', key: '["job-2"]', count: 2 }] };
    const report = { ...passing, invariants: { ...passing.invariants, ok: false, history } };
    expect(() => expect(report).toBeConsistent()).toThrow(/but 1 value no write produced:\n {2}- jobs \["job-1"\]: found \{"status":"done"\} \(read #12\)\nand 1 record returned more than once by one read:\n {2}- jobs \["job-2"\] \(2 times\)$/);
  });
});

describe('fieldDiff', () => {
  it('names the fields that differ, nothing, or the wholes', () => {
    expect(fieldDiff({ a: 1, b: 'x' }, { a: 1, b: 'y', c: 2 })).toEqual(['b: expected "x", found "y"', 'c: expected (no field), found 2']);
    expect(fieldDiff({ a: 1 }, null)).toEqual(['expected {"a":1}', 'found    nothing']);
    expect(fieldDiff({ blob: 'ff' }, { blob: '00' })).toEqual(['expected {"blob":"ff"}', 'found    {"blob":"00"}']);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
