import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmulatedDevice } from '../../emulator/device.ts';
import { activate, outputError, reluGate } from '../../firmware-spec/activation.ts';
import { requantize, roundShift, saturate } from '../../firmware-spec/arith.ts';
import type { NumberFormats } from '../../firmware-spec/formats.ts';
import { Lfsr } from '../../firmware-spec/lfsr.ts';
import { dfaFeedback, type JunctionDescriptor, type NetworkDescriptor } from '../../firmware-spec/network.ts';

/**
 * A second, deliberately plain training model, written here and sharing only the spec's arithmetic
 * primitives (arith.ts, activation.ts) and its LFSR with the emulator. It keeps canonical weights in
 * plain arrays, walks the pipelined schedule of firmware-spec/SPEC.md section 6 literally, and must agree with
 * the emulator bit for bit on random small networks.
 */

interface Plain {
  weights: number[][];
  correct: number;
}

/**
 * One TRAIN of `labels.length` samples through the pipeline, filled and drained: returns the final
 * canonical weights and the FF hit count. `rng` is the stochastic-rounding LFSR, which lives on
 * across TRAIN commands.
 */
function plainTrain(net: NetworkDescriptor, left: number[][], w0: number[][], pixels: number[][], labels: number[], rng: Lfsr): Plain {
  const L = net.junctions.length;
  const f: NumberFormats = net.formats;
  const sizes = [net.junctions[0].p, ...net.junctions.map((j) => j.n)];
  const n = labels.length;
  const dfa = net.feedback === 'dfa';
  const weights = w0.map((w) => [...w]);
  const fb = dfa ? dfaFeedback(sizes.slice(1, L), sizes[L], net.feedbackSeed) : [];
  const upShift = f.delta.frac + f.activation.frac - f.weight.frac + net.lrShift;
  // per sample: activations of layers 0..L and deltas of layers 1..L
  const act: number[][][] = labels.map(() => []);
  const del: number[][][] = labels.map(() => []);
  let correct = 0;
  const latency = dfa ? L + 1 : 2 * L;
  for (let t = 0; t < n + latency - 1; t++) {
    const before = weights.map((w) => [...w]); // every read in a cycle sees the weights of its start
    for (let j = 1; j <= L; j++) {
      // FF of junction j: the sample that entered j - 1 cycles ago
      const s = t - (j - 1);
      if (s < 0 || s >= n) continue;
      if (j === 1) act[s][0] = pixels[s].map((px) => px * 2 ** (f.activation.frac - 8));
      const jd = net.junctions[j - 1];
      const out: number[] = [];
      for (let r = 0; r < jd.n; r++) {
        let sum = 0;
        for (let i = 0; i < jd.fi; i++) sum += before[j - 1][r * jd.fi + i] * act[s][j - 1][left[j - 1][r * jd.fi + i]];
        out.push(activate(jd.activation, sum, f.activation.frac + f.weight.frac, f.activation));
      }
      act[s][j] = out;
      if (j === L) {
        let best = 0;
        for (let r = 1; r < out.length; r++) if (out[r] > out[best]) best = r;
        if (best === labels[s]) correct++;
        del[s][L] = out.map((a, r) => outputError(a, r === labels[s], f.activation, f.delta));
        for (let h = 1; dfa && h < L; h++) {
          del[s][h] = act[s][h].map((a, i) =>
            reluGate(a, f.activation) ? saturate(roundShift(fb[h - 1].sign[i] * del[s][L][fb[h - 1].col[i]], net.feedbackShift), f.delta) : 0,
          );
        }
      }
    }
    for (let j = L; j >= 1; j--) {
      // BP and UP of junction j: the sample that entered 2L - j cycles ago (DFA: L cycles ago)
      const s = dfa ? t - L : t - (2 * L - j);
      if (s < 0 || s >= n) continue;
      const jd: JunctionDescriptor = net.junctions[j - 1];
      if (!dfa && j > 1) {
        const sums = new Array<number>(jd.p).fill(0);
        for (let k = 0; k < jd.n * jd.fi; k++) sums[left[j - 1][k]] += before[j - 1][k] * del[s][j][Math.floor(k / jd.fi)];
        del[s][j - 1] = sums.map((x, l) => (reluGate(act[s][j - 1][l], f.activation) ? requantize(x, f.weight.frac + f.delta.frac, f.delta) : 0));
      }
      const bias: number[] = [];
      for (let r = 0; r < jd.n; r++) bias.push(net.rounding === 'stochastic' && upShift > 0 ? rng.draw(Math.min(upShift, 32)) * 2 ** (upShift - Math.min(upShift, 32)) : 2 ** (upShift - 1));
      for (let k = 0; k < jd.n * jd.fi; k++) {
        const r = Math.floor(k / jd.fi);
        const prod = del[s][j][r] * act[s][j - 1][left[j - 1][k]];
        const step = upShift > 0 ? Math.floor((prod + bias[r]) / 2 ** upShift) : prod * 2 ** -upShift;
        weights[j - 1][k] = saturate(before[j - 1][k] - step, f.weight);
      }
    }
  }
  return { weights, correct };
}

// ---- random small networks ----------------------------------------------------------------------

