/**
 * Guards and rollback plans are pure functions of the control state and a summary of the
 * databases: these tests give them plain values, no database.
 */
import { describe, expect, it } from 'vitest';
import { compareCollections, type CollectionState } from '../../src/engine/checks/consistency.ts';
import { initialControl } from '../../src/engine/control.ts';
import type { ControlState } from '../../src/engine/control-state.ts';
import { checkGuard, planRollback } from '../../src/engine/guards.ts';
import type { VersionInfo } from '../../src/engine/records.ts';
import { resolveSettings, type Collection } from '../../src/engine/scenario/format.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';

const scenario = BUILT_IN_SCENARIOS['job-keys']!;
const settings = resolveSettings(scenario);
const jobs = scenario.collections['jobs'] as Collection;

function control(change: Partial<ControlState>): ControlState {
  return { ...initialControl(scenario, 1), ...change };
}

const cleanVerify = { clean: true, diverged: 0, lostByDrop: 0, divergenceEvents: 0, phase: 'shadow' as const };

/** A report over plain rows: `old` and `new` map job ids to [status, version]. */
function report(old: Record<string, [string, number]>, neu: Record<string, [string, number]>) {
  const rows = (side: Record<string, [string, number]>) =>
    Object.entries(side).map(([job_id, [status]]) => ({ job_id, workspace_id: 'w1', kind: 'k', status, result: '', created_at: 1, updated_at: 1 }));
  const versions = (side: Record<string, [string, number]>) => new Map<string, VersionInfo>(Object.entries(side).map(([id, [, version]]) => [JSON.stringify([id]), { version, deleted: false }]));
  const state: CollectionState = { name: 'jobs', collection: jobs, oldRows: rows(old), newRows: rows(neu), oldVersions: versions(old), newVersions: versions(neu) };
  return compareCollections([state], { old: 'old', new: 'new' });
}

