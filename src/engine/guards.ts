/**
 * Guards on forward moves and hazards of rollbacks, as pure functions of the control state and a
 * summary of the databases (a consistency report, a count of versions): no database is touched,
 * so every rule is testable on plain values.
 */
import { valueWords, type ConsistencyReport } from './checks/consistency.ts';
import type { ControlState, ShadowNote } from './control-state.ts';
import { PHASES, ROUTES, phaseIndex, routeOf, type Phase } from './phases.ts';
import type { GuardCheck, Hazard, RollbackPlan, ShadowGate } from './results.ts';
import type { Scenario, ScenarioSettings, Side } from './scenario/format.ts';

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
      reasons.push(...uncleanVerifyReasons(control));
    }
    const shadow = shadowGate(control, settings, to);
    reasons.push(...shadowReasons(shadow));
    const warnings: string[] = [];
    if (to === 'read-new' && settings.writeAuthorityInReadNew === 'old' && scenario.policy === 'best-effort') {
      warnings.push(
        'in read-new with writeAuthorityInReadNew "old", writes go to old first and reads are served by new: under best-effort a write whose new half fails is acknowledged, and reads from new miss it or return the record as it was until a backfill copies it; run backfill after failed writes (set settings.compareInReadNew to see the lag as shadow mismatches)',
      );
    }
    const deletes = Object.values(scenario.operations).some((op) => op.kind === 'write' && op.effect.type === 'delete');
    if (to === 'new-only' && deletes && !settings.fallbackHidesDeleted) {
      warnings.push(
        'in new-only, reads fall back to read-only old when new has no rows: a record deleted from now on comes back from old until old is dropped (the seeds\' fallback); set settings.fallbackHidesDeleted if the application keeps tombstones',
      );
    }
    return { to, ok: reasons.length === 0, reasons, overridable: true, shadow, ...(warnings.length ? { warnings } : {}) };
  }
  if (to === 'old-dropped') {
    if (!control.backfillValid) reasons.push('no backfill has completed since writes started reaching new');
    if (!verifyCurrent) reasons.push('verify again: something may have changed since the last one');
    const lost = control.lastVerify?.lostByDrop ?? 0;
    if (verifyCurrent && lost > 0) reasons.push(`dropping old would lose ${lost} records that exist only in old, are newer there or were deleted there: run backfill, then verify — or accept losing ${lost} records`);
    // What the application reads differently, and what shadow reads saw, is not counted as records
    // lost, so force (not an accepted loss) overrides it when it is the only reason.
    const hard = reasons.length;
    // Differences new holds newer versions of are what writes to new alone leave: not the drop's concern.
    if (verifyCurrent && control.lastVerify) reasons.push(...appReadReasons(control.lastVerify, (control.lastVerify.appReadMismatches ?? 0) - (control.lastVerify.appReadNewerInNew ?? 0)));
    const shadow = shadowGate(control, settings, to);
    reasons.push(...shadowReasons(shadow));
    return { to, ok: reasons.length === 0, reasons, recordsLost: verifyCurrent ? lost : undefined, overridable: hard === 0, shadow } as GuardCheck;
  }
  return { to, ok: true, reasons, overridable: true };
}

/** Why an unclean current verify refuses the move: canonical differences, application reads, duplicate keys. */
function uncleanVerifyReasons(control: Readonly<ControlState>): string[] {
  const v = control.lastVerify;
  if (!v) return [];
  const out: string[] = [];
  const equal = v.divergedEqualVersions ?? 0;
  const example = v.equalVersionExample ? ` (${v.equalVersionExample})` : '';
  const records = (n: number): string => (n === 1 ? '1 record that differs' : `${n} records that differ`);
  if (v.diverged > 0 && equal >= v.diverged) {
    // Backfill and reverse-sync copy only from the newer side: nothing they run changes these.
    out.push(
      `the last verify found ${records(v.diverged)} with equal versions${example}: backfill and reverse-sync copy a record only from the side with the newer version, so repair cannot change ${v.diverged === 1 ? 'it' : 'them'} — the scenario's SQL writes or reads ${v.diverged === 1 ? 'it' : 'them'} differently on the two sides (an upsert, a write's statements or a canonical rows query); fix the scenario's SQL, then verify again`,
    );
  } else if (v.diverged > 0) {
    out.push(
      `the last verify found ${records(v.diverged)}: run backfill (and reverse-sync), then verify again${equal > 0 ? `; ${equal} of them ${equal === 1 ? 'has' : 'have'} equal versions${example}, which repair cannot change: fix the scenario's SQL for ${equal === 1 ? 'it' : 'them'}` : ''}`,
    );
  }
  out.push(...appReadReasons(v));
  const dups = v.duplicateKeys ?? 0;
  if (dups > 0) {
    out.push(
      `the last verify found ${dups} ${dups === 1 ? 'key' : 'keys'} a canonical rows query returned more than once${v.duplicateKeyExample ? ` (${v.duplicateKeyExample})` : ''}: one record seen as several, as a join fanning out does; fix the query, then verify again`,
    );
  }
  if (out.length === 0) out.push('the last verify was not clean: a canonical rows query returned a key more than once (a join fanning out); fix the query, then verify again');
  return out;
}

