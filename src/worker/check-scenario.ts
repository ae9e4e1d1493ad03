/**
 * Scenarios from outside, checked in the worker before anything runs. `EngineApi.checkScenario`:
 * a scenario file's text, parsed and validated as the CLI's `validate` does; a file that is not
 * JSON says where it stops being JSON (line and column), and a scenario whose id is a built-in's
 * is refused, since ids name the scenarios rehearsals are made from. `EngineApi.checkShare`: a
 * share link's scenario and plan, each through its validator.
 */
import { MAX_SCENARIO_CHARS, validateScenario } from '../engine/scenario/validate.ts';
import type { SqlEngine } from '../engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../scenarios/index.ts';
import { describeGate, describeStep, stepLabel } from '../harness/plan/runbook.ts';
import { validatePlan } from '../harness/plan/validate.ts';
import { scenarioInfo, type ScenarioCheck, type ShareCheck } from './protocol.ts';

/** Line and column (1-based) of a character offset in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * The offset of the first character where `text` stops being JSON, found by a small scanner
 * (engines' JSON.parse messages do not all give a position); `text.length` when it ends too soon.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  class Stop extends Error {}
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new Stop();
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = (): void => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail();
      const ch = text[i]!;
      if (ch === '"') return void i++;
      if (ch < ' ') fail();
      if (ch === '\\') {
        i++;
        if (text[i] === 'u') {
          i++;
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) fail();
          i += 4;
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i]!)) i++;
        else fail();
      } else i++;
    }
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (close === '}') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (e) {
    if (e instanceof Stop) return i;
    throw e;
  }
}

/** Parses and validates a scenario file's text (`EngineApi.checkScenario`). */
export function checkScenario(text: string, sql: SqlEngine): ScenarioCheck {
  if (typeof text !== 'string') return { ok: false, problems: [{ path: '', message: 'the scenario must be given as text' }] };
  if (text.length > MAX_SCENARIO_CHARS) {
    return { ok: false, problems: [{ path: '', message: `the file is ${text.length.toLocaleString('en-US')} characters; a scenario may have at most ${MAX_SCENARIO_CHARS.toLocaleString('en-US')}` }] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const offset = jsonErrorOffset(text);
    const where = offset >= text.length || offset < 0 ? 'it ends too soon' : (({ line, column }) => `at line ${line}, column ${column}`)(lineColumn(text, offset));
    return { ok: false, problems: [{ path: '', message: `not valid JSON (${where}): ${(error as Error).message}. A scenario file is a JSON object; see docs/scenario-format.md` }] };
  }
  const v = validateScenario(value, sql);
  if (!v.ok) return { ok: false, problems: v.problems };
  if (Object.hasOwn(BUILT_IN_SCENARIOS, v.scenario.id)) {
    return { ok: false, problems: [{ path: 'id', message: `"${v.scenario.id}" is a built-in scenario's id: give your scenario an id of its own (ids name the scenarios rehearsals are made from)` }] };
  }
  return { ok: true, scenario: v.scenario, info: scenarioInfo(v.scenario), warnings: v.warnings };
}

/** `EngineApi.checkShare`: the link's scenario through the scenario validator, its plan through the plan validator. */
export function checkShare(sql: SqlEngine, candidate: unknown, plan: unknown): ShareCheck {
  const v = validateScenario(candidate, sql);
  if (!v.ok) return { ok: false, problems: v.problems.map((p) => ({ ...p, path: p.path ? `scenario.${p.path}` : 'scenario' })) };
  if (plan === undefined) return { ok: true, scenario: v.scenario, info: scenarioInfo(v.scenario), warnings: v.warnings, steps: [] };
  const pv = validatePlan(plan, v.scenario);
  if (!pv.ok) return { ok: false, problems: pv.problems.map((p) => ({ ...p, path: p.path ? `plan.${p.path}` : 'plan' })) };
  const steps = pv.plan.steps.map((step, index) => ({ index, kind: step.kind, label: stepLabel(index, step), description: describeStep(step), gates: step.gate ? describeGate(step.gate) : [] }));
  return { ok: true, scenario: v.scenario, info: scenarioInfo(v.scenario), warnings: v.warnings, steps };
}
