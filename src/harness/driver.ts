/**
 * The driver: what holds a rehearsal from the outside, as a tab's user or a CI job does. It keeps
 * the history (which must survive the engine's crashes), reopens the engine after a crash, and
 * knows how a careful operator repairs and moves phases. Simulations, tests and the coming
 * `rehearse()` API are built on it.
 */
import type { ConsistencyReport } from '../engine/checks/consistency.ts';
import { History, type HistoryOp } from '../engine/checks/history.ts';
import { finalCheck, type HistoryReport } from '../engine/checks/history-checker.ts';
import type { VirtualClock } from '../engine/clock.ts';
import type { DurabilityMode, KeyValueBackend } from '../engine/durability/types.ts';
import { isCrash, type CrashPoint, type FaultSpec } from '../engine/faults.ts';
import { PHASES, phaseIndex, type Phase } from '../engine/phases.ts';
import type { Random } from '../engine/random.ts';
import { Rehearsal, type MoveOptions, type RehearsalPorts, type StartingRecordsRequest } from '../engine/rehearsal.ts';
import type { StartingImport } from '../engine/actions/starting-records.ts';
import type { CopyProgress, OperationResult, PhaseMove } from '../engine/results.ts';
import { sqlExpressions, type Expressions } from '../engine/expressions.ts';
import type { Scenario } from '../engine/scenario/format.ts';
import { Workload, type Invocation } from '../engine/workload.ts';

export interface DriverOptions {
  readonly scenario: Scenario;
  readonly seed: number | string;
  readonly durability: DurabilityMode;
  readonly ports: RehearsalPorts & { readonly clock: VirtualClock };
  readonly random: Random;
  /** Rehearsal id in the backend (default "rehearsal"). */
  readonly id?: string;
  /** Log every step (for failing runs). */
  readonly log?: (line: string) => void;
  /** Records the rehearsal starts with, before the seed data (`Rehearsal.open`'s option). */
  readonly startingRecords?: StartingRecordsRequest;
  /** A database file the rehearsal starts from, its rows the starting records (`Rehearsal.open`'s option). */
  readonly startingImport?: StartingImport;
}

/** Refusals for shadow mismatches after which the careful operator gives up on a move. */
const MISMATCH_REFUSALS = 3;

/** Something the driver did, for the replay log. */
export type StepLog = (line: string) => void;

/** Drives one rehearsal through crashes. */
export class Driver {
  readonly history = new History();
  readonly workload: Workload;
  readonly scenario: Scenario;
  readonly clock: VirtualClock;
  readonly backend: KeyValueBackend;
  /** Evaluates the scenario's computed values (`{ "expr": … }`) for the workload's model and the history checker. */
  readonly expressions: Expressions;
  #rehearsal: Rehearsal | undefined;
  #crashes: (CrashPoint | 'now' | 'storage')[] = [];
  /** Crash faults re-armed after every recovery until they fire. */
  readonly #untilFired: FaultSpec[] = [];
  #recoveryProblems: string[] = [];
  #lostAcks = 0;
  /** Draws the careful operator's reads (its own stream: the workload's weights stay the workload's). */
  #operatorStream: Random | undefined;
  readonly #log: StepLog;

  constructor(private readonly options: DriverOptions) {
    this.scenario = options.scenario;
    this.clock = options.ports.clock;
    this.backend = options.ports.backend;
    this.expressions = sqlExpressions(options.ports.sql);
    this.workload = new Workload(options.scenario, options.random.fork('workload'), () => this.clock.now(), { expressions: this.expressions });
    this.#log = options.log ?? (() => undefined);
  }

