import { EmulatedDevice } from '../../emulator/device.ts';
import type { NetworkConfig } from '../../host/config/schema.ts';
import { plan } from '../../host/partition/partition.ts';

/** A configured, seeded emulated device for a config. */
export function seededDevice(cfg: NetworkConfig): EmulatedDevice {
  const dev = new EmulatedDevice('emu');
  const net = plan(cfg, dev.capability).resolved.network;
  dev.configure(net);
  dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  return dev;
}

/** Deterministic pseudo-random samples (not MNIST): enough to move every weight. */
export function randomSamples(count: number, pixels: number, seed = 7): { pixels: Uint8Array; labels: Uint8Array } {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 24;
  };
  const px = new Uint8Array(count * pixels);
  for (let i = 0; i < px.length; i++) px[i] = next() < 90 ? 0 : next();
  return { pixels: px, labels: Uint8Array.from({ length: count }, () => next() % 10) };
}

export function feed(dev: EmulatedDevice, count: number, pixels: number, seed = 7): void {
  const s = randomSamples(count, pixels, seed);
  dev.streamSamples(s.pixels, s.labels);
}

export const small = (sparsity: NetworkConfig['sparsity'], extra: Partial<NetworkConfig> = {}): NetworkConfig => ({
  name: 'small',
  layers: [64, 32, 10],
  junctions: [
    { fo: 12, z: 8 },
    { fo: 10, z: 4 },
  ],
  sparsity,
  ...extra,
});
