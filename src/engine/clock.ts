/** Time as the engine sees it: virtual in simulations and tests, real at the edge (browser, CLI). */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never goes backwards. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * A deterministic clock: time moves only when someone sleeps or advances it, and timers fire in
 * (due time, creation order). `advance` moves time without firing timers, so it is safe to call
 * from synchronous code (a cost model around a SQL call); overdue timers fire at the next `sleep`
 * or `runDue`.
 */
export class VirtualClock implements Clock {
  #now: number;
  #order = 0;
  #timers: Timer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward without firing timers. */
  advance(ms: number): void {
    if (ms > 0) this.#now += ms;
  }

  async sleep(ms: number): Promise<void> {
    const until = this.#now + Math.max(0, ms);
    // Fire due timers in order, letting each one's microtasks run before the next.
    for (;;) {
      const next = this.#nextTimer();
      if (!next || next.at > until) break;
      this.#now = Math.max(this.#now, next.at);
      this.#timers.splice(this.#timers.indexOf(next), 1);
      next.fn();
      await settle();
    }
    this.#now = Math.max(this.#now, until);
    await settle();
  }

  /** Fires every timer that is due now. */
  async runDue(): Promise<void> {
    await this.sleep(0);
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, ms), order: this.#order++, fn, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
      const i = this.#timers.indexOf(timer);
      if (i >= 0) this.#timers.splice(i, 1);
    };
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  #nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.order < best.order)) best = t;
    }
    return best;
  }
}

/** Lets queued promise continuations run (several rounds, since chains of awaits need more than one). */
export async function settle(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
