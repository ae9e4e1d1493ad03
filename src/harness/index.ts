/**
 * The harness as a user imports it (`cutover-lab/harness`): `rehearse` runs a plan on a scenario
 * and returns a frozen report; `simulate` runs the random walk `cutover-lab simulate` runs. Both are
 * deterministic from their seed on a virtual clock and an in-memory store. `renderJUnit` and
 * `renderRunbook` turn a report (with its plan) into JUnit XML for CI and a Markdown runbook;
 * `cutoverMatchers` are Vitest matchers on a report (`expect.extend(cutoverMatchers)`).
 */
import { inspectDatabase } from '../engine/import-database.ts';
import { DURABILITY_MODES, type DurabilityMode, type KeyValueBackend } from '../engine/durability/types.ts';
import type { Scenario } from '../engine/scenario/format.ts';
import { describe, didYouMean } from '../engine/scenario/shape-checker.ts';
import { InvalidScenarioError, validateScenario } from '../engine/scenario/validate.ts';
import type { SqlEngine } from '../engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../scenarios/index.ts';
import type { Plan, StartingRecords } from './plan/format.ts';
import type { RehearsalReport } from './plan/report.ts';
import { runPlan } from './plan/run.ts';
import { startingRecordsOf, startingRecordsProblems } from './plan/validate.ts';
import { simulate as simulateWith, type SimulateOptions, type SimulationReport } from './simulate.ts';

export type { SimulateOptions, SimulationReport, RunReport, Failure } from './simulate.ts';
export { parsePlan, validatePlan, InvalidPlanError, type PlanValidation, type Problem } from './plan/validate.ts';
export { InvalidScenarioError, parseScenario, validateScenario, formatProblems, type Validation as ScenarioValidation } from '../engine/scenario/validate.ts';
export type * from './plan/format.ts';
export { renderJUnit, escapeXml } from './plan/junit.ts';
export { renderRunbook, rollbackRoute, describeStep, type RehearsalRun, type RollbackRoute, type RollbackHazard } from './plan/runbook.ts';
export type { GateVerdict, HistoryRecord, Invariants, LostRecord, PlanFailure, RehearsalReport, SideLatency, StepFigures, StepReport, UnexpectedRecord } from './plan/report.ts';
export { cutoverMatchers, type CutoverMatchers, type MatcherResult } from './matchers.ts';
export type { Scenario } from '../engine/scenario/format.ts';
export type { DurabilityMode, KeyValueBackend } from '../engine/durability/types.ts';

/** How `rehearse` runs a plan. */
export interface RehearseOptions {
  /** A whole number or a word; the same seed gives the same report, byte for byte. */
  readonly seed: number | string;
  readonly durability: DurabilityMode;
  /** The durable store (default: a fresh in-memory one); give an empty one, as what it holds is recovered. */
  readonly store?: KeyValueBackend;
  /** The SQL engine (default in Node: sql.js from node_modules; a browser passes `loadBrowserSqlEngine()` from `cutover-lab/harness/browser`). */
  readonly sql?: SqlEngine;
  /**
   * Records the old schema holds before the seed data and the first step: a count (1 to
   * 2,000,000), or `{ count, operation }` to name the write that makes them (default: the
   * scenario's first that can). Replaces the plan's own `startingRecords`.
   */
  readonly startingRecords?: number | StartingRecords;
  /**
   * A SQLite database file that becomes the old database, its rows the starting records (as the
   * playground's import makes it): checked first (header, length, integrity_check, 256 MiB), and
   * the scenario's old-side statements compiled against it. Not with `startingRecords`.
   */
  readonly database?: { readonly name: string; readonly bytes: Uint8Array };
}

/** Bad options given to `rehearse` or `simulate`: what is wrong and what to give instead. */
export class InvalidOptionsError extends Error {
  override readonly name = 'InvalidOptionsError';
}

/**
 * Runs `plan` on `scenario` (a built-in id or a scenario object) and returns the frozen report:
 * per step its figures and gate verdicts, the final invariants and the history. Throws for input
 * it cannot run — bad options (InvalidOptionsError), an unknown scenario id, an
 * InvalidScenarioError, an InvalidPlanError — with the validators' messages; a plan that fails is a
 * report with `ok: false`, not an exception.
 */
