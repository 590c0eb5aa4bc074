import { activate, outputError, reluGate } from '../activation.ts';
import { requantize, roundShift, saturate } from '../arith.ts';
import { generateConnectivity } from '../connectivity.ts';
import { addPhase, type DeviceCounters, emptyCounters, phaseCost } from '../counters.ts';
import { countShift, countToStep, drawStreams, scaleExponent, threshold, applyStep } from '../essop.ts';
import { formatMax, INPUT_FORMAT, type NumberFormats } from '../formats.ts';
import { Lfsr, LFSR_WIDTH_MAIN } from '../lfsr.ts';
import { dfaFeedback, initialWeights, type NetworkDescriptor } from '../network.ts';
import { JUNCTION_PIPELINE_CLOCKS, junctionClocks, type Phase, PHASES, phaseOffset, trainCycles } from '../schedule.ts';

/**
 * A plain reference model of the device, written from the spec and nothing else: canonical weight
 * arrays, straightforward loops, and the spec's primitives (arith.ts, activation.ts). It is slow on
 * purpose and shares no code with the emulator; the golden vectors are produced with it.
 */

export interface ReferenceNetwork {
  net: NetworkDescriptor;
  /** neurons per layer, input first */
  layers: number[];
  /** per junction: left neuron of each canonical weight */
  leftOfWeight: Int32Array[];
  /** per junction: canonical weights (updated in place by training) */
  weights: Int32Array[];
  /** DFA: per hidden layer, the output neuron each hidden neuron listens to, and its sign */
  feedback: Array<{ col: Int32Array; sign: Int8Array }>;
}

/**
 * The hard cases a run hit, counted by the reference as it trains (for the golden traces' `events`,
 * so a trace can show that it exercises them). Every count is of one rounding or saturation step:
 *   ffClips          FF: the requantized pre-activation saturated, or a ReLU clipped at the format's max
 *   ffTies           FF: the requantize dropped exactly half a step (rounded half up)
 *   bpSaturations    BP: a left delta saturated
 *   outputErrorClips the output error a - y saturated into the delta format
 *   weightSaturations UP: a weight update saturated
 *   updateTies       UP (nearest rounding): d * a dropped exactly half a step
 */
export interface HardCaseEvents {
  ffClips: number;
  ffTies: number;
  bpSaturations: number;
  outputErrorClips: number;
  weightSaturations: number;
  updateTies: number;
}

export function noEvents(): HardCaseEvents {
  return { ffClips: 0, ffTies: 0, bpSaturations: 0, outputErrorClips: 0, weightSaturations: 0, updateTies: 0 };
}

/** x's dropped bits are exactly half a step when shifting right by s > 0. */
function isTie(x: number, s: number): boolean {
  if (s <= 0) return false;
  const m = 2 ** s;
  return ((x % m) + m) % m === m / 2;
}

/** What the device generates at LOAD_SEEDS: connectivity, initial weights and the DFA matrix. */
export function referenceNetwork(net: NetworkDescriptor): ReferenceNetwork {
  const layers = [net.junctions[0].p, ...net.junctions.map((j) => j.n)];
  const leftOfWeight = net.junctions.map((j) =>
    generateConnectivity(j, { kind: j.connectivity, startVectorMode: j.startVectorMode, seed: j.connectivitySeed, startVectors: j.startVectors }),
  );
  const weights = net.junctions.map((j, i) => initialWeights(leftOfWeight[i].length, net.formats.weight.bits, j.initShift, j.initSeed));
  const L = net.junctions.length;
  const feedback = net.feedback === 'dfa' ? dfaFeedback(layers.slice(1, L), layers[L], net.feedbackSeed) : [];
  return { net, layers, leftOfWeight, weights, feedback };
}

/** Input bytes to activation format: byte / 256, widened exactly. */
export function inputActivations(pixels: Uint8Array, f: NumberFormats): Int32Array {
  const a = new Int32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) a[i] = roundShift(pixels[i], INPUT_FORMAT.frac - f.activation.frac);
  return a;
}

