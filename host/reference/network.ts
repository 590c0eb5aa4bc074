import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from './backend.ts';

type Tensor2D = tfTypes.Tensor2D;
type Variable = tfTypes.Variable<tfTypes.Rank.R2>;

/**
 * One junction of the sparse network, in the spec's canonical weight order: weight k connects
 * right neuron floor(k / fi) to left neuron leftOfWeight[k]; n * fi weights in all.
 */
export type ReferenceJunction = {
  /** left neurons (layer i-1) */
  p: number;
  /** right neurons (layer i) */
  n: number;
  /** fan-in: weights per right neuron */
  fi: number;
  /** n * fi left-neuron indices, each in 0..p-1 */
  leftOfWeight: Int32Array;
  /** n * fi initial weights as float values (the device's fixed-point values, converted) */
  initialWeights: Float32Array;
};

/**
 * A masked float32 network held as dense matrices in tfjs: for junction i, W[i] is p x n (left
 * neuron by right neuron, so a row vector of activations multiplies it directly), zero off the
 * mask, and C[i] counts the canonical weights on each (left, right) edge: 1 on the mask, 0 off it.
 *
 * A connectivity pattern may hold the same edge twice (SPEC.md section 4.1 measures hundreds of such
 * duplicates for "type 2"). Both copies see the same gradient, so their sum moves by
 * count * gradient each step: keeping W as the sum and scaling the update by C is exact, and each
 * copy is recovered as w0_k + (W - W0) / count (see canonicalWeights).
 *
 * Maths, per sample (no biases, as on the device):
 *   z_i = a_{i-1} W_i;  a_i = relu(z_i) for hidden layers, sigmoid(z_L) for the output layer
 *   delta_L = a_L - y  (sigmoid + binary cross-entropy, y one-hot)
 *   delta_{i-1} = (delta_i W_i^T) * [z_{i-1} > 0]
 *   W_i -= lr * (a_{i-1}^T delta_i) * C_i      (every delta from the weights before the step)
 */
export class MaskedNet {
  readonly tf: Tf;
  readonly layers: readonly number[];
  readonly junctions: readonly ReferenceJunction[];
  private readonly weights: Variable[];
  private readonly counts: Tensor2D[];
  /** dense p x n initial sums and counts, host side, to recover canonical weights */
  private readonly initialDense: Float32Array[];
  private readonly countDense: Uint16Array[];

  constructor(tf: Tf, layers: readonly number[], junctions: readonly ReferenceJunction[]) {
    validate(layers, junctions);
    this.tf = tf;
    this.layers = layers;
    this.junctions = junctions;
    this.weights = [];
    this.counts = [];
    this.initialDense = [];
    this.countDense = [];
    for (const j of junctions) {
      const sum = new Float32Array(j.p * j.n);
      const count = new Uint16Array(j.p * j.n);
      for (let k = 0; k < j.n * j.fi; k++) {
        const at = j.leftOfWeight[k] * j.n + Math.floor(k / j.fi);
        sum[at] = Math.fround(sum[at] + j.initialWeights[k]);
        count[at]++;
      }
      this.initialDense.push(sum);
      this.countDense.push(count);
      this.weights.push(tf.variable(tf.tensor2d(sum, [j.p, j.n]), false));
      this.counts.push(tf.tensor2d(Float32Array.from(count), [j.p, j.n]));
    }
  }

  /** Forward pass of a batch x (rows are samples, values pixel / 256): every z and a. */
  private forward(x: Tensor2D): { zs: Tensor2D[]; as: Tensor2D[] } {
    const tf = this.tf;
    const zs: Tensor2D[] = [];
    const as: Tensor2D[] = [x];
    const last = this.weights.length - 1;
    this.weights.forEach((w, i) => {
      const z = tf.matMul(as[i], w) as Tensor2D;
      zs.push(z);
      as.push(i === last ? tf.sigmoid(z) : tf.relu(z));
    });
    return { zs, as };
  }

  /** Output activations for a batch (rows are samples). The caller disposes the result. */
  predict(x: Tensor2D): Tensor2D {
    return this.tf.tidy(() => {
      const { as } = this.forward(x);
      return as[as.length - 1];
    });
  }

  /**
   * One SGD step on one sample: x is 1 x layers[0] (pixel / 256), y is 1 x classes (one-hot).
   * Runs on the backend without reading anything back.
   */
  step(x: Tensor2D, y: Tensor2D, lr: number): void {
    const tf = this.tf;
    tf.tidy(() => {
      const { zs, as } = this.forward(x);
      const L = this.weights.length;
      const updates: Tensor2D[] = new Array(L);
      let delta: Tensor2D = tf.sub(as[L], y);
      for (let i = L - 1; i >= 0; i--) {
        // outer product a_{i-1}^T delta_i, masked by the edge counts, scaled by lr. A reshape to a
        // column, not matMul's transposeA, which the wasm backend runs about 15x slower here.
        const column = tf.reshape(as[i], [this.layers[i], 1]);
        updates[i] = tf.mul(tf.matMul(tf.mul(column, lr), delta), this.counts[i]);
        if (i > 0) delta = tf.mul(tf.matMul(delta, this.weights[i], false, true), tf.step(zs[i - 1]));
      }
      for (let i = 0; i < L; i++) this.weights[i].assign(tf.sub(this.weights[i], updates[i]));
    });
  }

  /** Weights in canonical order (one Float32Array of n * fi per junction). Reads back from the backend. */
  async canonicalWeights(): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < this.junctions.length; i++) {
      const j = this.junctions[i];
      const dense = (await this.weights[i].data()) as Float32Array;
      const w = new Float32Array(j.n * j.fi);
      for (let k = 0; k < w.length; k++) {
        const at = j.leftOfWeight[k] * j.n + Math.floor(k / j.fi);
        const c = this.countDense[i][at];
        w[k] = c === 1 ? dense[at] : Math.fround(j.initialWeights[k] + (dense[at] - this.initialDense[i][at]) / c);
      }
      out.push(w);
    }
    return out;
  }

  dispose(): void {
    for (const w of this.weights) w.dispose();
    for (const c of this.counts) c.dispose();
  }
}

function validate(layers: readonly number[], junctions: readonly ReferenceJunction[]): void {
  if (layers.length < 2) throw new RangeError(`need at least 2 layers, got ${layers.length}`);
  if (junctions.length !== layers.length - 1) {
    throw new RangeError(`${layers.length} layers need ${layers.length - 1} junctions, got ${junctions.length}`);
  }
  junctions.forEach((j, i) => {
    const where = `junction ${i + 1}`;
    if (j.p !== layers[i] || j.n !== layers[i + 1]) {
      throw new RangeError(`${where}: p x n = ${j.p} x ${j.n} but layers give ${layers[i]} x ${layers[i + 1]}`);
    }
    if (!Number.isInteger(j.fi) || j.fi < 1 || j.fi > 0xffff) throw new RangeError(`${where}: fan-in ${j.fi} out of range`);
    const w = j.n * j.fi;
    if (j.leftOfWeight.length !== w || j.initialWeights.length !== w) {
      throw new RangeError(`${where}: n * fi = ${w} weights, but leftOfWeight has ${j.leftOfWeight.length} and initialWeights ${j.initialWeights.length}`);
    }
    for (let k = 0; k < w; k++) {
      const l = j.leftOfWeight[k];
      if (!(l >= 0 && l < j.p)) throw new RangeError(`${where}: weight ${k} connects left neuron ${l}, outside 0..${j.p - 1}`);
    }
  });
}
