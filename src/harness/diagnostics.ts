/**
 * What a failing seed shows of its failures: which record and which field. The history checker
 * says which values no write produced and which acknowledged writes are missing; verify says which
 * records differ between the sides, field by field. Both are computed in every run; this keeps
 * the first few of each, with counts, for the report and the summary. Everything here is a pure
 * function of the history and the reports, in their own order: the same seed gives the same bytes.
 */
import type { ConsistencyReport, DiscrepancyKind, FieldDiff } from '../engine/checks/consistency.ts';
import type { HistoryOp } from '../engine/checks/history.ts';
import type { HistoryReport, LostWrite, UnexpectedValue } from '../engine/checks/history-checker.ts';
import { stateId, type RecordState } from '../engine/checks/model.ts';
import type { Phase } from '../engine/phases.ts';
import type { Collection, Scenario, Side } from '../engine/scenario/format.ts';
import { sqlValuesEqual, sqlValueToJson } from '../engine/sql.ts';
import { equalVersionCount, equalVersionsDiffer } from './convergence.ts';

/** How many records of each kind a seed's report lists (the counts cover all of them). */
export const DIAGNOSTIC_LIMIT = 5;

/** How many allowed states a listed value shows. */
const ALLOWED_SHOWN = 4;

type Json = ReturnType<typeof sqlValueToJson>;

/** A record's fields as JSON, or null for no record. */
export type JsonState = Readonly<Record<string, Json>> | null;

/** One field whose value read is not what the history allows. */
export interface FieldMismatch {
  readonly field: string;
  readonly read: Json;
  /** The values the allowed states hold in this field, distinct, in the order of the states. */
  readonly allowed: readonly Json[];
}

/** A read during the run, as the history numbers it. */
export interface ReadAt {
  readonly index: number;
  readonly operation: string;
  readonly phase: Phase;
}

/** A value read that the history does not allow. */
export interface ValueDiagnostic {
  readonly collection: string;
  readonly key: string;
  /** The read that returned it: one during the run, or the final read-back. */
  readonly where: ReadAt | 'final';
  /** What was read (null: nothing). */
  readonly read: JsonState;
  /** The fields that differ from the closest allowed state; empty when no write made the record or nothing was read. */
  readonly fields: readonly FieldMismatch[];
  /** States the history allows at that read (a few; null: no record). */
  readonly allowed: readonly JsonState[];
}

/** An acknowledged write that cannot be read back. */
export interface LostDiagnostic extends ValueDiagnostic {
  /** The last acknowledged write on the record. */
  readonly operation: { readonly index: number; readonly name: string; readonly phase: string };
}

/** One record that differs between the sides. */
export interface DifferenceDiagnostic {
  readonly collection: string;
  readonly key: string;
  readonly kind: DiscrepancyKind;
  /** Which side holds the newer version; `unknown` with `inconsistent` is equal versions, which no repair changes. */
  readonly newer: Side | 'unknown';
  /** Field by field, for `inconsistent`. */
  readonly fields: readonly FieldDiff[];
  /** The record on the side that has it, for a record only one side has. */
  readonly record?: JsonState;
}

/** Records that differ between the sides, as the last verify found them. */
export interface DifferenceDiagnostics {
  /** Where the report comes from (the final verify, or the repair before the drop). */
  readonly step: string;
  readonly total: number;
  /** Counts per kind, only kinds that occur, in the order of `DiscrepancyKind`. */
  readonly byKind: Readonly<Partial<Record<DiscrepancyKind, number>>>;
  /** Inconsistent records whose versions are equal: no backfill or reverse-sync copies them. */
  readonly equalVersions: number;
  /** Keys a canonical query returned more than once. */
  readonly duplicateKeys?: number;
  readonly first: readonly DifferenceDiagnostic[];
}

