/** Verify: the consistency checker over both sides, remembered for the guards. */
import { compareCollections, isConsistent, recordsLostByDrop, type CollectionState, type ConsistencyReport } from '../checks/consistency.ts';
import type { VerifySummary } from '../control-state.ts';
import { sideExists, type EngineParts } from '../parts.ts';
import { versionTable } from '../records.ts';
import { sideLabel, type Side } from '../scenario/format.ts';

/**
 * Runs the consistency checker and remembers the verdict for the guards. It runs with no write in
 * flight (a dual write caught between its halves is not a divergence), which takes milliseconds.
 */
export function verify(parts: EngineParts): Promise<ConsistencyReport> {
  return parts.lifecycle.exclusive(async () => {
    const { control } = parts;
    const events = control.state.divergenceEvents;
    const report = consistencyReport(parts);
    const summary: VerifySummary = { clean: isConsistent(report), diverged: report.totals.total - report.totals.consistent, lostByDrop: recordsLostByDrop(report), divergenceEvents: events, phase: control.phase };
    await control.update({ lastVerify: summary });
    parts.events.emit({ type: 'verify', report });
    return report;
  });
}

/** The two sides compared record by record, through the scenario's canonical queries. */
export function consistencyReport(parts: EngineParts): ConsistencyReport {
  const { scenario, records, files } = parts;
  const labels = { old: sideLabel(scenario, 'old'), new: sideLabel(scenario, 'new') };
  const oldExists = sideExists(parts, 'old');
  const states: CollectionState[] = Object.keys(scenario.collections).map((name) => ({
    name,
    collection: records.collection(name),
    oldRows: oldExists ? records.allRecords(files.db('old'), 'old', name) : [],
    newRows: records.allRecords(files.db('new'), 'new', name),
    oldVersions: oldExists ? records.allVersions(files.db('old'), 'old', name) : new Map(),
    newVersions: records.allVersions(files.db('new'), 'new', name),
  }));
  return compareCollections(states, labels);
}

/** How many live records a side holds at versions above `version`. */
export function recordsNewerThan(parts: EngineParts, side: Side, version: number): number {
  const r = parts.files.db(side).query(`SELECT count(*) AS n FROM ${versionTable(side)} WHERE version > :v AND deleted = 0`, { v: version })[0];
  return Number(r?.n ?? 0);
}
