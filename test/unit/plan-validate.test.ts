/**
 * The plan validator: every problem at its path with what to change, unknown keys refused with a
 * did-you-mean, the phases walked so that a move two phases ahead or a gate that cannot be
 * measured where it stands is found before anything runs, and the scenario's operations checked.
 */
import { describe, expect, it } from 'vitest';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { InvalidPlanError, parsePlan, requireValidPlan, validatePlan } from '../../src/harness/plan/validate.ts';

const sessions = BUILT_IN_SCENARIOS['session-json'];
const jobs = BUILT_IN_SCENARIOS['job-keys'];

/** The problems of a plan with these steps, as "path: message" lines. */
function problems(steps: unknown[], scenario = sessions, extra: Record<string, unknown> = {}): string[] {
  const v = validatePlan({ format: 1, steps, ...extra }, scenario);
  return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
}

const toShadow = [{ kind: 'move', to: 'dual-write' }, { kind: 'backfill' }, { kind: 'verify' }, { kind: 'move', to: 'shadow' }];
const toReadNew = [...toShadow, { kind: 'workload', operations: 40 }, { kind: 'move', to: 'read-new' }];

describe('validatePlan', () => {
  it('accepts a plan that walks every phase with gates, faults, crashes and an onFail rollback', () => {
    const v = validatePlan(
      {
        format: 1,
        title: 'all of it',
        scenario: 'session-json',
        steps: [
          ...toReadNew,
          { kind: 'arm-faults', faults: [{ kind: 'write-error', side: 'old', rate: 0.1 }, { kind: 'busy', times: 3 }, { kind: 'latency', side: 'new', latencyMs: 40, once: true }] },
          { kind: 'workload', durationMs: 2000, rate: 20, mix: { getSession: 3, createSession: 1 }, gate: { fallbackRate: { max: 0.1, minReads: 10 }, errorRate: { max: 0.05 }, p99Ms: { new: 50 }, onFail: { kind: 'rollback', to: 'shadow' } } },
          { kind: 'clear-faults' },
          { kind: 'crash', at: 'between-writes' },
          { kind: 'crash' },
          { kind: 'reverse-sync', batchSize: 10, delayMs: 5, operationsBetweenBatches: 2 },
          { kind: 'verify', gate: { verifyClean: true } },
          { kind: 'move', to: 'new-only' },
          { kind: 'move', to: 'old-dropped', gate: { lostWrites: { max: 0 }, unexpected: { max: 0 } } },
          { kind: 'restore-backup' },
          { kind: 'rollback', to: 'shadow' },
        ],
      },
      sessions,
    );
    expect(v.ok ? [] : v.problems).toEqual([]);
  });

  it('names the path of a gate threshold out of range, with what to write', () => {
    expect(problems([...toReadNew, { kind: 'workload', operations: 10, gate: { fallbackRate: { max: 5 } } }])).toEqual([
      'steps[6].gate.fallbackRate.max: expected a share from 0 to 1 (0.01 is 1%), found number 5',
    ]);
  });

  it('refuses unknown keys with a did-you-mean, on steps, gates and the plan', () => {
    expect(problems([{ kind: 'move', too: 'dual-write' }])).toEqual([
      'steps[0].too: unknown key "too" (did you mean "to"?)',
      `steps[0].to: is required: the phase to move to: one of "old-only", "dual-write", "shadow", "read-new", "new-only", "old-dropped"`,
    ]);
    expect(problems([...toReadNew, { kind: 'workload', operations: 10, gate: { fallbackRat: { max: 0.1 } } }])).toEqual([
      'steps[6].gate.fallbackRat: unknown key "fallbackRat" (did you mean "fallbackRate"?)',
      'steps[6].gate: names no gate: give at least one of "mismatchRate", "fallbackRate", "errorRate", "lostWrites", "unexpected", "verifyClean", "p99Ms"',
    ]);
    expect(problems([{ kind: 'verify' }], sessions, { titel: 'x' })).toEqual(['titel: unknown key "titel" (did you mean "title"?)']);
    expect(problems([{ kind: 'backfil' }])).toEqual(['steps[0].kind: "backfil" is not a kind of step: did you mean "backfill"?']);
  });

  it('requires format 1 and says when a plan is newer than this build', () => {
    expect(validatePlan({ steps: [{ kind: 'verify' }] }).ok).toBe(false);
    const missing = validatePlan({ steps: [{ kind: 'verify' }] });
    expect(missing.ok ? [] : missing.problems).toEqual([{ path: 'format', message: 'is required: "format": 1' }]);
    const newer = validatePlan({ format: 2, steps: [{ kind: 'verify' }] });
    expect(newer.ok ? [] : newer.problems).toEqual([{ path: 'format', message: 'plan format 2 is newer than this build reads (1); update Cutover Lab' }]);
  });

  it('walks the phases: a move two phases ahead names the phase to move to first', () => {
    expect(problems([{ kind: 'move', to: 'shadow' }])).toEqual([
      'steps[0].to: cannot move from "old-only" to "shadow": moves go one phase at a time and the next phase is "dual-write"; add a { "kind": "move", "to": "dual-write" } step before this one',
    ]);
  });

  it('walks the phases: a move backwards is a rollback, and a rollback forwards a move', () => {
    expect(problems([...toShadow, { kind: 'move', to: 'dual-write' }])).toEqual([
      'steps[4].to: "dual-write" comes before "shadow", where the plan is here: a move goes forward, one phase at a time; to go back write { "kind": "rollback", "to": "dual-write" }',
    ]);
    expect(problems([{ kind: 'move', to: 'dual-write' }, { kind: 'rollback', to: 'shadow' }])).toEqual([
      'steps[1].to: cannot roll back from "dual-write" to "shadow": a rollback goes to an earlier phase (one of "old-only"); to go forward write { "kind": "move", "to": "shadow" }',
    ]);
  });

  it('restores a backup only after the drop, and copies nothing once old is dropped', () => {
    expect(problems([{ kind: 'restore-backup' }])).toEqual([
      'steps[0]: a backup is restored only in "old-dropped" (after the drop), and the plan is in "old-only" here: remove this step, or move it after the move to "old-dropped"',
    ]);
    const dropped = [...toReadNew, { kind: 'move', to: 'new-only' }, { kind: 'move', to: 'old-dropped' }];
    expect(problems([...dropped, { kind: 'backfill' }])).toEqual([
      'steps[8]: the old schema is dropped here, so there is nothing to copy from: move this step before the drop, or restore the backup first ({ "kind": "restore-backup" })',
    ]);
  });

  it('accepts data loss only on the drop', () => {
    expect(problems([{ kind: 'move', to: 'dual-write', acceptDataLoss: true }])).toEqual([
      'steps[0].acceptDataLoss: only the move to "old-dropped" can lose records (the drop), and this step moves to "dual-write": remove "acceptDataLoss"',
    ]);
  });

  it('refuses gates measured on operations on steps that run none, and verifyClean off a verify step', () => {
    expect(problems([{ kind: 'move', to: 'dual-write', gate: { errorRate: { max: 0.1 } } }])).toEqual([
      'steps[0].gate.errorRate: a move step runs no operations, so there is nothing to measure: attach this gate to a workload step (or a backfill or reverse-sync with "operationsBetweenBatches") after it',
    ]);
    expect(problems([{ kind: 'backfill', gate: { verifyClean: true } }])[0]).toMatch(/^steps\[0\]\.gate\.verifyClean: only a verify step's gate can require a clean verify/);
    // A copy racing live operations measures them.
    expect(problems([{ kind: 'move', to: 'dual-write' }, { kind: 'backfill', operationsBetweenBatches: 2, gate: { errorRate: { max: 0.1 } } }])).toEqual([]);
  });

  it('refuses a mismatch gate where nothing is compared and a fallback gate where nothing falls back', () => {
    expect(problems([{ kind: 'move', to: 'dual-write' }, { kind: 'workload', operations: 10, gate: { mismatchRate: { max: 0, minReads: 5 } } }])).toEqual([
      'steps[1].gate.mismatchRate: no read is compared with the other side in "dual-write" (shadow reads are made in "shadow", and in "read-new" with the scenario\'s settings.compareInReadNew): move to "shadow" before this step, or remove the gate',
    ]);
    expect(problems([...toShadow, { kind: 'workload', operations: 10, gate: { fallbackRate: { max: 0.01 } } }])).toEqual([
      'steps[4].gate.fallbackRate: no read falls back in "shadow" (reads fall back to old in "read-new" and "new-only"), so this gate would always hold: move it to a step in one of those phases, or remove it',
    ]);
  });

  it('takes count gates as { max } and says so for a bare number', () => {
    expect(problems([{ kind: 'verify', gate: { lostWrites: 0 } }])).toEqual(['steps[0].gate.lostWrites: expected { "max": 0 }, found a bare number: a count gate gives its highest allowed count as "max"']);
  });

  it('runs only a rollback on a failing gate, to a phase before the one the step leaves', () => {
    expect(problems([{ kind: 'move', to: 'dual-write' }, { kind: 'workload', operations: 5, gate: { errorRate: { max: 0 }, onFail: { kind: 'move', to: 'shadow' } } }])).toEqual([
      'steps[1].gate.onFail.kind: expected "rollback", found "move": a failing gate runs a rollback and stops the plan, e.g. "onFail": { "kind": "rollback", "to": "dual-write" }',
    ]);
    expect(problems([{ kind: 'move', to: 'dual-write' }, { kind: 'workload', operations: 5, gate: { errorRate: { max: 0 }, onFail: { kind: 'rollback', to: 'dual-write' } } }])).toEqual([
      'steps[1].gate.onFail.to: cannot roll back from "dual-write" to "dual-write": a rollback goes to an earlier phase (one of "old-only")',
    ]);
  });

  it('checks a workload step runs a count or a duration, not both, and the operations it names', () => {
    expect(problems([{ kind: 'workload' }])).toEqual(['steps[0]: runs nothing: give "operations": <count> or "durationMs": <milliseconds of virtual time>']);
    expect(problems([{ kind: 'workload', operations: 5, durationMs: 100 }])).toEqual(['steps[0]: gives both "operations" and "durationMs": a workload step runs a count of operations or for a duration of virtual time; keep one']);
    expect(problems([{ kind: 'workload', operations: 5, mix: { getJob: 1 } }], jobs)).toEqual([]);
    expect(problems([{ kind: 'workload', operations: 5, mix: { getJobb: 1 } }], jobs)).toEqual(['steps[0].mix.getJobb: no operation named "getJobb" in "job-keys": did you mean "getJob"?']);
    expect(problems([{ kind: 'workload', operations: 5, mix: { getJob: 0 } }], jobs)).toEqual(['steps[0].mix: give at least one operation a positive weight']);
  });

  it('checks faults field by field, with the fields that apply to their kind', () => {
    expect(problems([{ kind: 'arm-faults', faults: [{ kind: 'write-error', side: 'neww', times: 2 }, { kind: 'crash', point: 'mid-backfil' }] }])).toEqual([
      'steps[0].faults[0].times: "times" applies only to "busy" faults, and this one is "write-error": remove it',
      'steps[0].faults[0].side: expected one of "old", "new", found "neww": did you mean "new"?',
      'steps[0].faults[1].point: expected one of "before-authoritative", "between-writes", "after-writes-before-ack", "mid-backfill-batch", "before-persist", "during-checkpoint", found "mid-backfil": did you mean "mid-backfill-batch"?',
    ]);
    expect(problems([{ kind: 'arm-faults', faults: [{ kind: 'read-error', operation: 'getSesion' }] }])).toEqual([
      'steps[0].faults[0].operation: no operation named "getSesion" in "session-json": did you mean "getSession"?',
    ]);
  });

  it('refuses a plan written for another scenario', () => {
    expect(problems([{ kind: 'verify' }], jobs, { scenario: 'session-json' })).toEqual([
      'scenario: the plan is written for scenario "session-json", and it is being run on "job-keys": run it on "session-json", or change "scenario" once its steps fit "job-keys"',
    ]);
  });

  it('parses text and reports bad JSON at the top', () => {
    const v = parsePlan('{ "format": 1, ');
    expect(v.ok).toBe(false);
    expect(v.ok ? '' : v.problems[0]?.message).toMatch(/^not valid JSON/);
    expect(parsePlan('{ "format": 1, "steps": [{ "kind": "verify" }] }').ok).toBe(true);
  });

  it('requireValidPlan throws InvalidPlanError listing every problem, one per line', () => {
    expect(() => requireValidPlan({ format: 1, steps: [] })).toThrow(InvalidPlanError);
    expect(() => requireValidPlan({ format: 1, steps: [{ kind: 'move', to: 'shadow' }, { kind: 'nope' }] })).toThrow(/2 problems\):\nsteps\[0\]\.to: cannot move.*\nsteps\[1\]\.kind:/);
  });
});
