import { drawStartVector } from './connectivity.ts';
import { Lfsr, LFSR_WIDTH_MAIN } from './lfsr.ts';
import type { NetworkDescriptor } from './network.ts';
import { JUNCTION_PIPELINE_CLOCKS, junctionClocks, latencyCycles, type Phase } from './schedule.ts';

/**
 * Device clocks of a junction cycle, per timing model. Every device that runs a profile counts its
 * clocks with that profile's model, so the same inputs give the same cycle counters on all of them
 * (SPEC.md sections 7 and 8).
 *
 *   'parallel'      every junction has its own lanes and all of them work at once: a junction
 *                   cycle lasts as long as its slowest junction, junctionClocks(W_j, z_j) =
 *                   W_j/z_j + JUNCTION_PIPELINE_CLOCKS (schedule.ts). The emulator's 'emu' profile.
 *   'shared-engine' one junction engine, time-shared by the junctions, driven by the RTL
 *                   sequencer (bitstreams-src/rtl/sw_seq.v). A junction cycle is the *sum* of its
 *                   passes plus the sequencer's own steps. The iCEBreaker build ('up5k'); the RTL
 *                   test (test/rtl) checks a TRAIN's clock count against trainClocks below.
 */
export const TIMING_MODELS = ['parallel', 'shared-engine'] as const;
export type TimingModel = (typeof TIMING_MODELS)[number];

/**
 * Clocks of sw_seq.v's steps (derived from its state machine; each state is at least one clock):
 *   load:      a descriptor load of 17 store words takes 17 + 2 clocks (store read latency 2); the
 *              previous junction's (or a hidden layer's) fields n, abase, ashift, dbase, fbbase: 5 + 2
 *   copy:      n words through the engine's host port, the store or the sample ring (input bytes; the
 *              ring's reads have the store's latency): 1 (issuing state) + 1 (port start)
 *              + n + 5 (read latency 2, one register stage, the write, the drain check)
 *   INFER:     TRAIN's junction cycles with FF only (n + L - 1 of them), clocked the same way
 *   engine:    a command: 1 (issuing state) + 1 (command) + 1 (the engine takes it) + busy + 1
 *              (busy: the start-vector draw's LFSR clocks, at least 1; a pass's W/z rows + 5 of pipeline)
 */
export const SHARED_ENGINE = {
  /** descriptor words per junction and the clocks to load them */
  descriptorWords: 17,
  loadClocks: 19,
  auxLoadClocks: 7,
  /** clocks a copy adds to its word count */
  copyClocks: 7,
  /** pipeline clocks of a pass after its W/z rows */
  passDrainClocks: 5,
  /** DFA: clocks per hidden neuron to form its delta (3 store reads of 2 clocks, sum, write), plus
   *  one per bit of feedbackShift (the rounding shift goes one bit per clock) */
  dfaNeuronClocks: 9,
} as const;

/** LFSR clocks of the engine's start-vector draw for a junction (sw_svdraw: one bit per clock; m = 1: 1 clock). */
export function startVectorDrawClocks(p: number, z: number, connectivitySeed: number): number {
  const lfsr = new Lfsr(LFSR_WIDTH_MAIN, connectivitySeed);
  drawStartVector(lfsr, p, z);
  return Math.max(1, lfsr.steps);
}

/** The shared engine's clocks for one junction's passes in one junction cycle, by phase. */
export interface SharedEnginePassClocks {
  /** the FF pass (0 when FF does not run: the sequencer's check is counted in `other`) */
  FF: number;
  /** BP's own part of the BP+UP pass: the left deltas out */
  BP: number;
  /** the rest of the BP+UP pass (UP alone under DFA and for junction 1) */
  UP: number;
  /** the sequencer's steps for this junction that belong to no pass */
  other: number;
}

/**
 * Clocks sw_seq.v spends on junction j (0-based) in a junction cycle where the phases `active` run
 * (FF; BP and/or UP). FF of the last junction includes the label read, the output error and the
 * score, and under DFA the hidden layers' deltas.
 */
export function sharedEnginePassClocks(net: NetworkDescriptor, j: number, active: ReadonlySet<Phase>, svClocks?: number): SharedEnginePassClocks {
  const S = SHARED_ENGINE;
  const L = net.junctions.length;
  const jd = net.junctions[j];
  const { p, n } = jd;
  const rows = (p / jd.z) * jd.fo;
  const sv = svClocks ?? startVectorDrawClocks(p, jd.z, jd.connectivitySeed);
  const dfa = net.feedback === 'dfa';
  // S_J, descriptor load, S_LD_AUX, [the previous junction's descriptor], S_ADDR, S_SV, draw command
  const prefix = 1 + S.loadClocks + 1 + (j > 0 ? S.auxLoadClocks : 0) + 1 + 1 + (3 + sv);
  // a pass command: issuing state + 3 + rows + drain
  const pass = 1 + 3 + rows + S.passDrainClocks;
  const out: SharedEnginePassClocks = { FF: 0, BP: 0, UP: 0, other: 0 };
  if (active.has('FF')) {
    let tail: number;
    if (j < L - 1) tail = n + S.copyClocks + 1; // outputs to the activation slot; S_UP_BP
    else {
      // S_FF_LBL, S_FF_LBL2 (its second clock issues the output error's copy), S_FF_SCORE, [DFA], S_UP_BP
      tail = 1 + 1 + n + S.copyClocks + 1 + 1;
      if (dfa) {
        for (let q = 0; q < L - 1; q++) tail += 1 + S.auxLoadClocks + 1 + (S.dfaNeuronClocks + net.feedbackShift) * net.junctions[q].n + 1;
        tail += 1;
      }
    }
    out.FF = prefix + p + S.copyClocks + pass + tail;
  } else out.other += 1; // S_J: no FF for this junction
  const bp = active.has('BP');
  if (active.has('UP') || bp) {
    out.UP = prefix + p + S.copyClocks + n + S.copyClocks + pass;
    if (bp) out.BP = p + S.copyClocks;
    out.other += 1; // S_NEXT_J
  } else out.other += 2; // S_J, S_NEXT_J
  return out;
}

