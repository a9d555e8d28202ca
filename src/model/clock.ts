/**
 * Where time and randomness come from. Domain code never reads `Date` or `Math.random`: it is
 * handed a `Clock` and a `RandomSource` (the wall clock and the operating system's randomness in
 * production, a virtual clock and a seeded generator in the simulator and in tests).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Uniform 32-bit unsigned integers. The simulator's seeded `Rng` is one. */
export interface RandomSource {
  uint32(): number;
}
