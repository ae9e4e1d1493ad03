/**
 * The model of what each record should hold: writes applied to canonical record states from the
 * scenario's declared effects, never from the databases. The history checker and the workload
 * (to pick existing records) use it.
 */
import { assertNever } from '../assert-never.ts';
import { NO_EXPRESSIONS, sqlAdd, type Expressions } from '../expressions.ts';
import { effectFields, effectKey, recordKey, resolveRef } from '../records.ts';
import type { Collection, Scenario, WriteOperation } from '../scenario/format.ts';
import { sqlValueToJson, type Params, type SqlValue } from '../sql.ts';

/** A record's canonical fields, or null when it does not exist. */
export type RecordState = Readonly<Record<string, SqlValue>> | null;

/** Applies one write's effect to a record state. */
export function applyEffect(collection: Collection, op: WriteOperation, params: Params, state: RecordState, expressions: Expressions = NO_EXPRESSIONS): RecordState {
  const set = effectFields(op, params, expressions);
  switch (op.effect.type) {
    case 'delete':
      return null;
    case 'insert':
      if (state !== null) return state;
      return appendTo(op, params, expressions, complete(collection, set, null));
    case 'upsert':
      return appendTo(op, params, expressions, complete(collection, set, state));
    case 'update':
      if (state === null) return null;
      return appendTo(op, params, expressions, addTo(op, params, expressions, { ...state, ...set }));
    default:
      return assertNever(op.effect.type, 'effect type');
  }
}

/**
 * An update's `add`: each field changed by its delta, as `SET stock = stock + :delta` changes it
 * (the validator allows `add` on updates only, and never on a field the write also sets).
 */
function addTo(op: WriteOperation, params: Params, expressions: Expressions, state: Record<string, SqlValue>): Record<string, SqlValue> {
  if (!op.effect.add) return state;
  const out = { ...state };
  for (const [field, ref] of Object.entries(op.effect.add)) out[field] = sqlAdd(out[field] ?? null, resolveRef(ref, params, expressions), expressions);
  return out;
}

function complete(collection: Collection, set: Record<string, SqlValue>, base: RecordState): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  for (const f of collection.fields) out[f] = f in set ? (set[f] ?? null) : (base?.[f] ?? null);
  return out;
}

function appendTo(op: WriteOperation, params: Params, expressions: Expressions, state: Record<string, SqlValue>): Record<string, SqlValue> {
  if (!op.effect.append) return state;
  const out = { ...state };
  for (const [field, shape] of Object.entries(op.effect.append)) {
    const current = out[field];
    let list: unknown[] = [];
    if (typeof current === 'string') {
      try {
        const parsed = JSON.parse(current) as unknown;
        if (Array.isArray(parsed)) list = parsed;
      } catch {
        // A field that is not a JSON array is replaced by one.
      }
    }
    const item: Record<string, unknown> = {};
    for (const [k, ref] of Object.entries(shape)) item[k] = sqlValueToJson(resolveRef(ref, params, expressions));
    out[field] = JSON.stringify([...list, item]);
  }
  return out;
}

/** A stable text form of a state, for sets and comparisons. */
export function stateId(state: RecordState): string {
  if (state === null) return 'null';
  return JSON.stringify(Object.keys(state).sort().map((k) => [k, sqlValueToJson(state[k] ?? null)]));
}

/** The key and collection a write names. */
export function writeTarget(scenario: Scenario, op: WriteOperation, params: Params): { collection: string; key: string; keyValues: Record<string, SqlValue> } {
  const collection = scenario.collections[op.effect.collection] as Collection;
  const keyValues = effectKey(op, params);
  return { collection: op.effect.collection, key: recordKey(collection, keyValues), keyValues };
}

/**
 * What the driver believes exists, for parameters like `{"existing": "jobs"}`: every write that
 * did not definitely fail is applied, in invocation order.
 */
export class KnownRecords {
  readonly #records = new Map<string, Map<string, { keyValues: Record<string, SqlValue>; state: RecordState }>>();

  constructor(
    private readonly scenario: Scenario,
    private readonly expressions: Expressions = NO_EXPRESSIONS,
  ) {}

  /** Applies a write that succeeded or may have. */
  apply(op: WriteOperation, params: Params): void {
    const { collection, key, keyValues } = writeTarget(this.scenario, op, params);
    const coll = this.scenario.collections[collection] as Collection;
    let byKey = this.#records.get(collection);
    if (!byKey) {
      byKey = new Map();
      this.#records.set(collection, byKey);
    }
    const current = byKey.get(key)?.state ?? null;
    const next = applyEffect(coll, op, params, current, this.expressions);
    if (next === null) byKey.delete(key);
    else byKey.set(key, { keyValues, state: next });
  }

  /** Records a record as it is found in a database (to pick from after a restart). */
  remember(collection: string, key: string, keyValues: Record<string, SqlValue>, state: Readonly<Record<string, SqlValue>>): void {
    let byKey = this.#records.get(collection);
    if (!byKey) {
      byKey = new Map();
      this.#records.set(collection, byKey);
    }
    byKey.set(key, { keyValues, state });
  }

  /** A random existing record (key and field columns), or undefined. */
  pick(collection: string, random: { int(min: number, max: number): number }): Readonly<Record<string, SqlValue>> | undefined {
    const byKey = this.#records.get(collection);
    if (!byKey || byKey.size === 0) return undefined;
    // Maps iterate in insertion order, so the pick is deterministic.
    const entries = [...byKey.values()];
    const e = entries[random.int(0, entries.length - 1)] as { keyValues: Record<string, SqlValue>; state: RecordState };
    return { ...e.keyValues, ...(e.state ?? {}) };
  }

  /** Number of records believed to exist in a collection. */
  count(collection: string): number {
    return this.#records.get(collection)?.size ?? 0;
  }
}
