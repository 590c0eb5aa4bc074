import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import CRC32 from 'crc-32';
import {
  FRAME_CRC_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_OVERHEAD_BYTES,
  type FrameReject,
  MAX_PAYLOAD,
  NAK,
  NAK_SCHEMA,
  OPCODES,
  type Opcode,
  PROTOCOL_VERSION,
  RESPONSE_FLAG,
  type Schema,
  type WireType,
} from './protocol.ts';

/**
 * The protocol's codec: frames (header, payload, CRC) and payloads, both driven by the table in
 * protocol.ts. Pure functions over Buffers; no I/O, no state.
 */

/** A payload that does not match its schema (bad length, out-of-range value, unknown enum). */
export class PayloadError extends Error {
  readonly code = 'bad_payload' as const;
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** zlib's CRC-32 (native, node >= 20.15) where this Node has it, else the crc-32 package's table-driven one. */
const tableCrc32: (data: Uint8Array) => number = typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) >>> 0 : (data) => CRC32.buf(data) >>> 0;

/**
 * @node-rs/crc32's CRC-32 (the same CRC, folded with carry-less multiplies: about 3 times zlib's on
 * an 8 KiB bulk frame), where its prebuilt binary loads on this platform; undefined elsewhere.
 */
const simdCrc32 = ((): ((data: Uint8Array) => number) | undefined => {
  try {
    return (createRequire(import.meta.url)('@node-rs/crc32') as { crc32: (data: Uint8Array) => number }).crc32;
  } catch {
    return undefined;
  }
})();

/** Below this many bytes the native call costs more than it saves: zlib's takes them. */
const SIMD_CRC_MIN_BYTES = 256;

/**
 * CRC-32/ISO-HDLC (reflected, poly 0xEDB88320, init and xorout 0xFFFFFFFF), unsigned. Every frame is
 * checked twice (host and device), so on the in-process link the CRC is a large part of a bulk
 * frame's cost: long inputs go to the SIMD one where it loads.
 */
export const crc32: (data: Uint8Array) => number = simdCrc32 ? (data) => (data.length >= SIMD_CRC_MIN_BYTES ? simdCrc32(data) >>> 0 : tableCrc32(data)) : tableCrc32;

export interface Frame {
  version: number;
  seq: number;
  opcode: number;
  /** a view into the received buffer */
  payload: Buffer;
}

export type FrameResult = { ok: true; frame: Frame } | { ok: false; reject: FrameReject };

/** One frame's bytes (no SLIP). Throws RangeError on a payload over MAX_PAYLOAD or a bad seq/opcode. */
export function encodeFrame(seq: number, opcode: number, payload: Uint8Array = EMPTY, version = PROTOCOL_VERSION): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`payload of ${payload.length} bytes exceeds MAX_PAYLOAD ${MAX_PAYLOAD}`);
  const b = Buffer.allocUnsafe(FRAME_OVERHEAD_BYTES + payload.length);
  b.set(payload, FRAME_HEADER_BYTES);
  return sealFrame(b, seq, opcode, version);
}

/**
 * Write a frame's header and CRC around the payload already in place in `frame` (bytes
 * FRAME_HEADER_BYTES .. length - FRAME_CRC_BYTES, as encodeRequestFrame leaves them), so a request
 * encoded before its seq is known becomes a frame without copying its payload again. Returns `frame`.
 */
export function sealFrame(frame: Buffer, seq: number, opcode: number, version = PROTOCOL_VERSION): Buffer {
  const len = frame.length - FRAME_OVERHEAD_BYTES;
  if (len < 0) throw new RangeError(`a frame of ${frame.length} bytes has no room for the header and CRC`);
  if (len > MAX_PAYLOAD) throw new RangeError(`payload of ${len} bytes exceeds MAX_PAYLOAD ${MAX_PAYLOAD}`);
  frame.writeUInt8(version, 0);
  frame.writeUInt16LE(seq, 1);
  frame.writeUInt8(opcode, 3);
  frame.writeUInt32LE(len, 4);
  const end = FRAME_HEADER_BYTES + len;
  frame.writeUInt32LE(crc32(bytesOf(frame, end)), end);
  return frame;
}

const EMPTY = Buffer.alloc(0);

