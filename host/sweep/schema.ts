import { z } from 'zod';
import { SAMPLE_ENCODINGS } from '../../firmware-spec/capability.ts';
import { configSchema, sparsitySchema } from '../config/schema.ts';

/**
 * The kinds of device a run may ask for: the scheme of a device URI. A worker holding a board
 * (`--device serial:...`) takes only runs asking for 'serial'; the emulator takes 'emu' runs.
 */
export const DEVICE_KINDS = ['emu', 'serial', 'pcie'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

const formatSchema = z.strictObject({ bits: z.number().int(), frac: z.number().int() });

/**
 * What one run of a sweep may set: the network (a preset or a config, then config fields on top of
 * it) and the run options. `base`, every `list` entry and every `grid` value use these fields.
 */
export const runFieldsSchema = z.strictObject({
  /** a label for a list entry (names the run; not part of its key) */
  label: z.string().min(1).optional(),
  preset: z.string().min(1).optional(),
  /** a network config: inline, or a JSON file relative to the sweep file */
  config: z.union([z.string().min(1), configSchema]).optional(),
  /** fan-out of each junction, input side first, e.g. [42, 10] */
  fanouts: z.array(z.number().int().positive()).min(1).optional(),
  /** density of each junction (fraction of its p*n edges), instead of fanouts */
  density: z.array(z.number().gt(0).max(1)).min(1).optional(),
  /** lanes of each junction (default: the partitioner picks) */
  z: z.array(z.number().int().positive()).min(1).optional(),
  sparsity: sparsitySchema.optional(),
  formats: z.strictObject({ activation: formatSchema, weight: formatSchema, delta: formatSchema }).partial().optional(),
  lrShift: z.number().int().min(0).max(24).optional(),
  feedback: z.enum(['backprop', 'dfa']).optional(),
  feedbackShift: z.number().int().min(0).max(16).optional(),
  rounding: z.enum(['nearest', 'stochastic']).optional(),
  balancing: z.string().optional(),
  chunk: z.number().int().positive().max(4096).optional(),
  seed: z.number().int().min(1).max(0xffffffff).optional(),
  epochs: z.number().int().positive().max(1000).optional(),
  /** training samples per epoch (default: the whole training set) */
  samples: z.number().int().positive().optional(),
  /** 'mnist' or 'idx:DIR' */
  dataset: z.string().regex(/^(mnist|idx:.+)$/, "use 'mnist' or 'idx:DIR'").optional(),
  encoding: z.enum(SAMPLE_ENCODINGS).optional(),
  /** the kind of device the run needs (default 'emu') */
  device: z.enum(DEVICE_KINDS).optional(),
  /** a directory the worker also writes this run's result JSON to (must be inside a worker's --out-dir) */
  runDir: z.string().min(1).optional(),
});
export type RunFields = z.infer<typeof runFieldsSchema>;
export type RunField = keyof RunFields;

/** A grid: for each field, the values to take; runs are every combination. */
type GridShape = { [K in RunField]: z.ZodOptional<z.ZodArray<z.ZodType<NonNullable<RunFields[K]>>>> };
const gridSchema = z.strictObject(
  Object.fromEntries(Object.entries(runFieldsSchema.shape).map(([k, s]) => [k, z.array(s.unwrap()).min(1).optional()])) as unknown as GridShape,
);

/** A sweep file: a grid and/or a list over run fields, on top of `base`. */
export const sweepFileSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only'),
    base: runFieldsSchema.optional(),
    grid: gridSchema.optional(),
    list: z.array(runFieldsSchema).min(1).optional(),
  })
  .refine((s) => s.grid || s.list || s.base, { message: 'give base, grid or list', path: ['grid'] });
export type SweepFile = z.infer<typeof sweepFileSchema>;

/** The options of a resolved run: everything but the network that decides its result. */
export const runOptionsSchema = z.strictObject({
  epochs: z.number().int().positive().max(1000),
  samples: z.number().int().positive().optional(),
  dataset: z.string().regex(/^(mnist|idx:.+)$/),
  encoding: z.enum(SAMPLE_ENCODINGS),
  device: z.enum(DEVICE_KINDS),
});
export type RunOptions = z.infer<typeof runOptionsSchema>;

/**
 * One fully resolved run, as it travels to a worker (a queued job's data is this and nothing else:
 * data, not code). Workers validate every job against this schema before running it.
 */
export const runSpecSchema = z.strictObject({
  format: z.literal(1),
  /** hash of network + options (hex) */
  key: z.string().regex(/^[0-9a-f]{20}$/),
  name: z.string().min(1).max(500),
  sweep: z.string().min(1).max(200),
  network: configSchema,
  options: runOptionsSchema,
  /** the fields the sweep file set for this run (for tables and plots) */
  fields: z.record(z.string(), z.unknown()),
  runDir: z.string().min(1).optional(),
});
export type RunSpec = z.infer<typeof runSpecSchema>;
