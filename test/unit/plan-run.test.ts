/**
 * The plan runner through the public `rehearse()`: every kind of step does what it says and is
 * measured; a gate that does not hold stops the plan, or runs its onFail rollback and then stops it;
 * a move the guards refuse fails its step; the report is frozen and the same seed gives the same
 * bytes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { InvalidPlanError, rehearse, type Plan, type RehearsalReport, type Step } from '../../src/harness/index.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const run = (steps: Step[], seed = 1, scenario = 'job-keys'): Promise<RehearsalReport> => rehearse(scenario, { format: 1, steps }, { seed, durability: 'strict', sql });

/** Steps that bring job-keys to shadow with a clean verify. */
const toShadow: Step[] = [{ kind: 'move', to: 'dual-write' }, { kind: 'backfill' }, { kind: 'verify' }, { kind: 'move', to: 'shadow' }];

describe('rehearse: the steps', () => {
  it('runs a workload step by count, by virtual duration at a rate, and with its own mix', async () => {
    const r = await run([
      { kind: 'workload', operations: 30 },
      { kind: 'workload', durationMs: 2000, rate: 10 },
      { kind: 'workload', operations: 12, mix: { getJob: 1 } },
    ]);
    expect(r.ok).toBe(true);
    const [counted, timed, reads] = r.steps;
    expect(counted?.figures.operations).toBe(30);
    // 10 per second for 2 s of virtual time: started at 0, 100, … 1900 ms; the step lasts exactly 2 s.
    expect(timed?.figures.operations).toBe(20);
    expect(timed?.figures.elapsedMs).toBe(2000);
    expect(reads?.figures).toMatchObject({ operations: 12, reads: 12, writes: 0 });
    const lastTwelve = r.history.slice(-12).map((h) => h.name);
    expect(new Set(lastTwelve)).toEqual(new Set(['getJob']));
    // The scenario's own mix comes back after a step with its own.
    expect(r.steps[2]?.detail.mix).toEqual({ enqueue: 30, updateStatus: 25, getJob: 45 });
  });

  it('arms faults that fail operations, and clears them', async () => {
    const r = await run([
      { kind: 'move', to: 'dual-write' },
      { kind: 'arm-faults', faults: [{ kind: 'write-error', side: 'new' }] },
      { kind: 'workload', operations: 40 },
      { kind: 'clear-faults' },
      { kind: 'workload', operations: 40 },
    ]);
    const faulty = r.steps[2]?.figures;
    // job-keys compensates: a failed second write fails the operation.
    expect(faulty?.failed).toBe(faulty?.writes);
    expect(faulty?.failed).toBeGreaterThan(0);
    expect(r.steps[3]?.detail).toEqual({ cleared: 1 });
    expect(r.steps[4]?.figures.failed).toBe(0);
    expect(r.invariants.ok).toBe(true);
  });

  it('crashes now and recovers, or arms a crash at a point that fires during later operations', async () => {
    const r = await run([
      { kind: 'move', to: 'dual-write' },
      { kind: 'crash' },
      { kind: 'crash', at: 'between-writes' },
      { kind: 'workload', operations: 30, mix: { enqueue: 1 } },
    ]);
    expect(r.steps[1]?.figures.crashes).toBe(1);
    expect(r.steps[1]?.phaseAfter).toBe('dual-write');
    expect(r.steps[2]?.figures.crashes).toBe(0);
    expect(r.steps[3]?.figures).toMatchObject({ crashes: 1, indeterminate: 1, operations: 30 });
    expect(r.crashes).toBe(2);
    expect(r.invariants.ok).toBe(true);
  });

  it('backfills batch by batch with operations racing it, reverse-syncs, and verifies', async () => {
    const r = await run([
      { kind: 'move', to: 'dual-write' },
      { kind: 'backfill', batchSize: 10, delayMs: 20, operationsBetweenBatches: 2 },
      { kind: 'reverse-sync', batchSize: 25 },
      { kind: 'verify', gate: { verifyClean: true } },
    ]);
    const backfill = r.steps[1];
    expect(backfill?.detail).toMatchObject({ status: 'done', batchSize: 10 });
    // 40 seeded jobs, 10 a batch, 2 operations after each batch (their enqueues may add jobs to copy).
    const ops = backfill?.figures.operations ?? 0;
    expect(ops).toBeGreaterThanOrEqual(8);
    expect(ops % 2).toBe(0);
    expect(backfill?.detail.copied).toBeGreaterThanOrEqual(40);
    expect(r.steps[2]?.detail).toMatchObject({ status: 'done', batchSize: 25 });
    expect(r.steps[3]?.gates).toEqual([{ gate: 'verifyClean', held: true, measured: true, threshold: true, why: "both sides hold the same records, through the canonical queries and the application's reads" }]);
  });

  it('drops old, restores the backup and rolls back to shadow', async () => {
    const r = await run([
      ...toShadow,
      { kind: 'workload', operations: 60 },
      { kind: 'move', to: 'read-new' },
      { kind: 'move', to: 'new-only' },
      { kind: 'verify' },
      { kind: 'move', to: 'old-dropped' },
      { kind: 'workload', operations: 10, mix: { enqueue: 1 } },
      { kind: 'restore-backup' },
      { kind: 'rollback', to: 'shadow' },
    ]);
    expect(r.steps.map((s) => s.phaseAfter)).toEqual(['dual-write', 'dual-write', 'dual-write', 'shadow', 'shadow', 'read-new', 'new-only', 'new-only', 'old-dropped', 'old-dropped', 'new-only', 'shadow']);
    // Jobs enqueued after the drop exist only in new: the rollback to shadow (old serves reads) is blocked until reverse-sync copies them.
    expect(r.steps[11]?.detail).toMatchObject({ ok: true, remediesRun: ['reverse-sync'] });
    expect(r.ok).toBe(true);
  });

  it('fails the step of a move the guards refuse, with their reasons, and stops there', async () => {
    const r = await run([{ kind: 'move', to: 'dual-write' }, { kind: 'move', to: 'shadow' }, { kind: 'move', to: 'read-new' }, { kind: 'workload', operations: 5 }]);
    expect(r.outcome).toBe('failed');
    expect(r.steps).toHaveLength(3);
    expect(r.steps[2]?.status).toBe('failed');
    expect(r.stopped).toMatchObject({ step: 2, kind: 'move', reason: 'step-failed' });
    expect(r.steps[2]?.problem).toMatch(/^the move from shadow to read-new was refused: no backfill has completed/);
  });
});

