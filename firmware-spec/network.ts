import type { ActivationKind } from './activation.ts';
import type { ConnectivityKind, StartVectorMode } from './connectivity.ts';
import type { UpdateDescriptor } from './essop.ts';
import type { NumberFormats } from './formats.ts';
import { Lfsr, LFSR_WIDTH_MAIN } from './lfsr.ts';

/** How hidden layers get their error: backprop through the junctions, or direct feedback alignment. */
export type FeedbackMode = 'backprop' | 'dfa';
/** Rounding of weight updates: round half up, or stochastic with LFSR bits reused along a row (ESSOP). */
export type UpdateRounding = 'nearest' | 'stochastic';

/** One junction as the device is told it (CONFIGURE) plus its seeds (LOAD_SEEDS). */
export interface JunctionDescriptor {
  p: number;
  n: number;
  /** fan-out of each left neuron (mean for 'lfsr') */
  fo: number;
  /** fan-in of each right neuron */
  fi: number;
  /** lanes */
  z: number;
  connectivity: ConnectivityKind;
  startVectorMode: StartVectorMode;
  /** explicit start vectors (mode 'explicit' only) */
  startVectors?: number[][];
  /** activation of the right layer */
  activation: ActivationKind;
  /** arithmetic right shift applied to raw LFSR words for initial weights (see initialWeights) */
  initShift: number;
  /** 32-bit LFSR seeds, nonzero */
  connectivitySeed: number;
  initSeed: number;
}

/** The resolved network: everything that fixes a run's bits, independent of the device. */
export interface NetworkDescriptor {
  formats: NumberFormats;
  /** learning rate 2^-lrShift */
  lrShift: number;
  feedback: FeedbackMode;
  /** DFA: right shift applied to the output error on its way to a hidden neuron */
  feedbackShift: number;
  feedbackSeed: number;
  rounding: UpdateRounding;
  roundingSeed: number;
  junctions: JunctionDescriptor[];
  /** the weight update: absent or 'exact' multiplies; 'essop' is the stochastic outer product (essop.ts) */
  update?: UpdateDescriptor;
}

/**
 * Initial-weight shift for a fan-in: raw weights span the full format range [-2^(bits-1-frac), ...),
 * shifted right by s so the range is about He-uniform, sqrt(6 / fi).
 */
export function defaultInitShift(fi: number, f: { bits: number; frac: number }): number {
  const range = 2 ** (f.bits - 1 - f.frac);
  const s = Math.round(Math.log2(range / Math.sqrt(6 / fi)));
  return Math.max(0, Math.min(f.bits - 1, s));
}

/**
 * Initial weights in canonical order: for each weight, `bits` output bits of a 32-bit LFSR seeded
 * with initSeed, as a two's-complement number, arithmetic-shifted right by initShift (floor).
 * Regenerable at any time from the seed, which DropBack relies on.
 */
export function initialWeights(count: number, bits: number, initShift: number, initSeed: number): Int32Array {
  const lfsr = new Lfsr(LFSR_WIDTH_MAIN, initSeed);
  const w = new Int32Array(count);
  const div = 2 ** initShift;
  for (let k = 0; k < count; k++) w[k] = Math.floor(lfsr.drawSigned(bits) / div);
  return w;
}

/**
 * Sparse DFA feedback: hidden neuron h of layer i receives the output error of output neuron
 * col[h], times sign[h] (+1 or -1), shifted right by feedbackShift. Drawn from a 32-bit LFSR seeded
 * with feedbackSeed, layer by layer (layers 1..L-1), per neuron: column then one sign bit.
 */
export function dfaFeedback(hiddenSizes: number[], outputs: number, seed: number, stats?: { lfsrSteps: number }): Array<{ col: Int32Array; sign: Int8Array }> {
  const lfsr = new Lfsr(LFSR_WIDTH_MAIN, seed);
  const out = hiddenSizes.map((size) => {
    const col = new Int32Array(size);
    const sign = new Int8Array(size);
    for (let h = 0; h < size; h++) {
      col[h] = lfsr.below(outputs);
      sign[h] = lfsr.bit() ? -1 : 1;
    }
    return { col, sign };
  });
  if (stats) stats.lfsrSteps += lfsr.steps;
  return out;
}

/**
 * Canonical bytes of a junction's weights, the order weightsSha256 hashes and READ_WEIGHTS returns:
 * canonical weight order, each weight little-endian two's complement in 2 bytes (bits <= 16) or 4.
 */
export function weightWordBytes(bits: number): 2 | 4 {
  return bits <= 16 ? 2 : 4;
}

export function encodeWeights(w: Int32Array, bits: number): Buffer {
  const bw = weightWordBytes(bits);
  const b = Buffer.alloc(w.length * bw);
  if (bw === 2) for (let i = 0; i < w.length; i++) b.writeInt16LE(w[i], i * 2);
  else for (let i = 0; i < w.length; i++) b.writeInt32LE(w[i], i * 4);
  return b;
}

export function decodeWeights(b: Buffer, bits: number): Int32Array {
  const bw = weightWordBytes(bits);
  const w = new Int32Array(b.length / bw);
  if (bw === 2) for (let i = 0; i < w.length; i++) w[i] = b.readInt16LE(i * 2);
  else for (let i = 0; i < w.length; i++) w[i] = b.readInt32LE(i * 4);
  return w;
}
