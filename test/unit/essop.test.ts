import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EmulatedDevice } from '../../emulator/device.ts';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { decodeRequest, encodeRequest } from '../../firmware-spec/codec.ts';
import { DeviceError } from '../../firmware-spec/errors.ts';
import { bitLength, checkUpdate, countShift, countToStep, drawStreams, ESSOP, scaleExponent, threshold } from '../../firmware-spec/essop.ts';
import { Lfsr, LFSR_WIDTH_MAIN } from '../../firmware-spec/lfsr.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { ConfigError } from '../../host/config/errors.ts';
import { loadPreset } from '../../host/config/load.ts';
import { plan } from '../../host/partition/partition.ts';

/** The ESSOP update (firmware-spec/essop.ts): its primitives, its statistics, and its refusals. */

const VECTORS = fileURLToPath(new URL('../../firmware-spec/vectors/', import.meta.url));
// biome-ignore lint: vectors are plain JSON
const load = (name: string): any => JSON.parse(readFileSync(VECTORS + name, 'utf8'));

describe('ESSOP primitives', () => {
  it('bit length, scale exponent and thresholds are shifts that keep every operand in [0, 2^R]', () => {
    expect([0, 1, 2, 3, 4, 255, 256].map(bitLength)).toEqual([0, 1, 2, 2, 3, 8, 9]);
    expect(scaleExponent(Int32Array.from([3, -17, 0, 9]))).toBe(5);
    expect(scaleExponent(new Int32Array(4))).toBe(0);
    const R = ESSOP.randomBits;
    // e >= R: drop e - R bits; e < R: widen
    expect(threshold(4095, 12, R)).toBe(256); // rounds up to 2^R: every bit 1
    expect(threshold(2048, 12, R)).toBe(128);
    expect(threshold(2055, 12, R)).toBe(128); // 128.44
    expect(threshold(2056, 12, R)).toBe(129); // 128.5 rounds up
    expect(threshold(5, 3, R)).toBe(5 * 2 ** (R - 3));
    for (let x = 0; x < 5000; x += 7) expect(threshold(x, bitLength(x), R)).toBeLessThanOrEqual(2 ** R);
  });

  it('a count becomes a weight step by a left shift (s <= 0) or round half up (s > 0)', () => {
    expect(countToStep(3, -2)).toBe(12);
    expect(countToStep(3, 0)).toBe(3);
    expect(countToStep(3, 1)).toBe(2); // 1.5 rounds up
    expect(countToStep(5, 2)).toBe(1); // 1.25
    expect(countToStep(6, 2)).toBe(2); // 1.5
    expect(countShift(17, 32, 12, 14)).toBe(-4);
  });

  it('the counted product is an unbiased estimate of |a||d| (up to the R-bit thresholds)', () => {
    // one activation and one delta of a vector, many UPs: the mean step approaches the exact product
    const lfsr = new Lfsr(LFSR_WIDTH_MAIN, 0x1234567);
    const B = 32;
    const [ea, ed] = [12, 14];
    const a = 1500; // of a vector whose largest magnitude needs 12 bits
    const d = 3000;
    const ma = threshold(a, ea);
    const md = threshold(d, ed);
    let sum = 0;
    const runs = 4000;
    for (let i = 0; i < runs; i++) {
      const { u, v } = drawStreams(lfsr, B);
      let c = 0;
      for (let t = 0; t < B; t++) if (u[t] < ma && v[t] < md) c++;
      sum += c;
    }
    const mean = (sum / runs) * 2 ** (ea + ed - Math.log2(B));
    const expected = (ma * md) / 2 ** (2 * ESSOP.randomBits) * 2 ** (ea + ed);
    expect(Math.abs(mean - expected) / expected).toBeLessThan(0.03);
    // and the thresholds lose little of the exact product
    expect(Math.abs(expected - a * d) / (a * d)).toBeLessThan(0.01);
  });

  it('the update descriptor is checked: stream length a bounded power of two, no stochastic rounding beside it', () => {
    expect(checkUpdate({ mode: 'essop', streamLength: 32 }, 'nearest')).toEqual([]);
    expect(checkUpdate(undefined, 'stochastic')).toEqual([]);
    for (const b of [0, 1, 3, 48, 512, 2.5]) expect(checkUpdate({ mode: 'essop', streamLength: b }, 'nearest').map(([p]) => p)).toEqual(['update.streamLength']);
    expect(checkUpdate({ mode: 'essop', streamLength: 32 }, 'stochastic').map(([p]) => p)).toEqual(['rounding']);
  });
});