describe('checkGuard', () => {
  it('allows only the next phase, and says which one that is', () => {
    const guard = checkGuard(control({ phase: 'dual-write' }), scenario, settings, 'read-new');
    expect(guard.ok).toBe(false);
    expect(guard.overridable).toBe(false);
    expect(guard.reasons[0]).toContain('the next phase is "shadow"');
  });

  it('refuses read-new without a backfill and a verify, and lets force override it', () => {
    const guard = checkGuard(control({ phase: 'shadow' }), scenario, settings, 'read-new');
    expect(guard.ok).toBe(false);
    expect(guard.overridable).toBe(true);
    expect(guard.reasons.join(' ')).toMatch(/no backfill has completed/);
    expect(guard.reasons.join(' ')).toMatch(/no verify yet/);
  });

  it('allows read-new after a backfill and a clean verify with no divergence since', () => {
    const shadowWindow = { reads: settings.minShadowReads, mismatches: 0, since: 'clean-verify' as const, first: [] };
    const guard = checkGuard(control({ phase: 'shadow', backfillValid: true, lastVerify: cleanVerify, shadowWindow }), scenario, settings, 'read-new');
    expect(guard).toMatchObject({ ok: true, reasons: [] });
  });

  it('asks for a new verify once something may have diverged the sides since the last one', () => {
    const guard = checkGuard(control({ phase: 'shadow', backfillValid: true, lastVerify: cleanVerify, divergenceEvents: 1 }), scenario, settings, 'read-new');
    expect(guard.ok).toBe(false);
    expect(guard.reasons[0]).toMatch(/diverged the sides since the last verify/);
  });

  it('warns, without refusing, that deletes come back through the fallback in new-only', () => {
    const withDeletes = Object.values(scenario.operations).some((op) => op.kind === 'write' && op.effect.type === 'delete');
    const guard = checkGuard(control({ phase: 'read-new', backfillValid: true, lastVerify: cleanVerify }), scenario, settings, 'new-only');
    expect(guard.ok).toBe(true);
    expect(guard.warnings?.length ?? 0).toBe(withDeletes ? 1 : 0);
  });

  it('warns, without refusing, that under best-effort with old authoritative in read-new a failed write to new is read stale until a backfill', () => {
    const ready = control({ phase: 'shadow', backfillValid: true, lastVerify: cleanVerify, shadowWindow: { reads: settings.minShadowReads, mismatches: 0, since: 'clean-verify', first: [] } });
    const warning = /writeAuthorityInReadNew "old", writes go to old first and reads are served by new: under best-effort a write whose new half fails is acknowledged, and reads from new miss it or return the record as it was until a backfill/;
    const bestEffort = { ...scenario, policy: 'best-effort' as const };
    const guard = checkGuard(ready, bestEffort, { ...settings, writeAuthorityInReadNew: 'old' }, 'read-new');
    expect(guard.ok).toBe(true);
    expect(guard.warnings).toEqual([expect.stringMatching(warning)]);
    // Not with new authoritative, nor under a policy that fails the write when new fails.
    expect(checkGuard(ready, bestEffort, { ...settings, writeAuthorityInReadNew: 'new' }, 'read-new').warnings).toBeUndefined();
    expect(checkGuard(ready, { ...scenario, policy: 'compensate' }, { ...settings, writeAuthorityInReadNew: 'old' }, 'read-new').warnings).toBeUndefined();
  });

  it('says when every record that differs has equal versions: repair cannot help, the scenario\'s SQL must change', () => {
    const lastVerify = { ...cleanVerify, clean: false, diverged: 8, divergedEqualVersions: 8, equalVersionExample: 'items ["sku-3"] price_cents old 1998 new 1999' };
    const guard = checkGuard(control({ phase: 'shadow', backfillValid: true, lastVerify }), scenario, settings, 'read-new');
    expect(guard.ok).toBe(false);
    const reason = guard.reasons[0] ?? '';
    expect(reason).toBe(
      'the last verify found 8 records that differ with equal versions (items ["sku-3"] price_cents old 1998 new 1999): backfill and reverse-sync copy a record only from the side with the newer version, so repair cannot change them — the scenario\'s SQL writes or reads them differently on the two sides (an upsert, a write\'s statements or a canonical rows query); fix the scenario\'s SQL, then verify again',
    );
    expect(reason).not.toMatch(/run backfill/);
  });

  it('asks for repair when some records differ by version, and names those with equal versions apart', () => {
    const lastVerify = { ...cleanVerify, clean: false, diverged: 5, divergedEqualVersions: 2, equalVersionExample: 'users ["u-1"] name old "ada" new "ADA"' };
    const guard = checkGuard(control({ phase: 'shadow', backfillValid: true, lastVerify }), scenario, settings, 'read-new');
    expect(guard.reasons[0]).toBe(
      'the last verify found 5 records that differ: run backfill (and reverse-sync), then verify again; 2 of them have equal versions (users ["u-1"] name old "ada" new "ADA"), which repair cannot change: fix the scenario\'s SQL for them',
    );
    const plain = checkGuard(control({ phase: 'shadow', backfillValid: true, lastVerify: { ...cleanVerify, clean: false, diverged: 3 } }), scenario, settings, 'read-new');
    expect(plain.reasons[0]).toBe('the last verify found 3 records that differ: run backfill (and reverse-sync), then verify again');
  });

  it('names the keys a canonical query returned more than once, beside any other reason, never "0 records that differ"', () => {
    const lastVerify = { ...cleanVerify, clean: false, diverged: 0, duplicateKeys: 2, duplicateKeyExample: 'jobs ["job-1"] 2 times in new\'s rows' };
    const alone = checkGuard(control({ phase: 'shadow', backfillValid: true, lastVerify }), scenario, settings, 'read-new');
    expect(alone.reasons[0]).toBe('the last verify found 2 keys a canonical rows query returned more than once (jobs ["job-1"] 2 times in new\'s rows): one record seen as several, as a join fanning out does; fix the query, then verify again');
    expect(alone.reasons.join('\n')).not.toMatch(/0 records/);
    const withDiffs = checkGuard(control({ phase: 'shadow', backfillValid: true, lastVerify: { ...lastVerify, diverged: 1 } }), scenario, settings, 'read-new');
    expect(withDiffs.reasons.slice(0, 2)).toEqual([
      'the last verify found 1 record that differs: run backfill (and reverse-sync), then verify again',
      expect.stringMatching(/^the last verify found 2 keys a canonical rows query returned more than once/),
    ]);
  });

  it('refuses the drop with the count a current verify found, and never lets force override it', () => {
    const guard = checkGuard(control({ phase: 'new-only', backfillValid: true, lastVerify: { ...cleanVerify, clean: false, lostByDrop: 3 } }), scenario, settings, 'old-dropped');
    expect(guard).toMatchObject({ ok: false, recordsLost: 3, overridable: false });
    expect(guard.reasons.join(' ')).toContain('accept losing 3 records');
  });

  it('does not name a count for the drop when the verify is stale', () => {
    const guard = checkGuard(control({ phase: 'new-only', backfillValid: true, lastVerify: { ...cleanVerify, lostByDrop: 3 }, divergenceEvents: 2 }), scenario, settings, 'old-dropped');
    expect(guard.recordsLost).toBeUndefined();
    expect(guard.reasons).toContain('verify again: something may have changed since the last one');
  });
});

