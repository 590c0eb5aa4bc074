import type { Dataset } from './dataset.ts';

/**
 * A small data set for small networks (the `tiny` preset: 16 inputs, 4 outputs): the samples of
 * classes below `classes`, each image average-pooled to rows x cols (block means, rounded to the
 * nearest byte). With MNIST digits 0-3 pooled to 4 x 4, tiny reaches about 0.76 test accuracy in 3 epochs.
 */
export function pooledSubset(ds: Dataset, rows: number, cols: number, classes: number, name: string): Dataset {
  const br = Math.floor(ds.rows / rows);
  const bc = Math.floor(ds.cols / cols);
  if (br < 1 || bc < 1) throw new RangeError(`cannot pool ${ds.rows}x${ds.cols} images to ${rows}x${cols}`);
  const keep: number[] = [];
  for (let i = 0; i < ds.count; i++) if (ds.labels[i] < classes) keep.push(i);
  const pixels = rows * cols;
  const images = new Uint8Array(keep.length * pixels);
  const labels = new Uint8Array(keep.length);
  keep.forEach((src, s) => {
    const img = ds.images.subarray(src * ds.pixels, (src + 1) * ds.pixels);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let sum = 0;
        for (let y = r * br; y < (r + 1) * br; y++) for (let x = c * bc; x < (c + 1) * bc; x++) sum += img[y * ds.cols + x];
        images[s * pixels + r * cols + c] = Math.round(sum / (br * bc));
      }
    }
    labels[s] = ds.labels[src];
  });
  return { name, images, labels, count: keep.length, pixels, rows, cols, classes };
}
