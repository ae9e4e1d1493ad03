/**
 * The plan runner: one plan on one scenario, from a seed, through the Driver (which keeps the
 * history outside the engine and reopens it after every crash), on a virtual clock with the
 * simulation's cost model. Each step runs, then its gates are judged; a step that cannot do what it
 * says or a gate that does not hold stops the plan (after the gate's `onFail` rollback, when it
 * declares one). At the end, whatever happened, faults are cleared, the sides verified and the
 * history checked. Deterministic: the same plan, scenario, seed and durability give the same
 * report, byte for byte.
 */
import { isConsistent, type ConsistencyReport } from '../../engine/checks/consistency.ts';
import type { HistoryReport } from '../../engine/checks/history-checker.ts';
import { describeAppReadMismatch } from '../../engine/checks/consistency.ts';
import { assertNever } from '../../engine/assert-never.ts';
import { VirtualClock } from '../../engine/clock.ts';
import type { DurabilityMode, KeyValueBackend } from '../../engine/durability/types.ts';
import { isCrash } from '../../engine/faults.ts';
import { createRandom } from '../../engine/random.ts';
import type { Rehearsal } from '../../engine/rehearsal.ts';
import type { CopyProgress, OperationResult, PhaseMove } from '../../engine/results.ts';
import type { Scenario } from '../../engine/scenario/format.ts';
import { requireValid } from '../../engine/scenario/validate.ts';
import type { SqlEngine } from '../../engine/sql.ts';
import type { Invocation } from '../../engine/workload.ts';
import { webCryptoSha256 } from '../../store/digest.ts';
import { MemoryBackend } from '../../store/memory-backend.ts';
import { withCostModel } from '../cost-model.ts';
import type { StartingImport } from '../../engine/actions/starting-records.ts';
import { Driver } from '../driver.ts';
import { SIMULATION_EPOCH_MS } from '../simulate.ts';
import { DEFAULT_RATE, type CopyStep, type Gate, type MoveStep, type Plan, type RollbackStep, type Step, type WorkloadStep } from './format.ts';
import { judgeGates, type GateMeasures } from './gates.ts';
import {
  deepFreeze,
  describeLost,
  historyRecord,
  jsonSafe,
  lostRecord,
  stepFigures,
  unexpectedRecord,
  jsonRecord,
  REPORT_FORMAT,
  type Invariants,
  type PlanFailure,
  type RehearsalReport,
  type StepDetail,
  type StepFigures,
  type StepReport,
} from './report.ts';
import { requireValidPlan, startingRecordsOf } from './validate.ts';

/** How to run a plan. */
export interface RunPlanOptions {
  /** A scenario that passes `validateScenario` (Rehearsal.open refuses one that does not). */
  readonly scenario: Scenario;
  /** A plan; validated against the scenario first (InvalidPlanError lists every problem). */
  readonly plan: Plan;
  readonly seed: number | string;
  readonly durability: DurabilityMode;
  readonly sql: SqlEngine;
  /** The durable store the rehearsal lives in (default: a fresh in-memory one). It should be empty: what it holds is recovered, not replaced. */
  readonly store?: KeyValueBackend;
  /** Told every line of the driver's log as it happens (the report carries them all). */
  readonly onLog?: (line: string) => void;
  /** A database file (checked by the caller) that becomes the old database, its rows the starting records; not with the plan's `startingRecords`. */
  readonly database?: StartingImport;
}

/** Unexpected values the report lists (it counts them all). */
const UNEXPECTED_LISTED = 20;
/** Differences of a verify a report lists in words. */
const DIFFERENCES_LISTED = 10;
/** Attempts at an action that a crash interrupts before the step gives up. */
const ATTEMPTS = 6;

/** What running one step gave. */
interface StepOutcome {
  readonly problem: string | null;
  readonly detail: StepDetail;
  /** The verify a verify step made, for its verifyClean gate. */
  readonly verify?: ConsistencyReport;
}

/** Runs `plan` on `scenario` and reports; throws only for bad input (InvalidPlanError, InvalidScenarioError) and bugs. */
export async function runPlan(options: RunPlanOptions): Promise<RehearsalReport> {
  const run = await PlanRun.open(options);
  while (await run.step());
  return run.finish();
}

/**
 * One plan's run, a step at a time: what the playground replays with Step / Continue / Stop.
 * `runPlan` is `open`, `step` until it returns undefined, then `finish`; stepping by hand gives the
 * same report, byte for byte, as long as every step runs (`finish` early ends the run there).
 */
