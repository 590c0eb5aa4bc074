import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Dataset } from './dataset.ts';
import { DatasetError } from './errors.ts';

/**
 * IDX files (the MNIST / Fashion-MNIST container, http://yann.lecun.com/exdb/mnist/):
 *   bytes 0-1  zero
 *   byte  2    dtype, 0x08 = unsigned byte (the only one we accept)
 *   byte  3    number of dimensions d
 *   4*d bytes  dimension sizes, u32 big-endian
 *   then the data, row-major, exactly product(sizes) bytes.
 * Images are idx3 (count, rows, cols), labels idx1 (count).
 */
const IDX_DTYPE_U8 = 0x08;
/**
 * Largest IDX array accepted, bytes, on disk and after gunzip: 1 GiB (MNIST's training images are
 * 47 MB; a million 28x28 images 784 MB). A file's sizes are checked against it before anything is
 * allocated, so a hostile file (a gzip bomb, a header promising 2^32 images) is an error, not an
 * out-of-memory.
 */
export const MAX_IDX_BYTES = 1 << 30;
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export type IdxArray = { dims: number[]; data: Uint8Array };

/** Unzips if the bytes start with the gzip magic 1f 8b (whatever the file is called). */
function maybeGunzip(bytes: Uint8Array, where: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1) {
    try {
      return gunzipSync(bytes, { maxOutputLength: MAX_IDX_BYTES });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new DatasetError('idx_header', `${where}: unzips to more than ${MAX_IDX_BYTES} bytes, the largest IDX file accepted`);
      throw new DatasetError('idx_header', `${where}: gzip magic present but not a valid gzip stream (${(e as Error).message})`);
    }
  }
  return bytes;
}

/**
 * Parses one IDX u8 array, checking it has `expectDims` dimensions and exactly the bytes they
 * promise. `where` names the file in error messages. Input may be gzip-compressed.
 */
