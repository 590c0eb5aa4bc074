import { createHash } from 'node:crypto';
import { encodeFrame, encodeRequest, encodeResponse } from '../codec.ts';
import { encodeWeights } from '../network.ts';
import { LINK_ERRORS, NAK, NAK_SCHEMA, OPCODES, type Opcode, PROTOCOL, REST_FIELDS, RESPONSE_FLAG, SLIP, type Schema, type WireType } from '../protocol.ts';
import { referenceNetwork, referenceTrain } from '../reference/train.ts';
import { syntheticSamples, traceSpecs } from './vectors.ts';

/**
 * SPEC.md's protocol tables, generated from the schemas in protocol.ts (so they cannot drift from the
 * codec that reads and writes the bytes), and the byte-by-byte TRAIN exchange of "Implementing a
 * host", generated from the golden trace trace-tiny-backprop.json's network, samples and results.
 */

type Row = Array<string | number>;

function table(head: string[], rows: Row[]): string {
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`);
  return lines.join('\n');
}

const INT: Record<string, [bytes: number, meaning: string]> = {
  u8: [1, 'unsigned'],
  u16: [2, 'unsigned, little-endian'],
  u32: [4, 'unsigned, little-endian'],
  i32: [4, "two's complement, little-endian"],
  u64: [8, 'unsigned, little-endian, below 2^53'],
};

/** Type name, fixed size (undefined when it varies) and how the bytes are read. */
function describe(t: WireType, restKey: string): { type: string; bytes?: number; meaning: string } {
  if (typeof t === 'string') {
    if (t in INT) return { type: t, bytes: INT[t][0], meaning: INT[t][1] };
    if (t === 'bool') return { type: 'bool', bytes: 1, meaning: '0 = false, 1 = true (other values: bad_payload)' };
    if (t === 'str') return { type: 'str', meaning: 'u16 little-endian byte length, then that many bytes of UTF-8' };
    const rest = REST_FIELDS[restKey];
    if (!rest) throw new Error(`protocol.ts REST_FIELDS has no entry for ${restKey}`);
    return { type: 'rest', meaning: `every remaining byte of the payload: ${rest}` };
  }
  if ('enum' in t) return { type: 'enum u8', bytes: 1, meaning: t.enum.map((v, i) => `${i} = ${v}`).join(', ') + ' (other values: bad_payload)' };
  if ('flags' in t) return { type: 'flags u8', bytes: 1, meaning: `bit mask: ${t.flags.map((v, i) => `bit ${i} = ${v}`).join(', ')}; other bits 0` };
  if ('hex' in t) return { type: `bytes[${t.hex}]`, bytes: t.hex, meaning: `${t.hex} raw bytes (shown as lowercase hex)` };
  if ('struct' in t) return { type: 'struct', meaning: 'the fields below, in order, no padding' };
  if ('list' in t) return { type: `list of ${typeof t.list === 'object' && 'struct' in t.list ? 'struct' : describe(t.list, restKey).type}`, meaning: `${t.count} count (${t.count === 'u8' ? '1 byte' : '2 bytes, little-endian'}), then that many items` };
  return { type: `optional ${describe(t.opt, restKey).type}`, meaning: 'u8 presence: 0 = absent (nothing follows), 1 = present (the value follows)' };
}

/** Flatten a schema into rows: offset (while fixed), field path, type, bytes, meaning. */
function flatten(schema: Schema, prefix: string, restPrefix: string, rows: Row[], start: number | undefined): number | undefined {
  let at = start;
  const off = () => (at === undefined ? '' : String(at));
  for (const [name, t] of schema) {
    const path = `${prefix}${name}`;
    const d = describe(t, `${restPrefix}.${name}`);
    if (typeof t === 'object' && 'struct' in t) {
      rows.push([off(), `\`${path}\``, d.type, '', d.meaning]);
      at = flatten(t.struct, `${path}.`, restPrefix, rows, at);
      continue;
    }
    if (typeof t === 'object' && 'list' in t) {
      const cb = t.count === 'u8' ? 1 : 2;
      rows.push([off(), `\`${path}\` count`, t.count, cb, `number of items that follow (${t.count === 'u8' ? 'unsigned' : 'unsigned, little-endian'})`]);
      const item = t.list;
      if (typeof item === 'object' && 'struct' in item) {
        rows.push(['', `\`${path}[i]\``, 'struct', '', 'each item: the fields below, in order']);
        flatten(item.struct, `${path}[i].`, restPrefix, rows, undefined);
      } else {
        const di = describe(item, `${restPrefix}.${name}`);
        rows.push(['', `\`${path}[i]\``, di.type, di.bytes ?? 'varies', `each item: ${di.meaning}`]);
      }
      at = undefined;
      continue;
    }
    if (typeof t === 'object' && 'opt' in t) {
      rows.push([off(), `\`${path}\` present`, 'u8', 1, d.meaning]);
      const inner = t.opt;
      if (typeof inner === 'object' && 'list' in inner) {
        const cb = inner.count === 'u8' ? 1 : 2;
        rows.push(['', `\`${path}\` count`, inner.count, cb, 'if present: number of items that follow']);
        const item = inner.list;
        if (typeof item === 'object' && 'list' in item) {
          rows.push(['', `\`${path}[v]\` count`, item.count, item.count === 'u8' ? 1 : 2, 'each item is a list: its count, then its items']);
          const di = describe(item.list, '');
          rows.push(['', `\`${path}[v][k]\``, di.type, di.bytes ?? 'varies', di.meaning]);
        } else {
          const di = describe(item, '');
          rows.push(['', `\`${path}[v]\``, di.type, di.bytes ?? 'varies', di.meaning]);
        }
      } else {
        const di = describe(inner, '');
        rows.push(['', `\`${path}\``, di.type, di.bytes ?? 'varies', `if present: ${di.meaning}`]);
      }
      at = undefined;
      continue;
    }
    rows.push([off(), `\`${path}\``, d.type, d.bytes ?? 'varies', d.meaning]);
    at = at === undefined || d.bytes === undefined ? undefined : at + d.bytes;
  }
  return at;
}

