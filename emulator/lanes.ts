import type { PassTiming } from '../firmware-spec/balance.ts';
import { JUNCTION_PIPELINE_CLOCKS } from '../firmware-spec/schedule.ts';

/**
 * The lane schedule of a junction pass: which edge each lane handles in each clock. The datapath
 * kernels compute results in an order-free way; this schedule alone sets the timing counters, so a
 * load balancer can reorder edges without changing a single result bit.
 *
 * Memory model: weight k sits in weight bank k mod z; left activation l in activation bank l mod z.
 * All banks are single-port: in one clock each bank serves one access. A clock whose edges need the
 * same activation bank twice stalls until the clashing accesses are served one by one.
 */
export type LaneSchedule = PassTiming;

/**
 * The naive schedule: edges in canonical order, z per clock (lane = k mod z). Clash-free patterns
 * never stall in it; other masks stall whenever two lanes of a clock need one activation bank.
 */
export function naiveSchedule(leftOfWeight: Int32Array, z: number): LaneSchedule {
  const W = leftOfWeight.length;
  const busy = new Array<number>(z).fill(0);
  const stall = new Array<number>(z).fill(0);
  const idle = new Array<number>(z).fill(0);
  const use = new Int32Array(z);
  let clocks = 0;
  let stalls = 0;
  for (let base = 0; base < W; base += z) {
    const end = Math.min(W, base + z);
    let worst = 0;
    for (let k = base; k < end; k++) {
      const b = leftOfWeight[k] % z;
      if (++use[b] > worst) worst = use[b];
    }
    for (let k = base; k < end; k++) use[leftOfWeight[k] % z] = 0;
    clocks += worst;
    stalls += worst - 1;
    for (let lane = 0; lane < z; lane++) {
      if (base + lane < end) {
        busy[lane] += 1;
        stall[lane] += worst - 1;
      } else idle[lane] += worst;
    }
  }
  for (let lane = 0; lane < z; lane++) idle[lane] += JUNCTION_PIPELINE_CLOCKS;
  return { z, clocks: clocks + JUNCTION_PIPELINE_CLOCKS, stalls, busy, stall, idle, policy: 'none' };
}
