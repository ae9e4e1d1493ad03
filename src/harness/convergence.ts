/**
 * How a simulation knows when to stop trying: a driver that watches its own repair rounds and
 * refused moves. Backfill and reverse-sync copy a record only when the source's version is newer,
 * and the engine keeps "equal versions mean equal records" (write/statements.ts), so a record that
 * differs between the sides with equal versions is one no repair can fix: the scenario's SQL for
 * one side stores or reads it differently (an upsert that upper-cases, a canonical query that drops
 * a field). The driver's `moveForward` repairs and retries a few times; a walk that called it again
 * after every operation looped for minutes. `WatchedDriver.forward` gives a verdict instead.
 */
import type { ConsistencyReport, Discrepancy } from '../engine/checks/consistency.ts';
import { PHASES, phaseIndex, type Phase } from '../engine/phases.ts';
import type { Rehearsal } from '../engine/rehearsal.ts';
import type { PhaseMove } from '../engine/results.ts';
import { Driver } from './driver.ts';

/** Repair rounds in a row that must find a record differing the same way, with equal versions, before it is called unrepairable. */
export const CONVERGENCE_ROUNDS = 3;

/** Calls of the driver's `moveForward` (each its own attempts, a repair after every refusal) failing in a row before the walk stops trying. */
export const STALLED_MOVES = 3;

/** Records that differ with equal versions, unchanged by several repair rounds. */
export interface Unconverged {
  /** Records of the last repair that differ with equal versions. */
  readonly count: number;
  /** Repair rounds in a row the longest-standing of them resisted. */
  readonly rounds: number;
  /** The verify report of the last repair round. */
  readonly report: ConsistencyReport;
  /** The forward move the run was trying when it gave up. */
  readonly move: { readonly from: Phase; readonly to: Phase };
}

/** A forward move the engine refused, and how many times in a row. */
export interface Refusal {
  readonly from: Phase;
  readonly to: Phase;
  readonly times: number;
  /** The reasons of the last refusal. */
  readonly reasons: readonly string[];
}

/** Why a walk stopped moving forward. */
export type Stop = { readonly kind: 'unconverged'; readonly verdict: Unconverged } | { readonly kind: 'stalled'; readonly from: Phase; readonly to: Phase; readonly failedMoves: number };

/** True for a discrepancy no repair can fix: both sides hold the record, at the same version, with different contents. */
export function equalVersionsDiffer(d: Discrepancy): boolean {
  return d.kind === 'inconsistent' && d.newer === 'unknown';
}

/** Records of a report that differ with equal versions, counted over every record (not only the listed discrepancies). */
export function equalVersionCount(report: ConsistencyReport): number {
  const t = report.totals;
  return t.inconsistent - t.newerInOld - t.newerInNew;
}

/** The verdict's words: "N records differ and repair cannot converge: equal versions, different contents". */
export function unconvergedText(count: number): string {
  return `${count} record${count === 1 ? '' : 's'} differ${count === 1 ? 's' : ''} and repair cannot converge: equal versions, different contents`;
}

/** Follows repair rounds: for each record differing with equal versions, how many rounds in a row found it differing the same way. */
export class ConvergenceWatch {
  #streaks = new Map<string, { readonly signature: string; readonly rounds: number }>();
  #last: ConsistencyReport | undefined;

  /** Takes the verify report of one repair round. */
  observe(report: ConsistencyReport): void {
    const next = new Map<string, { signature: string; rounds: number }>();
    for (const d of report.discrepancies) {
      if (!equalVersionsDiffer(d)) continue;
      const id = `${d.collection}\u0000${d.key}`;
      const signature = JSON.stringify(d.fields);
      const before = this.#streaks.get(id);
      next.set(id, { signature, rounds: before?.signature === signature ? before.rounds + 1 : 1 });
    }
    this.#streaks = next;
    this.#last = report;
  }

  /** The last report observed. */
  get last(): ConsistencyReport | undefined {
    return this.#last;
  }