describe('planRollback', () => {
  it('refuses a target that is not earlier', () => {
    expect(() => planRollback('shadow', 'read-new', { report: report({}, {}) }, settings)).toThrow(/not an earlier phase/);
  });

  it('blocks a rollback to old reads while new holds writes old lacks, naming reverse-sync', () => {
    const plan = planRollback('new-only', 'shadow', { report: report({ a: ['queued', 1] }, { a: ['done', 5], b: ['queued', 6] }) }, settings);
    expect(plan.blocked).toBe(true);
    expect(plan.hazards[0]).toMatchObject({ kind: 'old-missing-writes', count: 2, severity: 'data', remedy: 'reverse-sync' });
  });

  it('only warns when rolling back to read-new, where new still serves reads and (writeAuthorityInReadNew "new") takes writes first', () => {
    const plan = planRollback('new-only', 'read-new', { report: report({}, { b: ['queued', 6] }) }, { writeAuthorityInReadNew: 'new' });
    expect(plan.blocked).toBe(false);
    expect(plan.hazards[0]).toMatchObject({ kind: 'old-missing-writes', count: 1, severity: 'warning' });
  });

  it('blocks the rollback from new-only to read-new when old takes writes first there again (writeAuthorityInReadNew "old"), naming reverse-sync', () => {
    const plan = planRollback('new-only', 'read-new', { report: report({ a: ['queued', 1] }, { a: ['done', 5], b: ['queued', 6] }) }, { writeAuthorityInReadNew: 'old' });
    expect(plan.blocked).toBe(true);
    expect(plan.hazards).toEqual([
      {
        kind: 'old-missing-writes',
        count: 2,
        severity: 'data',
        remedy: 'reverse-sync',
        message:
          '2 records written since the cut-over exist only in new or are newer there, and old takes writes first again in read-new (writeAuthorityInReadNew "old"): reads are still served by new, but an old-first write to one of them (a partial update) gives old\'s stale record the newest version, and the next backfill copies old\'s record over new\'s — run reverse-sync first',
      },
    ]);
    // Nothing to copy back: nothing blocks it.
    expect(planRollback('new-only', 'read-new', { report: report({ a: ['done', 5] }, { a: ['done', 5] }) }, { writeAuthorityInReadNew: 'old' }).blocked).toBe(false);
  });

  it('warns that new goes stale on the way back to old-only', () => {
    const plan = planRollback('dual-write', 'old-only', { report: report({ a: ['queued', 1], b: ['queued', 1] }, { a: ['queued', 1] }) }, settings);
    expect(plan.blocked).toBe(false);
    expect(plan.hazards).toEqual([expect.objectContaining({ kind: 'new-goes-stale', count: 1, remedy: 'backfill' })]);
  });

  it('from old-dropped, always asks for the backup first and counts what was written since the drop', () => {
    const plan = planRollback('old-dropped', 'new-only', { recordsSinceDrop: 4 }, settings);
    expect(plan.blocked).toBe(true);
    expect(plan.hazards[0]).toMatchObject({ kind: 'old-dropped', count: 4, remedy: 'restore-backup' });
    expect(plan.hazards[0]?.message).toContain('4 records written since the drop');
  });
});
