/**
 * Records what the user does in the live rehearsal as a rehearsal plan (format 1, docs/plans.md):
 * phase moves and rollbacks, the workload (the operations it completed, its mix and rate), faults
 * armed and cleared, crashes, backfill and reverse-sync passes, verify and restore. The engine
 * controller tells it what happened, after the engine accepted it: a refused move records nothing.
 *
 * A plan is a sequence, the page is concurrent: the workload's operations are counted as they
 * complete and written as one workload step before the next thing the user does, so a backfill
 * started while the workload runs becomes "workload: n operations", then "backfill". A copy step
 * runs its whole pass on replay (a pause or cancel in the page is not recorded). Default gates are
 * those that held when recorded: no lost acknowledged write after each move, rollback, restore and
 * crash; a clean verify where the page's verify was clean. The user edits them in the exported file.
 */
import { phaseIndex, type ConsistencyReport, type FaultSpec, type MoveOptions, type Phase } from '../../engine/vocabulary.ts';
import type { Plan, Step } from '../../worker/protocol.ts';

/** The gate recorded after a step that changes where data lives: no acknowledged write lost. */
const NO_LOST_WRITES = { lostWrites: { max: 0 } } as const;

/** What the recorder needs to know of the rehearsal when recording starts. */
export interface RecordingStart {
  readonly scenarioId: string;
  readonly phase: Phase;
  /** The scenario's own workload mix (a step's mix is written only when it differs). */
  readonly scenarioMix: Readonly<Record<string, number>>;
  /** The workload as the page runs it now. */
  readonly workload: { readonly running: boolean; readonly opsPerSecond: number; readonly mix: Readonly<Record<string, number>> };
  readonly faults: readonly FaultSpec[];
}

/** The page's recorder of plans. */
export class PlanRecorder {
  #recording = false;
  #scenarioId = '';
  #startPhase: Phase = 'old-only';
  #scenarioMix: Readonly<Record<string, number>> = {};
  #steps: Step[] = [];
  #faults: readonly FaultSpec[] = [];
  /** Workload operations completed since the last step was written. */
  #operations = 0;
  #workload = { running: false, opsPerSecond: 20, mix: {} as Readonly<Record<string, number>> };
  readonly #changed: () => void;

  /** @param changed told after every recorded change (the page re-renders the step count) */
  constructor(changed: () => void = () => undefined) {
    this.#changed = changed;
  }

  get recording(): boolean {
    return this.#recording;
  }

  /** Steps recorded so far (the workload still being counted included). */
  get stepCount(): number {
    return this.#steps.length + (this.#operations > 0 ? 1 : 0);
  }

  /** The phase the recording started in: a plan starts in old-only, so a recording must too. */
  get startPhase(): Phase {
    return this.#startPhase;
  }

  /** Starts a new recording (what was recorded before is dropped). */
  start(at: RecordingStart): void {
    this.#recording = true;
    this.#scenarioId = at.scenarioId;
    this.#startPhase = at.phase;
    this.#scenarioMix = { ...at.scenarioMix };
    this.#steps = [];
    this.#operations = 0;
    this.#workload = { running: at.workload.running, opsPerSecond: at.workload.opsPerSecond, mix: { ...at.workload.mix } };
    this.#faults = [];
    // Faults armed before the recording are part of where it starts: the plan arms them first.
    if (at.faults.length > 0) this.faultsChanged(at.faults);
    this.#changed();
  }

