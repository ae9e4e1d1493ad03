/**
 * `simulate`: for each seed, seed data, a workload, a walk through all six phases with a backfill
 * racing live writes during dual-write and random rollbacks along the way, random faults including
 * a crash at every named crash point; then a final crash, recovery, repair, verify and the history
 * check. Everything runs on a virtual clock and an in-memory durable store, so the same seed gives
 * the same report, byte for byte.
 */
import type { ConsistencyReport } from '../engine/checks/consistency.ts';
import type { LostWrite } from '../engine/checks/history-checker.ts';
import { VirtualClock } from '../engine/clock.ts';
import { corruptNewestSnapshot } from '../engine/durability/corrupt.ts';
import type { DurabilityMode } from '../engine/durability/types.ts';
import { CORRUPTIONS, CRASH_POINTS, type CrashPoint, type FaultSpec } from '../engine/faults.ts';
import { PHASES, phaseIndex, type Phase } from '../engine/phases.ts';
import { startingOperations } from '../engine/scenario/starting.ts';
import { createRandom, type Random } from '../engine/random.ts';
import type { StartingRecordsRequest } from '../engine/control-state.ts';
import type { Scenario } from '../engine/scenario/format.ts';
import type { SqlEngine } from '../engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../scenarios/index.ts';
import { webCryptoSha256 } from '../store/digest.ts';
import { MemoryBackend } from '../store/memory-backend.ts';
import { equalVersionCount, unconvergedText, WatchedDriver, type MoveWarning, type Refusal, type Stop } from './convergence.ts';
import { withCostModel } from './cost-model.ts';
import { appReadDiagnostics, differenceDiagnostics, historyDiagnostics, type RunDiagnostics } from './diagnostics.ts';

/** 2025-11-13 00:00:00 UTC, the day of seeds 000 and 001: simulated timestamps start here. */
export const SIMULATION_EPOCH_MS = Date.UTC(2025, 10, 13);

export interface SimulateOptions {
  readonly scenario: Scenario;
  readonly sql: SqlEngine;
  readonly seeds: number;
  /** First seed (default 1); seeds run from here upwards. */
  readonly seedStart?: number;
  /** Operations per seed, seed data not counted. */
  readonly ops: number;
  /** Probability per operation of arming a random fault. */
  readonly faultRate: number;
  readonly durability: DurabilityMode;
  /** Skip remedies and override guards, to show what they prevent. */
  readonly careless?: boolean;
  /** How the scenario was named on the command line, for replay commands. */
  readonly scenarioArg?: string;
  /**
   * Records the old schema holds before each seed's seed data (`Rehearsal.open`'s option; the
   * operation must be one `startingOperations` lists). Made from the seed: deterministic.
   */
  readonly startingRecords?: StartingRecordsRequest;
  /** Called after each seed. */
  readonly onRun?: (run: RunReport, done: number) => void;
}

/** An invariant that failed, with what replays it. */
export interface Failure {
  readonly seed: number;
  /** Where it was found. */
  readonly step: string;
  readonly invariant: 'lost-writes' | 'unexpected-values' | 'duplicates' | 'inconsistent-rows' | 'unrepairable-divergence' | 'application-reads' | 'error';
  readonly detail: string;
  /** The exact command that replays this seed. */
  readonly command: string;
}

/** One seed's figures. */
export interface RunReport {
  readonly seed: number;
  readonly operations: number;
  readonly acknowledgedWrites: number;
  readonly failedWrites: number;
  readonly indeterminateWrites: number;
  readonly lostWrites: readonly LostWrite[];
  readonly unexpectedReads: number;
  readonly staleReads: number;
  readonly inconsistentRows: number;
  readonly recovered: number;
  /** Records the checker could not decide (too many indeterminate writes to one record). */
  readonly undecided: number;
  readonly duplicates: number;
  readonly crashes: number;
  readonly crashPoints: Readonly<Record<string, number>>;
  readonly faultsArmed: number;
  readonly rollbacks: number;
  readonly phaseMoves: number;
  readonly finalPhase: Phase;
  readonly snapshotsSkipped: number;
  readonly lostAcknowledgements: number;
  readonly failures: readonly Failure[];
  /** Why the run ended before `old-dropped`; absent when it reached it. */
  readonly endedIn?: EndedIn;
  /**
   * Which records and fields failed, kept only when the run failed; for a run that did not reach
   * `old-dropped` without failing, the records its last verify read differently through the
   * application's reads (`appReads`), when there are some.
   */
  readonly diagnostics?: RunDiagnostics;
  /** The run's steps, kept only when it failed. */
  readonly log?: readonly string[];
}