describe('rehearse: gates', () => {
  const faulty: Step[] = [{ kind: 'move', to: 'dual-write' }, { kind: 'arm-faults', faults: [{ kind: 'write-error', side: 'new', rate: 0.5 }] }];

  it('stops the plan at a gate that does not hold, saying what was measured against what', async () => {
    const r = await run([...faulty, { kind: 'workload', operations: 50, gate: { errorRate: { max: 0.05 }, lostWrites: { max: 0 } } }, { kind: 'workload', operations: 10 }]);
    expect(r.outcome).toBe('failed');
    expect(r.steps).toHaveLength(3);
    const [errorRate, lost] = r.steps[2]?.gates ?? [];
    const f = r.steps[2]?.figures;
    expect(errorRate).toMatchObject({ gate: 'errorRate', held: false, threshold: 0.05, measured: (f?.failed ?? 0) / 50 });
    expect(errorRate?.why).toMatch(new RegExp(`^${f?.failed} of 50 operations failed \\(\\d+(\\.\\d+)?%\\); at most 5% allowed$`));
    expect(lost).toMatchObject({ gate: 'lostWrites', held: true, measured: 0 });
    expect(r.stopped).toMatchObject({ step: 2, reason: 'gate-failed' });
    expect(r.failures).toEqual([{ step: 2, what: 'gate', name: 'errorRate', detail: errorRate?.why }]);
    expect(r.steps[2]?.onFail).toBeNull();
  });

  it('runs the onFail rollback of a failing gate, then stops: the outcome is rolled-back', async () => {
    const r = await run([...faulty, { kind: 'workload', operations: 50, gate: { errorRate: { max: 0.05 }, onFail: { kind: 'rollback', to: 'old-only' } } }, { kind: 'workload', operations: 10 }]);
    expect(r.outcome).toBe('rolled-back');
    expect(r.ok).toBe(false);
    expect(r.steps).toHaveLength(3);
    expect(r.steps[2]?.phaseAfter).toBe('dual-write');
    expect(r.steps[2]?.onFail).toMatchObject({ status: 'done', phaseAfter: 'old-only', step: { kind: 'rollback', to: 'old-only' } });
    expect(r.finalPhase).toBe('old-only');
    expect(r.stopped?.detail).toMatch(/; onFail rolled back to old-only$/);
    // The rollback lost nothing: the final check holds.
    expect(r.invariants.ok).toBe(true);
  });

  it('holds the gates a step meets, and fails a p99 gate under injected latency', async () => {
    const r = await run([
      { kind: 'move', to: 'dual-write' },
      { kind: 'workload', operations: 40, gate: { p99Ms: { old: 100, new: 100 }, errorRate: { max: 0 } } },
      { kind: 'arm-faults', faults: [{ kind: 'latency', side: 'new', latencyMs: 400 }] },
      { kind: 'workload', operations: 40, gate: { p99Ms: { old: 100, new: 100 } } },
    ]);
    expect(r.steps[1]?.gates.map((g) => [g.gate, g.held])).toEqual([['errorRate', true], ['p99Ms.old', true], ['p99Ms.new', true]]);
    const [old, neu] = r.steps[3]?.gates ?? [];
    expect(old?.held).toBe(true);
    expect(neu).toMatchObject({ gate: 'p99Ms.new', held: false, threshold: 100 });
    expect(neu?.measured).toBeGreaterThanOrEqual(400);
    // A failing p99 names what it was taken over and the slowest call; one that held does not.
    const latency = r.steps[3]?.figures.latency?.new;
    expect(latency?.calls).toBeGreaterThan(0);
    expect(neu?.why).toBe(`p99 latency on new ${String(neu?.measured)} ms over ${String(latency?.calls)} calls; the slowest: ${String(latency?.slowest.operation)}, ${String(latency?.slowest.ms)} ms; at most 100 ms allowed`);
    expect(old?.why).toMatch(/^p99 latency on old [\d.]+ ms; at most 100 ms allowed$/);
  });

  it('fails a mismatch gate that saw fewer shadow reads than it needs', async () => {
    const r = await run([...toShadow, { kind: 'workload', operations: 10, mix: { getJob: 1 }, gate: { mismatchRate: { max: 0, minReads: 50 } } }]);
    expect(r.steps[4]?.gates).toEqual([{ gate: 'mismatchRate', held: false, measured: 0, threshold: 0, why: 'only 10 shadow reads in the step, and the gate needs at least 50 to judge: run more operations in it (or lower "minReads")', tooFew: { count: 10, needed: 50, of: 'shadow reads' } }]);
  });

  it('counts fallbacks by reason: a read error on new falls back "error", a missing job "empty"', async () => {
    const r = await run([
      ...toShadow,
      { kind: 'workload', operations: 40, mix: { getJob: 1 } },
      { kind: 'move', to: 'read-new' },
      { kind: 'arm-faults', faults: [{ kind: 'read-error', side: 'new', rate: 0.3 }] },
      { kind: 'workload', operations: 200, mix: { getJob: 1 }, gate: { fallbackRate: { max: 0.01, reason: 'error' } } },
    ]);
    const f = r.steps[7]?.figures;
    expect(f?.fallbacksOnError).toBeGreaterThan(20);
    expect(f?.fallbacks).toBe((f?.fallbacksOnError ?? 0) + (f?.fallbacksOnEmpty ?? 0));
    expect(r.steps[7]?.gates[0]).toMatchObject({ gate: 'fallbackRate', held: false, measured: (f?.fallbacksOnError ?? 0) / 200 });
    expect(r.steps[7]?.gates[0]?.why).toMatch(/ of 200 reads fell back because new failed /);
  });
});

