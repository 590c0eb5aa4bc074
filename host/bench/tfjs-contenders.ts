import { parentPort, Worker, workerData } from 'node:worker_threads';
import { loadDatasetSpec, type Dataset } from '../datasets/index.ts';
import { selectTfBackend, type Tf } from '../reference/index.ts';

/**
 * The bench's tfjs contenders, run in a worker thread: tfjs float32 training of 784-112-10, dense and
 * masked, in its own V8 heap, so the garbage its tensors leave is collected there and not during the
 * emulator's rounds in the main thread (and the other way round). The main thread asks for one round
 * of one contender at a time, so the rounds still alternate with the emulator's.
 */

export const TFJS_BATCH = 32;
const LEARNING_RATE = 2 ** -5;

/** tfjs training of 784-112-10 two ordinary ways, batch 32; with masks, the masked network. */
function tfjsRunners(tf: Tf, data: Dataset, samples: number, masks?: Float32Array[]) {
  const px = data.pixels;
  const n = samples - (samples % TFJS_BATCH);
  const xs = tf.tidy(() => tf.tensor2d(Float32Array.from(data.images.subarray(0, n * px), (v) => v / 256), [n, px]));
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(data.labels.subarray(0, n)), 'int32'), 10).toFloat());
  const batches = Array.from({ length: n / TFJS_BATCH }, (_, b) => ({
    x: tf.slice(xs, [b * TFJS_BATCH, 0], [TFJS_BATCH, px]),
    y: tf.slice(ys, [b * TFJS_BATCH, 0], [TFJS_BATCH, 10]),
  }));
  const layers = [px, 112, 10];
  const init = (i: number) => tf.randomUniform([layers[i], layers[i + 1]], -Math.sqrt(6 / layers[i]), Math.sqrt(6 / layers[i]), 'float32', 7 + i);
  const runners: Record<string, () => Promise<number>> = {};
  const disposers: Array<() => void> = [];

  // a plain optimizer.minimize loop on variables (the masks multiply the weights in the forward pass)
  const ws = [tf.variable(init(0)), tf.variable(init(1))];
  const ms = masks?.map((m, i) => tf.tensor2d(m, [layers[i], layers[i + 1]]));
  const opt = tf.train.sgd(LEARNING_RATE);
  runners.minimize = async () => {
    const t0 = performance.now();
    for (const { x, y } of batches) {
      opt.minimize(() => {
        const w0 = ms ? tf.mul(ws[0], ms[0]) : ws[0];
        const w1 = ms ? tf.mul(ws[1], ms[1]) : ws[1];
        const logits = tf.matMul(tf.relu(tf.matMul(x, w0)), w1);
        return tf.losses.sigmoidCrossEntropy(y, logits) as ReturnType<typeof tf.scalar>;
      }, false);
    }
    await ws[1].data(); // wait for the backend to finish
    return n / ((performance.now() - t0) / 1000);
  };
  disposers.push(() => {
    ws.forEach((w) => w.dispose());
    ms?.forEach((m) => m.dispose());
    opt.dispose();
  });

  // model.fit: the layers API (dense layers only: it has no masked layer)
  if (!masks) {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 112, activation: 'relu', inputShape: [px], useBias: false }));
    model.add(tf.layers.dense({ units: 10, activation: 'sigmoid', useBias: false }));
    model.compile({ optimizer: tf.train.sgd(LEARNING_RATE), loss: 'binaryCrossentropy' });
    runners.fit = async () => {
      const t0 = performance.now();
      await model.fit(xs, ys, { batchSize: TFJS_BATCH, epochs: 1, shuffle: false, verbose: 0 });
      return n / ((performance.now() - t0) / 1000);
    };
    disposers.push(() => model.dispose());
  }
  const dispose = () => {
    disposers.forEach((d) => d());
    batches.forEach(({ x, y }) => (x.dispose(), y.dispose()));
    xs.dispose();
    ys.dispose();
  };
  return { runners, dispose };
}


/** Messages between the bench (main thread) and the tfjs worker. */
type ToWorker = { run: string } | { close: true };
type FromWorker = { ready: true; names: string[]; backend: string; note: string } | { name: string; samplesPerSec: number } | { error: string };

export interface TfjsContenders {
  /** contender names: denseTfjs.minimize, denseTfjs.fit, sparseTfjs.minimize */
  names: string[];
  backend: string;
  note: string;
  /** one round of one contender: samples/s */
  run(name: string): Promise<number>;
  close(): Promise<void>;
}

/** Start the tfjs worker: the MNIST training samples it loads itself, the sparse masks it is given. */
export async function startTfjsContenders(samples: number, masks: Float32Array[]): Promise<TfjsContenders> {
  // a worker thread does not inherit the main thread's TypeScript loader: register tsx's, then load this file
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { samples, masks } });
  const next = () =>
    new Promise<FromWorker>((resolve, reject) => {
      const off = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      const onMessage = (m: FromWorker) => (off(), resolve(m));
      const onError = (e: Error) => (off(), reject(e));
      worker.on('message', onMessage);
      worker.on('error', onError);
    });
  const hello = await next();
  if ('error' in hello) throw new Error(`tfjs worker: ${hello.error}`);
  if (!('ready' in hello)) throw new Error('tfjs worker: no ready message');
  return {
    names: hello.names,
    backend: hello.backend,
    note: hello.note,
    async run(name) {
      worker.postMessage({ run: name } satisfies ToWorker);
      const m = await next();
      if ('error' in m) throw new Error(`tfjs worker, ${name}: ${m.error}`);
      if (!('samplesPerSec' in m)) throw new Error(`tfjs worker, ${name}: unexpected answer`);
      return m.samplesPerSec;
    },
    async close() {
      worker.postMessage({ close: true } satisfies ToWorker);
      await worker.terminate();
    },
  };
}

/** The worker's side: build both networks' runners, then run rounds on request. */
async function serve(port: NonNullable<typeof parentPort>, samples: number, masks: Float32Array[]): Promise<void> {
  const { train: data } = loadDatasetSpec('mnist');
  const { tf, backend, note } = await selectTfBackend();
  const dense = tfjsRunners(tf, data, samples);
  const sparse = tfjsRunners(tf, data, samples, masks);
  const runners: Record<string, () => Promise<number>> = {
    ...Object.fromEntries(Object.entries(dense.runners).map(([k, f]) => [`denseTfjs.${k}`, f])),
    ...Object.fromEntries(Object.entries(sparse.runners).map(([k, f]) => [`sparseTfjs.${k}`, f])),
  };
  port.on('message', async (m: ToWorker) => {
    if ('close' in m) {
      dense.dispose();
      sparse.dispose();
      return;
    }
    try {
      const f = runners[m.run];
      if (!f) throw new Error(`no contender ${m.run}`);
      port.postMessage({ name: m.run, samplesPerSec: await f() } satisfies FromWorker);
    } catch (e) {
      port.postMessage({ error: (e as Error).message } satisfies FromWorker);
    }
  });
  port.postMessage({ ready: true, names: Object.keys(runners), backend, note } satisfies FromWorker);
}

if (parentPort && workerData?.masks) {
  const port = parentPort;
  serve(port, workerData.samples as number, workerData.masks as Float32Array[]).catch((e: Error) => port.postMessage({ error: e.message } satisfies FromWorker));
}
