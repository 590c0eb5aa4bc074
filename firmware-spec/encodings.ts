import { SAMPLE_ENCODINGS, type SampleEncoding } from './capability.ts';
import { DeviceError } from './errors.ts';

/**
 * Wire encodings of training samples (STREAM_SAMPLES payloads): part of the wire contract, so the host
 * encodes and the device decodes with these same functions. The list of names lives in
 * capability.ts; this file defines the bytes. A batch is its images encoded
 * one by one and concatenated. `pixels` is the pixels per image; pixels are u8 (0..255).
 *
 *   u8   1 byte per pixel, the pixel itself. Lossless.
 *   u4   2 pixels per byte, the first pixel in the high nibble; nibble = pixel >> 4. An image with
 *        an odd pixel count ends in a byte whose low nibble is 0. The device decodes nibble v to
 *        v * 17 (0, 17, ..., 255: the full 0..255 range). Lossy.
 *   bin  1 bit per pixel, the first pixel in the most significant bit; bit = pixel >= 128. An image
 *        ends on a byte boundary, the unused low bits 0. The device decodes 0 -> 0, 1 -> 255. Lossy.
 *   zrl  zero-run-length. Each image is framed as
 *          u16 little-endian L (the body's byte length, 0..65535), then L body bytes.
 *        The body is a sequence of tokens, read left to right:
 *          0x00 c   (c in 1..255)  c pixels of value 0
 *          b        (b in 1..255)  one pixel of value b
 *        so a literal 0 never appears alone, and a 0x00 is always followed by a nonzero count.
 *        The tokens must decode to exactly `pixels` pixels. The encoder emits maximal runs, split
 *        into pieces of at most 255. Lossless; MNIST digits (about 80% zeros) shrink to about a
 *        third of u8. Worst case (alternating zero and nonzero) is 1.5 bytes per pixel + 2.
 *
 * Decoders check lengths, counts and padding and throw DeviceError('bad_encoding') on anything
 * malformed; they never read past the buffer and always finish in time linear in its length.
 */
/** Bytes in a zrl image's length prefix. */
const ZRL_PREFIX = 2;
const ZRL_MAX_BODY = 0xffff;
const ZRL_MAX_RUN = 255;

function bad(message: string): never {
  throw new DeviceError('bad_encoding', message);
}

function checkPixels(pixels: number): void {
  if (!Number.isInteger(pixels) || pixels <= 0) throw new RangeError(`pixels must be a positive integer, got ${pixels}`);
}

/** Bytes one image takes in a fixed-size encoding (null for zrl, whose size depends on the image). */
export function fixedBytesPerImage(encoding: SampleEncoding, pixels: number): number | null {
  checkPixels(pixels);
  switch (encoding) {
    case 'u8':
      return pixels;
    case 'u4':
      return Math.ceil(pixels / 2);
    case 'bin':
      return Math.ceil(pixels / 8);
    case 'zrl':
      return null;
  }
}

/** The value the device sees for pixel v after the encoding's round trip. */
export function devicePixel(encoding: SampleEncoding, v: number): number {
  switch (encoding) {
    case 'u8':
    case 'zrl':
      return v;
    case 'u4':
      return (v >> 4) * 17;
    case 'bin':
      return v >= 128 ? 255 : 0;
  }
}

/** Images as the device sees them after `encoding`: a copy, or the input itself for u8 and zrl (read it only). */
export function quantizeImages(images: Uint8Array, encoding: SampleEncoding): Uint8Array {
  // u8 and zrl keep every value: the images themselves (read only), not a copy of a whole data set
  if (encoding === 'u8' || encoding === 'zrl') return images;
  const out = new Uint8Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = devicePixel(encoding, images[i]);
  return out;
}

/** One image's zrl body (no prefix), written into `out` from `at`; returns the new end. */
function zrlBody(img: Uint8Array, out: Uint8Array, at: number): number {
  let o = at;
  let i = 0;
  while (i < img.length) {
    if (img[i] !== 0) {
      out[o++] = img[i++];
      continue;
    }
    let run = 0;
    while (i < img.length && img[i] === 0 && run < ZRL_MAX_RUN) {
      run++;
      i++;
    }
    out[o++] = 0;
    out[o++] = run;
  }
  return o;
}

/**
 * Encodes a batch: `images` holds count = images.length / pixels images of `pixels` bytes each.
 * Throws DeviceError('bad_encoding') if a zrl body would exceed 65,535 bytes. For u8 the result is a
 * view of `images` (no copy).
 */
