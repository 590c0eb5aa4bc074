/**
 * Stimulus for the sequencer testbench (bitstreams-src/tb/tb_seq.v) from a golden training trace.
 * Unlike trace.ts, nothing of the schedule is here: the script writes the descriptor, the samples and
 * the labels into the sequencer's store (the layout below, documented in bitstreams-src/rtl/sw_seq.v),
 * issues LOAD_SEEDS and TRAIN, and lists what to expect: the initial weights, every junction's
 * weights after every junction cycle, and the TRAIN's correct count and cycle count.
 */
import { bitsFor } from '../../firmware-spec/lfsr.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';
import { referenceNetwork, referenceTrain } from '../../firmware-spec/reference/index.ts';
import { latencyCycles } from '../../firmware-spec/schedule.ts';
import { Script } from './harness.ts';
import type { TraceFile } from './trace.ts';

/** Words of the sequencer's store (sw_seq.v) for a network and a TRAIN of n samples. */
export interface SeqLayout {
  /** store words, address order: value per address */
  words: Map<number, number>;
  /** first address past everything */
  end: number;
  slotBits: number;
}

export function seqLayout(net: NetworkDescriptor, pixels: number[][], labels: number[]): SeqLayout {
  const L = net.junctions.length;
  const words = new Map<number, number>();
  const put = (a: number, v: number) => words.set(a, v & 0xffff);
  const dfa = net.feedback === 'dfa';
  // an activation slot per sample in flight: lifetime <= latency cycles
  const slotBits = bitsFor(latencyCycles(L, net.feedback));
  const p0 = net.junctions[0].p;
  const sshift = bitsFor(p0);
  let next = 32 + 32 * L;
  const alloc = (size: number) => {
    const a = next;
    next += size;
    return a;
  };
  net.junctions.forEach((j, i) => {
    const base = 32 + 32 * i;
    const ashift = bitsFor(j.n);
    const abase = i < L - 1 ? alloc((1 << slotBits) << ashift) : 0;
    const dbase = alloc(2 << ashift);
    const fbbase = dfa && i < L - 1 ? alloc(j.n) : 0;
    const fields = [j.z, j.p / j.z, j.fo, j.fi, 0, j.initShift, j.activation === 'sigmoid' ? 1 : 0, j.connectivitySeed & 0xffff, j.connectivitySeed >>> 16, j.initSeed & 0xffff, j.initSeed >>> 16, j.p, j.n, abase, ashift, dbase, fbbase];
    fields.forEach((v, k) => put(base + k, v));
  });
  // weight rows: junction after junction
  let rows = 0;
  net.junctions.forEach((j, i) => {
    put(32 + 32 * i + 4, rows);
    rows += (j.n * j.fi) / j.z;
  });
  const sbase = alloc(labels.length << sshift);
  const lbase = alloc(labels.length);
  pixels.forEach((px, x) => px.forEach((b, k) => put(sbase + (x << sshift) + k, b)));
  labels.forEach((l, x) => put(lbase + x, l));
  const g = [L, dfa ? 1 : 0, net.lrShift, net.feedbackShift, net.feedbackSeed & 0xffff, net.feedbackSeed >>> 16, slotBits, sshift, sbase, lbase];
  g.forEach((v, k) => put(k, v));
  return { words, end: next, slotBits };
}

export function seqScript(tr: TraceFile, storeWords: number): { script: Script; storeUsed: number; correct: number } {
  const net = tr.network;
  const L = net.junctions.length;
  const lay = seqLayout(net, tr.samples.pixels, tr.samples.labels);
  if (lay.end > storeWords) throw new Error(`the store layout needs ${lay.end} words, the sequencer has ${storeWords}`);
  // the reference's correct count (the trace file keeps weights only); its weights must be the trace's
  const rn = referenceNetwork(net);
  const res = referenceTrain(rn, tr.samples.pixels.map((p) => Uint8Array.from(p)), tr.samples.labels);
  if (res.cycles !== tr.cycles) throw new Error(`trace has ${tr.cycles} cycles, the reference ${res.cycles}`);
  res.weightsAfterCycle.forEach((c, t) =>
    c.forEach((w, j) => {
      if (w.some((v, k) => v !== tr.weightsAfterCycle[t][j][k])) throw new Error(`the reference disagrees with the trace at cycle ${t}, junction ${j + 1}`);
    }),
  );
  const s = new Script();
  // store: contiguous runs
  const addrs = [...lay.words.keys()].sort((a, b) => a - b);
  for (let i = 0; i < addrs.length; ) {
    let k = i;
    while (k + 1 < addrs.length && addrs[k + 1] === addrs[k] + 1) k++;
    const run = addrs.slice(i, k + 1).map((a) => lay.words.get(a)!);
    s.line(1, addrs[i], run.length, ...run);
    i = k + 1;
  }
  s.line(2, 0, 0);
  s.line(4);
  const expectWeights = (j: number, w: ArrayLike<number>) => {
    s.line(3, j, w.length, ...Array.from(w));
    s.checks += w.length;
  };
  for (let j = 0; j < L; j++) expectWeights(j, tr.initialWeights[j]);
  s.line(2, 1, tr.samples.labels.length);
  for (let t = 0; t < tr.cycles; t++) {
    s.line(5);
    for (let j = 0; j < L; j++) expectWeights(j, tr.weightsAfterCycle[t][j]);
    s.line(6);
  }
  s.line(7, res.correct, tr.cycles);
  s.checks += 2;
  return { script: s, storeUsed: lay.end, correct: res.correct };
}

/**
 * A TRAIN run straight through (hold 0: no pauses, as on the board): fills the store, LOAD_SEEDS,
 * TRAIN of every sample, then expects the correct count, the junction cycles and the clock count
 * `clocks` (the firmware-spec timing model's figure, given by the caller).
 */
export function seqTimingScript(tr: TraceFile, storeWords: number, clocks: number): Script {
  const net = tr.network;
  const lay = seqLayout(net, tr.samples.pixels, tr.samples.labels);
  if (lay.end > storeWords) throw new Error(`the store layout needs ${lay.end} words, the sequencer has ${storeWords}`);
  const rn = referenceNetwork(net);
  const res = referenceTrain(rn, tr.samples.pixels.map((p) => Uint8Array.from(p)), tr.samples.labels);
  const s = new Script();
  const addrs = [...lay.words.keys()].sort((a, b) => a - b);
  for (let i = 0; i < addrs.length; ) {
    let k = i;
    while (k + 1 < addrs.length && addrs[k + 1] === addrs[k] + 1) k++;
    s.line(1, addrs[i], k - i + 1, ...addrs.slice(i, k + 1).map((a) => lay.words.get(a)!));
    i = k + 1;
  }
  s.line(2, 0, 0);
  s.line(4);
  s.line(8, 0);
  s.line(2, 1, tr.samples.labels.length);
  s.line(7, res.correct, res.cycles);
  s.checks += 2;
  s.line(9, clocks);
  s.checks += 1;
  return s;
}
