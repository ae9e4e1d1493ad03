// The migration under test, shared by the Node and the browser tests. JSON modules carry no
// literal types, hence the casts: rehearse() validates both and throws with every problem.
import type { Plan, Scenario } from 'cutover-lab/harness';
import planJson from '../plans/orders-status.json';
import scenarioJson from '../scenario/orders-status.json';

export const scenario = scenarioJson as unknown as Scenario;
export const plan = planJson as unknown as Plan;
export const SEED = 1;
