/** Verify: the consistency checker over both sides, remembered for the guards. */
import {
  compareAppReads,
  compareCollections,
  describeAppReadMismatch,
  isConsistent,
  recordsLostByDrop,
  type AppReadGroup,
  type AppReadState,
  type AppReadsReport,
  type CollectionState,
  type ConsistencyReport,
  valueWords,
} from '../checks/consistency.ts';
import type { VerifySummary } from '../control-state.ts';
import { freshShadowWindow } from '../control.ts';
import { sideExists, type EngineParts } from '../parts.ts';
import { createRandom, type Random } from '../random.ts';
import { recordKey, versionTable } from '../records.ts';
import { sideLabel, type ReadOperation, type Side } from '../scenario/format.ts';
import type { Params, Row } from '../sql.ts';
import { paramsFor } from '../write/statements.ts';

/**
 * Runs the consistency checker and remembers the verdict for the guards. It runs with no write in
 * flight (a dual write caught between its halves is not a divergence), which takes milliseconds.
 * A clean verdict in a phase that compares reads restarts the shadow window of the cut-over gate:
 * what disagreed before it has been repaired, and the gate then counts fresh reads only.
 */
export function verify(parts: EngineParts): Promise<ConsistencyReport> {
  return parts.lifecycle.exclusive(async () => {
    const { control, settings } = parts;
    const events = control.state.divergenceEvents;
    const { report, states } = canonicalStates(parts);
    const appReads = applicationReads(parts, states);
    const full: ConsistencyReport = Object.freeze({ ...report, appReads });
    const clean = isConsistent(full);
    // The example the guards quote: one that new holding a newer version does not explain, if any.
    const example = appReads.first.find((m) => m.newer !== 'new') ?? appReads.first[0];
    // What repair cannot fix, named for the guards: records at equal versions, keys returned twice.
    const t = report.totals;
    const equalVersions = t.inconsistent - t.newerInOld - t.newerInNew;
    const equalExample = report.discrepancies.find((d) => d.kind === 'inconsistent' && d.newer === 'unknown');
    const duplicate = report.duplicateKeys?.[0];
    const summary: VerifySummary = {
      clean,
      diverged: report.totals.total - report.totals.consistent,
      ...(equalVersions > 0 ? { divergedEqualVersions: equalVersions } : {}),
      ...(equalExample ? { equalVersionExample: `${equalExample.collection} ${equalExample.key} ${equalExample.fields.map((f) => `${f.field} old ${valueWords(f.old)} new ${valueWords(f.new)}`).join(', ')}` } : {}),
      ...(report.duplicateKeys ? { duplicateKeys: report.duplicateKeys.length } : {}),
      ...(duplicate ? { duplicateKeyExample: `${duplicate.collection} ${duplicate.key} ${duplicate.count} times in ${duplicate.side}'s rows` } : {}),
      appReadMismatches: appReads.mismatches,
      appReadNewerInNew: appReads.newerInNew,
      ...(example ? { appReadExample: describeAppReadMismatch(example) } : {}),
      lostByDrop: recordsLostByDrop(full),
      divergenceEvents: events,
      phase: control.phase,
    };
    const comparing = control.phase === 'shadow' || (control.phase === 'read-new' && settings.compareInReadNew);
    await control.update({ lastVerify: summary, ...(clean && comparing ? { shadowWindow: freshShadowWindow('clean-verify') } : {}) });
    parts.events.emit({ type: 'verify', report: full });
    return full;
  });
}

/** The two sides compared record by record, through the scenario's canonical queries. */
export function consistencyReport(parts: EngineParts): ConsistencyReport {
  return canonicalStates(parts).report;
}

function canonicalStates(parts: EngineParts): { report: ConsistencyReport; states: CollectionState[] } {
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
  return { report: compareCollections(states, labels), states };
}

/**
 * Reads the records through each collection's `check` read on each side separately (the read's
 * old SQL on old, its new SQL on new: no routing, no fallback, no faults), every record or a
 * seeded sample per collection, each group of records once. The records are those either side's
 * canonical query returned; a group's parameters come from each side's canonical row, so a record
 * whose group columns differ between the sides is read in both groups.
 */
export function applicationReads(parts: EngineParts, states: readonly CollectionState[]): AppReadsReport {
  const { scenario, files, settings } = parts;
  const sides: Side[] = (['old', 'new'] as const).filter((side) => sideExists(parts, side));
  const sample = settings.verifySample > 0 ? settings.verifySample : 'all';
  const out: AppReadState[] = [];
  for (const s of states) {
    const readName = s.collection.check.read;
    const op = scenario.operations[readName] as ReadOperation;
    const rowsByKey = new Map<string, Row[]>();
    for (const row of [...s.oldRows, ...s.newRows]) {
      const key = recordKey(s.collection, row);
      rowsByKey.set(key, [...(rowsByKey.get(key) ?? []), row]);
    }
    const keys = [...rowsByKey.keys()].sort();
    const chosen = sample === 'all' || sample >= keys.length ? keys : sampleKeys(keys, sample, createRandom(parts.seed).fork(`verify-sample/${s.name}/${parts.versions.high}`));
    const groups = new Map<string, Params>();
    for (const key of chosen) {
      for (const row of rowsByKey.get(key) ?? []) {
        const params: Record<string, Row[string]> = {};
        for (const [param, column] of Object.entries(s.collection.check.params)) params[param] = row[column] ?? null;
        const id = JSON.stringify(Object.entries(params).map(([k, v]) => [k, v instanceof Uint8Array ? [...v] : v]));
        if (!groups.has(id)) groups.set(id, params);
      }
    }
    const read: AppReadGroup[] = [];
    if (sides.length === 2) {
      for (const params of groups.values()) {
        const on = (side: Side): Row[] => files.db(side).query(op[side], paramsFor(op[side], params));
        read.push({ params, old: on('old'), new: on('new') });
      }
    }
    out.push({ name: s.name, collection: s.collection, read: readName, groups: read, oldVersions: s.oldVersions, newVersions: s.newVersions });
  }
  return compareAppReads(out, sides, sample);
}

/** `n` of `keys` drawn without replacement, in key order. */
function sampleKeys(keys: readonly string[], n: number, random: Random): string[] {
  const pool = [...keys];
  for (let i = 0; i < n; i++) {
    const j = random.int(i, pool.length - 1);
    [pool[i], pool[j]] = [pool[j] as string, pool[i] as string];
  }
  return pool.slice(0, n).sort();
}

/** How many live records a side holds at versions above `version`. */
export function recordsNewerThan(parts: EngineParts, side: Side, version: number): number {
  const r = parts.files.db(side).query(`SELECT count(*) AS n FROM ${versionTable(side)} WHERE version > :v AND deleted = 0`, { v: version })[0];
  return Number(r?.n ?? 0);
}
