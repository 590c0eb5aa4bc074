import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../firmware-spec/errors.ts';
import { MaskSchedule, type MaskPolicy, type MaskStep, packMask, unpackMask } from '../../firmware-spec/masks.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { DirectClient } from '../../emulator/balance/direct-client.ts';
import { openDevice } from '../../host/device/open.ts';
import { plan } from '../../host/partition/partition.ts';
import type { NetworkConfig } from '../../host/config/schema.ts';
import { feed, small } from '../balance/helpers.ts';

describe('mask bit packing (firmware-spec/masks.ts)', () => {
  it('packs LSB first, 8 edges a byte, padding 0', () => {
    expect(Array.from(packMask(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])))).toEqual([0x01, 0x06]);
    expect(Array.from(packMask(new Uint8Array(0)))).toEqual([]);
    expect(Array.from(unpackMask(Uint8Array.of(0x81, 0x02), 10))).toEqual([1, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
  });

  it('round-trips any 0/1 array exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 300 }), (bits) => {
        const m = Uint8Array.from(bits);
        const p = packMask(m);
        expect(p.length).toBe(Math.ceil(m.length / 8));
        expect(Array.from(unpackMask(p, m.length))).toEqual(bits);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        // every byte string is the packing of 8 * length bits
        expect(Array.from(packMask(unpackMask(bytes, bytes.length * 8)))).toEqual(Array.from(bytes));
      }),
    );
  });

  it('refuses values other than 0/1, wrong lengths and set padding bits', () => {
    expect(() => packMask(Uint8Array.of(0, 2))).toThrow(RangeError);
    expect(() => unpackMask(Uint8Array.of(0, 0), 7)).toThrow(/take 1 bytes/);
    expect(() => unpackMask(Uint8Array.of(0x80), 7)).toThrow(/padding/);
    expect(() => unpackMask(Uint8Array.of(0x7f), 7)).not.toThrow();
  });
});

