/**
 * Number formats of the datapath. Every quantity is two's-complement fixed point:
 * a value v with `bits` bits and `frac` fractional bits means v / 2^frac.
 */
export interface FixedFormat {
  /** total width including the sign bit */
  readonly bits: number;
  /** binary point: number of fractional bits */
  readonly frac: number;
}

export type Quantity = 'activation' | 'weight' | 'delta';

export interface NumberFormats {
  readonly activation: FixedFormat;
  readonly weight: FixedFormat;
  readonly delta: FixedFormat;
}

/**
 * Defaults chosen to train MNIST at batch 1 (see SPEC.md): activations in [-8, 8) with a
 * 1/4096 step, weights and deltas in [-2, 2) with a 1/16384 step, so a learning-rate-scaled
 * update of about 2^-15 still lands in the weight.
 */
export const DEFAULT_FORMATS: NumberFormats = {
  activation: { bits: 16, frac: 12 },
  weight: { bits: 16, frac: 14 },
  delta: { bits: 16, frac: 14 },
};

/**
 * Bounds a config may choose within. The upper bound keeps every product below 2^36 and every
 * fan-in sum below 2^53, so the emulator's float64 arithmetic on integers stays exact, and keeps
 * each operand within one iCE40 SB_MAC16 port pair (up to 18 bits uses two DSPs in the RTL).
 */
export const FORMAT_BOUNDS = {
  bits: { min: 8, max: 18 },
  /** at least one integer bit besides the sign, so the constant 1.0 of the output target fits */
  minIntegerBits: 2,
} as const;

/** The input layer: samples arrive as unsigned 8-bit intensities, value = byte / 256. */
export const INPUT_FORMAT = { bits: 8, frac: 8, signed: false } as const;

/** Largest fan-in (and left-neuron fan-out) the accumulators are sized for: 2^16. */
export const MAX_FAN_LOG2 = 16;

// (an integer shift where it is exact, as it is for every datapath format: these run per sample)
export function formatMax(f: FixedFormat): number {
  return f.bits <= 31 ? (1 << (f.bits - 1)) - 1 : 2 ** (f.bits - 1) - 1;
}

export function formatMin(f: FixedFormat): number {
  return f.bits <= 31 ? -(1 << (f.bits - 1)) : -(2 ** (f.bits - 1));
}

/** Accumulator width that makes a sum of `2^fanLog2` full products exact. */
export function accumulatorBits(a: FixedFormat, b: FixedFormat, fanLog2 = MAX_FAN_LOG2): number {
  return a.bits + b.bits + fanLog2;
}

/** Problems with a set of formats, as [path, message] pairs; empty when valid. */
export function checkFormats(f: NumberFormats): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  for (const q of ['activation', 'weight', 'delta'] as const) {
    const { bits, frac } = f[q];
    if (!Number.isInteger(bits) || bits < FORMAT_BOUNDS.bits.min || bits > FORMAT_BOUNDS.bits.max) {
      problems.push([`${q}.bits`, `must be an integer in ${FORMAT_BOUNDS.bits.min}..${FORMAT_BOUNDS.bits.max}, got ${bits}`]);
    }
    if (!Number.isInteger(frac) || frac < 0 || frac > bits - FORMAT_BOUNDS.minIntegerBits) {
      problems.push([`${q}.frac`, `must be an integer in 0..bits-${FORMAT_BOUNDS.minIntegerBits} (${bits - FORMAT_BOUNDS.minIntegerBits}), got ${frac}`]);
    }
  }
  if (f.activation.frac < INPUT_FORMAT.frac) {
    problems.push(['activation.frac', `must be at least ${INPUT_FORMAT.frac} so input bytes convert exactly, got ${f.activation.frac}`]);
  }
  return problems;
}
