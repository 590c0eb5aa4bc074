import type { Capability, ProfileName } from '../../firmware-spec/capability.ts';
import { PROFILES } from '../../firmware-spec/capability.ts';
import type { DeviceCounters } from '../../firmware-spec/counters.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import type { NetworkConfig } from '../config/schema.ts';
import type { Dataset } from '../datasets/index.ts';
import { plan, type ResolvedConfig } from '../partition/partition.ts';
import { epochOrder } from '../train/order.ts';

export interface CurvePoint {
  /** samples trained so far in the run */
  samples: number;
  epoch: number;
  /** running training accuracy within the epoch (FF output argmax against the label) */
  accuracy: number;
}

export interface EmulatorRun {
  resolved: ResolvedConfig;
  counters: DeviceCounters;
  curve: CurvePoint[];
  trainAccuracy: number;
}

/** The emulator profile that stands for a device: its own, when the emulator has it. */
export function emulatorProfileFor(cap: Capability): ProfileName {
  return (cap.profile in PROFILES ? cap.profile : 'emu') as ProfileName;
}

/**
 * Train a variant of the network on an in-process emulator, on the very samples and chunks the trainer
 * uses (same seed, same epoch order, same quantized pixels), and return its training counters. Used for
 * baselines: the device contract is bit-exact, so these counters are what the device would count.
 */
export function trainOnEmulator(cfg: NetworkConfig, profile: ProfileName, trainSet: Dataset, samplesPerEpoch: number, epochs: number): EmulatorRun {
  const dev = new EmulatedDevice(profile);
  const resolved = plan(cfg, dev.capability, `emu?profile=${profile}`).resolved;
  const net = resolved.network;
  dev.configure(net);
  dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  dev.clearCounters();
  const px = trainSet.pixels;
  const curve: CurvePoint[] = [];
  let trained = 0;
  let epochCorrect = 0;
  for (let e = 0; e < epochs; e++) {
    const order = epochOrder(trainSet.count, resolved.seed, e).subarray(0, samplesPerEpoch);
    epochCorrect = 0;
    for (let c = 0; c < samplesPerEpoch; c += resolved.chunk) {
      const n = Math.min(resolved.chunk, samplesPerEpoch - c);
      const pixels = new Uint8Array(n * px);
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const s = order[c + i];
        pixels.set(trainSet.images.subarray(s * px, (s + 1) * px), i * px);
        labels[i] = trainSet.labels[s];
      }
      dev.streamSamples(pixels, labels);
      epochCorrect += dev.train(n).correct;
      trained += n;
      curve.push({ samples: trained, epoch: e + 1, accuracy: epochCorrect / (c + n) });
    }
  }
  return { resolved, counters: dev.readCounters(), curve, trainAccuracy: epochCorrect / samplesPerEpoch };
}
