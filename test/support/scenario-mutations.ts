/** Scenarios changed on purpose, and the problems the validator finds in them. */
import type { Scenario } from '../../src/engine/scenario/format.ts';
import { validateScenario, type Problem } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';

/** A scenario as plain JSON, to break on purpose. */
export type Json = Record<string, unknown>;

/** A deep copy of `scenario`, changed by `mutate`. */
export function mutated(scenario: Scenario | Json | undefined, mutate: (s: Json) => void): Json {
  const copy = structuredClone(scenario) as unknown as Json;
  mutate(copy);
  return copy;
}

/** The problems the validator reports for `value`; throws if it accepts it. */
export function rejection(value: unknown, sql: SqlEngine): Problem[] {
  const v = validateScenario(value, sql);
  if (v.ok) throw new Error('expected the scenario to be rejected');
  return [...v.problems];
}