describe('MaskSchedule fast-forward (resume)', () => {
  it('due(trained) once, discarded, gives exactly the later steps of an uninterrupted run', () => {
    const policy = fc.oneof(
      fc.record({ kind: fc.constant('magnitude'), targetDensity: fc.double({ min: 0.05, max: 1, noNaN: true }), every: fc.integer({ min: 1, max: 700 }) }),
      fc.record({ kind: fc.constant('dropback'), keep: fc.double({ min: 0.01, max: 1, noNaN: true }), every: fc.integer({ min: 1, max: 700 }), decay: fc.integer({ min: 0, max: 6 }) }),
      fc.constant({ kind: 'clash-free' }),
    );
    fc.assert(
      fc.property(
        fc.array(policy, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 128 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 1000 }),
        (policies, chunk, chunks, stopPermille) => {
          const edges = policies.map((_, j) => 100 * (j + 1));
          const total = chunk * chunks;
          const boundaries = Array.from({ length: chunks }, (_, i) => (i + 1) * chunk);
          const stop = Math.floor((stopPermille / 1000) * chunks);
          const full = new MaskSchedule(policies as MaskPolicy[], edges, total);
          const after: MaskStep[][] = [];
          for (const [i, t] of boundaries.entries()) {
            const s = full.due(t);
            if (i >= stop) after.push(s);
          }
          const resumed = new MaskSchedule(policies as MaskPolicy[], edges, total);
          resumed.due(stop * chunk);
          expect(boundaries.slice(stop).map((t) => resumed.due(t))).toEqual(after);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** A config big enough that a junction's mask spans several bulk frames (784 * 32 = 25,088 edges). */
const wide = (sparsity: NetworkConfig['sparsity']): NetworkConfig => small(sparsity, { layers: [784, 32, 10], junctions: [{ fo: 32, z: 8 }, { fo: 10, z: 4 }] });

async function linked(cfg: NetworkConfig) {
  const device = new EmulatedDevice('emu');
  const client = await openDevice('emu', { device });
  const net = plan(cfg, device.capability).resolved.network;
  await client.reset();
  await client.configure(net);
  await client.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  return { device, client, net };
}

function randomMask(n: number, seed: number, density = 0.3): Uint8Array {
  let s = seed >>> 0 || 1;
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    m[i] = s >>> 24 < density * 256 ? 1 : 0;
  }
  return m;
}

describe('READ_MASK and WRITE_MASK over the emu link', () => {
  it('round-trip exactly, whole junctions (several bulk frames) and odd ranges', async () => {
    const { device, client } = await linked(wide({ kind: 'dropback', keep: 0.1 }));
    try {
      const W = device.weightCount(0);
      expect(W).toBe(784 * 32);
      // before any mask step: all ones
      expect(Array.from(await client.readMask(1, 0, device.weightCount(1)))).toEqual(Array.from(device.mask(1)));
      expect((await client.readMask(0, 0, W)).every((b) => b === 1)).toBe(true);
      const m = randomMask(W, 11);
      await client.writeMask(0, 0, m);
      expect(Array.from(device.mask(0))).toEqual(Array.from(m));
      expect(Array.from(await client.readMask(0, 0, W))).toEqual(Array.from(m));
      for (const [off, n] of [
        [0, 0],
        [3, 1],
        [5, 13],
        [1001, 9000],
        [W - 7, 7],
      ]) {
        expect(Array.from(await client.readMask(0, off, n)), `read [${off}, +${n})`).toEqual(Array.from(m.subarray(off, off + n)));
        const part = randomMask(n, off + 3, 0.5);
        await client.writeMask(0, off, part);
        m.set(part, off);
        expect(Array.from(device.mask(0)), `write [${off}, +${n})`).toEqual(Array.from(m));
      }
      // the same through the in-process client
      const direct = new DirectClient(device);
      expect(Array.from(await direct.readMask(0, 5, 13))).toEqual(Array.from(m.subarray(5, 18)));
    } finally {
      await client.close();
    }
  });

  it('are refused out of range or malformed, with stable codes', async () => {
    const { device, client } = await linked(small({ kind: 'magnitude', targetDensity: 0.5 }));
    try {
      const W = device.weightCount(0);
      await expect(client.readMask(0, W - 1, 2)).rejects.toMatchObject({ code: 'out_of_range' });
      await expect(client.writeMask(1, device.weightCount(1), Uint8Array.of(1))).rejects.toMatchObject({ code: 'out_of_range' });
      await expect(client.readMask(7, 0, 1)).rejects.toMatchObject({ code: 'out_of_range' });
      await expect(client.writeMask(0, 0, Uint8Array.of(1, 2))).rejects.toMatchObject({ code: 'bad_argument' });
      expect(() => device.writeMask(0, 0, Uint8Array.of(1, 2))).toThrow(DeviceError);
    } finally {
      await client.close();
    }
  });

  for (const [name, cfg, step] of [
    ['DropBack, untracked at w0 (live)', wide({ kind: 'dropback', keep: 0.1 }), { kind: 'dropback', junctions: [0, 1], keep: 2600, untrackedShift: 0 }],
    ['DropBack, untracked decayed to 0 (dead)', wide({ kind: 'dropback', keep: 0.1 }), { kind: 'dropback', junctions: [0, 1], keep: 2600, untrackedShift: 31 }],
    ['magnitude', wide({ kind: 'magnitude', targetDensity: 0.2 }), { kind: 'magnitude', junctions: [0], keep: [6000] }],
  ] as Array<[string, NetworkConfig, MaskStep]>) {
    it(`WRITE_MASK leaves the device as MASK_STEP did: ${name}`, async () => {
      // A: trains, steps its mask. B: gets A's weights and masks over the link, as a resume does
      const a = await linked(cfg);
      const b = await linked(cfg);
      try {
        feed(a.device, 64, 784);
        a.device.train(64);
        a.device.maskStep(step);
        const L = a.net.junctions.length;
        for (let j = 0; j < L; j++) await b.client.writeWeights(j, 0, await a.client.readWeights(j, 0, a.device.weightCount(j)));
        for (const j of step.junctions) await b.client.writeMask(j, 0, await a.client.readMask(j, 0, a.device.weightCount(j)));
        for (let j = 0; j < L; j++) {
          expect(b.device.sparseState(j), `junction ${j} sparse state`).toEqual(a.device.sparseState(j));
          expect(b.device.schedule(j), `junction ${j} schedule`).toEqual(a.device.schedule(j));
        }
        expect(await b.client.balance('greedy')).toEqual(await a.client.balance('greedy'));
        for (let j = 0; j < L; j++) expect(b.device.schedule(j)).toEqual(a.device.schedule(j));
        for (const d of [a.device, b.device]) feed(d, 96, 784, 5);
        const ra = a.device.train(96);
        const rb = b.device.train(96);
        expect(rb).toEqual(ra);
        for (let j = 0; j < L; j++) expect(Array.from(b.device.readWeights(j))).toEqual(Array.from(a.device.readWeights(j)));
      } finally {
        await a.client.close();
        await b.client.close();
      }
    });
  }
});