/** A run that ended before the last phase, and why. */
export interface EndedIn {
  readonly phase: Phase;
  /** The forward move the walk could not make, when the engine refused it: how many times in a row and the last reasons. */
  readonly refused?: { readonly to: Phase; readonly times: number; readonly reasons: readonly string[] };
  /** Why the walk stopped trying, when it did: records no repair can fix, or moves failing call after call. */
  readonly stopped?: 'unrepairable-divergence' | 'stalled';
  /** The same in words, without the reasons: "ended in read-new: the move to new-only was refused 6 times". */
  readonly detail: string;
}

/** The whole simulation. */
export interface SimulationReport {
  readonly format: 'cutover-lab/simulation';
  readonly version: 1;
  readonly scenario: string;
  readonly settings: {
    readonly seeds: number;
    readonly seedStart: number;
    readonly ops: number;
    readonly faultRate: number;
    readonly durability: DurabilityMode;
    readonly careless: boolean;
    /** Present only when the simulation started each seed with starting records. */
    readonly startingRecords?: StartingRecordsRequest;
  };
  readonly totals: {
    readonly runs: number;
    readonly operations: number;
    readonly acknowledgedWrites: number;
    readonly lostWrites: number;
    readonly unexpectedReads: number;
    readonly staleReads: number;
    readonly inconsistentRows: number;
    readonly recovered: number;
    readonly undecided: number;
    readonly duplicates: number;
    readonly crashes: number;
    readonly rollbacks: number;
    /** Snapshots recovery found damaged or of a newer format and did not use. */
    readonly snapshotsSkipped: number;
  };
  readonly crashPoints: Readonly<Record<string, number>>;
  /** Every lost write, with the operation that wrote it. */
  readonly lost: readonly (LostWrite & { readonly seed: number })[];
  readonly failures: readonly Failure[];
  /**
   * The distinct warnings the guards gave on forward moves that were made (a move's `warnings`),
   * each once for the whole simulation, with how many runs made that move and were given it;
   * absent when no move warned.
   */
  readonly warnings?: readonly SimulationWarning[];
  readonly runs: readonly RunReport[];
}

/** A guard's warning on a forward move, once per simulation. */
export interface SimulationWarning {
  /** The phase the move went to. */
  readonly to: Phase;
  readonly warning: string;
  /** Runs that were given it. */
  readonly runs: number;
}

/** One seed's run and the warnings its moves were given: what a worker thread sends back. */
export interface SeedResult {
  readonly run: RunReport;
  readonly warnings: readonly MoveWarning[];
}

/** Runs the simulation. */
export async function simulate(options: SimulateOptions): Promise<SimulationReport> {
  const seedStart = options.seedStart ?? 1;
  const results: SeedResult[] = [];
  for (let i = 0; i < options.seeds; i++) {
    const result = await simulateSeed(options, seedStart + i);
    results.push(result);
    options.onRun?.(result.run, i + 1);
  }
  return simulationReport(options, results);
}

/** The report of seeds run from `options.seedStart` upwards, `results` in seed order (however they were run). */
export function simulationReport(options: Omit<SimulateOptions, 'sql'>, results: readonly SeedResult[]): SimulationReport {
  const seedStart = options.seedStart ?? 1;
  const runs = results.map((r) => r.run);
  const warnings: { to: Phase; warning: string; runs: number }[] = [];
  for (const { warnings: given } of results) {
    for (const w of given) {
      const seen = warnings.find((x) => x.to === w.to && x.warning === w.warning);
      if (seen) seen.runs++;
      else warnings.push({ to: w.to, warning: w.warning, runs: 1 });
    }
  }
  const settings = { seeds: options.seeds, seedStart, ops: options.ops, faultRate: options.faultRate, durability: options.durability, careless: options.careless ?? false, ...(options.startingRecords ? { startingRecords: options.startingRecords } : {}) };
  return reportOf(options.scenario.id, settings, runs, warnings);
}

