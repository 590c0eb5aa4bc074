import { SIGMOID_LUT, SIGMOID_LUT_IN_FRAC, SIGMOID_LUT_OUT_FRAC, SIGMOID_LUT_SIZE } from '../activation.ts';
import { PROFILES, UP5K_BANK_ROWS, UP5K_BUILD, UP5K_RING_BYTES_PER_WORD, UP5K_RING_WORDS, UP5K_WEIGHT_ROWS } from '../capability.ts';
import { largestLayerPastInput, STORE_GLOBAL_WORDS, STORE_JUNCTION_WORDS } from '../store.ts';
import { emptyCounters } from '../counters.ts';
import { DEVICE_ERRORS } from '../errors.ts';
import { specHash } from '../hash.ts';
import { accumulatorBits, DEFAULT_FORMATS, INPUT_FORMAT } from '../formats.ts';
import { bitsFor, LFSR_MAX_WIDTH, LFSR_MIN_WIDTH, LFSR_WIDTH_MAIN, lfsrMask } from '../lfsr.ts';
import {
  FRAME_CRC_BYTES,
  FRAME_HEADER_BYTES,
  BULK_PAYLOAD,
  LINK_ERRORS,
  MAX_PAYLOAD,
  NAK,
  OPCODES,
  PCIE_ID_MAGIC,
  PROTOCOL_VERSION,
  REPLAY_CACHE,
  RESPONSE_FLAG,
  SEQ_MODULO,
  SLIP,
  UART,
  WINDOW,
} from '../protocol.ts';
import { JUNCTION_PIPELINE_CLOCKS } from '../schedule.ts';
import { capabilityFor, SAMPLE_ENCODINGS } from '../capability.ts';
import { crc32, encodePayload, encodeResponse } from '../codec.ts';
import { ACTIVATION_KINDS, CONNECTIVITY_KINDS, FEEDBACK_MODES, NAK_SCHEMA, type Schema, START_VECTOR_MODES, UPDATE_ROUNDINGS } from '../protocol.ts';
import { UPDATE_MODES } from '../essop.ts';
import { SPEC_VERSION } from '../version.ts';

/**
 * Generator of the RTL's constants (bitstreams-src/gen/spec.vh) and its sigmoid table
 * (bitstreams-src/gen/sigmoid_lut.hex). The Verilog types no number of its own: formats, LFSR taps,
 * the LUT, pipeline depth, error codes and the up5k build's lanes, memories and clock all come from
 * firmware-spec through here. Output is deterministic (no dates, sorted keys where order is free).
 *
 * The up5k build geometry is capability.ts UP5K_BUILD (the profile's numbers are derived from it):
 *   lanes Z; each lane's bank = 2 SPRAMs (even and odd rows, so a lane reads one row and writes back
 *   another in the same clock); the bank's low rows hold weights, its top rows the sample ring;
 *   engine EBR banks of actRowsPerBank rows (left activations) and deltaRowsPerBank rows (left
 *   deltas, BP sums; the right deltas in two banks of half as many), see bitstreams-src/rtl/sw_junction.v;
 *   the sequencer's store (sw_seq.v, store.ts layout).
 */

import { cpuIoDefines } from './cpu-io.ts';
import { flashBootDefines } from './flash-boot.ts';
export const SPEC_VH_PATH = 'bitstreams-src/gen/spec.vh';
export const SIGMOID_HEX_PATH = 'bitstreams-src/gen/sigmoid_lut.hex';

export interface RtlGeometry {
  lanes: number;
  clockHz: number;
  weightWords: number;
  /** rows of one lane's bank (both SPRAMs) */
  bankRows: number;
  /** rows of a bank that hold weights (the rest is the sample ring) */
  weightRowsPerBank: number;
  /** the sample ring: words (lanes x ring rows), its first row in every bank */
  ringWords: number;
  ringRowBase: number;
  actRowsPerBank: number;
  /** largest layer (left or right) the engine takes: lanes x actRowsPerBank */
  maxNeurons: number;
  /** rows of one lane's left-delta and BP-sum banks */
  deltaRowsPerBank: number;
  /** largest layer past the input the up5k store holds (store.ts largestLayerPastInput) */
  maxLayerPastInput: number;
  /** rows of each of the two right-delta banks (even and odd neurons) */
  rightDeltaRows: number;
  accBits: number;
}