function schemaTable(schema: Schema, restPrefix: string): string {
  if (schema.length === 0) return '(empty: length 0)';
  const rows: Row[] = [];
  const end = flatten(schema, '', restPrefix, rows, 0);
  const note = end === undefined ? '' : `\n\nFixed size: ${end} bytes.`;
  return `${table(['offset', 'field', 'type', 'bytes', 'encoding'], rows)}${note}`;
}

/** The frame header and trailer, from PROTOCOL.frame. */
export function frameTable(): string {
  const rows: Row[] = [];
  let at = 0;
  const meaning: Record<string, string> = {
    version: `PROTOCOL_VERSION = ${PROTOCOL.version}`,
    seq: `sequence number modulo ${PROTOCOL.seqModulo}; a response carries its request's`,
    opcode: `a request opcode; RESPONSE_FLAG (0x80) OR request opcode in an ACK; 0x${NAK.toString(16)} in a NAK`,
    length: `payload bytes, 0..${PROTOCOL.maxPayload} (MAX_PAYLOAD)`,
  };
  for (const [name, t] of PROTOCOL.frame.header) {
    const d = describe(t as WireType, '');
    rows.push([at, `\`${name}\``, d.type, d.bytes!, `${d.meaning}; ${meaning[name]}`]);
    at += d.bytes!;
  }
  rows.push([at, '`payload`', 'bytes', '`length`', "the opcode's request or response schema (section 9.2)"]);
  rows.push([`${at} + length`, '`crc`', 'u32', PROTOCOL.frame.crcBytes, 'little-endian CRC-32/ISO-HDLC (reflected, polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF; the check value of "123456789" is 0xCBF43926) over every byte before it: header and payload']);
  return table(['offset', 'field', 'type', 'bytes', 'meaning'], rows);
}