  /** Ends the recording and returns the plan (format 1); null when nothing was recording. */
  stop(title = 'Recorded in the playground'): Plan | null {
    if (!this.#recording) return null;
    this.#flushWorkload();
    this.#recording = false;
    this.#changed();
    return this.plan(title);
  }

  /** The plan as recorded so far. */
  plan(title = 'Recorded in the playground'): Plan {
    const steps = [...this.#steps];
    if (this.#operations > 0) steps.push(this.#workloadStep(this.#operations));
    return { format: 1, title, scenario: this.#scenarioId, steps };
  }

  /** A workload operation completed (ok, failed or not: it ran), during a recording or not. */
  operationCompleted(): void {
    if (!this.#recording || !this.#workload.running) return;
    this.#operations++;
    // Only the first operation of a segment adds a step to the count shown.
    if (this.#operations === 1) this.#changed();
  }

  /** The workload started, stopped, or changed its rate or mix. */
  workloadChanged(workload: { readonly running: boolean; readonly opsPerSecond: number; readonly mix: Readonly<Record<string, number>> }): void {
    if (!this.#recording) return;
    this.#flushWorkload();
    this.#workload = { running: workload.running, opsPerSecond: workload.opsPerSecond, mix: { ...workload.mix } };
  }

  /** A phase move the engine made: forward (through the guards, or forced) or back (a rollback). */
  moved(from: Phase, to: Phase, options: MoveOptions): void {
    if (!this.#recording) return;
    if (phaseIndex(to) > phaseIndex(from)) {
      this.#push({ kind: 'move', to, ...(options.force ? { force: true } : {}), ...(options.acceptDataLoss !== undefined ? { acceptDataLoss: true } : {}), gate: NO_LOST_WRITES });
    } else {
      // The page runs a rollback's remedies as steps of their own (reverse-sync, restore), recorded as such.
      this.#push({ kind: 'rollback', to, remedies: false, ...(options.acceptHazards ? { acceptHazards: true } : {}), gate: NO_LOST_WRITES });
    }
  }

  /** The backup was restored (old-dropped → new-only). */
  restored(): void {
    if (!this.#recording) return;
    this.#push({ kind: 'restore-backup', gate: NO_LOST_WRITES });
  }

  /** A backfill or reverse-sync pass started, in batches of `batchSize`. */
  copyStarted(action: 'backfill' | 'reverse-sync', batchSize: number): void {
    if (!this.#recording) return;
    this.#push({ kind: action, batchSize });
  }

  /** Verify ran: a clean report records the verifyClean gate, one with differences none. */
  verified(report: ConsistencyReport): void {
    if (!this.#recording) return;
    // The engine's isConsistent, which the UI may not import: every record consistent, no key twice, the application's reads agreeing.
    const clean = report.totals.total === report.totals.consistent && report.duplicateKeys === undefined && (report.appReads?.mismatches ?? 0) === 0;
    this.#push(clean ? { kind: 'verify', gate: { verifyClean: true } } : { kind: 'verify' });
  }

  /** The armed faults were replaced by `faults`. */
  faultsChanged(faults: readonly FaultSpec[]): void {
    if (!this.#recording) return;
    const before = this.#faults;
    this.#faults = faults.map((f) => ({ ...f }));
    const key = (f: FaultSpec): string => JSON.stringify(Object.entries(f).sort(([a], [b]) => a.localeCompare(b)));
    const kept = new Set(before.map(key));
    const added = faults.filter((f) => !kept.has(key(f)));
    const removedSome = before.length + added.length > faults.length;
    if (removedSome) {
      this.#push({ kind: 'clear-faults' });
      if (faults.length > 0) this.#push({ kind: 'arm-faults', faults: faults.map(specOnly) });
    } else if (added.length > 0) {
      this.#push({ kind: 'arm-faults', faults: added.map(specOnly) });
    }
  }

  /** Crash now (the page's worker was terminated and a new one recovered). */
  crashed(): void {
    if (!this.#recording) return;
    this.#push({ kind: 'crash', gate: NO_LOST_WRITES });
    // A crash disarms the faults in a plan's replay, as a restarted process forgets them; the page
    // re-arms its own: the recording arms them again.
    const armed = this.#faults;
    this.#faults = [];
    if (armed.length > 0) this.faultsChanged(armed);
  }

  #push(step: Step): void {
    this.#flushWorkload();
    this.#steps.push(step);
    this.#changed();
  }

  /** Writes the operations completed so far as a workload step. */
  #flushWorkload(): void {
    if (this.#operations === 0) return;
    this.#steps.push(this.#workloadStep(this.#operations));
    this.#operations = 0;
  }

  #workloadStep(operations: number): Step {
    const { mix, opsPerSecond } = this.#workload;
    const sameMix = sameWeights(mix, this.#scenarioMix);
    return { kind: 'workload', operations, rate: opsPerSecond, ...(sameMix ? {} : { mix: { ...mix } }) };
  }
}

/** A fault as a plan writes it: what the page keeps of an armed fault, without its id and count. */
function specOnly(f: FaultSpec): FaultSpec {
  const { id: _id, fired: _fired, ...spec } = f as FaultSpec & { id?: number; fired?: number };
  return spec;
}

function sameWeights(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const name of names) if ((a[name] ?? 0) !== (b[name] ?? 0)) return false;
  return true;
}
