/** Record versions: the rehearsal clock, strictly increasing across every write of an incarnation. */
import type { Clock } from './clock.ts';

/** Hands out versions that follow the clock and never repeat. */
export class VersionClock {
  #high = 0;

  constructor(private readonly clock: Clock) {}

  /** The highest version handed out or found stored. */
  get high(): number {
    return this.#high;
  }

  /** Raises the floor to a version found in storage at open. */
  observe(stored: number): void {
    this.#high = Math.max(this.#high, stored);
  }

  /** The next version: the clock's millisecond, or one above the last when the clock has not moved. */
  next(): number {
    const v = Math.max(Math.floor(this.clock.now()), this.#high + 1);
    this.#high = v;
    return v;
  }
}
