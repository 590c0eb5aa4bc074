/**
 * The up5k store bounds every layer past the input (store.ts largestLayerPastInput), and the engine's
 * delta and BP-sum banks (bitstreams-src/rtl/sw_junction.v) are sized by that bound: a network with a
 * larger hidden or output layer is refused by the planner (through activationWords) and by the
 * emulated board's CONFIGURE, and the RTL generator refuses a build whose banks are smaller than it.
 */
import { describe, expect, it } from 'vitest';
import { capabilityFor, PROFILES, UP5K_BUILD } from '../../firmware-spec/capability.ts';
import { DeviceError } from '../../firmware-spec/errors.ts';
import { rtlGeometry } from '../../firmware-spec/gen/verilog.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { largestLayerPastInput, storeLayout } from '../../firmware-spec/store.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { ConfigError } from '../../host/config/errors.ts';
import { plan } from '../../host/partition/partition.ts';

const up5k = capabilityFor('up5k', specHash());
const bound = largestLayerPastInput(up5k.activationWords);

function refusal(layers: number[]): ConfigError {
  try {
    plan({ layers }, up5k);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`layers ${layers.join('-')} planned on up5k`);
}

describe('the largest layer past the input on up5k', () => {
  it('is the last one-junction output layer whose deltas fit the store: 256 neurons (2 x 256 delta words; 257 would take 2 x 512)', () => {
    expect(bound).toBe(256);
    expect(storeLayout({ feedback: 'backprop', junctions: [{ n: bound }] }).activationWords).toBeLessThanOrEqual(up5k.activationWords);
    expect(storeLayout({ feedback: 'backprop', junctions: [{ n: bound + 1 }] }).activationWords).toBeGreaterThan(up5k.activationWords);
    expect(rtlGeometry().maxLayerPastInput).toBe(bound);
  });

  it(`an output layer of ${bound} plans; ${bound + 1} is refused for its activation words`, () => {
    const p = plan({ layers: [16, bound] }, up5k);
    expect(p.activationWords).toBeLessThanOrEqual(up5k.activationWords);
    const e = refusal([16, bound + 1]);
    expect(e.problems.map((q) => q.path)).toEqual(['config.layers']);
    expect(e.problems[0].message).toMatch(/activations of all in-flight samples need \d+ words; the device has 992/);
  });

  it(`a hidden layer of ${bound + 1} is refused for its activation words`, () => {
    const e = refusal([16, bound + 1, 10]);
    expect(e.problems.map((q) => q.path)).toEqual(['config.layers']);
    expect(e.problems[0].message).toMatch(/activations of all in-flight samples need/);
  });

  it(`the input layer is not bounded by it: 784-${bound} plans`, () => {
    // fan-out 16: 784 x 16 / 256 = 49 weights a right neuron, 12,544 in all
    expect(plan({ layers: [784, bound], junctions: [{ fo: 16 }] }, up5k).resolved.network.junctions[0].p).toBe(784);
  });

  it('the emulated up5k board refuses the same network at CONFIGURE (does_not_fit)', () => {
    // planned for the emulator's profile (which takes it), with the up5k lanes
    const net = (n: number) => {
      const d = plan({ layers: [16, n] }, capabilityFor('emu', specHash())).resolved.network;
      d.junctions = d.junctions.map((j) => ({ ...j, z: up5k.maxLanesPerJunction }));
      return d;
    };
    const dev = new EmulatedDevice('up5k');
    expect(() => dev.configure(net(bound))).not.toThrow();
    let err: unknown;
    try {
      dev.configure(net(bound + 1));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).code).toBe('does_not_fit');
  });

  it('the RTL generator refuses a build whose delta and BP-sum banks are smaller than the bound', () => {
    expect(rtlGeometry().deltaRowsPerBank).toBeGreaterThanOrEqual(bound);
    expect(() => rtlGeometry({ ...UP5K_BUILD, deltaRowsPerBank: bound / 2 })).toThrow(/layers past the input of up to 256 neurons/);
    expect(PROFILES.up5k.maxLanesPerJunction * UP5K_BUILD.actRowsPerBank).toBeGreaterThanOrEqual(784);
  });
});
