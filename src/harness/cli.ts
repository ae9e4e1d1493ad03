/**
 * `cutover-lab`, the command line: validate scenarios and run simulations headless.
 *
 *   cutover-lab validate <scenario.json>
 *   cutover-lab simulate --scenario <id|file> --seeds N --ops M --fault-rate R --durability MODE [--threads T] [--shard i/n] [--json]
 *   cutover-lab merge <report.json>…
 *   cutover-lab scenarios
 */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DURABILITY_MODES, type DurabilityMode } from '../engine/durability/types.ts';
import type { Scenario } from '../engine/scenario/format.ts';
import { formatProblems, MAX_SCENARIO_CHARS, parseScenario, validateScenario, type Validation } from '../engine/scenario/validate.ts';
import type { SqlEngine } from '../engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../scenarios/index.ts';
import { loadNodeSqlEngine } from './node-sql.ts';
import { defaultThreads, mergeReports, shardSeeds, simulateParallel } from './parallel.ts';
import type { SimulationReport } from './simulate.ts';
import { formatSummary } from './summary.ts';

const USAGE = `Cutover Lab — rehearse zero-downtime data migrations.

Usage:
  cutover-lab validate <scenario.json>
      Check a scenario file: its shape, then every statement prepared against its schemas,
      then a dry run. Exit 0 when valid (warnings, if any, printed after); 1 with every problem
      and its path; 2 when the file cannot be read or is not JSON.

  cutover-lab simulate --scenario <id|file> [options]
      Run seeded simulations: seed data, a workload, all six phases with a backfill during
      dual-write, random rollbacks and faults (a crash at every named crash point), then
      recover, repair, verify and check the history. Exit 1 when an invariant fails.
      --seeds N            seeds to run (default 10)
      --seed-start S       first seed (default 1)
      --ops M              operations per seed (default 200)
      --fault-rate R       probability per operation of arming a fault (default 0.1)
      --durability MODE    strict | group | unsafe-ack-first (default strict)
      --careless           skip remedies and override guards, to see what they prevent
      --threads T          worker threads running seeds in parallel (default: one per core,
                           here ${defaultThreads()}); 1 runs them in this thread. The report is
                           the same bytes whatever T
      --shard i/n          run only the i-th of n contiguous blocks of the seeds (for a CI matrix);
                           \`cutover-lab merge\` joins the blocks' --json reports into one
      --json               print the report as JSON (the same seed gives the same bytes)

  cutover-lab merge <report.json>… [--json]
      Join simulate --json reports of contiguous blocks of seeds (the shards of --shard, or runs
      whose --seed-start/--seeds meet) into the report of all the seeds, as one run would give it.
      Exit 1 when an invariant failed in any; 2 when the reports do not fit together.

  cutover-lab scenarios
      List the built-in scenarios.

Built-in scenarios: ${Object.keys(BUILT_IN_SCENARIOS).join(', ')}`;

/** Exit codes: 0 ok, 1 an invariant or validation failed, 2 bad usage or unreadable input. */
class UsageError extends Error {}

/** Why a file could not be read, in words (the error's code, not its stack). */
function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a scenario file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return code ?? (error as Error).message;
  }
}

/** The text of a scenario file; a path that is missing, a directory or unreadable is a usage error (exit 2) whose message ends with `hint` when it does not exist. */
async function readScenarioFile(path: string, hint = ''): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${unreadable(error)}${(error as NodeJS.ErrnoException).code === 'ENOENT' ? hint : ''}`);
  }
  if (info.isDirectory()) throw new UsageError(`cannot read ${path}: it is a directory; give the path of a scenario file (.json)`);
  if (info.size > MAX_SCENARIO_CHARS * 4) throw new UsageError(`${path} is ${info.size} bytes; a scenario may be at most ${MAX_SCENARIO_CHARS} characters`);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${unreadable(error)}`);
  }
}

/** Reads and validates a scenario file; text that is not JSON is a usage error (exit 2), as docs/cli.md says. */
async function readScenario(path: string, sql: SqlEngine, hint = ''): Promise<Validation> {
  const text = await readScenarioFile(path, hint);
  // Over the limit, parseScenario reports it as a problem without parsing.
  if (text.length > MAX_SCENARIO_CHARS) return parseScenario(text, sql);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: not valid JSON (${(error as Error).message}); a scenario is one JSON object, see docs/scenario-format.md`);
  }
  return validateScenario(value, sql);
}

async function loadScenario(arg: string, sql: SqlEngine): Promise<Scenario> {
  const builtIn = BUILT_IN_SCENARIOS[arg];
  const hint = `, and no built-in scenario has that id (built-in: ${Object.keys(BUILT_IN_SCENARIOS).join(', ')})`;
  const validation = builtIn ? validateScenario(builtIn, sql) : await readScenario(arg, sql, hint);
  if (!validation.ok) {
    throw new UsageError(`${arg} is not a valid scenario:\n${formatProblems(validation.problems)}`);
  }
  return validation.scenario;
}

async function validateCommand(args: string[], out: (s: string) => void): Promise<number> {
  const path = args[0];
  if (!path || args.length > 1) throw new UsageError('usage: cutover-lab validate <scenario.json>');
  const sql = await loadNodeSqlEngine();
  const validation = await readScenario(path, sql);
  if (!validation.ok) {
    out(`${path}: ${validation.problems.length} problem${validation.problems.length === 1 ? '' : 's'}`);
    out(formatProblems(validation.problems));
    return 1;
  }
  const s = validation.scenario;
  const ops = Object.values(s.operations);
  out(`${path}: valid — "${s.id}", ${s.topology} topology, ${s.policy} policy, ${Object.keys(s.collections).length} collection(s), ${ops.filter((o) => o.kind === 'write').length} writes, ${ops.filter((o) => o.kind === 'read').length} reads`);
  // Warnings do not make the file invalid (exit 0): what the dry run found that a rehearsal would trip on.
  if (validation.warnings.length > 0) {
    out(`${validation.warnings.length} warning${validation.warnings.length === 1 ? '' : 's'} (not blocking: the scenario is valid):`);
    out(formatProblems(validation.warnings));
  }
  return 0;
}

function number(value: string | undefined, name: string, fallback: number, check: (n: number) => boolean, rule: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} ${value}: ${rule}`);
  return n;
}

