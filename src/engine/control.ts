/**
 * The control state as the engine keeps it: the phase and what guards remember, stored as meta
 * beside the databases. Phase moves store first and change memory after; everything else changes
 * memory first and is stored leniently (a refusal keeps it in memory, stored with the next change),
 * because the databases already agree with it.
 */
import type { CopyAction } from './actions/copier.ts';
import type { ControlState, ShadowNote, ShadowWindow } from './control-state.ts';
import type { DurableStore } from './durability/durable-store.ts';
import { StorageError } from './durability/types.ts';
import type { EventBus } from './event-bus.ts';
import { phaseIndex, type Phase } from './phases.ts';
import type { Scenario } from './scenario/format.ts';

/** The meta key of the control state. */
export const CONTROL_META = 'control';

/** The control state of a rehearsal that was never opened. */
export function initialControl(scenario: Scenario, opens: number): ControlState {
  return {
    format: 1,
    scenarioId: scenario.id,
    phase: 'old-only',
    opens,
    openNow: true,
    divergenceEvents: 0,
    lastVerify: null,
    backfillValid: false,
    backups: [],
    droppedAtVersion: null,
    forcedMoves: 0,
    shadowWindow: null,
  };
}

/** How many mismatches a shadow window keeps for the guard's message. */
export const SHADOW_NOTES_KEPT = 3;

/** A shadow window that starts now. */
export function freshShadowWindow(since: ShadowWindow['since']): ShadowWindow {
  return { reads: 0, mismatches: 0, since, first: [] };
}

/** A deep copy, safe to hand out. */
export function copyControl(c: Readonly<ControlState>): ControlState {
  const w = c.shadowWindow ?? null;
  return { ...c, backups: [...c.backups], lastVerify: c.lastVerify ? { ...c.lastVerify } : null, shadowWindow: w ? { ...w, first: [...w.first] } : null };
}

/** Holds the control state and stores it. */
export class Control {
  #state: ControlState;

  constructor(
    state: ControlState,
    private readonly store: DurableStore,
    private readonly events: EventBus,
  ) {
    this.#state = state;
  }

  /** The current state (read it, never keep it: it is replaced on every change). */
  get state(): Readonly<ControlState> {
    return this.#state;
  }

  /** The current phase. */
  get phase(): Phase {
    return this.#state.phase;
  }

  /** Stores `next`, and only then makes it current: a refused store leaves the phase as it was. */
  async replace(next: ControlState): Promise<void> {
    await this.store.writeMeta(CONTROL_META, next);
    this.#state = next;
  }

  /** Changes the state in memory, then stores it leniently. */
  async update(change: Partial<ControlState>): Promise<void> {
    this.#state = { ...this.#state, ...change };
    await this.persistLeniently();
  }

  /** Something may have diverged the sides: the last verify no longer counts for the guards. */
  markDivergence(): Promise<void> {
    return this.update({ divergenceEvents: this.#state.divergenceEvents + 1 });
  }

  /**
   * One shadow comparison: `mismatch` is null when the sides agreed. Stored before the read
   * answers, so a crash cannot forget a disagreement the caller saw. A window that never started
   * (a state stored by an older build) starts here.
   */
  recordShadowRead(mismatch: ShadowNote | null): Promise<void> {
    const w = this.#state.shadowWindow ?? freshShadowWindow('shadow');
    const first = mismatch && w.first.length < SHADOW_NOTES_KEPT ? [...w.first, mismatch] : w.first;
    return this.update({ shadowWindow: { ...w, reads: w.reads + 1, mismatches: w.mismatches + (mismatch ? 1 : 0), first } });
  }

  /** A completed backfill pass counts for the guards when it ran while writes reached new. */
  async recordPassDone(action: CopyAction, startedInPhase: Phase | null): Promise<void> {
    if (action !== 'backfill') return;
    const reachesNew = startedInPhase !== null && phaseIndex(startedInPhase) >= phaseIndex('dual-write') && this.#state.phase !== 'old-only';
    if (reachesNew && !this.#state.backfillValid) await this.update({ backfillValid: true });
  }

  /** Stores the state as closed cleanly (the next open is not a recovery from a crash). */
  storeClosed(): Promise<void> {
    return this.store.writeMeta(CONTROL_META, { ...this.#state, openNow: false });
  }

  /** Stores the state; when storage refuses, keeps it in memory and says so. */
  async persistLeniently(): Promise<void> {
    if (this.store.readOnly) return;
    try {
      await this.store.writeMeta(CONTROL_META, this.#state);
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      this.events.emit({ type: 'storage-failure', message: `control state not stored (${e.message}); it is stored with the next change`, reloaded: [] });
    }
  }
}