/** The first `end` bytes of `b` as a plain view for the CRC (cheaper to make than a Buffer's subarray). */
function bytesOf(b: Uint8Array, end: number): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, end);
}

/**
 * Check and split a candidate frame. Never throws: anything malformed comes back as a reject code.
 * The version is not checked here (a frame with a good CRC and another version is answered with a
 * NAK `bad_version` by the device, so it must get through).
 */
export function decodeFrame(buf: Uint8Array): FrameResult {
  if (buf.length < FRAME_OVERHEAD_BYTES) return { ok: false, reject: 'short' };
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = b.readUInt32LE(4);
  if (len > MAX_PAYLOAD) return { ok: false, reject: 'too_large' };
  if (len !== b.length - FRAME_OVERHEAD_BYTES) return { ok: false, reject: 'length' };
  const end = FRAME_HEADER_BYTES + len;
  if (crc32(bytesOf(b, end)) !== b.readUInt32LE(end)) return { ok: false, reject: 'crc' };
  return { ok: true, frame: { version: b[0], seq: b.readUInt16LE(1), opcode: b[3], payload: b.subarray(FRAME_HEADER_BYTES, end) } };
}

// ---- payload schemas -----------------------------------------------------------------------------

/** An integer field waiting to be written (no Buffer of its own: done() writes it in place). */
interface IntPart {
  kind: 'u8' | 'u16' | 'u32' | 'i32' | 'u64';
  v: number;
}

/** Makes the Buffer a frame is written into: exactly `size` bytes (a view of a reused buffer, or a new one). */
export type FrameAllocator = (size: number) => Buffer;

class Writer {
  private parts: Array<Uint8Array | IntPart> = [];
  size = 0;
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
  int(kind: 'u8' | 'u16' | 'u32' | 'i32' | 'u64', v: unknown, path: string): void {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new PayloadError(`${path}: ${String(v)} is not an integer`);
    const range = INT_RANGE[kind];
    if (v < range[0] || v > range[1]) throw new PayloadError(`${path}: ${v} does not fit ${kind}`);
    this.parts.push({ kind, v });
    this.size += INT_BYTES[kind];
  }
  /**
   * The payload; with `head` or `tail`, in a buffer with that many bytes free before and after it, got
   * from `alloc` when given. Every field is written once, straight into that buffer.
   */
  done(head = 0, tail = 0, alloc: FrameAllocator = Buffer.allocUnsafe): Buffer {
    const p = this.parts;
    if (head === 0 && tail === 0 && p.length === 1 && p[0] instanceof Uint8Array) return Buffer.isBuffer(p[0]) ? p[0] : Buffer.from(p[0].buffer, p[0].byteOffset, p[0].byteLength);
    const out = alloc(head + this.size + tail);
    let at = head;
    for (const b of p) {
      if (b instanceof Uint8Array) {
        out.set(b, at);
        at += b.length;
        continue;
      }
      if (b.kind === 'u8') out[at] = b.v;
      else if (b.kind === 'u16') out.writeUInt16LE(b.v, at);
      else if (b.kind === 'u32') out.writeUInt32LE(b.v, at);
      else if (b.kind === 'i32') out.writeInt32LE(b.v, at);
      else out.writeBigUInt64LE(BigInt(b.v), at);
      at += INT_BYTES[b.kind];
    }
    return out;
  }
}

const INT_BYTES = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8 } as const;
const INT_RANGE = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
  u64: [0, Number.MAX_SAFE_INTEGER],
} as const;

