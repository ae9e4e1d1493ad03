/**
 * The history checker (Jepsen's set checker, generalised to records that change): from the
 * history alone it works out which states each record may be in — acknowledged writes applied,
 * failed ones not, indeterminate ones either way — and holds what was read against that.
 *
 * - lost: an acknowledged write whose effect is not readable through the current read path;
 * - unexpected: a value no write ever produced;
 * - recovered: an indeterminate write whose effect turned up;
 * - duplicates: one record returned twice by one read;
 * - stale reads: a read during the run that missed a write completed before it began (reported,
 *   not an invariant: fallback reads on a lagging side are stale by design).
 */
import { compareText } from '../compare.ts';
import { NO_EXPRESSIONS, type Expressions } from '../expressions.ts';
import { parseRecordKey, pick, recordKey, resolveRef } from '../records.ts';
import type { Collection, ReadOperation, Scenario, WriteOperation } from '../scenario/format.ts';
import { sqlValueToJson, type Params, type Row, type SqlValue } from '../sql.ts';
import { applyEffect, stateId, writeTarget, type RecordState } from './model.ts';
import type { HistoryOp } from './history.ts';

/** An acknowledged write that cannot be read back. */
export interface LostWrite {
  readonly collection: string;
  readonly key: string;
  /** The last acknowledged write on the record. */
  readonly operation: { readonly index: number; readonly name: string; readonly params: Params; readonly phase: string };
  /** States the record may be in (up to `STATES_LISTED`). */
  readonly expected: readonly RecordState[];
  /** What the read path returned (null: nothing). */
  readonly found: RecordState;
}

/** A value no write produced. */
export interface UnexpectedValue {
  readonly collection: string;
  readonly key: string;
  readonly found: RecordState;
  /** History index of the read that returned it, or "final". */
  readonly where: number | 'final';
  /**
   * States the checker allowed at that read (up to 8): the possible states it judged the value
   * against, every order of overlapping writes tried; `[null]` (no record) when no write made it.
   */
  readonly allowed: readonly RecordState[];
}

/** What the checker found. */
export interface HistoryReport {
  readonly operations: number;
  readonly writes: number;
  readonly acknowledgedWrites: number;
  readonly failedWrites: number;
  readonly indeterminateWrites: number;
  readonly reads: number;
  readonly lost: readonly LostWrite[];
  readonly unexpected: readonly UnexpectedValue[];
  readonly unexpectedReads: number;
  readonly staleReads: number;
  readonly recovered: number;
  /**
   * Records whose possible states outgrew the checker's bound (many indeterminate writes to one
   * record): each field held only to what writes could have made of it (a value some write set,
   * items some append wrote, a value within the record's increments), so a loss there could go
   * unreported.
   */
  readonly undecided: number;
  readonly duplicates: readonly { readonly collection: string; readonly key: string; readonly count: number }[];
  /** The starting records no operation touched, held to their first state (absent: the rehearsal has none). */
  readonly starting?: StartingRecordsCheck;
  /** No lost writes, no unexpected values, no duplicates, no starting record missing or changed. */
  readonly valid: boolean;
}

/** What the check of the starting records no history touched found. */
export interface StartingRecordsCheck {
  /** Starting records in the image. */
  readonly records: number;
  /** Of those, the ones no operation of the history wrote or read and no final read returned, compared on their own. */
  readonly untouched: number;
  /** Untouched records the read path no longer returns. */
  readonly missing: number;
  /** Untouched records the read path returns with other contents. */
  readonly changed: number;
  /** The first few of those. */
  readonly examples: readonly { readonly collection: string; readonly key: string; readonly expected: RecordState; readonly found: RecordState }[];
}

/** What the final check needs of an engine. */
export interface FinalCheckPorts {
  /** Runs a final read; throws when it cannot be answered (a read that never answers is not an empty one). */
  read(read: FinalRead): Promise<readonly Row[]>;
  /** The first states of the starting records among `keys` (`Rehearsal.startingStates`). */
  startingStates(keys: readonly StartingKey[]): Promise<StartingStates>;
  /** Checks the starting records outside `touched` (`Rehearsal.checkUntouchedStartingRecords`). */
  checkUntouched(touched: ReadonlySet<string>): Promise<StartingRecordsCheck | undefined>;
}

