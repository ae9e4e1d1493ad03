/** The built-in scenarios (DESIGN.md section 8), as validated data. */
import type { Scenario } from '../engine/scenario/format.ts';
import consensusArtifacts from './consensus-artifacts.json' with { type: 'json' };
import jobKeys from './job-keys.json' with { type: 'json' };
import sessionJson from './session-json.json' with { type: 'json' };

/** Built-in scenarios by id, in the order the UI lists them. They pass `validateScenario` (tested). */
export const BUILT_IN_SCENARIOS: Readonly<Record<string, Scenario>> = {
  'consensus-artifacts': consensusArtifacts as unknown as Scenario,
  'job-keys': jobKeys as unknown as Scenario,
  'session-json': sessionJson as unknown as Scenario,
};
