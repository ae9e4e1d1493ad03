/**
 * The plan validator, in the manner of the scenario's: every problem at its path
 * (`steps[3].gate.fallbackRate.max: …`) with what to change, unknown keys refused with a
 * did-you-mean. Besides the shape it walks the phases the plan moves through, so that a move two
 * phases ahead, a rollback forward or a fallback gate where nothing falls back is found before a
 * rehearsal runs; given the scenario, it checks the operations the plan names too.
 */
import { CORRUPTIONS, CRASH_POINTS, FAULT_KINDS } from '../../engine/faults.ts';
import { PHASES, phaseIndex, routeOf, type Phase } from '../../engine/phases.ts';
import { resolveSettings, SIDES, type Scenario } from '../../engine/scenario/format.ts';
import { MAX_STARTING_RECORDS, startingOperations, startingRecordsProblem } from '../../engine/scenario/starting.ts';
import type { StartingRecordsRequest } from '../../engine/control-state.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { describe, didYouMean, listNames, NAME, nameRemedy, ShapeChecker, type Json, type Problem } from '../../engine/scenario/shape-checker.ts';
import { DEFAULT_RATE, GATE_KINDS, OPERATION_GATES, PLAN_FORMAT, STEP_KINDS, type Plan, type StepKind } from './format.ts';

export type { Problem } from '../../engine/scenario/shape-checker.ts';

/** The result of validation: the typed plan, or every problem found. */
export type PlanValidation = { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly problems: readonly Problem[] };

/** Largest plan file accepted, in characters. */
export const MAX_PLAN_CHARS = 1_000_000;
/** Most steps a plan may have. */
export const MAX_STEPS = 1_000;
/** Most operations one workload step may run (its `operations`, or its duration times its rate). */
export const MAX_STEP_OPERATIONS = 1_000_000;
/** Longest virtual time one workload step may run, in milliseconds (a week). */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

/** A plan that does not pass the validator, with every problem found. */
export class InvalidPlanError extends Error {
  override readonly name = 'InvalidPlanError';
  constructor(readonly problems: readonly Problem[]) {
    super(`the plan does not pass the validator (${problems.length === 1 ? '1 problem' : `${problems.length} problems`}):\n${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n')}`);
  }
}

/**
 * Parses and validates plan text (a file's contents). `scenario`, when given, is the one the plan
 * will run on — a scenario object or a built-in scenario's id (`'job-keys'`) — and the operations
 * the plan names are checked against it; an id that names no built-in scenario is a problem.
 * Never throws for bad input.
 */
export function parsePlan(text: string, scenario?: Scenario | string): PlanValidation {
  if (typeof text !== 'string') return { ok: false, problems: [{ path: '', message: `expected the plan's text (a string), found ${describe(text as Json)}: to validate a parsed plan, call validatePlan(value, scenario)` }] };
  if (text.length > MAX_PLAN_CHARS) return { ok: false, problems: [{ path: '', message: `plan is ${text.length} characters; the limit is ${MAX_PLAN_CHARS}` }] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ path: '', message: `not valid JSON: ${(error as Error).message}` }] };
  }
  return validatePlan(value, scenario);
}

/**
 * Validates a parsed plan: its shape, the phases its steps move through, and, given the scenario it
 * will run on (a scenario object or a built-in scenario's id), the operations it names. Never
 * throws for bad input.
 */
export function validatePlan(value: unknown, scenario?: Scenario | string): PlanValidation {
  const c = new ShapeChecker();
  const resolved = scenarioArgument(c, scenario);
  if (resolved !== null) checkPlan(c, value, resolved);
  return c.problems.length > 0 ? { ok: false, problems: withSuggestions(c.problems) } : { ok: true, plan: value as Plan };
}

/** The plan if it passes the validator; otherwise throws InvalidPlanError with every problem. */
export function requireValidPlan(value: unknown, scenario?: Scenario | string): Plan {
  const v = validatePlan(value, scenario);
  if (!v.ok) throw new InvalidPlanError(v.problems);
  return v.plan;
}