/** The up5k build's geometry; throws where the build (by default UP5K_BUILD) and the profile disagree. */
export function rtlGeometry(b: Readonly<Record<keyof typeof UP5K_BUILD, number>> = UP5K_BUILD): RtlGeometry {
  const p = PROFILES.up5k;
  const lanes = b.lanes;
  if (b.sprams !== lanes * b.spramsPerLane) throw new Error('UP5K_BUILD: every SPRAM belongs to one lane');
  if (p.weightWords !== lanes * UP5K_WEIGHT_ROWS || p.sampleBufferBytes !== UP5K_RING_WORDS * UP5K_RING_BYTES_PER_WORD) throw new Error('PROFILES.up5k does not match UP5K_BUILD');
  if (2 ** bitsFor(b.ringRowsPerLane) !== b.ringRowsPerLane || UP5K_BANK_ROWS % b.ringRowsPerLane !== 0) throw new Error('UP5K_BUILD: the sample ring must be a power of two rows at an aligned base');
  const maxNeurons = lanes * b.actRowsPerBank;
  // The banks of layers past the input are sized for the largest one the store lets a network have.
  // Per lane: a left layer of prime p runs with z = 1 (m = p rows in one lane), and BP's interleaver
  // visits rows (S[k] + t) mod m < m <= that layer.
  const maxLayerPastInput = largestLayerPastInput(p.activationWords);
  if (maxLayerPastInput > b.deltaRowsPerBank) throw new Error(`UP5K_BUILD: the store holds layers past the input of up to ${maxLayerPastInput} neurons, the engine's delta and BP-sum banks ${b.deltaRowsPerBank} rows`);
  if (maxLayerPastInput > maxNeurons) throw new Error(`UP5K_BUILD: the store holds layers of up to ${maxLayerPastInput} neurons, the engine addresses ${maxNeurons}`);
  if (2 ** bitsFor(b.deltaRowsPerBank) !== b.deltaRowsPerBank) throw new Error('UP5K_BUILD: deltaRowsPerBank must be a power of two');
  const f = p.formats;
  // BP sums up to fo <= maxNeurons products of weight x delta, FF sums fi <= maxNeurons of activation x weight
  const accBits = Math.max(accumulatorBits(f.activation, f.weight, bitsFor(maxNeurons)), accumulatorBits(f.weight, f.delta, bitsFor(maxNeurons)));
  return {
    lanes,
    clockHz: p.clockHz,
    weightWords: p.weightWords,
    bankRows: UP5K_BANK_ROWS,
    weightRowsPerBank: UP5K_WEIGHT_ROWS,
    ringWords: UP5K_RING_WORDS,
    ringRowBase: UP5K_BANK_ROWS - b.ringRowsPerLane,
    actRowsPerBank: b.actRowsPerBank,
    maxNeurons,
    deltaRowsPerBank: b.deltaRowsPerBank,
    maxLayerPastInput,
    rightDeltaRows: b.deltaRowsPerBank / 2,
    accBits,
  };
}

/** Words of the sequencer's store on the up5k build (UP5K_BUILD.storeWords). */
export const RTL_SEQ_STORE_WORDS = UP5K_BUILD.storeWords;

/** The iCEBreaker's oscillator (pin 35), Hz. */
export const ICEBREAKER_OSC_HZ = 12_000_000;
/** UART rate of the top level's command port (FT2232H channel B): the protocol's UART. */
export const RTL_UART_BAUD = UART.baud;

export interface PllSetting {
  divr: number;
  divf: number;
  divq: number;
  filterRange: number;
}

/**
 * iCE40 PLL divider settings giving exactly `outHz` from `inHz` (the rules icepll applies: PFD
 * 10..133 MHz, VCO 533..1066 MHz, out = in / (divr+1) * (divf+1) / 2^divq), or throws.
 */
export function pllSetting(inHz: number, outHz: number): PllSetting {
  for (let divr = 0; divr <= 15; divr++) {
    const pfd = inHz / (divr + 1);
    if (pfd < 10e6 || pfd > 133e6) continue;
    for (let divq = 1; divq <= 6; divq++) {
      for (let divf = 0; divf <= 127; divf++) {
        const vco = pfd * (divf + 1);
        if (vco < 533e6 || vco > 1066e6) continue;
        if (vco / 2 ** divq === outHz) {
          const filterRange = pfd < 17e6 ? 1 : pfd < 26e6 ? 2 : pfd < 44e6 ? 3 : pfd < 66e6 ? 4 : pfd < 101e6 ? 5 : 6;
          return { divr, divf, divq, filterRange };
        }
      }
    }
  }
  throw new Error(`no iCE40 PLL setting makes ${outHz} Hz from ${inHz} Hz exactly`);
}