/** One record the application's own read (the collection's check read) returns differently on the two sides. */
export interface AppReadDiagnostic {
  readonly collection: string;
  readonly key: string;
  /** The check read, and the parameters of the read that returned the record. */
  readonly read: string;
  readonly params: Readonly<Record<string, Json>>;
  /** Field by field (empty when only one side's read returned the record). */
  readonly fields: readonly FieldDiff[];
  /** The only side whose read returned the record. */
  readonly onlyIn?: Side;
  /** Which side holds the newer version; `unknown` is equal versions (what a copy through a wrong canonical query leaves). */
  readonly newer: Side | 'unknown';
}

/** Records verify read differently through the application's reads, apart from the canonical queries. */
export interface AppReadDiagnostics {
  /** Where the report comes from, as for `differences`. */
  readonly step: string;
  /** Every record whose check read differs between the sides. */
  readonly total: number;
  /** Of those, the ones new holds a newer version of (writes to new alone leave these; new is right). */
  readonly newerInNew: number;
  /** Up to 5: those new does not hold newer first (equal versions, then newer in old), then the rest, each group by collection and key. */
  readonly first: readonly AppReadDiagnostic[];
}

/** What a failing seed lists, each part present only when it has something. */
export interface RunDiagnostics {
  readonly unexpected?: { readonly total: number; readonly first: readonly ValueDiagnostic[] };
  readonly lost?: { readonly total: number; readonly first: readonly LostDiagnostic[] };
  readonly differences?: DifferenceDiagnostics;
  readonly appReads?: AppReadDiagnostics;
}

const toJson = (state: RecordState): JsonState => {
  if (state === null) return null;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(state)) out[k] = sqlValueToJson(v);
  return out;
};

/** The fields of `read` that differ from the closest of `allowed` (fewest differing fields; the first on a tie). */
function mismatches(fields: readonly string[], read: RecordState, allowed: readonly RecordState[]): FieldMismatch[] {
  if (read === null) return [];
  const existing = allowed.filter((s): s is NonNullable<RecordState> => s !== null);
  if (existing.length === 0) return [];
  const differing = (s: NonNullable<RecordState>): string[] => fields.filter((f) => !sqlValuesEqual(read[f] ?? null, s[f] ?? null));
  let closest = differing(existing[0] as NonNullable<RecordState>);
  for (const s of existing.slice(1)) {
    const d = differing(s);
    if (d.length < closest.length) closest = d;
  }
  return closest.map((field) => {
    const values: Json[] = [];
    const seen = new Set<string>();
    for (const s of existing) {
      const v = sqlValueToJson(s[field] ?? null);
      const id = JSON.stringify(v);
      if (!seen.has(id)) {
        seen.add(id);
        values.push(v);
      }
    }
    return { field, read: sqlValueToJson(read[field] ?? null), allowed: values.slice(0, ALLOWED_SHOWN) };
  });
}

/**
 * The diagnostics of one unexpected value, against the states the checker allowed at that read
 * (every order of overlapping writes tried, as it judged the value).
 */
function unexpectedDiagnostic(scenario: Scenario, ops: readonly HistoryOp[], u: UnexpectedValue): ValueDiagnostic {
  const c = scenario.collections[u.collection] as Collection;
  const read = u.where === 'final' ? undefined : ops[u.where];
  const allowed = u.allowed;
  return {
    collection: u.collection,
    key: u.key,
    where: read ? { index: read.index, operation: read.name, phase: read.phase } : 'final',
    read: toJson(u.found),
    fields: mismatches(c.fields, u.found, allowed),
    allowed: allowed.slice(0, ALLOWED_SHOWN).map(toJson),
  };
}

/** The diagnostics of one lost write (the checker gives its expected states). */
function lostDiagnostic(scenario: Scenario, l: LostWrite): LostDiagnostic {
  const c = scenario.collections[l.collection] as Collection;
  return {
    collection: l.collection,
    key: l.key,
    where: 'final',
    read: toJson(l.found),
    fields: mismatches(c.fields, l.found, l.expected),
    allowed: l.expected.slice(0, ALLOWED_SHOWN).map(toJson),
    operation: { index: l.operation.index, name: l.operation.name, phase: l.operation.phase },
  };
}

