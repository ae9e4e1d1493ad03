/**
 * Timing for the benchmarks: CPU time of the whole process (`process.cpuUsage()`, user + system,
 * so the digest's and the garbage collector's helper threads count too) and wall time
 * (`performance.now()`), measured around one block of work. The engine and its raw baseline run
 * interleaved in the same process (A B A B …), one block each per round, after one warm-up block
 * each; the figures are per unit of work (an operation, a row, a MiB).
 */

/** One block of work: how much it did and what it cost. */
export interface Sample {
  /** Units of work done (operations, rows, MiB). */
  readonly units: number;
  /** CPU time of the process, microseconds. */
  readonly cpuUs: number;
  /** Wall time, milliseconds. */
  readonly wallMs: number;
}

/** min / median / max of a series of per-unit figures. */
export interface Stats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly values: readonly number[];
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) throw new Error('no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted[sorted.length - 1] as number, values };
}

/** CPU time of the process so far, microseconds (user + system). */
export function cpuNowUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Collects garbage when node runs with --expose-gc (npm run bench does), so a block does not pay for the previous one's. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs `block` once and measures it; `block` returns the units of work it did. */
export async function measure(block: () => Promise<number> | number): Promise<Sample> {
  collectGarbage();
  const cpu0 = cpuNowUs();
  const wall0 = performance.now();
  const units = await block();
  const wallMs = performance.now() - wall0;
  const cpuUs = cpuNowUs() - cpu0;
  if (!(units > 0)) throw new Error('a measured block did no work');
  return { units, cpuUs, wallMs };
}

/**
 * A side of an interleaved comparison: `setup(round)` prepares a round (not timed), `block(round)`
 * does the round's work and returns its units (timed). Round -1 is the warm-up.
 */
export interface Side {
  readonly setup?: (round: number) => Promise<void> | void;
  readonly block: (round: number) => Promise<number> | number;
}

/** What an interleaved comparison measured, per unit. */
export interface Interleaved {
  /** CPU microseconds per unit, one value per round. */
  readonly a: Stats;
  readonly b: Stats;
  /** Wall milliseconds per unit, one value per round. */
  readonly aWall: Stats;
  readonly bWall: Stats;
  readonly rounds: number;
}

/**
 * Runs A and B alternately: one warm-up block each (not counted), then `rounds` rounds of A then B.
 * `warmup: false` skips the warm-up (for blocks that consume their setup, like a backfill).
 */
export async function interleave(rounds: number, a: Side, b: Side, options: { warmup?: boolean } = {}): Promise<Interleaved> {
  if (options.warmup ?? true) {
    for (const side of [a, b]) {
      await side.setup?.(-1);
      await side.block(-1);
    }
  }
  const as: Sample[] = [];
  const bs: Sample[] = [];
  for (let r = 0; r < rounds; r++) {
    await a.setup?.(r);
    as.push(await measure(() => a.block(r)));
    await b.setup?.(r);
    bs.push(await measure(() => b.block(r)));
  }
  return {
    a: stats(as.map((s) => s.cpuUs / s.units)),
    b: stats(bs.map((s) => s.cpuUs / s.units)),
    aWall: stats(as.map((s) => (s.wallMs * 1000) / s.units)),
    bWall: stats(bs.map((s) => (s.wallMs * 1000) / s.units)),
    rounds,
  };
}

/** Per-unit microseconds to units per second (a throughput), keeping min as the slowest. */
export function perSecond(s: Stats): Stats {
  const values = s.values.map((us) => 1e6 / us);
  return stats(values);
}