/** The scenario a plan is validated against: undefined for none, null (with a problem added) when the argument is unusable. */
function scenarioArgument(c: ShapeChecker, scenario: Scenario | string | undefined): Scenario | undefined | null {
  if (scenario === undefined) return undefined;
  if (typeof scenario === 'string') {
    const found = Object.hasOwn(BUILT_IN_SCENARIOS, scenario) ? BUILT_IN_SCENARIOS[scenario] : undefined;
    if (found) return found;
    const ids = Object.keys(BUILT_IN_SCENARIOS);
    c.add('', `no built-in scenario "${scenario}" to validate the plan against: ${didYouMean(scenario, ids) ?? `use one of ${listNames(ids, 12, true)}`}, or pass the scenario object`);
    return null;
  }
  if (typeof scenario !== 'object' || scenario === null || typeof (scenario as { operations?: unknown }).operations !== 'object' || (scenario as { operations?: unknown }).operations === null) {
    c.add('', `the scenario to validate the plan against must be a scenario object or a built-in scenario's id, found ${describe(scenario as Json)}`);
    return null;
  }
  return scenario;
}

/**
 * The starting records `plan` asks for on `scenario`, its operation resolved (the scenario's first
 * write that can make them when the plan names none); undefined when it asks for none. The plan must
 * have passed the validator against this scenario.
 */
export function startingRecordsOf(plan: Pick<Plan, 'startingRecords'>, scenario: Scenario): StartingRecordsRequest | undefined {
  const asked = plan.startingRecords;
  if (!asked) return undefined;
  const operation = asked.operation ?? startingOperations(scenario)[0];
  if (operation === undefined) throw new InvalidPlanError([{ path: 'startingRecords', message: noStartingOperation(scenario) }]);
  return { operation, count: asked.count };
}

function noStartingOperation(scenario: Scenario): string {
  return `"${scenario.id}" has no write that can make starting records (an insert or upsert whose parameters need no existing record): remove "startingRecords"`;
}

const PLAN_KEYS = ['format', 'steps', 'title', 'description', 'scenario', 'seedData', 'startingRecords'];

/** The keys allowed in the object at `parent` (a problem's path without its last key), for a did-you-mean. */
function keysAt(parent: string): readonly string[] {
  if (parent === '') return PLAN_KEYS;
  if (parent.endsWith('startingRecords')) return ['count', 'operation'];
  if (/^steps\[\d+\]$/.test(parent)) return [...new Set([...Object.values(STEP_KEYS).flatMap((k) => [...k.required, ...k.optional]), 'name', 'gate'])];
  if (parent.endsWith('.gate')) return [...GATE_KINDS, 'onFail'];
  if (parent.endsWith('.onFail')) return ['kind', 'to', 'name', 'remedies', 'acceptHazards'];
  if (/\.faults\[\d+\]$/.test(parent)) return ['kind', ...Object.keys(FAULT_FIELDS)];
  if (parent.endsWith('.p99Ms')) return ['old', 'new'];
  if (/\.(mismatchRate|fallbackRate|errorRate)$/.test(parent)) return ['max', 'minReads', 'reason'];
  return [];
}

/** `did you mean "x"?`: a close name, or else the one name `name` begins (`p99` for `p99Ms`) or is begun by. */
function meant(name: string, candidates: readonly string[]): string | undefined {
  const close = didYouMean(name, candidates);
  if (close !== undefined) return close;
  const lower = name.toLowerCase();
  const prefixed = lower.length < 2 ? [] : candidates.filter((c) => c.toLowerCase().startsWith(lower) || (c.length >= 3 && lower.startsWith(c.toLowerCase())));
  return prefixed.length === 1 ? `did you mean "${String(prefixed[0])}"?` : undefined;
}