/** Every opcode's request and response payload, field by field, and the NAK payload. */
export function payloadTables(): string {
  const out: string[] = [];
  const ops = (Object.keys(OPCODES) as Opcode[]).sort((a, b) => OPCODES[a].code - OPCODES[b].code);
  for (const op of ops) {
    const o = OPCODES[op];
    out.push(`#### 0x${o.code.toString(16).padStart(2, '0')} ${op}`);
    out.push(`Request (opcode 0x${o.code.toString(16).padStart(2, '0')}):\n\n${schemaTable(o.request, `${op}.request`)}`);
    out.push(`Response (ACK, opcode 0x${(RESPONSE_FLAG | o.code).toString(16)}):\n\n${schemaTable(o.response, `${op}.response`)}`);
  }
  out.push(`#### 0x${NAK.toString(16)} NAK\n\nPayload of every NAK, whatever the request:\n\n${schemaTable(NAK_SCHEMA, 'NAK')}`);
  return out.join('\n\n');
}

// ---- the "Implementing a host" example ------------------------------------------------------------

const hexBytes = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/** RFC 1055 SLIP: END and ESC escaped, END after the frame (what firmware-spec/slip.ts sends). */
export function slipEncode(frame: Uint8Array): Buffer {
  const out: number[] = [];
  for (const b of frame) {
    if (b === SLIP.END) out.push(SLIP.ESC, SLIP.ESC_END);
    else if (b === SLIP.ESC) out.push(SLIP.ESC, SLIP.ESC_ESC);
    else out.push(b);
  }
  out.push(SLIP.END);
  return Buffer.from(out);
}

/** The session of the example: seqs, and the TRAIN's request and response, all from the tiny trace. */
export interface HostExample {
  firstSeq: number;
  nonce: number;
  trainSeq: number;
  n: number;
  response: { samples: number; correct: number; junctionCycles: number; clocks: number };
  request: Buffer;
  ack: Buffer;
  /** weightsSha256 (SPEC.md section 13) of the weights after the TRAIN */
  weightsSha256: string;
}

export const HOST_EXAMPLE_TRACE = 'trace-tiny-backprop.json';

export function hostExample(): HostExample {
  const spec = traceSpecs().find((t) => t.file === HOST_EXAMPLE_TRACE)!;
  const net = spec.net;
  const L = net.junctions.length;
  const { pixels, labels } = syntheticSamples(spec.samples, net.junctions[0].p, net.junctions[L - 1].n, spec.sampleSeed, spec.bright);
  const rn = referenceNetwork(net);
  const run = referenceTrain(rn, pixels, labels);
  const h = createHash('sha256');
  for (const w of rn.weights) h.update(encodeWeights(w, net.formats.weight.bits));
  const firstSeq = 0x0100;
  // IDENTIFY, RESET, CONFIGURE, LOAD_SEEDS, STREAM_SAMPLES, then TRAIN
  const trainSeq = firstSeq + 5;
  const response = { samples: labels.length, correct: run.correct, junctionCycles: run.cycles, clocks: run.counters.clocks };
  return {
    firstSeq,
    nonce: 0x5eed0001,
    trainSeq,
    n: labels.length,
    response,
    request: encodeFrame(trainSeq, OPCODES.TRAIN.code, encodeRequest('TRAIN', { n: labels.length })),
    ack: encodeFrame(trainSeq, RESPONSE_FLAG | OPCODES.TRAIN.code, encodeResponse('TRAIN', response)),
    weightsSha256: h.digest('hex'),
  };
}

function net0Words(_x: HostExample): number {
  const j = traceSpecs().find((t) => t.file === HOST_EXAMPLE_TRACE)!.net.junctions[0];
  return j.n * j.fi;
}

/** One frame, field by field, as a code block. */
function annotate(frame: Buffer, fields: Array<[size: number, text: string]>): string {
  const lines: string[] = [];
  let at = 0;
  for (const [size, text] of fields) {
    const range = size === 1 ? `${at}` : `${at}..${at + size - 1}`;
    lines.push(`${range.padEnd(7)} ${hexBytes(frame.subarray(at, at + size)).padEnd(24)} ${text}`);
    at += size;
  }
  if (at !== frame.length) throw new Error(`annotation covers ${at} of ${frame.length} bytes`);
  return lines.join('\n');
}

