/**
 * The plans in docs/examples/plans: the seeds' migrations as rehearsal plans on the built-in
 * scenarios pass (seed 003's phases with its rollback triggers on session-json; seeds 000/001's
 * dual-write → read-path → write cut-over → deprecation on consensus-artifacts; seed 002's
 * flag-gated dual-write on job-keys), and the deliberately broken one — the old schema dropped
 * before any backfill — fails at the drop's gate, naming the records it lost.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { parsePlan, rehearse, type Plan, type RehearsalReport } from '../../src/harness/index.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

async function load(name: string): Promise<Plan> {
  const text = await readFile(resolve(import.meta.dirname, '../../docs/examples/plans', name), 'utf8');
  const scenario = BUILT_IN_SCENARIOS[(JSON.parse(text) as { scenario: string }).scenario];
  const v = parsePlan(text, scenario);
  if (!v.ok) throw new Error(`${name}:\n${v.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  return v.plan;
}

const runs = new Map<string, Promise<RehearsalReport>>();

/** The file's plan run from seed 1 in strict, once for all the tests that read its report (it is frozen). */
function runFile(name: string): Promise<RehearsalReport> {
  let run = runs.get(name);
  if (!run) {
    run = load(name).then((plan) => rehearse(plan.scenario ?? '', plan, { seed: 1, durability: 'strict', sql }));
    runs.set(name, run);
  }
  return run;
}

/** Every gate verdict of the run, held or not. */
const verdicts = (r: RehearsalReport) => r.steps.flatMap((s) => s.gates);

describe('docs/examples/plans', () => {
  it.each([
    ['seed-000-001-consensus-artifacts.json', 'old-dropped'],
    ['seed-002-job-keys.json', 'read-new'],
    ['seed-003-session-json.json', 'old-dropped'],
  ])('%s runs every step and passes every gate and invariant', async (file, finalPhase) => {
    const r = await runFile(file);
    expect(r.failures).toEqual([]);
    expect(r.outcome).toBe('passed');
    expect(r.steps.every((s) => s.status === 'done' && s.onFail === null)).toBe(true);
    expect(r.steps).toHaveLength(r.plan.steps);
    expect(verdicts(r).length).toBeGreaterThan(10);
    expect(verdicts(r).every((g) => g.held)).toBe(true);
    expect(r.finalPhase).toBe(finalPhase);
    expect(r.invariants.history.lost).toEqual([]);
    expect(r.invariants.history.acknowledgedWrites).toBeGreaterThan(300);
  });

  it('seed 003 rehearses seed 004\'s crash between the two writes: it fires, and the write it cut short is judged indeterminate, not lost', async () => {
    const r = await runFile('seed-003-session-json.json');
    const after = r.steps.find((s) => s.name === 'parallel operation goes on through the crash');
    expect(after?.figures).toMatchObject({ crashes: 1, indeterminate: 1 });
    expect(r.invariants.history.indeterminateWrites).toBe(1);
  });

  it('drop-before-backfill.json fails at the drop, naming each record written before dual-write that the drop lost', async () => {
    const r = await runFile('drop-before-backfill.json');
    expect(r.outcome).toBe('failed');
    expect(r.stopped).toMatchObject({ step: 7, kind: 'move', reason: 'gate-failed' });
    // The last step never ran.
    expect(r.steps).toHaveLength(8);
    const gate = r.steps[7]?.gates[0];
    expect(gate).toMatchObject({ gate: 'lostWrites', held: false, threshold: 0 });
    const lost = r.invariants.history.lost;
    expect(gate?.measured).toBe(lost.length);
    expect(lost.length).toBeGreaterThan(20);
    // Every lost record was last written in old-only, as seed data, before writes reached new.
    expect(lost.every((l) => l.operation.phase === 'old-only')).toBe(true);
    const seeded = new Set(r.history.filter((h) => h.seed).map((h) => h.index));
    expect(lost.every((l) => seeded.has(l.operation.index))).toBe(true);
    // Named in the verdict: collection, key, the write and where it ran.
    const first = lost[0];
    expect(gate?.why).toContain(`${first?.collection} ${first?.key} (${first?.operation.name} #${first?.operation.index} in old-only)`);
    expect(r.failures.map((f) => [f.what, f.name])).toEqual([['gate', 'lostWrites'], ['invariant', 'lost-writes']]);
  });
});
