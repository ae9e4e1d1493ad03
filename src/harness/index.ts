/**
 * The harness as a user imports it (`cutover-lab/harness`): `rehearse` runs a plan on a scenario
 * and returns a frozen report; `simulate` runs the random walk `cutover-lab simulate` runs. Both are
 * deterministic from their seed on a virtual clock and an in-memory store. `renderJUnit` and
 * `renderRunbook` turn a report (with its plan) into JUnit XML for CI and a Markdown runbook;
 * `cutoverMatchers` are Vitest matchers on a report (`expect.extend(cutoverMatchers)`).
 */
import type { DurabilityMode, KeyValueBackend } from '../engine/durability/types.ts';
import type { Scenario } from '../engine/scenario/format.ts';
import { didYouMean } from '../engine/scenario/shape-checker.ts';
import type { SqlEngine } from '../engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../scenarios/index.ts';
import type { Plan } from './plan/format.ts';
import type { RehearsalReport } from './plan/report.ts';
import { runPlan } from './plan/run.ts';

export { simulate, type SimulateOptions, type SimulationReport, type RunReport, type Failure } from './simulate.ts';
export { parsePlan, validatePlan, InvalidPlanError, type PlanValidation, type Problem } from './plan/validate.ts';
export { InvalidScenarioError } from '../engine/scenario/validate.ts';
export type * from './plan/format.ts';
export { renderJUnit, escapeXml } from './plan/junit.ts';
export { renderRunbook, rollbackRoute, describeStep, type RehearsalRun, type RollbackRoute, type RollbackHazard } from './plan/runbook.ts';
export type { GateVerdict, HistoryRecord, Invariants, LostRecord, PlanFailure, RehearsalReport, StepFigures, StepReport, UnexpectedRecord } from './plan/report.ts';
export { cutoverMatchers, type CutoverMatchers, type MatcherResult } from './matchers.ts';
export type { Scenario } from '../engine/scenario/format.ts';
export type { DurabilityMode, KeyValueBackend } from '../engine/durability/types.ts';

/** How `rehearse` runs a plan. */
export interface RehearseOptions {
  readonly seed: number | string;
  readonly durability: DurabilityMode;
  /** The durable store (default: a fresh in-memory one); give an empty one, as what it holds is recovered. */
  readonly store?: KeyValueBackend;
  /** The SQL engine (default in Node: sql.js from node_modules; a browser passes `loadBrowserSqlEngine()` from `cutover-lab/harness/browser`). */
  readonly sql?: SqlEngine;
}

/**
 * Runs `plan` on `scenario` (a built-in id or a scenario object) and returns the frozen report:
 * per step its figures and gate verdicts, the final invariants and the history. Throws for input
 * it cannot run — an unknown scenario id, an InvalidScenarioError, an InvalidPlanError — with the
 * validators' messages; a plan that fails is a report with `ok: false`, not an exception.
 */
export async function rehearse(scenario: string | Scenario, plan: Plan, options: RehearseOptions): Promise<RehearsalReport> {
  const sql = options.sql ?? (await nodeSqlEngine());
  return runPlan({ scenario: scenarioOf(scenario), plan, seed: options.seed, durability: options.durability, sql, ...(options.store ? { store: options.store } : {}) });
}

/**
 * sql.js as Node loads it, imported only when needed so that a page never loads it. A browser
 * gives its own: there sql.js would fetch its WebAssembly file from a URL only the bundler knows.
 */
async function nodeSqlEngine(): Promise<SqlEngine> {
  if (typeof process === 'undefined' || process.versions?.node === undefined) {
    throw new Error('rehearse() in a browser needs options.sql: pass sql: await loadBrowserSqlEngine(), from cutover-lab/harness/browser');
  }
  return (await import('./node-sql.ts')).loadNodeSqlEngine();
}

/** A built-in scenario by id, or the scenario given. */
function scenarioOf(scenario: string | Scenario): Scenario {
  if (typeof scenario !== 'string') return scenario;
  const found = Object.hasOwn(BUILT_IN_SCENARIOS, scenario) ? BUILT_IN_SCENARIOS[scenario] : undefined;
  if (found) return found;
  const ids = Object.keys(BUILT_IN_SCENARIOS);
  throw new Error(`no built-in scenario "${scenario}": ${didYouMean(scenario, ids) ?? `use one of ${ids.map((id) => `"${id}"`).join(', ')}`}, or pass a scenario object`);
}