describe('ESSOP golden traces', () => {
  it('exist, use the essop update, and move weights', () => {
    for (const file of ['trace-essop-tiny.json', 'trace-essop-3j.json']) {
      const t = load(file);
      const net = t.network as NetworkDescriptor;
      expect(net.update?.mode).toBe('essop');
      expect(net.rounding).toBe('nearest');
      const moved = t.weightsAfterCycle.at(-1).flat().filter((w: number, i: number) => w !== t.initialWeights.flat()[i]).length;
      expect(moved, file).toBeGreaterThan(t.initialWeights.flat().length / 4);
    }
  });
});

describe('ESSOP refusals', () => {
  const net = (): NetworkDescriptor => load('trace-essop-tiny.json').network;

  it('CONFIGURE carries the update mode and stream length on the wire', () => {
    const n = net();
    const back = decodeRequest('CONFIGURE', encodeRequest('CONFIGURE', n));
    expect(back.update).toEqual({ mode: 'essop', streamLength: 16 });
    const { update: _u, ...exact } = n;
    expect(decodeRequest('CONFIGURE', encodeRequest('CONFIGURE', exact)).update).toBeUndefined();
  });

  it('the up5k profile declares no ESSOP and refuses it; bad stream lengths and stochastic rounding are refused', () => {
    expect(capabilityFor('up5k', specHash()).features.essop).toBe(false);
    expect(capabilityFor('emu', specHash()).features.essop).toBe(true);
    const refuse = (profile: 'emu' | 'up5k', n: NetworkDescriptor, match: RegExp) => {
      const dev = new EmulatedDevice(profile);
      let err: unknown;
      try {
        dev.configure(n);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DeviceError);
      expect((err as DeviceError).code).toBe('bad_descriptor');
      expect((err as Error).message).toMatch(match);
    };
    refuse('up5k', net(), /no ESSOP update/);
    refuse('emu', { ...net(), update: { mode: 'essop', streamLength: 24 } }, /streamLength/);
    refuse('emu', { ...net(), rounding: 'stochastic' }, /rounding must be 'nearest'/);
  });

  it('the config names bad update settings by path; the preset resolves to the essop update', () => {
    const cap = capabilityFor('emu', specHash());
    const bad = { ...loadPreset('mnist-essop-38'), update: { mode: 'essop' as const, streamLength: 1000 } };
    expect(() => plan(bad, cap)).toThrow(ConfigError);
    try {
      plan(bad, cap);
    } catch (e) {
      expect((e as ConfigError).problems.map((p) => p.path)).toEqual(['config.update.streamLength']);
    }
    expect(() => plan(loadPreset('mnist-essop-38'), capabilityFor('up5k', specHash()))).toThrow(/no ESSOP update/);
    expect(plan(loadPreset('mnist-essop-38'), cap).resolved.network.update).toEqual({ mode: 'essop', streamLength: ESSOP.streamLength.default });
    expect(plan({ ...loadPreset('mnist-essop-38'), update: 'essop' }, cap).resolved.network.update).toEqual({ mode: 'essop', streamLength: ESSOP.streamLength.default });
    expect(plan(loadPreset('mnist-sparse-38'), cap).resolved.network.update).toBeUndefined();
  });
});
