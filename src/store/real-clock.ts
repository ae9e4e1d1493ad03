import type { Clock } from '../engine/clock.ts';

/**
 * The wall clock, for the browser and interactive use: epoch milliseconds with sub-millisecond
 * resolution, monotonic within a page (versions and timestamps keep increasing across a reload
 * too, since they are epoch-based).
 */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  setTimer(ms, fn) {
    const id = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(id);
  },
};
