import { formatMax, formatMin, type NumberFormats } from '../firmware-spec/formats.ts';
import { SIGMOID_LUT, SIGMOID_LUT_IN_FRAC, SIGMOID_LUT_OUT_FRAC, SIGMOID_LUT_SIZE } from '../firmware-spec/activation.ts';
import type { ActivationKind } from '../firmware-spec/activation.ts';

/**
 * One junction's datapath: its weights and the three passes, as fast typed-array kernels that are
 * bit-exact to the spec's primitives (firmware-spec/arith.ts, activation.ts).
 *
 * Layout: the device stores weights in canonical (right-major) order; this model keeps them
 * left-major (all edges of left neuron l together) so each pass walks memory linearly and skips a
 * left neuron whose activation is zero: its FF products, its UP products and (ReLU gate closed) its
 * BP sum are all exactly zero, so skipping changes no bit. Timing comes from the lane schedule,
 * never from this loop, so the skip changes no counter either.
 *
 * Arithmetic: operands are integers; products and sums are carried in float64, exact below 2^53
 * (the format bounds guarantee it). Rounding is round half up: floor((x + 2^(s-1)) * 2^-s), where
 * multiplying by a power of two is exact.
 */
export class JunctionDatapath {
  readonly p: number;
  readonly n: number;
  readonly edges: number;
  /** first slot of each left neuron, p + 1 entries */
  readonly colStart: Int32Array;
  /** right neuron of each slot */
  readonly colRight: Int32Array;
  /** canonical weight index of each slot */
  readonly slotToCanonical: Int32Array;
  /** weights, by slot */
  readonly w: Int32Array;
  /**
   * Update mask by slot (firmware-spec/masks.ts): UP leaves a slot with 0 unchanged. Undefined:
   * every slot is updated. Set by the mask unit (emulator/balance).
   */
  updateMask?: Uint8Array;
  private readonly f: NumberFormats;
  private readonly rightAct: ActivationKind;

  constructor(p: number, n: number, leftOfWeight: Int32Array, fiOfRight: (k: number) => number, f: NumberFormats, rightActivation: ActivationKind) {
    this.p = p;
    this.n = n;
    this.edges = leftOfWeight.length;
    this.f = f;
    this.rightAct = rightActivation;
    const layout = leftMajorLayout(p, leftOfWeight, fiOfRight);
    this.colStart = layout.colStart;
    this.colRight = layout.colRight;
    this.slotToCanonical = layout.slotToCanonical;
    this.w = new Int32Array(this.edges);
  }

  /** Weights in canonical order. */
  readCanonical(out = new Int32Array(this.edges)): Int32Array {
    const { w, slotToCanonical } = this;
    for (let s = 0; s < this.edges; s++) out[slotToCanonical[s]] = w[s];
    return out;
  }

  /** Overwrite canonical weights [offset, offset + words.length). */
  writeCanonical(offset: number, words: Int32Array): void {
    const end = offset + words.length;
    const { w, slotToCanonical } = this;
    for (let s = 0; s < this.edges; s++) {
      const k = slotToCanonical[s];
      if (k >= offset && k < end) w[s] = words[k - offset];
    }
  }

  /**
   * FF: right activations from left activations (activation format), in place into `aRight`.
   * `acc` is scratch of n entries.
   */
  forward(aLeft: Int32Array, aRight: Int32Array, acc: Float64Array): void {
    const { colStart, colRight, w, p, n } = this;
    acc.fill(0, 0, n);
    for (let l = 0; l < p; l++) {
      const a = aLeft[l];
      if (a === 0) continue;
      const e = colStart[l + 1];
      for (let s = colStart[l]; s < e; s++) acc[colRight[s]] += a * w[s];
    }
    forwardEpilogue(acc, aRight, n, this.f, this.rightAct);
  }

  /**
   * BP: left deltas from right deltas, gated by the left layer's ReLU derivative (aLeft of the same
   * sample). Writes dLeft (delta format).
   */
  backward(dRight: Int32Array, aLeft: Int32Array, dLeft: Int32Array): void {
    const { colStart, colRight, w, p } = this;
    const fd = this.f.delta;
    const aHi = formatMax(this.f.activation);
    const shift = this.f.weight.frac;
    const half = 2 ** (shift - 1);
    const inv = 2 ** -shift;
    const hi = formatMax(fd);
    const lo = formatMin(fd);
    for (let l = 0; l < p; l++) {
      const a = aLeft[l];
      if (a <= 0 || a >= aHi) {
        dLeft[l] = 0;
        continue;
      }
      let acc = 0;
      const e = colStart[l + 1];
      for (let s = colStart[l]; s < e; s++) acc += w[s] * dRight[colRight[s]];
      const x = Math.floor((acc + half) * inv);
      dLeft[l] = x > hi ? hi : x < lo ? lo : x;
    }
  }

