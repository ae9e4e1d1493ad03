/**
 * `cutover-lab rehearse` on the seeds' plans and on input it cannot use: the plans that pass exit 0,
 * the broken one exits 1 naming the step, the seed and the command that replays it, and its JUnit
 * shows the failing step with the lost records; bad input exits 2 with the validators' messages;
 * the JSON it writes is rehearse()'s report.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { main } from '../../src/harness/cli.ts';
import { parsePlan, rehearse } from '../../src/harness/index.ts';
import { nodeSql } from '../support/node.ts';

const plans = resolve(import.meta.dirname, '../../docs/examples/plans');
const planFile = (name: string): string => join(plans, name);

let sql: SqlEngine;
let dir: string;
beforeAll(async () => {
  sql = await nodeSql();
  dir = await mkdtemp(join(tmpdir(), 'cutover-rehearse-'));
});

interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function cli(args: string[]): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['rehearse', ...args], (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cutover-lab rehearse on the seeds\' plans', () => {
  it.each([
    ['seed-000-001-consensus-artifacts.json', 'consensus-artifacts', 17],
    ['seed-002-job-keys.json', 'job-keys', 10],
    ['seed-003-session-json.json', 'session-json', 21],
  ])('%s passes: exit 0, every step printed with its gates', async (file, scenario, steps) => {
    const r = await cli(['--scenario', scenario, '--plan', planFile(file), '--seed', '1']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`Cutover Lab rehearsal — ${scenario}, plan ${file} (${steps} steps), seed 1, durability strict`);
    for (let i = 1; i <= steps; i++) expect(lines.some((l) => l.startsWith(`step ${i}: `) && / done$/.test(l)), `step ${i} done`).toBe(true);
    expect(lines.filter((l) => /^ {4}ok {5}\S+: .* \(threshold .+\) — /.test(l)).length).toBeGreaterThan(10);
    expect(lines.some((l) => l.includes('FAILED'))).toBe(false);
    expect(lines.at(-1)).toMatch(new RegExp(`^PASSED: ${steps} steps ran, \\d+ gate verdicts held, no acknowledged write lost\\.$`));
  }, 60_000);

  it('the broken plan exits 1, naming the step, the seed and the command that replays it; its JUnit shows the failing step with the lost records', async () => {
    const junit = join(dir, 'broken.xml');
    const plan = planFile('drop-before-backfill.json');
    // No --scenario: the plan names a built-in one.
    const r = await cli(['--plan', plan, '--seed', '7', '--junit', junit]);
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines).toContain('FAILED at step 8 (steps[7] in the plan): move to old-dropped (accepting the data loss) — week 3+: remove the old schema tables');
    expect(lines).toContain(`Replay seed 7: npx cutover-lab rehearse --scenario consensus-artifacts --plan ${relative(process.cwd(), plan)} --seed 7 --durability strict`);
    expect(lines.some((l) => /^ {2}step 8, gate lostWrites: measured [1-9]\d*, threshold ≤ 0$/.test(l))).toBe(true);
    expect(lines).toContain('step 9: workload: 40 operations — never reached: the gate above stops the plan — not reached');

    const xml = await readFile(junit, 'utf8');
    const failing = /<testcase classname="drop-before-backfill" name="step 8: move to old-dropped[^"]*" time="[\d.]+">\n\s*<failure message="lostWrites: measured (\d+), threshold ≤ 0" type="gate-failed">([^<]*)<\/failure>/.exec(xml);
    expect(failing, xml).not.toBeNull();
    const body = failing?.[2] ?? '';
    const lost = Number(failing?.[1]);
    // Every lost record in full in the body: collection, key, last write, expected and found.
    const named = body.split('\n').filter((l) => /^ {2}artifacts \[.*\] \(storeArtifact #\d+ in old-only\): expected \{.*\}, found null$/.test(l.replace(/&quot;/g, '"')));
    expect(named.length).toBeGreaterThan(0);
    expect(body).toContain('Replay: npx cutover-lab rehearse --scenario consensus-artifacts');
    expect(xml).toMatch(/<testcase [^>]*name="step 9: [^"]*"[^>]*>\n\s*<skipped message="not reached: the plan stopped at step 8 \(gate-failed\)"\/>/);
    expect(xml).toMatch(new RegExp(`<testcase [^>]*name="invariants"[^>]*>\\n\\s*<failure message="lost ${lost}, unexpected 0, duplicates 0; each must be 0" type="invariant">`));
  }, 60_000);

  it('writes the JSON report rehearse() returns, the JUnit and the runbook', async () => {
    const [json, junit, markdown] = ['r.json', 'r.xml', 'r.md'].map((f) => join(dir, f)) as [string, string, string];
    const file = planFile('seed-002-job-keys.json');
    const r = await cli(['--scenario', 'job-keys', '--plan', file, '--seed', '3', '--durability', 'group', '--json', json, '--junit', junit, '--markdown', markdown]);
    expect(r.code).toBe(0);
    const v = parsePlan(await readFile(file, 'utf8'));
    if (!v.ok) throw new Error('the example plan is valid');
    const report = await rehearse('job-keys', v.plan, { seed: 3, durability: 'group', sql });
    expect(JSON.parse(await readFile(json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
    expect(await readFile(json, 'utf8')).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(await readFile(junit, 'utf8')).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="cutover-lab rehearse" tests="11" failures="0" /);
    expect(await readFile(markdown, 'utf8')).toMatch(/^# Cut-over runbook: Seed 002: /);
  }, 60_000);
});

describe('cutover-lab rehearse on input it cannot use exits 2 with a message', () => {
  const valid = planFile('seed-002-job-keys.json');

  it.each([
    [['--scenario', 'job-keys'], 'rehearse needs --plan <file> (a rehearsal plan, see docs/plans.md)'],
    [['--plan', valid, '--durability', 'fast'], '--durability fast: use strict, group, unsafe-ack-first'],
    [['--plan', valid, '--seed', ' '], '--seed: give a number (or a word); the same seed replays the same run'],
    [['--plan', valid, '--scenario', 'job-key'], 'cannot read job-key: no such file, and no built-in scenario has that id (built-in: '],
  ])('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.err.startsWith(message), r.err).toBe(true);
    expect(r.out).toBe('');
  });

  it('a plan file that is missing, a directory or not JSON', async () => {
    const missing = join(dir, 'nope.json');
    const folder = join(dir, 'folder.json');
    await mkdir(folder, { recursive: true });
    const text = join(dir, 'text.json');
    await writeFile(text, 'steps: []');
    expect(await cli(['--scenario', 'job-keys', '--plan', missing])).toEqual({ code: 2, out: '', err: `cannot read ${missing}: no such file` });
    expect(await cli(['--scenario', 'job-keys', '--plan', folder])).toEqual({ code: 2, out: '', err: `cannot read ${folder}: it is a directory; give the path of a plan file (.json)` });
    const r = await cli(['--scenario', 'job-keys', '--plan', text]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid plan \\(1 problem; see docs/plans\\.md\\):\\nnot valid JSON: `));
  });

  it('an invalid plan, with the validator\'s path-precise messages', async () => {
    const file = join(dir, 'invalid.json');
    await writeFile(file, JSON.stringify({ format: 1, steps: [{ kind: 'move', to: 'read-new' }, { kind: 'workload', operations: 10, gate: { fallbackRate: { max: 5 } } }] }));
    const r = await cli(['--scenario', 'job-keys', '--plan', file]);
    expect(r.code).toBe(2);
    const lines = r.err.split('\n');
    expect(lines[0]).toBe(`${file} is not a valid plan (${lines.length - 1} problems; see docs/plans.md):`);
    expect(lines.some((l) => l.startsWith('steps[0].to: cannot move from "old-only" to "read-new"'))).toBe(true);
    expect(lines.some((l) => l.startsWith('steps[1].gate.fallbackRate.max: expected a share from 0 to 1'))).toBe(true);
  });

  it('a plan written for another scenario', async () => {
    const r = await cli(['--scenario', 'session-json', '--plan', valid]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not a valid plan \(1 problem; see docs\/plans\.md\):\nscenario: .*job-keys.*session-json/);
  });

  it('an invalid scenario file, with the scenario validator\'s messages', async () => {
    const file = join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify({ id: 'x' }));
    const r = await cli(['--scenario', file, '--plan', valid]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe(`${file} is not a valid scenario:`);
    expect(r.err.split('\n').length).toBeGreaterThan(2);
  });

  it('an output in a folder that does not exist, refused before the rehearsal runs', async () => {
    const out = join(dir, 'no-such-folder', 'r.xml');
    const r = await cli(['--plan', valid, '--junit', out]);
    expect(r).toEqual({ code: 2, out: '', err: `--junit ${out}: cannot write there: ${join(dir, 'no-such-folder')}: no such file; create the folder first` });
  });
});

describe('cutover-lab --help', () => {
  it('documents rehearse with every option, and simulate --shard', async () => {
    const out: string[] = [];
    expect(await main(['--help'], (s) => out.push(s))).toBe(0);
    const help = out.join('\n');
    expect(help).toContain('cutover-lab rehearse --scenario <id|file> --plan <file> [options]');
    for (const option of ['--scenario ID|FILE', '--plan FILE', '--seed N', '--durability MODE', '--json FILE', '--junit FILE', '--markdown FILE', '--shard i/n']) expect(help).toContain(option);
  });

  it('answers --help after a command with the usage and success, not an unknown option', async () => {
    for (const command of ['rehearse', 'simulate', 'validate', 'merge', 'scenarios']) {
      const out: string[] = [];
      const err: string[] = [];
      expect(await main([command, '--help'], (s) => out.push(s), (s) => err.push(s)), command).toBe(0);
      expect(out.join('\n')).toContain(`cutover-lab ${command}`);
      expect(err).toEqual([]);
    }
  });
});
