/**
 * The consistency checker (seed 003's report, generalised): both sides' canonical records,
 * compared field by field, with versions telling a deleted record from a missing one and which
 * side is newer.
 */
import { recordKey, type VersionInfo } from '../records.ts';
import type { Collection, Side } from '../scenario/format.ts';
import { sqlValueToJson, sqlValuesEqual, type Params, type Row } from '../sql.ts';

/** A field that differs between the sides. */
export interface FieldDiff {
  readonly field: string;
  readonly old: ReturnType<typeof sqlValueToJson>;
  readonly new: ReturnType<typeof sqlValueToJson>;
}

/** How one record differs. */
export type DiscrepancyKind = 'inconsistent' | 'old-only' | 'new-only' | 'deleted-in-new' | 'deleted-in-old';

/** One record that is not the same on both sides. */
export interface Discrepancy {
  readonly collection: string;
  /** The record's key as JSON (`["SPEC-1","plan"]`). */
  readonly key: string;
  readonly kind: DiscrepancyKind;
  /** Field-level differences, for `inconsistent`. */
  readonly fields: readonly FieldDiff[];
  /** Which side holds the newer version, when versions tell. */
  readonly newer: Side | 'unknown';
  readonly old: Readonly<Record<string, ReturnType<typeof sqlValueToJson>>> | null;
  readonly new: Readonly<Record<string, ReturnType<typeof sqlValueToJson>>> | null;
}

/** Counts for one collection. */
export interface CollectionCounts {
  readonly collection: string;
  /** Records on either side. */
  readonly total: number;
  readonly consistent: number;
  readonly inconsistent: number;
  /** In old only, not explained by a newer delete in new. */
  readonly oldOnly: number;
  /** In new only, not explained by a newer delete in old. */
  readonly newOnly: number;
  /** In old only because new deleted it later (pending propagation, not a loss). */
  readonly deletedInNew: number;
  /** In new only because old deleted it later. */
  readonly deletedInOld: number;
  /** Inconsistent records whose newer version is in old. */
  readonly newerInOld: number;
  /** Inconsistent records whose newer version is in new. */
  readonly newerInNew: number;
}

/** A key a side's canonical query returned more than once (a join fanning out): one record seen as several. */
export interface DuplicateKey {
  readonly collection: string;
  readonly side: Side;
  /** The record's key as JSON. */
  readonly key: string;
  /** How many rows carried it. */
  readonly count: number;
}

/** The result of verify. */
export interface ConsistencyReport {
  /** Display names of the sides. */
  readonly labels: Readonly<Record<Side, string>>;
  readonly collections: readonly CollectionCounts[];
  readonly totals: Omit<CollectionCounts, 'collection'>;
  /** (inconsistent + old-only + new-only + pending deletes) / total; 0 when empty. */
  readonly mismatchRate: number;
  /** Up to `limit` discrepancies, oldest key first. */
  readonly discrepancies: readonly Discrepancy[];
  /** How many discrepancies there are in all. */
  readonly discrepancyCount: number;
  /** Up to `limit` keys a canonical query returned more than once; absent when there are none. */
  readonly duplicateKeys?: readonly DuplicateKey[];
  /**
   * The records as the application reads them (each collection's `check` read, on each side
   * separately), compared field by field apart from the canonical queries; set by verify.
   */
  readonly appReads?: AppReadsReport;
}

/** A record the application's read returns differently on the two sides. */
export interface AppReadMismatch {
  readonly collection: string;
  /** The record's key as JSON. */
  readonly key: string;
  /** The read operation and the parameters of the (first) read that returned it. */
  readonly read: string;
  readonly params: Readonly<Record<string, ReturnType<typeof sqlValueToJson>>>;
  /** Fields that differ (empty when only one side returned the record). */
  readonly fields: readonly FieldDiff[];
  /** The only side whose read returned the record. */
  readonly onlyIn?: Side;
  /**
   * Which side holds the newer version, as for canonical discrepancies: `new` explains the
   * difference once writes go to new alone; `unknown` (equal versions) is what a copy through a
   * wrong canonical query leaves.
   */
  readonly newer: Side | 'unknown';
}

/** One collection's application-read comparison. */
export interface AppReadCounts {
  readonly collection: string;
  /** The check read used. */
  readonly read: string;
  /** Distinct parameter sets read (a group read returns several records), each once per side. */
  readonly groups: number;
  readonly recordsCompared: number;
  readonly mismatches: number;
}

