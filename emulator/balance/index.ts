import { balanceInput, balanceJunction, type BalancePolicy, BALANCE_POLICIES, canonicalBankCounts, type EdgeSchedule, isBalancePolicy, type JunctionBalance } from '../../firmware-spec/balance.ts';
import { DeviceError } from '../../firmware-spec/errors.ts';
import { dropbackStepJunctions, liveMask, magnitudeStepJunction, maskStepClocks, type MaskStep, type MaskStepResult, regenerateW0 } from '../../firmware-spec/masks.ts';
import type { JunctionKernels } from '../junction.ts';
import type { LaneSchedule } from '../lanes.ts';
import type { BalanceReport } from '../../firmware-spec/device-client.ts';

/**
 * The device's mask unit and load balancer: firmware-spec/masks.ts and balance.ts, executed on the
 * emulator's junctions. Masks change weights (bit-exact, in the spec's order); balancing changes
 * only the lane schedule, the weight placement and the balancer's clock counter.
 */

/** Per-junction state the mask unit and the balancer keep on the device. */
export interface SparseState {
  /** canonical mask (1: tracked); undefined until the first mask step (all tracked) */
  mask?: Uint8Array;
  /** live edges (the MACs of a pass); undefined before any mask step (all edges) */
  liveEdges?: number;
  /** weights per weight bank under the current placement */
  placement: Int32Array;
  /** true while weights sit in the canonical layout (weight k in bank k mod z) */
  placementCanonical: boolean;
  /** the last BALANCE's policy and report */
  policy: BalancePolicy;
  report?: JunctionBalance;
  /** the last schedule, positions and lanes (kept for the profiler and for tests) */
  schedule?: EdgeSchedule;
}

/** A junction as the mask unit and balancer see it. */
export interface SparseJunction {
  data: JunctionKernels;
  leftOfWeight: Int32Array;
  fi: number;
  z: number;
  initShift: number;
  initSeed: number;
  sparse: SparseState;
}

export function newSparseState(edges: number, z: number): SparseState {
  return { placement: canonicalBankCounts(edges, z), placementCanonical: true, policy: 'none' };
}

/** The datapath's update mask, in its slot order, from a canonical mask. */
export function applyUpdateMask(data: JunctionKernels, mask: Uint8Array | undefined): void {
  if (!mask) {
    data.updateMask = undefined;
    return;
  }
  const um = new Uint8Array(data.edges);
  for (let s = 0; s < data.edges; s++) um[s] = mask[data.slotToCanonical[s]];
  data.updateMask = um;
}

/** Live edges of a junction (all, before any mask step). */
export function liveOf(jn: SparseJunction): Uint8Array | undefined {
  if (!jn.sparse.mask) return undefined;
  return liveMask(jn.sparse.mask, jn.data.readCanonical());
}

/**
 * Install a canonical mask (1: tracked) on a junction over the weights it holds (`w`, canonical; read
 * from the datapath when not given): the state MASK_STEP leaves. The datapath's update mask follows
 * it; live edges are counted; weights stay in the canonical layout (weight k in bank k mod z, dead
 * edges' words skipped) and the lane schedule becomes the naive pass over the live edges until the
 * next BALANCE. Used by runMaskStep and by WRITE_MASK (a resumed run), so both leave the same state.
 * Returns the tracked and live edge counts and the naive lane schedule.
 */
export function installMask(jn: SparseJunction, mask: Uint8Array, w: Int32Array = jn.data.readCanonical()): { tracked: number; live: number; lanes: LaneSchedule } {
  jn.sparse.mask = mask;
  applyUpdateMask(jn.data, mask);
  let tracked = 0;
  for (let e = 0; e < mask.length; e++) tracked += mask[e];
  const lv = liveMask(mask, w);
  let live = 0;
  const placement = new Int32Array(jn.z);
  for (let e = 0; e < lv.length; e++) {
    if (!lv[e]) continue;
    live++;
    placement[e % jn.z]++;
  }
  jn.sparse.placement = placement;
  jn.sparse.placementCanonical = true;
  jn.sparse.liveEdges = live;
  jn.sparse.policy = 'none';
  jn.sparse.report = undefined;
  jn.sparse.schedule = undefined;
  const { lanes } = runBalanceJunction(jn, 'none');
  return { tracked, live, lanes };
}

