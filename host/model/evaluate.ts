import type { SampleEncoding } from '../../firmware-spec/capability.ts';
import { ConfigError } from '../config/errors.ts';
import { checkShape, type Dataset, loadDatasetSpec, quantizeImages } from '../datasets/index.ts';
import type { DeviceClient } from '../device/client-types.ts';
import { openDevice } from '../device/open.ts';
import { plan } from '../partition/partition.ts';
import { evaluationChunk, inferAll } from '../train/trainer.ts';
import { ModelError } from './errors.ts';
import { loadModel, type SavedModel } from './model.ts';

export interface EvaluateOptions {
  /** a device URI (default 'emu') or an open client */
  device?: string | DeviceClient;
  /** data set spec (default: the one the model was trained on); its test split is used */
  dataset?: string;
}

export interface EvaluateReport {
  device: string;
  dataset: string;
  network: string;
  testSamples: number;
  correct: number;
  /** INFER on the device over the test split: the same path `train` measures its test accuracy with */
  testAccuracy: number;
  /** confusion[true label][predicted class], counts */
  confusion: number[][];
  /** what `train` reported when it saved the model */
  savedTestAccuracy: number;
  savedOn: { device: string; dataset: string };
  encoding: SampleEncoding;
  weightsSha256: string;
}

/**
 * Load a saved model onto a device (configure, seeds for the connectivity, the trained weights, the
 * masks where they change) and measure its test accuracy with INFER, with a confusion matrix.
 */
export async function evaluateModel(model: SavedModel | string, opts: EvaluateOptions = {}): Promise<EvaluateReport> {
  const m = typeof model === 'string' ? loadModel(model) : model;
  const datasetName = opts.dataset ?? m.dataset;
  const data = loadDatasetSpec(datasetName);
  checkShape(data.test, m.resolved.layers[0]);
  const outputs = m.resolved.layers.at(-1)!;
  if (data.test.classes > outputs) throw new ModelError('model_mismatch', `data set ${datasetName} has ${data.test.classes} classes; the model has ${outputs} outputs`);
  const test: Dataset = { ...data.test, images: quantizeImages(data.test.images, m.encoding) };

  const ownsDevice = typeof opts.device !== 'object';
  const dev = typeof opts.device === 'object' ? opts.device : await openDevice(opts.device ?? 'emu');
  try {
    const { capability } = dev.identity ?? (await dev.identify());
    try {
      // the saved config has its lanes pinned: planning it checks every limit of this device
      plan(structuredClone(m.config), capability, dev.uri);
    } catch (e) {
      if (e instanceof ConfigError) throw new ModelError('model_mismatch', `the model does not fit ${dev.uri}: ${e.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
      throw e;
    }
    if (!capability.encodings.includes(m.encoding)) throw new ModelError('model_mismatch', `${dev.uri} cannot decode encoding '${m.encoding}' the model was trained with (it declares ${capability.encodings.join(', ')})`);
    const net = m.resolved.network;
    await dev.reset();
    await dev.configure(net);
    // the seeds rebuild the connectivity (and w0, which a DropBack mask refers to); the trained
    // weights then replace the initial ones, and the masks go on after them
    await dev.loadSeeds({
      connectivity: net.junctions.map((j) => j.connectivitySeed),
      init: net.junctions.map((j) => j.initSeed),
      feedback: net.feedbackSeed,
      rounding: net.roundingSeed,
    });
    for (const [i, w] of m.weights.entries()) await dev.writeWeights(i, 0, w);
    if (m.masks?.some((k) => k) && dev.writeMask) for (const [i, k] of m.masks.entries()) if (k) await dev.writeMask(i, 0, k);
    const r = await inferAll(dev, test, evaluationChunk(m.resolved, capability), m.encoding);
    const confusion = Array.from({ length: outputs }, () => new Array<number>(outputs).fill(0));
    for (let s = 0; s < test.count; s++) confusion[test.labels[s]][r.predictions[s]]++;
    return {
      device: dev.uri,
      dataset: datasetName,
      network: `${m.resolved.name} (${m.resolved.layers.join('-')})`,
      testSamples: test.count,
      correct: r.correct,
      testAccuracy: r.accuracy,
      confusion,
      savedTestAccuracy: m.accuracy.test,
      savedOn: { device: m.training.device, dataset: m.dataset },
      encoding: m.encoding,
      weightsSha256: m.weightsSha256,
    };
  } finally {
    if (ownsDevice) await dev.close();
  }
}