  /** Rounds the longest-standing record has resisted, when some resisted `CONVERGENCE_ROUNDS` or more. */
  stuckRounds(): number | undefined {
    let most = 0;
    for (const s of this.#streaks.values()) most = Math.max(most, s.rounds);
    return most >= CONVERGENCE_ROUNDS ? most : undefined;
  }
}

/** A forward `PhaseMove` as `guarded` returns it, told apart from the other results it passes through. */
function isForwardMove(value: unknown): value is PhaseMove {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<PhaseMove>;
  return typeof m.ok === 'boolean' && Array.isArray(m.reasons) && Array.isArray(m.hazards) && typeof m.from === 'string' && typeof m.to === 'string' && phaseIndex(m.to) > phaseIndex(m.from);
}

/** A warning a forward move's guard gave (the move was made): `checkGuard`'s `warnings`. */
export interface MoveWarning {
  readonly to: Phase;
  readonly warning: string;
}

/**
 * The driver, watching its repair rounds (every `repair`, including those `moveForward` runs
 * between attempts) and the forward moves the engine refuses. `forward` is `moveForward` with a
 * bound: once records resist `CONVERGENCE_ROUNDS` repairs with equal versions, or
 * `STALLED_MOVES` calls fail in a row, it stops trying and says why (`stop`).
 */
export class WatchedDriver extends Driver {
  readonly convergence = new ConvergenceWatch();
  #refusal: Refusal | undefined;
  readonly #warnings: MoveWarning[] = [];
  #failedMoves = 0;
  #stop: Stop | undefined;

  /** The repair the driver runs, observed. */
  override async repair(between?: () => Promise<void>): Promise<ConsistencyReport | undefined> {
    const report = await super.repair(between);
    if (report) this.convergence.observe(report);
    return report;
  }

  /**
   * The driver's `guarded`, noting every forward move the engine refuses and the warnings of those
   * it makes (the driver's `moveForward` runs its moves through it).
   */
  override async guarded<T>(what: string, fn: (r: Rehearsal) => Promise<T>): Promise<T | undefined> {
    const result = await super.guarded(what, fn);
    if (isForwardMove(result) && result.ok) {
      for (const warning of result.warnings ?? []) {
        if (!this.#warnings.some((w) => w.to === result.to && w.warning === warning)) this.#warnings.push({ to: result.to, warning });
      }
    }
    if (isForwardMove(result) && !result.ok) {
      const same = this.#refusal?.from === result.from && this.#refusal.to === result.to;
      this.#refusal = { from: result.from, to: result.to, times: same ? (this.#refusal?.times ?? 0) + 1 : 1, reasons: [...result.reasons] };
    }
    return result;
  }

  /** The distinct warnings of the forward moves made, in the order first given. */
  get warnings(): readonly MoveWarning[] {
    return this.#warnings;
  }

  /** The last refused forward move, with how many times in a row it was refused. */
  get refusal(): Refusal | undefined {
    return this.#refusal;
  }

  /** Why the walk stopped moving forward, once it has. */
  get stop(): Stop | undefined {
    return this.#stop;
  }

  /** `moveForward`, unless the walk has stopped; a failed call may stop it (see the class). */
  async forward(options: { careless?: boolean } = {}): Promise<PhaseMove | undefined> {
    if (this.#stop) return undefined;
    const from = this.rehearsal.phase;
    const to = PHASES[phaseIndex(from) + 1];
    const move = await this.moveForward(options);
    if (move) {
      this.#failedMoves = 0;
      this.#refusal = undefined;
      return move;
    }
    if (!to) return undefined;
    this.#failedMoves++;
    const rounds = this.convergence.stuckRounds();
    const report = this.convergence.last;
    if (rounds !== undefined && report) {
      this.#stop = { kind: 'unconverged', verdict: { count: equalVersionCount(report), rounds, report, move: { from, to } } };
    } else if (this.#failedMoves >= STALLED_MOVES) {
      this.#stop = { kind: 'stalled', from, to, failedMoves: this.#failedMoves };
    }
    return undefined;
  }
}
