import { describe, expect, it } from 'vitest';
import { BALANCE_POLICIES } from '../../firmware-spec/balance.ts';
import type { MaskStep } from '../../firmware-spec/masks.ts';
import { DirectClient } from '../../emulator/balance/direct-client.ts';
import type { NetworkConfig } from '../../host/config/schema.ts';
import { train } from '../../host/train/trainer.ts';
import { feed, seededDevice, small } from './helpers.ts';

/**
 * Balancing changes only timing: the same masks and samples give the same weights, bit for bit,
 * under every policy, while the clock counters differ.
 */
const W = 64 * 32 + 32 * 10;
const cases: Array<{ name: string; cfg: NetworkConfig; steps: MaskStep[] }> = [
  { name: 'LFSR-pruned', cfg: small({ kind: 'lfsr' }), steps: [] },
  {
    name: 'magnitude',
    cfg: small({ kind: 'magnitude', targetDensity: 0.2 }),
    steps: [
      { kind: 'magnitude', junctions: [0, 1], keep: [1200, 250] },
      { kind: 'magnitude', junctions: [0, 1], keep: [410, 64] },
    ],
  },
  {
    name: 'DropBack',
    cfg: small({ kind: 'dropback', keep: 0.1 }),
    steps: [
      { kind: 'dropback', junctions: [0, 1], keep: Math.round(0.1 * W), untrackedShift: 0 },
      { kind: 'dropback', junctions: [0, 1], keep: Math.round(0.1 * W), untrackedShift: 31 },
    ],
  },
];

function run(cfg: NetworkConfig, steps: MaskStep[], policy: string) {
  const dev = seededDevice(cfg);
  dev.balance(policy);
  let seed = 11;
  const chunk = () => {
    feed(dev, 48, 64, seed++);
    dev.train(48);
  };
  chunk();
  for (const s of steps) {
    dev.maskStep(s);
    dev.balance(policy);
    chunk();
  }
  chunk();
  return { dev, weights: [0, 1].map((j) => Array.from(dev.readWeights(j))), counters: dev.readCounters() };
}

describe('balancing changes timing, never results', () => {
  for (const c of cases) {
    it(`${c.name}: weights bit-identical under every policy; lane counters add up`, () => {
      const base = run(c.cfg, c.steps, 'none');
      for (const policy of BALANCE_POLICIES) {
        const r = run(c.cfg, c.steps, policy);
        expect(r.weights).toEqual(base.weights);
        const k = r.counters;
        for (const jc of k.junctions) {
          for (let q = 0; q < jc.lanes.busy.length; q++) expect(jc.lanes.busy[q] + jc.lanes.stall[q] + jc.lanes.idle[q]).toBe(k.clocks);
        }
        if (policy === 'greedy') {
          expect(k.clocks).toBeLessThan(base.counters.clocks);
          expect(k.balancerClocks).toBeGreaterThan(base.counters.balancerClocks);
          expect(k.junctions[0].FF.stalls).toBe(0);
        }
      }
    });
  }

  it('trainer on MNIST: DropBack with greedy balancing and with none give the same weightsSha256', async () => {
    const net: NetworkConfig = { name: 'db', layers: [784, 112, 10], junctions: [{ z: 16 }, { z: 16 }], sparsity: { kind: 'dropback', keep: 0.1, every: 200, decay: 2 } };
    const a = await train({ network: { ...net, balancing: 'none' }, device: new DirectClient(), samples: 800, evaluateEachEpoch: false });
    const b = await train({ network: { ...net, balancing: 'greedy' }, device: new DirectClient(), samples: 800, evaluateEachEpoch: false });
    expect(b.weightsSha256).toBe(a.weightsSha256);
    expect(b.testAccuracy).toBe(a.testAccuracy);
    expect(b.deviceClocks).toBeLessThan(a.deviceClocks);
    expect(b.balance?.policy).toBe('greedy');
    const j1 = b.balance!.junctions[0];
    expect(j1.clocks).toBe(j1.lowerBoundClocks);
    expect(j1.liveEdges).toBeLessThan(784 * 112 * 0.15);
  });

  it('trainer: LFSR-pruned over the emu link with balancing none and greedy, and in process, agree bit for bit', async () => {
    const net: NetworkConfig = { name: 'lfsr', layers: [784, 112, 10], junctions: [{ fo: 11, z: 16, sparsity: { kind: 'lfsr' } }, { fo: 10, z: 16 }] };
    const a = await train({ network: { ...net, balancing: 'none' }, device: 'emu', samples: 300, evaluateEachEpoch: false });
    const b = await train({ network: { ...net, balancing: 'greedy' }, device: 'emu', samples: 300, evaluateEachEpoch: false });
    const c = await train({ network: { ...net, balancing: 'greedy' }, device: new DirectClient(), samples: 300, evaluateEachEpoch: false });
    expect(b.weightsSha256).toBe(a.weightsSha256);
    expect(c.weightsSha256).toBe(a.weightsSha256);
    expect(b.balance?.junctions[0].clocks).toBe(b.balance?.junctions[0].lowerBoundClocks);
    expect(b.deviceClocks).toBeLessThan(a.deviceClocks);
    expect(c.deviceClocks).toBe(b.deviceClocks);
  });

  it('trainer refuses dynamic masks on a client without MASK_STEP', async () => {
    const dev = new DirectClient();
    const noMask = Object.assign(Object.create(Object.getPrototypeOf(dev)), dev, { maskStep: undefined });
    await expect(train({ network: small({ kind: 'dropback', keep: 0.1 }, { layers: [784, 32, 10], junctions: [{ z: 8 }, { z: 4 }] }), device: noMask, samples: 10 })).rejects.toThrow(/MASK_STEP/);
  });
});

