/**
 * The RTL against the golden vectors, in Icarus Verilog. Each testbench checks its own results and
 * prints `PASS n/m vectors`; these tests run them, print the counts, and require every vector to pass.
 * Without iverilog the suite is skipped with the reason; with CI set, a missing simulator fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROFILES } from '../../firmware-spec/capability.ts';
import { RTL_SEQ_STORE_WORDS, rtlGeometry, verilogFiles } from '../../firmware-spec/gen/verilog.ts';
import { bitsFor } from '../../firmware-spec/lfsr.ts';
import { storeLayout } from '../../firmware-spec/store.ts';
import type { FeedbackMode, NetworkDescriptor } from '../../firmware-spec/network.ts';
import { referenceNetwork, referenceTrain } from '../../firmware-spec/reference/index.ts';
import { REPO, runTestbench, type Script, simulatorMissing, version } from './harness.ts';
import { seqScript, seqTimingScript } from './seq.ts';
import { trainClocks } from '../../firmware-spec/timing.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { type TraceFile, traceScript, unsupported } from './trace.ts';
import { actScript, arithScript, connScript, initScript, lfsrScript, loadVectors } from './vectors.ts';

const missing = simulatorMissing();
const LANES = PROFILES.up5k.maxLanesPerJunction;
/** the committed traces use z = 4; the engine is simulated with Z = 4 for them (the up5k build has Z = LANES) */
const SIM_LANES = 4;
/** the sequencer's store in the trace benches (the up5k build has RTL_SEQ_STORE_WORDS) */
const SIM_STORE_BITS = 12;
const tally: string[] = [];
/** the golden traces that saturate weights and clip activations and outputs (firmware-spec/gen/vectors.ts) */
const SATURATION_TRACES = ['trace-saturation-backprop.json', 'trace-saturation-dfa.json'];

/**
 * A training trace the up5k build (z <= LANES) can run: the tiny trace's junctions with z cut to the
 * lanes, plus a third junction (sigmoid), trained by the reference with the given feedback.
 */
function derivedTrace(feedback: FeedbackMode, single = false, oneRow = false): TraceFile {
  const tiny = loadVectors<TraceFile>('trace-tiny-backprop.json')!;
  const net: NetworkDescriptor = structuredClone(tiny.network);
  net.feedback = feedback;
  // DFA: a rounding shift on the feedback (the committed DFA trace has none)
  if (feedback === 'dfa') net.feedbackShift = 3;
  net.junctions = net.junctions.map((j) => ({ ...j, z: Math.min(j.z, LANES) }));
  net.junctions.push({ ...net.junctions[1], p: 4, n: 4, fo: 2, fi: 2, activation: 'sigmoid', initSeed: 77, connectivitySeed: 5 });
  // single: one junction of LANES lanes, 16 -> 4 (fits the up5k profile's lane budget as a whole)
  if (single) net.junctions = [{ ...net.junctions[0], n: 4, fo: 2, fi: 8, activation: 'sigmoid' }];
  // oneRow: a hidden layer of LANES neurons, so the next junction has m = p / z = 1 (every clock of
  // its passes on one row of each lane: BP forwards its partial sums instead of reading them back)
  if (oneRow) {
    const z = LANES;
    net.junctions = [
      { ...net.junctions[0], z, n: z, fo: 1, fi: net.junctions[0].p / z },
      { ...net.junctions[1], z, p: z, n: 4, fo: 4, fi: z },
    ];
  }
  const rn = referenceNetwork(net);
  const initialWeights = rn.weights.map((w) => Array.from(w));
  const pixels = tiny.samples.pixels.map((p) => Uint8Array.from(p));
  const res = referenceTrain(rn, pixels, tiny.samples.labels);
  return {
    network: net,
    samples: tiny.samples,
    initialWeights,
    cycles: res.cycles,
    weightsAfterCycle: res.weightsAfterCycle.map((c) => c.map((w) => Array.from(w))),
  };
}
let passedAll = 0;
let totalAll = 0;

