import { checkShape, type Dataset } from '../datasets/index.ts';
import { selectTfBackend, type Tf, type TfBackend, type TfBackendName } from './backend.ts';
import { MaskedNet, type ReferenceJunction } from './network.ts';

/**
 * The float reference trainer: the device's masked topology and its plain SGD at batch size 1, in
 * float32, to tell how much accuracy the fixed-point arithmetic costs.
 *
 * How the step runs, and why: each sample's step is raw tfjs tensor ops on dense masked matrices
 * (MaskedNet.step), all on the backend with no read-back. Measured on 2 cores, 784-112-10 at 38%
 * density, 8,000 samples, 1 epoch: tfjs wasm takes about 8 s (about 1 ms a sample, evaluation
 * included); a plain Float32Array loop over the sparse edges (Math.fround at every operation) took
 * 2.9 s for the same steps. Both are well inside the budget (5 epochs in under 60 s), so the
 * reference stays in tfjs: one implementation, the library the design names, and faster again
 * where tfjs-node installs. Accuracy comes from batched forward passes after each epoch (one
 * read-back of predicted classes per 2,000 samples), not from a running count during the epoch.
 */
export type ReferenceTrainOptions = {
  /** neurons per layer, input first, e.g. [784, 112, 10] */
  layers: number[];
  /** one per junction, canonical weight order */
  junctions: ReferenceJunction[];
  /** learning rate, e.g. 2 ** -5 */
  lr: number;
  epochs: number;
  /** u8 pixels, fed as pixel / 256 (the device's input format) */
  train: Dataset;
  test: Dataset;
  /**
   * Sample order: one Int32Array of train indices per epoch, or one array used for every epoch.
   * Default: 0..count-1 each epoch.
   */
  order?: Int32Array | readonly Int32Array[];
  /** a backend from selectTfBackend(); selected on demand if absent */
  backend?: TfBackend;
  /** called after each epoch's evaluation */
  onEpoch?: (report: ReferenceEpoch) => void;
};

export type ReferenceEpoch = {
  /** 1-based */
  epoch: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** wall-clock seconds for this epoch's steps and its evaluation */
  seconds: number;
};

export type ReferenceResult = {
  /** fraction of test samples whose largest output is the label, after the last epoch */
  testAccuracy: number;
  /** the same over the training set, after the last epoch */
  trainAccuracy: number;
  backend: TfBackendName;
  backendNote: string;
  /** wall-clock seconds from building the network to reading back its final weights */
  seconds: number;
  epochs: ReferenceEpoch[];
  /** final weights, canonical order, one array per junction */
  weights: Float32Array[];
};

/** Rows evaluated per batched forward pass (bounds backend memory: 2,000 x 784 floats = 6 MB). */
const EVAL_CHUNK = 2000;

/** A dataset held host-side as the network sees it: pixel / 256, float32, row-major. */
type HostSet = { x: Float32Array; labels: Uint8Array; count: number; pixels: number };

function toHost(ds: Dataset, classes: number): HostSet {
  for (let i = 0; i < ds.count; i++) {
    if (ds.labels[i] >= classes) throw new RangeError(`${ds.name}: label ${ds.labels[i]} of sample ${i} is not below ${classes} outputs`);
  }
  const x = new Float32Array(ds.count * ds.pixels);
  for (let i = 0; i < x.length; i++) x[i] = ds.images[i] / 256;
  return { x, labels: ds.labels, count: ds.count, pixels: ds.pixels };
}

/**
 * Fraction of samples whose largest output is the label: batched forward passes, one read-back of
 * the predicted classes per chunk. Rows are uploaded per chunk from host memory (on the wasm
 * backend, slicing rows out of one large uploaded tensor costs milliseconds per slice).
 */
async function accuracy(net: MaskedNet, set: HostSet): Promise<number> {
  const tf = net.tf;
  if (set.count === 0) return NaN;
  let right = 0;
  for (let start = 0; start < set.count; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, set.count - start);
    const rows = set.x.subarray(start * set.pixels, (start + size) * set.pixels);
    const classes = tf.tidy(() => tf.argMax(net.predict(tf.tensor2d(rows, [size, set.pixels])), 1));
    const predicted = await classes.data();
    classes.dispose();
    for (let i = 0; i < size; i++) if (predicted[i] === set.labels[start + i]) right++;
  }
  return right / set.count;
}

function orderFor(opts: ReferenceTrainOptions, epoch: number): Int32Array {
  const { order, train } = opts;
  let o: Int32Array;
  if (order === undefined) o = Int32Array.from({ length: train.count }, (_, i) => i);
  else if (order instanceof Int32Array) o = order;
  else {
    if (order.length < opts.epochs) throw new RangeError(`order has ${order.length} arrays for ${opts.epochs} epochs`);
    o = order[epoch];
  }
  for (let i = 0; i < o.length; i++) {
    if (!(o[i] >= 0 && o[i] < train.count)) throw new RangeError(`order[${i}] = ${o[i]} is not a sample index of ${train.name} (0..${train.count - 1})`);
  }
  return o;
}

export async function trainFloatReference(opts: ReferenceTrainOptions): Promise<ReferenceResult> {
  const { layers, junctions, lr, epochs, train, test } = opts;
  checkShape(train, layers[0]);
  checkShape(test, layers[0]);
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  const backend = opts.backend ?? (await selectTfBackend());
  const tf = backend.tf;
  const classes = layers[layers.length - 1];
  const orders = Array.from({ length: epochs }, (_, e) => orderFor(opts, e));

  const t0 = performance.now();
  const net = new MaskedNet(tf, layers, junctions);
  const tr = toHost(train, classes);
  const te = toHost(test, classes);
  const pixels = layers[0];
  const oneHot = new Float32Array(classes);
  const reports: ReferenceEpoch[] = [];
  try {
    for (let e = 0; e < epochs; e++) {
      const te0 = performance.now();
      for (const i of orders[e]) {
        // Each sample's row and one-hot label are uploaded as small tensors (a few microseconds).
        oneHot.fill(0);
        oneHot[train.labels[i]] = 1;
        tf.tidy(() => {
          const x = tf.tensor2d(tr.x.subarray(i * pixels, (i + 1) * pixels), [1, pixels]);
          net.step(x, tf.tensor2d(oneHot, [1, classes]), lr);
        });
      }
      const report: ReferenceEpoch = {
        epoch: e + 1,
        trainAccuracy: await accuracy(net, tr),
        testAccuracy: await accuracy(net, te),
        seconds: (performance.now() - te0) / 1000,
      };
      reports.push(report);
      opts.onEpoch?.(report);
    }
    const weights = await net.canonicalWeights();
    const last = reports[reports.length - 1];
    return {
      testAccuracy: last.testAccuracy,
      trainAccuracy: last.trainAccuracy,
      backend: backend.backend,
      backendNote: backend.note,
      seconds: (performance.now() - t0) / 1000,
      epochs: reports,
      weights,
    };
  } finally {
    net.dispose();
  }
}