describe('SparsityDriver (direct EmulatedDevice users)', () => {
  it('matches the trainer: same weights and clocks for a DropBack run', async () => {
    const { EmulatedDevice } = await import('../../emulator/device.ts');
    const { SparsityDriver } = await import('../../emulator/balance/driver.ts');
    const { loadDatasetSpec, quantizeImages } = await import('../../host/datasets/index.ts');
    const { epochOrder } = await import('../../host/train/order.ts');
    const { plan } = await import('../../host/partition/partition.ts');
    const net: NetworkConfig = { name: 'db', layers: [784, 112, 10], junctions: [{ z: 16 }, { z: 16 }], sparsity: { kind: 'dropback', keep: 0.1, every: 160, decay: 1 } };
    const samples = 480;
    const client = new DirectClient();
    const viaTrainer = await train({ network: net, device: client, samples, evaluateEachEpoch: false });
    const dev = new EmulatedDevice('emu');
    const resolved = plan(net, dev.capability).resolved;
    const n = resolved.network;
    dev.configure(n);
    dev.loadSeeds({ connectivity: n.junctions.map((j) => j.connectivitySeed), init: n.junctions.map((j) => j.initSeed), feedback: n.feedbackSeed, rounding: n.roundingSeed });
    const driver = new SparsityDriver(dev, resolved, samples);
    driver.start();
    const data = loadDatasetSpec('mnist').train;
    const images = quantizeImages(data.images, 'u8');
    const order = epochOrder(data.count, resolved.seed, 0);
    const px = data.pixels;
    let trained = 0;
    for (let c = 0; c < samples; c += resolved.chunk) {
      const m = Math.min(resolved.chunk, samples - c);
      const pixels = new Uint8Array(m * px);
      const labels = new Uint8Array(m);
      for (let i = 0; i < m; i++) {
        pixels.set(images.subarray(order[c + i] * px, (order[c + i] + 1) * px), i * px);
        labels[i] = data.labels[order[c + i]];
      }
      dev.streamSamples(pixels, labels);
      dev.train(m);
      trained += m;
      driver.afterChunk(trained);
    }
    for (const j of [0, 1]) expect(Array.from(dev.readWeights(j))).toEqual(Array.from(client.device.readWeights(j)));
    expect(driver.last?.junctions[0].clocks).toBe(viaTrainer.balance?.junctions[0].clocks);
  });
});
