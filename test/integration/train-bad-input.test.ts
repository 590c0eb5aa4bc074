import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'seedwire-badinput-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An IDX file: magic (0, 0, dtype 0x08 = u8, dims), big-endian dims, then the bytes. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt8(0x08, 2);
  head.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

function idxDir(name: string, opts: { images?: number; labels?: number; rows?: number; corrupt?: boolean }): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const rows = opts.rows ?? 28;
  const n = opts.images ?? 20;
  const m = opts.labels ?? n;
  const images = idx([n, rows, rows], new Uint8Array(n * rows * rows).map((_, i) => i % 251));
  const labels = idx([m], new Uint8Array(m).map((_, i) => i % 10));
  if (opts.corrupt) images.writeUInt32BE(0xdeadbeef, 0);
  for (const part of ['train', 't10k']) {
    writeFileSync(join(dir, `${part}-images-idx3-ubyte.gz`), gzipSync(images));
    writeFileSync(join(dir, `${part}-labels-idx1-ubyte`), labels);
  }
  return dir;
}

/** Every case: non-zero exit, a clear message with a stable code, and no checkpoint written. */
function expectRefused(args: string[], pattern: RegExp) {
  const ck = join(tmp, `ck-${Math.random().toString(16).slice(2)}`);
  const r = runCli(['train', '--preset', 'mnist-sparse-38', '--json', '--checkpoint', ck, ...args]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(existsSync(ck)).toBe(false);
}

describe('train refuses bad input with a clear error and no partial checkpoint', () => {
  it('a missing dataset directory', () => expectRefused(['--dataset', `idx:${join(tmp, 'nope')}`], /dataset_missing.*nope/));
  it('a corrupt IDX header', () => expectRefused(['--dataset', `idx:${idxDir('corrupt', { corrupt: true })}`], /idx_header/));
  it('image and label counts that differ', () => expectRefused(['--dataset', `idx:${idxDir('counts', { images: 20, labels: 19 })}`], /count_mismatch.*20.*19|count_mismatch.*19.*20/));
  it('images of the wrong size for the network', () => expectRefused(['--dataset', `idx:${idxDir('size', { rows: 20 })}`], /shape_mismatch.*400.*784|shape_mismatch.*784.*400/));
  it('a network that does not fit the device', () => {
    const cfg = join(tmp, 'huge.json');
    writeFileSync(cfg, JSON.stringify({ layers: [784, 4096, 4096, 10], sparsity: { kind: 'dense' } }));
    const ck = join(tmp, 'ck-huge');
    const r = runCli(['train', '--config', cfg, '--device', 'emu?profile=up5k', '--checkpoint', ck]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/too many|does not fit|holds/);
    expect(existsSync(ck)).toBe(false);
  });
  it('an unknown encoding', () => expectRefused(['--encoding', 'u7'], /encoding/));
});
