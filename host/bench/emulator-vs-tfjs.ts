import { EmulatedDevice } from '../../emulator/device.ts';
import { loadPreset } from '../config/load.ts';
import { loadDatasetSpec, type Dataset } from '../datasets/index.ts';
import { plan } from '../partition/partition.ts';
import { startTfjsContenders, TFJS_BATCH } from './tfjs-contenders.ts';
import { train } from '../train/index.ts';

/**
 * The bit-exact emulator against tfjs float32 training of the same 784-112-10 networks, like for
 * like, measured side by side in one run: each round runs every contender once, in turn, so all
 * see the same machine load, and each figure is the median over rounds.
 *
 *   emulator: the device model in process (EmulatedDevice, profile `emu`), batch 1 as the hardware
 *             trains, TRAIN in the trainer's chunks; mnist-fc (dense) and mnist-sparse-38.
 *   tfjs:     the same network in float32 (ReLU hidden, sigmoid outputs, binary cross-entropy, plain
 *             SGD, no biases where the device has none: masked runs), batch 32, the fastest ordinary
 *             way: `model.fit` and a plain `optimizer.minimize` loop both run, the faster counts.
 *             The sparse network is the device's own connectivity (read back from the device model)
 *             as a 0/1 mask on dense weights: what a user would otherwise run.
 *   e2e:      `seedwire train --device emu` (the trainer, the frame codec, CRC and ARQ of the device
 *             client, the device endpoint) on mnist-sparse-38: the training loop's steady samples/s
 *             (second half of a 2 x samples run), against the device model alone on the same preset.
 *
 * Batch semantics differ and are reported: the device updates after every sample (batch 1, the
 * pipelined schedule); tfjs updates once per 32 samples, which is faster per sample for it.
 * Edge-ops count logical edge visits: every edge once per phase its junction runs (junction 1: FF
 * and UP; the others FF, BP and UP).
 */
export interface EmulatorBench {
  /** mnist-sparse-38 on the device model */
  emulatorSamplesPerSec: number;
  /** the fastest tfjs training of the dense 784-112-10 network */
  tfjsSamplesPerSec: number;
  /** emulatorSamplesPerSec / tfjsSamplesPerSec (sparse device against dense tfjs: the original figure) */
  ratio: number;
  denseEmulatorSamplesPerSec: number;
  denseTfjsSamplesPerSec: number;
  denseRatio: number;
  sparseTfjsSamplesPerSec: number;
  sparseRatio: number;
  e2eSamplesPerSec: number;
  e2eFraction: number;
  edgeOpsPerSec: number;
  edgeOpsPerSample: number;
  tfjsBackend: string;
  tfjsMethods: Record<string, number>;
  emulatorKernels: string;
  deviceProfile: string;
  timingModel: string;
  batchSemantics: string;
  rounds: number;
  samplesPerRound: number;
}

/** Unmeasured rounds of the device model's contenders before the measured ones (tfjs's: one). */
const EMULATOR_WARMUP_ROUNDS = 3;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}


/** The device model on a preset, driven as the trainer drives it (stream a chunk, TRAIN it). */
function deviceModelRunner(preset: string, data: Dataset, samples: number) {
  const dev = new EmulatedDevice('emu');
  const p = plan(loadPreset(preset), dev.capability);
  const net = p.resolved.network;
  dev.configure(net);
  dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  const chunk = p.resolved.chunk;
  const px = data.pixels;
  let cursor = 0;
  const run = () => {
    const t0 = performance.now();
    for (let done = 0; done < samples; done += chunk) {
      const n = Math.min(chunk, samples - done);
      const from = cursor % (data.count - n);
      dev.streamSamples(data.images.subarray(from * px, (from + n) * px), data.labels.subarray(from, from + n));
      dev.train(n);
      cursor += n;
    }
    return samples / ((performance.now() - t0) / 1000);
  };
  const edgeOpsPerSample = net.junctions.reduce((a, j, i) => a + j.n * j.fi * (i === 0 ? 2 : 3), 0);
  return { dev, net, run, edgeOpsPerSample };
}

/** 0/1 masks (p x n, left by right) of a device's connectivity, for tfjs. */
function connectivityMasks(dev: EmulatedDevice, layers: number[]): Float32Array[] {
  return layers.slice(1).map((n, j) => {
    const p = layers[j];
    const left = dev.connectivity(j);
    const fi = left.length / n;
    const m = new Float32Array(p * n);
    for (let k = 0; k < left.length; k++) m[left[k] * n + Math.floor(k / fi)] = 1;
    return m;
  });
}

/**
 * `train --device emu`: the trainer run as the CLI runs it, over 2 x `samples`; the figure is the
 * training loop's samples/s over the second half, timed between the trainer's own progress reports
 * (steady state: the run's setup, and the garbage of loading the data set, are behind it).
 */
