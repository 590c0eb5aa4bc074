import { mulberry32 } from '../datasets/index.ts';
import type { ReferenceJunction } from './network.ts';

/**
 * A random masked junction for tests and benchmarks of the reference: each right neuron gets `fi`
 * distinct left neurons drawn uniformly (partial Fisher-Yates, so fan-out is only equal on
 * average: this is not the device's clash-free pattern, which firmware-spec/connectivity.ts
 * generates), and weights uniform in +-sqrt(3 / fi), i.e. variance 1 / fi, so pre-activations
 * start near unit scale. Deterministic for a seed.
 */
export function randomMaskedJunction(p: number, n: number, fi: number, seed: number): ReferenceJunction {
  if (!Number.isInteger(fi) || fi < 1 || fi > p) throw new RangeError(`fan-in ${fi} must be in 1..${p}`);
  const next = mulberry32(seed);
  const uniform = (): number => next() / 0x1_0000_0000; // [0, 1)
  const leftOfWeight = new Int32Array(n * fi);
  const initialWeights = new Float32Array(n * fi);
  const pool = Int32Array.from({ length: p }, (_, i) => i);
  const scale = Math.sqrt(3 / fi);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < fi; k++) {
      const j = k + Math.floor(uniform() * (p - k));
      const tmp = pool[k];
      pool[k] = pool[j];
      pool[j] = tmp;
      leftOfWeight[r * fi + k] = pool[k];
      initialWeights[r * fi + k] = (2 * uniform() - 1) * scale;
    }
  }
  return { p, n, fi, leftOfWeight, initialWeights };
}
