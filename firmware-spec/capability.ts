import { DEFAULT_FORMATS, FORMAT_BOUNDS, type NumberFormats } from './formats.ts';
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
  /** activation and delta memory, words, for all in-flight samples of all layers */
  activationWords: number;
  /** on-device sample buffer, bytes (holds two chunks so the link and the device overlap) */
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
 * Device profiles. 'emu' is a roomy software device. 'up5k' is the iCEBreaker build: its lanes,
 * memories and clock are what bitstreams-src is built with (a test checks the two agree).
 *   maxLanes 2: one junction engine of 2 lanes, time-shared by the junctions; each lane's weight bank is
 *     a pair of SPRAMs (even rows, odd rows) so it reads one weight and writes one back per clock
 *   weightWords: 4 SPRAM x 16K words of 16 bits = 65,536
 *   activationWords: EBR banks of the engine: left activations, left deltas and right deltas,
 *     each 2 lanes x 512 words = 3,072 (layers up to 1,024 neurons)
 *   clockHz: 24 MHz from the PLL (12 MHz oscillator x 2)
 *   timing 'shared-engine': clocks count as the RTL sequencer (sw_seq.v) spends them, junction after
 *     junction on the one engine (timing.ts); the RTL tests check the two agree
 */
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
    clockHz: 24_000_000,
    // one 2-lane engine, time-shared by the junctions (timing 'shared-engine'): every junction may
    // use both lanes, so the total is per-junction lanes times junctions
    maxLanes: 2 * 4,
    maxLanesPerJunction: 2,
    maxJunctions: 4,
    weightWords: 65_536,
    activationWords: 3_072,
    sampleBufferBytes: 32 * 1024,
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