export class PlanRun {
  readonly #plan: Plan;
  readonly #options: RunPlanOptions;
  readonly #driver: Driver;
  readonly #clock: VirtualClock;
  readonly #origin: number;
  readonly #log: string[];
  readonly #runner: StepRunner;
  readonly #steps: StepReport[] = [];
  readonly #failures: PlanFailure[] = [];
  #stopped: RehearsalReport['stopped'] = null;
  #rolledBack = false;
  #next = 0;
  #report: RehearsalReport | undefined;

  private constructor(plan: Plan, options: RunPlanOptions, driver: Driver, clock: VirtualClock, log: string[]) {
    this.#plan = plan;
    this.#options = options;
    this.#driver = driver;
    this.#clock = clock;
    this.#origin = clock.now();
    this.#log = log;
    this.#runner = new StepRunner(driver, clock, options.scenario);
  }

  /** Validates the plan and the scenario, opens the rehearsal and writes the seed data; no step runs yet. */
  static async open(options: RunPlanOptions): Promise<PlanRun> {
    const { scenario, seed, durability } = options;
    const plan = requireValidPlan(options.plan, scenario);
    // Validated here, on the plain engine: Rehearsal.open validates a scenario it has not seen pass
    // before through the ports it is given, and the cost model would charge that dry run to the
    // clock and the random stream — the first run of a scenario in a process would differ from the
    // next, and the CLI (which validates first) from rehearse().
    requireValid(scenario, options.sql);
    const random = createRandom(`plan:${scenario.id}:${seed}`);
    const clock = new VirtualClock(SIMULATION_EPOCH_MS);
    const log: string[] = [];
    const startingRecords = startingRecordsOf(plan, scenario);
    const driver: Driver = new Driver({
      scenario,
      seed,
      durability,
      ...(startingRecords ? { startingRecords } : {}),
      ...(options.database ? { startingImport: options.database } : {}),
      ports: { sql: withCostModel(options.sql, clock, random.fork('cost')), backend: options.store ?? new MemoryBackend(), digest: webCryptoSha256, clock },
      random,
      log: (line) => {
        const entry = `[${driver.history.ops.length}] ${line}`;
        log.push(entry);
        options.onLog?.(entry);
      },
    });
    await driver.open();
    if (plan.seedData !== false) await driver.seed();
    return new PlanRun(plan, options, driver, clock, log);
  }

  /** The plan as validated. */
  get plan(): Plan {
    return this.#plan;
  }

  /** The index of the step `step()` runs next; null once the plan ran to its end or stopped. */
  get next(): number | null {
    return this.#stopped !== null || this.#report !== undefined || this.#next >= this.#plan.steps.length ? null : this.#next;
  }

  /** The reports of the steps run so far. */
  get steps(): readonly StepReport[] {
    return this.#steps;
  }

