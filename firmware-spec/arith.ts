import { type FixedFormat, formatMax, formatMin } from './formats.ts';

/**
 * Arithmetic primitives of the datapath. Values are integers carried in JS numbers; every
 * intermediate stays below 2^53 (see FORMAT_BOUNDS), so float64 holds them exactly.
 * This table is the contract the emulator's kernels and the RTL implement.
 */

/** Clamp to the format's range: the one saturation step after an exact computation. */
export function saturate(x: number, f: FixedFormat): number {
  const hi = formatMax(f);
  const lo = formatMin(f);
  return x > hi ? hi : x < lo ? lo : x;
}

/**
 * Drop `s` fractional bits, rounding half up (ties toward +infinity): floor((x + 2^(s-1)) / 2^s).
 * This is what adding the rounding bit then shifting right arithmetically does in hardware.
 * A negative `s` widens (shift left).
 */
export function roundShift(x: number, s: number): number {
  if (s > 0) return Math.floor((x + 2 ** (s - 1)) / 2 ** s);
  if (s < 0) return x * 2 ** -s;
  return x;
}

/** Exact sum (or product) with `fromFrac` fractional bits, rounded and saturated into `to`. */
export function requantize(x: number, fromFrac: number, to: FixedFormat): number {
  return saturate(roundShift(x, fromFrac - to.frac), to);
}

/** Full product of two fixed-point integers: no bits dropped (fractional bits add up). */
export function mulFull(a: number, b: number): number {
  return a * b;
}

/** Two's-complement wrap of an integer to `bits` bits (for decoding raw memory words). */
export function wrapSigned(x: number, bits: number): number {
  const m = 2 ** bits;
  let v = ((x % m) + m) % m;
  if (v >= m / 2) v -= m;
  return v;
}

/** Multiply then requantize: the spec's multiply rule (full product, round half up, saturate). */
export function mulRound(a: number, fa: number, b: number, fb: number, to: FixedFormat): number {
  return requantize(mulFull(a, b), fa + fb, to);
}