/** The report of these runs (in seed order) and warnings (in the order first given): the totals are summed from the runs. */
export function reportOf(scenario: string, settings: SimulationReport['settings'], runs: readonly RunReport[], warnings: readonly SimulationWarning[]): SimulationReport {
  const sum = (f: (r: RunReport) => number): number => runs.reduce((n, r) => n + f(r), 0);
  const crashPoints: Record<string, number> = {};
  for (const p of [...CRASH_POINTS, 'now', 'storage']) crashPoints[p] = sum((r) => r.crashPoints[p] ?? 0);
  return {
    format: 'cutover-lab/simulation',
    version: 1,
    scenario,
    settings,
    totals: {
      runs: runs.length,
      operations: sum((r) => r.operations),
      acknowledgedWrites: sum((r) => r.acknowledgedWrites),
      lostWrites: sum((r) => r.lostWrites.length),
      unexpectedReads: sum((r) => r.unexpectedReads),
      staleReads: sum((r) => r.staleReads),
      inconsistentRows: sum((r) => r.inconsistentRows),
      recovered: sum((r) => r.recovered),
      undecided: sum((r) => r.undecided),
      duplicates: sum((r) => r.duplicates),
      crashes: sum((r) => r.crashes),
      rollbacks: sum((r) => r.rollbacks),
      snapshotsSkipped: sum((r) => r.snapshotsSkipped),
    },
    crashPoints,
    lost: runs.flatMap((r) => r.lostWrites.map((l) => ({ seed: r.seed, ...l }))),
    failures: runs.flatMap((r) => r.failures),
    ...(warnings.length > 0 ? { warnings } : {}),
    runs: [...runs],
  };
}

/** A word for a POSIX shell: as it is when it is safe, single-quoted otherwise. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Stands for the scenario's file in a replay command when the scenario was given as an object, not a built-in's id or a file. */
export const YOUR_SCENARIO_FILE = '<your scenario file>';

/** How a replay command names the scenario: as given on the command line, the built-in's id, or a placeholder for a file. */
export function scenarioWord(scenario: Scenario, scenarioArg: string | undefined): string {
  if (scenarioArg !== undefined) return shellQuote(scenarioArg);
  const builtIn = Object.hasOwn(BUILT_IN_SCENARIOS, scenario.id) ? BUILT_IN_SCENARIOS[scenario.id] : undefined;
  return builtIn && (builtIn === scenario || JSON.stringify(builtIn) === JSON.stringify(scenario)) ? shellQuote(scenario.id) : YOUR_SCENARIO_FILE;
}

/** `--starting-records N` (with `:operation` when it is not the scenario's first that can make them). */
export function startingRecordsArg(request: StartingRecordsRequest, defaultOperation: string | undefined): string {
  return `--starting-records ${request.count}${request.operation === defaultOperation ? '' : `:${shellQuote(request.operation)}`}`;
}

/** The command that replays one seed. */
export function replayCommand(options: SimulateOptions, seed: number): string {
  return [
    'npx cutover-lab simulate',
    `--scenario ${scenarioWord(options.scenario, options.scenarioArg)}`,
    '--seeds 1',
    `--seed-start ${seed}`,
    `--ops ${options.ops}`,
    `--fault-rate ${options.faultRate}`,
    `--durability ${options.durability}`,
    ...(options.careless ? ['--careless'] : []),
    ...(options.startingRecords ? [startingRecordsArg(options.startingRecords, startingOperations(options.scenario)[0])] : []),
  ].join(' ');
}

