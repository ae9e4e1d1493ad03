/** Ordering for the engine's pipelined operations. */

/**
 * Per-record locks. An operation holds its record's lock from the moment it takes a version until
 * its last write (the second write of a dual write, or the compensation) is done, so nothing else
 * touching that record — another operation, a backfill batch — can come between the two halves.
 * Operations on different records still run side by side.
 *
 * All keys of one acquisition are queued in one synchronous step, so waits follow queueing order
 * and cannot form a cycle.
 */
export class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #waiting = new Set<(reason: unknown) => void>();
  /** The crash signal that ended the engine (an Error); every later acquire rejects with it. */
  #aborted: Error | undefined;

  /** Waits for every key, in queue order; resolves with the function that releases them all. */
  async acquire(keys: readonly string[]): Promise<() => void> {
    if (this.#aborted !== undefined) throw this.#aborted;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const unique = [...new Set(keys)];
    const before: Promise<void>[] = [];
    const mine: [string, Promise<void>][] = [];
    for (const key of unique) {
      const previous = this.#tails.get(key) ?? Promise.resolve();
      before.push(previous);
      const tail = previous.then(() => held);
      this.#tails.set(key, tail);
      mine.push([key, tail]);
    }
    const letGo = (): void => {
      release();
      for (const [key, tail] of mine) if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
    let reject!: (reason: unknown) => void;
    const abort = new Promise<never>((_, r) => (reject = r));
    this.#waiting.add(reject);
    try {
      await Promise.race([Promise.all(before), abort]);
    } catch (reason) {
      letGo();
      throw reason;
    } finally {
      this.#waiting.delete(reject);
    }
    return letGo;
  }

  /** Whether some operation holds or waits for `key`. */
  busy(key: string): boolean {
    return this.#tails.has(key);
  }

  /** Wakes every waiter with `reason` (the engine died): nobody may wait for a release that never comes. */
  abort(reason: Error): void {
    this.#aborted = reason;
    for (const reject of this.#waiting) reject(reason);
    this.#waiting.clear();
  }
}
