import type { FeedbackMode } from './network.ts';

/**
 * The pipelined schedule (SPEC.md section 6). Time advances in junction cycles; in every cycle
 * every junction works, each on a different sample.
 *
 * Backprop, L junctions, a sample entering in cycle T0:
 *   junction j does FF in cycle T0 + j - 1; the output error is formed at the end of T0 + L - 1;
 *   junction j does BP and UP in cycle T0 + 2L - j (junction 1: UP only).
 * DFA: FF as above; the error reaches every hidden layer at once through the feedback matrix, so
 *   every junction does UP in cycle T0 + L; no BP phase.
 *
 * Within a cycle a junction reads each edge once: FF and BP use the weight as it was at the start of
 * the cycle, UP writes it back. A TRAIN of n samples feeds one sample per cycle and drains, so it
 * takes n + latency - 1 cycles.
 */
export type Phase = 'FF' | 'BP' | 'UP';
export const PHASES: readonly Phase[] = ['FF', 'BP', 'UP'];

/** Clocks to fill and drain a junction's datapath per junction cycle: memory read (1), multiply (1),
 *  accumulate (1), requantize and activation or update write-back (1). */
export const JUNCTION_PIPELINE_CLOCKS = 4;

/** Offset (in cycles, from the sample's entry) at which junction j (1-based) does `phase`, or -1. */
export function phaseOffset(phase: Phase, j: number, L: number, mode: FeedbackMode): number {
  if (phase === 'FF') return j - 1;
  if (mode === 'dfa') return phase === 'UP' ? L : -1;
  if (phase === 'BP') return j === 1 ? -1 : 2 * L - j;
  return 2 * L - j;
}

/** Cycles from a sample's entry to its last update, inclusive. */
export function latencyCycles(L: number, mode: FeedbackMode): number {
  return mode === 'dfa' ? L + 1 : 2 * L;
}

/** Cycles for a pipelined TRAIN of n samples, fill and drain included. */
export function trainCycles(n: number, L: number, mode: FeedbackMode): number {
  return n === 0 ? 0 : n + latencyCycles(L, mode) - 1;
}

/** Cycles for the same work unpipelined: each sample runs alone through FF, then BP/UP. */
export function unpipelinedCycles(n: number, L: number, mode: FeedbackMode): number {
  return n * latencyCycles(L, mode);
}

/** Cycles for an INFER of n samples: FF only, pipelined. */
export function inferCycles(n: number, L: number): number {
  return n === 0 ? 0 : n + L - 1;
}

/** Clocks of one junction's pass with clash-free lanes: W/z clocks of edges plus fill and drain. */
export function junctionClocks(edges: number, z: number): number {
  return Math.ceil(edges / z) + JUNCTION_PIPELINE_CLOCKS;
}
