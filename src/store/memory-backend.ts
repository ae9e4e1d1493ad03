import { StorageError, type BackendWrite, type KeyValueBackend } from '../engine/durability/types.ts';

/**
 * A copy of `value` as `structuredClone` makes it, faster for what the store keeps: plain objects
 * and arrays are copied member by member and byte arrays with one `slice` (structuredClone
 * serialises and then deserialises, two copies of a 60 MiB snapshot where one will do). Anything
 * else — a Date, a Map, a class instance, a function (which throws DataCloneError) — goes through
 * `structuredClone` itself. Shared references stay shared, as they do there.
 */
export function copyValue(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (typeof value !== 'object' || value === null) return typeof value === 'function' || typeof value === 'symbol' ? structuredClone(value) : value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (value instanceof Uint8Array && value.constructor === Uint8Array) {
    const bytes = value.slice();
    seen.set(value, bytes);
    return bytes;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = copyValue(value[i], seen);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const key of Object.keys(value)) out[key] = copyValue((value as Record<string, unknown>)[key], seen);
    return out;
  }
  const cloned = structuredClone(value);
  seen.set(value, cloned);
  return cloned;
}

/**
 * The key-value backend in memory, for Node: the "disk" of simulations and tests. It outlives
 * every crash of the engine above it, as IndexedDB outlives a killed tab. Values are copied on the
 * way in and out (`copyValue`), as structured clone does in IndexedDB.
 */
export class MemoryBackend implements KeyValueBackend {
  readonly #data = new Map<string, unknown>();
  #refuse: { remaining: number; message: string } | undefined;
  /** Number of write transactions applied. */
  writes = 0;

  async get(key: string): Promise<unknown> {
    const value = this.#data.get(key);
    return value === undefined ? undefined : copyValue(value);
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.#data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async write(change: BackendWrite): Promise<void> {
    // Copy now (the caller may reuse its objects), apply after a microtask: a transaction
    // completes later than it starts.
    const copies = (change.set ?? []).map(([k, v]) => [k, copyValue(v)] as const);
    await Promise.resolve();
    if (this.#refuse && this.#refuse.remaining > 0) {
      this.#refuse.remaining--;
      throw new StorageError(this.#refuse.message);
    }
    for (const [k, v] of copies) this.#data.set(k, v);
    for (const k of change.delete ?? []) this.#data.delete(k);
    this.writes++;
  }

  /** Makes the next `count` writes fail as a full quota does: nothing of them is applied. */
  refuseWrites(count: number, message = 'QuotaExceededError: the quota has been exceeded'): void {
    this.#refuse = { remaining: count, message };
  }

  /** Direct access for fault injection (corrupting a stored snapshot) and tests. */
  peek(key: string): unknown {
    return this.#data.get(key);
  }

  /** Replaces a stored value in place, bypassing transactions (fault injection). */
  poke(key: string, value: unknown): void {
    this.#data.set(key, value);
  }

  /** Every key, sorted. */
  allKeys(): string[] {
    return [...this.#data.keys()].sort();
  }
}