/** The first few unexpected values (one per record and value read) and lost writes, with counts. */
export function historyDiagnostics(scenario: Scenario, ops: readonly HistoryOp[], check: HistoryReport): Pick<RunDiagnostics, 'unexpected' | 'lost'> {
  const out: { unexpected?: RunDiagnostics['unexpected']; lost?: RunDiagnostics['lost'] } = {};
  if (check.unexpected.length > 0) {
    const shown = new Set<string>();
    const first: ValueDiagnostic[] = [];
    for (const u of check.unexpected) {
      if (first.length >= DIAGNOSTIC_LIMIT) break;
      const id = `${u.collection}\u0000${u.key}\u0000${stateId(u.found)}`;
      if (shown.has(id)) continue;
      shown.add(id);
      first.push(unexpectedDiagnostic(scenario, ops, u));
    }
    out.unexpected = { total: check.unexpected.length, first };
  }
  if (check.lost.length > 0) out.lost = { total: check.lost.length, first: check.lost.slice(0, DIAGNOSTIC_LIMIT).map((l) => lostDiagnostic(scenario, l)) };
  return out;
}

const KINDS: readonly [DiscrepancyKind, keyof ConsistencyReport['totals']][] = [
  ['inconsistent', 'inconsistent'],
  ['old-only', 'oldOnly'],
  ['new-only', 'newOnly'],
  ['deleted-in-new', 'deletedInNew'],
  ['deleted-in-old', 'deletedInOld'],
];

/** The records a verify found differing: counts per kind and the first few, field by field; undefined when it found none. */
export function differenceDiagnostics(report: ConsistencyReport, step: string): DifferenceDiagnostics | undefined {
  if (report.discrepancyCount === 0 && report.duplicateKeys === undefined) return undefined;
  const byKind: Partial<Record<DiscrepancyKind, number>> = {};
  for (const [kind, total] of KINDS) if (report.totals[total] > 0) byKind[kind] = report.totals[total];
  // Records no repair changes first: they are the ones that say what is wrong with the scenario.
  const ordered = [...report.discrepancies.filter(equalVersionsDiffer), ...report.discrepancies.filter((d) => !equalVersionsDiffer(d))];
  return {
    step,
    total: report.discrepancyCount,
    byKind,
    equalVersions: equalVersionCount(report),
    ...(report.duplicateKeys ? { duplicateKeys: report.duplicateKeys.length } : {}),
    first: ordered.slice(0, DIAGNOSTIC_LIMIT).map((d) => ({
      collection: d.collection,
      key: d.key,
      kind: d.kind,
      newer: d.newer,
      fields: d.fields,
      ...(d.kind === 'inconsistent' ? {} : { record: d.old ?? d.new }),
    })),
  };
}

const NEWER_ORDER: Readonly<Record<Side | 'unknown', number>> = { unknown: 0, old: 1, new: 2 };

/**
 * The records a verify read differently through the collections' check reads (the application's
 * own reads, which the canonical queries may not agree with): the total and the first few; undefined
 * when it read none differently or made no such reads.
 */
export function appReadDiagnostics(report: ConsistencyReport, step: string): AppReadDiagnostics | undefined {
  const a = report.appReads;
  if (!a || a.mismatches === 0) return undefined;
  // What repair does not explain first: equal versions, then old newer; new newer is what new-only writes leave.
  const ordered = a.first.map((m, i) => ({ m, i })).sort((x, y) => NEWER_ORDER[x.m.newer] - NEWER_ORDER[y.m.newer] || x.i - y.i);
  return {
    step,
    total: a.mismatches,
    newerInNew: a.newerInNew,
    first: ordered.slice(0, DIAGNOSTIC_LIMIT).map(({ m }) => ({
      collection: m.collection,
      key: m.key,
      read: m.read,
      params: m.params,
      fields: m.fields,
      ...(m.onlyIn ? { onlyIn: m.onlyIn } : {}),
      newer: m.newer,
    })),
  };
}