  /** The current engine incarnation. */
  get rehearsal(): Rehearsal {
    if (!this.#rehearsal) throw new Error('the driver has not opened the rehearsal');
    return this.#rehearsal;
  }

  /** The phase of the current incarnation, or undefined before the first open. */
  get phase(): Rehearsal['phase'] | undefined {
    return this.#rehearsal?.phase;
  }

  /** Crash points hit so far, in order. */
  get crashes(): readonly (CrashPoint | 'now' | 'storage')[] {
    return this.#crashes;
  }

  /** Problems recovery reported (corrupt snapshots skipped, and so on). */
  get recoveryProblems(): readonly string[] {
    return this.#recoveryProblems;
  }

  /** Acknowledged journal entries storage never stored (unsafe-ack-first). */
  get lostAcks(): number {
    return this.#lostAcks;
  }

  /** Opens (or reopens after a crash) the rehearsal from durable state. */
  async open(faults: readonly FaultSpec[] = []): Promise<Rehearsal> {
    const r = await Rehearsal.open({
      scenario: this.scenario,
      id: this.options.id ?? 'rehearsal',
      seed: this.options.seed,
      durability: this.options.durability,
      ports: this.options.ports,
      faults,
      persistMetricsEvery: 0,
      ...(this.options.startingRecords ? { startingRecords: this.options.startingRecords } : {}),
      ...(this.options.startingImport ? { startingImport: this.options.startingImport } : {}),
    });
    r.on((e) => {
      if (e.type === 'lost-ack') this.#lostAcks += e.seqs.length;
    });
    this.#recoveryProblems.push(...r.recoveryProblems);
    this.#rehearsal = r;
    return r;
  }

  /** Arms a one-shot crash at `point` that survives other crashes: it is armed again after each recovery until it fires. */
  armCrashUntilFired(point: CrashPoint): void {
    const spec: FaultSpec = { kind: 'crash', point, once: true };
    this.#untilFired.push(spec);
    this.rehearsal.faults.add(spec);
  }

  /** After a crash: every pending operation becomes indeterminate and the engine reopens. */
  async recover(point: CrashPoint | 'now' | 'storage'): Promise<void> {
    this.#crashes.push(point);
    const fired = this.#untilFired.findIndex((f) => f.point === point);
    if (fired >= 0) this.#untilFired.splice(fired, 1);
    for (const op of this.history.pending()) this.history.indeterminate(op, this.clock.now(), `crashed at ${point}`);
    this.#log(`crash at ${point}; recovering`);
    // Timers of the dead incarnation (deferred flushes) must not fire into the new one: they
    // were cancelled by dispose; let the clock run whatever is due.
    await this.clock.runDue();
    await this.open(this.#untilFired);
  }

  /** Runs `fn` against the engine; a crash inside recovers and returns undefined. */
  async guarded<T>(what: string, fn: (r: Rehearsal) => Promise<T>): Promise<T | undefined> {
    try {
      return await fn(this.rehearsal);
    } catch (e) {
      if (!isCrash(e)) throw e;
      this.#log(`${what}: ${e.message}`);
      await this.recover(e.point);
      return undefined;
    }
  }

  /** Invokes one operation, recording it in the history. Returns undefined when the engine crashed. */
  async invoke(inv: Invocation, seed = false): Promise<OperationResult | undefined> {
    this.#check(inv);
    const r = this.rehearsal;
    const op = this.history.invoke(inv.name, inv.kind, inv.params, r.phase, this.clock.now(), seed);
    try {
      const result = await r.execute(inv.name, inv.params);
      this.history.complete(op, result, this.clock.now());
      if (inv.kind === 'write' && result.outcome !== 'fail') this.workload.observeWrite(inv.name, inv.params);
      return result;
    } catch (e) {
      if (!isCrash(e)) throw e;
      if (inv.kind === 'write') this.workload.observeWrite(inv.name, inv.params);
      if (!this.rehearsal.dead) throw e;
      // Only the first to notice recovers; others find the new incarnation already open.
      if (this.#rehearsal === r) await this.recover(e.point);
      else this.history.indeterminate(op, this.clock.now(), `crashed at ${e.point}`);
      return undefined;
    }
  }

  /** Invokes several operations at once (pipelined), in order. */
  async invokeConcurrently(invs: readonly Invocation[]): Promise<(OperationResult | undefined)[]> {
    for (const inv of invs) this.#check(inv);
    const r = this.rehearsal;
    const ops: HistoryOp[] = invs.map((inv) => this.history.invoke(inv.name, inv.kind, inv.params, r.phase, this.clock.now()));
    const settled = await Promise.allSettled(invs.map((inv) => r.execute(inv.name, inv.params)));
    let crash: CrashPoint | 'now' | 'storage' | undefined;
    const results = settled.map((s, i) => {
      const op = ops[i] as HistoryOp;
      const inv = invs[i] as Invocation;
      if (s.status === 'fulfilled') {
        this.history.complete(op, s.value, this.clock.now());
        if (inv.kind === 'write' && s.value.outcome !== 'fail') this.workload.observeWrite(inv.name, inv.params);
        return s.value;
      }
      if (!isCrash(s.reason)) throw s.reason as Error;
      crash ??= s.reason.point;
      if (inv.kind === 'write') this.workload.observeWrite(inv.name, inv.params);
      return undefined;
    });
    if (crash !== undefined) await this.recover(crash);
    return results;
  }

  /** Writes the scenario's seed data (in old-only, before the rehearsal starts). */
  async seed(): Promise<void> {
    for (const step of this.scenario.seedData) {
      for (let i = 0; i < step.count; i++) await this.invoke(this.workload.invocation(step.operation), true);
    }
  }

  /**
   * Refuses an invocation the history would record wrongly, before it is recorded: an unknown
   * operation, a `kind` that is not the operation's (a write recorded as a read is never judged,
   * so its record would later look lost), or a declared parameter left out.
   */
  #check(inv: Invocation): void {
    const op = this.scenario.operations[inv.name];
    if (!op) throw new Error(`no operation named "${inv.name}" (operations: ${Object.keys(this.scenario.operations).join(', ')})`);
    if (inv.kind !== op.kind) throw new Error(`"${inv.name}" is a ${op.kind}, not a ${String(inv.kind)}: give the invocation kind "${op.kind}" (workload.invocation("${inv.name}") draws a whole one)`);
    const missing = Object.keys(op.params).filter((p) => !(p in inv.params));
    if (missing.length > 0) throw new Error(`"${inv.name}" needs ${missing.map((p) => `:${p}`).join(', ')}: pass every parameter it declares (null for NULL), or draw them with workload.invocation("${inv.name}")`);
  }

  /** Runs a whole backfill or reverse-sync pass, surviving crashes (it resumes from its cursor). */
  async runCopy(action: 'backfill' | 'reverse-sync', between?: () => Promise<void>): Promise<CopyProgress | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      if (this.rehearsal.phase === 'old-dropped') return undefined;
      const p = await this.guarded(action, (r) => (action === 'backfill' ? r.backfill : r.reverseSync).run(between));
      if (p) return p;
    }
    return undefined;
  }