/** What the application's reads returned differently (`n` of the records), as a reason. */
function appReadReasons(v: NonNullable<ControlState['lastVerify']>, n = v.appReadMismatches ?? 0): string[] {
  if (n === 0) return [];
  return [
    `the last verify found ${n} ${n === 1 ? 'record' : 'records'} the application's own read returns differently on old and new${v.appReadExample ? ` (${v.appReadExample})` : ''}: the canonical rows queries may hide it — a canonical query that normalises differently from the read makes backfill copy the damage and verify call the sides consistent; fix the scenario's SQL, repair, then verify again`,
  ];
}

/** The shadow-read gate of a move to `to` (read-new, new-only, old-dropped) from the control state. */
export function shadowGate(control: Readonly<ControlState>, settings: Required<ScenarioSettings>, to: Phase): ShadowGate {
  const w = control.shadowWindow ?? null;
  const reads = w?.reads ?? 0;
  const mismatches = w?.mismatches ?? 0;
  const rate = reads === 0 ? 0 : mismatches / reads;
  // The reads are gathered in shadow: later moves ask only that what was compared stays within the limit.
  const needed = to === 'read-new' ? settings.minShadowReads : 0;
  return {
    reads,
    mismatches,
    rate,
    minReads: needed,
    limit: settings.shadowMismatchLimit,
    since: w?.since ?? null,
    enoughReads: reads >= needed,
    withinLimit: rate <= settings.shadowMismatchLimit,
    first: w?.first ?? [],
  };
}

/** The gate's reasons: too few shadow reads, or too many that disagreed (with the first diffs). */
function shadowReasons(g: ShadowGate): string[] {
  const out: string[] = [];
  const since = g.since === 'clean-verify' ? 'since the last clean verify' : 'since entering shadow';
  if (!g.enoughReads) {
    out.push(
      `${g.reads} shadow ${g.reads === 1 ? 'read' : 'reads'} ${since}; ${g.minReads} are needed before reads move to new (settings.minShadowReads): run reads in shadow, which compare both sides — or move anyway (force)`,
    );
  }
  if (!g.withinLimit) {
    const notes = g.first.map(describeShadowNote).join('; ');
    out.push(
      `shadow reads disagreed ${g.mismatches} ${g.mismatches === 1 ? 'time' : 'times'} in ${g.reads} ${since} (${percent(g.rate)}; the limit is ${percent(g.limit)}): ${notes}${g.mismatches > g.first.length ? '; …' : ''} — repair and verify (a clean verify restarts the count), fix the scenario's SQL if they persist, or move anyway (force)`,
    );
  }
  return out;
}

const percent = (rate: number): string => `${Number((rate * 100).toFixed(1))}%`;

/** One shadow mismatch in words: `getItem {"sku":"A-1"} price_cents old 1999 new 1998`. */
export function describeShadowNote(n: ShadowNote): string {
  const diffs = n.diffs.map((d) => {
    switch (d.kind) {
      case 'changed':
        return `${d.key} ${d.fields.map((f) => `${f.field} old ${valueWords(f.old)} new ${valueWords(f.new)}`).join(', ')}`;
      case 'only-in':
        return `${d.key} only in ${d.side ?? '?'}`;
      case 'order':
        return 'the rows come in another order';
    }
  });
  const more = n.diffCount > n.diffs.length ? ` (+${n.diffCount - n.diffs.length} more)` : '';
  // Parameters as JSON, a NULL as NULL: values read the same as in the diffs.
  const params = `{${Object.entries(n.params)
    .map(([k, x]) => `${JSON.stringify(k)}:${valueWords(x)}`)
    .join(',')}}`;
  return `${n.operation} ${params} ${diffs.join(', ')}${more}`;
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

/**
 * Lists what goes wrong if the rehearsal rolls back from `from` to `to`, with counts and remedies.
 * `settings` routes both phases (`writeAuthorityInReadNew` decides who takes writes first in read-new).
 */
export function planRollback(from: Phase, to: Phase, facts: RollbackFacts, settings: { readonly writeAuthorityInReadNew: Side }): RollbackPlan {
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
  // Writes with new authoritative may be missing or stale in old. Two rollbacks make that a loss:
  // one to a phase whose reads old serves (readers miss them at once), and one that hands write
  // authority back to old while new still serves reads — new-only back to read-new with
  // writeAuthorityInReadNew "old": an old-first write to a record old holds stale (a partial
  // update) gives old the newest version, and the next backfill, which copies whichever side is
  // newer, writes old's record over new's. Back to read-new with new keeping authority (the
  // default), readers and writers see nothing change until a later rollback: a warning.
  if (phaseIndex(from) >= phaseIndex('read-new')) {
    const count = report.totals.newOnly + report.totals.newerInNew + report.totals.deletedInNew;
    const oldServes = ROUTES[to].reads === 'old';
    const oldWritesFirstAgain = routeOf(from, settings).writes[0] === 'new' && routeOf(to, settings).writes[0] === 'old';
    if (count > 0 && oldServes) {
      hazards.push({
        kind: 'old-missing-writes',
        count,
        severity: 'data',
        message: `${count} records written since the cut-over exist only in new or are newer there: after rollback, reads on the old path miss them — run reverse-sync first`,
        remedy: 'reverse-sync',
      });
    } else if (count > 0 && oldWritesFirstAgain) {
      hazards.push({
        kind: 'old-missing-writes',
        count,
        severity: 'data',
        message: `${count} records written since the cut-over exist only in new or are newer there, and old takes writes first again in ${to} (writeAuthorityInReadNew "old"): reads are still served by new, but an old-first write to one of them (a partial update) gives old's stale record the newest version, and the next backfill copies old's record over new's — run reverse-sync first`,
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