/** The problems with a did-you-mean added where the shape checker gave none: a misspelt key (`p99`) or value (`between-write`). */
function withSuggestions(problems: readonly Problem[]): Problem[] {
  return problems.map((p) => {
    const key = /^unknown key "([^"]*)"$/.exec(p.message);
    if (key) {
      const at = p.path.lastIndexOf('.');
      const hint = meant(key[1] as string, keysAt(at < 0 ? '' : p.path.slice(0, at)));
      return hint ? { ...p, message: `${p.message} (${hint})` } : p;
    }
    const value = /^expected one of ((?:"[^"]*"(?:, )?)+), found "([^"]*)"$/.exec(p.message);
    if (value) {
      const values = [...(value[1] as string).matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
      const hint = meant(value[2] as string, values);
      return hint ? { ...p, message: `${p.message}: ${hint}` } : p;
    }
    return p;
  });
}

/** What is wrong with a starting-records request (`{ count, operation? }`) at `path`, checked against the scenario when given; empty when nothing is. */
export function startingRecordsProblems(value: unknown, scenario: Scenario | undefined, path = 'startingRecords'): Problem[] {
  const c = new ShapeChecker();
  checkStartingRecords(c, path, value, scenario);
  return withSuggestions(c.problems);
}

/** `"startingRecords": { "count": 10000, "operation"?: "enqueue" }`, checked against the scenario when given. */
function checkStartingRecords(c: ShapeChecker, path: string, v: Json, scenario: Scenario | undefined): void {
  const hints = { count: `how many records the old schema starts with, a whole number from 1 to ${MAX_STARTING_RECORDS}, e.g. "count": 10000` };
  if (typeof v === 'number') {
    c.add(path, `expected { "count": ${String(v)} }, found a bare number: give the count as "count" (and optionally the write that makes them as "operation")`);
    return;
  }
  if (!c.object(path, v, ['count'], ['operation'], hints)) return;
  const countOk = c.integer(`${path}.count`, v.count, 1, MAX_STARTING_RECORDS);
  if ('operation' in v && !c.string(`${path}.operation`, v.operation, 64)) return;
  if (!scenario) return;
  if ('operation' in v) {
    const operation = v.operation as string;
    if (!Object.hasOwn(scenario.operations, operation)) {
      c.add(`${path}.operation`, `no operation named "${operation}" in "${scenario.id}": ${nameRemedy(operation, startingOperations(scenario), noStartingOperation(scenario))}`);
      return;
    }
    const problem = countOk ? startingRecordsProblem({ scenario }, { operation, count: v.count as number }) : undefined;
    if (problem) c.add(`${path}.operation`, problem);
  } else if (startingOperations(scenario).length === 0) {
    c.add(path, noStartingOperation(scenario));
  }
}

/** What the checks of one step need to know besides the step. */
interface Context {
  readonly scenario: Scenario | undefined;
  /** The phase the plan stands in when the step starts (every earlier step having done what it says). */
  readonly phase: Phase;
}

const STEP_KEYS: Readonly<Record<StepKind, { readonly required: readonly string[]; readonly optional: readonly string[] }>> = {
  move: { required: ['kind', 'to'], optional: ['force', 'acceptDataLoss'] },
  rollback: { required: ['kind', 'to'], optional: ['remedies', 'acceptHazards'] },
  workload: { required: ['kind'], optional: ['operations', 'durationMs', 'mix', 'rate'] },
  'arm-faults': { required: ['kind', 'faults'], optional: [] },
  'clear-faults': { required: ['kind'], optional: [] },
  crash: { required: ['kind'], optional: ['at'] },
  backfill: { required: ['kind'], optional: ['batchSize', 'delayMs', 'operationsBetweenBatches'] },
  'reverse-sync': { required: ['kind'], optional: ['batchSize', 'delayMs', 'operationsBetweenBatches'] },
  verify: { required: ['kind'], optional: [] },
  'restore-backup': { required: ['kind'], optional: [] },
};

const STEP_HINTS: Readonly<Record<string, string>> = {
  to: `the phase to move to: one of ${PHASES.map((p) => `"${p}"`).join(', ')}`,
  faults: 'the faults to arm, e.g. "faults": [{ "kind": "write-error", "side": "new", "rate": 0.1 }]',
};

function checkPlan(c: ShapeChecker, value: Json, scenario: Scenario | undefined): void {
  const hints = { format: `"format": ${PLAN_FORMAT}`, steps: 'the ordered list of steps, e.g. "steps": [{ "kind": "move", "to": "dual-write" }]' };
  if (!c.object('', value, ['format', 'steps'], ['title', 'description', 'scenario', 'seedData', 'startingRecords'], hints)) return;
  const plan = value;
  if (typeof plan.format === 'number' && plan.format > PLAN_FORMAT) c.add('format', `plan format ${plan.format} is newer than this build reads (${PLAN_FORMAT}); update Cutover Lab`);
  else if ('format' in plan && plan.format !== PLAN_FORMAT) c.add('format', `expected ${PLAN_FORMAT}, found ${describe(plan.format)}`);
  if ('title' in plan) c.string('title', plan.title, 200);
  if ('description' in plan) c.string('description', plan.description);
  if ('seedData' in plan) boolean(c, 'seedData', plan.seedData);
  if ('startingRecords' in plan) checkStartingRecords(c, 'startingRecords', plan.startingRecords, scenario);
  if ('scenario' in plan && c.string('scenario', plan.scenario, 63) && scenario && plan.scenario !== scenario.id) {
    c.add('scenario', `the plan is written for scenario "${String(plan.scenario)}", and it is being run on "${scenario.id}": run it on "${String(plan.scenario)}", or change "scenario" once its steps fit "${scenario.id}"`);
  }
  if (!('steps' in plan)) return;
  if (!Array.isArray(plan.steps)) {
    c.add('steps', `expected an array of steps, found ${describe(plan.steps)}`);
    return;
  }
  if (plan.steps.length === 0) c.add('steps', 'give at least one step, e.g. { "kind": "move", "to": "dual-write" }');
  if (plan.steps.length > MAX_STEPS) {
    c.add('steps', `${plan.steps.length} steps; the limit is ${MAX_STEPS}`);
    return;
  }
  let phase: Phase = 'old-only';
  plan.steps.forEach((step, i) => {
    phase = checkStep(c, `steps[${i}]`, step, { scenario, phase });
  });
}

/** Checks one step; returns the phase the plan stands in after it (the phase before, when the step is malformed). */
function checkStep(c: ShapeChecker, path: string, v: Json, ctx: Context): Phase {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    c.add(path, `expected a step such as { "kind": "move", "to": "dual-write" }, found ${describe(v)}`);
    return ctx.phase;
  }
  const step = v as Record<string, Json>;
  const kind = step.kind;
  if (kind === undefined) {
    c.add(`${path}.kind`, `is required: one of ${STEP_KINDS.map((k) => `"${k}"`).join(', ')}`);
    return ctx.phase;
  }
  if (typeof kind !== 'string' || !(STEP_KINDS as readonly string[]).includes(kind)) {
    const meant = typeof kind === 'string' ? didYouMean(kind, STEP_KINDS) : undefined;
    c.add(`${path}.kind`, `${describe(kind)} is not a kind of step: ${meant ?? `use one of ${STEP_KINDS.map((k) => `"${k}"`).join(', ')}`}`);
    return ctx.phase;
  }
  const k = kind as StepKind;
  const keys = STEP_KEYS[k];
  if (!c.object(path, v, keys.required, [...keys.optional, 'name', 'gate'], STEP_HINTS)) return ctx.phase;
  if ('name' in step) c.string(`${path}.name`, step.name, 200);
  const after = checkStepBody(c, path, k, step, ctx);
  if ('gate' in step) checkGate(c, `${path}.gate`, step.gate, k, step, { ...ctx, phase: after });
  return after;
}

/** The fields of one kind of step; returns the phase after it. */
function checkStepBody(c: ShapeChecker, path: string, kind: StepKind, step: Record<string, Json>, ctx: Context): Phase {
  const { phase } = ctx;
  switch (kind) {
    case 'move': {
      if ('force' in step) boolean(c, `${path}.force`, step.force);
      if (!c.enumValue(`${path}.to`, step.to, PHASES)) return phase;
      const to = step.to as Phase;
      if ('acceptDataLoss' in step && boolean(c, `${path}.acceptDataLoss`, step.acceptDataLoss) && to !== 'old-dropped') {
        c.add(`${path}.acceptDataLoss`, `only the move to "old-dropped" can lose records (the drop), and this step moves to "${to}": remove "acceptDataLoss"`);
      }
      const next = PHASES[phaseIndex(phase) + 1];
      if (to === next) return to;
      if (to === phase) c.add(`${path}.to`, `the plan is already in "${phase}" here: ${next ? `the next phase is "${next}"` : 'it is the last phase'}; remove this step or move to "${next ?? phase}"`);
      else if (phaseIndex(to) < phaseIndex(phase)) c.add(`${path}.to`, `"${to}" comes before "${phase}", where the plan is here: a move goes forward, one phase at a time; to go back write { "kind": "rollback", "to": "${to}" }`);
      else if (!next) c.add(`${path}.to`, `"${phase}" is the last phase: nothing comes after it`);
      else c.add(`${path}.to`, `cannot move from "${phase}" to "${to}": moves go one phase at a time and the next phase is "${next}"; add a { "kind": "move", "to": "${next}" } step before this one`);
      return phase;
    }
    case 'rollback':
      return checkRollback(c, path, step, phase) ?? phase;
    case 'workload':
      checkWorkload(c, path, step, ctx.scenario);
      return phase;
    case 'arm-faults':
      if (!Array.isArray(step.faults)) c.add(`${path}.faults`, `expected an array of faults, found ${describe(step.faults)}: ${STEP_HINTS.faults}`);
      else if (step.faults.length === 0) c.add(`${path}.faults`, `arms nothing: ${STEP_HINTS.faults}`);
      else step.faults.forEach((f, i) => checkFault(c, `${path}.faults[${i}]`, f, ctx.scenario));
      return phase;
    case 'crash':
      if ('at' in step) c.enumValue(`${path}.at`, step.at, CRASH_POINTS);
      return phase;
    case 'backfill':
    case 'reverse-sync':
      if ('batchSize' in step) c.integer(`${path}.batchSize`, step.batchSize, 1, 10_000);
      if ('delayMs' in step) c.integer(`${path}.delayMs`, step.delayMs, 0, 3_600_000);
      if ('operationsBetweenBatches' in step) c.integer(`${path}.operationsBetweenBatches`, step.operationsBetweenBatches, 0, 10_000);
      if (phase === 'old-dropped') c.add(path, `the old schema is dropped here, so there is nothing to ${kind === 'backfill' ? 'copy from' : 'copy to'}: move this step before the drop, or restore the backup first ({ "kind": "restore-backup" })`);
      return phase;
    case 'restore-backup':
      if (phase !== 'old-dropped') {
        c.add(path, `a backup is restored only in "old-dropped" (after the drop), and the plan is in "${phase}" here: remove this step, or move it after the move to "old-dropped"`);
        return phase;
      }
      return 'new-only';
    case 'clear-faults':
    case 'verify':
      return phase;
  }
}

/** A rollback's fields, from `phase`; returns the phase it rolls back to, or undefined when it cannot. */
function checkRollback(c: ShapeChecker, path: string, step: Record<string, Json>, phase: Phase): Phase | undefined {
  if ('remedies' in step) boolean(c, `${path}.remedies`, step.remedies);
  if ('acceptHazards' in step) boolean(c, `${path}.acceptHazards`, step.acceptHazards);
  if (!c.enumValue(`${path}.to`, step.to, PHASES)) return undefined;
  const to = step.to as Phase;
  if (phaseIndex(to) >= phaseIndex(phase)) {
    const earlier = PHASES.slice(0, phaseIndex(phase));
    c.add(`${path}.to`, `cannot roll back from "${phase}" to "${to}": a rollback goes to an earlier phase (${earlier.length > 0 ? `one of ${listNames(earlier, 12, true)}` : `none comes before "${phase}"`})${phaseIndex(to) > phaseIndex(phase) ? `; to go forward write { "kind": "move", "to": "${PHASES[phaseIndex(phase) + 1] ?? to}" }` : ''}`);
    return undefined;
  }
  if (phase === 'old-dropped' && step.remedies === false) {
    c.add(`${path}.remedies`, 'from "old-dropped" the backup must be restored before any rollback, and "remedies": false forbids it: remove "remedies": false, or add { "kind": "restore-backup" } before this step');
    return undefined;
  }
  return to;
}

function checkWorkload(c: ShapeChecker, path: string, step: Record<string, Json>, scenario: Scenario | undefined): void {
  const count = 'operations' in step;
  const timed = 'durationMs' in step;
  if (count && timed) c.add(path, 'gives both "operations" and "durationMs": a workload step runs a count of operations or for a duration of virtual time; keep one');
  else if (!count && !timed) c.add(path, 'runs nothing: give "operations": <count> or "durationMs": <milliseconds of virtual time>');
  if (count) c.integer(`${path}.operations`, step.operations, 1, MAX_STEP_OPERATIONS);
  const rateOk = !('rate' in step) || positive(c, `${path}.rate`, step.rate, 100_000, 'operations per second of virtual time');
  if (timed && c.integer(`${path}.durationMs`, step.durationMs, 1, MAX_DURATION_MS) && rateOk) {
    const rate = typeof step.rate === 'number' ? step.rate : DEFAULT_RATE;
    const implied = Math.ceil(((step.durationMs as number) * rate) / 1000);
    if (implied > MAX_STEP_OPERATIONS) c.add(`${path}.durationMs`, `runs about ${implied} operations at ${rate} per second; the limit is ${MAX_STEP_OPERATIONS}: shorten the duration or lower the rate`);
  }
  if ('mix' in step && c.map(`${path}.mix`, step.mix, NAME, 'operation weights')) {
    const mix = step.mix as Record<string, Json>;
    let weighted = 0;
    for (const [name, weight] of Object.entries(mix)) {
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) c.add(`${path}.mix.${name}`, `expected a weight of 0 or more, found ${describe(weight)}`);
      else if (weight > 0) weighted++;
      if (scenario && !Object.hasOwn(scenario.operations, name)) c.add(`${path}.mix.${name}`, `no operation named "${name}" in "${scenario.id}": ${nameRemedy(name, Object.keys(scenario.operations), 'the scenario declares no operations')}`);
    }
    if (weighted === 0) c.add(`${path}.mix`, 'give at least one operation a positive weight');
  }
}

