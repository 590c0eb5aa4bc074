import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { SampleEncoding } from '../../firmware-spec/capability.ts';
import { decodeWeights, encodeWeights } from '../../firmware-spec/network.ts';
import { packMask, unpackMask } from '../../firmware-spec/masks.ts';
import type { NetworkConfig } from '../config/schema.ts';
import type { ResolvedConfig } from '../partition/partition.ts';
import pkg from '../../package.json' with { type: 'json' };
import { ModelError } from './errors.ts';
import { b64ListSchema, checkStoredConfig, countSchema, decodeStoredMasks, decodeStoredWeights, dynamicMasks, encodingSchema, maskListSchema, pinnedConfig, shortText } from './format.ts';
import { MAX_RUN_FILE_BYTES, readBoundedJson, seal, sealHolds } from './untrusted.ts';

export const MODEL_FILE = 'model.json';
/** Version of the saved-model format; a reader refuses any other with model_format. */
export const MODEL_FORMAT = 1;

/** A trained network as the device holds it, with what it was trained on and how well it did. */
export interface SavedModel {
  /** the config with the partitioner's choices pinned (format.ts pinnedConfig) */
  config: NetworkConfig;
  resolved: ResolvedConfig;
  /** the data set spec it was trained on ('mnist' or 'idx:DIR') */
  dataset: string;
  encoding: SampleEncoding;
  training: { device: string; epochs: number; samplesPerEpoch: number; samplesTrained: number };
  /** test accuracy: INFER on the device over the whole test split, as `seedwire evaluate` measures it */
  accuracy: { train: number; test: number; testSamples: number };
  /** the device's fixed-point weights per junction, canonical order */
  weights: Int32Array[];
  /** per junction: its mask (0/1 per canonical edge) where masks change while training, else null */
  masks?: Array<Uint8Array | null>;
  /** sha256 of every junction's canonical weight bytes, as `train` reports it */
  weightsSha256: string;
}

const modelFileSchema = z.strictObject({
  format: z.number(),
  kind: z.literal('seedwire-model'),
  writtenBy: shortText,
  config: z.unknown(),
  resolved: z.unknown(),
  dataset: shortText,
  encoding: encodingSchema,
  training: z.strictObject({ device: shortText, epochs: countSchema.min(1), samplesPerEpoch: countSchema.min(1), samplesTrained: countSchema }),
  accuracy: z.strictObject({ train: z.number().min(0).max(1), test: z.number().min(0).max(1), testSamples: countSchema }),
  weights: b64ListSchema,
  masks: maskListSchema.optional(),
  weightsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  sha256: z.string(),
});

/** sha256 over every junction's canonical weight bytes (as the trainer's weightsSha256). */
export function sha256OfWeights(weights: Int32Array[], weightBits: number): string {
  const h = createHash('sha256');
  for (const w of weights) h.update(encodeWeights(w, weightBits));
  return h.digest('hex');
}

/** The JSON a model directory holds (sealed with its sha256). */
export function modelFileContent(m: SavedModel) {
  const bits = m.resolved.network.formats.weight.bits;
  return seal({
    format: MODEL_FORMAT,
    kind: 'seedwire-model' as const,
    writtenBy: `seedwire ${pkg.version}`,
    config: m.config,
    resolved: m.resolved,
    dataset: m.dataset,
    encoding: m.encoding,
    training: m.training,
    accuracy: m.accuracy,
    weights: m.weights.map((w) => encodeWeights(w, bits).toString('base64')),
    ...(m.masks ? { masks: m.masks.map((k) => (k ? Buffer.from(packMask(k)).toString('base64') : null)) } : {}),
    weightsSha256: m.weightsSha256,
  });
}

/**
 * Write a model to DIR/model.json, atomically (temporary file, fsync, rename). A directory that
 * already holds a model is refused (model_exists) unless `force`.
 */
export function saveModel(dir: string, model: SavedModel, opts: { force?: boolean } = {}): string {
  const file = join(dir, MODEL_FILE);
  if (!opts.force && existsSync(file)) throw new ModelError('model_exists', `${dir} already holds a saved model; choose another directory or pass --force to replace it`);
  const text = JSON.stringify(modelFileContent({ ...model, config: pinnedConfig(model.config, model.resolved) }));
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${MODEL_FILE}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return file;
}

/** Whether DIR holds a saved model. */
export function hasModel(dir: string): boolean {
  return existsSync(join(dir, MODEL_FILE));
}

/**
 * Read and check a saved model. Everything in the file is untrusted: its size is bounded, its seal
 * (sha256 of the content) must hold, every field is validated, every length is checked against its
 * config before it is decoded, and the weights must match weightsSha256. Errors: ModelError.
 */
export function loadModel(dir: string): SavedModel {
  const file = join(dir, MODEL_FILE);
  const corrupt = (msg: string) => new ModelError('model_corrupt', `${file}: ${msg}`);
  const raw = readBoundedJson(file, MAX_RUN_FILE_BYTES, (problem, msg) =>
    problem === 'missing' ? new ModelError('model_missing', `no saved model in ${dir} (${msg}); save one with seedwire train ... --save ${dir}`) : new ModelError('model_corrupt', msg),
  );
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt('not a saved model (expected a JSON object)');
  const format = (raw as { format?: unknown }).format;
  if (format !== MODEL_FORMAT) throw new ModelError('model_format', `${file} is in model format ${JSON.stringify(format)}; this seedwire reads format ${MODEL_FORMAT}`);
  if (!sealHolds(raw)) throw new ModelError('model_checksum', `${file} does not match its sha256: it was edited or damaged; save the model again`);
  const r = modelFileSchema.safeParse(raw);
  if (!r.success) throw corrupt(r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; '));
  const f = r.data;
  const { config, resolved } = checkStoredConfig(f.config, f.resolved, corrupt);
  const bits = resolved.network.formats.weight.bits;
  const weights = decodeStoredWeights(resolved, f.weights, corrupt).map((b) => decodeWeights(b, bits));
  const dynamic = dynamicMasks(resolved);
  let masks: Array<Uint8Array | null> | undefined;
  if (f.masks) {
    masks = decodeStoredMasks(resolved, f.masks, corrupt).map((b, i) => {
      if (!b) return null;
      const j = resolved.network.junctions[i];
      try {
        return unpackMask(b, j.n * j.fi);
      } catch (e) {
        throw corrupt(`junction ${i + 1}'s mask: ${(e as Error).message}`);
      }
    });
  } else if (dynamic.some(Boolean)) throw corrupt('its network changes masks while training, but it holds none');
  if (sha256OfWeights(weights, bits) !== f.weightsSha256) throw new ModelError('model_checksum', `${file}: the weights do not match weightsSha256 ${f.weightsSha256}`);
  return { config, resolved, dataset: f.dataset, encoding: f.encoding, training: f.training, accuracy: f.accuracy, weights, ...(masks ? { masks } : {}), weightsSha256: f.weightsSha256 };
}