function writeType(w: Writer, t: WireType, v: unknown, path: string): void {
  if (typeof t === 'string') {
    switch (t) {
      case 'u8':
      case 'u16':
      case 'u32':
      case 'i32':
      case 'u64':
        return w.int(t, v, path);
      case 'bool':
        if (typeof v !== 'boolean') throw new PayloadError(`${path}: expected a boolean`);
        return w.int('u8', v ? 1 : 0, path);
      case 'str': {
        if (typeof v !== 'string') throw new PayloadError(`${path}: expected a string`);
        const s = Buffer.from(v, 'utf8');
        w.int('u16', s.length, `${path} (length)`);
        return w.push(s);
      }
      case 'rest':
        // bytes, or a list of byte blocks that follow one another (a caller need not concatenate them)
        if (Array.isArray(v) && v.every((x) => x instanceof Uint8Array)) return v.forEach((x: Uint8Array) => w.push(x));
        if (!(v instanceof Uint8Array)) throw new PayloadError(`${path}: expected bytes`);
        return w.push(v);
    }
  }
  if ('enum' in t) {
    const i = t.enum.indexOf(v as string);
    if (i < 0) throw new PayloadError(`${path}: "${String(v)}" is not one of ${t.enum.join(', ')}`);
    return w.int('u8', i, path);
  }
  if ('flags' in t) {
    let mask = 0;
    const on = t.as === 'list' ? new Set(v as string[]) : new Set(Object.entries(v as Record<string, boolean>).filter(([, x]) => x).map(([k]) => k));
    for (const name of on) {
      const i = t.flags.indexOf(name);
      if (i < 0) throw new PayloadError(`${path}: unknown flag "${name}"`);
      mask |= 1 << i;
    }
    return w.int('u8', mask, path);
  }
  if ('hex' in t) {
    if (typeof v !== 'string' || v.length !== 2 * t.hex || !/^[0-9a-f]*$/.test(v)) throw new PayloadError(`${path}: expected ${t.hex} bytes of lowercase hex`);
    return w.push(Buffer.from(v, 'hex'));
  }
  if ('struct' in t) return writeSchema(w, t.struct, v, path);
  if ('list' in t) {
    if (!Array.isArray(v)) throw new PayloadError(`${path}: expected a list`);
    w.int(t.count, v.length, `${path} (count)`);
    v.forEach((x, i) => writeType(w, t.list, x, `${path}.${i}`));
    return;
  }
  // opt
  if (v === undefined) return w.int('u8', 0, path);
  w.int('u8', 1, path);
  writeType(w, t.opt, v, path);
}

function writeSchema(w: Writer, s: Schema, v: unknown, path: string): void {
  if (typeof v !== 'object' || v === null) throw new PayloadError(`${path}: expected an object`);
  const o = v as Record<string, unknown>;
  for (const [name, t] of s) writeType(w, t, o[name], path ? `${path}.${name}` : name);
}

/** Encode a value by a schema. Throws PayloadError naming the field that does not fit. */
export function encodePayload(schema: Schema, value: unknown): Buffer {
  const w = new Writer();
  writeSchema(w, schema, value, '');
  return w.done();
}

class Reader {
  at = 0;
  constructor(readonly b: Buffer) {}
  need(n: number, path: string): void {
    if (this.at + n > this.b.length) throw new PayloadError(`${path}: payload ends at byte ${this.b.length}, field needs ${n} more from byte ${this.at}`);
  }
  int(kind: 'u8' | 'u16' | 'u32' | 'i32' | 'u64', path: string): number {
    this.need(INT_BYTES[kind], path);
    const b = this.b;
    const at = this.at;
    this.at += INT_BYTES[kind];
    switch (kind) {
      case 'u8':
        return b[at];
      case 'u16':
        return b.readUInt16LE(at);
      case 'u32':
        return b.readUInt32LE(at);
      case 'i32':
        return b.readInt32LE(at);
      case 'u64': {
        const v = b.readBigUInt64LE(at);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PayloadError(`${path}: ${v} exceeds 2^53`);
        return Number(v);
      }
    }
  }
}

