/**
 * MNIST fits the up5k profile: the memory map (store.ts, capability.ts UP5K_BUILD) holds the 784-input
 * presets, the default chunk follows the sample buffer, and training on emu?profile=up5k reports the
 * shared-engine timing model's cycles and clocks.
 */
import { describe, expect, it } from 'vitest';
import { capabilityFor, PROFILES, UP5K_BUILD, UP5K_CPU_RAM_BYTES } from '../../firmware-spec/capability.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { trainCycles } from '../../firmware-spec/schedule.ts';
import { maxChunk, sampleRecordBytes, storeLayout } from '../../firmware-spec/store.ts';
import { trainClocks } from '../../firmware-spec/timing.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { ConfigError } from '../../host/config/errors.ts';
import { loadPreset } from '../../host/config/index.ts';
import { plan } from '../../host/partition/partition.ts';
import { train } from '../../host/train/trainer.ts';

const up5k = capabilityFor('up5k', specHash());

describe('the up5k memory map', () => {
  it('is derived from the build: SPRAM banks split into weights, the firmware RAM and the sample ring, the store past its globals', () => {
    expect(PROFILES.up5k.weightWords + UP5K_CPU_RAM_BYTES / 2 + PROFILES.up5k.sampleBufferBytes / 2).toBe(UP5K_BUILD.sprams * UP5K_BUILD.spramWords);
    expect(PROFILES.up5k.weightWords).toBe(40_960);
    expect(UP5K_CPU_RAM_BYTES).toBe(16_384);
    expect(PROFILES.up5k.sampleBufferBytes).toBe(32_768);
    expect(PROFILES.up5k.activationWords).toBe(992);
  });

  for (const [preset, act] of [['mnist-sparse-38', 864], ['mnist-sparse-3', 864], ['mnist-dfa-38', 976]] as const) {
    it(`${preset} plans on up5k: chunk 20, ${act} activation words, input layer not counted`, () => {
      const p = plan(loadPreset(preset), up5k, 'emu?profile=up5k');
      expect(p.resolved.chunk).toBe(20);
      expect(p.activationWords).toBe(act);
      expect(p.activationWords).toBe(storeLayout(p.resolved.network).activationWords);
      expect(p.weightWords).toBeLessThanOrEqual(up5k.weightWords);
      // two chunks of records fit the buffer, three do not
      expect(2 * 20 * sampleRecordBytes(784)).toBeLessThanOrEqual(up5k.sampleBufferBytes);
      expect(maxChunk(up5k.sampleBufferBytes, 784)).toBe(20);
    });
  }

  it('keeps chunk 32 on the emu profile, and refuses what does not fit up5k with the reason', () => {
    expect(plan(loadPreset('mnist-sparse-38'), capabilityFor('emu', specHash())).resolved.chunk).toBe(32);
    const tooBig = () => plan({ ...loadPreset('mnist-sparse-38'), chunk: 21 }, up5k);
    expect(tooBig).toThrow(ConfigError);
    expect(tooBig).toThrow(/two chunks of 21 samples need 32970 bytes/);
    expect(() => plan(loadPreset('mnist-fc'), up5k)).toThrow(/the weights need 88928 words; the device holds 40960/);
  });

  it('the emulated up5k refuses a 42nd buffered MNIST sample (785 bytes each) and takes 41', () => {
    const net = plan(loadPreset('mnist-sparse-38'), up5k).resolved.network;
    const dev = new EmulatedDevice('up5k');
    dev.configure(net);
    dev.streamSamples(new Uint8Array(41 * 784), new Uint8Array(41));
    expect(dev.status().bufferedBytes).toBe(41 * 785);
    expect(() => dev.streamSamples(new Uint8Array(784), new Uint8Array(1))).toThrow(/sample buffer holds 32768 bytes/);
  });
});

describe('training MNIST on emu?profile=up5k', () => {
  for (const preset of ['mnist-sparse-38', 'mnist-dfa-38']) {
    it(`${preset}: reports the shared-engine model's cycles and clocks per 20-sample chunk`, async () => {
      const samples = 50;
      const r = await train({ preset, device: 'emu?profile=up5k', samples, evaluateEachEpoch: false });
      const net = r.resolved.network;
      expect(r.resolved.chunk).toBe(20);
      const chunks = [20, 20, 10];
      expect(r.samplesTrained).toBe(samples);
      expect(r.deviceCycles).toBe(chunks.reduce((a, n) => a + trainCycles(n, net.junctions.length, net.feedback), 0));
      expect(r.deviceClocks).toBe(chunks.reduce((a, n) => a + trainClocks('shared-engine', net, n), 0));
      expect(r.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    });
  }
});
