/**
 * MNIST fits the board: the sequencer and engine as built for up5k (Z = SW_LANES, the 1,024-word
 * store, the sample ring in the weight banks' top rows) train a 784-112-10 network
 * (fan-outs 42 and 10, the mnist-sparse-38 preset as planned for the up5k profile) on real MNIST
 * digits, and end with the weights, correct count, junction cycles and clocks the emulator's up5k
 * profile gives for the same run.
 */
import { describe, expect, it } from 'vitest';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { RTL_SEQ_STORE_WORDS } from '../../firmware-spec/gen/verilog.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { bitsFor } from '../../firmware-spec/lfsr.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { loadPreset } from '../../host/config/index.ts';
import { loadMnist } from '../../host/datasets/mnist.ts';
import { plan } from '../../host/partition/partition.ts';
import { runTestbench, simulatorMissing } from './harness.ts';
import { seqRunScript } from './seq.ts';

const missing = simulatorMissing();
const cap = capabilityFor('up5k', specHash());

describe.skipIf(missing !== undefined)('MNIST on the up5k sequencer (Icarus Verilog)', () => {
  // one preset keeps the run short (LOAD_SEEDS draws 34,048 weights at 16 clocks each); the DFA path is
  // the same store and ring, and the derived DFA traces (rtl.test.ts) check it
  for (const preset of ['mnist-sparse-38']) {
    it(`${preset}: a TRAIN of 2 digits, then an INFER of them, match the emulator's up5k profile bit for bit and clock for clock`, () => {
      const net = plan(loadPreset(preset), cap, 'emu?profile=up5k').resolved.network;
      const ds = loadMnist();
      // two digits of different classes (the package's samples come ordered by class)
      const picks = [Math.floor(ds.count * 0.35), Math.floor(ds.count * 0.75)];
      const pixels = picks.map((i) => Array.from(ds.images.subarray(i * ds.pixels, (i + 1) * ds.pixels)));
      const labels = picks.map((i) => ds.labels[i]);
      expect(new Set(labels).size).toBe(2);

      const dev = new EmulatedDevice('up5k');
      dev.configure(net);
      dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
      dev.streamSamples(Uint8Array.from(pixels.flat()), Uint8Array.from(labels));
      const res = dev.train(labels.length);
      const weights = net.junctions.map((_, j) => dev.readWeights(j));
      // then INFER of the same digits on the trained weights
      dev.streamSamples(Uint8Array.from(pixels.flat()), Uint8Array.from(labels));
      const inf = dev.infer(labels.length);
      const infer = { correct: inf.correct, cycles: inf.junctionCycles, clocks: inf.clocks, predictions: inf.predictions };
      const script = seqRunScript(net, pixels, labels, RTL_SEQ_STORE_WORDS, { correct: res.correct, cycles: res.junctionCycles, clocks: res.clocks, weights, infer });
      // behavioural weight banks (sw_wbank without SW_SPRAM) keep the run short; the derived up5k
      // sequencer traces in rtl.test.ts run the same ring through yosys's SPRAM models
      const r = runTestbench({ top: 'tb_seq', script: script.text(), params: { Z: cap.maxLanesPerJunction, SAB: bitsFor(RTL_SEQ_STORE_WORDS) } });
      if (!r.ok) process.stderr.write(`${r.output.split('\n').slice(-30).join('\n')}\n`);
      console.log(`${preset} on the up5k sequencer: ${r.passed}/${r.total} checks, ${res.clocks} clocks (emulator up5k: ${res.clocks}), ${weights.reduce((a, w) => a + w.length, 0)} weights`);
      expect(r.total).toBe(script.checks);
      expect(r.ok).toBe(true);
      expect(r.output).toContain(`${res.clocks} clocks`);
      expect(r.output).toContain(`${inf.clocks} clocks`);
    });
  }
});