async function e2eRound(samples: number): Promise<number> {
  let from: { t: number; done: number } | undefined;
  let to: { t: number; done: number } | undefined;
  await train({
    preset: 'mnist-sparse-38', device: 'emu', samples: 2 * samples, epochs: 1, evaluateEachEpoch: false,
    onProgress: (p) => {
      const now = { t: performance.now(), done: p.done };
      if (!from && p.done >= samples) from = now;
      to = now;
    },
  });
  if (!from || !to || to.done <= from.done) throw new Error('train --device emu reported no progress');
  return (to.done - from.done) / ((to.t - from.t) / 1000);
}

export async function benchEmulatorVsTfjs(opts: { rounds?: number; samples?: number } = {}): Promise<EmulatorBench> {
  const rounds = opts.rounds ?? 7;
  const samples = opts.samples ?? 4000;
  const { train: data } = loadDatasetSpec('mnist');

  const dense = deviceModelRunner('mnist-fc', data, samples);
  const sparse = deviceModelRunner('mnist-sparse-38', data, samples);
  // tfjs trains in a worker thread (tfjs-contenders.ts): its own heap, so the garbage its tensors leave
  // is collected there, not during the emulator's rounds; one round at a time, so rounds still alternate
  const tfjs = await startTfjsContenders(samples, connectivityMasks(sparse.dev, [data.pixels, ...sparse.net.junctions.map((j) => j.n)]));
  // e2e right after the device model alone on the same preset: the pair whose quotient is e2eFraction
  // runs back to back in every round, so both see the same machine load
  const contenders: Record<string, () => number | Promise<number>> = {
    denseEmulator: dense.run,
    ...Object.fromEntries(tfjs.names.filter((k) => k.startsWith('denseTfjs.')).map((k) => [k, () => tfjs.run(k)])),
    sparseEmulator: sparse.run,
    e2e: () => e2eRound(samples),
    ...Object.fromEntries(tfjs.names.filter((k) => k.startsWith('sparseTfjs.')).map((k) => [k, () => tfjs.run(k)])),
  };
  const seen: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  try {
    // warm up every contender (JIT, wasm compile), then alternate. The device model's contenders more
    // than once: every e2e round builds a new device, link and trainer, and V8 settles the call sites
    // they share with the device model alone (each device's own kernel instances, field types) only
    // over the first few; with one warm-up round the first measured rounds were still settling. tfjs
    // settles in one (its backend compiled, its model built)
    for (let w = 0; w < EMULATOR_WARMUP_ROUNDS; w++) for (const [k, f] of Object.entries(contenders)) if (w === 0 || !k.includes('Tfjs.')) await f();
    for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(contenders)) seen[k].push(await f());
  } finally {
    await tfjs.close();
  }
  const { backend, note } = tfjs;

  const med = Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, median(v)]));
  const best = (prefix: string) => Math.max(...Object.entries(med).filter(([k]) => k.startsWith(prefix)).map(([, v]) => v));
  const denseTfjs = best('denseTfjs.');
  const sparseTfjs = best('sparseTfjs.');
  const e = med.sparseEmulator;
  const kernels = [...new Set([...dense.dev.kernels(), ...sparse.dev.kernels()].map((k) => (k.why ? `${k.name} (${k.why})` : k.name)))].join(', ');
  return {
    emulatorSamplesPerSec: Math.round(e),
    tfjsSamplesPerSec: Math.round(denseTfjs),
    ratio: Number((e / denseTfjs).toFixed(3)),
    denseEmulatorSamplesPerSec: Math.round(med.denseEmulator),
    denseTfjsSamplesPerSec: Math.round(denseTfjs),
    denseRatio: Number((med.denseEmulator / denseTfjs).toFixed(3)),
    sparseTfjsSamplesPerSec: Math.round(sparseTfjs),
    sparseRatio: Number((e / sparseTfjs).toFixed(3)),
    e2eSamplesPerSec: Math.round(med.e2e),
    e2eFraction: Number((med.e2e / e).toFixed(3)),
    edgeOpsPerSec: Math.round(e * sparse.edgeOpsPerSample),
    edgeOpsPerSample: sparse.edgeOpsPerSample,
    tfjsBackend: `${backend} (${note})`,
    tfjsMethods: Object.fromEntries(Object.entries(med).filter(([k]) => k.includes('Tfjs.')).map(([k, v]) => [k, Math.round(v)])),
    emulatorKernels: kernels,
    deviceProfile: 'emu (the device model in process; emulator and e2e figures are host samples/s, not device-clock figures)',
    timingModel: `${sparse.dev.capability.timing} (counters only; it does not change host speed)`,
    batchSemantics: `emulator: batch 1, an update after every sample, the device's pipelined schedule; tfjs: batch ${TFJS_BATCH} minibatch SGD (one update per ${TFJS_BATCH} samples, its fastest ordinary setting); same network shape, activations, loss and learning rate 2^-5`,
    rounds,
    samplesPerRound: samples,
  };
}
