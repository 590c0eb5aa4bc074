import { z } from 'zod';
import { UPDATE_MODES } from '../../firmware-spec/essop.ts';

/** Run seeds: every device seed derives from one (the CLI's --seed takes the same bounds). */
export const SEED_MIN = 1;
export const SEED_MAX = 0xffffffff;

/** Bounds (FORMAT_BOUNDS) are checked with the other semantic rules, so every problem is listed at once. */
const format = z.strictObject({
  bits: z.number().int(),
  frac: z.number().int(),
});

/** Sparsity of a junction (or of every junction, as the network default). */
export const sparsitySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('clash-free'),
    /** 'shared' (type 3, default), 'per-sweep' (type 2), or explicit start vectors */
    startVectors: z.union([z.enum(['shared', 'per-sweep']), z.array(z.array(z.number().int().min(0)))]).optional(),
  }),
  z.strictObject({ kind: z.literal('dense') }),
  z.strictObject({ kind: z.literal('lfsr') }),
  z.strictObject({
    kind: z.literal('magnitude'),
    /** fraction of weights kept at the end of training */
    targetDensity: z.number().gt(0).max(1),
    /** samples between pruning steps */
    every: z.number().int().positive().optional(),
  }),
  z.strictObject({
    kind: z.literal('dropback'),
    /** weights tracked (the k with the largest |w - w0|), as a fraction of all weights */
    keep: z.number().gt(0).max(1),
    /** samples between DropBack steps (firmware-spec/masks.ts) */
    every: z.number().int().positive().optional(),
    /** steps over which untracked weights decay from w0 to 0 (0: stay at w0, DropBack as published) */
    decay: z.number().int().min(0).max(31).optional(),
  }),
]);

export const junctionSchema = z.strictObject({
  /** fan-out of every left neuron; give fo or density */
  fo: z.number().int().positive().optional(),
  /** fraction of the p*n possible edges (clash-free: fo = density * n, rounded) */
  density: z.number().gt(0).max(1).optional(),
  /** lanes; the partitioner picks when absent */
  z: z.number().int().positive().optional(),
  sparsity: sparsitySchema.optional(),
});

export const configSchema = z.strictObject({
  name: z.string().min(1).optional(),
  /** neurons per layer, input first */
  layers: z.array(z.number().int().positive()).min(2),
  junctions: z.array(junctionSchema).optional(),
  sparsity: sparsitySchema.optional(),
  formats: z.strictObject({ activation: format, weight: format, delta: format }).partial().optional(),
  /** learning rate 2^-lrShift */
  lrShift: z.number().int().min(0).max(24).optional(),
  feedback: z.enum(['backprop', 'dfa']).optional(),
  feedbackShift: z.number().int().min(0).max(16).optional(),
  rounding: z.enum(['nearest', 'stochastic']).optional(),
  /**
   * The weight update (firmware-spec/essop.ts): 'exact' (default) multiplies; 'essop' counts ANDed
   * random bit streams. The stream length is a power of two within ESSOP.streamLength (checked with
   * the other semantic rules).
   */
  update: z.union([z.enum(UPDATE_MODES), z.strictObject({ mode: z.enum(UPDATE_MODES), streamLength: z.number().int().optional() })]).optional(),
  /** on-device load balancing policy (firmware-spec/balance.ts BALANCE_POLICIES; default 'greedy') */
  balancing: z.string().optional(),
  /** run seed: every device seed derives from it */
  seed: z.number().int().min(SEED_MIN).max(SEED_MAX).optional(),
  /** samples per TRAIN command; the pipeline fills and drains once per chunk */
  chunk: z.number().int().positive().max(4096).optional(),
});

export type NetworkConfig = z.infer<typeof configSchema>;
export type SparsityConfig = z.infer<typeof sparsitySchema>;
