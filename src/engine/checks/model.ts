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

/** A record the driver believes exists: its key columns and its canonical fields. */
interface KnownRecord {
  readonly keyValues: Record<string, SqlValue>;
  readonly state: Readonly<Record<string, SqlValue>>;
}

/**
 * The records of one collection in the order a `Map` keeps them (first insertion; replacing a
 * value keeps its place, deleting and re-adding moves it last), with the n-th of them found in
 * O(log n): deleted records leave holes, a Fenwick tree counts the live ones per slot, and the
 * slots are compacted once holes outnumber the records. `pick` used to copy every record
 * (`[...map.values()]`) to index one; this picks the same one without copying.
 */
class OrderedRecords {
  readonly #slotOf = new Map<string, number>();
  /** Records by slot, in insertion order; undefined where one was deleted. */
  #slots: (KnownRecord | undefined)[] = [];
  /** Fenwick tree over the slots (1-based): 1 per live record. Its length is a power of two plus one. */
  #tree = new Int32Array(17);
  #live = 0;

  get size(): number {
    return this.#live;
  }

  get(key: string): KnownRecord | undefined {
    const slot = this.#slotOf.get(key);
    return slot === undefined ? undefined : this.#slots[slot];
  }

  set(key: string, record: KnownRecord): void {
    const slot = this.#slotOf.get(key);
    if (slot !== undefined) {
      this.#slots[slot] = record;
      return;
    }
    const at = this.#slots.length;
    if (at + 1 >= this.#tree.length) this.#rebuild(this.#slots.length, (this.#tree.length - 1) * 2);
    this.#slots.push(record);
    this.#slotOf.set(key, at);
    this.#add(at, 1);
    this.#live++;
  }

  delete(key: string): void {
    const slot = this.#slotOf.get(key);
    if (slot === undefined) return;
    this.#slotOf.delete(key);
    this.#slots[slot] = undefined;
    this.#add(slot, -1);
    this.#live--;
    const holes = this.#slots.length - this.#live;
    if (holes > 64 && holes > this.#live) this.#compact();
  }

  /** The record at `index` (0-based) among the live ones, in insertion order. */
  at(index: number): KnownRecord | undefined {
    if (index < 0 || index >= this.#live) return undefined;
    if (this.#live === this.#slots.length) return this.#slots[index];
    // The last slot whose prefix of live records is at most `index`, then one past it.
    const tree = this.#tree;
    let pos = 0;
    let rest = index;
    for (let step = tree.length - 1; step > 0; step >>= 1) {
      const next = pos + step;
      if (next < tree.length && (tree[next] as number) <= rest) {
        pos = next;
        rest -= tree[next] as number;
      }
    }
    return this.#slots[pos];
  }

  #add(slot: number, delta: number): void {
    const tree = this.#tree;
    for (let i = slot + 1; i < tree.length; i += i & -i) tree[i] = (tree[i] as number) + delta;
  }

  /** Drops the holes, keeping the order. */
  #compact(): void {
    const slots: KnownRecord[] = [];
    const keys = [...this.#slotOf.entries()].sort((a, b) => a[1] - b[1]);
    for (const [key, slot] of keys) {
      this.#slotOf.set(key, slots.length);
      slots.push(this.#slots[slot] as KnownRecord);
    }
    this.#slots = slots;
    let capacity = 16;
    while (capacity <= slots.length) capacity *= 2;
    this.#rebuild(slots.length, capacity);
  }

  /** A tree of `capacity` slots over the first `used` slots, built in O(n). */
  #rebuild(used: number, capacity: number): void {
    const tree = new Int32Array(capacity + 1);
    // Every node passes its sum up, also those past `used`: they carry the sums of the ones below.
    for (let i = 1; i <= capacity; i++) {
      if (i <= used && this.#slots[i - 1] !== undefined) tree[i] = (tree[i] as number) + 1;
      const parent = i + (i & -i);
      if (parent <= capacity) tree[parent] = (tree[parent] as number) + (tree[i] as number);
    }
    this.#tree = tree;
  }
}

/**
 * What the driver believes exists, for parameters like `{"existing": "jobs"}`: every write that
 * did not definitely fail is applied, in invocation order.
 */
export class KnownRecords {
  readonly #records = new Map<string, OrderedRecords>();

  constructor(
    private readonly scenario: Scenario,
    private readonly expressions: Expressions = NO_EXPRESSIONS,
  ) {}

  /** Applies a write that succeeded or may have. */
  apply(op: WriteOperation, params: Params): void {
    const { collection, key, keyValues } = writeTarget(this.scenario, op, params);
    const coll = this.scenario.collections[collection] as Collection;
    const byKey = this.#collection(collection);
    const current = byKey.get(key)?.state ?? null;
    const next = applyEffect(coll, op, params, current, this.expressions);
    if (next === null) byKey.delete(key);
    else byKey.set(key, { keyValues, state: next });
  }

  /** Records a record as it is found in a database (to pick from after a restart). */
  remember(collection: string, key: string, keyValues: Record<string, SqlValue>, state: Readonly<Record<string, SqlValue>>): void {
    this.#collection(collection).set(key, { keyValues, state });
  }

  /**
   * A random existing record (key and field columns), or undefined. One draw of `random.int(0,
   * count - 1)` indexes the records in the order they were first added (a record deleted and
   * added again counts as new), so the same seed picks the same record.
   */
  pick(collection: string, random: { int(min: number, max: number): number }): Readonly<Record<string, SqlValue>> | undefined {
    const byKey = this.#records.get(collection);
    if (!byKey || byKey.size === 0) return undefined;
    const e = byKey.at(random.int(0, byKey.size - 1)) as KnownRecord;
    return { ...e.keyValues, ...e.state };
  }

  /** Number of records believed to exist in a collection. */
  count(collection: string): number {
    return this.#records.get(collection)?.size ?? 0;
  }

  #collection(name: string): OrderedRecords {
    let byKey = this.#records.get(name);
    if (!byKey) {
      byKey = new OrderedRecords();
      this.#records.set(name, byKey);
    }
    return byKey;
  }
}
