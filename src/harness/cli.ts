/**
 * `cutover-lab`, the command line: validate scenarios and run simulations headless.
 *
 *   cutover-lab validate <scenario.json | plan.json>     cutover-lab validate --plan <plan.json> [--scenario <id|file>]
 *   cutover-lab simulate --scenario <id|file> --seeds N --ops M --fault-rate R --durability MODE [--threads T] [--shard i/n] [--starting-records N] [--json]
 *   cutover-lab rehearse --scenario <id|file> --plan <file> [--seed N] [--durability MODE] [--starting-records N | --database FILE] [--json out.json] [--junit out.xml] [--markdown out.md]
 *   cutover-lab starter <file.sqlite> [--out scenario.json]
 *   cutover-lab merge <report.json>…
 *   cutover-lab scenarios
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
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
import { InvalidOptionsError, rehearse } from './index.ts';
import { inspectDatabase } from '../engine/import-database.ts';
import { importSizeProblem } from '../engine/import-file.ts';
import { renderJUnit } from './plan/junit.ts';
import type { RehearsalReport } from './plan/report.ts';
import { describeFigures, describeStep, formatMeasured, formatThreshold, renderRunbook, stepLabel, verdictSummary, type RehearsalRun } from './plan/runbook.ts';
import { MAX_PLAN_CHARS, parsePlan, startingRecordsOf, startingRecordsProblems } from './plan/validate.ts';
import { shellQuote, startingRecordsArg } from './simulate.ts';
import { shareLine } from './share.ts';
import type { StartingRecordsRequest } from '../engine/control-state.ts';
import { MAX_STARTING_RECORDS, startingOperations } from '../engine/scenario/starting.ts';

const USAGE = `Cutover Lab — rehearse zero-downtime data migrations.

Usage:
  cutover-lab validate <scenario.json>
      Check a scenario file: its shape, then every statement prepared against its schemas,
      then a dry run. Exit 0 when valid (warnings, if any, printed after); 1 with every problem
      and its path; 2 when the file cannot be read or is not JSON.

  cutover-lab validate --plan <plan.json> [--scenario <id|file>]
      Check a rehearsal plan (docs/plans.md), against the scenario it names or --scenario. A file
      given without --plan that holds "steps" and a plan "format" is checked as a plan too.

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
      --starting-records N[:OP]
                           start every seed with N records in old (1 to ${MAX_STARTING_RECORDS}), made by
                           write OP (default: the scenario's first that can make them)
      --json               print the report as JSON (the same seed gives the same bytes)

  cutover-lab rehearse --scenario <id|file> --plan <file> [options]
      Run a rehearsal plan (docs/plans.md) on a scenario: its steps in order on a virtual clock,
      each step's gates judged before the next, then the final history check and verify. Prints
      each step's figures and each gate's verdict (measured vs threshold). Exit 0 when every step
      ran and every gate and invariant held; 1 when one failed (named, with the seed and the
      command that replays it); 2 when a file cannot be read or the plan or scenario is invalid.
      --scenario ID|FILE   a built-in scenario id or a scenario file (default: the plan's
                           "scenario", when it names a built-in one)
      --plan FILE          the plan file (JSON, format 1)
      --seed N             the seed (default 1): a whole number (write a negative one as
                           --seed=-3) or a word; the same seed gives the same report, byte for byte
      --durability MODE    strict | group | unsafe-ack-first (default strict)
      --starting-records N[:OP]
                           start with N records in old (1 to ${MAX_STARTING_RECORDS}), made by write OP
                           (default: the scenario's first that can); replaces the plan's own
      --database FILE      start from a SQLite database file: it becomes the old database and its
                           rows the starting records, as the playground's import makes it (checked:
                           header, length, integrity_check, 256 MiB); not with --starting-records
      --json FILE          write the report as JSON (what rehearse() returns)
      --junit FILE         write JUnit XML: a test case per step, failures with the diff
      --markdown FILE      write the plan as a Markdown cut-over runbook with the measured figures

  cutover-lab starter <file.sqlite> [--out FILE]
      Check a SQLite database file as the playground's import does and print the starter
      scenario made of its schema (a collection per table keyed by its primary key, a read and a
      write per table; docs/bring-your-own.md), or write it to FILE. What the starter left out is
      said on stderr. Exit 0; 2 when the file cannot be read or is not a sound SQLite database.

  cutover-lab merge <report.json>… [--json]
      Join simulate --json reports of contiguous blocks of seeds (the shards of --shard, or runs
      whose --seed-start/--seeds meet) into the report of all the seeds, as one run would give it.
      Exit 1 when an invariant failed in any; 2 when the reports do not fit together.

  cutover-lab scenarios
      List the built-in scenarios: each one's collections and operations (read or write, and
      what a write does); the ones marked * can make starting records.

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

/** The text of a scenario (or plan) file; a path that is missing, a directory or unreadable is a usage error (exit 2) whose message ends with `hint` when it does not exist. */
async function readScenarioFile(path: string, hint = '', what: 'scenario' | 'plan' = 'scenario', maxChars = MAX_SCENARIO_CHARS): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${unreadable(error)}${(error as NodeJS.ErrnoException).code === 'ENOENT' ? hint : ''}`);
  }
  if (info.isDirectory()) throw new UsageError(`cannot read ${path}: it is a directory; give the path of a ${what} file (.json)`);
  if (info.size > maxChars * 4) throw new UsageError(`${path} is ${info.size} bytes; a ${what} may be at most ${maxChars} characters`);
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

/** Whether a parsed file is a rehearsal plan rather than a scenario: it has "steps" and a plan's "format", and no scenario's "operations". */
function looksLikePlan(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return 'steps' in v && typeof v.format === 'number' && !('operations' in v) && !('collections' in v);
}

async function validateCommand(args: string[], out: (s: string) => void): Promise<number> {
  const usage = 'usage: cutover-lab validate <scenario.json>, or cutover-lab validate --plan <plan.json> [--scenario <id|file>]';
  let parsed;
  try {
    parsed = parseArgs({ args, options: { plan: { type: 'string' }, scenario: { type: 'string' } }, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${usage}`);
  }
  const { plan, scenario } = parsed.values;
  const positionals = parsed.positionals;
  if (plan !== undefined) {
    if (positionals.length > 0) throw new UsageError(usage);
    return validatePlanCommand(plan, scenario, out);
  }
  const path = positionals[0];
  if (!path || positionals.length > 1) throw new UsageError(usage);
  if (scenario !== undefined) throw new UsageError(`--scenario goes with --plan: cutover-lab validate --plan ${shellQuote(path)} --scenario ${shellQuote(scenario)}`);
  const text = await readScenarioFile(path);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (looksLikePlan(value)) return validatePlanCommand(path, undefined, out, text);
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