export async function rehearse(scenario: string | Scenario, plan: Plan, options: RehearseOptions): Promise<RehearsalReport> {
  checkOptions('rehearse', options, ['seed', 'durability', 'store', 'sql', 'startingRecords', 'database']);
  const seed = checkSeed(options.seed);
  const durability = checkDurability(options.durability);
  checkPorts(options);
  const target = scenarioOf(scenario);
  const sql = options.sql ?? (await loadNodeSqlEngine());
  let planToRun = plan;
  if (options.startingRecords !== undefined) {
    const asked = typeof options.startingRecords === 'number' ? { count: options.startingRecords } : options.startingRecords;
    const problems = startingRecordsProblems(asked, typeof target.operations === 'object' && target.operations !== null ? target : undefined, 'options.startingRecords');
    if (problems.length > 0) throw new InvalidOptionsError(`rehearse: ${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
    // Only a plan object takes them; anything else the plan validator refuses as it is.
    if (typeof plan === 'object' && plan !== null && !Array.isArray(plan)) planToRun = { ...plan, startingRecords: asked };
  }
  const database = options.database === undefined ? undefined : checkDatabase(options.database, sql, options.startingRecords !== undefined || (typeof plan === 'object' && plan !== null && 'startingRecords' in plan && plan.startingRecords !== undefined));
  return runPlan({ scenario: target, plan: planToRun, seed, durability, sql, ...(options.store ? { store: options.store } : {}), ...(database ? { database } : {}) });
}

/** `options.database` checked as the playground's import checks a file; InvalidOptionsError says what is wrong. */
function checkDatabase(database: unknown, sql: SqlEngine, withStartingRecords: boolean): { readonly name: string; readonly bytes: Uint8Array } {
  const d = database as { name?: unknown; bytes?: unknown } | null;
  if (typeof d !== 'object' || d === null || typeof d.name !== 'string' || !(d.bytes instanceof Uint8Array)) {
    throw new InvalidOptionsError('rehearse: options.database: give { name, bytes } — the file\'s name and its bytes as a Uint8Array (fs.readFileSync returns a Buffer, which is one)');
  }
  if (withStartingRecords) throw new InvalidOptionsError('rehearse: options.database: a rehearsal starts with an imported database or with generated starting records, not both (drop startingRecords, from the options or the plan)');
  const inspection = inspectDatabase(sql, d.bytes, d.name, { importId: d.name });
  if (!inspection.ok) throw new InvalidOptionsError(`rehearse: options.database: ${d.name} cannot be imported: ${inspection.problem}`);
  return { name: d.name, bytes: d.bytes };
}

/** How `simulate` runs: `SimulateOptions` with the scenario as a built-in id or an object, and sql.js loaded in Node when `sql` is absent. */
export interface SimulateApiOptions extends Omit<SimulateOptions, 'scenario' | 'sql' | 'startingRecords'> {
  readonly scenario: string | Scenario;
  readonly sql?: SqlEngine;
  /** As `rehearse`'s: a count, or `{ count, operation }`; every seed starts with them. */
  readonly startingRecords?: number | StartingRecords;
}

/**
 * Runs the random walk `cutover-lab simulate` runs, seed after seed in this thread, and returns its
 * report (the same bytes as `cutover-lab simulate --json` for the same settings). Throws for bad
 * options (InvalidOptionsError), an unknown scenario id or an InvalidScenarioError.
 */
export async function simulate(options: SimulateApiOptions): Promise<SimulationReport> {
  checkOptions('simulate', options, ['scenario', 'sql', 'seeds', 'seedStart', 'ops', 'faultRate', 'durability', 'careless', 'scenarioArg', 'startingRecords', 'onRun']);
  const whole = (name: string, value: unknown, min: number, max: number, required: boolean): void => {
    if (value === undefined && !required) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new InvalidOptionsError(`simulate: options.${name} ${describe(value)}: a whole number from ${min} to ${max}`);
  };
  whole('seeds', options.seeds, 1, 100_000, true);
  whole('seedStart', options.seedStart, 0, Number.MAX_SAFE_INTEGER, false);
  whole('ops', options.ops, 1, 1_000_000, true);
  if (typeof options.faultRate !== 'number' || !(options.faultRate >= 0 && options.faultRate <= 1)) throw new InvalidOptionsError(`simulate: options.faultRate ${describe(options.faultRate)}: a probability from 0 to 1`);
  const durability = checkDurability(options.durability, 'simulate');
  checkPorts(options, 'simulate');
  const sql = options.sql ?? (await loadNodeSqlEngine());
  const given = scenarioOf(options.scenario);
  const validation = validateScenario(given, sql);
  if (!validation.ok) throw new InvalidScenarioError(typeof given.id === 'string' ? given.id : '', validation.problems);
  const scenario = validation.scenario;
  let startingRecords;
  if (options.startingRecords !== undefined) {
    const asked = typeof options.startingRecords === 'number' ? { count: options.startingRecords } : options.startingRecords;
    const problems = startingRecordsProblems(asked, scenario, 'options.startingRecords');
    if (problems.length > 0) throw new InvalidOptionsError(`simulate: ${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
    startingRecords = startingRecordsOf({ startingRecords: asked }, scenario);
  }
  // A built-in named by its id replays as `--scenario <id>`; an object, as the file it came from.
  const scenarioArg = options.scenarioArg ?? (typeof options.scenario === 'string' ? options.scenario : undefined);
  const { startingRecords: _asked, ...rest } = options;
  return simulateWith({
    ...rest,
    scenario,
    sql,
    durability,
    ...(scenarioArg !== undefined ? { scenarioArg } : {}),
    ...(startingRecords ? { startingRecords } : {}),
  });
}

/**
 * sql.js as Node loads it (what `rehearse` and `simulate` use when given no `sql`; pass it to
 * `validateScenario`/`parseScenario`). Imported only when called, so a page never loads it; in a
 * browser use `loadBrowserSqlEngine()` from `cutover-lab/harness/browser`, as there sql.js fetches
 * its WebAssembly file from a URL only the bundler knows.
 */
export async function loadNodeSqlEngine(): Promise<SqlEngine> {
  if (typeof process === 'undefined' || process.versions?.node === undefined) {
    throw new Error('rehearse() and simulate() in a browser need options.sql: pass sql: await loadBrowserSqlEngine(), from cutover-lab/harness/browser');
  }
  return (await import('./node-sql.ts')).loadNodeSqlEngine();
}

/** Options as an object with only `known` keys (a misspelt one named, with a did-you-mean). */
function checkOptions(fn: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionsError(`${fn}: expected an options object such as { seed: 1, durability: 'strict' }, found ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new InvalidOptionsError(`${fn}: unknown option "${key}"${((m) => (m ? ` (${m})` : ''))(didYouMean(key, known))}: the options are ${known.join(', ')}`);
  }
}

/** A seed as the CLI takes it: a whole number, or a word (not a fraction: that is a typo more often than a choice). */
function checkSeed(seed: unknown): number | string {
  if (typeof seed === 'number') {
    if (Number.isSafeInteger(seed)) return seed;
    throw new InvalidOptionsError(`rehearse: options.seed ${describe(seed)}: a seed is a whole number (or a word); the same seed replays the same run`);
  }
  if (typeof seed === 'string' && seed.trim() !== '') return seed;
  throw new InvalidOptionsError(`rehearse: options.seed ${seed === undefined ? 'is required' : describe(seed)}: give a number (or a word), e.g. seed: 1; the same seed replays the same run`);
}

/** A durability mode, as the CLI's --durability refuses others. */
function checkDurability(value: unknown, fn = 'rehearse'): DurabilityMode {
  if (typeof value === 'string' && (DURABILITY_MODES as readonly string[]).includes(value)) return value as DurabilityMode;
  const meant = typeof value === 'string' ? didYouMean(value, DURABILITY_MODES) : undefined;
  throw new InvalidOptionsError(`${fn}: options.durability ${value === undefined ? 'is required' : describe(value)}: use ${DURABILITY_MODES.join(', ')}${meant ? ` (${meant})` : ''}`);
}

/** `sql` and `store`, when given, are what they say (an engine with open(), a backend with get, keys and write). */
function checkPorts(options: { readonly sql?: unknown; readonly store?: unknown }, fn = 'rehearse'): void {
  const has = (v: unknown, methods: readonly string[]): boolean => typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function');
  if (options.sql !== undefined && !has(options.sql, ['open'])) throw new InvalidOptionsError(`${fn}: options.sql is not a SQL engine (it has no open()): leave it out in Node, or pass await loadBrowserSqlEngine() from cutover-lab/harness/browser`);
  if (options.store !== undefined && !has(options.store, ['get', 'keys', 'write'])) throw new InvalidOptionsError(`${fn}: options.store is not a store (it needs get, keys and write): leave it out for a fresh in-memory one, or pass indexedDbStore(name) from cutover-lab/harness/browser`);
}

/** A built-in scenario by id, or the scenario given. */
function scenarioOf(scenario: string | Scenario): Scenario {
  if (typeof scenario !== 'string') {
    if (typeof scenario !== 'object' || scenario === null || Array.isArray(scenario)) throw new InvalidOptionsError(`expected a built-in scenario's id or a scenario object, found ${describe(scenario)}`);
    return scenario;
  }
  const found = Object.hasOwn(BUILT_IN_SCENARIOS, scenario) ? BUILT_IN_SCENARIOS[scenario] : undefined;
  if (found) return found;
  const ids = Object.keys(BUILT_IN_SCENARIOS);
  throw new Error(`no built-in scenario "${scenario}": ${didYouMean(scenario, ids) ?? `use one of ${ids.map((id) => `"${id}"`).join(', ')}`}, or pass a scenario object`);
}
