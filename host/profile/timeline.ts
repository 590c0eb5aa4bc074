import type { FeedbackMode } from '../../firmware-spec/network.ts';
import { latencyCycles, type Phase, PHASES, phaseOffset, trainCycles } from '../../firmware-spec/schedule.ts';

/**
 * The run's junction cycles, rebuilt from the spec's schedule (firmware-spec/schedule.ts): which
 * junction does which phase for which sample in each cycle, and when. A cycle lasts as long as its
 * slowest active junction's pass, as the device counts it. The profiler checks the rebuilt totals
 * against the device's counters (junctionCycles, clocks) and says whether they match.
 */
export interface CycleWork {
  junction: number; // 1-based
  phase: Phase;
  sample: number; // global sample index of the run
}

export interface Cycle {
  index: number;
  chunk: number;
  startClock: number;
  clocks: number;
  work: CycleWork[];
}

export interface Timeline {
  /** cycles in detail (the first `limit`) */
  cycles: Cycle[];
  totalCycles: number;
  totalClocks: number;
  chunks: Array<{ index: number; samples: number; firstSample: number; startClock: number; clocks: number; firstCycle: number; cycles: number }>;
}

/** TRAIN sizes the trainer sends: per epoch, chunks of `chunk` samples (the last one shorter). */
export function trainerChunks(samplesPerEpoch: number, epochs: number, chunk: number): number[] {
  const out: number[] = [];
  for (let e = 0; e < epochs; e++) for (let c = 0; c < samplesPerEpoch; c += chunk) out.push(Math.min(chunk, samplesPerEpoch - c));
  return out;
}

export function buildTimeline(chunks: number[], passClocks: number[], mode: FeedbackMode, limit: number): Timeline {
  const L = passClocks.length;
  const tl: Timeline = { cycles: [], totalCycles: 0, totalClocks: 0, chunks: [] };
  let sampleBase = 0;
  for (const [ci, n] of chunks.entries()) {
    const cycles = trainCycles(n, L, mode);
    const chunkStart = tl.totalClocks;
    const firstCycle = tl.totalCycles;
    for (let t = 0; t < cycles; t++) {
      const work: CycleWork[] = [];
      let len = 0;
      for (let j = 1; j <= L; j++) {
        for (const ph of PHASES) {
          const off = phaseOffset(ph, j, L, mode);
          if (off < 0) continue;
          const s = t - off;
          if (s < 0 || s >= n) continue;
          work.push({ junction: j, phase: ph, sample: sampleBase + s });
          len = Math.max(len, passClocks[j - 1]);
        }
      }
      if (tl.cycles.length < limit) tl.cycles.push({ index: tl.totalCycles, chunk: ci, startClock: tl.totalClocks, clocks: len, work });
      tl.totalCycles++;
      tl.totalClocks += len;
    }
    tl.chunks.push({ index: ci, samples: n, firstSample: sampleBase, startClock: chunkStart, clocks: tl.totalClocks - chunkStart, firstCycle, cycles });
    sampleBase += n;
  }
  return tl;
}

/**
 * The unpipelined schedule: one sample at a time through the spec's latency (FF down, then BP and
 * UP back up; junctions of one offset share a cycle, as DFA's UPs do). Clocks for `samples` samples.
 */
export function unpipelinedClocks(samples: number, passClocks: number[], mode: FeedbackMode): { cycles: number; clocks: number } {
  const L = passClocks.length;
  const lat = latencyCycles(L, mode);
  let perSample = 0;
  for (let o = 0; o < lat; o++) {
    let len = 0;
    for (let j = 1; j <= L; j++) for (const ph of PHASES) if (phaseOffset(ph, j, L, mode) === o) len = Math.max(len, passClocks[j - 1]);
    perSample += len;
  }
  return { cycles: samples * lat, clocks: samples * perSample };
}

/**
 * The baseline of seed 002's "speedup = 3J": no pipelining and no sharing inside a junction, so FF,
 * BP and UP are each a pass of their own over the junction's edges, one after the other.
 */
export function sequentialPhaseClocks(samples: number, passClocks: number[], mode: FeedbackMode): { passes: number; clocks: number } {
  const L = passClocks.length;
  let passes = 0;
  let clocks = 0;
  for (let j = 1; j <= L; j++) {
    for (const ph of PHASES) {
      if (phaseOffset(ph, j, L, mode) < 0) continue;
      passes++;
      clocks += passClocks[j - 1];
    }
  }
  return { passes: samples * passes, clocks: samples * clocks };
}