export function parseIdx(raw: Uint8Array, expectDims: number, where: string): IdxArray {
  const bytes = maybeGunzip(raw, where);
  if (bytes.length < 4) {
    throw new DatasetError('idx_header', `${where}: truncated, ${bytes.length} bytes is shorter than the 4-byte IDX magic`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetError('idx_header', `${where}: bad IDX magic ${magic} at offset 0 (expected 00 00 08 0${expectDims})`);
  }
  if (bytes[2] !== IDX_DTYPE_U8) {
    throw new DatasetError('idx_header', `${where}: dtype 0x${bytes[2].toString(16)} at offset 2, only 0x08 (unsigned byte) is supported`);
  }
  const dimCount = bytes[3];
  if (dimCount !== expectDims) {
    throw new DatasetError('idx_header', `${where}: ${dimCount} dimensions at offset 3, expected ${expectDims}`);
  }
  const headerLen = 4 + 4 * dimCount;
  if (bytes.length < headerLen) {
    throw new DatasetError('idx_header', `${where}: truncated header, ${bytes.length} bytes but the ${dimCount} dimension sizes need ${headerLen}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < dimCount; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) throw new DatasetError('idx_header', `${where}: dimension ${i} is 0 at offset ${4 + 4 * i}: the file holds no data`);
    dims.push(d);
    size *= d;
  }
  if (size > MAX_IDX_BYTES) {
    throw new DatasetError('idx_header', `${where}: dims [${dims.join(', ')}] promise ${size} bytes, more than the ${MAX_IDX_BYTES} accepted (and more than the file's ${bytes.length - headerLen})`);
  }
  const expected = headerLen + size;
  if (bytes.length < expected) {
    throw new DatasetError('idx_header', `${where}: truncated data, ${bytes.length} bytes but dims [${dims.join(', ')}] need ${expected}`);
  }
  if (bytes.length > expected) {
    throw new DatasetError('idx_header', `${where}: ${bytes.length - expected} trailing bytes after the data (dims [${dims.join(', ')}] need ${expected} bytes)`);
  }
  return { dims, data: bytes.subarray(headerLen) };
}

/** Serialises a u8 array as IDX (optionally gzip-compressed): for tests and for exporting datasets. */
export function encodeIdx(dims: readonly number[], data: Uint8Array, gzip = false): Buffer {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new RangeError(`dims [${dims.join(', ')}] hold ${size} bytes, data has ${data.length}`);
  const out = Buffer.alloc(4 + 4 * dims.length + data.length);
  out[2] = IDX_DTYPE_U8;
  out[3] = dims.length;
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  out.set(data, 4 + 4 * dims.length);
  return gzip ? gzipSync(out) : out;
}

/** Writes a dataset's images and labels as the two IDX arrays (idx3 and idx1). */
export function datasetToIdx(ds: Dataset, gzip = false): { images: Buffer; labels: Buffer } {
  return {
    images: encodeIdx([ds.count, ds.rows, ds.cols], ds.images, gzip),
    labels: encodeIdx([ds.count], ds.labels, gzip),
  };
}

/**
 * Names tried for each file, in order. The hyphenated form is the original distribution's; the
 * dotted form ("train-images.idx3-ubyte") is common in re-distributions. Each also with ".gz".
 */
function candidates(dir: string, stem: string, kind: 'idx3' | 'idx1'): string[] {
  const names = [`${stem}-${kind}-ubyte`, `${stem}.${kind}-ubyte`];
  return names.flatMap((n) => [join(dir, n), join(dir, `${n}.gz`)]);
}

function readFirst(paths: string[]): { path: string; bytes: Uint8Array } {
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const st = statSync(path);
    if (!st.isFile()) throw new DatasetError('dataset_missing', `${path} is not a regular file`);
    if (st.size > MAX_IDX_BYTES) throw new DatasetError('idx_header', `${path}: ${st.size} bytes, more than the ${MAX_IDX_BYTES} accepted for an IDX file`);
    return { path, bytes: readFileSync(path) };
  }
  throw new DatasetError('dataset_missing', `IDX file missing: none of ${paths.join(', ')} exists`);
}

function loadPair(dir: string, stem: 'train' | 't10k', name: string): Omit<Dataset, 'classes'> {
  const img = readFirst(candidates(dir, `${stem}-images`, 'idx3'));
  const lab = readFirst(candidates(dir, `${stem}-labels`, 'idx1'));
  const images = parseIdx(img.bytes, 3, img.path);
  const labels = parseIdx(lab.bytes, 1, lab.path);
  const [count, rows, cols] = images.dims;
  if (count !== labels.dims[0]) {
    throw new DatasetError(
      'count_mismatch',
      `${name}: ${img.path} holds ${count} images but ${lab.path} holds ${labels.dims[0]} labels`,
    );
  }
  return { name, images: images.data, labels: labels.data, count, rows, cols, pixels: rows * cols };
}

/**
 * Loads a directory of IDX files in the MNIST layout: train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each possibly gzipped
 * (".gz" suffix or not; gzip is detected by its magic bytes). Debian's dataset-fashion-mnist
 * installs such a directory at /usr/share/datasets/fashion-mnist.
 * `classes` is the largest label in either set plus one (10 for MNIST and Fashion-MNIST).
 */
export function loadIdxDir(dir: string): { train: Dataset; test: Dataset } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DatasetError('dataset_missing', `IDX directory missing: ${dir}`);
  }
  const tag = basename(dir) || dir;
  const train = loadPair(dir, 'train', `${tag}/train`);
  const test = loadPair(dir, 't10k', `${tag}/test`);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DatasetError(
      'shape_mismatch',
      `${dir}: train images are ${train.rows}x${train.cols} but test images are ${test.rows}x${test.cols}`,
    );
  }
  let maxLabel = 0;
  for (const l of [train.labels, test.labels]) for (let i = 0; i < l.length; i++) if (l[i] > maxLabel) maxLabel = l[i];
  const classes = maxLabel + 1;
  return { train: { ...train, classes }, test: { ...test, classes } };
}
