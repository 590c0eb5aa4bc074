import { describe, expect, it } from 'vitest';
import { compareDropback } from './accuracy.ts';

// 1 epoch of 8,000 MNIST samples each (about 8 s in all); `npx tsx test/balance/accuracy.ts 5` for more
describe('DropBack accuracy', () => {
  it('mnist-dropback-10 (k = 10% of the weights) is within 0.015 of mnist-sparse-38 after 1 epoch', async () => {
    const r = await compareDropback(1);
    expect(r.sparse38[0]).toBeGreaterThan(0.9);
    expect(Math.abs(r.diff[0])).toBeLessThanOrEqual(0.015);
  });
});