export function encodeSamples(images: Uint8Array, pixels: number, encoding: SampleEncoding): Buffer {
  checkPixels(pixels);
  if (images.length % pixels !== 0) throw new RangeError(`images length ${images.length} is not a multiple of ${pixels} pixels`);
  const count = images.length / pixels;
  const fixed = fixedBytesPerImage(encoding, pixels);
  if (encoding === 'u8') return Buffer.from(images.buffer, images.byteOffset, images.byteLength); // a view, no copy
  if (encoding === 'zrl') {
    // Worst case per image: 1.5 bytes per pixel, rounded up, plus the prefix.
    const scratch = Buffer.alloc(count * (ZRL_PREFIX + Math.ceil((3 * pixels) / 2)));
    let o = 0;
    for (let s = 0; s < count; s++) {
      const start = o + ZRL_PREFIX;
      const end = zrlBody(images.subarray(s * pixels, (s + 1) * pixels), scratch, start);
      const len = end - start;
      if (len > ZRL_MAX_BODY) bad(`zrl: image ${s} encodes to ${len} bytes, more than the u16 prefix allows (${ZRL_MAX_BODY})`);
      scratch.writeUInt16LE(len, o);
      o = end;
    }
    return scratch.subarray(0, o);
  }
  const per = fixed as number;
  const out = Buffer.alloc(count * per);
  for (let s = 0; s < count; s++) {
    const src = s * pixels;
    const dst = s * per;
    if (encoding === 'u4') {
      for (let p = 0; p < pixels; p++) {
        const nib = images[src + p] >> 4;
        out[dst + (p >> 1)] |= (p & 1) === 0 ? nib << 4 : nib;
      }
    } else {
      for (let p = 0; p < pixels; p++) {
        if (images[src + p] >= 128) out[dst + (p >> 3)] |= 0x80 >> (p & 7);
      }
    }
  }
  return out;
}

function decodeZrl(buf: Uint8Array, pixels: number, count: number): Uint8Array {
  const out = new Uint8Array(count * pixels); // zero-filled: runs only advance the cursor
  let i = 0;
  for (let s = 0; s < count; s++) {
    if (i + ZRL_PREFIX > buf.length) bad(`zrl: image ${s}: length prefix at byte ${i} runs past the end (${buf.length} bytes)`);
    const len = buf[i] | (buf[i + 1] << 8);
    i += ZRL_PREFIX;
    const end = i + len;
    if (end > buf.length) bad(`zrl: image ${s}: body of ${len} bytes at byte ${i} runs past the end (${buf.length} bytes)`);
    const base = s * pixels;
    let p = 0;
    while (i < end) {
      const b = buf[i++];
      if (b !== 0) {
        if (p >= pixels) bad(`zrl: image ${s}: more than ${pixels} pixels (literal at byte ${i - 1})`);
        out[base + p++] = b;
        continue;
      }
      if (i >= end) bad(`zrl: image ${s}: zero-run marker at byte ${i - 1} has no count byte`);
      const run = buf[i++];
      if (run === 0) bad(`zrl: image ${s}: zero-run count 0 at byte ${i - 1}`);
      if (p + run > pixels) bad(`zrl: image ${s}: zero run of ${run} at byte ${i - 2} overflows ${pixels} pixels (at pixel ${p})`);
      p += run;
    }
    if (p !== pixels) bad(`zrl: image ${s}: body decodes to ${p} pixels, expected ${pixels}`);
  }
  if (i !== buf.length) bad(`zrl: ${buf.length - i} trailing bytes after ${count} images`);
  return out;
}

/**
 * Decodes `count` images of `pixels` pixels each, returning the pixels as the device sees them
 * (u4 and bin are lossy: see devicePixel). The buffer must hold exactly the batch. For u8 the
 * result is a view of `buf` (the device copies what it keeps); the other encodings return new arrays.
 */
export function decodeSamples(buf: Uint8Array, pixels: number, count: number, encoding: SampleEncoding): Uint8Array {
  checkPixels(pixels);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!SAMPLE_ENCODINGS.includes(encoding)) bad(`unknown sample encoding "${String(encoding)}"`);
  if (encoding === 'zrl') return decodeZrl(buf, pixels, count);
  const per = fixedBytesPerImage(encoding, pixels) as number;
  if (buf.length !== count * per) {
    bad(`${encoding}: ${buf.length} bytes, expected ${count * per} for ${count} images of ${pixels} pixels`);
  }
  if (encoding === 'u8') return buf; // the bytes are the pixels: a view, no copy
  const out = new Uint8Array(count * pixels);
  for (let s = 0; s < count; s++) {
    const src = s * per;
    const dst = s * pixels;
    if (encoding === 'u4') {
      for (let p = 0; p < pixels; p++) {
        const byte = buf[src + (p >> 1)];
        out[dst + p] = ((p & 1) === 0 ? byte >> 4 : byte & 0x0f) * 17;
      }
      if (pixels & 1 && (buf[src + per - 1] & 0x0f) !== 0) bad(`u4: image ${s}: padding nibble at byte ${src + per - 1} is not 0`);
    } else {
      for (let p = 0; p < pixels; p++) {
        out[dst + p] = buf[src + (p >> 3)] & (0x80 >> (p & 7)) ? 255 : 0;
      }
      const used = pixels & 7;
      if (used !== 0 && (buf[src + per - 1] & (0xff >> used)) !== 0) {
        bad(`bin: image ${s}: padding bits of byte ${src + per - 1} are not 0`);
      }
    }
  }
  return out;
}

/**
 * Wire bytes per sample. Exact for fixed-size encodings. For zrl it depends on the images: pass
 * them and get the measured mean, prefix included (throws without them).
 */
export function bytesPerSample(encoding: SampleEncoding, pixels: number, images?: Uint8Array): number {
  const fixed = fixedBytesPerImage(encoding, pixels);
  if (fixed !== null) return fixed;
  if (!images || images.length === 0) throw new RangeError('zrl: bytesPerSample needs sample images to measure the mean size');
  if (images.length % pixels !== 0) throw new RangeError(`images length ${images.length} is not a multiple of ${pixels} pixels`);
  return encodeSamples(images, pixels, 'zrl').length / (images.length / pixels);
}
