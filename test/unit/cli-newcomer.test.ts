/**
 * The CLI as a newcomer met it (issue 12's polish): negative and fractional seeds, --starting-records
 * on rehearse and simulate, `validate` on a plan, `scenarios` with operations and collections, and
 * replay commands that print a path relative to the current directory.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { displayPath, main } from '../../src/harness/cli.ts';

const plans = resolve(import.meta.dirname, '../../docs/examples/plans');
const jobPlan = join(plans, 'seed-002-job-keys.json');

interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function cli(args: string[]): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cutover-newcomer-'));
});

const shortPlan = { format: 1, scenario: 'job-keys', steps: [{ kind: 'workload', operations: 20 }, { kind: 'verify' }] };

describe('rehearse: seeds and starting records', () => {
  it('takes a negative seed as --seed -3 (as --seed=-3) and replays it as --seed=-3; refuses --seed 1.5', async () => {
    const file = join(dir, 'short.json');
    await writeFile(file, JSON.stringify({ ...shortPlan, steps: [...shortPlan.steps, { kind: 'verify', gate: { verifyClean: true } }] }));
    const spaced = await cli(['rehearse', '--plan', file, '--seed', '-3']);
    const joined = await cli(['rehearse', '--plan', file, '--seed=-3']);
    expect(spaced.err).toBe('');
    expect(spaced.out).toBe(joined.out);
    expect(spaced.out.split('\n')[0]).toContain('seed -3,');
    // The old-only verify is not clean (new holds nothing yet): the run fails and prints its replay.
    expect(spaced.out).toContain(`--seed=-3 --durability strict`);
    const fraction = await cli(['rehearse', '--plan', file, '--seed', '1.5']);
    expect(fraction.code).toBe(2);
    expect(fraction.err).toBe('--seed 1.5: a seed is a whole number (or a word); the same seed replays the same run');
  }, 60_000);

  it('--starting-records N starts the run with N records, is in the replay command, and refuses a count out of range or a write that cannot make them', async () => {
    const file = join(dir, 'fails.json');
    await writeFile(file, JSON.stringify({ ...shortPlan, steps: [...shortPlan.steps, { kind: 'verify', gate: { verifyClean: true } }] }));
    const json = join(dir, 'started.json');
    const r = await cli(['rehearse', '--plan', file, '--starting-records', '300', '--json', json]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/--durability strict --starting-records 300$/m);
    const report = JSON.parse(await (await import('node:fs/promises')).readFile(json, 'utf8')) as { invariants: { verify: { records: number } } };
    expect(report.invariants.verify.records).toBeGreaterThan(300);
    expect((await cli(['rehearse', '--plan', file, '--starting-records', '0'])).err).toBe('--starting-records 0: expected a whole number from 1 to 2000000, found number 0');
    expect((await cli(['rehearse', '--plan', file, '--starting-records', 'many'])).err).toMatch(/^--starting-records many: a whole number from 1 to 2000000 .*\(enqueue\)$/);
    expect((await cli(['rehearse', '--plan', file, '--starting-records', '10:getJob'])).err).toMatch(/^--starting-records 10:getJob: "getJob" does not make a whole record/);
  }, 60_000);
});

describe('simulate --starting-records', () => {
  it('gives the same JSON whatever --threads, with the starting records in the settings', async () => {
    const args = ['simulate', '--scenario', 'job-keys', '--seeds', '2', '--ops', '20', '--starting-records', '100', '--json'];
    const one = await cli([...args, '--threads', '1']);
    const two = await cli([...args, '--threads', '2']);
    expect(one.code).toBe(0);
    expect(two.out).toBe(one.out);
    expect((JSON.parse(one.out) as { settings: unknown }).settings).toMatchObject({ startingRecords: { operation: 'enqueue', count: 100 } });
  }, 60_000);
});

describe('validate on a plan', () => {
  it('recognises a plan given without --plan and validates it as one; --plan checks it against --scenario', async () => {
    const r = await cli(['validate', jobPlan]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^.*seed-002-job-keys\.json: valid plan — 10 steps, 7 with gates; checked against "job-keys"$/m);
    const bad = join(dir, 'bad-plan.json');
    await writeFile(bad, JSON.stringify({ format: 1, steps: [{ kind: 'workload', operations: 5, gate: { p99: { new: 5 } } }] }));
    const b = await cli(['validate', '--plan', bad, '--scenario', 'job-keys']);
    expect(b.code).toBe(1);
    expect(b.out).toContain('2 problems (a rehearsal plan; see docs/plans.md)');
    expect(b.out).toContain('steps[0].gate.p99: unknown key "p99" (did you mean "p99Ms"?)');
  });
});

describe('scenarios', () => {
  it('lists each built-in scenario with its collections and operations, read or write', async () => {
    const r = await cli(['scenarios']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('    operations: enqueue (write: insert jobs)*, updateStatus (write: update jobs), getJob (read)');
    expect(r.out).toContain('    split topology; collections: jobs');
  });
});

describe('displayPath', () => {
  it('prints a path inside the current directory relative to it, and others as given', () => {
    expect(displayPath('/home/me/project/plans/p.json', '/home/me/project')).toBe('plans/p.json');
    expect(displayPath('/tmp/p.json', '/home/me/project')).toBe('/tmp/p.json');
    expect(displayPath('job-keys', '/home/me/project')).toBe('job-keys');
  });
});