/** Faults a simulation arms at random, with weights. */
function randomFault(random: Random, scenario: Scenario): FaultSpec | 'corrupt-and-crash' {
  const side = random.pick(['old', 'new'] as const);
  const ops = Object.keys(scenario.operations);
  const kind = random.weighted([
    ['write-error', 30],
    ['read-error', 15],
    ['busy', 15],
    ['latency', 10],
    ['storage-quota', 10],
    ['crash', 12],
    ['corrupt', 8],
  ] as const);
  switch (kind) {
    case 'write-error':
      return { kind, side, once: true, ...(random.chance(0.3) ? { operation: random.pick(ops) } : {}) };
    case 'read-error':
      return { kind, side, once: true };
    case 'busy':
      // Up to 7 busy answers: more than the retry budget (6 attempts) sometimes, so retries can run out.
      return { kind, side, times: random.int(1, 7) };
    case 'latency':
      return { kind, side, once: true, latencyMs: random.int(5, 250) };
    case 'storage-quota':
      return { kind, once: true };
    case 'crash':
      return { kind, once: true, point: random.pick(CRASH_POINTS) };
    case 'corrupt':
      return 'corrupt-and-crash';
  }
}

/** One seed, on its own: nothing is shared between seeds but the SQL engine, so seeds may run in any thread. */
export async function simulateSeed(options: SimulateOptions, seed: number): Promise<SeedResult> {
  const { ops: total, faultRate } = options;
  const random = createRandom(`${options.scenario.id}:${seed}`);
  const walk = random.fork('walk');
  const faultPicks = random.fork('faults');
  const clock = new VirtualClock(SIMULATION_EPOCH_MS);
  const backend = new MemoryBackend();
  // Checkpoint often, so that crashes during checkpoints and snapshot corruption get exercised.
  const scenario: Scenario = { ...options.scenario, settings: { ...options.scenario.settings, checkpointEvery: 25 } };
  const log: string[] = [];
  const driver = new WatchedDriver({
    scenario,
    seed,
    durability: options.durability,
    ...(options.startingRecords ? { startingRecords: options.startingRecords } : {}),
    ports: { sql: withCostModel(options.sql, clock, random.fork('cost')), backend, digest: webCryptoSha256, clock },
    random,
    log: (line) => { log.push(`[${driver.history.ops.length}] ${line}`); if (process.env.SIM_TRACE) console.log(`[${driver.history.ops.length}] ${line}`); },
  });
  const failures: Failure[] = [];
  const careless = options.careless ?? false;
  let rollbacks = 0;
  let phaseMoves = 0;
  let faultsArmed = 0;
  let inconsistentRows = 0;
  /** The verify that set `inconsistentRows`, and where it ran. */
  let lastVerify: { report: ConsistencyReport; step: string } | undefined;

  try {
    await driver.open();
    await driver.seed();

    // One crash at every named point, armed at a random moment of the window where it can fire.
    const windows: Record<CrashPoint, [number, number]> = {
      'before-authoritative': [0, total - 1],
      'between-writes': [Math.floor(total / 6), Math.floor((4 * total) / 6)],
      'after-writes-before-ack': [0, total - 1],
      'mid-backfill-batch': [Math.floor(total / 6), Math.floor(total / 3)],
      'before-persist': [0, total - 1],
      'during-checkpoint': [0, total - 1],
    };
    const scheduled = new Map<number, CrashPoint[]>();
    for (const point of CRASH_POINTS) {
      const [a, b] = windows[point];
      const at = walk.int(Math.max(0, a), Math.max(0, Math.min(total - 1, b)));
      scheduled.set(at, [...(scheduled.get(at) ?? []), point]);
    }
    const moveAt = (k: number): number => Math.floor((k * total) / 6);
    let nextMove = 1;
    let backfillRunning = false;

    const arm = async (spec: FaultSpec | 'corrupt-and-crash'): Promise<void> => {
      faultsArmed++;
      if (spec === 'corrupt-and-crash') {
        const file = faultPicks.pick(scenario.topology === 'shared' ? ['main'] : ['old', 'new']);
        const kind = faultPicks.pick(CORRUPTIONS);
        const done = await corruptNewestSnapshot(backend, 'rehearsal/rehearsal', file, kind, faultPicks);
        log.push(`[${driver.history.ops.length}] corrupt newest snapshot of ${file} (${kind}): ${done ? `generation ${done.generation}` : 'none yet'}`);
        driver.rehearsal.crash();
        await driver.recover('now');
        return;
      }
      driver.rehearsal.faults.add(spec);
      log.push(`[${driver.history.ops.length}] arm ${JSON.stringify(spec)}`);
    };

    for (let i = 0; i < total; i++) {
      // Records no repair can fix: the verdict is in, and more operations would only repeat it.
      if (driver.stop?.kind === 'unconverged') break;
      // Phase walk: forward at fixed points, sometimes rolling back first and coming forward again;
      // not once the walk has stopped (a move failing call after call).
      if (nextMove <= 5 && i >= moveAt(nextMove) && !driver.stop) {
        const phase = driver.rehearsal.phase;
        if (phaseIndex(phase) >= 2 && walk.chance(0.35)) {
          // Back one or two phases, as far as old-only (which throws away the backfill's validity).
          const back = PHASES[Math.max(0, phaseIndex(phase) - walk.int(1, 2))] as Phase;
          const rolled = await driver.rollBack(back, careless);
          if (rolled) rollbacks++;
          for (let j = walk.int(2, 6); j > 0; j--) await driver.invoke(driver.workload.next());
          while (phaseIndex(driver.rehearsal.phase) < phaseIndex(phase)) {
            if (!(await driver.forward({ careless }))) break;
            phaseMoves++;
          }
        }
        if (phaseIndex(driver.rehearsal.phase) === nextMove - 1) {
          if (await driver.forward({ careless })) phaseMoves++;
        }
        nextMove = phaseIndex(driver.rehearsal.phase) + 1;
        if (driver.rehearsal.phase === 'dual-write' && !backfillRunning) {
          // The backfill starts with dual-write and races the live workload, a batch every few operations.
          backfillRunning = true;
          await driver.guarded('start backfill', (r) => r.backfill.start(walk.int(5, 20)));
        }
      }

      // Late in the run, sometimes undo the drop: restore the backup, write, and drop again.
      if (i === Math.floor((11 * total) / 12) && driver.rehearsal.phase === 'old-dropped' && walk.chance(0.5)) {
        if (await driver.rollBack('new-only', careless)) rollbacks++;
        for (let j = walk.int(2, 6); j > 0; j--) await driver.invoke(driver.workload.next());
        if ((driver.rehearsal.phase as Phase) === 'new-only' && (await driver.forward({ careless }))) phaseMoves++;
      }

      for (const point of scheduled.get(i) ?? []) {
        faultsArmed++;
        driver.armCrashUntilFired(point);
      }
      if (walk.chance(faultRate)) await arm(randomFault(faultPicks, scenario));

      if (backfillRunning && i % 3 === 0) {
        const p = await driver.guarded('backfill batch', (r) => r.backfill.step());
        if (p && p.status !== 'running' && p.status !== 'paused') backfillRunning = false;
        if (p?.status === 'running' && walk.chance(0.1)) await driver.guarded('resize backfill', (r) => r.backfill.setBatchSize(walk.int(3, 30)));
      }

      if (walk.chance(0.08)) {
        await driver.invokeConcurrently(Array.from({ length: walk.int(2, 4) }, () => driver.workload.next()));
      } else {
        await driver.invoke(driver.workload.next());
      }
      await clock.sleep(walk.int(5, 60));

      if (driver.rehearsal.phase === 'new-only' && nextMove === 5 && i + 1 >= moveAt(5) && !driver.stop) {
        // Before the drop the operator repairs and verifies; what differs then is what the drop would lose.
        const report = careless ? undefined : await driver.repair();
        if (report) {
          inconsistentRows = report.totals.total - report.totals.consistent;
          lastVerify = { report, step: 'the repair before the drop' };
        }
      }
    }

    // The end: crash, recover, repair, verify, and read everything back.
    driver.rehearsal.crash();
    await driver.recover('now');
    driver.rehearsal.faults.clear();
    if (driver.rehearsal.phase !== 'old-dropped') {
      const report = careless ? await driver.verify() : await driver.repair();
      if (report) {
        inconsistentRows = report.totals.total - report.totals.consistent;
        lastVerify = { report, step: 'final verify' };
      }
    }
    const check = await driver.checkHistory();
    const command = replayCommand(options, seed);
    if (check.lost.length > 0) {
      const first = check.lost[0];
      const where = first ? ` (first: ${first.operation.name} #${first.operation.index} in ${first.operation.phase})` : '';
      failures.push({ seed, step: 'final history check', invariant: 'lost-writes', detail: `${check.lost.length} acknowledged writes are not readable through the ${driver.rehearsal.phase} read path${where}`, command });
    }
    if (check.unexpected.length > 0) {
      const first = check.unexpected[0];
      const step = first && first.where !== 'final' ? `read #${first.where}` : 'final history check';
      failures.push({ seed, step, invariant: 'unexpected-values', detail: `${check.unexpected.length} values no write produced`, command });
    }
    if (check.duplicates.length > 0) failures.push({ seed, step: 'final history check', invariant: 'duplicates', detail: `${check.duplicates.length} records returned twice`, command });
    const stop = driver.stop;
    // The verdict of the repair rounds, counted again on the final repair (operations may have written some records since;
    // if they rewrote every one of them, the count of the rounds that gave up stands): the one count the header, the
    // failure and the list of records share.
    const finalEqual = lastVerify ? equalVersionCount(lastVerify.report) : 0;
    const unconverged = stop?.kind === 'unconverged' ? { count: finalEqual > 0 ? finalEqual : stop.verdict.count, atGiveUp: stop.verdict.count } : undefined;
    if (stop?.kind === 'unconverged' && unconverged) {
      const v = stop.verdict;
      const count = unconverged.count;
      failures.push({
        seed,
        step: `move ${v.move.from} -> ${v.move.to}`,
        invariant: 'unrepairable-divergence',
        detail: `${unconvergedText(count)} (unchanged by ${v.rounds} rounds of backfill, reverse-sync and verify; the move was given up)`,
        command,
      });
    } else if (inconsistentRows > 0) {
      const equal = lastVerify ? equalVersionCount(lastVerify.report) : 0;
      const detail = `${inconsistentRows} records differ between the sides after backfill and reverse-sync${equal > 0 ? `; ${equal} of them with equal versions, which repair cannot change` : ''}`;
      failures.push({ seed, step: lastVerify?.step ?? 'final verify', invariant: 'inconsistent-rows', detail, command });
    } else if (lastVerify?.report.appReads) {
      // The canonical queries agree, but the application reads the sides differently: a wrong
      // normalisation that held the cut-over back (or would have) is a failure of the plan, not a pass.
      const a = lastVerify.report.appReads;
      const unexplained = a.mismatches - a.newerInNew;
      const first = a.first.find((m) => m.newer !== 'new');
      if (unexplained > 0) {
        const example = first ? ` (first: ${first.collection} ${first.key} through ${first.read}${first.fields[0] ? `, ${first.fields[0].field} old ${JSON.stringify(first.fields[0].old)} new ${JSON.stringify(first.fields[0].new)}` : first.onlyIn ? `, only in ${first.onlyIn}` : ''})` : '';
        failures.push({ seed, step: lastVerify.step, invariant: 'application-reads', detail: `${unexplained} records the application's own read returns differently on old and new after backfill and reverse-sync, though the canonical queries agree${example}; the run ended in ${driver.rehearsal.phase}`, command });
      }
    }

    // The records the application reads differently: what a canonical query that agrees with itself hides.
    const appReads = lastVerify ? appReadDiagnostics(lastVerify.report, lastVerify.step) : undefined;
    const diagnose = (h: typeof check): RunDiagnostics => {
      const differences = lastVerify && inconsistentRows > 0 ? differenceDiagnostics(lastVerify.report, lastVerify.step) : undefined;
      return { ...historyDiagnostics(scenario, driver.history.ops, h), ...(differences ? { differences } : {}), ...(appReads ? { appReads } : {}) };
    };
    const ended = endedIn(driver.rehearsal.phase, driver.refusal, stop, unconverged);
    const crashPoints: Record<string, number> = {};
    for (const p of driver.crashes) crashPoints[p] = (crashPoints[p] ?? 0) + 1;
    const run: RunReport = {
      seed,
      operations: check.operations,
      acknowledgedWrites: check.acknowledgedWrites,
      failedWrites: check.failedWrites,
      indeterminateWrites: check.indeterminateWrites,
      lostWrites: check.lost,
      unexpectedReads: check.unexpectedReads + check.unexpected.filter((u) => u.where === 'final').length,
      staleReads: check.staleReads,
      inconsistentRows,
      recovered: check.recovered,
      undecided: check.undecided,
      duplicates: check.duplicates.length,
      crashes: driver.crashes.length,
      crashPoints,
      faultsArmed,
      rollbacks,
      phaseMoves,
      finalPhase: driver.rehearsal.phase,
      snapshotsSkipped: driver.recoveryProblems.filter((p) => p.startsWith('snapshot generation')).length,
      lostAcknowledgements: driver.lostAcks,
      failures,
      ...ended,
      ...(failures.length > 0 ? { diagnostics: diagnose(check), log: log.slice(-400) } : ended.endedIn && appReads ? { diagnostics: { appReads } } : {}),
    };
    return { run, warnings: driver.warnings };
  } catch (error) {
    const e = error as Error;
    const run: RunReport = {
      seed,
      operations: driver.history.ops.length,
      acknowledgedWrites: 0,
      failedWrites: 0,
      indeterminateWrites: 0,
      lostWrites: [],
      unexpectedReads: 0,
      staleReads: 0,
      inconsistentRows: 0,
      recovered: 0,
      undecided: 0,
      duplicates: 0,
      crashes: driver.crashes.length,
      crashPoints: {},
      faultsArmed,
      rollbacks,
      phaseMoves,
      finalPhase: driver.phase ?? 'old-only',
      snapshotsSkipped: driver.recoveryProblems.filter((p) => p.startsWith('snapshot generation')).length,
      lostAcknowledgements: driver.lostAcks,
      failures: [{ seed, step: `operation ${driver.history.ops.length}`, invariant: 'error', detail: `${e.name}: ${e.message}`, command: replayCommand(options, seed) }],
      ...endedIn(driver.phase ?? 'old-only', driver.refusal, driver.stop),
      log: [...log.slice(-400), stackUpToSeed(e)],
    };
    return { run, warnings: driver.warnings };
  }
}

