import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateConnectivity } from '../../firmware-spec/connectivity.ts';
import { formatMax } from '../../firmware-spec/formats.ts';
import { INPUT_FORMAT } from '../../firmware-spec/formats.ts';
import { matrixMarket } from '../inspect/export.ts';
import pkg from '../../package.json' with { type: 'json' };
import { ModelError } from './errors.ts';
import { loadModel, type SavedModel } from './model.ts';

export const EXPORT_FORMATS = ['tfjs', 'mtx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Largest dense kernel (p * n floats) a tfjs export writes: 2^26 floats = 256 MiB. */
const MAX_DENSE_ENTRIES = 2 ** 26;

/** The weight file beside model.json in a tfjs export. */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

/** Each junction's left neuron per canonical edge, from its seeds (firmware-spec/connectivity.ts). */
function connectivityOf(m: SavedModel): Int32Array[] {
  return m.resolved.network.junctions.map((j) =>
    generateConnectivity(j, { kind: j.connectivity, startVectorMode: j.startVectorMode, seed: j.connectivitySeed, startVectors: j.startVectors }),
  );
}

/**
 * Junction i's weights as a dense float kernel [p, n] (row-major, tfjs Dense layout): the
 * fixed-point weights over 2^weight.frac, summed where an edge repeats (the device sums it too).
 * `inputScale` folds the first junction's input conversion in (see exportTfjs).
 */
export function denseKernel(m: SavedModel, junction: number, left: Int32Array, inputScale = 1): Float32Array {
  const j = m.resolved.network.junctions[junction];
  if (j.p * j.n > MAX_DENSE_ENTRIES) throw new ModelError('model_mismatch', `junction ${junction + 1} is ${j.p} x ${j.n}: too large for a dense tfjs layer (use --format mtx)`);
  const k = new Float32Array(j.p * j.n);
  const scale = 2 ** -m.resolved.network.formats.weight.frac * inputScale;
  const w = m.weights[junction];
  for (let e = 0; e < w.length; e++) {
    const r = Math.floor(e / j.fi);
    k[left[e] * j.n + r] += w[e] * scale;
  }
  return k;
}

/**
 * A tfjs LayersModel in OUT (model.json + weights.bin) that computes what the device's INFER does,
 * in float32:
 *   - input: pixels as floats byte / 255, flattened row-major (the tfjs convention). The device reads
 *     a byte as byte / 2^INPUT_FORMAT.frac, so the first kernel is scaled by 255 / 256 to match;
 *   - each junction a Dense layer without bias (the device has none), kernel from the fixed-point weights;
 *   - ReLU layers clipped at the activation format's maximum (the device's clipped ReLU), sigmoid
 *     where the device looks its sigmoid up in a table.
 * What differs: the device rounds every activation to its fixed-point format and its sigmoid is a
 * 512-entry table, so a few predictions near a tie can differ.
 */
export async function exportTfjs(m: SavedModel, out: string): Promise<{ files: string[] }> {
  const tf = await import('@tensorflow/tfjs');
  // production mode: no banner suggesting tfjs-node on the user's terminal (the export computes nothing)
  tf.env().set('PROD', true);
  const net = m.resolved.network;
  const act = net.formats.activation;
  const inputScale = 255 / 2 ** INPUT_FORMAT.frac;
  const lefts = connectivityOf(m);
  const model = tf.sequential();
  for (const [i, j] of net.junctions.entries()) {
    const kernel = tf.tensor2d(denseKernel(m, i, lefts[i], i === 0 ? inputScale : 1), [j.p, j.n]);
    model.add(tf.layers.dense({ units: j.n, useBias: false, name: `junction_${i + 1}`, ...(i === 0 ? { inputShape: [j.p] } : {}), weights: [kernel] }));
    if (j.activation === 'relu') model.add(tf.layers.reLU({ maxValue: formatMax(act) * 2 ** -act.frac, name: `relu_${i + 1}` }));
    else model.add(tf.layers.activation({ activation: 'sigmoid', name: `sigmoid_${i + 1}` }));
    kernel.dispose();
  }
  mkdirSync(out, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const wd = artifacts.weightData;
      const bytes = Array.isArray(wd) ? Buffer.concat(wd.map((b) => Buffer.from(b))) : Buffer.from(wd as ArrayBuffer);
      writeFileSync(join(out, TFJS_WEIGHTS_FILE), bytes);
      const modelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: `seedwire ${pkg.version}`,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: artifacts.weightSpecs }],
        userDefinedMetadata: {
          seedwire: {
            input: 'pixels as float32 byte / 255, flattened row-major',
            network: m.resolved.name,
            dataset: m.dataset,
            deviceTestAccuracy: m.accuracy.test,
            trainedOn: m.training.device,
            weightsSha256: m.weightsSha256,
          },
        },
      };
      writeFileSync(join(out, 'model.json'), `${JSON.stringify(modelJson)}\n`);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.length } };
    }),
  );
  model.dispose();
  return { files: ['model.json', TFJS_WEIGHTS_FILE] };
}

/** Matrix Market files of the trained weights: OUT/junction-N.mtx (rows right neurons, columns left). */
export function exportMtx(m: SavedModel, out: string): { files: string[] } {
  mkdirSync(out, { recursive: true });
  const lefts = connectivityOf(m);
  const files: string[] = [];
  for (const [i, j] of m.resolved.network.junctions.entries()) {
    const f = `junction-${i + 1}.mtx`;
    writeFileSync(join(out, f), matrixMarket({ p: j.p, n: j.n, fi: j.fi, leftOfWeight: lefts[i], weights: m.weights[i], weightFrac: m.resolved.network.formats.weight.frac }));
    files.push(f);
  }
  return { files };
}

/** Export a saved model (a directory or a loaded model) in `format` to OUT. */
export async function exportModel(model: SavedModel | string, format: ExportFormat, out: string): Promise<{ files: string[] }> {
  const m = typeof model === 'string' ? loadModel(model) : model;
  if (format === 'tfjs') return exportTfjs(m, out);
  if (format === 'mtx') return exportMtx(m, out);
  throw new ModelError('model_mismatch', `unknown export format '${format}' (have ${EXPORT_FORMATS.join(', ')})`);
}
