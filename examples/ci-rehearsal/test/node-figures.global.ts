import { rehearse } from 'cutover-lab/harness';
import type { TestProject } from 'vitest/node';
import { digestOf, figuresOf } from './figures.ts';
import { plan, scenario, SEED } from './rehearsal.ts';

/** Before the browser tests: the plan in Node (in-memory store); its figures and digest handed to them. */
export default async function setup(project: TestProject): Promise<void> {
  const report = await rehearse(scenario, plan, { seed: SEED, durability: 'strict' });
  project.provide('node', { figures: figuresOf(report), digest: await digestOf(report) });
}
