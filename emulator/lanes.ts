import { balanceInput, naiveEdgeSchedule, type PassTiming, passTiming } from '../firmware-spec/balance.ts';

/**
 * The lane schedule of a junction pass: which edge each lane handles in each clock. The datapath
 * kernels compute results in an order-free way; this schedule alone sets the timing counters, so a
 * load balancer can reorder edges without changing a single result bit. The bank model (single-port
 * banks, what stalls) is the spec's: firmware-spec/balance.ts.
 */
export type LaneSchedule = PassTiming;

/**
 * The naive schedule: edges in canonical order, z per clock (lane = k mod z). Clash-free patterns
 * never stall in it; other masks stall whenever two lanes of a clock need one bank.
 */
export function naiveSchedule(leftOfWeight: Int32Array, fi: number, z: number): LaneSchedule {
  return passTiming(naiveEdgeSchedule(balanceInput(leftOfWeight, fi, z)));
}
