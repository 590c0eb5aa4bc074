import { countShift, countToStep, drawStreams, ESSOP, lfsrStepsPerUpdate, scaleExponent, threshold } from '../firmware-spec/essop.ts';
import { formatMax, formatMin, type NumberFormats } from '../firmware-spec/formats.ts';
import type { Lfsr } from '../firmware-spec/lfsr.ts';
import type { JunctionDatapath } from './junction.ts';

/**
 * The ESSOP update (firmware-spec/essop.ts) on a junction's datapath: the device's UP pass when the
 * network's update mode is 'essop'. Bit-exact to the spec's reference (firmware-spec/reference).
 *
 * Each operand's stream is built once per UP as a bit mask (32 stream bits per word), because the
 * random numbers are shared along the layer: bit t of left neuron l is u[t] < threshold(|a[l]|).
 * An edge's count is then popcount(streamA[l] & streamD[r]) over the words, the software form of
 * the B AND gates and the counter. Zero activations and zero deltas have all-zero streams, so
 * skipping them changes no bit, as in the exact kernel.
 */
export class EssopUpdater {
  private readonly words: number;
  private streamA: Uint32Array;
  private streamD: Uint32Array;

  constructor(
    readonly streamLength: number,
    private readonly f: NumberFormats,
    maxNeurons: number,
  ) {
    this.words = Math.ceil(streamLength / 32);
    this.streamA = new Uint32Array(maxNeurons * this.words);
    this.streamD = new Uint32Array(maxNeurons * this.words);
  }

  /** One UP: draws 2B random numbers from `lfsr`, updates data.w. Returns the LFSR steps taken. */
  update(data: JunctionDatapath, dRight: Int32Array, aLeft: Int32Array, lrShift: number, lfsr: Lfsr): number {
    const B = this.streamLength;
    const { u, v } = drawStreams(lfsr, B);
    const ea = scaleExponent(aLeft);
    const ed = scaleExponent(dRight);
    const fx = this.f;
    const updateShift = fx.delta.frac + fx.activation.frac - fx.weight.frac + lrShift;
    const s = countShift(updateShift, B, ea, ed);
    this.fill(this.streamA, aLeft, ea, u);
    this.fill(this.streamD, dRight, ed, v);
    const { colStart, colRight, w, p } = data;
    const um = data.updateMask;
    const W = this.words;
    const A = this.streamA;
    const D = this.streamD;
    const hi = formatMax(fx.weight);
    const lo = formatMin(fx.weight);
    for (let l = 0; l < p; l++) {
      const a = aLeft[l];
      if (a === 0) continue;
      const e = colStart[l + 1];
      for (let slot = colStart[l]; slot < e; slot++) {
        const r = colRight[slot];
        const d = dRight[r];
        if (d === 0 || (um !== undefined && um[slot] === 0)) continue;
        let c = 0;
        for (let k = 0; k < W; k++) c += popcount32(A[l * W + k] & D[r * W + k]);
        if (c === 0) continue;
        const step = countToStep(c, s);
        const x = (a < 0) !== (d < 0) ? w[slot] + step : w[slot] - step;
        w[slot] = x > hi ? hi : x < lo ? lo : x;
      }
    }
    return lfsrStepsPerUpdate(B);
  }

  /** The streams of a vector: bit t of entry i is rnd[t] < threshold(|x[i]|, e). */
  private fill(out: Uint32Array, x: Int32Array, e: number, rnd: number[]): void {
    const W = this.words;
    out.fill(0, 0, x.length * W);
    for (let i = 0; i < x.length; i++) {
      if (x[i] === 0) continue;
      const m = threshold(Math.abs(x[i]), e, ESSOP.randomBits);
      for (let t = 0; t < rnd.length; t++) if (rnd[t] < m) out[i * W + (t >>> 5)] |= 1 << (t & 31);
    }
  }
}

/** Set bits of a 32-bit word. */
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
