import { DEFAULT_FORMATS, FORMAT_BOUNDS, type NumberFormats } from './formats.ts';
import { STORE_GLOBAL_WORDS } from './store.ts';
import type { TimingModel } from './timing.ts';
import { BULK_PAYLOAD } from './payload-limits.ts';
import { SPEC_VERSION } from './version.ts';

/** Input encodings a device can decode from STREAM_SAMPLES (see host/datasets/encodings.ts). */
export const SAMPLE_ENCODINGS = ['u8', 'u4', 'bin', 'zrl'] as const;
export type SampleEncoding = (typeof SAMPLE_ENCODINGS)[number];

/**
 * What a device declares about itself in IDENTIFY. The partitioner plans against it.
 * Memory sizes are in words of the named quantity's width.
 */
export interface Capability {
  profile: string;
  specVersion: { major: number; minor: number };
  specHash: string;
  /** device clock, Hz */
  clockHz: number;
  /** lanes available to all junctions together */
  maxLanes: number;
  /** lanes one junction may use */
  maxLanesPerJunction: number;
  maxJunctions: number;
  /** weight memory, weight words */
  weightWords: number;
  /** activation and delta memory, words, for all in-flight samples of all layers past the input
   *  layer (whose activations are the buffered sample bytes), counted as store.ts lays it out */
  activationWords: number;
  /** on-device sample buffer, bytes; a sample takes its input bytes and a label byte (store.ts
   *  sampleRecordBytes); it holds two chunks so the link and the device overlap */
  sampleBufferBytes: number;
  /**
   * payload bytes of one bulk frame (WRITE_WEIGHTS, READ_WEIGHTS, STREAM_SAMPLES, READ_MASK,
   * WRITE_MASK) this device accepts and the host uses: at least BULK_PAYLOAD (protocol.ts), which
   * every device accepts, and at most what its receive buffer holds
   */
  bulkPayload: number;
  /** the formats the device is built for; 'configurable' means any within FORMAT_BOUNDS */
  formats: NumberFormats;
  formatsConfigurable: boolean;
  formatBounds: typeof FORMAT_BOUNDS;
  encodings: readonly SampleEncoding[];
  features: { dfa: boolean; stochasticRounding: boolean; loadBalancer: boolean; tiling: boolean; essop: boolean };
  /** how the device's clock counters are counted (timing.ts): 'parallel' junctions, or one 'shared-engine' */
  timing: TimingModel;
}

export type ProfileName = 'emu' | 'up5k';

/**
 * The iCEBreaker build's hardware (bitstreams-src/rtl), from which the up5k profile's numbers are
 * derived below and bitstreams-src/gen/spec.vh is generated (gen/verilog.ts). A test compares the
 * synthesised netlist with it (test/rtl/capability.test.ts).
 */
export const UP5K_BUILD = {
  /** lanes of the one junction engine (sw_junction.v) */
  lanes: 2,
  /** SB_SPRAM256KA blocks: 16K words of 16 bits each, all four of the UP5K */
  sprams: 4,
  spramWords: 16 * 1024,
  /** each lane's bank is a pair of SPRAMs (even rows, odd rows), so it reads one weight and writes
   *  one back per clock: 2 x 16K rows of one 16-bit word */
  spramsPerLane: 2,
  /** the top rows of every lane's bank hold the sample buffer (rows bankRows - ringRowsPerLane ..
   *  bankRows - 1), two input bytes per word. A quarter of the SPRAM (32 KB) holds two 20-sample
   *  chunks of MNIST */
  ringRowsPerLane: 8 * 1024,
  /** the rows just below the ring hold the board's firmware RAM (code, data, stack; the soft CPU of
   *  bitstreams-src/rtl/sw_ctrl.v): one 32-bit word per row, lane 0's word its low half, so 4,096
   *  rows are 16 KB. The rows below them hold weights: 40,960 words, MNIST 784-112-10 takes 34,048 */
  cpuRowsPerLane: 4 * 1024,
  /** rows of each lane's left-activation EBR bank: left layers up to lanes x actRowsPerBank = 1,024
   *  neurons (the input layer, e.g. MNIST's 784, is a junction's left layer) */
  actRowsPerBank: 512,
  /** rows of each lane's EBR banks that only ever hold a layer past the input (left deltas and BP
   *  sums, whose left layer is hidden: BP runs for junctions past the first; the two right-delta
   *  banks, even and odd neurons, hold half as many each). The store bounds every layer past the
   *  input: a right layer of n neurons takes 2 << ceil(log2 n) delta words (store.ts), so n > 256
   *  would take 1,024 of activationWords' 992, and the partitioner and CONFIGURE refuse it
   *  (gen/verilog.ts checks this bound against storeLayout). Rows per lane, not per engine: a left
   *  layer of prime p runs with z = 1, so one lane holds all of it. 256 rows is an EBR's smallest
   *  depth (256 x 16), so BP sums take 3 EBR a lane instead of 6 and deltas 1 instead of 2 */
  deltaRowsPerBank: 256,
  /** the sequencer's store (sw_seq.v: globals, descriptors, activation slots, deltas, DFA matrix):
   *  4 EBR blocks of 256 x 16; the engine's banks and the sigmoid table take the others */
  storeWords: 1024,
  /** junction descriptors the store has room for (store.ts) */
  maxJunctions: 4,
  /** 24 MHz from the PLL (12 MHz oscillator x 2) */
  clockHz: 24_000_000,
} as const;