/**
 * The whole final check: the starting states of the records the history touches, the final
 * reads, the history checked against them, and the starting records nothing touched held to
 * their first state.
 */
export async function finalCheck(scenario: Scenario, ops: readonly HistoryOp[], expressions: Expressions, ports: FinalCheckPorts): Promise<HistoryReport> {
  const id = (k: StartingKey): string => `${k.collection}\u0000${k.key}`;
  const touchedByOps = startingKeys(scenario, ops);
  const starting = new Map(await ports.startingStates(touchedByOps));
  const finals: FinalObservation[] = [];
  for (const read of finalReads(scenario, ops, expressions, starting)) finals.push({ ...read, rows: await ports.read(read) });
  const known = new Set(touchedByOps.map(id));
  // Records only the final reads returned (a group's other members).
  const more = startingKeys(scenario, [], finals).filter((k) => !known.has(id(k)));
  for (const [key, state] of await ports.startingStates(more)) starting.set(key, state);
  const report = checkHistory(scenario, ops, finals, expressions, starting);
  const check = await ports.checkUntouched(new Set([...known, ...more.map(id)]));
  if (!check) return report;
  return Object.freeze({ ...report, starting: check, valid: report.valid && check.missing === 0 && check.changed === 0 });
}

/** One read the final check runs, and the records it must find. */
export interface FinalRead {
  readonly collection: string;
  readonly read: string;
  readonly params: Params;
}

/** What a final read returned. */
export interface FinalObservation extends FinalRead {
  readonly rows: readonly Row[];
}

const MAX_STATES = 64;

/** What a lost starting record names as its write: none of the history made it (index -1). */
export const STARTING_OPERATION = Object.freeze({ index: -1, name: '(starting records)', params: Object.freeze({}), phase: 'old-only' });

/** States a lost write or an unexpected value lists. */
const STATES_LISTED = 8;

const listed = (possible: ReadonlyMap<string, RecordState>): RecordState[] => [...possible.values()].slice(0, STATES_LISTED);

interface KeyHistory {
  readonly collection: string;
  readonly key: string;
  readonly keyValues: Record<string, SqlValue>;
  readonly writes: HistoryOp[];
  /** The record's state before the history: a starting record's, or null (none). */
  readonly initial: RecordState;
}

/**
 * The first states of the rehearsal's starting records (`actions/starting-records.ts`), by
 * `collection \u0000 record key`: records committed before the history began. A key absent from
 * the map was no starting record. Built by the engine for the keys `startingKeys` names.
 */
export type StartingStates = ReadonlyMap<string, RecordState>;

const NO_STARTING: StartingStates = new Map();

/** A record the checker needs the starting state of. */
export interface StartingKey {
  readonly collection: string;
  readonly key: string;
  readonly keyValues: Readonly<Record<string, SqlValue>>;
}

function fieldsOf(collection: Collection, row: Readonly<Record<string, SqlValue>>): RecordState {
  const out: Record<string, SqlValue> = {};
  for (const f of collection.fields) out[f] = row[f] ?? null;
  return out;
}

/** Adds a state to a bounded set; false when the set was full and the state is not in it. */
function addState(set: Map<string, RecordState>, state: RecordState): boolean {
  const id = stateId(state);
  if (set.size < MAX_STATES || set.has(id)) {
    set.set(id, state);
    return true;
  }
  return false;
}

/**
 * Groups the history's writes by record. Starting records some read returned but no write
 * touched get a history without writes, so what was read is held to their first state.
 */
function keyHistories(scenario: Scenario, ops: readonly HistoryOp[], starting: StartingStates = NO_STARTING): Map<string, KeyHistory> {
  const out = new Map<string, KeyHistory>();
  for (const op of [...ops].sort((a, b) => a.invokedPos - b.invokedPos)) {
    if (op.kind !== 'write') continue;
    const w = scenario.operations[op.name] as WriteOperation;
    const t = writeTarget(scenario, w, op.params);
    const id = `${t.collection}\u0000${t.key}`;
    let h = out.get(id);
    if (!h) {
      h = { collection: t.collection, key: t.key, keyValues: t.keyValues, writes: [], initial: starting.get(id) ?? null };
      out.set(id, h);
    }
    h.writes.push(op);
  }
  for (const [id, initial] of starting) {
    if (initial === null || out.has(id)) continue;
    const [collectionName, key] = id.split('\u0000') as [string, string];
    const collection = scenario.collections[collectionName];
    if (!collection) continue;
    out.set(id, { collection: collectionName, key, keyValues: parseRecordKey(collection, key), writes: [], initial });
  }
  return out;
}

