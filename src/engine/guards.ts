/**
 * Guards on forward moves and hazards of rollbacks, as pure functions of the control state and a
 * summary of the databases (a consistency report, a count of versions): no database is touched,
 * so every rule is testable on plain values.
 */
import type { ConsistencyReport } from './checks/consistency.ts';
import type { ControlState } from './control-state.ts';
import { PHASES, ROUTES, phaseIndex, type Phase } from './phases.ts';
import type { GuardCheck, Hazard, RollbackPlan } from './results.ts';
import type { Scenario, ScenarioSettings } from './scenario/format.ts';

/** Why a forward move from the control state's phase to `to` would be refused (empty reasons when allowed). */
export function checkGuard(control: Readonly<ControlState>, scenario: Scenario, settings: Required<ScenarioSettings>, to: Phase): GuardCheck {
  const from = control.phase;
  const reasons: string[] = [];
  if (phaseIndex(to) !== phaseIndex(from) + 1) {
    const next = PHASES[phaseIndex(from) + 1];
    return { to, ok: false, reasons: [next ? `move one phase at a time: the next phase is "${next}"` : `"${from}" is the last phase`], overridable: false };
  }
  const verifyCurrent = control.lastVerify !== null && control.lastVerify.divergenceEvents === control.divergenceEvents;
  if (to === 'read-new' || to === 'new-only') {
    if (!control.backfillValid) {
      reasons.push(
        'no backfill has completed since writes started reaching new: records written before dual-write exist only in old, and reads fall back only when new returns no rows at all (seed 000), so partly migrated reads come back incomplete',
      );
    }
    if (!verifyCurrent) {
      reasons.push(control.lastVerify ? 'something may have diverged the sides since the last verify (a failed second write, a crash or a rollback): run backfill and reverse-sync, then verify' : 'no verify yet: run verify after the backfill');
    } else if (!control.lastVerify?.clean) {
      reasons.push(`the last verify found ${control.lastVerify?.diverged} records that differ: run backfill (and reverse-sync), then verify again`);
    }
    const warnings: string[] = [];
    const deletes = Object.values(scenario.operations).some((op) => op.kind === 'write' && op.effect.type === 'delete');
    if (to === 'new-only' && deletes && !settings.fallbackHidesDeleted) {
      warnings.push(
        'in new-only, reads fall back to read-only old when new has no rows: a record deleted from now on comes back from old until old is dropped (the seeds\' fallback); set settings.fallbackHidesDeleted if the application keeps tombstones',
      );
    }
    return { to, ok: reasons.length === 0, reasons, overridable: true, ...(warnings.length ? { warnings } : {}) };
  }
  if (to === 'old-dropped') {
    if (!control.backfillValid) reasons.push('no backfill has completed since writes started reaching new');
    if (!verifyCurrent) reasons.push('verify again: something may have changed since the last one');
    const lost = control.lastVerify?.lostByDrop ?? 0;
    if (verifyCurrent && lost > 0) reasons.push(`dropping old would lose ${lost} records that exist only in old, are newer there or were deleted there: run backfill, then verify — or accept losing ${lost} records`);
    return { to, ok: reasons.length === 0, reasons, recordsLost: verifyCurrent ? lost : undefined, overridable: false } as GuardCheck;
  }
  return { to, ok: true, reasons, overridable: true };
}

/** What a rollback plan needs to know of the databases. */
export type RollbackFacts =
  /** From `old-dropped`: records new holds that were written after the drop. */
  | { readonly recordsSinceDrop: number }
  /** From any other phase: the consistency of the two sides now. */
  | { readonly report: ConsistencyReport };

/** Throws unless `to` is earlier than `from`. */
export function assertRollback(from: Phase, to: Phase): void {
  if (phaseIndex(to) >= phaseIndex(from)) throw new Error(`cannot roll back from "${from}" to "${to}": it is not an earlier phase`);
}

/** Lists what goes wrong if the rehearsal rolls back from `from` to `to`, with counts and remedies. */
export function planRollback(from: Phase, to: Phase, facts: RollbackFacts): RollbackPlan {
  assertRollback(from, to);
  const hazards: Hazard[] = [];
  if ('recordsSinceDrop' in facts) {
    const sinceDrop = facts.recordsSinceDrop;
    hazards.push({
      kind: 'old-dropped',
      count: sinceDrop,
      severity: 'data',
      message: `the old schema is dropped: restore the backup snapshot first${sinceDrop ? `; ${sinceDrop} records written since the drop exist only in new, so run reverse-sync after restoring` : ''}`,
      remedy: 'restore-backup',
    });
    return Object.freeze({ from, to, hazards: Object.freeze(hazards), blocked: true });
  }
  const { report } = facts;
  // Writes with new authoritative may be missing or stale in old: after the rollback, reads
  // served by old miss them. (Back to read-new, reads are still served by new, with the same
  // fallback to old as in new-only: nothing a reader sees changes.)
  if (phaseIndex(from) >= phaseIndex('read-new')) {
    const count = report.totals.newOnly + report.totals.newerInNew + report.totals.deletedInNew;
    if (count > 0 && ROUTES[to].reads === 'old') {
      hazards.push({
        kind: 'old-missing-writes',
        count,
        severity: 'data',
        message: `${count} records written since the cut-over exist only in new or are newer there: after rollback, reads on the old path miss them — run reverse-sync first`,
        remedy: 'reverse-sync',
      });
    } else if (count > 0) {
      hazards.push({
        kind: 'old-missing-writes',
        count,
        severity: 'warning',
        message: `${count} records written since the cut-over exist only in new or are newer there: reads are still served by new, so nothing is lost yet, but rolling back past read-new would miss them — run reverse-sync before going further`,
        remedy: 'reverse-sync',
      });
    }
  }
  if (to === 'old-only' && phaseIndex(from) >= phaseIndex('dual-write')) {
    const inNew = report.collections.reduce((n, c) => n + c.total - c.oldOnly - c.deletedInNew, 0);
    hazards.push({
      kind: 'new-goes-stale',
      count: inNew,
      severity: 'warning',
      message: `new stops receiving writes: its ${inNew} records go stale with every write, and the backfill must run again before moving forward`,
      remedy: 'backfill',
    });
  }
  const blocked = hazards.some((h) => h.severity === 'data' && h.count > 0);
  return Object.freeze({ from, to, hazards: Object.freeze(hazards), blocked });
}