/** The generated part of "Implementing a host": the TRAIN request and its ACK, byte by byte. */
export function hostExampleText(): string {
  const x = hostExample();
  const r = x.response;
  const seqHex = x.trainSeq.toString(16).padStart(4, '0');
  const crcOf = (f: Buffer) => `0x${f.readUInt32LE(f.length - 4).toString(16).padStart(8, '0')}`;
  const req = annotate(x.request, [
    [1, `version = ${PROTOCOL.version}`],
    [2, `seq = 0x${seqHex} (${x.trainSeq}), little-endian`],
    [1, `opcode = 0x${OPCODES.TRAIN.code.toString(16).padStart(2, '0')} TRAIN`],
    [4, `length = ${x.request.length - 12} (u32 little-endian)`],
    [4, `n = ${x.n} (u32 little-endian)`],
    [4, `crc = ${crcOf(x.request)}: CRC-32 of bytes 0..${x.request.length - 5}, little-endian`],
  ]);
  const ack = annotate(x.ack, [
    [1, `version = ${PROTOCOL.version}`],
    [2, `seq = 0x${seqHex}: the request's`],
    [1, `opcode = 0x${(RESPONSE_FLAG | OPCODES.TRAIN.code).toString(16)}: RESPONSE_FLAG | TRAIN`],
    [4, `length = ${x.ack.length - 12}`],
    [4, `samples = ${r.samples} (u32)`],
    [4, `correct = ${r.correct} (u32): samples whose FF output's argmax was the label`],
    [8, `junctionCycles = ${r.junctionCycles} (u64): ${r.samples} samples + latency ${r.junctionCycles - r.samples + 1} - 1`],
    [8, `clocks = ${r.clocks} (u64)`],
    [4, `crc = ${crcOf(x.ack)}`],
  ]);
  return [
    `The session numbers its requests from seq 0x${x.firstSeq.toString(16).padStart(4, '0')}: IDENTIFY (nonce 0x${x.nonce.toString(16)}) at 0x${x.firstSeq.toString(16).padStart(4, '0')}, then RESET, CONFIGURE, LOAD_SEEDS, STREAM_SAMPLES and TRAIN at 0x${seqHex}.`,
    '',
    'TRAIN request:',
    '',
    '```',
    req,
    '```',
    '',
    'ACK:',
    '',
    '```',
    ack,
    '```',
    '',
    'The same two frames as whole byte strings (a test decodes these two lines with the codec and checks them against the emulator):',
    '',
    '```',
    `request frame: ${hexBytes(x.request)}`,
    `response frame: ${hexBytes(x.ack)}`,
    '```',
    '',
    `On a byte stream each frame is SLIP-encoded: every 0x${SLIP.END.toString(16)} byte becomes 0x${SLIP.ESC.toString(16)} 0x${SLIP.ESC_END.toString(16)}, every 0x${SLIP.ESC.toString(16)} becomes 0x${SLIP.ESC.toString(16)} 0x${SLIP.ESC_ESC.toString(16)}, and 0x${SLIP.END.toString(16)} ends the frame:`,
    '',
    '```',
    `request on the wire: ${hexBytes(slipEncode(x.request))}`,
    `response on the wire: ${hexBytes(slipEncode(x.ack))}`,
    '```',
    '',
    `After this TRAIN, READ_WEIGHTS of junction 0 (${net0Words(x)} words) and junction 1 give weightsSha256 (section 13):`,
    '',
    '```',
    `weightsSha256: ${x.weightsSha256}`,
    '```',
  ].join('\n');
}

/** Link-level NAK codes with when they are sent. */
export function linkErrorsTable(): string {
  const when: Record<string, string> = {
    out_of_order: "the frame's seq is ahead of `expected`; not run, seq not used up; `expected` names the seq the device waits for",
    bad_version: "the frame's version is not PROTOCOL_VERSION; not run, seq not used up",
    stale_seq: "the frame's seq is behind `expected` and it is not a byte-identical copy of a request whose response is cached; not run",
  };
  return table(['code', 'name', 'sent when'], Object.entries(LINK_ERRORS).map(([k, v]) => [v, `\`${k}\``, when[k] ?? '']));
}
