import { MaskSchedule, type MaskPolicy } from '../../firmware-spec/masks.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';
import type { EmulatedDevice } from '../device.ts';
import type { BalanceReport } from '../../firmware-spec/device-client.ts';

/**
 * What the trainer does around TRAIN for masks and balancing (host/train/trainer.ts), for code that
 * drives an EmulatedDevice directly (profiler baselines, benches): BALANCE once up front for
 * irregular patterns, then after every chunk the MASK_STEPs that are due, each followed by BALANCE.
 * Same steps, same order, so the counters match a trainer run.
 */
export class SparsityDriver {
  private readonly masks: MaskSchedule;
  private readonly wantsBalance: boolean;
  private readonly policy: string;
  /** the last BALANCE report */
  last?: BalanceReport;

  constructor(
    private readonly dev: EmulatedDevice,
    resolved: { sparsity: readonly MaskPolicy[]; balancing: string; network: NetworkDescriptor },
    totalSamples: number,
  ) {
    this.masks = new MaskSchedule(resolved.sparsity, resolved.network.junctions.map((j) => j.n * j.fi), totalSamples);
    this.wantsBalance = dev.capability.features.loadBalancer && resolved.balancing !== 'none' && resolved.sparsity.some((s) => s.kind !== 'clash-free' && s.kind !== 'dense');
    this.policy = resolved.balancing;
  }

  /** After LOAD_SEEDS (and any weight writes). */
  start(): void {
    if (this.wantsBalance) this.last = this.dev.balance(this.policy);
  }

  /** After each TRAIN, with the samples trained so far in the run. */
  afterChunk(trained: number): void {
    for (const step of this.masks.due(trained)) {
      this.dev.maskStep(step);
      if (this.wantsBalance) this.last = this.dev.balance(this.policy);
    }
  }
}
