/**
 * The Node side of "the same plan and seed give the same report in Node and in the browser": seed
 * 002's plan on job-keys, seed 1, run here on the in-memory store, must give the invariant figures
 * written in test/browser/rehearse-seed-002.node.json, which test/browser/rehearse.test.ts holds
 * the IndexedDB run in Chromium to. Only the figures: the virtual latencies (and so the report's
 * bytes) follow the engine's statement count through the cost model, which changes with every
 * optimisation; examples/ci-rehearsal compares those live, Node against Chromium in one run. The
 * file is written by this test, never by hand: when the figures change on purpose, regenerate it:
 *   UPDATE_REHEARSAL_FIGURES=1 npx vitest run --project unit test/unit/rehearse-node-figures.test.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { rehearse, type Plan } from '../../src/harness/index.ts';
import { nodeSql } from '../support/node.ts';
import { invariantFigures, type NodeFigures } from '../support/rehearsal-figures.ts';

const FIGURES = resolve(import.meta.dirname, '../browser/rehearse-seed-002.node.json');
const REGENERATE = 'UPDATE_REHEARSAL_FIGURES=1 npx vitest run --project unit test/unit/rehearse-node-figures.test.ts';

it('runs seed 002 on job-keys in Node to the figures the browser test compares with', async () => {
  const plan = JSON.parse(await readFile(resolve(import.meta.dirname, '../../docs/examples/plans/seed-002-job-keys.json'), 'utf8')) as Plan;
  const report = await rehearse('job-keys', plan, { seed: 1, durability: 'strict', sql: await nodeSql() });
  expect(report.ok).toBe(true);
  const node: NodeFigures = { figures: invariantFigures(report) };
  if (process.env.UPDATE_REHEARSAL_FIGURES) await writeFile(FIGURES, `${JSON.stringify(node, null, 2)}\n`);
  const written = JSON.parse(await readFile(FIGURES, 'utf8')) as NodeFigures;
  expect(node.figures, `Node's invariant figures changed: if on purpose, regenerate with ${REGENERATE}`).toEqual(written.figures);
});
