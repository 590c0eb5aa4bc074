/**
 * Stimulus for the junction-engine testbench from a golden training trace
 * (firmware-spec/vectors/trace-*.json). The script plays the device's sequencer: the pipelined
 * schedule (schedule.ts), input bytes to activations, the output error and DFA feedback, using the
 * plain reference model (firmware-spec/reference). The engine in RTL does every junction pass: start
 * vector draw, initial weights, FF, BP and UP. The testbench checks the start vectors, every FF
 * output, every BP left delta, the initial weights and every junction's weights after every
 * junction cycle against the trace.
 */
import { outputError, reluGate } from '../../firmware-spec/activation.ts';
import { roundShift, saturate } from '../../firmware-spec/arith.ts';
import { clashFreeStartVectors } from '../../firmware-spec/connectivity.ts';
import { PROFILES } from '../../firmware-spec/capability.ts';
import { DEFAULT_FORMATS } from '../../firmware-spec/formats.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';
import { phaseOffset, type Phase, trainCycles } from '../../firmware-spec/schedule.ts';
import {
  backwardJunction,
  forwardJunction,
  inputActivations,
  referenceNetwork,
  updateJunction,
} from '../../firmware-spec/reference/index.ts';
import type { TraceJson } from '../helpers/emulator-trace.ts';
import { Script } from './harness.ts';

/** A golden trace file as the RTL tests read it (the emulator's trace format, without its results). */
export type TraceFile = Omit<TraceJson, 'correct' | 'events'>;

/** Why the RTL engine cannot run this trace, or undefined. */
export function unsupported(net: NetworkDescriptor, lanes: number): string | undefined {
  if (net.update && net.update.mode !== 'exact') return `update '${net.update.mode}': the RTL has no ESSOP update (up5k: features.essop false; its LUTs are the scarce resource)`;
  if (JSON.stringify(net.formats) !== JSON.stringify(DEFAULT_FORMATS)) return `formats ${JSON.stringify(net.formats)}: the RTL is built for the default formats only (up5k: formatsConfigurable false)`;
  if (net.rounding !== 'nearest') return `rounding '${net.rounding}': the RTL has no stochastic rounding (up5k: stochasticRounding false)`;
  for (const [i, j] of net.junctions.entries()) {
    if (j.connectivity !== 'clash-free' || j.startVectorMode !== 'shared') return `junction ${i + 1}: ${j.connectivity}/${j.startVectorMode}: the engine draws one shared start vector (type 3)`;
    if (j.z > lanes) return `junction ${i + 1}: z = ${j.z} > ${lanes} lanes`;
    if (j.fi < j.z) return `junction ${i + 1}: fi = ${j.fi} < z = ${j.z}`;
  }
  return undefined;
}

export function traceScript(tr: TraceFile): { script: Script; checkedWeights: number } {
  const net = tr.network;
  const rn = referenceNetwork(net);
  const L = net.junctions.length;
  const s = new Script();
  const wbase: number[] = [];
  let rows = 0;
  for (const j of net.junctions) {
    wbase.push(rows);
    rows += (j.n * j.fi) / j.z;
  }
  const wordsPerBank = PROFILES.up5k.weightWords / PROFILES.up5k.maxLanesPerJunction;
  if (rows > wordsPerBank) throw new Error(`trace needs ${rows} weight rows per bank, the engine has ${wordsPerBank}`);
  // The engine holds one start vector; switching junctions re-draws it from the junction's seed
  // (z draws of ceil(log2 p/z) bits: a few clocks), and the testbench checks it every time.
  const svs = net.junctions.map((d) => clashFreeStartVectors(d, { mode: 'shared', seed: d.connectivitySeed })[0]);
  const cfg = (j: number) => {
    const d = net.junctions[j];
    s.line(1, d.z, d.p / d.z, d.fo, d.fi, wbase[j], net.lrShift, d.initShift, d.activation === 'sigmoid' ? 1 : 0);
    s.line(2, d.connectivitySeed >>> 0, ...svs[j]);
    s.checks += svs[j].length;
  };
  let checkedWeights = 0;
  const expectWeights = (j: number, w: ArrayLike<number>) => {
    s.list(10, w, true);
    checkedWeights += w.length;
  };

  // LOAD_SEEDS: the engine draws each start vector and generates the initial weights
  for (let j = 0; j < L; j++) {
    cfg(j);
    s.line(4, net.junctions[j].initSeed >>> 0);
    expectWeights(j, tr.initialWeights[j]);
  }

  // TRAIN, as referenceTrain schedules it; each junction pass runs on the engine
  const n = tr.samples.labels.length;
  const cycles = trainCycles(n, L, net.feedback);
  if (cycles !== tr.cycles) throw new Error(`trace has ${tr.cycles} cycles, the schedule ${cycles}`);
  const dfa = net.feedback === 'dfa';
  const f = net.formats;
  const act: Int32Array[][] = tr.samples.labels.map(() => []);
  const delta: Int32Array[][] = tr.samples.labels.map(() => []);
  const at = (t: number, ph: Phase, j: number) => {
    const off = phaseOffset(ph, j, L, net.feedback);
    const x = t - off;
    return off >= 0 && x >= 0 && x < n ? x : -1;
  };
  for (let t = 0; t < cycles; t++) {
    const old = rn.weights.map((w) => Int32Array.from(w));
    for (let j = 1; j <= L; j++) {
      const x = at(t, 'FF', j);
      if (x < 0) continue;
      if (j === 1) act[x][0] = inputActivations(Uint8Array.from(tr.samples.pixels[x]), f);
      act[x][j] = forwardJunction(rn, j - 1, old[j - 1], act[x][j - 1]);
      cfg(j - 1);
      s.list(5, act[x][j - 1], false);
      s.line(7, 1, 0, 0);
      s.list(8, act[x][j], true);
      if (j === L) {
        const label = tr.samples.labels[x];
        delta[x][L] = Int32Array.from(act[x][L], (a, r) => outputError(a, r === label, f.activation, f.delta));
        if (dfa) {
          for (let i = 1; i < L; i++) {
            const fb = rn.feedback[i - 1];
            delta[x][i] = Int32Array.from(act[x][i], (a, h) =>
              reluGate(a, f.activation) ? saturate(roundShift(fb.sign[h] * delta[x][L][fb.col[h]], net.feedbackShift), f.delta) : 0,
            );
          }
        }
      }
    }
    for (let j = L; j >= 1; j--) {
      const x = at(t, 'UP', j);
      if (x < 0) continue;
      const bp = !dfa && j > 1 && at(t, 'BP', j) === x;
      if (bp) delta[x][j - 1] = backwardJunction(rn, j - 1, old[j - 1], delta[x][j], act[x][j - 1]);
      updateJunction(rn, j - 1, old[j - 1], rn.weights[j - 1], delta[x][j], act[x][j - 1]);
      cfg(j - 1);
      s.list(5, act[x][j - 1], false);
      s.list(6, delta[x][j], false);
      s.line(7, 0, bp ? 1 : 0, 1);
      if (bp) s.list(9, delta[x][j - 1], true);
    }
    for (let j = 0; j < L; j++) {
      const want = tr.weightsAfterCycle[t][j];
      const mine = rn.weights[j];
      if (want.some((v, k) => v !== mine[k])) throw new Error(`the sequencer disagrees with the trace at cycle ${t}, junction ${j + 1}`);
      cfg(j);
      expectWeights(j, want);
    }
  }
  return { script: s, checkedWeights };
}