function run(name: string, top: string, script: Script, params?: Record<string, number>, spram = false) {
  const r = runTestbench({ top, script: script.text(), params, spram });
  if (!r.ok) process.stderr.write(`${name}:\n${r.output.split('\n').slice(-30).join('\n')}\n`);
  tally.push(`${name}: ${r.passed}/${r.total} vectors`);
  passedAll += r.passed;
  totalAll += r.total;
  expect(r.total, `${name}: the testbench ran ${r.total} checks, the script holds ${script.checks}`).toBe(script.checks);
  expect(r.ok, `${name}: ${r.passed}/${r.total}`).toBe(true);
  return r;
}

describe('RTL simulator', () => {
  it.runIf(missing !== undefined)(`is available${missing ? ` (${missing})` : ""}`, () => {
    if (process.env.CI) throw new Error(`CI is set and the RTL tests cannot run: ${missing}`);
    console.warn(`RTL tests skipped: ${missing}`);
  });
});

describe.skipIf(missing !== undefined)(`RTL in Icarus Verilog (${missing ? 'skipped' : version('iverilog')})`, () => {
  afterAll(() => {
    console.log(`RTL vectors: ${passedAll}/${totalAll} passed\n  ${tally.join('\n  ')}`);
  });

  it('the committed generated files are current (bitstreams-src/gen)', () => {
    for (const [path, content] of Object.entries(verilogFiles())) {
      expect(readFileSync(join(REPO, path), 'utf8'), `${path} is stale: run npm run gen`).toBe(content);
    }
  });

  it('LFSR, every width 3..32', () => {
    run('lfsr', 'tb_lfsr', lfsrScript());
  });

  it('arithmetic: saturate, requantize, MAC lane, update unit, output error', () => {
    const { script } = arithScript();
    run('arith', 'tb_arith', script);
  });

  it('activation unit: ReLU and the LUT sigmoid', () => {
    const { script } = actScript();
    run('activation', 'tb_act', script);
  });

  it('connectivity: start-vector draw and the clash-free address generator', () => {
    const { script, cases, skipped } = connScript(4);
    if (skipped.length) console.log(`connectivity cases not run: ${skipped.join('; ')}`);
    expect(cases).toBeGreaterThan(0);
    run('connectivity', 'tb_conn', script, { Z: 4 });
  });

  it('initial weights, generated by the junction engine', () => {
    const { script } = initScript();
    run('init', 'tb_junction', script, { Z: 1 });
  });

  for (const name of ['trace-tiny-backprop.json', 'trace-tiny-dfa.json', 'trace-3j-stochastic.json', ...SATURATION_TRACES, 'trace-essop-tiny.json', 'trace-essop-3j.json']) {
    const tr = loadVectors<TraceFile>(name);
    const why = !tr ? `${name} is not there yet` : unsupported(tr.network, SIM_LANES);
    it.skipIf(why !== undefined)(`junction engine, full training trace ${name}${why ? ` (not run: ${why})` : ''}`, () => {
      const { script } = traceScript(tr!);
      run(name, 'tb_junction', script, { Z: SIM_LANES });
    });
  }

  it(`junction engine as built for up5k (Z = ${LANES}, SPRAM models): a derived z = ${LANES} training trace`, () => {
    const tr = derivedTrace('backprop');
    expect(unsupported(tr.network, LANES)).toBeUndefined();
    const { script } = traceScript(tr);
    run('derived up5k trace', 'tb_junction', script, { Z: LANES }, true);
  });

  it(`junction engine as built for up5k (Z = ${LANES}, SPRAM models): a derived trace with m = 1 (BP sums forwarded)`, () => {
    const tr = derivedTrace('backprop', false, true);
    expect(unsupported(tr.network, LANES)).toBeUndefined();
    expect(tr.network.junctions[1].p / tr.network.junctions[1].z).toBe(1);
    const { script } = traceScript(tr);
    run('derived up5k trace, m = 1', 'tb_junction', script, { Z: LANES }, true);
  });

  // The sequencer (sw_seq.v): the schedule, activations, output error, DFA and scoring in RTL. The
  // script only writes the store, issues LOAD_SEEDS and TRAIN, and checks every weight after every cycle.
  for (const name of ['trace-tiny-backprop.json', 'trace-tiny-dfa.json', ...SATURATION_TRACES, 'trace-essop-tiny.json']) {
    const tr = loadVectors<TraceFile>(name);
    const why = !tr ? `${name} is not there yet` : unsupported(tr.network, SIM_LANES);
    it.skipIf(why !== undefined)(`sequencer, TRAIN of ${name} on the engine${why ? ` (not run: ${why})` : ''}`, () => {
      const { script } = seqScript(tr!, 2 ** SIM_STORE_BITS);
      run(`sequencer ${name}`, 'tb_seq', script, { Z: SIM_LANES, SAB: SIM_STORE_BITS });
    });
  }
  for (const feedback of ['backprop', 'dfa'] as const) {
    it(`sequencer as built for up5k (Z = ${LANES}, ${RTL_SEQ_STORE_WORDS}-word store, SPRAM models): a derived 3-junction ${feedback} trace`, () => {
      const tr = derivedTrace(feedback);
      expect(unsupported(tr.network, LANES)).toBeUndefined();
      const { script } = seqScript(tr, RTL_SEQ_STORE_WORDS);
      run(`sequencer derived up5k ${feedback}`, 'tb_seq', script, { Z: LANES, SAB: bitsFor(RTL_SEQ_STORE_WORDS) }, true);
    });
  }

  // The shared-engine timing model (firmware-spec/timing.ts) is the sequencer's clock count: a TRAIN run
  // through without pauses takes exactly trainClocks('shared-engine', ...) clocks, and the emulator's
  // up5k profile reports the same figure for the same run.
  const timingCases: Array<[string, () => TraceFile | undefined, number, number]> = [
    ['trace-tiny-backprop.json', () => loadVectors<TraceFile>('trace-tiny-backprop.json'), SIM_LANES, 2 ** SIM_STORE_BITS],
    ['trace-tiny-dfa.json', () => loadVectors<TraceFile>('trace-tiny-dfa.json'), SIM_LANES, 2 ** SIM_STORE_BITS],
    ['derived up5k backprop', () => derivedTrace('backprop'), LANES, RTL_SEQ_STORE_WORDS],
    ['derived up5k dfa', () => derivedTrace('dfa'), LANES, RTL_SEQ_STORE_WORDS],
    ['derived up5k single junction, backprop', () => derivedTrace('backprop', true), LANES, RTL_SEQ_STORE_WORDS],
    ['derived up5k single junction, dfa', () => derivedTrace('dfa', true), LANES, RTL_SEQ_STORE_WORDS],
  ];
  for (const [name, get, z, words] of timingCases) {
    it(`sequencer clocks of a TRAIN equal the shared-engine timing model: ${name}`, () => {
      const tr = get();
      if (!tr) return;
      const net = tr.network;
      const n = tr.samples.labels.length;
      const want = trainClocks('shared-engine', net, n);
      const r = run(`sequencer clocks ${name}`, 'tb_seq', seqTimingScript(tr, words, want), { Z: z, SAB: bitsFor(words) }, z === LANES);
      expect(r.output).toContain(`${want} clocks`);
      const cap = PROFILES.up5k;
      const fits = net.junctions.length <= cap.maxJunctions && net.junctions.every((j) => j.z <= cap.maxLanesPerJunction) && net.junctions.reduce((a, j) => a + j.z, 0) <= cap.maxLanes;
      expect(fits || net.junctions.length > 1, 'a case fits the up5k profile').toBe(true);
      if (fits) {
        const dev = new EmulatedDevice('up5k');
        dev.configure(net);
        dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
        dev.streamSamples(Uint8Array.from(tr.samples.pixels.flat()), Uint8Array.from(tr.samples.labels));
        const res = dev.train(n);
        expect(res.clocks, 'the emulator\'s up5k clocks').toBe(want);
        expect(res.junctionCycles).toBe(tr.cycles);
      }
    });
  }

  it(`junction engine as built for up5k: a layer past the input beyond its delta banks (the store refuses it) stops the simulation, no row aliases`, () => {
    // hidden layer of 2 x (deltaRowsPerBank + 1) neurons: m = deltaRowsPerBank + 1 rows a lane for
    // junction 2's BP, and right neurons past the right-delta banks for junction 1's FF outputs. An
    // engine with 1,024-neuron delta banks ran this trace bit-exactly (94,784 vectors); this one
    // would alias rows, so the simulation stops at junction 1's first FF output past its banks
    const g = rtlGeometry();
    const h = LANES * (g.deltaRowsPerBank + 1);
    const tr = derivedTrace('backprop');
    const [j1, j2] = tr.network.junctions;
    const net: NetworkDescriptor = { ...tr.network, junctions: [
      { ...j1, z: LANES, n: h, fo: h / 2, fi: (j1.p * (h / 2)) / h },
      { ...j2, z: LANES, p: h, n: 4, fo: 2, fi: (h * 2) / 4, activation: 'sigmoid' },
    ] };
    expect(unsupported(net, LANES)).toBeUndefined();
    expect(storeLayout(net).activationWords).toBeGreaterThan(PROFILES.up5k.activationWords);
    const rn = referenceNetwork(net);
    const initialWeights = rn.weights.map((w) => Array.from(w));
    const res = referenceTrain(rn, tr.samples.pixels.map((p) => Uint8Array.from(p)), tr.samples.labels);
    const big: TraceFile = { ...tr, network: net, initialWeights, cycles: res.cycles, weightsAfterCycle: res.weightsAfterCycle.map((c) => c.map((w) => Array.from(w))) };
    const r = runTestbench({ top: 'tb_junction', script: traceScript(big).script.text(), params: { Z: LANES }, spram: true });
    expect(r.ok).toBe(false);
    expect(r.output).toContain(`sw_junction: a right-delta neuron at or past ${2 * g.rightDeltaRows}`);
  });

  it('one flipped bit in a vector makes the testbench fail', () => {
    // flip bit 3 of weight 5 of junction 1 in the trace's last cycle, as the testbench expects it
    const tr = loadVectors<TraceFile>('trace-tiny-backprop.json')!;
    const lines = traceScript(tr).script.text().trimEnd().split('\n');
    const weightLines = lines.map((l, i) => (l.startsWith('10 ') ? i : -1)).filter((i) => i >= 0);
    const target = weightLines[weightLines.length - 2]; // last cycle: junction 1, then junction 2
    const words = lines[target].split(' ');
    words[2 + 5] = String(Number(words[2 + 5]) ^ (1 << 3));
    lines[target] = words.join(' ');
    const r = runTestbench({ top: 'tb_junction', script: `${lines.join('\n')}\n`, params: { Z: SIM_LANES } });
    expect(r.ok).toBe(false);
    expect(r.total - r.passed).toBe(1);
    expect(r.output).toMatch(/MISMATCH weight\[5\]/);
  });

  it('one flipped bit in a vector makes the sequencer testbench fail', () => {
    // flip bit 2 of weight 3 of junction 2 after the last cycle
    const tr = loadVectors<TraceFile>('trace-tiny-dfa.json')!;
    const lines = seqScript(tr, 2 ** SIM_STORE_BITS).script.text().trimEnd().split('\n');
    const target = lines.map((l, i) => (l.startsWith('3 1 ') ? i : -1)).filter((i) => i >= 0).pop()!;
    const words = lines[target].split(' ');
    words[3 + 3] = String(Number(words[3 + 3]) ^ (1 << 2));
    lines[target] = words.join(' ');
    const r = runTestbench({ top: 'tb_seq', script: `${lines.join('\n')}\n`, params: { Z: SIM_LANES, SAB: SIM_STORE_BITS } });
    expect(r.ok).toBe(false);
    expect(r.total - r.passed).toBe(1);
    expect(r.output).toMatch(/MISMATCH weight\[3\]/);
  });
});