function readType(r: Reader, t: WireType, path: string): unknown {
  if (typeof t === 'string') {
    switch (t) {
      case 'u8':
      case 'u16':
      case 'u32':
      case 'i32':
      case 'u64':
        return r.int(t, path);
      case 'bool': {
        const v = r.int('u8', path);
        if (v > 1) throw new PayloadError(`${path}: boolean byte is ${v}`);
        return v === 1;
      }
      case 'str': {
        const n = r.int('u16', path);
        r.need(n, path);
        const s = r.b.toString('utf8', r.at, r.at + n);
        r.at += n;
        return s;
      }
      case 'rest': {
        const v = r.b.subarray(r.at);
        r.at = r.b.length;
        return v;
      }
    }
  }
  if ('enum' in t) {
    const i = r.int('u8', path);
    if (i >= t.enum.length) throw new PayloadError(`${path}: enum value ${i} is not one of 0..${t.enum.length - 1}`);
    return t.enum[i];
  }
  if ('flags' in t) {
    const mask = r.int('u8', path);
    if (mask >> t.flags.length !== 0) throw new PayloadError(`${path}: unknown flag bits in 0x${mask.toString(16)}`);
    if (t.as === 'list') return t.flags.filter((_, i) => mask & (1 << i));
    return Object.fromEntries(t.flags.map((f, i) => [f, (mask & (1 << i)) !== 0]));
  }
  if ('hex' in t) {
    r.need(t.hex, path);
    const s = r.b.toString('hex', r.at, r.at + t.hex);
    r.at += t.hex;
    return s;
  }
  if ('struct' in t) return readSchema(r, t.struct, path);
  if ('list' in t) {
    const n = r.int(t.count, `${path} (count)`);
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = readType(r, t.list, `${path}.${i}`);
    return out;
  }
  const present = r.int('u8', path);
  if (present > 1) throw new PayloadError(`${path}: presence byte is ${present}`);
  return present ? readType(r, t.opt, path) : undefined;
}

function readSchema(r: Reader, s: Schema, path: string): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [name, t] of s) {
    const v = readType(r, t, path ? `${path}.${name}` : name);
    if (v !== undefined) o[name] = v;
  }
  return o;
}

/** Decode a payload by a schema; every byte must be used. Throws PayloadError. */
export function decodePayload(schema: Schema, payload: Buffer): Record<string, unknown> {
  const r = new Reader(payload);
  const v = readSchema(r, schema, '');
  if (r.at !== payload.length) throw new PayloadError(`${payload.length - r.at} trailing bytes after the payload's last field`);
  return v;
}

// ---- opcode helpers ------------------------------------------------------------------------------

export function encodeRequest(op: Opcode, value: unknown): Buffer {
  return encodePayload(OPCODES[op].request, value);
}
/**
 * A request encoded straight into the frame that will carry it: FRAME_HEADER_BYTES free, the payload,
 * FRAME_CRC_BYTES free. sealFrame fills in header and CRC once the seq is known. Throws PayloadError.
 * `alloc` gives the frame's buffer (default: a new one), so a link layer can reuse bulk frames' memory.
 */
export function encodeRequestFrame(op: Opcode, value: unknown, alloc?: FrameAllocator): Buffer {
  const w = new Writer();
  writeSchema(w, OPCODES[op].request, value, '');
  return w.done(FRAME_HEADER_BYTES, FRAME_CRC_BYTES, alloc);
}
export function decodeRequest(op: Opcode, payload: Buffer): Record<string, unknown> {
  return decodePayload(OPCODES[op].request, payload);
}
export function encodeResponse(op: Opcode, value: unknown): Buffer {
  return encodePayload(OPCODES[op].response, value);
}
/** A whole response frame (header, payload, CRC) for request `seq`, the payload encoded once, in place. Throws PayloadError. */
export function encodeResponseFrame(seq: number, op: Opcode, value: unknown): Buffer {
  const w = new Writer();
  writeSchema(w, OPCODES[op].response, value, '');
  return sealFrame(w.done(FRAME_HEADER_BYTES, FRAME_CRC_BYTES), seq, RESPONSE_FLAG | OPCODES[op].code);
}
export function decodeResponse(op: Opcode, payload: Buffer): Record<string, unknown> {
  return decodePayload(OPCODES[op].response, payload);
}

export interface NakPayload {
  opcode: number;
  code: number;
  expected: number;
  message: string;
}

/** NAK messages are cut so the payload stays small (bytes). */
export const NAK_MESSAGE_MAX = 512;

export function encodeNak(n: NakPayload): Buffer {
  let msg = n.message;
  if (Buffer.byteLength(msg) > NAK_MESSAGE_MAX) msg = `${Buffer.from(msg).subarray(0, NAK_MESSAGE_MAX - 3).toString('utf8')}...`;
  return encodePayload(NAK_SCHEMA, { ...n, message: msg });
}
export function decodeNak(payload: Buffer): NakPayload {
  return decodePayload(NAK_SCHEMA, payload) as unknown as NakPayload;
}

export function isResponseOpcode(opcode: number): boolean {
  return opcode === NAK || (opcode & RESPONSE_FLAG) !== 0;
}
