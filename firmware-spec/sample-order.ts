import { deriveSeed, Lfsr, LFSR_WIDTH_MAIN, SEED_STREAM } from './lfsr.ts';

/**
 * The order training samples are fed in epoch e (0-based): a Fisher-Yates shuffle of 0..count-1
 * driven by the spec's 32-bit LFSR seeded from the run seed and the epoch, so a run's sample order
 * is fixed by its seed and can be recomputed on resume. SPEC.md section 13 ("The sample order")
 * describes it for a second host, with examples generated from this function.
 */
export function epochOrder(count: number, runSeed: number, epoch: number): Int32Array {
  const lfsr = new Lfsr(LFSR_WIDTH_MAIN, deriveSeed(runSeed, SEED_STREAM.shuffle, epoch));
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = lfsr.below(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