/** `validate --plan`: the plan's problems with their paths, checked against --scenario or the built-in scenario the plan names. */
async function validatePlanCommand(path: string, scenarioArg: string | undefined, out: (s: string) => void, read?: string): Promise<number> {
  const text = read ?? (await readScenarioFile(path, '', 'plan', MAX_PLAN_CHARS));
  let named: unknown;
  try {
    named = (JSON.parse(text) as { scenario?: unknown } | null)?.scenario;
  } catch {
    named = undefined;
  }
  const arg = scenarioArg ?? (typeof named === 'string' && Object.hasOwn(BUILT_IN_SCENARIOS, named) ? named : undefined);
  const scenario = arg === undefined ? undefined : await loadScenario(arg, await loadNodeSqlEngine());
  const validation = parsePlan(text, scenario);
  if (!validation.ok) {
    const n = validation.problems.length;
    out(`${path}: ${n} problem${n === 1 ? '' : 's'} (a rehearsal plan; see docs/plans.md)`);
    out(formatProblems(validation.problems));
    return 1;
  }
  const p = validation.plan;
  const against = scenario ? `checked against "${scenario.id}"` : typeof named === 'string' ? `names "${named}", not a built-in scenario: give --scenario <its file> to check the operations it names` : 'names no scenario: give --scenario <id|file> to check the operations it names';
  out(`${path}: valid plan — ${p.steps.length} step${p.steps.length === 1 ? '' : 's'}, ${p.steps.filter((st) => st.gate).length} with gates; ${against}`);
  out(`run it: npx cutover-lab rehearse --plan ${shellQuote(displayPath(path))}${arg !== undefined && arg !== named ? ` --scenario ${shellQuote(displayPath(arg))}` : typeof named === 'string' && arg === undefined ? ' --scenario <its file>' : arg === undefined ? ' --scenario <id|file>' : ''}`);
  return 0;
}

