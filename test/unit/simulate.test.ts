import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS } from '../../src/engine/faults.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { main } from '../../src/harness/cli.ts';
import { replayCommand, shellQuote, simulate, type SimulationReport } from '../../src/harness/simulate.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const run = (id: string, durability: 'strict' | 'group' | 'unsafe-ack-first', seeds = 2, ops = 120): Promise<SimulationReport> =>
  simulate({ scenario: BUILT_IN_SCENARIOS[id]!, sql, seeds, ops, faultRate: 0.1, durability });

describe('simulate', () => {
  it.each(Object.keys(BUILT_IN_SCENARIOS))('keeps every acknowledged write of %s in strict mode through faults, crashes and rollbacks', async (id) => {
    const report = await run(id, 'strict');
    expect(report.failures).toEqual([]);
    expect(report.totals).toMatchObject({ lostWrites: 0, unexpectedReads: 0, inconsistentRows: 0, duplicates: 0 });
    expect(report.totals.acknowledgedWrites).toBeGreaterThan(100);
    expect(report.totals.crashes).toBeGreaterThan(5);
    expect(report.runs.every((r) => r.finalPhase === 'old-dropped')).toBe(true);
  });

  it('keeps every acknowledged write with group commit', async () => {
    const report = await run('session-json', 'group');
    expect(report.totals.lostWrites).toBe(0);
    expect(report.failures).toEqual([]);
  });

  it('finds the writes unsafe-ack-first loses, each with the operation that wrote it', async () => {
    const report = await run('job-keys', 'unsafe-ack-first', 3);
    expect(report.totals.lostWrites).toBeGreaterThan(0);
    expect(report.lost).toHaveLength(report.totals.lostWrites);
    for (const l of report.lost) {
      expect(['enqueue', 'updateStatus']).toContain(l.operation.name);
      expect(l.operation.params.job_id).toBe(JSON.parse(l.key)[0]);
    }
    const failure = report.failures.find((f) => f.invariant === 'lost-writes');
    expect(failure?.command).toBe(`npx cutover-lab simulate --scenario job-keys --seeds 1 --seed-start ${failure?.seed} --ops 120 --fault-rate 0.1 --durability unsafe-ack-first`);
  });

  it('crashes at every named crash point', async () => {
    const reports = await Promise.all([run('consensus-artifacts', 'strict', 2), run('job-keys', 'strict', 2)]);
    for (const point of CRASH_POINTS) {
      expect(reports.reduce((n, r) => n + (r.crashPoints[point] ?? 0), 0), point).toBeGreaterThan(0);
    }
  });

  it('gives byte-identical reports for the same seed', async () => {
    const a = JSON.stringify(await run('session-json', 'strict', 1, 80));
    const b = JSON.stringify(await run('session-json', 'strict', 1, 80));
    expect(a).toBe(b);
    const other = JSON.stringify(await simulate({ scenario: BUILT_IN_SCENARIOS['session-json']!, sql, seeds: 1, seedStart: 2, ops: 80, faultRate: 0.1, durability: 'strict' }));
    expect(other).not.toBe(a);
  });

  it('shows what the remedies prevent when the operator is careless', async () => {
    const careful = await run('consensus-artifacts', 'strict', 3);
    const careless = await simulate({ scenario: BUILT_IN_SCENARIOS['consensus-artifacts']!, sql, seeds: 3, ops: 120, faultRate: 0.1, durability: 'strict', careless: true });
    expect(careful.totals.lostWrites).toBe(0);
    expect(careless.totals.lostWrites).toBeGreaterThan(0);
  });
});

describe('the replay command', () => {
  it('quotes a scenario path a shell would split or expand, and leaves plain ones alone', () => {
    expect(shellQuote('job-keys')).toBe('job-keys');
    expect(shellQuote('./my scenarios/it\'s $HOME.json')).toBe(`'./my scenarios/it'\\''s $HOME.json'`);
    const command = replayCommand({ scenario: BUILT_IN_SCENARIOS['job-keys'], scenarioArg: '/tmp/a b.json', seeds: 5, ops: 10, faultRate: 0.1, durability: 'strict', seedStart: 1 } as Parameters<typeof replayCommand>[0], 3);
    expect(command).toBe("npx cutover-lab simulate --scenario '/tmp/a b.json' --seeds 1 --seed-start 3 --ops 10 --fault-rate 0.1 --durability strict");
  });
});

describe('the cutover-lab command', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, o: (s: string) => out.push(s), e: (s: string) => err.push(s) };
  };

  it('validates a good scenario file with exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutover-'));
    const file = join(dir, 'jobs.json');
    await writeFile(file, JSON.stringify(BUILT_IN_SCENARIOS['job-keys']));
    const c = capture();
    expect(await main(['validate', file], c.o, c.e)).toBe(0);
    expect(c.out.join('\n')).toMatch(/valid — "job-keys", split topology, compensate policy/);
  });

  it('prints every problem of a broken scenario with its path and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutover-'));
    const file = join(dir, 'broken.json');
    const s = structuredClone(BUILT_IN_SCENARIOS['consensus-artifacts']) as unknown as { operations: Record<string, { new: string[]; old: string[] }> };
    s.operations.storeArtifact!.new[1] = s.operations.storeArtifact!.new[1]!.replace('INSERT INTO agent_outputs', 'INSERT INTO agent_output');
    s.operations.storeSynthesis!.old[0] = s.operations.storeSynthesis!.old[0]!.replace(':status', ':state');
    await writeFile(file, JSON.stringify(s));
    const c = capture();
    expect(await main(['validate', file], c.o, c.e)).toBe(1);
    const text = c.out.join('\n');
    expect(text).toContain('operations.storeArtifact.new[1]: no such table: agent_output');
    expect(text).toMatch(/operations\.storeSynthesis\.old\[0\]: uses :state, which is not one of/);
    expect(text).toMatch(/^\S+broken\.json: 2 problems$/m);
  });

  it('refuses a file that is not JSON, and a missing file, clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutover-'));
    const file = join(dir, 'not.json');
    await writeFile(file, 'SQLite format 3\u0000 this is not a scenario');
    const c = capture();
    expect(await main(['validate', file], c.o, c.e)).toBe(2);
    expect(c.err.join('\n')).toMatch(/not valid JSON/);
    expect(await main(['validate', join(dir, 'nope.json')], c.o, c.e)).toBe(2);
    expect(c.err.join('\n')).toMatch(/no such file/);
  });

  it('prints a JSON report with the totals the issue asks for, and exits 1 when an invariant fails', async () => {
    const c = capture();
    const code = await main(['simulate', '--scenario', 'job-keys', '--seeds', '1', '--ops', '80', '--durability', 'unsafe-ack-first', '--json'], c.o, c.e);
    const report = JSON.parse(c.out.join('\n')) as SimulationReport;
    expect(Object.keys(report.totals)).toEqual(expect.arrayContaining(['runs', 'operations', 'acknowledgedWrites', 'lostWrites', 'unexpectedReads', 'inconsistentRows']));
    expect(code).toBe(report.failures.length > 0 ? 1 : 0);
  });

  it('rejects bad options with usage errors', async () => {
    const c = capture();
    expect(await main(['simulate', '--scenario', 'job-keys', '--durability', 'eventual'], c.o, c.e)).toBe(2);
    expect(c.err.join('\n')).toMatch(/--durability eventual: use strict, group, unsafe-ack-first/);
    expect(await main(['simulate', '--scenario', 'nope-nope'], c.o, c.e)).toBe(2);
    expect(await main(['frobnicate'], c.o, c.e)).toBe(2);
  });
});