const formatArb = (minFrac: number, minBits: number) =>
  fc.integer({ min: minBits, max: 18 }).chain((bits) => fc.record({ bits: fc.constant(bits), frac: fc.integer({ min: minFrac, max: bits - 2 }) }));

const caseArb = fc
  .record({
    L: fc.integer({ min: 2, max: 3 }),
    sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 4, maxLength: 4 }),
    inputLanes: fc.integer({ min: 1, max: 4 }),
    inputRows: fc.integer({ min: 1, max: 6 }),
    picks: fc.array(fc.nat(), { minLength: 9, maxLength: 9 }),
    kinds: fc.array(fc.constantFrom('shared', 'shared', 'dense', 'lfsr'), { minLength: 3, maxLength: 3 }),
    formats: fc.record({ activation: formatArb(8, 10), weight: formatArb(0, 8), delta: formatArb(0, 8) }),
    lrShift: fc.integer({ min: 0, max: 12 }),
    feedback: fc.constantFrom('backprop' as const, 'dfa' as const),
    feedbackShift: fc.integer({ min: 0, max: 3 }),
    rounding: fc.constantFrom('nearest' as const, 'stochastic' as const),
    outAct: fc.constantFrom('sigmoid' as const, 'relu' as const),
    seeds: fc.array(fc.integer({ min: 1, max: 0xffffffff }), { minLength: 8, maxLength: 8 }),
    samples: fc.integer({ min: 50, max: 64 }),
    initShift: fc.integer({ min: 0, max: 6 }),
  })
  .map((c) => {
    const layers = [c.inputLanes * c.inputRows, ...c.sizes.slice(0, c.L)];
    const junctions: JunctionDescriptor[] = [];
    for (let j = 0; j < c.L; j++) {
      const p = layers[j];
      const n = layers[j + 1];
      const lanes = [];
      for (let z = 1; z <= p && z <= 8; z++) if (p % z === 0) lanes.push(z);
      const z = lanes[c.picks[3 * j] % lanes.length];
      const kind = c.kinds[j];
      let fo: number;
      let fi: number;
      if (kind === 'dense') {
        fo = n;
        fi = p;
      } else if (kind === 'lfsr') {
        fi = 1 + (c.picks[3 * j + 1] % p);
        fo = (n * fi) / p;
      } else {
        const fos = [];
        for (let x = 1; x <= n; x++) if ((p * x) % n === 0) fos.push(x);
        fo = fos[c.picks[3 * j + 1] % fos.length];
        fi = (p * fo) / n;
      }
      junctions.push({
        p,
        n,
        fo,
        fi,
        z,
        connectivity: kind === 'shared' ? 'clash-free' : kind,
        startVectorMode: 'shared',
        activation: j === c.L - 1 ? c.outAct : 'relu',
        initShift: Math.min(c.initShift, c.formats.weight.bits - 1),
        connectivitySeed: c.seeds[j],
        initSeed: c.seeds[3 + j],
      });
    }
    const net: NetworkDescriptor = {
      formats: c.formats,
      lrShift: c.lrShift,
      feedback: c.feedback,
      feedbackShift: c.feedbackShift,
      feedbackSeed: c.seeds[6],
      rounding: c.rounding,
      roundingSeed: c.seeds[7],
      junctions,
    };
    // samples: pixels and labels from an LFSR seeded by the case
    const lf = new Lfsr(32, c.seeds[0]);
    const pixels = Array.from({ length: c.samples }, () => Array.from({ length: layers[0] }, () => lf.draw(8)));
    const labels = Array.from({ length: c.samples }, () => lf.below(layers[c.L]));
    return { net, pixels, labels };
  });

describe('a plain training model agrees with the emulator bit for bit', () => {
  it('on random small networks (2-3 junctions, random formats, lrShift, backprop and DFA, nearest and stochastic), >= 50 samples', () => {
    let trained = 0;
    fc.assert(
      fc.property(caseArb, ({ net, pixels, labels }) => {
        const L = net.junctions.length;
        const dev = new EmulatedDevice('emu');
        dev.configure(net);
        dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
        const left = net.junctions.map((_, j) => Array.from(dev.connectivity(j)));
        const w0 = net.junctions.map((_, j) => Array.from(dev.readWeights(j)));
        // train in two TRAIN commands: the pipeline drains between them, the model does the same
        const cut = Math.floor(labels.length / 3);
        dev.streamSamples(Uint8Array.from(pixels.flat()), Uint8Array.from(labels));
        const r1 = dev.train(cut);
        const r2 = dev.train(labels.length - cut);
        const rng = new Lfsr(32, net.roundingSeed);
        const p1 = plainTrain(net, left, w0, pixels.slice(0, cut), labels.slice(0, cut), rng);
        const p2 = plainTrain(net, left, p1.weights, pixels.slice(cut), labels.slice(cut), rng);
        expect(dev.status().roundingState).toBe(rng.state);
        for (let j = 0; j < L; j++) expect(Array.from(dev.readWeights(j)), `junction ${j + 1}`).toEqual(p2.weights[j]);
        expect(r1.correct + r2.correct).toBe(p1.correct + p2.correct);
        trained += labels.length;
      }),
      { numRuns: 40 },
    );
    expect(trained).toBeGreaterThanOrEqual(40 * 50);
  });
});
