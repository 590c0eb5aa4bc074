import { describe, expect, it } from 'vitest';
import { dropbackShift, magnitudeKeep, MaskSchedule, type MaskStep, maskStepFromWire, maskStepToWire, selectTopK, untrackedValue } from '../../firmware-spec/masks.ts';
import { initialWeights } from '../../firmware-spec/network.ts';
import { plan } from '../../host/partition/partition.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { feed, seededDevice, small } from './helpers.ts';

describe('mask rules (firmware-spec/masks.ts)', () => {
  it('selectTopK: highest scores, ties to the lower array then the lower position', () => {
    const sel = selectTopK([Int32Array.from([5, 3, 3]), Int32Array.from([3, 9])], 3);
    expect(sel.map((s) => Array.from(s))).toEqual([
      [1, 1, 0],
      [0, 1],
    ]);
    expect(selectTopK([Int32Array.from([0, 0, 0])], 2).map((s) => Array.from(s))).toEqual([[1, 1, 0]]);
    expect(selectTopK([Int32Array.from([4, 1])], 0).map((s) => Array.from(s))).toEqual([[0, 0]]);
  });

  it('untracked reset values shift toward zero and reach 0', () => {
    expect(untrackedValue(-7, 0)).toBe(-7);
    expect(untrackedValue(-7, 1)).toBe(-3);
    expect(untrackedValue(7, 1)).toBe(3);
    expect(untrackedValue(-1, 1)).toBe(0);
    expect(untrackedValue(12345, 31)).toBe(0);
    expect([1, 2, 3, 4, 5].map((t) => dropbackShift(t, 4))).toEqual([0, 1, 2, 3, 31]);
    expect(dropbackShift(9, 0)).toBe(0);
  });

  it('magnitude keep ramps from W down to the target (cubic), then holds', () => {
    const ks = [0, 1, 2, 5, 10, 20].map((t) => magnitudeKeep(1000, 0.1, t, 10));
    expect(ks[0]).toBe(1000);
    expect(ks[4]).toBe(100);
    expect(ks[5]).toBe(100);
    for (let i = 1; i < ks.length; i++) expect(ks[i]).toBeLessThanOrEqual(ks[i - 1]);
  });

  it('MaskSchedule: steps at chunk boundaries past every `every` samples', () => {
    const ms = new MaskSchedule([{ kind: 'dropback', keep: 0.1, every: 100, decay: 2 }, { kind: 'dropback', keep: 0.1 }, { kind: 'clash-free' }], [1000, 200, 50], 1000);
    expect(ms.active).toBe(true);
    expect(ms.due(96)).toEqual([]);
    expect(ms.due(128)).toEqual([{ kind: 'dropback', junctions: [0, 1], keep: 120, untrackedShift: 0 }]);
    expect(ms.due(160)).toEqual([]);
    expect(ms.due(224)).toEqual([{ kind: 'dropback', junctions: [0, 1], keep: 120, untrackedShift: 1 }]);
    expect(ms.due(320)).toEqual([{ kind: 'dropback', junctions: [0, 1], keep: 120, untrackedShift: 31 }]);
    const mg = new MaskSchedule([{ kind: 'magnitude', targetDensity: 0.5, every: 10 }], [100], 40);
    expect(mg.due(10)).toEqual([{ kind: 'magnitude', junctions: [0], keep: [57] }]); // ramp T = 2: 0.5 + 0.5 * 0.5^3
    expect(mg.due(20)).toEqual([{ kind: 'magnitude', junctions: [0], keep: [50] }]);
    expect(new MaskSchedule([{ kind: 'lfsr' }], [10], 10).active).toBe(false);
  });
});