  /** Runs the next step and judges its gates; undefined when no step is left (the plan ran to its end, or stopped). */
  async step(): Promise<StepReport | undefined> {
    const index = this.next;
    if (index === null) return undefined;
    const step = this.#plan.steps[index] as Step;
    const driver = this.#driver;
    const clock = this.#clock;
    const runner = this.#runner;
    const failures = this.#failures;
    this.#next = index + 1;
    const phaseBefore = driver.rehearsal.phase;
    const startedAt = clock.now();
    const crashesBefore = driver.crashes.length;
    runner.startStep();
    const outcome = await runner.run(step);
    const figures = stepFigures(runner.results, runner.indeterminate, driver.crashes.length - crashesBefore, clock.now() - startedAt);
    const gates = outcome.problem === null && step.gate ? judgeGates(step.gate, await measures(driver, step.gate, figures, outcome.verify)) : [];
    const failed = gates.filter((g) => !g.held);
    const phaseAfter = driver.rehearsal.phase;
    let onFail: StepReport['onFail'] = null;
    if (failed.length > 0 && step.gate?.onFail) {
      const rollback = await runner.rollback(step.gate.onFail);
      onFail = { step: jsonSafe(step.gate.onFail) as unknown as RollbackStep, status: rollback.problem === null ? 'done' : 'failed', problem: rollback.problem, phaseAfter: driver.rehearsal.phase, detail: rollback.detail };
      this.#rolledBack = rollback.problem === null;
      if (rollback.problem !== null) failures.push({ step: index, what: 'step', name: 'onFail', detail: `the onFail rollback to ${step.gate.onFail.to} failed: ${rollback.problem}` });
    }
    const report: StepReport = {
      index,
      kind: step.kind,
      name: step.name ?? null,
      status: outcome.problem === null ? 'done' : 'failed',
      problem: outcome.problem,
      phaseBefore,
      phaseAfter,
      startedAtMs: Math.round((startedAt - this.#origin) * 1000) / 1000,
      figures,
      detail: outcome.detail,
      gates,
      onFail,
    };
    this.#steps.push(report);
    if (outcome.problem !== null) {
      failures.push({ step: index, what: 'step', name: step.kind, detail: outcome.problem });
      this.#stopped = { step: index, kind: step.kind, reason: 'step-failed', detail: outcome.problem };
    } else if (failed.length > 0) {
      for (const g of failed) failures.push({ step: index, what: 'gate', name: g.gate, detail: g.why });
      const detail = `${failed.map((g) => `${g.gate}: ${g.why}`).join('; ')}${onFail ? `; onFail rolled back to ${onFail.step.to}${onFail.status === 'failed' ? ` and failed: ${String(onFail.problem)}` : ''}` : ''}`;
      this.#stopped = { step: index, kind: step.kind, reason: 'gate-failed', detail };
    }
    // Frozen now rather than with the whole report at the end: nothing changes a step's report once it ran.
    return deepFreeze(report);
  }

  /**
   * Ends the run, whatever happened (and wherever it is: steps not run are left out): faults are
   * cleared, the sides verified and the history checked; the rehearsal closes. Once only.
   */
  async finish(): Promise<RehearsalReport> {
    if (this.#report) return this.#report;
    const driver = this.#driver;
    const failures = this.#failures;
    const { scenario, seed, durability } = this.#options;
    const plan = this.#plan;
    // The end, whatever happened: the rehearsal is judged on its data, not on the faults left armed.
    driver.rehearsal.faults.clear();
    const finalVerify = driver.rehearsal.phase === 'old-dropped' ? undefined : await driver.verify();
    const check = await driver.checkHistory();
    const invariants = invariantsOf(check, finalVerify);
    if (invariants.history.lost.length > 0) {
      const lost = invariants.history.lost;
      failures.push({ step: null, what: 'invariant', name: 'lost-writes', detail: `${lost.length} acknowledged ${lost.length === 1 ? 'write is' : 'writes are'} not readable through the ${driver.rehearsal.phase} read path: ${lost.slice(0, 10).map(describeLost).join(', ')}${lost.length > 10 ? ` and ${lost.length - 10} more` : ''}` });
    }
    if (invariants.history.unexpectedCount > 0) failures.push({ step: null, what: 'invariant', name: 'unexpected-values', detail: `${invariants.history.unexpectedCount} values no write produced (first: ${invariants.history.unexpected.slice(0, 3).map((u) => `${u.collection} ${u.key}`).join(', ')})` });
    const starting = invariants.history.starting;
    if (starting && starting.missing + starting.changed > 0) {
      failures.push({
        step: null,
        what: 'invariant',
        name: 'starting-records',
        detail: `${starting.missing} of ${starting.records} starting records missing and ${starting.changed} changed behind the history (first: ${starting.examples.slice(0, 3).map((e) => `${e.collection} ${e.key}`).join(', ')})`,
      });
    }
    if (invariants.history.duplicates.length > 0) failures.push({ step: null, what: 'invariant', name: 'duplicates', detail: `${invariants.history.duplicates.length} records returned twice by one read (first: ${invariants.history.duplicates.slice(0, 3).map((d) => `${d.collection} ${d.key}`).join(', ')})` });

    const outcome: RehearsalReport['outcome'] = failures.length === 0 ? 'passed' : this.#rolledBack && failures.every((f) => f.what !== 'invariant') ? 'rolled-back' : 'failed';
    const origin = this.#origin;
    const report: RehearsalReport = {
      format: REPORT_FORMAT,
      version: 1,
      scenario: scenario.id,
      plan: { title: plan.title ?? null, steps: plan.steps.length },
      settings: { seed, durability },
      outcome,
      ok: outcome === 'passed',
      stopped: this.#stopped,
      failures,
      steps: this.#steps,
      invariants,
      finalPhase: driver.rehearsal.phase,
      crashes: driver.crashes.length,
      history: driver.history.ops.map((op) => historyRecord(op, origin)),
      log: this.#log,
    };
    await driver.rehearsal.close();
    this.#report = deepFreeze(report);
    return this.#report;
  }
}

/** What the gates of a step need measured: a history check only when a gate asks for one (it reads every record). */
async function measures(driver: Driver, gate: Gate, figures: StepFigures, verify: ConsistencyReport | undefined): Promise<GateMeasures> {
  const out: { -readonly [K in keyof GateMeasures]: GateMeasures[K] } = { figures };
  if (gate.lostWrites || gate.unexpected) {
    // The check's reads judge the rehearsal, not the workload: armed faults wait until it is done.
    const resume = driver.rehearsal.faults.suspend();
    try {
      const check = await driver.checkHistory();
      const unexpected = check.unexpected.map(unexpectedRecord);
      out.history = { lost: check.lost.map(lostRecord), unexpected: unexpected.slice(0, UNEXPECTED_LISTED), unexpectedCount: check.unexpected.length, phase: driver.rehearsal.phase };
    } finally {
      resume();
    }
  }
  if (verify) out.verify = verifySummary(verify);
  return out;
}

function verifySummary(report: ConsistencyReport): { clean: boolean; records: number; consistent: number; differing: number; appReadMismatches: number; first: string[] } {
  const t = report.totals;
  const first = [
    ...report.discrepancies.map((d) => `${d.collection} ${d.key} ${d.kind}${d.fields.length > 0 ? ` (${d.fields.map((f) => `${f.field} old ${JSON.stringify(f.old)} new ${JSON.stringify(f.new)}`).join(', ')})` : ''}`),
    ...(report.appReads?.first ?? []).map(describeAppReadMismatch),
  ].slice(0, DIFFERENCES_LISTED);
  return { clean: isConsistent(report), records: t.total, consistent: t.consistent, differing: t.total - t.consistent, appReadMismatches: report.appReads?.mismatches ?? 0, first };
}

function invariantsOf(check: HistoryReport, verify: ConsistencyReport | undefined): Invariants {
  const lost = check.lost.map(lostRecord);
  const unexpected = check.unexpected.map(unexpectedRecord);
  return {
    // A starting record missing or changed behind the history fails the run like a lost write.
    ok: lost.length === 0 && unexpected.length === 0 && check.duplicates.length === 0 && (check.starting?.missing ?? 0) === 0 && (check.starting?.changed ?? 0) === 0,
    history: {
      operations: check.operations,
      acknowledgedWrites: check.acknowledgedWrites,
      failedWrites: check.failedWrites,
      indeterminateWrites: check.indeterminateWrites,
      reads: check.reads,
      recovered: check.recovered,
      staleReads: check.staleReads,
      undecided: check.undecided,
      lost,
      unexpectedCount: unexpected.length,
      unexpected: unexpected.slice(0, UNEXPECTED_LISTED),
      duplicates: check.duplicates.map((d) => ({ collection: d.collection, key: d.key, count: d.count })),
      ...(check.starting
        ? {
            starting: {
              records: check.starting.records,
              untouched: check.starting.untouched,
              missing: check.starting.missing,
              changed: check.starting.changed,
              examples: check.starting.examples.map((e) => ({ collection: e.collection, key: e.key, expected: e.expected === null ? null : jsonRecord(e.expected), found: e.found === null ? null : jsonRecord(e.found) })),
            },
          }
        : {}),
    },
    verify: verify ? verifySummary(verify) : null,
  };
}

/** Runs steps through the driver, keeping the results of the operations each one invokes. */
class StepRunner {
  #results: OperationResult[] = [];
  #indeterminate = 0;

  constructor(
    private readonly driver: Driver,
    private readonly clock: VirtualClock,
    private readonly scenario: Scenario,
  ) {}

  /** Results of the current step's operations that completed. */
  get results(): readonly OperationResult[] {
    return this.#results;
  }

  /** Operations of the current step a crash cut short. */
  get indeterminate(): number {
    return this.#indeterminate;
  }

  startStep(): void {
    this.#results = [];
    this.#indeterminate = 0;
  }

  async run(step: Step): Promise<StepOutcome> {
    switch (step.kind) {
      case 'move':
        return this.#move(step);
      case 'rollback':
        return this.rollback(step);
      case 'workload':
        return this.#workload(step);
      case 'arm-faults':
        for (const f of step.faults) this.driver.rehearsal.faults.add(f);
        return { problem: null, detail: { armed: step.faults.length } };
      case 'clear-faults': {
        const cleared = this.driver.rehearsal.faults.list().length;
        this.driver.rehearsal.faults.clear();
        return { problem: null, detail: { cleared } };
      }
      case 'crash':
        if (step.at) {
          this.driver.armCrashUntilFired(step.at);
          return { problem: null, detail: { armed: step.at } };
        }
        this.driver.rehearsal.crash();
        await this.driver.recover('now');
        return { problem: null, detail: { crashed: 'now', recoveryProblems: [...this.driver.rehearsal.recoveryProblems] } };
      case 'backfill':
      case 'reverse-sync':
        return this.#copy(step);
      case 'verify':
        return this.#verify();
      case 'restore-backup':
        return this.#restore();
      default:
        return assertNever(step, 'step');
    }
  }

  /** Invokes one operation, keeping its result (or counting it indeterminate when a crash cut it short). */
  async #invoke(inv: Invocation): Promise<void> {
    const result = await this.driver.invoke(inv);
    if (result) this.#results.push(result);
    else this.#indeterminate++;
  }

  async #workload(step: WorkloadStep): Promise<StepOutcome> {
    const workload = this.driver.workload;
    const interval = 1000 / (step.rate ?? DEFAULT_RATE);
    const start = this.clock.now();
    if (step.mix) workload.setMix(step.mix);
    try {
      for (let i = 0; step.operations === undefined || i < step.operations; i++) {
        // Operations start on a schedule; one that ran long delays the next, never the schedule.
        const at = start + i * interval;
        if (step.durationMs !== undefined && at >= start + step.durationMs) break;
        if (this.clock.now() < at) await this.clock.sleep(at - this.clock.now());
        await this.#invoke(workload.next());
      }
      if (step.durationMs !== undefined && this.clock.now() < start + step.durationMs) await this.clock.sleep(start + step.durationMs - this.clock.now());
    } finally {
      if (step.mix) workload.setMix(this.scenario.workload.mix);
    }
    return { problem: null, detail: { mix: jsonSafe(workload.mix) } };
  }

  async #move(step: MoveStep): Promise<StepOutcome> {
    const { to } = step;
    let move: PhaseMove | undefined;
    let accepted: number | undefined;
    for (let attempt = 0; attempt < ATTEMPTS && !move; attempt++) {
      if (this.driver.rehearsal.phase === to) return { problem: null, detail: { ok: true, note: 'a crash interrupted the move after it was stored' } };
      move = await this.driver.guarded(`move to ${to}`, async (r) => {
        if (step.acceptDataLoss) {
          // The loss is accepted as a current verify counts it (the engine takes no blind drop).
          await r.verify();
          accepted = (await r.checkGuard(to)).recordsLost ?? 0;
        }
        return r.movePhase(to, { ...(step.force ? { force: true } : {}), ...(accepted !== undefined ? { acceptDataLoss: accepted } : {}) });
      });
    }
    if (!move) return { problem: `the move to ${to} was interrupted by crashes ${ATTEMPTS} times`, detail: {} };
    const detail = { ok: move.ok, reasons: [...move.reasons], ...(move.warnings ? { warnings: [...move.warnings] } : {}), ...(accepted !== undefined ? { acceptedDataLoss: accepted } : {}), ...(move.shadow ? { shadow: { reads: move.shadow.reads, mismatches: move.shadow.mismatches, minReads: move.shadow.minReads, limit: move.shadow.limit } } : {}) };
    if (!move.ok) return { problem: `the move from ${move.from} to ${to} was refused: ${move.reasons.join('; ')}`, detail };
    return { problem: null, detail };
  }