/**
 * The records whose starting state the checker needs: every record the history writes or reads,
 * and every record the final reads returned. The engine looks them up in the starting image.
 */
export function startingKeys(scenario: Scenario, ops: readonly HistoryOp[], finals: readonly FinalObservation[] = []): StartingKey[] {
  const out = new Map<string, StartingKey>();
  const add = (collection: string, keyValues: Readonly<Record<string, SqlValue>>): void => {
    const c = scenario.collections[collection] as Collection;
    const key = recordKey(c, keyValues);
    const id = `${collection}\u0000${key}`;
    if (!out.has(id)) out.set(id, { collection, key, keyValues: pick(keyValues, c.key) });
  };
  for (const op of ops) {
    if (op.kind === 'write') {
      const t = writeTarget(scenario, scenario.operations[op.name] as WriteOperation, op.params);
      add(t.collection, t.keyValues);
    } else if (op.outcome === 'ok' && op.rows) {
      const read = scenario.operations[op.name] as ReadOperation;
      for (const row of op.rows) add(read.collection, row);
    }
  }
  for (const f of finals) for (const row of f.rows) add(f.collection, row);
  return [...out.values()];
}

/**
 * Whether `found` could be a state of a record whose possible states outgrew their bound. The
 * bounded search drops states, and what later writes make of a dropped state is never produced, so
 * `ever` cannot vouch for a whole state. Each field is held to what could have made it instead: a
 * field only ever set holds a value some write set (a set value does not depend on the state the
 * write found); a JSON array appended to holds only items some state had; a field added to is a
 * value some write set plus at most every increment and at least every decrement of the record's
 * writes.
 */
function explainedWhenUndecided(scenario: Scenario, expressions: Expressions, h: KeyHistory, found: RecordState, ever: ReadonlyMap<string, RecordState>): boolean {
  if (found === null) return true;
  const collection = scenario.collections[h.collection] as Collection;
  const states = [...ever.values()].filter((s): s is Readonly<Record<string, SqlValue>> => s !== null);
  if (states.length === 0) return false;
  const appended = new Set<string>();
  const added = new Map<string, { low: number; high: number; nullable: boolean; numeric: boolean }>();
  // What a field added to starts from: a value some write set it to.
  const bases = new Map<string, SqlValue[]>();
  for (const op of h.writes) {
    if (op.outcome === 'fail') continue;
    const effect = (scenario.operations[op.name] as WriteOperation).effect;
    for (const field of Object.keys(effect.append ?? {})) appended.add(field);
    for (const [field, ref] of Object.entries(effect.set ?? {})) bases.set(field, [...(bases.get(field) ?? []), resolveRef(ref, op.params, expressions)]);
    for (const [field, ref] of Object.entries(effect.add ?? {})) {
      const range = added.get(field) ?? { low: 0, high: 0, nullable: false, numeric: true };
      const delta = resolveRef(ref, op.params, expressions);
      if (delta === null) range.nullable = true;
      else if (typeof delta === 'number') {
        range.low += Math.min(0, delta);
        range.high += Math.max(0, delta);
      } else range.numeric = false;
      added.set(field, range);
    }
  }
  return collection.fields.every((f) => {
    const value = found[f] ?? null;
    const had = states.map((s) => s[f] ?? null);
    if (had.some((v) => valueId(v) === valueId(value))) return true;
    if (appended.has(f)) return itemsOf(value)?.every((item) => had.some((v) => itemsOf(v)?.includes(item))) ?? false;
    const range = added.get(f);
    if (!range) return false;
    if (!range.numeric) return true;
    if (value === null) return range.nullable;
    if (typeof value !== 'number') return false;
    const slack = 1e-9 * Math.max(1, Math.abs(value));
    return (bases.get(f) ?? []).some((base) => typeof base === 'number' && value >= base + range.low - slack && value <= base + range.high + slack);
  });
}