/** FF of one junction: right activations from left activations, using weights `w`. */
export function forwardJunction(rn: ReferenceNetwork, j: number, w: Int32Array, aLeft: Int32Array, events?: HardCaseEvents): Int32Array {
  const d = rn.net.junctions[j];
  const f = rn.net.formats;
  const left = rn.leftOfWeight[j];
  const out = new Int32Array(d.n);
  for (let r = 0; r < d.n; r++) {
    let acc = 0;
    for (let i = 0; i < d.fi; i++) {
      const k = r * d.fi + i;
      acc += w[k] * aLeft[left[k]];
    }
    out[r] = activate(d.activation, acc, f.activation.frac + f.weight.frac, f.activation);
    if (events) {
      const s = f.weight.frac;
      const x = roundShift(acc, s);
      if (x !== saturate(x, f.activation) || (d.activation === 'relu' && x >= formatMax(f.activation))) events.ffClips++;
      if (isTie(acc, s)) events.ffTies++;
    }
  }
  return out;
}

/** BP of one junction: left deltas from right deltas, gated by the left layer's ReLU derivative. */
export function backwardJunction(rn: ReferenceNetwork, j: number, w: Int32Array, dRight: Int32Array, aLeft: Int32Array, events?: HardCaseEvents): Int32Array {
  const d = rn.net.junctions[j];
  const f = rn.net.formats;
  const left = rn.leftOfWeight[j];
  const acc = new Array<number>(d.p).fill(0);
  for (let k = 0; k < w.length; k++) acc[left[k]] += w[k] * dRight[Math.floor(k / d.fi)];
  const out = new Int32Array(d.p);
  for (let l = 0; l < d.p; l++) {
    out[l] = reluGate(aLeft[l], f.activation) ? requantize(acc[l], f.weight.frac + f.delta.frac, f.delta) : 0;
    if (events && reluGate(aLeft[l], f.activation)) {
      const x = roundShift(acc[l], f.weight.frac);
      if (x !== saturate(x, f.delta)) events.bpSaturations++;
    }
  }
  return out;
}

/** The number of dropped bits of a weight update: (delta x activation) -> weight, times 2^-lrShift. */
export function updateShift(net: NetworkDescriptor): number {
  const f = net.formats;
  return f.delta.frac + f.activation.frac - f.weight.frac + net.lrShift;
}

/**
 * UP of one junction: w[k] = saturate(w[k] - round((d[r] * a[l]) / 2^shift)), writing into `wNew`
 * and reading `wOld`. Nearest: round half up. Stochastic: floor((d*a + bias[r]) / 2^shift), one
 * random bias per right neuron r.
 */
export function updateJunction(rn: ReferenceNetwork, j: number, wOld: Int32Array, wNew: Int32Array, dRight: Int32Array, aLeft: Int32Array, bias?: number[], events?: HardCaseEvents): void {
  const d = rn.net.junctions[j];
  const f = rn.net.formats;
  const left = rn.leftOfWeight[j];
  const shift = updateShift(rn.net);
  for (let k = 0; k < wOld.length; k++) {
    const r = Math.floor(k / d.fi);
    const product = dRight[r] * aLeft[left[k]];
    const step = bias ? Math.floor((product + bias[r]) / 2 ** shift) : roundShift(product, shift);
    wNew[k] = saturate(wOld[k] - step, f.weight);
    if (events) {
      if (wNew[k] !== wOld[k] - step) events.weightSaturations++;
      if (!bias && product !== 0 && isTie(product, shift)) events.updateTies++;
    }
  }
}

/**
 * Stochastic rounding biases for one junction's UP: per right neuron b = min(shift, 32) LFSR bits,
 * placed at the top of the dropped bits (times 2^(shift - b)).
 */
export function drawBiases(lfsr: Lfsr, n: number, shift: number): number[] {
  const bias: number[] = [];
  const b = Math.min(shift, 32);
  for (let r = 0; r < n; r++) bias.push(shift > 0 ? lfsr.draw(b) * 2 ** (shift - b) : 0);
  return bias;
}

/**
 * ESSOP UP of one junction (firmware-spec/essop.ts), written out weight by weight: each weight's
 * count is the number of stream bits t where u[t] < threshold(|a[l]|) and v[t] < threshold(|d[r]|).
 */
