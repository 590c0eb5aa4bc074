import type { Capability, SampleEncoding } from '../../firmware-spec/capability.ts';
import type { DeviceCounters } from '../../firmware-spec/counters.ts';
import type { MaskStep, MaskStepResult } from '../../firmware-spec/masks.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';
import type { BalanceReport, DeviceClient, DeviceStatus, InferResult, LinkStats, SeedSet, TrainResult } from '../../firmware-spec/device-client.ts';
import { EmulatedDevice } from '../device.ts';

/**
 * A DeviceClient that calls an EmulatedDevice directly, with no frames and no link: the in-process
 * path for commands the wire protocol does not carry yet (MASK_STEP, BALANCE), for tests and the
 * balance bench. Samples go to the device as the u8 pixels the trainer already quantized for
 * `encoding`, so results equal those over any link; link statistics stay zero.
 */
export class DirectClient implements DeviceClient {
  readonly uri = 'emu-direct';
  constructor(readonly device: EmulatedDevice = new EmulatedDevice('emu')) {}
  async identify(): Promise<{ capability: Capability; bootCount: number }> {
    return this.device.identify();
  }
  async reset(): Promise<void> {
    this.device.reset();
  }
  async configure(net: NetworkDescriptor): Promise<void> {
    this.device.configure(net);
  }
  async loadSeeds(seeds: SeedSet): Promise<void> {
    this.device.loadSeeds(seeds);
  }
  async writeWeights(junction: number, offset: number, words: Int32Array): Promise<void> {
    this.device.writeWeights(junction, offset, words);
  }
  async readWeights(junction: number, offset: number, count: number): Promise<Int32Array> {
    return Int32Array.from(this.device.readWeights(junction, offset, count));
  }
  async streamSamples(_encoding: SampleEncoding, pixels: Uint8Array | readonly Uint8Array[], labels: Uint8Array): Promise<{ bytes: number }> {
    const block = pixels instanceof Uint8Array ? pixels : Buffer.concat(pixels);
    this.device.streamSamples(block, labels);
    return { bytes: block.length + labels.length };
  }
  async train(n: number): Promise<TrainResult> {
    return this.device.train(n);
  }
  async infer(n: number): Promise<InferResult> {
    return this.device.infer(n);
  }
  async maskStep(step: MaskStep): Promise<MaskStepResult> {
    return this.device.maskStep(step);
  }
  async balance(policy: string): Promise<BalanceReport> {
    return this.device.balance(policy);
  }
  async readMask(junction: number, offset: number, count: number): Promise<Uint8Array> {
    return this.device.mask(junction, offset, count);
  }
  async writeMask(junction: number, offset: number, bits: Uint8Array): Promise<void> {
    this.device.writeMask(junction, offset, bits);
  }
  async readCounters(): Promise<DeviceCounters> {
    return this.device.readCounters();
  }
  async clearCounters(): Promise<void> {
    this.device.clearCounters();
  }
  async status(): Promise<DeviceStatus> {
    return this.device.status();
  }
  linkStats(): LinkStats {
    return { bytesOut: 0, bytesIn: 0, frameBytesOut: 0, frameBytesIn: 0, commandBytesOut: 0, commandBytesIn: 0, framesOut: 0, framesIn: 0, retransmits: 0, badFrames: 0, linkSeconds: 0 };
  }
  async close(): Promise<void> {}
}