/** Rows of one lane's weight bank (both SPRAMs), rows of it that hold weights, words of the sample ring. */
export const UP5K_BANK_ROWS = UP5K_BUILD.spramsPerLane * UP5K_BUILD.spramWords;
export const UP5K_WEIGHT_ROWS = UP5K_BANK_ROWS - UP5K_BUILD.ringRowsPerLane - UP5K_BUILD.cpuRowsPerLane;
/** the firmware RAM: its first row in every bank (just above the weights), its bytes (the lanes' 16-bit
 *  words of one row make one 32-bit word) */
export const UP5K_CPU_ROW_BASE = UP5K_WEIGHT_ROWS;
export const UP5K_CPU_RAM_BYTES = UP5K_BUILD.cpuRowsPerLane * UP5K_BUILD.lanes * 2;
export const UP5K_RING_WORDS = UP5K_BUILD.lanes * UP5K_BUILD.ringRowsPerLane;
/** input bytes per ring word (16-bit SPRAM words, little-endian: even byte address in bits 7..0) */
export const UP5K_RING_BYTES_PER_WORD = 2;

export const PROFILES: Record<ProfileName, Omit<Capability, 'specHash' | 'specVersion' | 'profile' | 'formatBounds'>> = {
  emu: {
    clockHz: 100_000_000,
    maxLanes: 64,
    maxLanesPerJunction: 32,
    maxJunctions: 8,
    weightWords: 4 * 1024 * 1024,
    activationWords: 1024 * 1024,
    sampleBufferBytes: 4 * 1024 * 1024,
    // 8 KB: a software device has memory to spare, and the host's per-frame work (ARQ, CRC, timers) is
    // then spread over about ten 784-byte MNIST samples instead of one; half of MAX_PAYLOAD keeps a
    // frame's line time (27 ms at 3 Mbaud over a pty) well inside the retransmission timeout
    bulkPayload: 8 * BULK_PAYLOAD,
    formats: DEFAULT_FORMATS,
    formatsConfigurable: true,
    encodings: ['u8', 'u4', 'bin', 'zrl'],
    features: { dfa: true, stochasticRounding: true, loadBalancer: true, tiling: false, essop: true },
    timing: 'parallel',
  },
  up5k: {
    clockHz: UP5K_BUILD.clockHz,
    // one 2-lane engine, time-shared by the junctions (timing 'shared-engine'): every junction may
    // use both lanes, so the total is per-junction lanes times junctions
    maxLanes: UP5K_BUILD.lanes * UP5K_BUILD.maxJunctions,
    maxLanesPerJunction: UP5K_BUILD.lanes,
    maxJunctions: UP5K_BUILD.maxJunctions,
    weightWords: UP5K_BUILD.lanes * UP5K_WEIGHT_ROWS,
    activationWords: UP5K_BUILD.storeWords - STORE_GLOBAL_WORDS,
    sampleBufferBytes: UP5K_RING_WORDS * UP5K_RING_BYTES_PER_WORD,
    // the board keeps a request's payload until its CRC checks: one bulk frame of the smallest size
    bulkPayload: BULK_PAYLOAD,
    formats: DEFAULT_FORMATS,
    formatsConfigurable: false,
    encodings: ['u8', 'u4', 'bin'],
    // essop: no ESSOP update in the RTL (its comparators, AND gates and counters would cost LUTs, the
    // scarce resource of this part)
    features: { dfa: true, stochasticRounding: false, loadBalancer: false, tiling: false, essop: false },
    timing: 'shared-engine',
  },
};

export function capabilityFor(profile: ProfileName, specHash: string): Capability {
  return { profile, specVersion: { ...SPEC_VERSION }, specHash, formatBounds: FORMAT_BOUNDS, ...PROFILES[profile] };
}
