import { roundShift, saturate } from './arith.ts';
import type { FixedFormat } from './formats.ts';
import type { Lfsr } from './lfsr.ts';

/**
 * ESSOP: the weight update's outer product (delta x activation) by stochastic computing, after
 * Joshi et al., "ESSOP: Efficient and Scalable Stochastic Outer Product Architecture for Deep
 * Learning", arXiv 2003.11256 (2020). SPEC.md, section "ESSOP update", says why each choice was made.
 *
 * For one UP of a junction with left activations a[l] and right deltas d[r] (one sample):
 *
 *   1. Shift scaling. ea = bitLength(max_l |a[l]|), ed = bitLength(max_r |d[r]|) (0 for an all-zero
 *      vector). Every magnitude is below 2^e, so |x| / 2^e lies in [0, 1); no multiply is needed.
 *      In hardware bitLength(max |x|) = bitLength(OR of all |x|): an OR accumulator and a
 *      leading-one detector.
 *   2. Probabilities. Each magnitude becomes an R-bit threshold (R = ESSOP.randomBits) by a shift:
 *      m = roundShift(|x|, e - R) (round half up) if e > R, else |x| << (R - e). So m in [0, 2^R]
 *      and m / 2^R ~ |x| / 2^e (m = 2^R: every bit is 1).
 *      Signs are kept aside: sign(a) * sign(d) is applied to the counted magnitude.
 *   3. Random numbers, reused along a row and a column. For stream bit t = 0 .. B-1 (B the stream
 *      length) the junction draws one R-bit number u[t] shared by every left neuron (the column
 *      operand) and one v[t] shared by every right neuron (the row operand): all B numbers u first,
 *      then all B numbers v, each `draw(R)` of the run's update LFSR (the 32-bit stochastic-rounding
 *      generator, SEED_STREAM.rounding). Bit t of a[l]'s stream is (u[t] < m_a[l]); of d[r]'s,
 *      (v[t] < m_d[r]). Every UP draws 2 * B numbers, whatever the data, so the generator's state
 *      depends only on how many UPs ran and a checkpoint's roundingState resumes it exactly.
 *   4. Count. c = number of t where both bits are 1 (B AND gates and a counter). Since u and v are
 *      independent and uniform, E[c] = B * (m_a / 2^R) * (m_d / 2^R).
 *   5. Weight change. c estimates |a||d| as c * 2^(ea + ed - log2 B) in product units (fraction bits
 *      act.frac + delta.frac). The exact update drops `shift` = delta.frac + act.frac - weight.frac +
 *      lrShift bits of the product, so the step in weight units is c * 2^-s with
 *      s = shift + log2 B - ea - ed: a left shift when s <= 0 (exact), else round half up of the
 *      magnitude (roundShift(c, s)). Then w = saturate(w - sign(a) sign(d) step).
 *
 * Deterministic from the seeds: the only randomness is the update LFSR, drawn in UP order (deepest
 * junction first, as stochastic rounding draws).
 */
export const ESSOP = {
  /** bits of each random number and of each operand's threshold (the comparators' width) */
  randomBits: 8,
  /** the stream length B: a power of two (so dividing by B is a shift) within these bounds */
  streamLength: { min: 2, max: 256, default: 16 },
} as const;

/** Update modes: the exact multiply (with the network's rounding), or the ESSOP stochastic outer product. */
export const UPDATE_MODES = ['exact', 'essop'] as const;
export type UpdateMode = (typeof UPDATE_MODES)[number];

/** The update of a network (NetworkDescriptor.update; absent means exact). streamLength is 0 for 'exact'. */
export interface UpdateDescriptor {
  mode: UpdateMode;
  /** ESSOP stream length B (a power of two in ESSOP.streamLength); 0 for 'exact' */
  streamLength: number;
}

/** Problems with an update descriptor, as [path, message] pairs; empty when valid. */
export function checkUpdate(u: UpdateDescriptor | undefined, rounding: string): Array<[string, string]> {
  if (!u) return [];
  const out: Array<[string, string]> = [];
  if (!(UPDATE_MODES as readonly string[]).includes(u.mode)) out.push(['update.mode', `must be one of ${UPDATE_MODES.join(', ')}, got ${u.mode}`]);
  else if (u.mode === 'exact') {
    if (u.streamLength !== 0) out.push(['update.streamLength', `must be 0 for the exact update, got ${u.streamLength}`]);
  } else {
    const { min, max } = ESSOP.streamLength;
    const b = u.streamLength;
    if (!Number.isInteger(b) || b < min || b > max || (b & (b - 1)) !== 0) out.push(['update.streamLength', `must be a power of two in ${min}..${max}, got ${b}`]);
    if (rounding !== 'nearest') out.push(['rounding', `the essop update draws from the rounding LFSR and rounds its own counts; rounding must be 'nearest', got '${rounding}'`]);
  }
  return out;
}

/** Number of bits of a non-negative integer: bitLength(0) = 0, bitLength(1) = 1, bitLength(255) = 8. */
export function bitLength(x: number): number {
  let b = 0;
  while (x >= 2 ** b) b++;
  return b;
}

/** The scale exponent of a vector: bitLength of its largest magnitude. */
export function scaleExponent(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const x = Math.abs(v[i]);
    if (x > m) m = x;
  }
  return bitLength(m);
}

/**
 * The R-bit threshold of a magnitude under scale exponent e (step 2): a shift, rounding half up
 * (truncating would bias every product low, by up to one threshold step in each operand).
 */
export function threshold(magnitude: number, e: number, R: number = ESSOP.randomBits): number {
  return e > R ? roundShift(magnitude, e - R) : magnitude * 2 ** (R - e);
}

/** The random numbers of one UP (step 3): B numbers for the activations, then B for the deltas. */
export function drawStreams(lfsr: Lfsr, B: number, R: number = ESSOP.randomBits): { u: number[]; v: number[] } {
  const u: number[] = [];
  const v: number[] = [];
  for (let t = 0; t < B; t++) u.push(lfsr.draw(R));
  for (let t = 0; t < B; t++) v.push(lfsr.draw(R));
  return { u, v };
}

/** LFSR steps of one junction's ESSOP UP: 2B numbers of R bits. */
export function lfsrStepsPerUpdate(B: number, R: number = ESSOP.randomBits): number {
  return 2 * B * R;
}

/** The right shift from a count to a weight step (step 5): s = shift + log2 B - ea - ed. */
export function countShift(updateShift: number, B: number, ea: number, ed: number): number {
  return updateShift + Math.log2(B) - ea - ed;
}

/** Weight step magnitude from a count (step 5): c * 2^-s, a left shift or round half up. */
export function countToStep(c: number, s: number): number {
  if (s <= 0) return c * 2 ** -s;
  return Math.floor((c + 2 ** (s - 1)) / 2 ** s);
}

/** The new weight: saturate(w - sign * step) into the weight format. */
export function applyStep(w: number, negative: boolean, step: number, f: FixedFormat): number {
  return saturate(negative ? w + step : w - step, f);
}