  /** Runs verify, surviving crashes. */
  async verify(): Promise<ConsistencyReport | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const report = await this.guarded('verify', (r) => r.verify());
      if (report) return report;
    }
    return undefined;
  }

  /** Backfill, then reverse-sync, then verify: the careful operator's repair. */
  async repair(between?: () => Promise<void>): Promise<ConsistencyReport | undefined> {
    if (this.rehearsal.phase === 'old-dropped') return undefined;
    await this.runCopy('backfill', between);
    await this.runCopy('reverse-sync', between);
    return this.verify();
  }

  /**
   * Moves one phase forward as a careful operator does: when refused, repairs (backfill,
   * reverse-sync, verify) unless only the shadow gate refused; when the gate wants more shadow
   * reads, runs reads until it has them. Shadow mismatches that come back after a repair and a
   * clean verify are not a divergence repair can fix: after `MISMATCH_REFUSALS` refusals for them
   * it gives up (undefined), as it does after six refused attempts.
   */
  async moveForward(options: MoveOptions & { careless?: boolean } = {}): Promise<PhaseMove | undefined> {
    let mismatchRefusals = 0;
    for (let attempt = 0; attempt < 6; attempt++) {
      const from = this.rehearsal.phase;
      const to = PHASES[phaseIndex(from) + 1];
      if (!to) return undefined;
      const move = await this.guarded(`move ${from} -> ${to}`, async (r) => {
        if (!options.careless) return r.movePhase(to, options);
        // A careless operator accepts whatever a fresh verify says the drop would lose.
        const lost = to === 'old-dropped' ? ((await r.verify()), (await r.checkGuard(to)).recordsLost ?? 0) : 0;
        return r.movePhase(to, { force: true, acceptDataLoss: lost });
      });
      if (move?.ok) {
        this.#log(`moved ${from} -> ${to}`);
        return move;
      }
      if (move) this.#log(`move ${from} -> ${to} refused: ${move.reasons.join('; ')}`);
      const gate = move?.shadow;
      if (gate && !gate.withinLimit && ++mismatchRefusals >= MISMATCH_REFUSALS) {
        this.#log(`giving up on ${to}: shadow reads still disagree after repair (${gate.mismatches} of ${gate.reads})`);
        return undefined;
      }
      const gateReasons = gate ? Number(!gate.enoughReads) + Number(!gate.withinLimit) : 0;
      // Only too few shadow reads: repairing would restart the window for nothing.
      if (!move || move.reasons.length > gateReasons || (gate && !gate.withinLimit)) await this.repair();
      await this.#runShadowReads(to);
    }
    return undefined;
  }

  /** Runs reads until the shadow gate of a move to `to` has the reads it needs (bounded). */
  async #runShadowReads(to: Phase): Promise<void> {
    if (this.rehearsal.phase !== 'shadow') return;
    const gate = (await this.guarded('check guard', (r) => r.checkGuard(to)))?.shadow;
    if (!gate || gate.enoughReads) return;
    const names = this.#operatorReads();
    if (names.length === 0) return;
    let budget = 3 * (gate.minReads - gate.reads) + 10;
    let made = 0;
    while (budget-- > 0 && this.rehearsal.phase === 'shadow' && (this.rehearsal.control.shadowWindow?.reads ?? 0) < gate.minReads) {
      await this.invoke(this.workload.invocation(this.#operatorRandom.weighted(names)));
      made++;
    }
    this.#log(`ran ${made} reads for the shadow gate (${this.rehearsal.control.shadowWindow?.reads ?? 0} of ${gate.minReads} compared)`);
  }

  /** The reads an operator runs for the shadow gate: the workload's, by its weights, else each collection's check read. */
  #operatorReads(): [string, number][] {
    const ops = this.scenario.operations;
    const mixed = Object.entries(this.workload.mix).filter(([name, w]) => ops[name]?.kind === 'read' && w > 0);
    if (mixed.length > 0) return mixed;
    return [...new Set(Object.values(this.scenario.collections).map((c) => c.check.read))].map((name) => [name, 1]);
  }

  get #operatorRandom(): Random {
    this.#operatorStream ??= this.options.random.fork('operator-reads');
    return this.#operatorStream;
  }

  /** Rolls back to `to`, running remedies first (restore, reverse-sync) unless careless. */
  async rollBack(to: Phase, careless = false): Promise<PhaseMove | undefined> {
    for (let attempt = 0; attempt < 6; attempt++) {
      if (phaseIndex(to) >= phaseIndex(this.rehearsal.phase)) return undefined;
      if (this.rehearsal.phase === 'old-dropped') {
        const restored = await this.guarded('restore backup', (r) => r.restoreBackup());
        if (restored?.ok) {
          this.#log('restored the backup (now new-only)');
          if (to === 'new-only') return restored;
        }
        continue;
      }
      const plan = await this.guarded('plan rollback', (r) => r.planRollback(to));
      if (!plan) continue;
      if (plan.blocked && !careless) {
        this.#log(`rollback to ${to} blocked: ${plan.hazards.map((h) => `${h.kind} (${h.count})`).join(', ')}; running remedies`);
        if (plan.hazards.some((h) => h.remedy === 'reverse-sync' && h.count > 0)) await this.runCopy('reverse-sync');
        continue;
      }
      const from = this.rehearsal.phase;
      const move = await this.guarded(`roll back ${from} -> ${to}`, (r) => r.movePhase(to, { acceptHazards: careless }));
      if (move?.ok) {
        this.#log(`rolled back ${from} -> ${to}`);
        return move;
      }
    }
    return undefined;
  }

  /** Reads every record back through the current phase's read path and checks the history (and the starting records). */
  async checkHistory(): Promise<HistoryReport> {
    return finalCheck(this.scenario, this.history.ops, this.expressions, {
      read: async (read) => {
        for (let attempt = 0; attempt < 5; attempt++) {
          const result = await this.guarded('final read', (r) => r.execute(read.read, read.params));
          if (result?.outcome === 'ok') return result.rows ?? [];
        }
        // A read that never answers is not an empty one: reporting its records lost would be false.
        throw new Error(`the final read ${read.read} ${JSON.stringify(read.params)} failed 5 times`);
      },
      // Neither passes a crash point: they read the starting image and the databases, nothing else.
      startingStates: (keys) => this.rehearsal.startingStates(keys),
      checkUntouched: (touched) => this.rehearsal.checkUntouchedStartingRecords(touched),
    });
  }
}
