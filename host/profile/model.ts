import type { DeviceCounters, PhaseCounters } from '../../firmware-spec/counters.ts';
import { accumulatorBits } from '../../firmware-spec/formats.ts';
import { latencyCycles, type Phase, PHASES } from '../../firmware-spec/schedule.ts';
import type { ResolvedConfig } from '../partition/partition.ts';
import { addEnergy, type EnergyTable, memoryAccessEnergy, multiplyEnergy, shiftEnergy } from './energy-table.ts';
import { type LinkModel, linkSeconds } from './link.ts';
import { essopUpdateParts } from './update-units.ts';

/**
 * The profiling model: device counters in, time and energy out, per junction and phase.
 *
 * Operations per counted event (firmware-spec/counters.ts gives the access model):
 *   FF  per MAC: one weight x activation multiply and one accumulator add;
 *       per activation written: one requantizing shift and one rounding add (accumulator width).
 *   BP  per MAC: one weight x delta multiply and one accumulator add;
 *       per delta written: one shift and one rounding add (accumulator width).
 *   UP  per MAC: one delta x activation multiply, one learning-rate shift and one rounding add (product
 *       width), one weight add (weight width). Under the ESSOP update (firmware-spec/essop.ts) UP is
 *       charged as the ESSOP unit instead (update-units.ts, essopUpdateParts): B AND gates, a B-bit
 *       counter, a shift and the weight add per MAC, a B-bit stream read per activation read, and per
 *       sample the streams and scale of the junction's p + n operands (its LFSR steps are counted).
 *   every pass over a junction's edges (counted where the weights are read): one address per edge,
 *       generated (an add of log2(p) bits: the interleaver's (S + c') mod p/z) or, for the stored-index
 *       (CSR) baseline, read from an index memory of log2(p) bits per edge.
 * Accumulators are as wide as the spec makes them for the junction's fan: a + b + ceil(log2 fan).
 *
 * Memories: z single-port banks per junction (SPEC.md section 4); an access is charged by its bank's
 * size. Weight bank: W * weight bits / z. Activation bank of layer i: N_i * (samples in flight, as the
 * partitioner sizes them) * activation bits / z. Delta bank of layer i: N_i * 2 (ping-pong) * delta bits / z.
 *
 * Energies are rounded to a common power-of-two quantum (at most 2^-10 pJ) so that every sum is exact:
 * the components add up to the total bit for bit, in any order.
 */
export const ENERGY_COMPONENTS = [
  'multiply',
  'add',
  'shift',
  'address',
  'indexRead',
  'weightRead',
  'weightWrite',
  'activationRead',
  'activationWrite',
  'deltaRead',
  'deltaWrite',
  'lfsr',
  'wire',
] as const;
export type EnergyComponent = (typeof ENERGY_COMPONENTS)[number];
export type Energy = Record<EnergyComponent, number>;

export interface OpCounts {
  multiplies: number;
  adds: number;
  shifts: number;
  addressAdds: number;
  indexReads: number;
  weightReads: number;
  weightWrites: number;
  activationReads: number;
  activationWrites: number;
  deltaReads: number;
  deltaWrites: number;
}

export interface PhaseProfile {
  /** the junction's busy clocks in this phase (phases of one junction overlap within a cycle) */
  clocks: number;
  seconds: number;
  stalls: number;
  macs: number;
  ops: OpCounts;
  energyPj: Energy;
  energyTotalPj: number;
}

export interface JunctionProfile {
  index: number;
  p: number;
  n: number;
  edges: number;
  z: number;
  kind: string;
  density: number;
  /** clocks of one pass (a junction cycle's work for this junction) */
  passClocks: number;
  /** junction cycles the junction worked in */
  passes: number;
  stallClocks: number;
  idleClocks: number;
  memoryBankBytes: { weight: number; leftActivation: number; rightActivation: number; leftDelta: number; rightDelta: number; index: number };
  phases: Record<Phase, PhaseProfile>;
  energyTotalPj: number;
  lanes: { busy: number[]; stall: number[]; idle: number[] };
}

export type Bound = 'wire' | 'compute' | 'stalls';

