import { describe, expect, it } from 'vitest';
// the package imports itself by name, as a user's code would (package.json "exports")
import { inspect, openDevice, train } from 'seedwire';

describe("the library API: import { openDevice, train, inspect } from 'seedwire'", () => {
  it('inspect gives the plan of a preset', async () => {
    const plan = await inspect({ preset: 'mnist-sparse-38', device: 'emu' });
    expect(plan.density).toBeCloseTo(34048 / 88928, 12);
    expect(plan.clashFree).toBe(true);
  });

  it('train runs on a device URI and reports the weights hash', async () => {
    const r = await train({ preset: 'mnist-sparse-38', device: 'emu', samples: 64, evaluateEachEpoch: false });
    expect(r.samplesTrained).toBe(64);
    expect(r.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('openDevice identifies the device', async () => {
    const dev = await openDevice('emu');
    try {
      const { capability } = await dev.identify();
      expect(capability.profile).toBe('emu');
    } finally {
      await dev.close();
    }
  });
});
