import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { loadConfigFile } from '../../host/config/index.ts';
import { plan } from '../../host/partition/index.ts';
import { train } from '../../host/train/index.ts';
import { REPO } from '../helpers/cli.ts';

const dir = join(REPO, 'host', 'config', 'examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('example configs in the repository', () => {
  it('there are some', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });
  for (const f of files) {
    it(`${f} parses, plans on the emulator and trains a little`, async () => {
      const cfg = loadConfigFile(join(dir, f));
      const p = plan(structuredClone(cfg), capabilityFor('emu', specHash()));
      expect(p.resolved.layers).toEqual(cfg.layers);
      // each trains on the data set that fits it (16 inputs: mnist-4x4), few samples
      const dataset = cfg.layers[0] === 16 ? 'mnist-4x4' : 'mnist';
      const r = await train({ network: cfg, dataset, samples: 128 });
      expect(r.samplesTrained).toBe(128);
      expect(r.testAccuracy).toBeGreaterThan(1 / cfg.layers.at(-1)!); // better than chance
    }, 60_000);
  }
});