function hex(v: number, digits: number): string {
  return (v >>> 0).toString(16).padStart(digits, '0');
}

function specVh(): string {
  const f = PROFILES.up5k.formats;
  if (JSON.stringify(f) !== JSON.stringify(DEFAULT_FORMATS)) throw new Error('up5k formats differ from DEFAULT_FORMATS');
  const g = rtlGeometry();
  const L: string[] = [];
  const def = (name: string, value: string | number, comment?: string) => L.push(`\`define ${name} ${value}${comment ? ` // ${comment}` : ''}`);
  L.push('// Generated by firmware-spec/gen/verilog.ts from firmware-spec. Do not edit: run `npm run gen`.');
  L.push('`ifndef SW_SPEC_VH');
  L.push('`define SW_SPEC_VH');
  L.push('');
  L.push('// spec version');
  def('SW_SPEC_MAJOR', SPEC_VERSION.major);
  def('SW_SPEC_MINOR', SPEC_VERSION.minor);
  def('SW_SPEC_HASH32', `32'h${specHash().slice(0, 8)}`, 'first 32 bits of hash.ts specHash() (IDENTIFY compares the full hash)');
  L.push('');
  L.push('// number formats (formats.ts): two\'s complement, BITS wide, FRAC fractional bits');
  def('SW_ACT_BITS', f.activation.bits);
  def('SW_ACT_FRAC', f.activation.frac);
  def('SW_W_BITS', f.weight.bits);
  def('SW_W_FRAC', f.weight.frac);
  def('SW_D_BITS', f.delta.bits);
  def('SW_D_FRAC', f.delta.frac);
  def('SW_IN_BITS', INPUT_FORMAT.bits, 'unsigned input bytes');
  def('SW_IN_FRAC', INPUT_FORMAT.frac);
  def('SW_ACC_BITS', g.accBits, 'exact fan-in / BP sums for layers up to SW_MAX_NEURONS');
  L.push('');
  L.push('// LFSR (lfsr.ts): Galois, right shift; mask bit (t-1) set for each tap t (XAPP052 Table 3)');
  def('SW_LFSR_WIDTH_MAIN', LFSR_WIDTH_MAIN);
  for (let w = LFSR_MIN_WIDTH; w <= LFSR_MAX_WIDTH; w++) def(`SW_LFSR_MASK_${w}`, `${w}'h${hex(lfsrMask(w), Math.ceil(w / 4))}`);
  // the same masks as one vector, entry w in bits [32w +: 32] (entries below the minimum width are 0)
  const table: string[] = [];
  for (let w = LFSR_MAX_WIDTH; w >= 0; w--) table.push(`32'h${hex(w >= LFSR_MIN_WIDTH ? lfsrMask(w) : 0, 8)}`);
  def('SW_LFSR_MASK_TABLE', `{${table.join(', ')}}`);
  L.push('');
  L.push('// sigmoid LUT (gen/sigmoid.ts): SIZE entries, bins of 2^-IN_FRAC, unsigned entries with OUT_FRAC bits');
  def('SW_SIG_SIZE', SIGMOID_LUT_SIZE);
  def('SW_SIG_INDEX_BITS', bitsFor(SIGMOID_LUT_SIZE));
  def('SW_SIG_IN_FRAC', SIGMOID_LUT_IN_FRAC);
  def('SW_SIG_OUT_FRAC', SIGMOID_LUT_OUT_FRAC);
  def('SW_SIG_OUT_BITS', 16);
  def('SW_SIG_HEX', '"sigmoid_lut.hex"', 'read with $readmemh from the include directory');
  L.push('');
  L.push('// schedule (schedule.ts)');
  def('SW_JUNCTION_PIPELINE_CLOCKS', JUNCTION_PIPELINE_CLOCKS);
  L.push('');
  L.push('// device error codes (errors.ts)');
  for (const [k, v] of Object.entries(DEVICE_ERRORS)) def(`SW_ERR_${k.toUpperCase()}`, v);
  L.push('');
  L.push('// protocol (protocol.ts): frame constants, request opcodes, response flag, NAK, link errors, SLIP bytes');
  def('SW_PROTOCOL_VERSION', PROTOCOL_VERSION);
  def('SW_FRAME_HEADER_BYTES', FRAME_HEADER_BYTES, 'version u8, seq u16, opcode u8, length u32 (little-endian)');
  def('SW_FRAME_CRC_BYTES', FRAME_CRC_BYTES, 'CRC-32/ISO-HDLC over header and payload');
  def('SW_FRAME_CRC_CHECK', `32'h${hex(0xcbf43926, 8)}`, 'CRC-32 of "123456789"');
  def('SW_MAX_PAYLOAD', MAX_PAYLOAD);
  def('SW_BULK_PAYLOAD', BULK_PAYLOAD, 'a bulk request (WRITE_WEIGHTS, STREAM_SAMPLES of more than one sample) or READ response carries at most this');
  def('SW_WINDOW', WINDOW);
  def('SW_REPLAY_CACHE', REPLAY_CACHE);
  def('SW_SEQ_MODULO', SEQ_MODULO);
  for (const [k, v] of Object.entries(OPCODES)) def(`SW_OP_${k}`, `8'h${hex(v.code, 2)}`);
  def('SW_RESPONSE_FLAG', `8'h${hex(RESPONSE_FLAG, 2)}`, 'response opcode = SW_RESPONSE_FLAG | request opcode');
  def('SW_NAK', `8'h${hex(NAK, 2)}`);
  for (const [k, v] of Object.entries(LINK_ERRORS)) def(`SW_LINK_ERR_${k.toUpperCase()}`, v);
  for (const [k, v] of Object.entries(SLIP)) def(`SW_SLIP_${k}`, `8'h${hex(v, 2)}`);
  def('SW_PCIE_ID_MAGIC', `32'h${hex(PCIE_ID_MAGIC, 8)}`);
  L.push('');
  L.push('// the up5k build (capability.ts PROFILES.up5k)');
  def('SW_CLOCK_HZ', g.clockHz);
  def('SW_CLOCK_MHZ', g.clockHz / 1e6);
  const pll = pllSetting(ICEBREAKER_OSC_HZ, g.clockHz);
  def('SW_OSC_HZ', ICEBREAKER_OSC_HZ, 'iCEBreaker oscillator, pin 35');
  def('SW_PLL_DIVR', pll.divr);
  def('SW_PLL_DIVF', pll.divf);
  def('SW_PLL_DIVQ', pll.divq);
  def('SW_PLL_FILTER_RANGE', pll.filterRange);
  if (g.clockHz % RTL_UART_BAUD !== 0) throw new Error(`clock ${g.clockHz} Hz is not a multiple of the UART rate ${RTL_UART_BAUD}`);
  def('SW_UART_BAUD', RTL_UART_BAUD);
  def('SW_UART_DIV', g.clockHz / RTL_UART_BAUD, 'clocks per UART bit');
  def('SW_LANES', g.lanes, 'z lanes of the junction engine');
  def('SW_MAX_JUNCTIONS', PROFILES.up5k.maxJunctions);
  def('SW_LANE_BITS', Math.max(1, bitsFor(g.lanes)));
  def('SW_WEIGHT_WORDS', g.weightWords);
  def('SW_WROWS', g.bankRows, 'rows of one lane\'s bank (2 SPRAMs)');
  def('SW_WROW_BITS', bitsFor(g.bankRows));
  def('SW_WEIGHT_ROWS', g.weightRowsPerBank, 'rows of a bank that hold weights');
  def('SW_RING_ROW_BASE', g.ringRowBase, 'first row of the sample ring in every bank');
  def('SW_RING_WORDS', g.ringWords, 'sample ring, 16-bit words (two input bytes each), ring word w in lane w mod SW_LANES');
  def('SW_RING_BITS', bitsFor(g.ringWords));
  def('SW_RING_BYTE_BITS', bitsFor(g.ringWords * UP5K_RING_BYTES_PER_WORD), 'byte addresses of the sample ring');
  def('SW_ACT_WORDS', PROFILES.up5k.activationWords, 'store words past the globals (store.ts)');
  def('SW_AROWS', g.actRowsPerBank, 'rows of one left-activation bank');
  def('SW_AROW_BITS', bitsFor(g.actRowsPerBank));
  def('SW_MAX_NEURONS', g.maxNeurons);
  def('SW_MAX_PAST_INPUT', g.maxLayerPastInput, 'largest hidden or output layer the store holds (store.ts largestLayerPastInput)');
  def('SW_DROWS', g.deltaRowsPerBank, 'rows of one left-delta / BP-sum bank: a layer past the input in one lane (z = 1)');
  def('SW_DROW_BITS', bitsFor(g.deltaRowsPerBank));
  def('SW_DRROW_BITS', bitsFor(g.rightDeltaRows), 'row bits of the two right-delta banks (even and odd neurons)');
  def('SW_SEQ_WORDS', RTL_SEQ_STORE_WORDS, 'the sequencer\'s store (sw_seq.v), 16-bit words');
  def('SW_SEQ_ADDR_BITS', bitsFor(RTL_SEQ_STORE_WORDS));
  def('SW_STORE_GLOBAL_WORDS', STORE_GLOBAL_WORDS);
  def('SW_STORE_JUNCTION_WORDS', STORE_JUNCTION_WORDS);
  def('SW_SEQ_PORT_BITS', 1 + Math.max(bitsFor(RTL_SEQ_STORE_WORDS), bitsFor(g.ringWords)), 'sw_seq store port: top bit 1 = sample ring word, 0 = store word');
  def('SW_NEURON_BITS', bitsFor(g.maxNeurons) + 1);
  L.push('');
  protocolRtl(def, L);
  L.push('');
  L.push('// the control plane\'s soft CPU (gen/cpu-io.ts): address map and I/O registers of sw_ctrl.v');
  for (const [k, v, c] of cpuIoDefines()) def(k, v, c);
  for (const [k, v, c] of flashBootDefines()) def(k, v, c);
  L.push('');
  L.push('`endif');
  return `${L.join('\n')}\n`;
}

/**
 * CRC-32/ISO-HDLC as the RTL computes it, bit-serially: reflected polynomial, register initialised to
 * all ones. The codec's CRC (the crc-32 library) is the reference; the generator checks they agree.
 */
export const CRC32_POLY_REFLECTED = 0xedb88320;

function crcRegister(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    for (let i = 0; i < 8; i++) c = (c >>> 1) ^ (((c ^ (b >>> i)) & 1) !== 0 ? CRC32_POLY_REFLECTED : 0);
  }
  return c >>> 0;
}