/** Which fault kinds each optional field of a fault applies to. */
const FAULT_FIELDS: Readonly<Record<string, readonly string[] | 'all'>> = {
  side: ['write-error', 'read-error', 'busy', 'latency'],
  operation: ['write-error', 'read-error', 'busy', 'latency'],
  rate: 'all',
  once: 'all',
  times: ['busy'],
  latencyMs: ['latency'],
  point: ['crash'],
  corruption: ['snapshot-corrupt'],
};

function checkFault(c: ShapeChecker, path: string, v: Json, scenario: Scenario | undefined): void {
  if (!c.object(path, v, ['kind'], Object.keys(FAULT_FIELDS), { kind: `one of ${FAULT_KINDS.map((k) => `"${k}"`).join(', ')}` })) return;
  const f = v;
  if (!c.enumValue(`${path}.kind`, f.kind, FAULT_KINDS)) return;
  const kind = f.kind as string;
  for (const [field, kinds] of Object.entries(FAULT_FIELDS)) {
    if (field in f && kinds !== 'all' && !kinds.includes(kind)) c.add(`${path}.${field}`, `"${field}" applies only to ${kinds.map((k) => `"${k}"`).join(', ')} faults, and this one is "${kind}": remove it`);
  }
  if ('side' in f) c.enumValue(`${path}.side`, f.side, SIDES);
  if ('operation' in f && c.string(`${path}.operation`, f.operation, 64) && scenario && !Object.hasOwn(scenario.operations, f.operation as string)) {
    c.add(`${path}.operation`, `no operation named "${String(f.operation)}" in "${scenario.id}": ${nameRemedy(f.operation as string, Object.keys(scenario.operations), 'the scenario declares no operations')}`);
  }
  if ('rate' in f) c.probability(`${path}.rate`, f.rate);
  if ('once' in f) boolean(c, `${path}.once`, f.once);
  if ('times' in f) c.integer(`${path}.times`, f.times, 1, 1_000);
  if ('latencyMs' in f) c.integer(`${path}.latencyMs`, f.latencyMs, 0, 600_000);
  if ('point' in f) c.enumValue(`${path}.point`, f.point, CRASH_POINTS);
  if ('corruption' in f) c.enumValue(`${path}.corruption`, f.corruption, CORRUPTIONS);
}