async function simulateCommand(args: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        scenario: { type: 'string' },
        seeds: { type: 'string' },
        'seed-start': { type: 'string' },
        ops: { type: 'string' },
        'fault-rate': { type: 'string' },
        durability: { type: 'string' },
        careless: { type: 'boolean' },
        threads: { type: 'string' },
        shard: { type: 'string' },
        json: { type: 'boolean' },
      },
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (!v.scenario) throw new UsageError('simulate needs --scenario <id|file>');
  const seeds = number(v.seeds, 'seeds', 10, (n) => Number.isInteger(n) && n >= 1 && n <= 100_000, 'a whole number from 1 to 100000');
  const seedStart = number(v['seed-start'], 'seed-start', 1, (n) => Number.isInteger(n) && n >= 0, 'a whole number, 0 or more');
  const ops = number(v.ops, 'ops', 200, (n) => Number.isInteger(n) && n >= 1 && n <= 1_000_000, 'a whole number from 1 to 1000000');
  const faultRate = number(v['fault-rate'], 'fault-rate', 0.1, (n) => n >= 0 && n <= 1, 'a probability from 0 to 1');
  const durability = (v.durability ?? 'strict') as DurabilityMode;
  if (!(DURABILITY_MODES as readonly string[]).includes(durability)) throw new UsageError(`--durability ${durability}: use ${DURABILITY_MODES.join(', ')}`);

  const threads = number(v.threads, 'threads', defaultThreads(), (n) => Number.isInteger(n) && n >= 1 && n <= 256, 'a whole number from 1 to 256');
  let block = { seeds, seedStart };
  if (v.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(v.shard);
    const [i, n] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
    if (!m || n < 1 || i < 1 || i > n) throw new UsageError(`--shard ${v.shard}: use i/n, a block i from 1 to n (1/4 … 4/4)`);
    if (n > seeds) throw new UsageError(`--shard ${v.shard}: ${seeds} seed${seeds === 1 ? '' : 's'} cannot make ${n} blocks; use at most --shard i/${seeds}`);
    block = shardSeeds(seeds, seedStart, i, n);
  }

  const sql = await loadNodeSqlEngine();
  const scenario = await loadScenario(v.scenario, sql);
  const progress = process.stderr.isTTY && !v.json;
  const total = block.seeds;
  const report = await simulateParallel({
    scenario,
    sql,
    threads,
    seeds: total,
    seedStart: block.seedStart,
    ops,
    faultRate,
    durability,
    careless: v.careless ?? false,
    scenarioArg: v.scenario,
    onRun: (run, done) => {
      if (progress) process.stderr.write(`\r  seed ${done}/${total} — ${run.lostWrites.length ? `${run.lostWrites.length} lost` : run.failures.length ? `failed (${run.failures[0]?.invariant ?? ''})` : 'ok'}      `);
      else if (!v.json && done % Math.max(1, Math.floor(total / 10)) === 0) err(`  ${done}/${total} seeds`);
    },
  });
  if (progress) process.stderr.write('\r\x1b[K');
  if (v.json) out(JSON.stringify(report, null, 2));
  else out(formatSummary(report));
  return report.failures.length > 0 ? 1 : 0;
}

async function mergeCommand(args: string[], out: (s: string) => void): Promise<number> {
  const json = args.includes('--json');
  const paths = args.filter((a) => a !== '--json');
  if (paths.length === 0 || paths.some((p) => p.startsWith('-'))) throw new UsageError('usage: cutover-lab merge <report.json>… [--json]');
  const reports: SimulationReport[] = [];
  for (const path of paths) {
    let text;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new UsageError(`${path}: ${unreadable(e)}`);
    }
    try {
      reports.push(JSON.parse(text) as SimulationReport);
    } catch (e) {
      throw new UsageError(`${path}: not JSON (${(e as Error).message})`);
    }
  }
  let report;
  try {
    report = mergeReports(reports);
  } catch (e) {
    throw new UsageError(`merge: ${(e as Error).message}`);
  }
  out(json ? JSON.stringify(report, null, 2) : formatSummary(report));
  return report.failures.length > 0 ? 1 : 0;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], out = (s: string) => console.log(s), err = (s: string) => console.error(s)): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate':
        return await validateCommand(rest, out);
      case 'simulate':
        return await simulateCommand(rest, out, err);
      case 'merge':
        return await mergeCommand(rest, out);
      case 'scenarios':
        for (const s of Object.values(BUILT_IN_SCENARIOS)) out(`${s.id.padEnd(22)} ${s.title}`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
}
