/**
 * The scenario validator: first the shape (every field, with its path), then the SQL, prepared
 * against the declared schemas, so that `operations.storeArtifact.new[1]: no such table:
 * agent_output` is found before a rehearsal starts rather than in the middle of one.
 */
import type { SqlEngine } from '../sql.ts';
import type { Operation, ParamSpec, Scenario, ValueRef } from './format.ts';
import type { Problem } from './shape-checker.ts';
import { planWarning, scenarioPlanChecks } from '../query-plans.ts';
import { dryRun } from './validate-dry-run.ts';
import { validateExpressions } from './validate-expr.ts';
import { validateShape } from './validate-shape.ts';
import { validateSql } from './validate-sql.ts';

export type { Problem } from './shape-checker.ts';
export { templatePlaceholderProblem } from './validate-shape.ts';
export { firstKeyword, RESERVED_PREFIX } from './validate-sql.ts';

/**
 * The result of validation: the typed scenario and its warnings (what the dry run found that does
 * not block a rehearsal but probably makes it fail, each with its path and what to change), or
 * every problem found.
 */
export type Validation = { readonly ok: true; readonly scenario: Scenario; readonly warnings: readonly Problem[] } | { readonly ok: false; readonly problems: readonly Problem[] };

/** Largest scenario file accepted, in characters. */
export const MAX_SCENARIO_CHARS = 1_000_000;

/** Parses and validates scenario text (a file or a share link's payload). */
export function parseScenario(text: string, sql: SqlEngine): Validation {
  if (text.length > MAX_SCENARIO_CHARS) {
    return fail('', `scenario is ${text.length} characters; the limit is ${MAX_SCENARIO_CHARS}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail('', `not valid JSON: ${(error as Error).message}`);
  }
  return validateScenario(value, sql);
}

/**
 * Validates a parsed scenario: its shape, then every statement against the declared schemas and
 * every computed value (`{ "expr" }`: one deterministic expression over its parameters), then a dry
 * run of its writes. A valid scenario comes with the dry run's warnings (empty when it found none).
 */
export function validateScenario(value: unknown, sql: SqlEngine): Validation {
  const shape = validateShape(value);
  if (shape.length > 0) return { ok: false, problems: shape };
  const scenario = value as Scenario;
  const problems = [...validateSql(scenario, sql), ...validateExpressions(scenario, sql)];
  if (problems.length > 0) return { ok: false, problems };
  const found = dryRun(scenario, sql);
  if (found.problems.length > 0) return { ok: false, problems: found.problems };
  remember(scenario);
  return { ok: true, scenario, warnings: [...found.warnings, ...scanWarnings(scenario, sql)] };
}

/**
 * Warnings for a collection's key lookup or a read whose plan reads a whole table where an index
 * would make it a search (the index to declare is named): such a scenario rehearses at a cost that
 * grows with the data, as its application would. Planned on fresh databases holding the schemas.
 */
function scanWarnings(scenario: Scenario, sql: SqlEngine): Problem[] {
  const oldDb = sql.open();
  const newDb = scenario.topology === 'shared' ? oldDb : sql.open();
  try {
    for (const ddl of scenario.schema.old) oldDb.exec(ddl);
    for (const ddl of scenario.schema.new) newDb.exec(ddl);
    const out: Problem[] = [];
    for (const entry of scenarioPlanChecks(scenario, (side) => (side === 'old' ? oldDb : newDb))) {
      const message = planWarning(entry);
      if (message) out.push({ path: entry.path, message });
    }
    return out;
  } finally {
    oldDb.close();
    if (newDb !== oldDb) newDb.close();
  }
}

/** A scenario that does not pass the validator, with every problem found. */
export class InvalidScenarioError extends Error {
  override readonly name = 'InvalidScenarioError';
  constructor(
    readonly scenarioId: string,
    readonly problems: readonly Problem[],
  ) {
    super(`scenario${scenarioId ? ` "${scenarioId}"` : ''} does not pass the validator (${problems.length === 1 ? '1 problem' : `${problems.length} problems`}):\n${formatProblems(problems)}`);
  }
}

// Scenarios that passed, so that reopening a rehearsal (after every crash) does not validate
// again: by object, and by text for copies of one (a test's `{ ...scenario, policy }`).
const passedObjects = new WeakSet<object>();
const passedTexts = new Set<string>();
const PASSED_TEXTS_KEPT = 32;

function remember(scenario: Scenario): void {
  passedObjects.add(scenario);
  if (passedTexts.size >= PASSED_TEXTS_KEPT) passedTexts.clear();
  passedTexts.add(JSON.stringify(scenario));
}

/**
 * The scenario, if it passes the validator (remembered when it passed before); otherwise throws
 * InvalidScenarioError with the validator's messages. What `Rehearsal.open` calls.
 */
export function requireValid(scenario: unknown, sql: SqlEngine): Scenario {
  if (typeof scenario === 'object' && scenario !== null && (passedObjects.has(scenario) || passedTexts.has(JSON.stringify(scenario)))) return scenario as Scenario;
  const v = validateScenario(scenario, sql);
  if (!v.ok) {
    const id = typeof scenario === 'object' && scenario !== null && typeof (scenario as { id?: unknown }).id === 'string' ? (scenario as { id: string }).id : '';
    throw new InvalidScenarioError(id, v.problems);
  }
  return v.scenario;
}

function fail(path: string, message: string): Validation {
  return { ok: false, problems: [{ path, message }] };
}

/** Formats problems (or warnings) one per line, as the CLI prints them. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n');
}

/** The operations of a scenario, typed by kind. */
export function operationsOf(scenario: Scenario): [string, Operation][] {
  return Object.entries(scenario.operations);
}

/** Re-exported for callers that only need the checks on value references. */
export type { ValueRef, ParamSpec };
