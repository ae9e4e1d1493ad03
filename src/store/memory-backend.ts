import { StorageError, type BackendWrite, type KeyValueBackend } from '../engine/durability/types.ts';

/**
 * The key-value backend in memory, for Node: the "disk" of simulations and tests. It outlives
 * every crash of the engine above it, as IndexedDB outlives a killed tab. Values are copied on the
 * way in and out, as structured clone does in IndexedDB.
 */
export class MemoryBackend implements KeyValueBackend {
  readonly #data = new Map<string, unknown>();
  #refuse: { remaining: number; message: string } | undefined;
  /** Number of write transactions applied. */
  writes = 0;

  async get(key: string): Promise<unknown> {
    const value = this.#data.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.#data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async write(change: BackendWrite): Promise<void> {
    // Copy now (the caller may reuse its objects), apply after a microtask: a transaction
    // completes later than it starts.
    const copies = (change.set ?? []).map(([k, v]) => [k, structuredClone(v)] as const);
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