/**
 * An error's stack as far as this seed's own frame: what called the seed (the in-process loop or a
 * worker thread) is left out, so the report is the same bytes however the seeds were run.
 */
function stackUpToSeed(e: Error): string {
  if (typeof e.stack !== 'string') return String(e);
  const lines = e.stack.split('\n');
  const at = lines.findIndex((l) => /\bsimulateSeed\b/.test(l));
  return (at >= 0 ? lines.slice(0, at + 1) : lines).join('\n');
}

/**
 * Why a run ended before `old-dropped`, in data and words; nothing when it reached it. `unconverged`
 * is the count of records differing with equal versions the run's failure reports (the final
 * repair's), and the count when the move was given up, when they differ.
 */
function endedIn(phase: Phase, refusal: Refusal | undefined, stop: Stop | undefined, unconverged?: { readonly count: number; readonly atGiveUp: number }): { endedIn?: EndedIn } {
  if (phase === 'old-dropped') return {};
  const refused = refusal && refusal.from === phase ? { to: refusal.to, times: refusal.times, reasons: refusal.reasons } : undefined;
  const stopped = stop?.kind === 'unconverged' ? 'unrepairable-divergence' : stop?.kind;
  let detail = `ended in ${phase}`;
  if (refused) detail += `: the move to ${refused.to} was refused ${refused.times === 1 ? 'once' : `${refused.times} times`}`;
  else if (stop?.kind === 'stalled' && stop.from === phase) detail += `: the move to ${stop.to} failed ${stop.failedMoves} times (crashes or errors, no refusal)`;
  if (stop?.kind === 'unconverged') {
    const count = unconverged?.count ?? stop.verdict.count;
    const atGiveUp = unconverged?.atGiveUp ?? count;
    detail += `; given up: ${unconvergedText(count)}${atGiveUp !== count ? ` (counted by the final repair; ${atGiveUp} when the move was given up)` : ''}`;
  }
  else if (stop?.kind === 'stalled') detail += `; given up after ${stop.failedMoves} tries, each with its repairs`;
  return { endedIn: { phase, ...(refused ? { refused } : {}), ...(stopped ? { stopped } : {}), detail } };
}
