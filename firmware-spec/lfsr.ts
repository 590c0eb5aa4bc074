/**
 * The LFSR of the device: Galois form, shifting right.
 *
 *   out = state & 1;  state >>>= 1;  if (out) state ^= mask
 *
 * For a tap set {n, t2, t3, ...} (1-based positions, as the table below lists them) the mask has
 * bit (t - 1) set for every tap t, so bit (n - 1) is always set. The period is 2^n - 1 for every
 * width listed: the tests check it exhaustively up to n = 20, and for every width by showing that
 * the feedback polynomial is primitive over GF(2).
 *
 * Source of the taps: P. Alfke, "Efficient Shift Registers, LFSR Counters, and Long Pseudo-Random
 * Sequence Generators", Xilinx application note XAPP052 (v1.1, 1996), Table 3 ("Taps for Maximum-
 * Length LFSR Counters"), rows n = 3..32. The all-zero state is forbidden (it is a fixed point).
 */
export const LFSR_TAPS: Readonly<Record<number, readonly number[]>> = {
  3: [3, 2],
  4: [4, 3],
  5: [5, 3],
  6: [6, 5],
  7: [7, 6],
  8: [8, 6, 5, 4],
  9: [9, 5],
  10: [10, 7],
  11: [11, 9],
  12: [12, 6, 4, 1],
  13: [13, 4, 3, 1],
  14: [14, 5, 3, 1],
  15: [15, 14],
  16: [16, 15, 13, 4],
  17: [17, 14],
  18: [18, 11],
  19: [19, 6, 2, 1],
  20: [20, 17],
  21: [21, 19],
  22: [22, 21],
  23: [23, 18],
  24: [24, 23, 22, 17],
  25: [25, 22],
  26: [26, 6, 2, 1],
  27: [27, 5, 2, 1],
  28: [28, 25],
  29: [29, 27],
  30: [30, 6, 4, 1],
  31: [31, 28],
  32: [32, 22, 2, 1],
};

export const LFSR_MIN_WIDTH = 3;
export const LFSR_MAX_WIDTH = 32;
/** Width of the general-purpose generator used for seeds, start vectors and initial weights. */
export const LFSR_WIDTH_MAIN = 32;

export class LfsrError extends Error {
  readonly code = 'lfsr_seed';
  constructor(message: string) {
    super(message);
    this.name = 'LfsrError';
  }
}

/** Galois feedback mask for a width, as an unsigned 32-bit number. */
export function lfsrMask(width: number): number {
  const taps = LFSR_TAPS[width];
  if (!taps) throw new LfsrError(`no LFSR taps for width ${width} (have ${LFSR_MIN_WIDTH}..${LFSR_MAX_WIDTH})`);
  let mask = 0;
  for (const t of taps) mask |= 1 << (t - 1);
  return mask >>> 0;
}

/** One step: returns [nextState, outputBit]. Pure. */
export function lfsrStep(state: number, mask: number): [number, number] {
  const out = state & 1;
  let next = state >>> 1;
  if (out) next = (next ^ mask) >>> 0;
  return [next, out];
}

/** A stateful LFSR; `draw(b)` returns the next b output bits, first bit most significant. */
export class Lfsr {
  readonly width: number;
  readonly mask: number;
  private s: number;
  /** output bits produced since seeding (for counters) */
  steps = 0;

  constructor(width: number, seed: number) {
    this.width = width;
    this.mask = lfsrMask(width);
    const m = width === 32 ? 0xffffffff : (1 << width) - 1;
    const s = (seed >>> 0) & m;
    if (s === 0) throw new LfsrError(`LFSR seed must be nonzero in its ${width} bits (got ${seed})`);
    this.s = s >>> 0;
  }

  get state(): number {
    return this.s;
  }

  /** one output bit */
  bit(): number {
    const s = this.s;
    const out = s & 1;
    this.s = out ? ((s >>> 1) ^ this.mask) >>> 0 : s >>> 1;
    this.steps++;
    return out;
  }

  /** b output bits as an unsigned integer, b <= 32, first bit out is the most significant */
  draw(b: number): number {
    let v = 0;
    for (let i = 0; i < b; i++) v = v * 2 + this.bit();
    return v;
  }

  /** b bits as a two's-complement signed integer */
  drawSigned(b: number): number {
    const v = this.draw(b);
    return v >= 2 ** (b - 1) ? v - 2 ** b : v;
  }

  /**
   * A uniform integer in [0, m): draw ceil(log2 m) bits, reject values >= m and draw again.
   * m = 1 draws nothing.
   */
  below(m: number): number {
    if (m <= 1) return 0;
    const b = bitsFor(m);
    for (;;) {
      const v = this.draw(b);
      if (v < m) return v;
    }
  }
}

/** ceil(log2 m) for m >= 1: the bits needed to index m values. */
export function bitsFor(m: number): number {
  // whole m up to 2^32: the bit length of m - 1 (below() calls this once per draw, e.g. every shuffle step)
  if (Number.isInteger(m) && m >= 1 && m <= 2 ** 32) return 32 - Math.clz32(m - 1);
  let b = 0;
  while (2 ** b < m) b++;
  return b;
}

/**
 * Derive a nonzero 32-bit seed for a named stream from a run seed. Host-side only: the device
 * receives the derived seeds. (A 32-bit integer hash, "lowbias32" by C. Wellons.)
 */
export function deriveSeed(runSeed: number, stream: number, index: number): number {
  let x = (runSeed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b9) ^ Math.imul(index + 1, 0x85ebca6b);
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  x >>>= 0;
  return x === 0 ? 1 : x;
}

/** Seed streams, so each use of randomness draws from its own generator. */
export const SEED_STREAM = {
  connectivity: 1,
  init: 2,
  feedback: 3,
  rounding: 4,
  shuffle: 5,
} as const;