export interface TimeProfile {
  clockHz: number;
  deviceClocks: number;
  junctionCycles: number;
  deviceSeconds: number;
  /** clocks the slowest junction lost to bank clashes (critical-path estimate) */
  stallClocks: number;
  stallSeconds: number;
  computeSeconds: number;
  balancerClocks: number;
  balancerSeconds: number;
  wireBytesIn: number;
  wireBytesOut: number;
  link: LinkModel;
  linkSeconds: number;
  /** link and device overlap (the trainer double-buffers samples): the larger of the two */
  overlappedSeconds: number;
  /** no overlap at all: their sum */
  serialSeconds: number;
  bound: Bound;
  boundReason: string;
}

export interface Breakdown {
  samples: number;
  connectivity: 'generated' | 'csr';
  junctions: JunctionProfile[];
  time: TimeProfile;
  energy: { components: Energy; totalPj: number; deviceEnergyPj: number; wireEnergyPj: number; quantumPj: number };
  perSample: { seconds: number; deviceSeconds: number; linkSeconds: number; energyPj: number; deviceEnergyPj: number };
}

export interface ModelInput {
  counters: DeviceCounters;
  resolved: ResolvedConfig;
  clockHz: number;
  table: EnergyTable;
  link: LinkModel;
  /** charge addresses as generated (LFSR / interleaver, the device) or read from stored indices (CSR) */
  connectivity?: 'generated' | 'csr';
}

export function emptyEnergy(): Energy {
  return Object.fromEntries(ENERGY_COMPONENTS.map((k) => [k, 0])) as Energy;
}

/** Bits of a stored index of a left neuron (CSR column index). */
export function indexBits(p: number): number {
  return Math.max(1, Math.ceil(Math.log2(p)));
}

/** A power-of-two quantum that keeps sums of values up to `bound` exact in float64. */
export function energyQuantum(bound: number): number {
  const q = 2 ** -10;
  if (!(bound > 0)) return q;
  return Math.max(q, 2 ** Math.ceil(Math.log2(bound / 2 ** 48)));
}

export function quantize(x: number, q: number): number {
  return Math.round(x / q) * q;
}

function opsOf(ph: Phase, c: PhaseCounters, csr: boolean): OpCounts {
  const ops: OpCounts = {
    multiplies: c.macs,
    adds: c.macs,
    shifts: 0,
    addressAdds: csr ? 0 : c.weightReads,
    indexReads: csr ? c.weightReads : 0,
    weightReads: c.weightReads,
    weightWrites: c.weightWrites,
    activationReads: c.activationReads,
    activationWrites: c.activationWrites,
    deltaReads: c.deltaReads,
    deltaWrites: c.deltaWrites,
  };
  if (ph === 'FF') {
    ops.shifts = c.activationWrites;
    ops.adds += c.activationWrites;
  } else if (ph === 'BP') {
    ops.shifts = c.deltaWrites;
    ops.adds += c.deltaWrites;
  } else {
    ops.shifts = c.macs;
    ops.adds += c.macs; // rounding add before the weight add
  }
  return ops;
}

