import { type Phase, PHASES } from '../../firmware-spec/schedule.ts';
import type { ProfileRun } from './session.ts';

/**
 * Chrome trace-event JSON (the JSON Object Format; Perfetto and chrome://tracing open it).
 *   pid 1 "device": tid 1 = TRAIN chunks with their junction cycles nested inside;
 *     tid 100*j + k = junction j, phase k (FF, BP, UP): one X slice per junction cycle it works in;
 *     tid 100*j + 10 + lane = lane busy/stall slices (per pass, busy clocks first, then stall clocks:
 *     the counters give per-pass totals, not the order of clocks inside a pass).
 *   pid 2 "link": C counter of wire bytes (cumulative; a chunk's bytes are the run's bytes per sample).
 *   pid 1 C counter of energy (cumulative pJ, each pass charged its phase's mean energy per pass).
 * Only the first cycles are traced in detail (the metadata says how many of how many), so the file
 * stays small for long runs. Timestamps are microseconds on a power-of-two grid, so every slice's
 * ts + dur is exact and nesting can be checked with plain comparisons.
 */
export interface TraceEvent {
  name: string;
  ph: 'X' | 'C' | 'M';
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

const GRID = 2 ** -20;
const phaseIndex: Record<Phase, number> = { FF: 0, BP: 1, UP: 2 };

export function phaseTid(junction: number, ph: Phase): number {
  return 100 * junction + phaseIndex[ph];
}

export function laneTid(junction: number, lane: number): number {
  return 100 * junction + 10 + lane;
}

export function buildTrace(r: ProfileRun, opts: { laneCycles?: number; maxLanes?: number } = {}): { traceEvents: TraceEvent[]; displayTimeUnit: string; otherData: Record<string, unknown> } {
  const hz = r.capability.clockHz;
  const us = (clock: number) => Math.round((clock * 1e6) / hz / GRID) * GRID;
  const ev: TraceEvent[] = [];
  const b = r.breakdown;
  const tl = r.timeline;
  const L = b.junctions.length;
  const detailed = tl.cycles.length;
  const laneCycles = Math.min(detailed, opts.laneCycles ?? 16);
  const maxLanes = opts.maxLanes ?? 32;
  const meta = (name: string, pid: number, tid: number | undefined, args: Record<string, unknown>) => ev.push({ name, ph: 'M', pid, ...(tid !== undefined ? { tid } : {}), args });
  const note = `first ${detailed} of ${tl.totalCycles} junction cycles in detail (lanes: first ${laneCycles}); schedule rebuilt from the spec ${r.timelineMatchesCounters ? 'matches' : 'DOES NOT match'} the device counters`;
  meta('process_name', 1, undefined, { name: `seedwire device ${r.device} (${r.capability.profile}, ${hz / 1e6} MHz): ${r.resolved.name}` });
  meta('process_labels', 1, undefined, { labels: note });
  meta('process_sort_index', 1, undefined, { sort_index: 1 });
  meta('process_name', 2, undefined, { name: `link ${b.time.link.spec}` });
  meta('process_sort_index', 2, undefined, { sort_index: 2 });
  meta('thread_name', 1, 1, { name: 'TRAIN chunks > junction cycles' });
  meta('thread_sort_index', 1, 1, { sort_index: 1 });
  for (const j of b.junctions) {
    for (const ph of PHASES) {
      meta('thread_name', 1, phaseTid(j.index, ph), { name: `J${j.index} ${ph}` });
      meta('thread_sort_index', 1, phaseTid(j.index, ph), { sort_index: phaseTid(j.index, ph) });
    }
  }
  // per-pass figures of each junction phase
  const phasePasses = (j: number, ph: Phase) => {
    const p = b.junctions[j - 1].phases[ph];
    return p.clocks && b.junctions[j - 1].passClocks ? p.clocks / b.junctions[j - 1].passClocks : 0;
  };
  const energyPerPass = (j: number, ph: Phase) => {
    const n = phasePasses(j, ph);
    return n ? b.junctions[j - 1].phases[ph].energyTotalPj / n : 0;
  };
  // chunks overlapping the detailed cycles, with their cycles nested inside
  const lastClock = detailed ? tl.cycles[detailed - 1].startClock + tl.cycles[detailed - 1].clocks : 0;
  for (const c of tl.chunks) {
    if (c.startClock >= lastClock && detailed) break;
    ev.push({ name: `TRAIN chunk ${c.index} (${c.samples} samples)`, ph: 'X', cat: 'chunk', pid: 1, tid: 1, ts: us(c.startClock), dur: us(c.startClock + c.clocks) - us(c.startClock), args: { firstSample: c.firstSample, cycles: c.cycles, clocks: c.clocks } });
  }
  const wirePerSample = b.samples ? (b.time.wireBytesIn + b.time.wireBytesOut) / b.samples : 0;
  let energy = 0;
  let wire = 0;
  let chunkSeen = -1;
  for (const cy of tl.cycles) {
    const t0 = us(cy.startClock);
    ev.push({ name: `cycle ${cy.index}`, ph: 'X', cat: 'cycle', pid: 1, tid: 1, ts: t0, dur: us(cy.startClock + cy.clocks) - t0, args: { clocks: cy.clocks, work: cy.work.length } });
    for (const w of cy.work) {
      const pass = b.junctions[w.junction - 1].passClocks;
      const e = energyPerPass(w.junction, w.phase);
      energy += e;
      ev.push({ name: w.phase, ph: 'X', cat: 'phase', pid: 1, tid: phaseTid(w.junction, w.phase), ts: t0, dur: us(cy.startClock + pass) - t0, args: { junction: w.junction, sample: w.sample, cycle: cy.index, clocks: pass, energyPj: e } });
    }
    if (cy.chunk !== chunkSeen) {
      chunkSeen = cy.chunk;
      wire += wirePerSample * tl.chunks[cy.chunk].samples;
      ev.push({ name: 'wire bytes', ph: 'C', pid: 2, ts: t0, args: { bytes: Math.round(wire) } });
    }
    ev.push({ name: 'energy (pJ)', ph: 'C', pid: 1, ts: us(cy.startClock + cy.clocks), args: { pJ: energy } });
  }
  // lanes: per pass, busy clocks then stall clocks
  for (const j of b.junctions) {
    const lanes = Math.min(j.z, maxLanes, j.lanes.busy.length);
    if (!j.passes || lanes === 0) continue;
    for (let k = 0; k < lanes; k++) {
      meta('thread_name', 1, laneTid(j.index, k), { name: `J${j.index} lane ${k}` });
      meta('thread_sort_index', 1, laneTid(j.index, k), { sort_index: laneTid(j.index, k) });
    }
    for (const cy of tl.cycles.slice(0, laneCycles)) {
      if (!cy.work.some((w) => w.junction === j.index)) continue;
      for (let k = 0; k < lanes; k++) {
        const busy = Math.round(j.lanes.busy[k] / j.passes);
        const stall = Math.round(j.lanes.stall[k] / j.passes);
        if (busy > 0) ev.push({ name: 'busy', ph: 'X', cat: 'lane', pid: 1, tid: laneTid(j.index, k), ts: us(cy.startClock), dur: us(cy.startClock + busy) - us(cy.startClock), args: { clocks: busy } });
        if (stall > 0) ev.push({ name: 'stall', ph: 'X', cat: 'lane', pid: 1, tid: laneTid(j.index, k), ts: us(cy.startClock + busy), dur: us(cy.startClock + busy + stall) - us(cy.startClock + busy), args: { clocks: stall } });
      }
    }
  }
  return {
    traceEvents: ev,
    displayTimeUnit: 'ns',
    otherData: { tool: 'seedwire profile', network: r.resolved.name, device: r.device, junctions: L, detail: note, clockHz: hz },
  };
}
