import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Errors reading or writing checkpoints; `code` is stable. */
export class CheckpointError extends Error {
  readonly code: 'checkpoint_missing' | 'checkpoint_corrupt' | 'checkpoint_mismatch';
  constructor(code: CheckpointError['code'], message: string) {
    super(message);
    this.name = 'CheckpointError';
    this.code = code;
  }
}

export const CHECKPOINT_FILE = 'checkpoint.json';
export const CHECKPOINT_FORMAT = 1;

const checkpointSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  /** the resolved config, as JSON: a resumed run must match it exactly */
  resolved: z.unknown(),
  dataset: z.string(),
  encoding: z.string(),
  epochs: z.number().int(),
  samplesPerEpoch: z.number().int(),
  /** next sample to train: epoch (0-based) and position in that epoch's order */
  epoch: z.number().int(),
  cursor: z.number().int(),
  /** state of the device's stochastic-rounding LFSR */
  roundingState: z.number().int(),
  /** canonical weight bytes per junction, base64 */
  weights: z.array(z.string()),
  /**
   * Runs with magnitude or DropBack masks: each junction's mask, packed 1 bit per canonical edge
   * (firmware-spec/masks.ts packMask), base64; null for a junction whose mask never changes. Absent
   * in runs without changing masks (and in checkpoints written before masks were saved, which a
   * resume of such a run refuses as checkpoint_mismatch).
   */
  masks: z.array(z.string().nullable()).optional(),
  /** running totals so a resumed run reports the whole run */
  totals: z.object({ correct: z.number(), trained: z.number(), deviceCycles: z.number(), deviceClocks: z.number(), wireBytes: z.number(), epochCorrect: z.number(), epochTrained: z.number() }),
});

export type Checkpoint = z.infer<typeof checkpointSchema>;

/**
 * Write atomically: the bytes go to a temporary file in the same directory, are flushed to disk,
 * then renamed over the checkpoint, so a crash leaves the old checkpoint or the new, never half.
 */
export function writeCheckpoint(dir: string, ck: Checkpoint): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${CHECKPOINT_FILE}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(ck));
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

export function readCheckpoint(dir: string): Checkpoint {
  let text: string;
  try {
    text = readFileSync(join(dir, CHECKPOINT_FILE), 'utf8');
  } catch {
    throw new CheckpointError('checkpoint_missing', `no checkpoint in ${dir} (expected ${CHECKPOINT_FILE}); run without --resume to start`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError('checkpoint_corrupt', `${join(dir, CHECKPOINT_FILE)} is not valid JSON: ${(e as Error).message}`);
  }
  const r = checkpointSchema.safeParse(raw);
  if (!r.success) throw new CheckpointError('checkpoint_corrupt', `${join(dir, CHECKPOINT_FILE)}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Remove temporary files a killed writer left behind. */
export function cleanCheckpointDir(dir: string): void {
  try {
    for (const f of readdirSync(dir)) if (f.startsWith(`.${CHECKPOINT_FILE}.`) && f.endsWith('.tmp')) unlinkSync(join(dir, f));
  } catch {
    // no directory yet
  }
}
