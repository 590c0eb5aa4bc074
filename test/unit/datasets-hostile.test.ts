import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../host/datasets/errors.ts';
import { MAX_IDX_BYTES, parseIdx } from '../../host/datasets/idx.ts';

/** Dataset files are untrusted input: sizes from a header are checked before anything is allocated. */
function header(dims: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b[2] = 0x08;
  b[3] = dims.length;
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

function refused(bytes: Uint8Array, expectDims: number, msg: RegExp): void {
  let err: unknown;
  try {
    parseIdx(bytes, expectDims, 'hostile.idx');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DatasetError);
  expect((err as DatasetError).code).toBe('idx_header');
  expect((err as Error).message).toMatch(msg);
  expect((err as Error).message).toMatch(/^hostile\.idx: /);
}

describe('hostile IDX files', () => {
  it('a header promising 2^32 images of 2^32 x 2^32 pixels: refused from the header, nothing allocated', () => {
    const before = process.memoryUsage().rss;
    refused(header([0xffffffff, 0xffffffff, 0xffffffff]), 3, /promise [\d.e+]+ bytes, more than the 1073741824 accepted/);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });

  it('a zero dimension: no data', () => {
    refused(header([0, 28, 28]), 3, /dimension 0 is 0 at offset 4/);
    refused(header([5, 28, 0]), 3, /dimension 2 is 0 at offset 12/);
  });

  it('a gzip bomb (a small file unzipping past the limit) is cut off while unzipping', () => {
    // gzip members concatenated (one stream to gunzip): a header, then 16 MiB of zeros (16 KB zipped)
    // repeated past MAX_IDX_BYTES; the limit stops the inflate there
    const member = gzipSync(Buffer.alloc(1 << 24));
    const repeats = MAX_IDX_BYTES / (1 << 24) + 1;
    const bomb = Buffer.concat([gzipSync(header([MAX_IDX_BYTES, 1, 1])), ...Array.from({ length: repeats }, () => member)]);
    expect(bomb.length).toBeLessThan(4 << 20);
    refused(bomb, 3, /unzips to more than 1073741824 bytes/);
  }, 60_000);

  it('counts and lengths that disagree with the data', () => {
    refused(Buffer.concat([header([10, 2, 2]), Buffer.alloc(39)]), 3, /truncated data, 55 bytes but dims \[10, 2, 2\] need 56/);
    refused(Buffer.concat([header([10]), Buffer.alloc(11)]), 1, /1 trailing bytes/);
    refused(header([3, 3]).subarray(0, 9), 2, /truncated header/);
  });
});
