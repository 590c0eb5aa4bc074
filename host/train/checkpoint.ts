import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { NetworkConfig } from '../config/schema.ts';
import { b64ListSchema, checkStoredConfig, countSchema, decodeStoredMasks, decodeStoredWeights, encodingSchema, maskListSchema, shortText } from '../model/format.ts';
import { MAX_RUN_FILE_BYTES, readBoundedJson, seal, sealHolds } from '../model/untrusted.ts';
import type { ResolvedConfig } from '../partition/partition.ts';

/**
 * Errors reading or writing checkpoints; `code` is stable:
 *   checkpoint_missing   --resume but no checkpoint in the directory
 *   checkpoint_corrupt   not JSON, too large, wrong fields or types, lengths that do not match its config
 *   checkpoint_checksum  the content does not match its sha256 (edited or damaged)
 *   checkpoint_format    written by another version of the checkpoint format
 *   checkpoint_mismatch  a flag or the device contradicts the checkpoint's run
 *   checkpoint_exists    a new run into a directory that holds another run's checkpoint
 */
export class CheckpointError extends Error {
  readonly code: 'checkpoint_missing' | 'checkpoint_corrupt' | 'checkpoint_checksum' | 'checkpoint_format' | 'checkpoint_mismatch' | 'checkpoint_exists';
  constructor(code: CheckpointError['code'], message: string) {
    super(message);
    this.name = 'CheckpointError';
    this.code = code;
  }
}

export const CHECKPOINT_FILE = 'checkpoint.json';
/** 2: sealed with a sha256 of the content, and holding the run's (pinned) network config */
export const CHECKPOINT_FORMAT = 2;

const totalsSchema = z.strictObject({
  correct: countSchema,
  trained: countSchema,
  deviceCycles: countSchema,
  deviceClocks: countSchema,
  wireBytes: countSchema,
  epochCorrect: countSchema,
  epochTrained: countSchema,
});

const checkpointSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  /** the run's network config with the partitioner's choices pinned (model/format.ts pinnedConfig) */
  config: z.unknown(),
  /** the resolved config, as JSON: it must be what `config` plans to */
  resolved: z.unknown(),
  dataset: shortText,
  encoding: encodingSchema,
  epochs: countSchema.min(1),
  samplesPerEpoch: countSchema.min(1),
  /** next sample to train: epoch (0-based) and position in that epoch's order */
  epoch: countSchema,
  cursor: countSchema,
  /** state of the device's stochastic-rounding LFSR (32 bits) */
  roundingState: z.number().int().min(0).max(0xffffffff),
  /** canonical weight bytes per junction, base64 */
  weights: b64ListSchema,
  /**
   * Runs with magnitude or DropBack masks: each junction's mask, packed 1 bit per canonical edge
   * (firmware-spec/masks.ts packMask), base64; null for a junction whose mask never changes.
   */
  masks: maskListSchema.optional(),
  /** running totals so a resumed run reports the whole run */
  totals: totalsSchema,
  sha256: z.string(),
});

/** A checkpoint as the trainer writes it (the seal is added on writing). */
export type Checkpoint = Omit<z.infer<typeof checkpointSchema>, 'sha256' | 'config' | 'resolved'> & { config: NetworkConfig; resolved: ResolvedConfig };

/**
 * Write atomically: the bytes go to a temporary file in the same directory, are flushed to disk,
 * then renamed over the checkpoint, so a crash leaves the old checkpoint or the new, never half.
 */
export function writeCheckpoint(dir: string, ck: Checkpoint): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${CHECKPOINT_FILE}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(seal(ck)));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, CHECKPOINT_FILE));
  try {
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // directories cannot be fsynced on every platform; the rename is still atomic
  }
}

/** Whether DIR holds a checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILE));
}

/**
 * Read and check a checkpoint. Everything in it is untrusted: its size is bounded, its seal must
 * hold, every field is validated, its resolved config must be what its config plans to, and the
 * weight and mask lengths must match that config (checked before decoding).
 */
export function readCheckpoint(dir: string): Checkpoint {
  const file = join(dir, CHECKPOINT_FILE);
  const corrupt = (msg: string) => new CheckpointError('checkpoint_corrupt', `${file}: ${msg}`);
  const raw = readBoundedJson(file, MAX_RUN_FILE_BYTES, (problem, msg) =>
    problem === 'missing' ? new CheckpointError('checkpoint_missing', `no checkpoint in ${dir} (expected ${CHECKPOINT_FILE}); run without --resume to start`) : new CheckpointError('checkpoint_corrupt', msg),
  );
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt('not a checkpoint (expected a JSON object)');
  const format = (raw as { format?: unknown }).format;
  if (format !== CHECKPOINT_FORMAT) throw new CheckpointError('checkpoint_format', `${file} is in checkpoint format ${JSON.stringify(format)}; this seedwire reads format ${CHECKPOINT_FORMAT} (start the run again, with --force to replace it)`);
  if (!sealHolds(raw)) throw new CheckpointError('checkpoint_checksum', `${file} does not match its sha256: it was edited or damaged, and resuming from it would not continue the run; start again with --force`);
  const r = checkpointSchema.safeParse(raw);
  if (!r.success) throw corrupt(r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; '));
  const { sha256: _s, ...ck } = r.data;
  const { config, resolved } = checkStoredConfig(ck.config, ck.resolved, corrupt);
  decodeStoredWeights(resolved, ck.weights, corrupt);
  if (ck.masks) decodeStoredMasks(resolved, ck.masks, corrupt);
  if (ck.epoch >= ck.epochs) throw corrupt(`epoch ${ck.epoch} is past the run's ${ck.epochs} epochs`);
  if (ck.cursor > ck.samplesPerEpoch) throw corrupt(`cursor ${ck.cursor} is past the ${ck.samplesPerEpoch} samples per epoch`);
  if (ck.totals.trained > ck.epochs * ck.samplesPerEpoch) throw corrupt(`${ck.totals.trained} samples trained; the run has ${ck.epochs * ck.samplesPerEpoch}`);
  return { ...ck, config, resolved };
}

/** One line naming the run a checkpoint holds, for messages. */
export function describeCheckpoint(ck: Checkpoint): string {
  const done = ck.cursor >= ck.samplesPerEpoch && ck.epoch === ck.epochs - 1;
  const where = done ? 'finished' : `at epoch ${ck.epoch + 1}/${ck.epochs}, sample ${ck.cursor}/${ck.samplesPerEpoch}`;
  return `${ck.resolved.name} (${ck.resolved.layers.join('-')}, seed ${ck.resolved.seed}) on ${ck.dataset}, ${where}`;
}

/** Remove temporary files a killed writer left behind. */
export function cleanCheckpointDir(dir: string): void {
  try {
    for (const f of readdirSync(dir)) if (f.startsWith(`.${CHECKPOINT_FILE}.`) && f.endsWith('.tmp')) unlinkSync(join(dir, f));
  } catch {
    // no directory yet
  }
}