export function updateJunctionEssop(rn: ReferenceNetwork, j: number, wOld: Int32Array, wNew: Int32Array, dRight: Int32Array, aLeft: Int32Array, streams: { u: number[]; v: number[] }): void {
  const d = rn.net.junctions[j];
  const f = rn.net.formats;
  const left = rn.leftOfWeight[j];
  const B = streams.u.length;
  const ea = scaleExponent(aLeft);
  const ed = scaleExponent(dRight);
  const s = countShift(updateShift(rn.net), B, ea, ed);
  for (let k = 0; k < wOld.length; k++) {
    const a = aLeft[left[k]];
    const dr = dRight[Math.floor(k / d.fi)];
    const ma = threshold(Math.abs(a), ea);
    const md = threshold(Math.abs(dr), ed);
    let c = 0;
    for (let t = 0; t < B; t++) if (streams.u[t] < ma && streams.v[t] < md) c++;
    wNew[k] = applyStep(wOld[k], (a < 0) !== (dr < 0), countToStep(c, s), f.weight);
  }
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

export interface ReferenceTrainResult {
  /** junction cycles: n + latency - 1 */
  cycles: number;
  /** per cycle t, every junction's canonical weights after the cycle */
  weightsAfterCycle: Int32Array[][];
  /** per sample, the output layer's activations from its FF (the one scored for `correct`) */
  outputs: Int32Array[];
  predictions: number[];
  correct: number;
  counters: DeviceCounters;
}

interface InFlight {
  act: Int32Array[];
  delta: Int32Array[];
  label: number;
}

/**
 * A pipelined TRAIN of the given samples (SPEC.md section 6, schedule.ts): in cycle t, junction j
 * does phase P for the sample that entered in cycle t - phaseOffset(P, j). Every phase of a cycle
 * reads the weights as they were at the start of the cycle; UP writes the new weights.
 * Updates `rn.weights` in place.
 */
export function referenceTrain(rn: ReferenceNetwork, pixels: Uint8Array[], labels: number[], events?: HardCaseEvents): ReferenceTrainResult {
  const net = rn.net;
  const L = net.junctions.length;
  const n = labels.length;
  const cycles = trainCycles(n, L, net.feedback);
  const dfa = net.feedback === 'dfa';
  const shift = updateShift(net);
  const rounding = net.rounding === 'stochastic' ? new Lfsr(LFSR_WIDTH_MAIN, net.roundingSeed) : undefined;
  // ESSOP draws its streams from the same generator, seeded the same way (essop.ts, step 3)
  const essop = net.update?.mode === 'essop' ? new Lfsr(LFSR_WIDTH_MAIN, net.roundingSeed) : undefined;
  const samples: InFlight[] = labels.map((label) => ({ act: [], delta: [], label }));
  const outputs: Int32Array[] = [];
  const predictions: number[] = [];
  let correct = 0;
  const weightsAfterCycle: Int32Array[][] = [];
  const counters = emptyCounters(net.junctions.map((j) => j.z));
  /** the sample junction j serves in `phase` during cycle t, if any */
  const sampleAt = (t: number, phase: Phase, j: number): number => {
    const off = phaseOffset(phase, j, L, net.feedback);
    const s = t - off;
    return off >= 0 && s >= 0 && s < n ? s : -1;
  };

  for (let t = 0; t < cycles; t++) {
    const old = rn.weights.map((w) => Int32Array.from(w));
    const active = net.junctions.map(() => new Set<Phase>());
    // FF, junction 1 first (no junction reads another's output of the same cycle)
    for (let j = 1; j <= L; j++) {
      const s = sampleAt(t, 'FF', j);
      if (s < 0) continue;
      const c = samples[s];
      if (j === 1) c.act[0] = inputActivations(pixels[s], net.formats);
      c.act[j] = forwardJunction(rn, j - 1, old[j - 1], c.act[j - 1], events);
      active[j - 1].add('FF');
      if (j === L) {
        // the output error, formed at the end of the sample's last FF
        const f = net.formats;
        const out = c.act[L];
        c.delta[L] = Int32Array.from(out, (a, r) => outputError(a, r === c.label, f.activation, f.delta));
        if (events) {
          for (let r = 0; r < out.length; r++) {
            const x = roundShift(out[r] - (r === c.label ? 2 ** f.activation.frac : 0), f.activation.frac - f.delta.frac);
            if (x !== saturate(x, f.delta)) events.outputErrorClips++;
          }
        }
        outputs.push(Int32Array.from(out));
        predictions.push(argmax(out));
        if (argmax(out) === c.label) correct++;
        if (dfa) {
          for (let i = 1; i < L; i++) {
            const fb = rn.feedback[i - 1];
            c.delta[i] = Int32Array.from(c.act[i], (a, h) =>
              reluGate(a, f.activation) ? saturate(roundShift(fb.sign[h] * c.delta[L][fb.col[h]], net.feedbackShift), f.delta) : 0,
            );
          }
        }
      }
    }
    // BP (backprop only; junction 1 has none), from the deepest junction down
    for (let j = L; j >= 2; j--) {
      const s = sampleAt(t, 'BP', j);
      if (s < 0) continue;
      const c = samples[s];
      c.delta[j - 1] = backwardJunction(rn, j - 1, old[j - 1], c.delta[j], c.act[j - 1], events);
      active[j - 1].add('BP');
    }
    // UP, from the deepest junction down (the order in which stochastic rounding draws its bits)
    for (let j = L; j >= 1; j--) {
      const s = sampleAt(t, 'UP', j);
      if (s < 0) continue;
      const c = samples[s];
      if (essop) updateJunctionEssop(rn, j - 1, old[j - 1], rn.weights[j - 1], c.delta[j], c.act[j - 1], drawStreams(essop, net.update!.streamLength));
      else {
        const bias = rounding ? drawBiases(rounding, net.junctions[j - 1].n, shift) : undefined;
        updateJunction(rn, j - 1, old[j - 1], rn.weights[j - 1], c.delta[j], c.act[j - 1], bias, events);
      }
      active[j - 1].add('UP');
    }
    countCycle(rn, counters, active);
    weightsAfterCycle.push(rn.weights.map((w) => Int32Array.from(w)));
  }
  counters.samplesTrained += n;
  return { cycles, weightsAfterCycle, outputs, predictions, correct, counters };
}

/** INFER with the current weights: FF only, one sample after another. */
export function referenceInfer(rn: ReferenceNetwork, pixels: Uint8Array[]): { outputs: Int32Array[]; predictions: number[] } {
  const outputs: Int32Array[] = [];
  for (const px of pixels) {
    let a = inputActivations(px, rn.net.formats);
    for (let j = 0; j < rn.net.junctions.length; j++) a = forwardJunction(rn, j, rn.weights[j], a);
    outputs.push(a);
  }
  return { outputs, predictions: outputs.map(argmax) };
}

/**
 * Counters of one junction cycle (counters.ts). Only for patterns where lane k of every clock reads
 * bank k (clash-free and dense): each pass takes W/z clocks plus the pipeline fill, with no stall.
 */
function countCycle(rn: ReferenceNetwork, counters: DeviceCounters, active: Array<Set<Phase>>): void {
  const js = rn.net.junctions;
  const clocks = js.map((j, i) => {
    const left = rn.leftOfWeight[i];
    for (let k = 0; k < left.length; k++) {
      if (left[k] % j.z !== k % j.z) throw new Error(`reference counters: junction ${i + 1} is not clash-free`);
    }
    if (left.length % j.z !== 0) throw new Error(`reference counters: junction ${i + 1} has ${left.length} edges, not a multiple of z = ${j.z}`);
    return junctionClocks(left.length, j.z);
  });
  let cycleClocks = 0;
  active.forEach((a, i) => {
    if (a.size > 0) cycleClocks = Math.max(cycleClocks, clocks[i]);
  });
  if (cycleClocks === 0) return;
  counters.clocks += cycleClocks;
  counters.junctionCycles += 1;
  js.forEach((j, i) => {
    const jc = counters.junctions[i];
    const W = rn.leftOfWeight[i].length;
    if (active[i].size === 0) {
      jc.idleClocks += cycleClocks;
      for (let k = 0; k < j.z; k++) jc.lanes.idle[k] += cycleClocks;
      return;
    }
    for (const ph of PHASES) {
      if (active[i].has(ph)) addPhase(jc[ph], phaseCost(ph, active[i], { edges: W, p: j.p, n: j.n, clocks: clocks[i], stalls: 0 }));
    }
    jc.idleClocks += cycleClocks - clocks[i];
    for (let k = 0; k < j.z; k++) {
      // W = p*fo and z divides p: every lane has an edge in every clock of the pass
      jc.lanes.busy[k] += W / j.z;
      jc.lanes.idle[k] += JUNCTION_PIPELINE_CLOCKS + cycleClocks - clocks[i];
    }
  });
}
