import { EmulatedDevice } from '../../emulator/device.ts';
import { loadPreset } from '../config/load.ts';
import { loadDatasetSpec, type Dataset } from '../datasets/index.ts';
import { plan } from '../partition/partition.ts';
import { selectTfBackend } from '../reference/index.ts';

/**
 * The bit-exact emulator against tfjs float32 training of the same 784-112-10 network, measured
 * side by side in one run: rounds alternate between the two so both see the same machine load, and
 * the ratio is of the medians.
 *   emulator: mnist-sparse-38, batch 1 as the hardware does, the device model in process
 *             (TRAIN in chunks, as the trainer sends them);
 *   tfjs:     dense 784-112-10 (ReLU, sigmoid, binary cross-entropy, SGD), batch 32, wasm backend.
 * Edge-ops count logical edge visits: every edge once per phase its junction runs (junction 1:
 * FF and UP; the others FF, BP and UP).
 */
export interface EmulatorBench {
  emulatorSamplesPerSec: number;
  tfjsSamplesPerSec: number;
  ratio: number;
  edgeOpsPerSec: number;
  edgeOpsPerSample: number;
  tfjsBackend: string;
  rounds: number;
  samplesPerRound: number;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function benchEmulatorVsTfjs(opts: { rounds?: number; samples?: number } = {}): Promise<EmulatorBench> {
  const rounds = opts.rounds ?? 5;
  const samples = opts.samples ?? 4000;
  const { train } = loadDatasetSpec('mnist');
  const data: Dataset = train;
  const px = data.pixels;

  // the emulator, as the trainer drives it
  const dev = new EmulatedDevice('emu');
  const p = plan(loadPreset('mnist-sparse-38'), dev.capability);
  const net = p.resolved.network;
  dev.configure(net);
  dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  const chunk = p.resolved.chunk;
  const edgeOpsPerSample = net.junctions.reduce((a, j, i) => a + j.n * j.fi * (i === 0 ? 2 : 3), 0);
  let cursor = 0;
  const emulatorRound = () => {
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

  // tfjs, dense, batch 32
  const { tf, backend, note } = await selectTfBackend();
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 112, activation: 'relu', inputShape: [784] }));
  model.add(tf.layers.dense({ units: 10, activation: 'sigmoid' }));
  model.compile({ optimizer: tf.train.sgd(2 ** -5), loss: 'binaryCrossentropy' });
  const n = samples - (samples % 32);
  const xs = tf.tidy(() => tf.tensor2d(Float32Array.from(data.images.subarray(0, n * px), (v) => v / 256), [n, px]));
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(data.labels.subarray(0, n)), 'int32'), 10).toFloat());
  const tfjsRound = async () => {
    const t0 = performance.now();
    await model.fit(xs, ys, { batchSize: 32, epochs: 1, shuffle: false, verbose: 0 });
    return n / ((performance.now() - t0) / 1000);
  };

  // warm up both (JIT, wasm compile), then alternate
  emulatorRound();
  await tfjsRound();
  const emu: number[] = [];
  const tfs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    emu.push(emulatorRound());
    tfs.push(await tfjsRound());
  }
  xs.dispose();
  ys.dispose();
  const e = median(emu);
  const t = median(tfs);
  return {
    emulatorSamplesPerSec: Math.round(e),
    tfjsSamplesPerSec: Math.round(t),
    ratio: Number((e / t).toFixed(3)),
    edgeOpsPerSec: Math.round(e * edgeOpsPerSample),
    edgeOpsPerSample,
    tfjsBackend: `${backend} (${note})`,
    rounds,
    samplesPerRound: samples,
  };
}
