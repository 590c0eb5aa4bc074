import type { BalancePolicy, JunctionBalance } from './balance.ts';
import type { Capability, SampleEncoding } from './capability.ts';
import type { DeviceCounters } from './counters.ts';
import type { MaskStep, MaskStepResult } from './masks.ts';
import type { NetworkDescriptor } from './network.ts';

/**
 * The device client's contract: the typed API of the protocol's commands and the shapes of their
 * answers. The host's clients (host/device) and the emulator's in-process client
 * (emulator/balance/direct-client.ts) implement it, and the emulator's device model returns these
 * shapes, so host and emulator both import them from here rather than from each other.
 */

/** Seeds the host loads after CONFIGURE: one connectivity and one init seed per junction. */
export interface SeedSet {
  connectivity: number[];
  init: number[];
  feedback: number;
  /** state of the stochastic-rounding LFSR (a seed, or a state saved in a checkpoint) */
  rounding: number;
}

export interface TrainResult {
  samples: number;
  /** samples whose FF output argmax equalled the label */
  correct: number;
  junctionCycles: number;
  clocks: number;
}

export interface InferResult {
  samples: number;
  correct: number;
  predictions: Uint8Array;
  junctionCycles: number;
  clocks: number;
}

export interface DeviceStatus {
  configured: boolean;
  seeded: boolean;
  bufferedSamples: number;
  bufferedBytes: number;
  /** current state of the stochastic-rounding LFSR */
  roundingState: number;
  bootCount: number;
}

/** BALANCE's answer (balance.ts): each junction's schedule report under one policy. */
export interface BalanceReport {
  policy: BalancePolicy;
  junctions: JunctionBalance[];
  /** clocks this BALANCE spent, all junctions */
  balancerClocks: number;
}

/** Bytes and frames a client has moved, and what the link layer had to repair. */
export interface LinkStats {
  /** bytes on the line, as the transport carries them: SLIP END and escape bytes included on byte streams */
  bytesOut: number;
  bytesIn: number;
  /**
   * protocol frame bytes (header, payload, CRC) of every frame sent (retransmissions included) and
   * every candidate received: the same on every transport for the same command sequence, and what
   * the device's wireBytesIn/wireBytesOut counters count from its side (SPEC.md section 7)
   */
  frameBytesOut: number;
  frameBytesIn: number;
  /**
   * protocol frame bytes of the run's command sequence: each request's frame once (its first
   * transmission) and the one response (ACK or NAK) that completed it. Retransmissions, replays and
   * rejected candidates are left out, so this is the same for the same command sequence on every
   * transport, clean link or lossy (SPEC.md section 13, wireBytes)
   */
  commandBytesOut: number;
  commandBytesIn: number;
  framesOut: number;
  framesIn: number;
  retransmits: number;
  /** frames dropped by the receiver for a bad CRC, length or framing */
  badFrames: number;
  /** seconds spent waiting on the link (round trips), for link-versus-device time */
  linkSeconds: number;
}

/**
 * A device, whatever carries its frames: the typed, promise-based API of the protocol's commands.
 * Every response is validated before it is returned. Errors are DeviceError (NAK from the device)
 * or LinkError (timeout, crc, disconnected, spec_mismatch, ...), each with a stable `code`.
 */
export interface DeviceClient {
  readonly uri: string;
  identify(): Promise<{ capability: Capability; bootCount: number }>;
  /**
   * The answer to the last IDENTIFY this client sent (openDevice's handshake sends one), so callers
   * that only need the capability do not send a second IDENTIFY; undefined before any.
   */
  readonly identity?: { capability: Capability; bootCount: number };
  reset(): Promise<void>;
  configure(net: NetworkDescriptor): Promise<void>;
  loadSeeds(seeds: SeedSet): Promise<void>;
  /** canonical weight order; chunked into frames by the client */
  writeWeights(junction: number, offset: number, words: Int32Array): Promise<void>;
  readWeights(junction: number, offset: number, count: number): Promise<Int32Array>;
  /**
   * raw u8 images and labels; the client encodes them in `encoding`. The images are one block
   * (count * pixels bytes) or one view per image (e.g. picked out of a data set in epoch order, with
   * no gathering copy: a client may copy them straight into its frames). The client is done with
   * them when the call returns (the promise need not have settled).
   */
  streamSamples(encoding: SampleEncoding, pixels: Uint8Array | readonly Uint8Array[], labels: Uint8Array): Promise<{ bytes: number }>;
  train(n: number): Promise<TrainResult>;
  infer(n: number): Promise<InferResult>;
  /**
   * MASK_STEP (firmware-spec/masks.ts): magnitude pruning or DropBack selection, computed on the
   * device from its weights (w0 regenerated from the init seeds). Optional until every link
   * carries it; the trainer refuses dynamic masks on a client without it.
   */
  maskStep?(step: MaskStep): Promise<MaskStepResult>;
  /** BALANCE (firmware-spec/balance.ts): schedule every junction's live edges under `policy`; timing only. */
  balance?(policy: string): Promise<BalanceReport>;
  /**
   * READ_MASK: junction's mask over canonical edges [offset, offset + count), one 0/1 byte per edge
   * (1: tracked; all ones before any mask step). Chunked into frames by the client. Optional, as maskStep.
   */
  readMask?(junction: number, offset: number, count: number): Promise<Uint8Array>;
  /**
   * WRITE_MASK: set mask bits (0/1 per edge) from `offset`; the device is left as MASK_STEP would
   * leave it with that mask over the weights it holds (so write the weights first). Resuming a run.
   */
  writeMask?(junction: number, offset: number, bits: Uint8Array): Promise<void>;
  readCounters(): Promise<DeviceCounters>;
  clearCounters(): Promise<void>;
  status(): Promise<DeviceStatus>;
  linkStats(): LinkStats;
  close(): Promise<void>;
}