/** A path as a replay command prints it: relative to the current directory when inside it (a machine's absolute path means nothing on another), as given otherwise. */
export function displayPath(path: string, cwd = process.cwd()): string {
  if (Object.hasOwn(BUILT_IN_SCENARIOS, path)) return path;
  const rel = relative(cwd, resolve(cwd, path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/**
 * `--option -3` as `--option=-3`: parseArgs takes a value that starts with "-" for an option
 * ("ambiguous"), and a negative number is a value, not an option.
 */
function joinNegativeNumbers(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = args[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** `--starting-records N[:OP]`, checked against the scenario; undefined when not given. */
function startingRecordsOption(value: string | undefined, scenario: Scenario): StartingRecordsRequest | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?::(.+))?$/.exec(value.replace(/_|,/g, ''));
  if (!m) throw new UsageError(`--starting-records ${value}: a whole number from 1 to ${MAX_STARTING_RECORDS} (records the old schema starts with), optionally :OPERATION naming the write that makes them${startingOperations(scenario).length > 0 ? ` (${startingOperations(scenario).join(', ')})` : ''}`);
  const asked = { count: Number(m[1]), ...(m[2] !== undefined ? { operation: m[2] } : {}) };
  const problems = startingRecordsProblems(asked, scenario, '--starting-records');
  if (problems.length > 0) throw new UsageError(`--starting-records ${value}: ${problems.map((p) => p.message.replace(/^expected an integer/, 'expected a whole number')).join('; ')}`);
  return startingRecordsOf({ startingRecords: asked }, scenario);
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
        'starting-records': { type: 'string' },
        json: { type: 'boolean' },
      },
      args: joinNegativeNumbers(args),
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
  const startingRecords = startingRecordsOption(v['starting-records'], scenario);
  const progress = process.stderr.isTTY && !v.json;
  const total = block.seeds;
  const report = await simulateParallel({
    scenario,
    sql,
    threads,
    ...(startingRecords ? { startingRecords } : {}),
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
  // The first failing seed, as a link that opens its scenario in the playground.
  const failed = report.failures[0];
  if (!v.json && failed) out(shareLine({ scenario, seed: failed.seed }));
  return report.failures.length > 0 ? 1 : 0;
}

/** The seed as given: a whole number as a number, a word as the string it is (both replay); a fraction is refused. */
function seedOf(value: string | undefined): number | string {
  if (value === undefined) return 1;
  if (/^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  if (value.trim() === '') throw new UsageError('--seed: give a number (or a word); the same seed replays the same run');
  if (/^[-+]?(\d[\d_]*)?(\.\d*)?(e[-+]?\d+)?$/i.test(value.trim()) && /\d/.test(value)) {
    throw new UsageError(`--seed ${value}: a seed is a whole number${/^-?\d+$/.test(value) ? ` up to ${Number.MAX_SAFE_INTEGER}` : ''} (or a word); the same seed replays the same run`);
  }
  return value;
}

/** The command that replays one rehearsal (a path as `displayPath` prints it; `startingRecords` as `--starting-records N`). */
export function rehearseReplayCommand(scenario: string, plan: string, seed: number | string, durability: DurabilityMode, startingRecords?: string): string {
  // A negative seed is written --seed=-3: parseArgs would take "-3" for an option.
  const seedWord = typeof seed === 'number' && seed < 0 ? `--seed=${seed}` : `--seed ${shellQuote(String(seed))}`;
  return ['npx cutover-lab rehearse', `--scenario ${shellQuote(displayPath(scenario))}`, `--plan ${shellQuote(displayPath(plan))}`, seedWord, `--durability ${durability}`, ...(startingRecords ? [startingRecords] : [])].join(' ');
}

/** Refuses an output path whose folder does not exist before the rehearsal runs, not after. */
async function checkOutputPath(path: string, option: string): Promise<void> {
  const folder = dirname(path);
  let info;
  try {
    info = await stat(folder);
  } catch (error) {
    throw new UsageError(`--${option} ${path}: cannot write there: ${folder}: ${unreadable(error)}; create the folder first`);
  }
  if (!info.isDirectory()) throw new UsageError(`--${option} ${path}: cannot write there: ${folder} is not a directory`);
  try {
    if ((await stat(path)).isDirectory()) throw new UsageError(`--${option} ${path}: it is a directory; give a file name`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
  }
}

/** The rehearsal in lines for a terminal or a CI log: each step, its figures and gates, the invariants, the verdict. */
export function formatRehearsal(run: RehearsalRun): string {
  const { report, plan } = run;
  const lines = [`Cutover Lab rehearsal — ${report.scenario}, plan ${run.planName ?? plan.title ?? 'plan'} (${plan.steps.length} steps), seed ${String(report.settings.seed)}, durability ${report.settings.durability}`, ''];
  for (const [index, step] of plan.steps.entries()) {
    const s = report.steps[index];
    if (!s) {
      lines.push(`${stepLabel(index, step)} — not reached`);
      continue;
    }
    const phase = s.phaseBefore === s.phaseAfter ? s.phaseAfter : `${s.phaseBefore} -> ${s.phaseAfter}`;
    lines.push(`${stepLabel(index, step)}  [${phase}, ${Number((s.figures.elapsedMs / 1000).toFixed(3))} s] ${s.status === 'failed' ? 'FAILED' : s.gates.some((g) => !g.held) ? 'gate FAILED' : 'done'}`);
    if (s.problem) lines.push(`    ${s.problem}`);
    const figures = describeFigures(s.figures);
    if (figures) lines.push(`    ${figures}`);
    for (const g of s.gates) lines.push(`    ${g.held ? 'ok    ' : 'FAILED'} ${g.gate}: ${formatMeasured(g)} (threshold ${formatThreshold(g)}) — ${g.why}`);
    if (s.onFail) lines.push(`    onFail: rolled back to ${s.onFail.step.to}: ${s.onFail.status}${s.onFail.problem ? ` (${s.onFail.problem})` : ''}, now in ${s.onFail.phaseAfter}`);
  }
  const h = report.invariants.history;
  const v = report.invariants.verify;
  lines.push(
    '',
    `Invariants: ${h.operations} operations, ${h.acknowledgedWrites} acknowledged writes; lost ${h.lost.length}, unexpected ${h.unexpectedCount}, duplicates ${h.duplicates.length}${v ? `; verify in ${report.finalPhase} ${v.clean ? (h.lost.length > 0 ? 'clean (both sides lack the lost writes, so they agree)' : 'clean') : `not clean (${v.differing} differing, ${v.appReadMismatches} read differently)`}` : '; verify not run (old is dropped)'}`,
    '',
  );
  if (report.ok) {
    lines.push(`PASSED: ${report.steps.length} steps ran, ${report.steps.reduce((n, s) => n + s.gates.length, 0)} gate verdicts held, no acknowledged write lost.`);
    return lines.join('\n');
  }
  const stoppedAt = report.stopped ? plan.steps[report.stopped.step] : undefined;
  const where = report.stopped && stoppedAt ? `at step ${report.stopped.step + 1} (steps[${report.stopped.step}] in the plan): ${describeStep(stoppedAt)}${stoppedAt.name ? ` — ${stoppedAt.name}` : ''}` : 'in the final check, after every step ran';
  lines.push(`${report.outcome === 'rolled-back' ? 'ROLLED BACK' : 'FAILED'} ${where}`);
  for (const f of report.failures) {
    // A gate's verdict is printed in full above; here its figures.
    const verdict = f.what === 'gate' && f.step !== null ? report.steps[f.step]?.gates.find((g) => g.gate === f.name && !g.held) : undefined;
    const detail = verdict ? verdictSummary(verdict) : f.detail;
    lines.push(`  ${f.step === null ? 'final check' : `step ${f.step + 1}`}, ${f.what} ${f.name}: ${detail}`);
  }
  if (run.replay) lines.push(`Replay seed ${String(report.settings.seed)}: ${run.replay}`);
  return lines.join('\n');
}

async function rehearseCommand(args: string[], out: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        scenario: { type: 'string' },
        plan: { type: 'string' },
        seed: { type: 'string' },
        durability: { type: 'string' },
        json: { type: 'string' },
        junit: { type: 'string' },
        markdown: { type: 'string' },
        'starting-records': { type: 'string' },
        database: { type: 'string' },
      },
      args: joinNegativeNumbers(args),
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nusage: cutover-lab rehearse --scenario <id|file> --plan <file> [--seed N] [--durability MODE] [--starting-records N | --database FILE] [--json FILE] [--junit FILE] [--markdown FILE]`);
  }
  const v = parsed.values;
  if (!v.plan) throw new UsageError('rehearse needs --plan <file> (a rehearsal plan, see docs/plans.md)');
  const seed = seedOf(v.seed);
  const durability = (v.durability ?? 'strict') as DurabilityMode;
  if (!(DURABILITY_MODES as readonly string[]).includes(durability)) throw new UsageError(`--durability ${durability}: use ${DURABILITY_MODES.join(', ')}`);
  const outputs = { json: v.json, junit: v.junit, markdown: v.markdown };
  for (const [option, path] of Object.entries(outputs)) if (path !== undefined) await checkOutputPath(path, option);

  const planText = await readScenarioFile(v.plan, '', 'plan', MAX_PLAN_CHARS);
  let scenarioArg = v.scenario;
  if (scenarioArg === undefined) {
    // The plan may name its scenario; anything that is not a built-in id needs --scenario.
    let named: unknown;
    try {
      named = (JSON.parse(planText) as { scenario?: unknown } | null)?.scenario;
    } catch {
      named = undefined;
    }
    if (typeof named !== 'string' || !Object.hasOwn(BUILT_IN_SCENARIOS, named)) throw new UsageError(`rehearse needs --scenario <id|file>${typeof named === 'string' ? ` (the plan names "${named}", which is not a built-in scenario: give its file)` : ''}`);
    scenarioArg = named;
  }
  const sql = await loadNodeSqlEngine();
  const scenario = await loadScenario(scenarioArg, sql);
  const validation = parsePlan(planText, scenario);
  if (!validation.ok) {
    const n = validation.problems.length;
    throw new UsageError(`${v.plan} is not a valid plan (${n} problem${n === 1 ? '' : 's'}; see docs/plans.md):\n${formatProblems(validation.problems)}`);
  }
  const startingRecords = startingRecordsOption(v['starting-records'], scenario);
  if (startingRecords && v.database !== undefined) throw new UsageError('--database and --starting-records: a rehearsal starts from one or the other');
  const database = v.database === undefined ? undefined : { name: basename(v.database), bytes: await readDatabaseFile(v.database) };
  // --starting-records replaces the plan's own; the runbook shows what ran.
  const plan = startingRecords ? { ...validation.plan, startingRecords } : validation.plan;
  let report: RehearsalReport;
  try {
    report = await rehearse(scenario, plan, { seed, durability, sql, ...(database ? { database } : {}) });
  } catch (error) {
    if (error instanceof InvalidOptionsError) throw new UsageError(`--database ${v.database ?? ''}: ${error.message.replace(/^rehearse: options\.database: /, '')}`);
    // The scenario's old side does not fit the file (Rehearsal.open says which statements).
    if (database && error instanceof Error && / does not hold what the scenario's old side reads and writes/.test(error.message)) throw new UsageError(error.message);
    throw error;
  }
  const replay = `${rehearseReplayCommand(scenarioArg, v.plan, seed, durability, startingRecords ? startingRecordsArg(startingRecords, startingOperations(scenario)[0]) : undefined)}${v.database !== undefined ? ` --database ${shellQuote(displayPath(v.database))}` : ''}`;
  const run: RehearsalRun = { report, plan, planName: basename(v.plan), scenario, replay };

  const write = async (option: string, path: string | undefined, text: () => string): Promise<void> => {
    if (path === undefined) return;
    try {
      await writeFile(path, text());
    } catch (error) {
      throw new UsageError(`--${option} ${path}: cannot write: ${unreadable(error)}`);
    }
  };
  await write('json', outputs.json, () => `${JSON.stringify(report, null, 2)}\n`);
  await write('junit', outputs.junit, () => renderJUnit(run));
  await write('markdown', outputs.markdown, () => renderRunbook(run));
  out(formatRehearsal(run));
  // A failing run as a link: the scenario, the plan and the seed (a word is not a link's seed).
  if (!report.ok) out(shareLine({ scenario, plan, ...(typeof seed === 'number' && seed >= 0 ? { seed } : {}) }));
  return report.ok ? 0 : 1;
}

/** Reads a database file given on the command line, refusing one over the import's size cap before reading it. */
async function readDatabaseFile(path: string): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw new UsageError(`${path}: ${unreadable(e)}`);
  }
  const tooLarge = importSizeProblem(size);
  if (tooLarge) throw new UsageError(`${path}: ${tooLarge}`);
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new UsageError(`${path}: ${unreadable(e)}`);
  }
}

/** `cutover-lab starter <file.sqlite> [--out FILE]`: the starter scenario of a database's schema. */
async function starterCommand(args: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { out: { type: 'string' } }, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nusage: cutover-lab starter <file.sqlite> [--out FILE]`);
  }
  const [path, ...extra] = parsed.positionals;
  if (path === undefined || extra.length > 0) throw new UsageError('usage: cutover-lab starter <file.sqlite> [--out FILE]');
  if (parsed.values.out !== undefined) await checkOutputPath(parsed.values.out, 'out');
  const bytes = await readDatabaseFile(path);
  const inspection = inspectDatabase(await loadNodeSqlEngine(), bytes, basename(path), { importId: basename(path) });
  if (!inspection.ok) throw new UsageError(`${path} cannot be imported: ${inspection.problem}`);
  const text = `${JSON.stringify(inspection.starter, null, 2)}\n`;
  for (const note of inspection.notes) err(`note: ${note}`);
  const tables = inspection.tables.map((t) => `${t.name} (${t.rows.toLocaleString('en-US')} rows${t.collection === null ? ', no collection' : ''})`).join(', ');
  if (parsed.values.out === undefined) {
    out(text.trimEnd());
    err(`the starter of ${basename(path)}: ${tables}`);
  } else {
    try {
      await writeFile(parsed.values.out, text);
    } catch (error) {
      throw new UsageError(`--out ${parsed.values.out}: cannot write: ${unreadable(error)}`);
    }
    out(`wrote the starter scenario "${inspection.starter.id}" of ${basename(path)} to ${parsed.values.out}: ${tables}. Edit its new-side SQL, then: cutover-lab rehearse --scenario ${shellQuote(parsed.values.out)} --plan PLAN --database ${shellQuote(path)}`);
  }
  return 0;
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

/** The built-in scenarios for `cutover-lab scenarios`: id and title, then collections and operations, briefly. */
export function formatScenarios(scenarios: readonly Scenario[]): string {
  const lines: string[] = [];
  for (const s of scenarios) {
    const starting = new Set(startingOperations(s));
    const ops = Object.entries(s.operations).map(([name, op]) => `${name} (${op.kind === 'read' ? 'read' : `write: ${op.effect.type} ${op.effect.collection}`})${starting.has(name) ? '*' : ''}`);
    lines.push(
      `${s.id.padEnd(22)} ${s.title}`,
      `    ${s.topology} topology; collections: ${Object.keys(s.collections).join(', ')}`,
      `    operations: ${ops.join(', ')}`,
    );
  }
  lines.push('', '* can make starting records (--starting-records N:OPERATION; the first is the default). Details: the scenario\'s JSON in src/scenarios/, or the playground.');
  return lines.join('\n');
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], out = (s: string) => console.log(s), err = (s: string) => console.error(s)): Promise<number> {
  const [command, ...rest] = argv;
  // `cutover-lab <command> --help`: the usage, which covers every command, and success.
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    out(USAGE);
    return 0;
  }
  try {
    switch (command) {
      case 'validate':
        return await validateCommand(rest, out);
      case 'simulate':
        return await simulateCommand(rest, out, err);
      case 'rehearse':
        return await rehearseCommand(rest, out);
      case 'merge':
        return await mergeCommand(rest, out);
      case 'starter':
        return await starterCommand(rest, out, err);
      case 'scenarios':
        if (rest.length > 0 && !(rest.length === 1 && rest[0] === '--verbose')) throw new UsageError('usage: cutover-lab scenarios');
        out(formatScenarios(Object.values(BUILT_IN_SCENARIOS)));
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