/** What verify found reading the records through the application's own reads. */
export interface AppReadsReport {
  /** Sides read: both, or only new once old is dropped (then nothing is compared). */
  readonly sides: readonly Side[];
  /** Records sampled per collection, or every record. */
  readonly sample: number | 'all';
  readonly collections: readonly AppReadCounts[];
  readonly recordsCompared: number;
  readonly mismatches: number;
  /** Of the mismatches, those whose newer version is in new (after the cut-over, new is right). */
  readonly newerInNew: number;
  /** Up to `limit` mismatches, by collection then key. */
  readonly first: readonly AppReadMismatch[];
}

/** One read of a group on both sides: null for a side that was not read (it does not exist). */
export interface AppReadGroup {
  readonly params: Params;
  readonly old: readonly Row[] | null;
  readonly new: readonly Row[] | null;
}

/** One collection's group reads, as verify made them. */
export interface AppReadState {
  readonly name: string;
  readonly collection: Collection;
  readonly read: string;
  readonly groups: readonly AppReadGroup[];
  /** The records' versions per side, by key (absent: which side is newer is unknown). */
  readonly oldVersions?: ReadonlyMap<string, VersionInfo>;
  readonly newVersions?: ReadonlyMap<string, VersionInfo>;
}

const jsonParams = (params: Params): Record<string, ReturnType<typeof sqlValueToJson>> => Object.fromEntries(Object.entries(params).map(([k, v]) => [k, sqlValueToJson(v)]));

/**
 * Compares what the application's reads returned on each side, record by record: a record's row
 * on a side is the one the first group read returning it gave. Fields are the collection's.
 */
export function compareAppReads(states: readonly AppReadState[], sides: readonly Side[], sample: number | 'all', limit = 100): AppReadsReport {
  const collections: AppReadCounts[] = [];
  const first: AppReadMismatch[] = [];
  let recordsCompared = 0;
  let mismatches = 0;
  let newerInNew = 0;
  for (const s of states) {
    const seen = new Map<string, { old?: Row; new?: Row; params: Params }>();
    for (const g of s.groups) {
      for (const side of ['old', 'new'] as const) {
        for (const row of g[side] ?? []) {
          const key = recordKey(s.collection, row);
          const entry = seen.get(key) ?? { params: g.params };
          if (entry[side] === undefined) entry[side] = row;
          seen.set(key, entry);
        }
      }
    }
    const compared = sides.length === 2;
    let counted = 0;
    let differ = 0;
    for (const key of compared ? [...seen.keys()].sort() : []) {
      const e = seen.get(key) as { old?: Row; new?: Row; params: Params };
      counted++;
      let fields: FieldDiff[] = [];
      let onlyIn: Side | undefined;
      const ov = s.oldVersions?.get(key);
      const nv = s.newVersions?.get(key);
      let newer: Side | 'unknown';
      if (e.old && e.new) {
        const o = e.old;
        const n = e.new;
        fields = s.collection.fields.filter((f) => !sqlValuesEqual(o[f] ?? null, n[f] ?? null)).map((f) => ({ field: f, old: sqlValueToJson(o[f] ?? null), new: sqlValueToJson(n[f] ?? null) }));
        if (fields.length === 0) continue;
        newer = s.oldVersions && s.newVersions ? newerSide(ov, nv) : 'unknown';
      } else if (e.old) {
        onlyIn = 'old';
        newer = !s.newVersions ? 'unknown' : nv?.deleted && nv.version >= (ov?.version ?? 0) ? 'new' : 'old';
      } else {
        onlyIn = 'new';
        newer = !s.oldVersions ? 'unknown' : ov?.deleted && ov.version >= (nv?.version ?? 0) ? 'old' : 'new';
      }
      differ++;
      if (newer === 'new') newerInNew++;
      if (first.length < limit) {
        first.push(Object.freeze({ collection: s.name, key, read: s.read, params: jsonParams(e.params), fields: Object.freeze(fields), ...(onlyIn ? { onlyIn } : {}), newer }));
      }
    }
    recordsCompared += counted;
    mismatches += differ;
    collections.push(Object.freeze({ collection: s.name, read: s.read, groups: s.groups.length, recordsCompared: counted, mismatches: differ }));
  }
  return Object.freeze({ sides: Object.freeze([...sides]), sample, collections: Object.freeze(collections), recordsCompared, mismatches, newerInNew, first: Object.freeze(first) });
}