  /** A rollback as a careful operator runs it: the remedies the rollback plan names first (unless told not to), then the move. */
  async rollback(step: RollbackStep): Promise<StepOutcome> {
    const { to } = step;
    const remedies = step.remedies ?? true;
    const ran: string[] = [];
    let hazards: { kind: string; count: number; severity: string; remedy: string | null }[] = [];
    const detail = (ok: boolean): StepDetail => ({ ok, remediesRun: ran, hazards });
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const r = this.driver.rehearsal;
      if (r.phase === to) return { problem: null, detail: detail(true) };
      if (r.phase === 'old-dropped') {
        if (!remedies) return { problem: 'the old schema is dropped: restore the backup first ("remedies" is false)', detail: detail(false) };
        const restored = await this.driver.guarded('restore backup', (x) => x.restoreBackup());
        if (restored?.ok) ran.push('restore-backup');
        else if (restored) return { problem: `restoring the backup was refused: ${restored.reasons.join('; ')}`, detail: detail(false) };
        continue;
      }
      const plan = await this.driver.guarded('plan rollback', (x) => x.planRollback(to));
      if (!plan) continue;
      hazards = plan.hazards.map((h) => ({ kind: h.kind, count: h.count, severity: h.severity, remedy: h.remedy }));
      if (plan.blocked && !step.acceptHazards) {
        const blocking = plan.hazards.filter((h) => h.severity === 'data' && h.count > 0);
        const fixable = blocking.filter((h) => h.remedy === 'reverse-sync');
        if (!remedies || fixable.length === 0 || fixable.length < blocking.length) {
          return { problem: `the rollback from ${plan.from} to ${to} is blocked: ${blocking.map((h) => h.message).join('; ')}`, detail: detail(false) };
        }
        const p = await this.#runCopy('reverse-sync', undefined, undefined);
        if (!p || p.status !== 'done') return { problem: `the reverse-sync the rollback needs did not finish (${p?.status ?? 'crashes'})`, detail: detail(false) };
        ran.push('reverse-sync');
        continue;
      }
      const from = r.phase;
      const move = await this.driver.guarded(`roll back ${from} -> ${to}`, (x) => x.movePhase(to, { acceptHazards: step.acceptHazards === true }));
      if (move?.ok) return { problem: null, detail: detail(true) };
      if (move) return { problem: `the rollback from ${from} to ${to} was refused: ${move.reasons.join('; ')}`, detail: detail(false) };
    }
    return { problem: `the rollback to ${to} did not complete in ${ATTEMPTS} attempts`, detail: detail(false) };
  }

  async #copy(step: CopyStep): Promise<StepOutcome> {
    const between = async (): Promise<void> => {
      if (step.delayMs) await this.clock.sleep(step.delayMs);
      const workload = this.driver.workload;
      for (let i = 0; i < (step.operationsBetweenBatches ?? 0); i++) await this.#invoke(workload.next());
    };
    const p = await this.#runCopy(step.kind, step.batchSize, between);
    if (!p) return { problem: `the ${step.kind} was interrupted by crashes ${ATTEMPTS * 3} times`, detail: {} };
    const detail = { status: p.status, pass: p.pass, processed: p.processed, copied: p.copied, skipped: p.skipped, removed: p.removed, batchSize: p.batchSize, ...(p.warning ? { warning: p.warning } : {}) };
    if (p.status !== 'done') return { problem: `the ${step.kind} ended ${p.status}`, detail };
    return { problem: null, detail };
  }

  /**
   * A whole pass, resumed from its cursor after a crash. A crash inside `between` (an operation) is
   * recovered by the driver's invoke; the pass then finds its engine dead and resumes on the new one.
   */
  async #runCopy(action: 'backfill' | 'reverse-sync', batchSize: number | undefined, between: (() => Promise<void>) | undefined): Promise<CopyProgress | undefined> {
    for (let attempt = 0; attempt < ATTEMPTS * 3; attempt++) {
      const r = this.driver.rehearsal;
      const copy = action === 'backfill' ? r.backfill : r.reverseSync;
      try {
        let p = copy.progress();
        if (p.status !== 'running' && p.status !== 'paused') p = await copy.start(batchSize);
        else if (batchSize !== undefined) p = await copy.setBatchSize(batchSize);
        // Storage refused to start the pass: nothing changed, try again.
        if (p.error !== undefined && p.status !== 'running' && p.status !== 'paused') continue;
        if (p.status !== 'running' && p.status !== 'paused') return p;
        return await copy.run(between);
      } catch (e) {
        if (!isCrash(e)) throw e;
        // The first to notice recovers; an operation in `between` may have done it already.
        if (this.driver.rehearsal === r) await this.driver.recover(e.point);
      }
    }
    return undefined;
  }

  async #verify(): Promise<StepOutcome> {
    const report = await this.driver.verify();
    if (!report) return { problem: `verify was interrupted by crashes 10 times`, detail: {} };
    return { problem: null, detail: jsonSafe(verifySummary(report)) as StepDetail, verify: report };
  }

  async #restore(): Promise<StepOutcome> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (this.driver.rehearsal.phase === 'new-only') return { problem: null, detail: { ok: true } };
      const restored = await this.driver.guarded('restore backup', (r: Rehearsal) => r.restoreBackup());
      if (restored?.ok) return { problem: null, detail: { ok: true } };
      if (restored) return { problem: `restoring the backup was refused: ${restored.reasons.join('; ')}`, detail: { ok: false, reasons: [...restored.reasons] } };
    }
    return { problem: `the restore was interrupted by crashes ${ATTEMPTS} times`, detail: {} };
  }
}