/**
 * The board's power-up count as IDENTIFY and STATUS report it: an FPGA keeps nothing across power
 * cycles, so every configuration of the bitstream is boot 1 (as a freshly started emulator is).
 */
export const RTL_BOOT_COUNT = 1;

/** Byte offset of a top-level field in a schema whose fields before it have fixed sizes. */
function fieldOffset(schema: Schema, name: string): number {
  const size: Record<string, number> = { u8: 1, bool: 1, u16: 2, u32: 4, i32: 4, u64: 8 };
  let at = 0;
  for (const [n, t] of schema) {
    if (n === name) return at;
    const s = typeof t === 'string' ? size[t] : 'enum' in t || 'flags' in t ? 1 : undefined;
    if (s === undefined) throw new Error(`fieldOffset: field ${n} before ${name} has no fixed size`);
    at += s;
  }
  throw new Error(`fieldOffset: no field ${name}`);
}

/** Constants of the framed protocol in the RTL (bitstreams-src/rtl/sw_proto.v). */
function protocolRtl(def: (name: string, value: string | number, comment?: string) => void, L: string[]): void {
  const check = Buffer.from('123456789');
  if (((crcRegister(check) ^ 0xffffffff) >>> 0) !== crc32(check)) throw new Error('CRC32_POLY_REFLECTED disagrees with the codec\'s CRC-32');
  const withCrc = Buffer.alloc(check.length + 4);
  check.copy(withCrc);
  withCrc.writeUInt32LE(crc32(check), check.length);
  L.push('// framed protocol in the RTL (sw_proto.v): CRC-32 register, fixed responses of the up5k board');
  def('SW_CRC32_POLY', `32'h${hex(CRC32_POLY_REFLECTED, 8)}`, 'reflected; register starts at all ones, final value inverted');
  def('SW_CRC32_RESIDUE', `32'h${hex(crcRegister(withCrc), 8)}`, 'register after a frame and its own CRC: the frame is good');
  def('SW_BOOT_COUNT', RTL_BOOT_COUNT, 'an FPGA keeps no state across power cycles');
  const ident = identPayload();
  def('SW_IDENT_BYTES', ident.length, 'IDENTIFY response payload bytes: sw_ident_byte() in ident_rom.vh');
  def('SW_IDENT_ROM', '"ident_rom.vh"', 'include inside a module');
  const nak = encodePayload(NAK_SCHEMA, { opcode: 0, code: 0, expected: 0, message: '' });
  def('SW_NAK_BYTES', nak.length, 'NAK payload: opcode, code, expected u16, empty message');
  def('SW_SAMPLE_ENCODINGS', SAMPLE_ENCODINGS.length, 'STREAM_SAMPLES encoding enum values (any device)');
  // CONFIGURE on the board (sw_exec.v): enum sizes of the descriptor's schema and the up5k limits it is checked against
  def('SW_ENUM_FEEDBACK', FEEDBACK_MODES.length, 'CONFIGURE enum values (protocol.ts), index = wire value');
  def('SW_ENUM_ROUNDING', UPDATE_ROUNDINGS.length);
  def('SW_ENUM_CONNECTIVITY', CONNECTIVITY_KINDS.length);
  def('SW_ENUM_START_VECTOR_MODE', START_VECTOR_MODES.length);
  def('SW_ENUM_ACTIVATION', ACTIVATION_KINDS.length);
  def('SW_ENUM_UPDATE_MODE', UPDATE_MODES.length);
  def('SW_CONN_LFSR', CONNECTIVITY_KINDS.indexOf('lfsr'), 'the connectivity kind with no p*fo = n*fi rule');
  def('SW_CAP_WEIGHT_WORDS', PROFILES.up5k.weightWords, 'up5k capability: weights');
  def('SW_CAP_ACTIVATION_WORDS', PROFILES.up5k.activationWords, 'up5k capability: store words past the globals');
  def('SW_CAP_ENCODINGS', `${SAMPLE_ENCODINGS.length}'b${SAMPLE_ENCODINGS.map((e) => (PROFILES.up5k.encodings.includes(e) ? '1' : '0')).reverse().join('')}`, 'up5k capability: STREAM_SAMPLES encodings decoded, bit = wire value');
  for (const e of ['u8', 'u4', 'bin'] as const) def(`SW_ENC_${e.toUpperCase()}`, SAMPLE_ENCODINGS.indexOf(e));
  def('SW_CAP_DFA', PROFILES.up5k.features.dfa ? 1 : 0);
  def('SW_CAP_STOCHASTIC_ROUNDING', PROFILES.up5k.features.stochasticRounding ? 1 : 0);
  def('SW_CAP_ESSOP', PROFILES.up5k.features.essop ? 1 : 0);
  const status = OPCODES.STATUS.response;
  def('SW_STATUS_BYTES', encodeResponse('STATUS', { configured: false, seeded: false, bufferedSamples: 0, bufferedBytes: 0, roundingState: 0, bootCount: 0 }).length);
  for (const f of ['configured', 'seeded', 'bufferedSamples', 'bufferedBytes', 'roundingState', 'bootCount']) def(`SW_STATUS_AT_${f.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, fieldOffset(status, f));
  const counters = OPCODES.READ_COUNTERS.response;
  def('SW_COUNTERS_AT_WIRE_BYTES_IN', fieldOffset(counters, 'wireBytesIn'), 'READ_COUNTERS: u64 fields before the junction list');
  def('SW_COUNTERS_AT_WIRE_BYTES_OUT', fieldOffset(counters, 'wireBytesOut'));
  def('SW_COUNTERS_AT_JUNCTIONS', fieldOffset(counters, 'junctions'), 'the junction list\'s u8 count');
  const run = OPCODES.TRAIN.response;
  def('SW_RUN_RESULT_BYTES', fieldOffset(run, 'clocks') + 8, 'TRAIN / INFER response: samples u32, correct u32, junctionCycles u64, clocks u64 (INFER: predictions follow)');
  def('SW_STREAM_RESPONSE_BYTES', encodeResponse('STREAM_SAMPLES', { bufferedSamples: 0 }).length, 'STREAM_SAMPLES response: bufferedSamples u32');
  for (const f of ['clocks', 'junctionCycles', 'samplesTrained', 'samplesInferred'] as const) def(`SW_COUNTERS_AT_${f.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, fieldOffset(counters, f));
  // a junction's entry as the board sends it: every counter 0, no lanes (firmware-spec/SPEC.md section 7)
  const zero = (k: number) => encodeResponse('READ_COUNTERS', emptyCounters(new Array(k).fill(0))).length;
  def('SW_COUNTERS_JUNCTION_BYTES', zero(1) - zero(0), 'READ_COUNTERS: one junction entry with no lanes');
  def('SW_COUNTERS_BYTES_UNCONFIGURED', fieldOffset(counters, 'junctions') + 1, 'no junctions');
}

/**
 * IDENTIFY's whole response payload is constant on the board: the up5k capability as the codec encodes
 * it, the boot count and the link limits.
 */
function identPayload(): Buffer {
  return encodeResponse('IDENTIFY', { capability: capabilityFor('up5k', specHash()), bootCount: RTL_BOOT_COUNT, maxPayload: MAX_PAYLOAD, window: WINDOW });
}

/** The IDENTIFY payload as a function of the byte index (sw_proto.v loads it into its EBR at start-up). */
function identRom(): string {
  const b = identPayload();
  const ib = bitsFor(b.length);
  const L = ['// Generated by firmware-spec/gen/verilog.ts from firmware-spec. Do not edit: run `npm run gen`.'];
  L.push(`// IDENTIFY response payload of the up5k board (${b.length} bytes): codec.ts encodeResponse('IDENTIFY', ...)`);
  L.push(`function [7:0] sw_ident_byte(input [${ib - 1}:0] i);`);
  L.push('  case (i)');
  b.forEach((v, i) => L.push(`    ${ib}'d${i}: sw_ident_byte = 8'h${hex(v, 2)};`));
  L.push("    default: sw_ident_byte = 8'h00;");
  L.push('  endcase');
  L.push('endfunction');
  return `${L.join('\n')}\n`;
}
export const IDENT_ROM_PATH = 'bitstreams-src/gen/ident_rom.vh';

function sigmoidHex(): string {
  return `${SIGMOID_LUT.map((v) => hex(v, 4)).join('\n')}\n`;
}

/**
 * spec.h: spec.vh's constants for the board's firmware (C), the same names and values (Verilog sized
 * literals become C hex or binary literals; string and vector defines have no C form and are left
 * out), and IDENTIFY's payload as an initializer.
 */
function specH(vh: string): string {
  const L = ['/* Generated by firmware-spec/gen/verilog.ts from firmware-spec (the same constants as spec.vh). Do not edit: run `npm run gen`. */'];
  L.push('#ifndef SW_SPEC_H', '#define SW_SPEC_H', '');
  for (const line of vh.split('\n')) {
    const m = /^`define (SW_\w+) (\S+)(?: \/\/ (.*))?$/.exec(line);
    if (!m) continue;
    const [, name, raw, comment] = m;
    const sized = /^\d+'([hb])([0-9a-fA-F_]+)$/.exec(raw);
    const value = sized ? `0${sized[1] === 'h' ? 'x' : 'b'}${sized[2]}u` : /^\d+$/.test(raw) ? raw : undefined;
    if (value !== undefined) L.push(`#define ${name} ${value}${comment ? ` /* ${comment.replace(/\*\//g, '* /')} */` : ''}`);
  }
  const ident = identPayload();
  L.push('', `/* IDENTIFY response payload of the up5k board (${ident.length} bytes): codec.ts encodeResponse('IDENTIFY', ...) */`);
  L.push(`#define SW_IDENT_INIT { ${[...ident].map((b) => `0x${hex(b, 2)}`).join(', ')} }`);
  L.push('', '#endif', '');
  return L.join('\n');
}
export const SPEC_H_PATH = 'bitstreams-src/gen/spec.h';

/** Repo-relative path -> content of every generated RTL file. */
export function verilogFiles(): Record<string, string> {
  const vh = specVh();
  return { [SPEC_VH_PATH]: vh, [SIGMOID_HEX_PATH]: sigmoidHex(), [IDENT_ROM_PATH]: identRom(), [SPEC_H_PATH]: specH(vh) };
}
