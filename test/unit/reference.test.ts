import { beforeAll, describe, expect, it } from 'vitest';
import { loadDatasetSpec, mulberry32, subset, type Dataset } from '../../host/datasets/index.ts';
import {
  MaskedNet,
  randomMaskedJunction,
  selectTfBackend,
  trainFloatReference,
  type ReferenceJunction,
  type TfBackend,
} from '../../host/reference/index.ts';

/**
 * One SGD step in float64, written straight from the maths over the canonical edge list (each
 * weight k on its own, so duplicate edges need no special handling):
 *   z = W a (masked), a = relu / sigmoid, delta_L = a - y,
 *   delta_{i-1} = (W^T delta_i) * [z > 0], w_k -= lr * delta_right(k) * a_left(k).
 */
function float64Step(layers: number[], js: ReferenceJunction[], x: number[], label: number, lr: number): { out: number[]; weights: number[][] } {
  const L = js.length;
  const as: number[][] = [x];
  const zs: number[][] = [];
  js.forEach((j, i) => {
    const z = new Array<number>(j.n).fill(0);
    for (let k = 0; k < j.n * j.fi; k++) z[Math.floor(k / j.fi)] += j.initialWeights[k] * as[i][j.leftOfWeight[k]];
    zs.push(z);
    as.push(z.map((v) => (i === L - 1 ? 1 / (1 + Math.exp(-v)) : Math.max(0, v))));
  });
  const deltas: number[][] = new Array(L + 1);
  deltas[L] = as[L].map((a, r) => a - (r === label ? 1 : 0));
  for (let i = L - 1; i >= 1; i--) {
    const j = js[i];
    const d = new Array<number>(j.p).fill(0);
    for (let k = 0; k < j.n * j.fi; k++) d[j.leftOfWeight[k]] += j.initialWeights[k] * deltas[i + 1][Math.floor(k / j.fi)];
    deltas[i] = d.map((v, l) => (zs[i - 1][l] > 0 ? v : 0));
  }
  const weights = js.map((j, i) =>
    Array.from(j.initialWeights, (w, k) => w - lr * deltas[i + 1][Math.floor(k / j.fi)] * as[i][j.leftOfWeight[k]]),
  );
  return { out: as[L], weights };
}

let backend: TfBackend;
beforeAll(async () => {
  backend = await selectTfBackend();
});

describe('selectTfBackend', () => {
  it('picks a backend and says why', async () => {
    expect(['tfjs-node', 'wasm', 'cpu']).toContain(backend.backend);
    expect(backend.note.length).toBeGreaterThan(10);
    if (backend.backend !== 'tfjs-node') expect(backend.note).toMatch(/tfjs-node unavailable/);
    expect(await selectTfBackend()).toBe(backend); // chosen once per process
  });
});

describe('MaskedNet single SGD step', () => {
  const layers = [16, 8, 4];
  const lr = 2 ** -3;

  function check(junctions: ReferenceJunction[], seed: number): Promise<void> {
    const tf = backend.tf;
    const next = mulberry32(seed);
    const x = Array.from({ length: layers[0] }, () => Math.round((next() / 2 ** 32) * 255) / 256);
    const label = next() % layers[2];
    const expected = float64Step(layers, junctions, x, label, lr);
    const net = new MaskedNet(tf, layers, junctions);
    const xt = tf.tensor2d(x, [1, layers[0]]);
    const yt = tf.tensor2d(Array.from({ length: layers[2] }, (_, r) => (r === label ? 1 : 0)), [1, layers[2]]);
    return (async () => {
      try {
        const out = net.predict(xt);
        const before = Array.from(await out.data());
        out.dispose();
        before.forEach((v, r) => expect(Math.abs(v - expected.out[r])).toBeLessThan(1e-5));
        net.step(xt, yt, lr);
        const after = await net.canonicalWeights();
        after.forEach((w, i) => {
          expect(w.length).toBe(expected.weights[i].length);
          let moved = 0;
          w.forEach((v, k) => {
            expect(Math.abs(v - expected.weights[i][k])).toBeLessThan(1e-5);
            if (v !== junctions[i].initialWeights[k]) moved++;
          });
          expect(moved).toBeGreaterThan(0); // the step did something on every junction
        });
      } finally {
        net.dispose();
        xt.dispose();
        yt.dispose();
      }
    })();
  }

  it('matches a float64 computation to 1e-5 on a random 16-8-4 masked network', async () => {
    for (const seed of [1, 2, 3]) {
      await check([randomMaskedJunction(16, 8, 6, seed * 10), randomMaskedJunction(8, 4, 3, seed * 10 + 1)], seed);
    }
  });

  it('handles duplicate edges (each copy gets the same gradient)', async () => {
    const j1 = randomMaskedJunction(16, 8, 6, 99);
    // right neuron 0's second weight repeats its first edge
    j1.leftOfWeight[1] = j1.leftOfWeight[0];
    await check([j1, randomMaskedJunction(8, 4, 8, 98)], 5);
  });

  it('rejects junctions that do not fit the layers', () => {
    const j = randomMaskedJunction(16, 8, 6, 1);
    expect(() => new MaskedNet(backend.tf, [16, 8, 4], [j])).toThrow(/2 junctions/);
    expect(() => new MaskedNet(backend.tf, [15, 8], [j])).toThrow(/p x n/);
    const bad = { ...j, leftOfWeight: Int32Array.from(j.leftOfWeight, (l, k) => (k === 3 ? 16 : l)) };
    expect(() => new MaskedNet(backend.tf, [16, 8], [bad])).toThrow(/left neuron 16/);
  });
});

describe('trainFloatReference on MNIST', () => {
  it('reaches > 0.8 test accuracy from 1,000 samples with a random 38%-density mask', { timeout: 60_000 }, async () => {
    const { train, test }: { train: Dataset; test: Dataset } = loadDatasetSpec('mnist');
    const small = subset(train, Int32Array.from({ length: 1000 }, (_, i) => i), 'mnist/train-1000');
    const layers = [784, 112, 10];
    const junctions = [
      randomMaskedJunction(784, 112, Math.round(0.38 * 784), 1),
      randomMaskedJunction(112, 10, Math.round(0.38 * 112), 2),
    ];
    const seen: number[] = [];
    const r = await trainFloatReference({
      layers,
      junctions,
      lr: 2 ** -5,
      epochs: 3,
      train: small,
      test,
      backend,
      onEpoch: (e) => seen.push(e.epoch),
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(r.backend).toBe(backend.backend);
    expect(r.testAccuracy).toBeGreaterThan(0.8);
    expect(r.trainAccuracy).toBeGreaterThan(0.8);
    expect(r.weights.map((w) => w.length)).toEqual([112 * 298, 10 * 43]);
    expect(r.seconds).toBeGreaterThan(0);
  });

  it('checks the input layer against the images', async () => {
    const { test } = loadDatasetSpec('mnist');
    const j = randomMaskedJunction(100, 10, 10, 1);
    await expect(trainFloatReference({ layers: [100, 10], junctions: [j], lr: 0.1, epochs: 1, train: test, test, backend })).rejects.toMatchObject({
      code: 'shape_mismatch',
    });
  });
});
