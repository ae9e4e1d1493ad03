/** Ordering primitives for the engine's pipelined operations. */

/** A FIFO lock for sections that must not interleave across awaits. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Runs `fn` once every earlier holder has finished. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/**
 * Keeps the second writes of dual writes in the order of their first writes. An operation takes
 * a ticket when its authoritative write commits; before its second write it waits for every
 * earlier ticket to be done, so a slower first append cannot let a later value reach the other
 * side before an earlier one.
 */
export class Sequencer {
  #next = 0;
  #done = new Set<number>();
  #lowest = 0;
  #waiters: { ticket: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #aborted: unknown;

  /** Takes the next ticket. */
  take(): Ticket {
    const ticket = this.#next++;
    let finished = false;
    return {
      wait: () => this.#wait(ticket),
      done: () => {
        if (finished) return;
        finished = true;
        this.#done.add(ticket);
        while (this.#done.has(this.#lowest)) {
          this.#done.delete(this.#lowest);
          this.#lowest++;
        }
        this.#wake();
      },
    };
  }

  #wait(ticket: number): Promise<void> {
    if (this.#aborted !== undefined) return Promise.reject(this.#aborted);
    if (ticket <= this.#lowest) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ ticket, resolve, reject });
    });
  }

  /** Wakes every waiter with `reason` (the engine died): nobody may wait on a ticket that will never be done. */
  abort(reason: unknown): void {
    this.#aborted = reason;
    for (const w of this.#waiters.splice(0)) w.reject(reason);
  }

  #wake(): void {
    const ready = this.#waiters.filter((w) => w.ticket <= this.#lowest);
    this.#waiters = this.#waiters.filter((w) => w.ticket > this.#lowest);
    for (const w of ready) w.resolve();
  }
}

export interface Ticket {
  /** Resolves when every earlier ticket is done. */
  wait(): Promise<void>;
  /** Marks this ticket done (idempotent). */
  done(): void;
}