/** Where an operation gate may go instead, in words. */
const OPERATION_STEPS = 'a workload step (or a backfill or reverse-sync with "operationsBetweenBatches")';

function checkGate(c: ShapeChecker, path: string, v: Json, kind: StepKind, step: Record<string, Json>, ctx: Context): void {
  if (!c.object(path, v, [], [...GATE_KINDS, 'onFail'])) return;
  const gate = v;
  const named = GATE_KINDS.filter((g) => g in gate);
  if (named.length === 0) c.add(path, `names no gate: give at least one of ${GATE_KINDS.map((g) => `"${g}"`).join(', ')}${'onFail' in gate ? ' ("onFail" runs only when one of them does not hold)' : ''}`);
  const runsOps = kind === 'workload' || ((kind === 'backfill' || kind === 'reverse-sync') && typeof step.operationsBetweenBatches === 'number' && step.operationsBetweenBatches > 0);
  for (const g of OPERATION_GATES) {
    if (g in gate && !runsOps) c.add(`${path}.${g}`, `a ${kind} step runs no operations, so there is nothing to measure: attach this gate to ${OPERATION_STEPS} after it`);
  }
  const route = routeOf(ctx.phase, ctx.scenario ? resolveSettings(ctx.scenario) : { writeAuthorityInReadNew: 'new' });
  const compares = route.shadow !== undefined || (ctx.phase === 'read-new' && ctx.scenario?.settings?.compareInReadNew === true);
  if ('mismatchRate' in gate) {
    if (checkRate(c, `${path}.mismatchRate`, gate.mismatchRate) && runsOps && !compares && (ctx.scenario !== undefined || ctx.phase !== 'read-new')) {
      c.add(`${path}.mismatchRate`, `no read is compared with the other side in "${ctx.phase}" (shadow reads are made in "shadow", and in "read-new" with the scenario's settings.compareInReadNew): move to "shadow" before this step, or remove the gate`);
    }
  }
  if ('fallbackRate' in gate) {
    if (checkRate(c, `${path}.fallbackRate`, gate.fallbackRate, ['reason']) && runsOps && route.fallback === undefined) {
      c.add(`${path}.fallbackRate`, `no read falls back in "${ctx.phase}" (reads fall back to old in "read-new" and "new-only"), so this gate would always hold: move it to a step in one of those phases, or remove it`);
    }
  }
  if ('errorRate' in gate && c.object(`${path}.errorRate`, gate.errorRate, ['max'], [], { max: 'the highest share of the step\'s operations that may fail, e.g. "max": 0.05' })) share(c, `${path}.errorRate.max`, (gate.errorRate as Record<string, Json>).max);
  for (const g of ['lostWrites', 'unexpected'] as const) {
    if (!(g in gate)) continue;
    const at = `${path}.${g}`;
    if (typeof gate[g] === 'number') c.add(at, `expected { "max": ${String(gate[g])} }, found a bare number: a count gate gives its highest allowed count as "max"`);
    else if (c.object(at, gate[g], ['max'], [], { max: 'the highest count allowed, usually "max": 0' })) c.integer(`${at}.max`, (gate[g] as Record<string, Json>).max, 0, 1_000_000_000);
  }
  if ('verifyClean' in gate) {
    if (gate.verifyClean !== true) c.add(`${path}.verifyClean`, `expected true, found ${describe(gate.verifyClean)}: a gate holds or stops the plan; remove "verifyClean" to not require a clean verify`);
    else if (kind !== 'verify') {
      c.add(`${path}.verifyClean`, `only a verify step's gate can require a clean verify, and this is a ${kind} step (a verify has effects: the guards remember it, and a clean one restarts the shadow window): add a { "kind": "verify", "gate": { "verifyClean": true } } step after this one`);
    }
  }
  if ('p99Ms' in gate && c.object(`${path}.p99Ms`, gate.p99Ms, [], ['old', 'new'])) {
    const p99 = gate.p99Ms as Record<string, Json>;
    if (!('old' in p99) && !('new' in p99)) c.add(`${path}.p99Ms`, 'names no side: give "old", "new" or both, each the highest p99 latency in milliseconds, e.g. { "new": 50 }');
    for (const side of SIDES) if (side in p99) positive(c, `${path}.p99Ms.${side}`, p99[side], 600_000, 'milliseconds');
  }
  if ('onFail' in gate) checkOnFail(c, `${path}.onFail`, gate.onFail, ctx.phase);
}

