import { DatasetError } from './errors.ts';

/**
 * A set of grey-scale images with class labels, held as raw bytes.
 * Pixel values are 0..255 (the device reads them as byte / 256, see firmware-spec INPUT_FORMAT).
 */
export type Dataset = {
  name: string;
  /** count * pixels bytes; image i occupies [i*pixels, (i+1)*pixels), each image row-major */
  images: Uint8Array;
  /** count bytes, each in 0..classes-1 */
  labels: Uint8Array;
  count: number;
  /** rows * cols */
  pixels: number;
  rows: number;
  cols: number;
  classes: number;
};

/** The pixels of one sample, as a view (no copy). */
export function imageOf(ds: Dataset, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) {
    throw new RangeError(`sample index ${index} out of range 0..${ds.count - 1} in ${ds.name}`);
  }
  return ds.images.subarray(index * ds.pixels, (index + 1) * ds.pixels);
}

/**
 * A new dataset holding the samples at `indices`, in that order (copies the bytes, so the result
 * is contiguous and can be streamed as-is).
 */
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const n = indices.length;
  const images = new Uint8Array(n * ds.pixels);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const src = indices[i];
    images.set(imageOf(ds, src), i * ds.pixels);
    labels[i] = ds.labels[src];
  }
  return { ...ds, name, images, labels, count: n };
}

/**
 * Checks that a network whose input layer has `inputs` neurons can take this dataset's images.
 * Throws DatasetError('shape_mismatch') otherwise.
 */
export function checkShape(ds: Dataset, inputs: number): void {
  if (inputs !== ds.pixels) {
    throw new DatasetError(
      'shape_mismatch',
      `network input layer has ${inputs} neurons but dataset ${ds.name} has ${ds.pixels} pixels per image (${ds.rows}x${ds.cols})`,
    );
  }
}
