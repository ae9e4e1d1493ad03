/** Phase moves: forward one phase at a time through the guards, or back to any earlier phase through the hazards. */
import type { ControlState, MoveOptions } from '../control-state.ts';
import { freshShadowWindow } from '../control.ts';
import { ReadOnlyError, StorageError } from '../durability/types.ts';
import { assertRollback, checkGuard, planRollback, type RollbackFacts } from '../guards.ts';
import type { EngineParts } from '../parts.ts';
import { phaseIndex, type Phase } from '../phases.ts';
import type { PhaseMove, RollbackPlan } from '../results.ts';
import type { CopyControl } from './copy-control.ts';
import { dropOld } from './drop.ts';
import { consistencyReport, recordsNewerThan } from './verify.ts';

/** The copy passes a rollback to old-only cancels. */
export interface CopyPasses {
  readonly backfill: CopyControl;
  readonly reverseSync: CopyControl;
}

/** Moves to the next phase (guards apply) or back to an earlier one (hazards apply). A storage refusal is data. */
export async function movePhase(parts: EngineParts, copies: CopyPasses, to: Phase, options: MoveOptions = {}): Promise<PhaseMove> {
  try {
    return await parts.lifecycle.exclusive(() => moveInside(parts, copies, to, options));
  } catch (e) {
    if (!(e instanceof StorageError)) throw e;
    await parts.lifecycle.reloadBrokenFiles();
    const reason = e instanceof ReadOnlyError ? e.message : `storage refused the change (${e.message}); the phase is still "${parts.control.phase}"`;
    return Object.freeze({ ok: false, from: parts.control.phase, to, reasons: [reason], hazards: [] });
  }
}

/** The rollback plan from the current phase to `to`, over a quiescent snapshot of the databases. */
export function rollbackPlan(parts: EngineParts, to: Phase): Promise<RollbackPlan> {
  return parts.lifecycle.exclusive(async () => planRollbackNow(parts, to));
}

/** The facts a rollback plan needs, read from the databases now. */
function planRollbackNow(parts: EngineParts, to: Phase): RollbackPlan {
  const from = parts.control.phase;
  assertRollback(from, to);
  const facts: RollbackFacts = from === 'old-dropped' ? { recordsSinceDrop: recordsNewerThan(parts, 'new', parts.control.state.droppedAtVersion ?? 0) } : { report: consistencyReport(parts) };
  return planRollback(from, to, facts, parts.settings);
}

async function moveInside(parts: EngineParts, copies: CopyPasses, to: Phase, options: MoveOptions): Promise<PhaseMove> {
  const { control, events, scenario, settings } = parts;
  const from = control.phase;
  if (to === from) return Object.freeze({ ok: true, from, to, reasons: [], hazards: [] });
  if (phaseIndex(to) > phaseIndex(from)) {
    const guard = checkGuard(control.state, scenario, settings, to);
    const forced = !guard.ok && guard.overridable && options.force === true;
    // The loss is accepted only as the count a current verify found: no blind drop.
    const acceptedLoss = !guard.ok && to === 'old-dropped' && guard.recordsLost !== undefined && options.acceptDataLoss === guard.recordsLost;
    const shadow = guard.shadow ? { shadow: guard.shadow } : {};
    if (!guard.ok && !forced && !acceptedLoss) return Object.freeze({ ok: false, from, to, reasons: guard.reasons, hazards: [], ...shadow });
    if (to === 'old-dropped') await dropOld(parts);
    else await setPhase(parts, to, forced);
    events.emit({ type: 'phase', from, to, how: 'forward', forced: forced || acceptedLoss });
    return Object.freeze({ ok: true, from, to, reasons: guard.ok ? [] : guard.reasons, hazards: [], ...(guard.warnings ? { warnings: guard.warnings } : {}), ...shadow });
  }
  const plan = planRollbackNow(parts, to);
  if (from === 'old-dropped') return Object.freeze({ ok: false, from, to, reasons: ['the old schema is dropped: restore the backup first (restoreBackup)'], hazards: plan.hazards });
  if (plan.blocked && !options.acceptHazards) {
    return Object.freeze({ ok: false, from, to, reasons: plan.hazards.filter((h) => h.severity === 'data').map((h) => h.message), hazards: plan.hazards });
  }
  await setPhase(parts, to, false, { divergenceEvents: control.state.divergenceEvents + 1, ...(to === 'old-only' ? { backfillValid: false } : {}) });
  if (to === 'old-only') {
    // New stops receiving writes: a pass under way would miss every write behind its cursor.
    for (const copy of [copies.backfill, copies.reverseSync]) {
      const status = copy.progress().status;
      if (status === 'running' || status === 'paused') await copy.cancelInside();
    }
  }
  events.emit({ type: 'phase', from, to, how: 'rollback', forced: plan.blocked });
  return Object.freeze({ ok: true, from, to, reasons: [], hazards: plan.hazards });
}

/**
 * Stores the new phase (and other control changes) first; memory changes only once it is stored.
 * Entering shadow, from either side, starts the shadow window of the cut-over gate; phases before
 * it make no comparisons and keep none.
 */
function setPhase(parts: EngineParts, to: Phase, forced: boolean, also: Partial<ControlState> = {}): Promise<void> {
  const current = parts.control.state;
  const window = to === 'shadow' ? { shadowWindow: freshShadowWindow('shadow') } : phaseIndex(to) < phaseIndex('shadow') ? { shadowWindow: null } : {};
  return parts.control.replace({ ...current, ...also, ...window, phase: to, forcedMoves: current.forcedMoves + (forced ? 1 : 0) });
}