/** The rollback a failing gate runs, from the phase the step leaves the plan in. */
function checkOnFail(c: ShapeChecker, path: string, v: Json, phase: Phase): void {
  const hint = 'e.g. "onFail": { "kind": "rollback", "to": "dual-write" }';
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    c.add(path, `expected a rollback step, found ${describe(v)}: ${hint}`);
    return;
  }
  const step = v as Record<string, Json>;
  if (step.kind !== 'rollback') {
    c.add(`${path}.kind`, `${step.kind === undefined ? 'is required' : `expected "rollback", found ${describe(step.kind)}`}: a failing gate runs a rollback and stops the plan, ${hint}`);
    return;
  }
  if ('gate' in step) c.add(`${path}.gate`, 'a rollback run by a failing gate carries no gate of its own: the plan stops after it, and the final checks judge it');
  if (!c.object(path, v, ['kind', 'to'], ['name', 'remedies', 'acceptHazards', 'gate'], STEP_HINTS)) return;
  if ('name' in step) c.string(`${path}.name`, step.name, 200);
  checkRollback(c, path, step, phase);
}

/** `{ "max": share, "minReads"?: n }`; false when malformed. */
function checkRate(c: ShapeChecker, path: string, v: Json, also: readonly string[] = []): boolean {
  if (typeof v === 'number') {
    c.add(path, `expected { "max": ${String(v)} }, found a bare number: a rate gate gives its highest allowed share as "max" (and optionally "minReads")`);
    return false;
  }
  if (!c.object(path, v, ['max'], ['minReads', ...also], { max: 'the highest share allowed, from 0 to 1 (0.01 is 1%)' })) return false;
  const ok = share(c, `${path}.max`, v.max) && (!('reason' in v) || c.enumValue(`${path}.reason`, v.reason, ['empty', 'error'] as const));
  return ('minReads' in v ? c.integer(`${path}.minReads`, v.minReads, 0, 1_000_000) : true) && ok;
}

function share(c: ShapeChecker, path: string, v: Json): boolean {
  if (typeof v === 'number' && v >= 0 && v <= 1) return true;
  c.add(path, `expected a share from 0 to 1 (0.01 is 1%), found ${describe(v)}`);
  return false;
}

function positive(c: ShapeChecker, path: string, v: Json, max: number, unit: string): boolean {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= max) return true;
  c.add(path, `expected a number of ${unit} above 0 and at most ${max}, found ${describe(v)}`);
  return false;
}

function boolean(c: ShapeChecker, path: string, v: Json): boolean {
  if (typeof v === 'boolean') return true;
  c.add(path, `expected true or false, found ${describe(v)}`);
  return false;
}
