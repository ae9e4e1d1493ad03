/** A statement typed in the SQL console that changes data, committed through the journal like any change. */
import { ROUTES } from '../phases.ts';
import { sideExists, type EngineParts } from '../parts.ts';
import { pick, recordKey } from '../records.ts';
import type { Side } from '../scenario/format.ts';
import type { BoundStatement } from '../sql.ts';

/**
 * Commits `sql` to a side, journaled like any change. A dry run (rolled back) finds the records it
 * changes, and their versions are bumped in the same transaction, so equal versions still mean
 * equal records and repair still works. A checkpoint follows at once: the statement may not
 * replay identically (`random()`, `datetime('now')`). Guards ask for a fresh verify. Returns the
 * rows it changed.
 */
export function consoleWrite(parts: EngineParts, side: Side, sql: string): Promise<number> {
  const { lifecycle, control, files, scenario, records, versions, checkpoints } = parts;
  return lifecycle.track(async () => {
    if (side === 'old' && control.phase === 'old-dropped') throw new Error('the old schema is dropped');
    const oldReadOnly = ROUTES[control.phase].oldTables === 'read-only';
    if (side === 'old' && oldReadOnly) throw new Error(`old is read-only in ${control.phase}: writes go to new`);
    await lifecycle.reloadBrokenFiles();
    const file = files.fileOf(side);
    const db = files.db(side);
    // In a shared database one statement can touch either side's tables.
    const sides: Side[] = scenario.topology === 'shared' ? (['old', 'new'] as const).filter((x) => sideExists(parts, x)) : [side];
    const canonical = (): Map<string, Map<string, string>> => {
      const out = new Map<string, Map<string, string>>();
      for (const s of sides) {
        for (const name of Object.keys(scenario.collections)) {
          const c = records.collection(name);
          out.set(`${s}\u0000${name}`, new Map(records.allRecords(db, s, name).map((r) => [recordKey(c, r), JSON.stringify(pick(r, [...c.key, ...c.fields]))])));
        }
      }
      return out;
    };
    db.exec('BEGIN');
    let before: Map<string, Map<string, string>>;
    let after: Map<string, Map<string, string>>;
    try {
      before = canonical();
      db.query(sql);
      after = canonical();
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
    // In a shared database a statement addressed to new can still reach old's tables (seed 001:
    // old is read-only after the write cut-over, whatever side the console names).
    if (oldReadOnly && [...before.keys()].some((id) => id.startsWith('old\u0000') && changed(before.get(id), after.get(id)))) {
      throw new Error(`old is read-only in ${control.phase}: this statement changes old's records; writes go to new`);
    }
    const version = versions.next();
    const bumps: BoundStatement[] = [];
    for (const [id, was] of before) {
      const [s, name] = id.split('\u0000') as [Side, string];
      const now = after.get(id) ?? new Map<string, string>();
      for (const key of new Set([...was.keys(), ...now.keys()])) {
        if (was.get(key) === now.get(key)) continue;
        bumps.push(records.versionStatement(s, name, key, version, !now.has(key)));
      }
    }
    const total = (): number => Number(db.query('SELECT total_changes() AS n')[0]?.n ?? 0);
    const start = total();
    await files.commit(file, [{ sql }, ...bumps]).durable;
    const changes = total() - start - bumps.length;
    await checkpoints.checkpointNow(file);
    await control.markDivergence();
    return Math.max(0, changes);
  });
}

/** Whether two snapshots of one collection's canonical records differ. */
function changed(was: ReadonlyMap<string, string> | undefined, now: ReadonlyMap<string, string> | undefined): boolean {
  if (!was || !now || was.size !== now.size) return was !== now;
  for (const [key, value] of was) if (now.get(key) !== value) return true;
  return false;
}
