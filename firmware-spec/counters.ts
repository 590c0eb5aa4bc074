import type { Phase } from './schedule.ts';

/**
 * Device counters, per junction and phase. What each access means (the model the emulator, the
 * profiler and the RTL share), for a junction with W edges, p left and n right neurons:
 *   FF: W MACs; W weight reads; W activation reads (left banks); n activation writes.
 *   BP: W MACs; W delta reads (right, one per edge as lanes stream rows); p delta writes (left).
 *       Shares the weight read of the cycle's FF when FF runs; else it reads the W weights itself.
 *   UP: W MACs (delta x activation); W activation reads; W weight writes; weight reads as for BP.
 * Clocks are the junction's own busy clocks; stalls are clocks lost to bank clashes; idle clocks are
 * those spent waiting for the slowest junction of the cycle.
 */
export interface PhaseCounters {
  clocks: number;
  macs: number;
  weightReads: number;
  weightWrites: number;
  activationReads: number;
  activationWrites: number;
  deltaReads: number;
  deltaWrites: number;
  stalls: number;
}

export interface JunctionCounters {
  FF: PhaseCounters;
  BP: PhaseCounters;
  UP: PhaseCounters;
  /** clocks waiting for the slowest junction of a cycle */
  idleClocks: number;
  /** per lane: busy, stall and idle clocks */
  lanes: { busy: number[]; stall: number[]; idle: number[] };
}

export interface DeviceCounters {
  /** device clocks elapsed in TRAIN and INFER (junction cycles times the slowest junction) */
  clocks: number;
  junctionCycles: number;
  samplesTrained: number;
  samplesInferred: number;
  lfsrSteps: number;
  /** clocks the on-device load balancer spent (re)scheduling edges */
  balancerClocks: number;
  /** bytes the device received and sent on its link (counted by the endpoint) */
  wireBytesIn: number;
  wireBytesOut: number;
  junctions: JunctionCounters[];
}

export function emptyPhase(): PhaseCounters {
  return { clocks: 0, macs: 0, weightReads: 0, weightWrites: 0, activationReads: 0, activationWrites: 0, deltaReads: 0, deltaWrites: 0, stalls: 0 };
}

export function emptyJunctionCounters(lanes: number): JunctionCounters {
  return {
    FF: emptyPhase(),
    BP: emptyPhase(),
    UP: emptyPhase(),
    idleClocks: 0,
    lanes: { busy: new Array(lanes).fill(0), stall: new Array(lanes).fill(0), idle: new Array(lanes).fill(0) },
  };
}

export function emptyCounters(lanesPerJunction: number[]): DeviceCounters {
  return {
    clocks: 0,
    junctionCycles: 0,
    samplesTrained: 0,
    samplesInferred: 0,
    lfsrSteps: 0,
    balancerClocks: 0,
    wireBytesIn: 0,
    wireBytesOut: 0,
    junctions: lanesPerJunction.map(emptyJunctionCounters),
  };
}

/**
 * Counters one junction adds in one junction cycle, from the spec's access model above.
 * `clocks` is the junction's schedule length for a pass (W/z + fill for clash-free lanes).
 */
export function phaseCost(phase: Phase, active: ReadonlySet<Phase>, j: { edges: number; p: number; n: number; clocks: number; stalls: number }): PhaseCounters {
  const c = emptyPhase();
  const { edges: W, p, n } = j;
  c.clocks = j.clocks;
  c.stalls = j.stalls;
  c.macs = W;
  const readsWeights = phase === 'FF' || (phase === 'BP' && !active.has('FF')) || (phase === 'UP' && !active.has('FF') && !active.has('BP'));
  if (readsWeights) c.weightReads = W;
  if (phase === 'FF') {
    c.activationReads = W;
    c.activationWrites = n;
  } else if (phase === 'BP') {
    c.deltaReads = W;
    c.deltaWrites = p;
  } else {
    c.activationReads = W;
    c.weightWrites = W;
  }
  return c;
}

export function addPhase(into: PhaseCounters, c: PhaseCounters): void {
  for (const k of Object.keys(c) as (keyof PhaseCounters)[]) into[k] += c[k];
}