describe('rehearse: the report', () => {
  const plan: Step[] = [
    { kind: 'move', to: 'dual-write' },
    { kind: 'arm-faults', faults: [{ kind: 'busy', times: 4 }, { kind: 'write-error', side: 'new', rate: 0.1 }] },
    { kind: 'backfill', batchSize: 15, operationsBetweenBatches: 3 },
    { kind: 'crash', at: 'after-writes-before-ack' },
    { kind: 'workload', operations: 60, gate: { lostWrites: { max: 0 }, unexpected: { max: 0 } } },
  ];

  it('gives the same JSON for the same plan and seed, and another for another seed', async () => {
    const a = JSON.stringify(await run(plan, 7));
    const b = JSON.stringify(await run(plan, 7));
    const c = JSON.stringify(await run(plan, 8));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('is frozen all the way down and carries the history', async () => {
    const r = await run(plan, 7);
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.steps[4]?.gates[0])).toBe(true);
    expect(Object.isFrozen(r.history[0]?.params)).toBe(true);
    expect(r.history.length).toBe(r.invariants.history.operations);
    expect(r.history.filter((h) => h.seed)).toHaveLength(55);
    expect(r.history.some((h) => h.outcome === 'info')).toBe(true);
  });

  it('refuses a plan that does not pass the validator, and an unknown scenario id', async () => {
    await expect(rehearse('job-keys', { format: 1, steps: [{ kind: 'move', to: 'shadow' }] } as Plan, { seed: 1, durability: 'strict', sql })).rejects.toThrow(InvalidPlanError);
    await expect(rehearse('job-key', { format: 1, steps: [{ kind: 'verify' }] }, { seed: 1, durability: 'strict', sql })).rejects.toThrow('no built-in scenario "job-key": did you mean "job-keys"?, or pass a scenario object');
  });
});
