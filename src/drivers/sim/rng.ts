/**
 * A small seeded pseudo-random source for the simulator and its generators: sfc32 (Chris
 * Doty-Humphrey's Small Fast Counting generator, 128-bit state, passes PractRand) seeded
 * through splitmix32. The same seed gives the same sequence on every platform and Node
 * version, which Math.random does not, so a failing property-based run can be replayed.
 */

const TWO_POW_32 = 4294967296;

/** MurmurHash3's 32-bit finaliser. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is any safe integer (negative and values above 2^32 are fine). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed))
      throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    // fmix32 is a bijection, so seeds that share their high word never collide.
    let s = fmix32(low ^ fmix32((high + 0x9e3779b9) | 0));
    const splitmix32 = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) | 0;
    };
    this.a = splitmix32();
    this.b = splitmix32();
    this.c = splitmix32();
    this.d = splitmix32();
    // sfc32's author recommends discarding the first outputs so the state is well mixed.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The generator's whole state, to save it (persist.ts). */
  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  /** Continue from a state `state()` gave. */
  setState(state: readonly [number, number, number, number]): void {
    [this.a, this.b, this.c, this.d] = state.map((n) => n | 0) as [number, number, number, number];
  }

  /** An unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (((this.c << 21) | (this.c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / TWO_POW_32;
  }

  /** An integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo)
      throw new RangeError(`int(${lo}, ${hi}) needs integers with lo <= hi`);
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** A float in [lo, hi). */
  float(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() needs at least one item');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One value, chosen with probability proportional to its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of choices) {
      if (!(w >= 0)) throw new RangeError(`weights must be >= 0, got ${w}`);
      total += w;
    }
    if (total <= 0) throw new RangeError('weighted() needs a positive total weight');
    let r = this.next() * total;
    for (const [value, w] of choices) {
      if (r < w) return value;
      r -= w;
    }
    // Only reachable through floating-point rounding on the last positive weight.
    for (let i = choices.length - 1; ; i--) {
      const choice = choices[i] as readonly [T, number];
      if (choice[1] > 0) return choice[0];
    }
  }

  /** One key of `weights`, chosen with probability proportional to its value. */
  weightedKey<K extends string>(weights: Readonly<Partial<Record<K, number>>>): K {
    // for…in rather than Object.entries: no allocation on the generator's hot path.
    let total = 0;
    for (const k in weights) total += weights[k] ?? 0;
    let r = this.next() * total;
    let last: K | undefined;
    for (const k in weights) {
      const w = weights[k] ?? 0;
      if (w < 0) throw new RangeError(`weights must be >= 0, got ${w}`);
      if (w > 0) last = k;
      if (r < w) return k;
      r -= w;
    }
    if (last === undefined) throw new RangeError('weightedKey() needs a positive total weight');
    return last;
  }

  /** Shuffles in place (Fisher–Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}