describe('mask steps on the emulated device', () => {
  it('DropBack: keeps exactly k by |w - w0| (ties by junction, index), resets the rest to w0 regenerated from the seed', () => {
    const cfg = small({ kind: 'dropback', keep: 0.1 });
    const dev = seededDevice(cfg);
    feed(dev, 64, 64);
    dev.train(64);
    const net = plan(cfg, dev.capability).resolved.network;
    const w0 = net.junctions.map((j) => initialWeights(j.n * j.fi, net.formats.weight.bits, j.initShift, j.initSeed));
    const before = [0, 1].map((j) => Int32Array.from(dev.readWeights(j)));
    const W = before[0].length + before[1].length;
    const k = Math.round(0.1 * W);
    const res = dev.maskStep({ kind: 'dropback', junctions: [0, 1], keep: k, untrackedShift: 0 });
    expect(res.tracked[0] + res.tracked[1]).toBe(k);
    // brute force: sort all (score desc, junction asc, index asc)
    const all: Array<[number, number, number]> = [];
    before.forEach((w, j) => w.forEach((v, e) => all.push([Math.abs(v - w0[j][e]), j, e])));
    all.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
    const want = [new Uint8Array(before[0].length), new Uint8Array(before[1].length)];
    for (const [, j, e] of all.slice(0, k)) want[j][e] = 1;
    for (const j of [0, 1]) {
      expect(Array.from(dev.mask(j))).toEqual(Array.from(want[j]));
      const after = dev.readWeights(j);
      for (let e = 0; e < after.length; e++) expect(after[e]).toBe(want[j][e] ? before[j][e] : w0[j][e]);
    }
    // untracked weights get no update: train on, they stay at w0
    feed(dev, 32, 64, 9);
    dev.train(32);
    for (const j of [0, 1]) {
      const w = dev.readWeights(j);
      const m = dev.mask(j);
      for (let e = 0; e < w.length; e++) if (!m[e]) expect(w[e]).toBe(w0[j][e]);
    }
    // decay: a later step with shift 31 zeroes them; the set stays
    const m0 = dev.mask(0);
    const r2 = dev.maskStep({ kind: 'dropback', junctions: [0, 1], keep: k, untrackedShift: 31 });
    expect(Array.from(dev.mask(0))).toEqual(Array.from(m0));
    expect(r2.live).toEqual(r2.tracked.map((t, j) => t + 0 * j));
  });

  it('magnitude: keeps the largest |w| among tracked, prunes to 0, pruned weights stay 0 and never return', () => {
    const dev = seededDevice(small({ kind: 'magnitude', targetDensity: 0.2 }));
    feed(dev, 64, 64);
    dev.train(64);
    const W = dev.weightCount(0);
    const before = Int32Array.from(dev.readWeights(0));
    dev.maskStep({ kind: 'magnitude', junctions: [0], keep: [Math.floor(W / 2)] });
    const m = dev.mask(0);
    const w = dev.readWeights(0);
    let kept = 0;
    let minKept = Infinity;
    let maxPruned = -1;
    for (let e = 0; e < W; e++) {
      if (m[e]) {
        kept++;
        minKept = Math.min(minKept, Math.abs(before[e]));
        expect(w[e]).toBe(before[e]);
      } else {
        maxPruned = Math.max(maxPruned, Math.abs(before[e]));
        expect(w[e]).toBe(0);
      }
    }
    expect(kept).toBe(Math.floor(W / 2));
    expect(minKept).toBeGreaterThanOrEqual(maxPruned);
    feed(dev, 64, 64, 3);
    dev.train(64);
    const w2 = dev.readWeights(0);
    for (let e = 0; e < W; e++) if (!m[e]) expect(w2[e]).toBe(0);
    // asking for more than are tracked keeps the tracked set
    const r = dev.maskStep({ kind: 'magnitude', junctions: [0], keep: [W] });
    expect(r.tracked[0]).toBe(Math.floor(W / 2));
  });

  it('masked UP is bit-exact to an unmasked device whose untracked weights are put back after every junction cycle', () => {
    const cfg = small({ kind: 'dropback', keep: 0.15 });
    const a = seededDevice(cfg);
    feed(a, 48, 64);
    a.train(48);
    a.maskStep({ kind: 'dropback', junctions: [0, 1], keep: Math.round(0.15 * (64 * 32 + 32 * 10)), untrackedShift: 1 });
    a.balance('greedy');
    const b = seededDevice(cfg);
    const held = [0, 1].map((j) => Int32Array.from(a.readWeights(j)));
    const masks = [0, 1].map((j) => a.mask(j));
    held.forEach((w, j) => b.writeWeights(j, 0, w));
    feed(a, 40, 64, 5);
    feed(b, 40, 64, 5);
    a.train(40);
    b.train(40, () => {
      for (const j of [0, 1]) {
        const w = Int32Array.from(b.readWeights(j));
        for (let e = 0; e < w.length; e++) if (!masks[j][e]) w[e] = held[j][e];
        b.writeWeights(j, 0, w);
      }
    });
    for (const j of [0, 1]) expect(Array.from(a.readWeights(j))).toEqual(Array.from(b.readWeights(j)));
  });

  it('MASK_STEP wire form round-trips', () => {
    const steps: MaskStep[] = [
      { kind: 'magnitude', junctions: [0, 2], keep: [10, 20] },
      { kind: 'dropback', junctions: [1], keep: 77, untrackedShift: 3 },
    ];
    for (const s of steps) expect(maskStepFromWire(maskStepToWire(s))).toEqual(s);
  });

  it('a device without a load balancer refuses BALANCE except policy none', () => {
    const dev = new EmulatedDevice('up5k');
    const net = plan({ layers: [8, 4, 2], junctions: [{ fo: 2, z: 1, sparsity: { kind: 'lfsr' } }, { fo: 2, z: 1 }] }, dev.capability).resolved.network;
    dev.configure(net);
    dev.loadSeeds({ connectivity: [1, 2], init: [3, 4], feedback: 5, rounding: 6 });
    expect(() => dev.balance('greedy')).toThrow(/no load balancer/);
    expect(dev.balance('none').policy).toBe('none');
  });

  it('refuses bad steps and policies with DeviceError', () => {
    const dev = seededDevice(small({ kind: 'dropback', keep: 0.1 }));
    expect(() => dev.maskStep({ kind: 'dropback', junctions: [0, 0], keep: 3, untrackedShift: 0 })).toThrow(/distinct/);
    expect(() => dev.maskStep({ kind: 'magnitude', junctions: [0], keep: [] })).toThrow(/keep/);
    expect(() => dev.balance('fastest')).toThrow(/unknown balancing policy/);
    expect(() => new EmulatedDevice().balance('greedy')).toThrow(/CONFIGURE/);
  });
});