/**
 * MASK_STEP on the listed junctions. Their lane schedules become the naive pass over their new live
 * edges (weights left in the canonical layout, dead words skipped; installMask); the host sends
 * BALANCE next. Returns the spec's result, the listed junctions' naive lane schedules and the w0
 * LFSR steps it drew.
 */
export function runMaskStep(all: SparseJunction[], step: MaskStep, weightBits: number): { result: MaskStepResult; lanes: LaneSchedule[]; lfsrSteps: number } {
  const js = step.junctions;
  if (js.length === 0 || new Set(js).size !== js.length || js.some((j) => !Number.isInteger(j) || j < 0 || j >= all.length)) {
    throw new DeviceError('bad_payload', `mask step junctions must be distinct, in 0..${all.length - 1}; got [${js.join(', ')}]`);
  }
  const jns = js.map((j) => all[j]);
  const ws = jns.map((jn) => jn.data.readCanonical());
  const masks = jns.map((jn) => jn.sparse.mask ?? new Uint8Array(jn.data.edges).fill(1));
  let written: number[];
  let lfsrSteps = 0;
  if (step.kind === 'magnitude') {
    if (step.keep.length !== js.length || step.keep.some((k) => !Number.isInteger(k) || k < 0)) throw new DeviceError('bad_payload', 'magnitude step needs one non-negative keep count per junction');
    written = ws.map((w, i) => magnitudeStepJunction(w, masks[i], step.keep[i]));
  } else if (step.kind === 'dropback') {
    if (!Number.isInteger(step.keep) || step.keep < 0) throw new DeviceError('bad_payload', `dropback keep must be a non-negative integer, got ${step.keep}`);
    if (!Number.isInteger(step.untrackedShift) || step.untrackedShift < 0) throw new DeviceError('bad_payload', 'dropback untrackedShift must be a non-negative integer');
    const w0s = jns.map((jn) => regenerateW0(jn.data.edges, weightBits, jn.initShift, jn.initSeed));
    lfsrSteps = jns.reduce((a, jn) => a + jn.data.edges * weightBits, 0);
    written = dropbackStepJunctions(ws, masks, w0s, step.keep, step.untrackedShift);
  } else {
    throw new DeviceError('bad_payload', `unknown mask step kind '${(step as { kind: string }).kind}'`);
  }
  const tracked: number[] = [];
  const live: number[] = [];
  const lanes: LaneSchedule[] = [];
  let clocks = 0;
  jns.forEach((jn, i) => {
    jn.data.writeCanonical(0, ws[i]);
    const m = installMask(jn, masks[i], ws[i]);
    tracked.push(m.tracked);
    live.push(m.live);
    lanes.push(m.lanes);
    clocks += maskStepClocks(jn.data.edges, jn.z, written[i]);
  });
  return { result: { tracked, live, written, clocks }, lanes, lfsrSteps };
}

/** The junction's lane schedule under a policy (and the spec's report). Updates the placement. */
export function runBalanceJunction(jn: SparseJunction, policy: BalancePolicy): { report: JunctionBalance; lanes: LaneSchedule } {
  const inp = balanceInput(jn.leftOfWeight, jn.fi, jn.z, liveOf(jn));
  const b = balanceJunction(inp, policy, jn.sparse.placement, jn.sparse.placementCanonical);
  jn.sparse.placement = b.placement;
  jn.sparse.placementCanonical = policy === 'none';
  jn.sparse.policy = policy;
  jn.sparse.report = b.report;
  jn.sparse.schedule = b.schedule;
  return { report: b.report, lanes: { ...b.timing } };
}

/** BALANCE: schedule every junction under `policy`. */
export function runBalance(all: SparseJunction[], policy: string): { report: BalanceReport; lanes: LaneSchedule[] } {
  if (!isBalancePolicy(policy)) throw new DeviceError('bad_payload', `unknown balancing policy '${policy}' (have: ${BALANCE_POLICIES.join(', ')})`);
  const out = all.map((jn) => runBalanceJunction(jn, policy));
  const junctions = out.map((o) => o.report);
  return { report: { policy, junctions, balancerClocks: junctions.reduce((a, r) => a + r.balancerClocks, 0) }, lanes: out.map((o) => o.lanes) };
}

export { BALANCE_POLICIES, type BalancePolicy, type JunctionBalance } from '../../firmware-spec/balance.ts';
export type { MaskStep, MaskStepResult } from '../../firmware-spec/masks.ts';