const valueId = (v: SqlValue): string => JSON.stringify(sqlValueToJson(v));

/** The items of a JSON array held as text, each as JSON text; undefined for anything else. */
function itemsOf(v: SqlValue): string[] | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const parsed = JSON.parse(v) as unknown;
    return Array.isArray(parsed) ? parsed.map((item) => JSON.stringify(item)) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a state read back is one some write produced (loosely, field by field, once the record is undecided). */
function produced(scenario: Scenario, expressions: Expressions, h: KeyHistory, found: RecordState, ever: ReadonlyMap<string, RecordState>, undecided: boolean): boolean {
  return ever.has(stateId(found)) || (undecided && explainedWhenUndecided(scenario, expressions, h, found, ever));
}

/**
 * States a record may be in, applying writes invoked before `until` (a history position): those
 * completed ok before `certainBefore` definitely, failed ones never, the rest either way. Writes
 * whose intervals overlap may have taken effect in any order, so every order is tried.
 * `settled` is the same without indeterminate writes: a state outside it came from one of them.
 * `ever` holds every state any write produced (unbounded: a value missing from it is reported as
 * never written). When the possible states outgrow their bound, `undecided` is true: the record is
 * then held only to what writes could have made of each field (`explainedWhenUndecided`; neither
 * lost nor stale can be told), never wrongly accused.
 */
function possibleStates(
  scenario: Scenario,
  expressions: Expressions,
  h: KeyHistory,
  until: number,
  certainBefore: number,
): { possible: Map<string, RecordState>; settled: Map<string, RecordState>; ever: Map<string, RecordState>; undecided: boolean } {
  const collection = scenario.collections[h.collection] as Collection;
  const ever = new Map<string, RecordState>([[stateId(h.initial), h.initial]]);
  // A failed write has no effect, whenever it completed.
  const writes = h.writes.filter((op) => op.invokedPos < until && op.outcome !== 'fail');
  const groups: HistoryOp[][] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const op of writes) {
    const last = groups[groups.length - 1];
    if (last && op.invokedPos < end) last.push(op);
    else groups.push([op]);
    end = Math.max(end, op.completedPos ?? Number.POSITIVE_INFINITY);
  }
  let undecided = false;
  const run = (includeIndeterminate: boolean): Map<string, RecordState> => {
    let possible = new Map<string, RecordState>([[stateId(h.initial), h.initial]]);
    for (const group of groups) {
      const next = new Map<string, RecordState>();
      for (const order of orders(group)) {
        let states = possible;
        for (const op of order) {
          const w = scenario.operations[op.name] as WriteOperation;
          const certain = op.outcome === 'ok' && op.completedPos !== undefined && op.completedPos < certainBefore;
          const mayApply = includeIndeterminate || op.outcome === 'ok';
          const after = new Map<string, RecordState>();
          for (const st of states.values()) {
            if (mayApply) {
              const applied = applyEffect(collection, w, op.params, st, expressions);
              if (!addState(after, applied)) undecided = true;
              ever.set(stateId(applied), applied);
            }
            if (!certain && !addState(after, st)) undecided = true;
          }
          states = after;
        }
        for (const st of states.values()) if (!addState(next, st)) undecided = true;
      }
      possible = next;
    }
    return possible;
  };
  const possible = run(true);
  const settled = run(false);
  return { possible, settled, ever, undecided };
}

/** Every order of a small group of concurrent writes (up to 5; larger groups keep invocation order). */
function orders(group: readonly HistoryOp[]): HistoryOp[][] {
  if (group.length <= 1 || group.length > 5) return [[...group]];
  const out: HistoryOp[][] = [];
  const permute = (rest: HistoryOp[], acc: HistoryOp[]): void => {
    if (rest.length === 0) out.push(acc);
    rest.forEach((op, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, op]));
  };
  permute([...group], []);
  return out;
}

