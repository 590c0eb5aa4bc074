import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EmulatedDevice } from '../../emulator/device.ts';
import { JunctionDatapath } from '../../emulator/junction.ts';
import { activate, outputError, relu, reluGate, sigmoid, sigmoidIndex, type ActivationKind } from '../../firmware-spec/activation.ts';
import { mulRound, requantize, roundShift, saturate, wrapSigned } from '../../firmware-spec/arith.ts';
import { clashFreeStartVectors, ConnectivityError, generateConnectivity, type JunctionShape } from '../../firmware-spec/connectivity.ts';
import type { DeviceCounters } from '../../firmware-spec/counters.ts';
import { deriveSeed, Lfsr, lfsrMask, lfsrStep, LFSR_TAPS } from '../../firmware-spec/lfsr.ts';
import { defaultInitShift, initialWeights, type NetworkDescriptor } from '../../firmware-spec/network.ts';
import { generatedFiles } from '../../firmware-spec/gen/all.ts';
import { hostSpecParts } from '../../host/partition/spec-presets.ts';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { loadPreset } from '../../host/config/load.ts';
import { plan } from '../../host/partition/partition.ts';

/**
 * Golden vectors (firmware-spec/vectors, produced by the plain reference model in
 * firmware-spec/reference): the spec's functions reproduce the small ones, and the emulator
 * reproduces every training trace bit for bit, weight by weight, cycle by cycle.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VECTORS = `${ROOT}firmware-spec/vectors/`;
// biome-ignore lint: vectors are plain JSON
type Json = any;
const load = (name: string): Json => JSON.parse(readFileSync(VECTORS + name, 'utf8'));

describe('spec functions reproduce the small vectors', () => {
  it('lfsr.json: states, output bits, draws and derived seeds', () => {
    const v = load('lfsr.json');
    expect(v.widths.map((w: Json) => w.width)).toEqual(Array.from({ length: 30 }, (_, i) => i + 3));
    for (const w of v.widths) {
      expect(w.taps).toEqual(LFSR_TAPS[w.width]);
      expect(w.mask).toBe(lfsrMask(w.width));
      for (const run of [{ seed: 1, ...w.fromSeed1 }, ...w.otherSeeds]) {
        let s = run.seed;
        let bits = '';
        const states: number[] = [];
        for (let i = 0; i < run.states.length; i++) {
          const [next, out] = lfsrStep(s, w.mask);
          s = next;
          states.push(s);
          bits += out;
        }
        expect(states).toEqual(run.states);
        expect(bits).toBe(run.bits);
        // the class agrees with the pure step
        const l = new Lfsr(w.width, run.seed);
        for (let i = 0; i < run.states.length; i++) l.bit();
        expect(l.state).toBe(run.states[run.states.length - 1]);
      }
    }
    const lf = new Lfsr(32, v.draws.seed);
    for (const c of v.draws.calls) {
      const got = c.op === 'draw' ? lf.draw(c.b) : c.op === 'drawSigned' ? lf.drawSigned(c.b) : lf.below(c.m);
      expect(got, JSON.stringify(c)).toBe(c.value);
    }
    expect(lf.steps).toBe(v.draws.stepsAfter);
    expect(lf.state).toBe(v.draws.stateAfter);
    for (const [run, stream, index, seed] of v.deriveSeed.rows) expect(deriveSeed(run, stream, index)).toBe(seed);
  });

  it('arith.json: every table', () => {
    const v = load('arith.json');
    const F = (bits: number, frac: number) => ({ bits, frac });
    for (const [x, b, f, out] of v.saturate.rows) expect(saturate(x, F(b, f))).toBe(out);
    for (const [x, s, out] of v.roundShift.rows) expect(roundShift(x, s), `roundShift(${x}, ${s})`).toBe(out);
    for (const [x, from, b, f, out] of v.requantize.rows) expect(requantize(x, from, F(b, f))).toBe(out);
    for (const [a, fa, b, fb, bits, frac, out] of v.mulRound.rows) expect(mulRound(a, fa, b, fb, F(bits, frac))).toBe(out);
    for (const [x, b, f, idx, out] of v.sigmoid.rows) {
      expect(sigmoidIndex(x, f)).toBe(idx);
      expect(sigmoid(x, F(b, f))).toBe(out);
    }
    for (const [x, b, f, r, g] of v.relu.rows) {
      expect(relu(x, F(b, f))).toBe(r);
      expect(reluGate(x, F(b, f))).toBe(g);
    }
    for (const [kind, acc, accFrac, b, f, out] of v.activate.rows) expect(activate(kind as ActivationKind, acc, accFrac, F(b, f))).toBe(out);
    for (const [a, t, ab, af, db, df, out] of v.outputError.rows) expect(outputError(a, t, F(ab, af), F(db, df))).toBe(out);
    for (const [x, bits, out] of v.wrapSigned.rows) expect(wrapSigned(x, bits)).toBe(out);
    // the hand-checkable anchors: ties round up, also when negative
    expect(roundShift(-2, 2)).toBe(0); // -0.5 -> 0
    expect(roundShift(-6, 2)).toBe(-1); // -1.5 -> -1
    expect(roundShift(6, 2)).toBe(2); // 1.5 -> 2
  });

  it('connectivity.json: start vectors, patterns and refusals', () => {
    const v = load('connectivity.json');
    expect(v.cases.length).toBeGreaterThanOrEqual(8);
    for (const c of v.cases) {
      const shape = c.shape as JunctionShape;
      if (c.kind === 'clash-free') {
        const svs = clashFreeStartVectors(shape, { mode: c.mode, seed: c.seed, startVectors: c.mode === 'explicit' ? c.startVectors : undefined });
        const got = c.mode === 'shared' ? [Array.from(svs[0])] : svs.map((x) => Array.from(x));
        expect(got, c.name).toEqual(c.startVectors);
      }
      const spec = { kind: c.kind, startVectorMode: c.mode, seed: c.seed, startVectors: c.mode === 'explicit' ? c.startVectors : undefined };
      if (c.error) {
        expect(() => generateConnectivity(shape, spec)).toThrow(ConnectivityError);
        try {
          generateConnectivity(shape, spec);
        } catch (e) {
          expect((e as ConnectivityError).code).toBe(c.error);
        }
      } else {
        expect(Array.from(generateConnectivity(shape, spec)), c.name).toEqual(c.leftOfWeight);
      }
    }
    expect(v.cases.some((c: Json) => c.mode === 'per-sweep' && !c.error)).toBe(true);
    expect(v.cases.some((c: Json) => c.mode === 'per-sweep' && c.error === 'duplicate_edge')).toBe(true);
  });

  it('init.json: initial weights and init shifts', () => {
    const v = load('init.json');
    for (const c of v.cases) expect(Array.from(initialWeights(c.count, c.bits, c.initShift, c.initSeed))).toEqual(c.weights);
    for (const [fi, bits, frac, s] of v.defaultInitShift.rows) expect(defaultInitShift(fi, { bits, frac })).toBe(s);
  });
});

const traces = readdirSync(VECTORS)
  .filter((f) => f.startsWith('trace-') && f.endsWith('.json'))
  .sort();

describe('the emulator reproduces every training trace', () => {
  it('has a backprop trace with >= 2 junctions and >= 8 samples, and a DFA trace', () => {
    const all = traces.map(load);
    expect(all.some((t) => t.network.feedback === 'backprop' && t.network.junctions.length >= 2 && t.samples.labels.length >= 8)).toBe(true);
    expect(all.some((t) => t.network.feedback === 'dfa')).toBe(true);
  });

  it('the saturation traces hit every hard case: weight saturation, clipped activations and outputs, saturated deltas, rounding ties', () => {
    const sat = traces.filter((f) => f.includes('satur'));
    expect(sat.length).toBeGreaterThanOrEqual(2);
    for (const file of sat) {
      const t = load(file);
      const e = t.events;
      for (const k of ['ffClips', 'ffTies', 'outputErrorClips', 'weightSaturations', 'updateTies']) expect(e[k], `${file}: ${k}`).toBeGreaterThan(0);
      if (t.network.feedback === 'backprop') expect(e.bpSaturations, `${file}: bpSaturations`).toBeGreaterThan(0);
      // several lanes and several sweeps per junction
      for (const j of t.network.junctions) {
        expect(j.z).toBeGreaterThanOrEqual(4);
        expect(j.fo).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it("the tiny traces use the network the partitioner resolves for the 'tiny' preset (run seed 1)", () => {
    const resolved = plan(loadPreset('tiny'), capabilityFor('emu', specHash())).resolved.network;
    for (const file of ['trace-tiny-backprop.json', 'trace-tiny-dfa.json']) {
      const t = load(file).network as NetworkDescriptor;
      // the learning rate is the trace's own choice (the partitioner's default is tuned for MNIST)
      expect({ ...t, lrShift: 0, feedback: 'backprop' }).toEqual({ ...resolved, lrShift: 0 });
    }
  });

  for (const file of traces) {
    it(file, () => {
      const t = load(file);
      const net = t.network as NetworkDescriptor;
      const L = net.junctions.length;
      const dev = new EmulatedDevice('emu');
      dev.configure(net);
      dev.loadSeeds({
        connectivity: net.junctions.map((j) => j.connectivitySeed),
        init: net.junctions.map((j) => j.initSeed),
        feedback: net.feedbackSeed,
        rounding: net.roundingSeed,
      });
      for (let j = 0; j < L; j++) {
        expect(Array.from(dev.connectivity(j)), `connectivity of junction ${j + 1}`).toEqual(t.connectivity[j]);
        expect(Array.from(dev.readWeights(j)), `initial weights of junction ${j + 1}`).toEqual(t.initialWeights[j]);
      }
      const pixels = Uint8Array.from(t.samples.pixels.flat());
      const labels = Uint8Array.from(t.samples.labels);
      dev.streamSamples(pixels, labels);
      const perCycle: number[][][] = [];
      const res = dev.train(labels.length, () => perCycle.push(Array.from({ length: L }, (_, j) => Array.from(dev.readWeights(j)))));
      expect(res.junctionCycles).toBe(t.cycles);
      expect(perCycle.length).toBe(t.weightsAfterCycle.length);
      for (let c = 0; c < perCycle.length; c++) {
        for (let j = 0; j < L; j++) expect(perCycle[c][j], `junction ${j + 1} after cycle ${c}`).toEqual(t.weightsAfterCycle[c][j]);
      }
      expect(res.correct).toBe(t.correct);
      const { about: _a, ...want } = t.counters;
      const got = dev.readCounters() as Partial<DeviceCounters>;
      delete got.lfsrSteps;
      delete got.wireBytesIn;
      delete got.wireBytesOut;
      expect(got).toEqual(want);

      // FF outputs during training: the emulator's datapath on the weights each FF saw (sample s
      // does junction j's FF in cycle s + j - 1, with the weights after cycle s + j - 2)
      for (let s = 0; s < labels.length; s++) {
        let a = Int32Array.from(t.samples.pixels[s] as number[], (x) => x * 2 ** (net.formats.activation.frac - 8));
        for (let j = 0; j < L; j++) {
          const jd = net.junctions[j];
          const dp = new JunctionDatapath(jd.p, jd.n, Int32Array.from(t.connectivity[j]), (k) => Math.floor(k / jd.fi), net.formats, jd.activation);
          const cyc = s + j - 1;
          dp.writeCanonical(0, Int32Array.from(cyc < 0 ? t.initialWeights[j] : t.weightsAfterCycle[cyc][j]));
          const out = new Int32Array(jd.n);
          dp.forward(a, out, new Float64Array(jd.n));
          a = out;
        }
        expect(Array.from(a), `FF output of sample ${s}`).toEqual(t.outputs[s]);
      }

      // INFER of the same samples after training
      dev.streamSamples(pixels, labels);
      const inf = dev.infer(labels.length);
      expect(Array.from(inf.predictions)).toEqual(t.infer.predictions);
    });
  }
});

describe('generated files are current', () => {
  it('regenerating in memory gives the committed vectors, LUT, SPEC.md tables and RTL header', async () => {
    const read = (rel: string) => {
      try {
        return readFileSync(ROOT + rel, 'utf8');
      } catch {
        return undefined;
      }
    };
    const files = await generatedFiles(read, hostSpecParts());
    expect(Object.keys(files)).toContain('firmware-spec/SPEC.md');
    for (const [rel, content] of Object.entries(files)) expect(read(rel) === content, `${rel} is stale: run npm run gen`).toBe(true);
    // and no vector file is left over from an older generator
    const generatedVectors = Object.keys(files).filter((f) => f.startsWith('firmware-spec/vectors/'));
    for (const f of readdirSync(VECTORS).filter((x) => x.endsWith('.json'))) expect(generatedVectors).toContain(`firmware-spec/vectors/${f}`);
  }, 60_000);
});