/** A reported value in words: text quoted, NULL, a blob as hex. */
export function valueWords(v: ReturnType<typeof sqlValueToJson>): string {
  return v === null ? 'NULL' : typeof v === 'object' ? `x'${v.blob}'` : typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** One application-read mismatch in words: `artifacts ["A-1"] price_cents old 1999 new 1998`. */
export function describeAppReadMismatch(m: AppReadMismatch): string {
  if (m.onlyIn) return `${m.collection} ${m.key} only in ${m.onlyIn}`;
  return `${m.collection} ${m.key} ${m.fields.map((f) => `${f.field} old ${valueWords(f.old)} new ${valueWords(f.new)}`).join(', ')}`;
}

/** Both sides of one collection, as read by verify. */
export interface CollectionState {
  readonly name: string;
  readonly collection: Collection;
  readonly oldRows: readonly Row[];
  readonly newRows: readonly Row[];
  readonly oldVersions: ReadonlyMap<string, VersionInfo>;
  readonly newVersions: ReadonlyMap<string, VersionInfo>;
}

const jsonRecord = (row: Row | undefined, columns: readonly string[]): Readonly<Record<string, ReturnType<typeof sqlValueToJson>>> | null => {
  if (!row) return null;
  const out: Record<string, ReturnType<typeof sqlValueToJson>> = {};
  for (const c of columns) out[c] = sqlValueToJson(row[c] ?? null);
  return out;
};

/** Builds the report from both sides' records and versions. */
export function compareCollections(states: readonly CollectionState[], labels: Readonly<Record<Side, string>>, limit = 1000): ConsistencyReport {
  const collections: CollectionCounts[] = [];
  const discrepancies: Discrepancy[] = [];
  const duplicateKeys: DuplicateKey[] = [];
  let discrepancyCount = 0;
  for (const s of states) {
    for (const [side, rows] of [['old', s.oldRows], ['new', s.newRows]] as const) {
      for (const [key, count] of repeatedKeys(s.collection, rows)) {
        if (duplicateKeys.length < limit) duplicateKeys.push(Object.freeze({ collection: s.name, side, key, count }));
      }
    }
    const columns = [...s.collection.key, ...s.collection.fields];
    const oldByKey = indexRows(s.collection, s.oldRows);
    const newByKey = indexRows(s.collection, s.newRows);
    const keys = [...new Set([...oldByKey.keys(), ...newByKey.keys()])].sort();
    const counts = { total: keys.length, consistent: 0, inconsistent: 0, oldOnly: 0, newOnly: 0, deletedInNew: 0, deletedInOld: 0, newerInOld: 0, newerInNew: 0 };
    for (const key of keys) {
      const o = oldByKey.get(key);
      const n = newByKey.get(key);
      const ov = s.oldVersions.get(key);
      const nv = s.newVersions.get(key);
      let kind: DiscrepancyKind | undefined;
      let fields: FieldDiff[] = [];
      let newer: Side | 'unknown';
      if (o && n) {
        fields = s.collection.fields
          .filter((f) => !sqlValuesEqual(o[f] ?? null, n[f] ?? null))
          .map((f) => ({ field: f, old: sqlValueToJson(o[f] ?? null), new: sqlValueToJson(n[f] ?? null) }));
        if (fields.length === 0) {
          counts.consistent++;
          continue;
        }
        kind = 'inconsistent';
        counts.inconsistent++;
        newer = newerSide(ov, nv);
        if (newer === 'old') counts.newerInOld++;
        if (newer === 'new') counts.newerInNew++;
      } else if (o) {
        if (nv?.deleted && nv.version >= (ov?.version ?? 0)) {
          kind = 'deleted-in-new';
          counts.deletedInNew++;
          newer = 'new';
        } else {
          kind = 'old-only';
          counts.oldOnly++;
          newer = 'old';
        }
      } else {
        if (ov?.deleted && ov.version >= (nv?.version ?? 0)) {
          kind = 'deleted-in-old';
          counts.deletedInOld++;
          newer = 'old';
        } else {
          kind = 'new-only';
          counts.newOnly++;
          newer = 'new';
        }
      }
      discrepancyCount++;
      if (discrepancies.length < limit) {
        discrepancies.push(Object.freeze({ collection: s.name, key, kind, fields: Object.freeze(fields), newer, old: jsonRecord(o, columns), new: jsonRecord(n, columns) }));
      }
    }
    collections.push(Object.freeze({ collection: s.name, ...counts }));
  }
  const totals = collections.reduce(
    (t, c) => ({
      total: t.total + c.total,
      consistent: t.consistent + c.consistent,
      inconsistent: t.inconsistent + c.inconsistent,
      oldOnly: t.oldOnly + c.oldOnly,
      newOnly: t.newOnly + c.newOnly,
      deletedInNew: t.deletedInNew + c.deletedInNew,
      deletedInOld: t.deletedInOld + c.deletedInOld,
      newerInOld: t.newerInOld + c.newerInOld,
      newerInNew: t.newerInNew + c.newerInNew,
    }),
    { total: 0, consistent: 0, inconsistent: 0, oldOnly: 0, newOnly: 0, deletedInNew: 0, deletedInOld: 0, newerInOld: 0, newerInNew: 0 },
  );
  const diverged = totals.total - totals.consistent;
  return Object.freeze({
    labels,
    collections: Object.freeze(collections),
    totals: Object.freeze(totals),
    mismatchRate: totals.total === 0 ? 0 : diverged / totals.total,
    discrepancies: Object.freeze(discrepancies),
    discrepancyCount,
    ...(duplicateKeys.length > 0 ? { duplicateKeys: Object.freeze(duplicateKeys) } : {}),
  });
}

/** Keys that more than one row carries, with their counts, in the order first seen. */
function repeatedKeys(collection: Collection, rows: readonly Row[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const key = recordKey(collection, r);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1);
}

function indexRows(collection: Collection, rows: readonly Row[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const r of rows) out.set(recordKey(collection, r), r);
  return out;
}

function newerSide(ov: VersionInfo | undefined, nv: VersionInfo | undefined): Side | 'unknown' {
  const o = ov?.version ?? 0;
  const n = nv?.version ?? 0;
  if (o === n) return 'unknown';
  return o > n ? 'old' : 'new';
}

/**
 * True when both sides hold exactly the same records, each returned once by its canonical query,
 * and the application's reads (when verify made them) return the same records on both sides.
 */
export function isConsistent(report: ConsistencyReport): boolean {
  return report.totals.total === report.totals.consistent && report.duplicateKeys === undefined && (report.appReads?.mismatches ?? 0) === 0;
}

/**
 * Records that dropping old would lose: those only old has, those newer in old, those old deleted
 * later (new still has them: the delete would be undone), and those that differ with no side
 * newer (versions cannot tell which one is right).
 */
export function recordsLostByDrop(report: ConsistencyReport): number {
  const t = report.totals;
  const undecided = t.inconsistent - t.newerInOld - t.newerInNew;
  return t.oldOnly + t.newerInOld + t.deletedInOld + undecided;
}

/** A difference between what two sides returned for the same read. */
export interface RowDiff {
  readonly key: string;
  readonly kind: 'missing-in-shadow' | 'extra-in-shadow' | 'changed' | 'order';
  readonly fields: readonly { readonly field: string; readonly primary: ReturnType<typeof sqlValueToJson>; readonly shadow: ReturnType<typeof sqlValueToJson> }[];
}

/** Compares the rows two sides returned for one read, by record key (and order when it matters). */
export function diffReadResults(collection: Collection, primary: readonly Row[], shadow: readonly Row[], ordered: boolean): RowDiff[] {
  const diffs: RowDiff[] = [];
  const p = indexRows(collection, primary);
  const s = indexRows(collection, shadow);
  for (const [key, row] of p) {
    const other = s.get(key);
    if (!other) {
      diffs.push({ key, kind: 'missing-in-shadow', fields: [] });
      continue;
    }
    const fields = collection.fields
      .filter((f) => !sqlValuesEqual(row[f] ?? null, other[f] ?? null))
      .map((f) => ({ field: f, primary: sqlValueToJson(row[f] ?? null), shadow: sqlValueToJson(other[f] ?? null) }));
    if (fields.length) diffs.push({ key, kind: 'changed', fields });
  }
  for (const key of s.keys()) if (!p.has(key)) diffs.push({ key, kind: 'extra-in-shadow', fields: [] });
  if (ordered && diffs.length === 0) {
    const pk = primary.map((r) => recordKey(collection, r));
    const sk = shadow.map((r) => recordKey(collection, r));
    if (pk.some((k, i) => k !== sk[i])) diffs.push({ key: pk.join(','), kind: 'order', fields: [] });
  }
  return diffs;
}
