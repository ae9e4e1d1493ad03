/**
 * The page's plan recorder: what the engine controller tells it (moves, workload operations,
 * faults, crashes, copies, verify, restore) becomes a plan of format 1 that the validator accepts
 * for the scenario, in the order the user did things.
 */
import { describe, expect, it } from 'vitest';
import type { ConsistencyReport } from '../../src/engine/checks/consistency.ts';
import { validatePlan } from '../../src/harness/plan/validate.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { PlanRecorder, type RecordingStart } from '../../src/ui/plan/plan-recorder.ts';

const scenario = BUILT_IN_SCENARIOS['job-keys']!;
const mix = { ...scenario.workload.mix };
const start = (over: Partial<RecordingStart> = {}): RecordingStart => ({ scenarioId: 'job-keys', phase: 'old-only', scenarioMix: mix, workload: { running: false, opsPerSecond: 20, mix }, faults: [], ...over });
const verify = (consistent: number, total: number) => ({ totals: { total, consistent }, appReads: { mismatches: 0 } }) as unknown as ConsistencyReport;

function expectValid(plan: unknown): void {
  const v = validatePlan(plan, scenario);
  expect(v.ok ? [] : v.problems).toEqual([]);
}

describe('the plan recorder', () => {
  it('records a cut-over as steps in order, the workload counted between them, with the default gates', () => {
    const r = new PlanRecorder();
    r.start(start());
    r.moved('old-only', 'dual-write', {});
    r.workloadChanged({ running: true, opsPerSecond: 25, mix });
    for (let i = 0; i < 30; i++) r.operationCompleted();
    // The backfill starts while the workload runs: the operations so far become a step before it.
    r.copyStarted('backfill', 40);
    for (let i = 0; i < 12; i++) r.operationCompleted();
    r.workloadChanged({ running: false, opsPerSecond: 25, mix });
    // Operations completing after the stop are not counted to anything.
    r.operationCompleted();
    r.verified(verify(120, 120));
    r.moved('dual-write', 'shadow', {});
    const plan = r.stop('my cut-over');
    expect(plan).toEqual({
      format: 1,
      title: 'my cut-over',
      scenario: 'job-keys',
      steps: [
        { kind: 'move', to: 'dual-write', gate: { lostWrites: { max: 0 } } },
        { kind: 'workload', operations: 30, rate: 25 },
        { kind: 'backfill', batchSize: 40 },
        { kind: 'workload', operations: 12, rate: 25 },
        { kind: 'verify', gate: { verifyClean: true } },
        { kind: 'move', to: 'shadow', gate: { lostWrites: { max: 0 } } },
      ],
    });
    expectValid(plan);
    expect(r.recording).toBe(false);
  });

  it('writes a mix only when it differs from the scenario\'s, and no verifyClean gate after a verify that found differences', () => {
    const r = new PlanRecorder();
    r.start(start({ workload: { running: true, opsPerSecond: 10, mix: { ...mix, enqueue: 9 } } }));
    for (let i = 0; i < 5; i++) r.operationCompleted();
    r.verified(verify(3, 4));
    const plan = r.stop()!;
    expect(plan.steps).toEqual([{ kind: 'workload', operations: 5, rate: 10, mix: { ...mix, enqueue: 9 } }, { kind: 'verify' }]);
    expectValid(plan);
  });

  it('records faults armed, replaced and cleared; Crash now; a forced move, a rollback and a restore', () => {
    const r = new PlanRecorder();
    const crashFault = { kind: 'write-error', side: 'new', rate: 0.1 } as const;
    r.start(start({ faults: [crashFault] }));
    const latency = { kind: 'latency', side: 'old', latencyMs: 5 } as const;
    r.faultsChanged([crashFault, latency]);
    r.faultsChanged([latency]);
    r.crashed();
    r.faultsChanged([]);
    r.moved('old-only', 'dual-write', {});
    r.moved('dual-write', 'shadow', { force: true });
    r.moved('shadow', 'dual-write', { acceptHazards: true });
    const plan = r.stop()!;
    expect(plan.steps).toEqual([
      { kind: 'arm-faults', faults: [crashFault] },
      { kind: 'arm-faults', faults: [latency] },
      { kind: 'clear-faults' },
      { kind: 'arm-faults', faults: [latency] },
      { kind: 'crash', gate: { lostWrites: { max: 0 } } },
      // A replay's crash disarms the faults; the page re-arms its own, and so does the plan.
      { kind: 'arm-faults', faults: [latency] },
      { kind: 'clear-faults' },
      { kind: 'move', to: 'dual-write', gate: { lostWrites: { max: 0 } } },
      { kind: 'move', to: 'shadow', force: true, gate: { lostWrites: { max: 0 } } },
      { kind: 'rollback', to: 'dual-write', remedies: false, acceptHazards: true, gate: { lostWrites: { max: 0 } } },
    ]);
    expectValid(plan);
  });

  it('records a drop accepting its loss, the restore and reverse-sync that follow', () => {
    const r = new PlanRecorder();
    r.start(start());
    for (const [from, to] of [['old-only', 'dual-write'], ['dual-write', 'shadow'], ['shadow', 'read-new'], ['read-new', 'new-only']] as const) r.moved(from, to, { force: true });
    r.moved('new-only', 'old-dropped', { acceptDataLoss: 3 });
    r.restored();
    r.copyStarted('reverse-sync', 100);
    const plan = r.stop()!;
    expect(plan.steps.slice(-3)).toEqual([
      { kind: 'move', to: 'old-dropped', acceptDataLoss: true, gate: { lostWrites: { max: 0 } } },
      { kind: 'restore-backup', gate: { lostWrites: { max: 0 } } },
      { kind: 'reverse-sync', batchSize: 100 },
    ]);
    expectValid(plan);
  });

  it('records nothing while it is not recording, and a new recording drops the last', () => {
    const r = new PlanRecorder();
    r.moved('old-only', 'dual-write', {});
    r.operationCompleted();
    expect(r.stop()).toBeNull();
    r.start(start());
    r.verified(verify(1, 1));
    expect(r.stepCount).toBe(1);
    r.start(start());
    expect(r.stepCount).toBe(0);
    expect(r.stop()?.steps).toEqual([]);
  });
});