  /**
   * UP: w -= round(dRight[r] * aLeft[l] * 2^-lrShift) into weight format, saturated.
   * `roundBias[r]`, when given, replaces the half-up rounding constant for row r (stochastic
   * rounding with one random number per row, ESSOP-style reuse).
   */
  update(dRight: Int32Array, aLeft: Int32Array, lrShift: number, roundBias?: Float64Array): void {
    const { colStart, colRight, w, p } = this;
    const um = this.updateMask;
    const shift = this.f.delta.frac + this.f.activation.frac - this.f.weight.frac + lrShift;
    const half = shift > 0 ? 2 ** (shift - 1) : 0;
    const inv = 2 ** -shift;
    const hi = formatMax(this.f.weight);
    const lo = formatMin(this.f.weight);
    for (let l = 0; l < p; l++) {
      const a = aLeft[l];
      if (a === 0) continue;
      const e = colStart[l + 1];
      if (roundBias) {
        for (let s = colStart[l]; s < e; s++) {
          const r = colRight[s];
          const d = dRight[r];
          if (d === 0 || (um !== undefined && um[s] === 0)) continue;
          const x = w[s] - Math.floor((d * a + roundBias[r]) * inv);
          w[s] = x > hi ? hi : x < lo ? lo : x;
        }
      } else {
        for (let s = colStart[l]; s < e; s++) {
          const d = dRight[colRight[s]];
          if (d === 0 || (um !== undefined && um[s] === 0)) continue;
          const x = w[s] - Math.floor((d * a + half) * inv);
          w[s] = x > hi ? hi : x < lo ? lo : x;
        }
      }
    }
  }
}

/** A junction's edges grouped by left neuron (slot order): what both kernel sets index by. */
export interface LeftMajorLayout {
  /** first slot of each left neuron, p + 1 entries */
  colStart: Int32Array;
  /** right neuron of each slot */
  colRight: Int32Array;
  /** canonical weight index of each slot */
  slotToCanonical: Int32Array;
}

export function leftMajorLayout(p: number, leftOfWeight: Int32Array, fiOfRight: (k: number) => number): LeftMajorLayout {
  const edges = leftOfWeight.length;
  const count = new Int32Array(p + 1);
  for (let k = 0; k < edges; k++) count[leftOfWeight[k] + 1]++;
  for (let l = 0; l < p; l++) count[l + 1] += count[l];
  const colRight = new Int32Array(edges);
  const slotToCanonical = new Int32Array(edges);
  const fill = Int32Array.from(count);
  for (let k = 0; k < edges; k++) {
    const slot = fill[leftOfWeight[k]]++;
    colRight[slot] = fiOfRight(k);
    slotToCanonical[slot] = k;
  }
  return { colStart: count, colRight, slotToCanonical };
}

/**
 * FF's last step, shared by every kernel set: each exact sum `acc[r]` (activation.frac +
 * weight.frac fractional bits) rounded once into the activation format, then the nonlinearity.
 */
export function forwardEpilogue(acc: Float64Array, aRight: Int32Array, n: number, f: NumberFormats, rightAct: ActivationKind): void {
  const fa = f.activation;
  const shift = f.weight.frac;
  const half = 2 ** (shift - 1);
  const inv = 2 ** -shift;
  const hi = formatMax(fa);
  const lo = formatMin(fa);
  if (rightAct === 'relu') {
    for (let r = 0; r < n; r++) {
      const x = Math.floor((acc[r] + half) * inv);
      aRight[r] = x <= 0 ? 0 : x > hi ? hi : x;
    }
  } else {
    const binShift = 2 ** -(fa.frac - SIGMOID_LUT_IN_FRAC);
    const outShift = SIGMOID_LUT_OUT_FRAC - fa.frac;
    const outHalf = outShift > 0 ? 2 ** (outShift - 1) : 0;
    const outInv = 2 ** -outShift;
    for (let r = 0; r < n; r++) {
      let x = Math.floor((acc[r] + half) * inv);
      x = x > hi ? hi : x < lo ? lo : x;
      let i = Math.floor(x * binShift) + SIGMOID_LUT_SIZE / 2;
      i = i < 0 ? 0 : i >= SIGMOID_LUT_SIZE ? SIGMOID_LUT_SIZE - 1 : i;
      const y = Math.floor((SIGMOID_LUT[i] + outHalf) * outInv);
      aRight[r] = y > hi ? hi : y;
    }
  }
}

/**
 * BP's last step, shared by every kernel set: left neuron l's delta from its exact sum `sums[l]`
 * (delta.frac + weight.frac fractional bits), gated by the ReLU derivative of aLeft[l] (closed at
 * 0 and at saturation), rounded once and saturated into the delta format.
 */
export function backwardEpilogue(sums: Float64Array, aLeft: Int32Array, dLeft: Int32Array, p: number, f: NumberFormats): void {
  const aHi = formatMax(f.activation);
  const half = 2 ** (f.weight.frac - 1);
  const inv = 2 ** -f.weight.frac;
  const hi = formatMax(f.delta);
  const lo = formatMin(f.delta);
  for (let l = 0; l < p; l++) {
    const a = aLeft[l];
    if (a <= 0 || a >= aHi) {
      dLeft[l] = 0;
      continue;
    }
    const x = Math.floor((sums[l] + half) * inv);
    dLeft[l] = x > hi ? hi : x < lo ? lo : x;
  }
}

/** What the device model needs of a junction's datapath: the plain model or a faster kernel set. */
export type JunctionKernels = Pick<JunctionDatapath, 'p' | 'n' | 'edges' | 'slotToCanonical' | 'updateMask' | 'forward' | 'backward' | 'update' | 'readCanonical' | 'writeCanonical'>;
