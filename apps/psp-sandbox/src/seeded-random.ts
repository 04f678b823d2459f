/** A seeded pseudo-random source, so fault injection and webhook duplication are reproducible. */
export interface RandomSource {
  /** A float in [0, 1). */
  next(): number;
}

/** mulberry32: tiny, fast and good enough to decide faults; never used for ids or secrets. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let mixed = state;
      mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
      mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
      return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
    },
  };
}