/** Sequencer clocks of a junction cycle outside the junctions' steps (S_CYC, S_CYC_END). */
export const SHARED_ENGINE_CYCLE_CLOCKS = 2;
/** Sequencer clocks of a TRAIN outside its junction cycles (the last S_CYC, S_DONE). */
export const SHARED_ENGINE_TRAIN_CLOCKS = 2;

/** Clocks of one junction cycle in which junction j runs the phases active[j]. */
export function cycleClocks(model: TimingModel, net: NetworkDescriptor, active: ReadonlyArray<ReadonlySet<Phase>>, svClocks?: readonly number[]): number {
  if (model === 'parallel') {
    let c = 0;
    net.junctions.forEach((j, i) => {
      if (active[i].size) c = Math.max(c, junctionClocks(j.n * j.fi, j.z));
    });
    return c;
  }
  let c = SHARED_ENGINE_CYCLE_CLOCKS;
  net.junctions.forEach((_, i) => {
    const k = sharedEnginePassClocks(net, i, active[i], svClocks?.[i]);
    c += k.FF + k.BP + k.UP + k.other;
  });
  return c;
}

/** The phases each junction runs in junction cycle t of a pipelined TRAIN of n samples (schedule.ts). */
export function trainActivePhases(net: NetworkDescriptor, n: number, t: number): Array<Set<Phase>> {
  const L = net.junctions.length;
  const dfa = net.feedback === 'dfa';
  return net.junctions.map((_, i) => {
    const j = i + 1;
    const a = new Set<Phase>();
    const sf = t - (j - 1);
    if (sf >= 0 && sf < n) a.add('FF');
    const su = dfa ? t - L : t - (2 * L - j);
    if (su >= 0 && su < n) {
      if (!dfa && j > 1) a.add('BP');
      a.add('UP');
    }
    return a;
  });
}

/**
 * Device clocks of a TRAIN of n samples under a timing model: a deterministic function of the
 * network descriptor (shapes, feedback, connectivity seeds) and n. For 'shared-engine' this is the
 * count sw_seq.v returns in its `clocks` register. (For 'parallel' it is the emulator's count with
 * clash-free lanes and no load balancing.)
 */
export function trainClocks(model: TimingModel, net: NetworkDescriptor, n: number): number {
  const L = net.junctions.length;
  const cycles = n === 0 ? 0 : n + latencyCycles(L, net.feedback) - 1;
  const sv = model === 'shared-engine' ? net.junctions.map((j) => startVectorDrawClocks(j.p, j.z, j.connectivitySeed)) : undefined;
  let c = model === 'shared-engine' ? SHARED_ENGINE_TRAIN_CLOCKS : 0;
  for (let t = 0; t < cycles; t++) c += cycleClocks(model, net, trainActivePhases(net, n, t), sv);
  return c;
}

/**
 * Clocks of one junction's UP under the ESSOP update (essop.ts), by part. The spec's choice, which
 * every device counts: a lane takes one edge per clock in both update modes (it ANDs two B-bit
 * streams and counts the ones within the clock), so an ESSOP UP pass takes the exact update's clocks,
 * junctionClocks(W, z), and no counter differs. The other parts are a model, not counted:
 *   randomDraw  2B clocks: the UP's 2B random numbers from a generator that yields R bits per clock (a
 *               leap-forward form of the update LFSR); they do not depend on the data, so a device
 *               draws them while the junction does FF and BP of the same cycle;
 *   streams     p + n clocks: every operand's B-bit stream, one neuron per clock through the
 *               junction's B comparators, ahead of the lanes that read it;
 *   bitSerial   the UP pass of a smaller unit that ANDs and counts one stream bit per lane per clock:
 *               B clocks per edge.
 */
export function essopUpdateClocks(shape: { p: number; n: number; edges: number; z: number }, streamLength: number): { pass: number; randomDraw: number; streams: number; bitSerial: number } {
  const { p, n, edges, z } = shape;
  return {
    pass: junctionClocks(edges, z),
    randomDraw: 2 * streamLength,
    streams: p + n,
    bitSerial: Math.ceil(edges / z) * streamLength + JUNCTION_PIPELINE_CLOCKS,
  };
}
