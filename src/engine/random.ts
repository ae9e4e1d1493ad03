/**
 * Seeded pseudo-random numbers (sfc32). The engine never calls `Math.random()`: every stream
 * is derived from the rehearsal's seed, so a run replays exactly.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** An element chosen with the given non-negative weights (at least one positive). */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  /** An independent stream named `label`: drawing from it never shifts this one. */
  fork(label: string): Random;
}

/** 32-bit FNV-1a hash of a string, used to turn seeds and labels into sfc32 state. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A seeded generator; the same seed gives the same sequence on every platform. */
export function createRandom(seed: number | string): Random {
  const base = String(seed);
  let a = hashString(`${base}/a`);
  let b = hashString(`${base}/b`);
  let c = hashString(`${base}/c`);
  let d = hashString(`${base}/d`) | 1;
  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t >>> 0;
  };
  // Warm up: sfc32 needs a few rounds before its output is well mixed.
  for (let i = 0; i < 12; i++) nextUint32();

  const random: Random = {
    next: () => nextUint32() / 4294967296,
    int(min, max) {
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
        throw new RangeError(`int(${min}, ${max}): need integers with min <= max`);
      }
      return min + Math.floor(random.next() * (max - min + 1));
    },
    chance: (p) => p > 0 && random.next() < p,
    pick(items) {
      if (items.length === 0) throw new RangeError('pick() from an empty list');
      return items[Math.floor(random.next() * items.length)] as (typeof items)[number];
    },
    weighted(items) {
      const total = items.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
      if (!(total > 0)) throw new RangeError('weighted() needs at least one positive weight');
      let roll = random.next() * total;
      for (const [item, w] of items) {
        roll -= Math.max(0, w);
        if (roll < 0) return item;
      }
      return (items[items.length - 1] as readonly [(typeof items)[number][0], number])[0];
    },
    fork: (label) => createRandom(`${base}>${label}`),
  };
  return random;
}