/** Parameters of a collection's check read for one record, from its key and any known state. */
function checkParams(collection: Collection, keyValues: Record<string, SqlValue>, state: RecordState): Params | undefined {
  const out: Record<string, SqlValue> = {};
  for (const [param, column] of Object.entries(collection.check.params)) {
    if (column in keyValues) out[param] = keyValues[column] ?? null;
    else if (state && column in state) out[param] = state[column] ?? null;
    else return undefined;
  }
  return out;
}

/**
 * The check-read parameters of a record: from a state it may have had, or — when every write to
 * it failed — from what its writes would have made, so that a failed write's effect is looked for.
 */
function groupParams(scenario: Scenario, expressions: Expressions, h: KeyHistory): Params | undefined {
  const collection = scenario.collections[h.collection] as Collection;
  const { ever } = possibleStates(scenario, expressions, h, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
  let known = [...ever.values()].find((s) => s !== null) ?? null;
  for (const op of h.writes) {
    if (known) break;
    known = applyEffect(collection, scenario.operations[op.name] as WriteOperation, op.params, null, expressions);
  }
  return known ? checkParams(collection, h.keyValues, known) : undefined;
}

/**
 * The reads the final check must run: one per group of records sharing check-read parameters.
 * `expressions` evaluates the scenario's `{ "expr": … }` values (`sqlExpressions(sql)`).
 */
export function finalReads(scenario: Scenario, ops: readonly HistoryOp[], expressions: Expressions = NO_EXPRESSIONS, starting: StartingStates = NO_STARTING): FinalRead[] {
  const groups = new Map<string, FinalRead>();
  for (const h of keyHistories(scenario, ops, starting).values()) {
    const params = groupParams(scenario, expressions, h);
    if (!params) continue;
    const id = `${h.collection}\u0000${JSON.stringify(params)}`;
    if (!groups.has(id)) groups.set(id, { collection: h.collection, read: (scenario.collections[h.collection] as Collection).check.read, params });
  }
  // Plain code-unit order, not the locale's: the same seed gives the same bytes everywhere.
  return [...groups.values()].sort((a, b) => compareText(a.collection + JSON.stringify(a.params), b.collection + JSON.stringify(b.params)));
}

/**
 * Checks a history against what the final reads returned (`expressions` as for `finalReads`;
 * `starting`: the first states of the starting records the history or the final reads touch).
 */
export function checkHistory(scenario: Scenario, ops: readonly HistoryOp[], finals: readonly FinalObservation[], expressions: Expressions = NO_EXPRESSIONS, starting: StartingStates = NO_STARTING): HistoryReport {
  const histories = keyHistories(scenario, ops, starting);
  const writes = ops.filter((o) => o.kind === 'write');
  const lost: LostWrite[] = [];
  const unexpected: UnexpectedValue[] = [];
  const duplicates: { collection: string; key: string; count: number }[] = [];
  let recovered = 0;
  const undecidedKeys = new Set<string>();
  let unexpectedReads = 0;
  let staleReads = 0;

  // Records by the group of the check read that finds them, so each read looks at its own group only.
  const byGroup = new Map<string, KeyHistory[]>();
  for (const h of histories.values()) {
    const params = groupParams(scenario, expressions, h);
    if (!params) continue;
    const id = `${h.collection}\u0000${JSON.stringify(params)}`;
    byGroup.set(id, [...(byGroup.get(id) ?? []), h]);
  }

  // Reads during the run.
  for (const r of ops) {
    if (r.kind !== 'read' || r.outcome !== 'ok' || !r.rows) continue;
    const read = scenario.operations[r.name] as ReadOperation;
    const collection = scenario.collections[read.collection] as Collection;
    const seen = new Set<string>();
    let stale = false;
    for (const row of r.rows) {
      const key = recordKey(collection, row);
      seen.add(key);
      const h = histories.get(`${read.collection}\u0000${key}`);
      const found = fieldsOf(collection, row);
      if (!h) {
        unexpectedReads++;
        unexpected.push({ collection: read.collection, key, found, where: r.index, allowed: [null] });
        continue;
      }
      const { possible, ever, undecided } = possibleStates(scenario, expressions, h, r.completedPos ?? Number.POSITIVE_INFINITY, r.invokedPos);
      const id = stateId(found);
      if (!produced(scenario, expressions, h, found, ever, undecided)) {
        unexpectedReads++;
        unexpected.push({ collection: read.collection, key, found, where: r.index, allowed: listed(possible) });
      } else if (!possible.has(id) && !undecided) stale = true;
    }
    // The check read of a collection must return every record of its group that surely exists.
    if (collection.check.read === r.name) {
      const group = byGroup.get(`${read.collection}\u0000${JSON.stringify(pick(r.params, Object.keys(collection.check.params)))}`) ?? [];
      for (const h of group) {
        if (seen.has(h.key)) continue;
        const { possible, undecided } = possibleStates(scenario, expressions, h, r.completedPos ?? Number.POSITIVE_INFINITY, r.invokedPos);
        if (!possible.has('null') && !undecided) stale = true;
      }
    }
    if (stale) staleReads++;
  }

  // The final state, read through the current phase's read path.
  const observedByKey = new Map<string, RecordState>();
  const checkedGroups = new Set<string>();
  for (const f of finals) {
    const collection = scenario.collections[f.collection] as Collection;
    checkedGroups.add(`${f.collection}\u0000${JSON.stringify(f.params)}`);
    const counts = new Map<string, number>();
    for (const row of f.rows) {
      const key = recordKey(collection, row);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      observedByKey.set(`${f.collection}\u0000${key}`, fieldsOf(collection, row));
    }
    for (const [key, count] of counts) if (count > 1) duplicates.push({ collection: f.collection, key, count });
  }
  const lostOf = (h: KeyHistory, possible: Map<string, RecordState>, found: RecordState): void => {
    const lastAck = [...h.writes].reverse().find((w) => w.outcome === 'ok');
    // A starting record is committed data too: losing it is a loss whatever its writes did.
    if (!lastAck && h.initial === null) return;
    lost.push({
      collection: h.collection,
      key: h.key,
      operation: lastAck ? { index: lastAck.index, name: lastAck.name, params: lastAck.params, phase: lastAck.phase } : STARTING_OPERATION,
      expected: listed(possible),
      found,
    });
  };
  // Everything read back must be a state some write could have produced, and the latest possible.
  for (const [id, found] of observedByKey) {
    const [collectionName, key] = id.split('\u0000') as [string, string];
    const h = histories.get(id);
    if (!h) {
      unexpected.push({ collection: collectionName, key, found, where: 'final', allowed: [null] });
      continue;
    }
    const { possible, settled, ever, undecided } = possibleStates(scenario, expressions, h, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    const fid = stateId(found);
    if (possible.has(fid)) {
      if (!settled.has(fid)) recovered++;
    } else if (!produced(scenario, expressions, h, found, ever, undecided)) unexpected.push({ collection: h.collection, key: h.key, found, where: 'final', allowed: listed(possible) });
    else if (!undecided) lostOf(h, possible, found);
    if (undecided) undecidedKeys.add(id);
  }
  // Every record of a group read back must be there unless it may not exist.
  for (const [id, h] of histories) {
    if (observedByKey.has(id)) continue;
    const { possible, settled, undecided } = possibleStates(scenario, expressions, h, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    const params = groupParams(scenario, expressions, h);
    if (!params || !checkedGroups.has(`${h.collection}\u0000${JSON.stringify(params)}`)) continue;
    if (undecided) {
      undecidedKeys.add(id);
      continue;
    }
    if (possible.has('null')) {
      if (!settled.has('null')) recovered++;
      continue;
    }
    lostOf(h, possible, null);
  }

  const acknowledgedWrites = writes.filter((w) => w.outcome === 'ok').length;
  return Object.freeze({
    operations: ops.length,
    writes: writes.length,
    acknowledgedWrites,
    failedWrites: writes.filter((w) => w.outcome === 'fail').length,
    indeterminateWrites: writes.filter((w) => w.outcome === 'info' || w.outcome === undefined).length,
    reads: ops.length - writes.length,
    lost: Object.freeze(lost),
    unexpected: Object.freeze(unexpected),
    unexpectedReads,
    staleReads,
    recovered,
    undecided: undecidedKeys.size,
    duplicates: Object.freeze(duplicates),
    valid: lost.length === 0 && unexpected.length === 0 && duplicates.length === 0,
  });
}