/** Time and energy of a run from its counters. */
export function profileCounters(input: ModelInput): Breakdown {
  const { counters, resolved, clockHz, table, link } = input;
  const csr = input.connectivity === 'csr';
  const net = resolved.network;
  const f = net.formats;
  const L = net.junctions.length;
  const lat = latencyCycles(L, net.feedback);
  const layers = resolved.layers;
  const inflight = (i: number) => Math.max(1, lat - i);
  const samples = counters.samplesTrained;
  // an ESSOP run's UP is charged as the ESSOP unit when the table has its logic entries, else as the multiplier
  const essop = net.update?.mode === 'essop' && essopUpdateParts(table, f, net.update.streamLength, 1, 0) ? net.update : undefined;

  // raw (unrounded) energies first; one quantum for all of them afterwards
  const raw: Array<Record<Phase, Energy>> = [];
  const junctions: JunctionProfile[] = net.junctions.map((j, i) => {
    const jc = counters.junctions[i];
    const W = j.n * j.fi;
    // a dense junction needs no indices: stored and generated connectivity are the same there
    const csrJ = csr && W < j.p * j.n;
    const bank = {
      weight: (W * f.weight.bits) / 8 / j.z,
      leftActivation: (layers[i] * inflight(i) * f.activation.bits) / 8 / j.z,
      rightActivation: (layers[i + 1] * inflight(i + 1) * f.activation.bits) / 8 / j.z,
      leftDelta: (layers[i] * 2 * f.delta.bits) / 8 / j.z,
      rightDelta: (layers[i + 1] * 2 * f.delta.bits) / 8 / j.z,
      index: csrJ ? (W * indexBits(j.p)) / 8 / j.z : 0,
    };
    const accFF = accumulatorBits(f.weight, f.activation, Math.ceil(Math.log2(Math.max(2, j.fi))));
    const accBP = accumulatorBits(f.weight, f.delta, Math.ceil(Math.log2(Math.max(2, j.fo))));
    const productUP = f.delta.bits + f.activation.bits;
    const rawPhases = {} as Record<Phase, Energy>;
    const phases = {} as Record<Phase, PhaseProfile>;
    for (const ph of PHASES) {
      const c = jc[ph];
      const ops = opsOf(ph, c, csrJ);
      const e = emptyEnergy();
      if (ph === 'FF') {
        e.multiply = ops.multiplies * multiplyEnergy(table, f.weight.bits, f.activation.bits);
        e.add = ops.adds * addEnergy(table, accFF);
        e.shift = ops.shifts * shiftEnergy(table, accFF);
      } else if (ph === 'BP') {
        e.multiply = ops.multiplies * multiplyEnergy(table, f.weight.bits, f.delta.bits);
        e.add = ops.adds * addEnergy(table, accBP);
        e.shift = ops.shifts * shiftEnergy(table, accBP);
      } else if (!essop) {
        e.multiply = ops.multiplies * multiplyEnergy(table, f.delta.bits, f.activation.bits);
        e.add = c.macs * addEnergy(table, productUP) + c.macs * addEnergy(table, f.weight.bits);
        e.shift = ops.shifts * shiftEnergy(table, productUP);
      }
      e.address = ops.addressAdds * addEnergy(table, indexBits(j.p));
      e.indexRead = ops.indexReads * memoryAccessEnergy(table, bank.index, indexBits(j.p));
      e.weightRead = ops.weightReads * memoryAccessEnergy(table, bank.weight, f.weight.bits);
      e.weightWrite = ops.weightWrites * memoryAccessEnergy(table, bank.weight, f.weight.bits, true);
      e.activationRead = ops.activationReads * memoryAccessEnergy(table, bank.leftActivation, f.activation.bits);
      e.activationWrite = ops.activationWrites * memoryAccessEnergy(table, bank.rightActivation, f.activation.bits, true);
      e.deltaRead = ops.deltaReads * memoryAccessEnergy(table, bank.rightDelta, f.delta.bits);
      e.deltaWrite = ops.deltaWrites * memoryAccessEnergy(table, bank.leftDelta, f.delta.bits, true);
      if (ph === 'UP' && essop) {
        // the ESSOP unit (update-units.ts): per edge, and per UP of this junction (one per sample);
        // its LFSR steps are in the counted lfsrSteps, charged once below. Reads B-bit streams.
        const parts = essopUpdateParts(table, f, essop.streamLength, j.p + j.n, memoryAccessEnergy(table, bank.leftActivation, essop.streamLength))!;
        e.activationRead = 0;
        for (const part of parts.perEdge) e[part.component] += (part.read ? ops.activationReads : c.macs) * part.count * part.pj;
        for (const part of parts.perUpdate) if (part.component !== 'lfsr') e[part.component] += samples * part.count * part.pj;
      }
      rawPhases[ph] = e;
      phases[ph] = { clocks: c.clocks, seconds: c.clocks / clockHz, stalls: c.stalls, macs: c.macs, ops, energyPj: e, energyTotalPj: 0 };
    }
    raw.push(rawPhases);
    const passes = samples; // every sample passes every junction's FF once
    return {
      index: i + 1,
      p: j.p,
      n: j.n,
      edges: W,
      z: j.z,
      kind: j.connectivity,
      density: W / (j.p * j.n),
      passClocks: passes ? jc.FF.clocks / passes : 0,
      passes: 0,
      stallClocks: Math.max(0, ...jc.lanes.stall),
      idleClocks: jc.idleClocks,
      memoryBankBytes: bank,
      phases,
      energyTotalPj: 0,
      lanes: structuredClone(jc.lanes),
    };
  });

  const wireBytes = counters.wireBytesIn + counters.wireBytesOut;
  const rawLfsr = counters.lfsrSteps * table.lfsrStep.pj;
  const rawWire = wireBytes * table.wire[link.kind].pjPerByte;
  let bound = rawLfsr + rawWire;
  for (const r of raw) for (const ph of PHASES) for (const k of ENERGY_COMPONENTS) bound += r[ph][k];
  const q = energyQuantum(bound * 1.01 + 1);

  const components = emptyEnergy();
  for (const [i, jp] of junctions.entries()) {
    let jt = 0;
    for (const ph of PHASES) {
      const e = jp.phases[ph].energyPj;
      let t = 0;
      for (const k of ENERGY_COMPONENTS) {
        e[k] = quantize(raw[i][ph][k], q);
        t += e[k];
        components[k] += e[k];
      }
      jp.phases[ph].energyTotalPj = t;
      jt += t;
    }
    jp.energyTotalPj = jt;
  }
  components.lfsr = quantize(rawLfsr, q);
  components.wire = quantize(rawWire, q);
  let totalPj = 0;
  for (const k of ENERGY_COMPONENTS) totalPj += components[k];

  // passes: cycles in which the junction worked = FF passes plus passes with BP/UP but no FF
  for (const jp of junctions) jp.passes = jp.passClocks ? Math.round((counters.clocks - jp.idleClocks) / jp.passClocks) : 0;

  const deviceSeconds = counters.clocks / clockHz;
  const stallClocks = Math.min(counters.clocks, Math.max(0, ...junctions.map((j) => j.stallClocks)));
  const stallSeconds = stallClocks / clockHz;
  const balancerSeconds = counters.balancerClocks / clockHz;
  const computeSeconds = deviceSeconds - stallSeconds + balancerSeconds;
  const lSeconds = linkSeconds(link, counters.wireBytesIn, counters.wireBytesOut);
  let b: Bound = 'compute';
  let reason: string;
  if (lSeconds > deviceSeconds + balancerSeconds) {
    b = 'wire';
    reason = `the link needs ${fmtS(lSeconds)} for ${wireBytes} bytes at ${link.spec}; the device computes for ${fmtS(deviceSeconds + balancerSeconds)} (${(lSeconds / Math.max(1e-30, deviceSeconds + balancerSeconds)).toFixed(1)}x less)`;
  } else if (stallSeconds > computeSeconds) {
    b = 'stalls';
    reason = `bank clashes stall the slowest junction for ${fmtS(stallSeconds)}, more than its ${fmtS(computeSeconds)} of work`;
  } else {
    reason = `the device computes for ${fmtS(deviceSeconds + balancerSeconds)} (stalls ${fmtS(stallSeconds)}); the link needs ${fmtS(lSeconds)}`;
  }
  const deviceEnergyPj = totalPj - components.wire;
  const n = Math.max(1, samples);
  return {
    samples,
    connectivity: csr ? 'csr' : 'generated',
    junctions,
    time: {
      clockHz,
      deviceClocks: counters.clocks,
      junctionCycles: counters.junctionCycles,
      deviceSeconds,
      stallClocks,
      stallSeconds,
      computeSeconds,
      balancerClocks: counters.balancerClocks,
      balancerSeconds,
      wireBytesIn: counters.wireBytesIn,
      wireBytesOut: counters.wireBytesOut,
      link,
      linkSeconds: lSeconds,
      overlappedSeconds: Math.max(deviceSeconds + balancerSeconds, lSeconds),
      serialSeconds: deviceSeconds + balancerSeconds + lSeconds,
      bound: b,
      boundReason: reason,
    },
    energy: { components, totalPj, deviceEnergyPj, wireEnergyPj: components.wire, quantumPj: q },
    perSample: {
      seconds: Math.max(deviceSeconds + balancerSeconds, lSeconds) / n,
      deviceSeconds: deviceSeconds / n,
      linkSeconds: lSeconds / n,
      energyPj: totalPj / n,
      deviceEnergyPj: deviceEnergyPj / n,
    },
  };
}

export function fmtS(s: number): string {
  if (s === 0) return '0 s';
  if (s < 1e-6) return `${(s * 1e9).toFixed(1)} ns`;
  if (s < 1e-3) return `${(s * 1e6).toFixed(1)} us`;
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`;
  return `${s.toFixed(3)} s`;
}

export function fmtPj(pj: number): string {
  const a = Math.abs(pj);
  if (a >= 1e12) return `${(pj / 1e12).toFixed(3)} J`;
  if (a >= 1e9) return `${(pj / 1e9).toFixed(3)} mJ`;
  if (a >= 1e6) return `${(pj / 1e6).toFixed(3)} uJ`;
  if (a >= 1e3) return `${(pj / 1e3).toFixed(3)} nJ`;
  return `${pj.toFixed(3)} pJ`;
}
