/**
 * Stimulus for the sequencer testbench (bitstreams-src/tb/tb_seq.v) from a golden training trace.
 * Unlike trace.ts, nothing of the schedule is here: the script writes the descriptor into the
 * sequencer's store (firmware-spec/store.ts, documented in bitstreams-src/rtl/sw_seq.v) and the
 * samples with their labels into its sample ring,
 * issues LOAD_SEEDS and TRAIN, and lists what to expect: the initial weights, every junction's
 * weights after every junction cycle, and the TRAIN's correct count and cycle count.
 */
import { bitsFor } from '../../firmware-spec/lfsr.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';
import { referenceNetwork, referenceTrain } from '../../firmware-spec/reference/index.ts';
import { UP5K_RING_BYTES_PER_WORD, UP5K_RING_WORDS } from '../../firmware-spec/capability.ts';
import { sampleRecordBytes, STORE_GLOBAL_WORDS, STORE_JUNCTION_WORDS, storeLayout } from '../../firmware-spec/store.ts';
import { Script } from './harness.ts';
import type { TraceFile } from './trace.ts';

/** Words the sequencer's store port (sw_seq.v) is written with for a network and a TRAIN of n samples. */
export interface SeqLayout {
  /** port address -> word: store words below ringFlag, sample ring words at ringFlag + w */
  words: Map<number, number>;
  /** first store address past the layout */
  end: number;
  slotBits: number;
}

/** The global holding the ring's head (sw_seq.v). */
const STORE_GLOBAL_HEAD = 8;

/** The store port's top address bit (sw_seq.v PB = 1 + max(SAB, ring word bits)): set for the ring. */
export function ringFlag(storeWords: number): number {
  return 2 ** Math.max(bitsFor(storeWords), bitsFor(UP5K_RING_WORDS));
}

/**
 * The store as firmware-spec lays it out (store.ts), and the samples as records (label, input bytes)
 * in the ring from byte `head` on, wrapping at the ring's end.
 */
export function seqLayout(net: NetworkDescriptor, pixels: number[][], labels: number[], storeWords: number, head = 0): SeqLayout {
  const L = net.junctions.length;
  const words = new Map<number, number>();
  const put = (a: number, v: number) => words.set(a, v & 0xffff);
  const dfa = net.feedback === 'dfa';
  const lay = storeLayout(net);
  net.junctions.forEach((j, i) => {
    const base = STORE_GLOBAL_WORDS + STORE_JUNCTION_WORDS * i;
    const { abase, ashift, dbase, fbbase } = lay.junctions[i];
    const fields = [j.z, j.p / j.z, j.fo, j.fi, 0, j.initShift, j.activation === 'sigmoid' ? 1 : 0, j.connectivitySeed & 0xffff, j.connectivitySeed >>> 16, j.initSeed & 0xffff, j.initSeed >>> 16, j.p, j.n, abase, ashift, dbase, fbbase];
    fields.forEach((v, k) => put(base + k, v));
  });
  // weight rows: junction after junction
  let rows = 0;
  net.junctions.forEach((j, i) => {
    put(STORE_GLOBAL_WORDS + STORE_JUNCTION_WORDS * i + 4, rows);
    rows += (j.n * j.fi) / j.z;
  });
  // sample records in the ring, bytes packed two to a word (little-endian)
  const ringBytes = UP5K_RING_WORDS * UP5K_RING_BYTES_PER_WORD;
  const rec = sampleRecordBytes(net.junctions[0].p);
  if (labels.length * rec > ringBytes) throw new Error(`${labels.length} samples need ${labels.length * rec} ring bytes, the ring has ${ringBytes}`);
  const bytes = new Map<number, number>();
  labels.forEach((l, x) => {
    const at = head + x * rec;
    bytes.set(at % ringBytes, l);
    pixels[x].forEach((v, k) => bytes.set((at + 1 + k) % ringBytes, v));
  });
  const flag = ringFlag(storeWords);
  for (const b of bytes.keys()) {
    const w = b >> 1;
    put(flag + w, (bytes.get(2 * w) ?? 0) | ((bytes.get(2 * w + 1) ?? 0) << 8));
  }
  const g = [L, dfa ? 1 : 0, net.lrShift, net.feedbackShift, net.feedbackSeed & 0xffff, net.feedbackSeed >>> 16, lay.slotBits, rec, head];
  g.forEach((v, k) => put(k, v));
  return { words, end: lay.end, slotBits: lay.slotBits };
}

/** A ring position whose records wrap around the ring's end, so every test crosses it. */
export function wrappingHead(net: NetworkDescriptor, n: number): number {
  const ringBytes = UP5K_RING_WORDS * UP5K_RING_BYTES_PER_WORD;
  return ringBytes - Math.floor((n * sampleRecordBytes(net.junctions[0].p)) / 2) - 1;
}

export function seqScript(tr: TraceFile, storeWords: number): { script: Script; storeUsed: number; correct: number } {
  const net = tr.network;
  const L = net.junctions.length;
  const lay = seqLayout(net, tr.samples.pixels, tr.samples.labels, storeWords, wrappingHead(net, tr.samples.labels.length));
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
  const lay = seqLayout(net, tr.samples.pixels, tr.samples.labels, storeWords, wrappingHead(net, tr.samples.labels.length));
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

/** What a TRAIN run straight through must end with: the device's figures (e.g. the emulator's). */
export interface SeqExpect {
  correct: number;
  cycles: number;
  clocks: number;
  /** every junction's weights after the TRAIN, canonical order */
  weights: ArrayLike<number>[];
  /** then an INFER of the same samples (the ring's head set back): its figures and argmaxes */
  infer?: { correct: number; cycles: number; clocks: number; predictions: ArrayLike<number> };
}

/**
 * A network of any size the store takes (e.g. MNIST on the up5k build): fills the store and the
 * ring, LOAD_SEEDS, a TRAIN of every sample run straight through (hold 0), then expects the correct
 * count, the junction cycles, the clocks and every weight.
 */
export function seqRunScript(net: NetworkDescriptor, pixels: number[][], labels: number[], storeWords: number, want: SeqExpect): Script {
  const head = wrappingHead(net, labels.length);
  const lay = seqLayout(net, pixels, labels, storeWords, head);
  if (lay.end > storeWords) throw new Error(`the store layout needs ${lay.end} words, the sequencer has ${storeWords}`);
  const s = new Script();
  const addrs = [...lay.words.keys()].sort((a, b) => a - b);
  for (let i = 0; i < addrs.length; ) {
    let k = i;
    while (k + 1 < addrs.length && addrs[k + 1] === addrs[k] + 1 && k - i < 255) k++;
    s.line(1, addrs[i], k - i + 1, ...addrs.slice(i, k + 1).map((a) => lay.words.get(a)!));
    i = k + 1;
  }
  s.line(2, 0, 0);
  s.line(4);
  s.line(8, 0);
  s.line(2, 1, labels.length);
  s.line(7, want.correct, want.cycles);
  s.checks += 2;
  s.line(9, want.clocks);
  s.checks += 1;
  want.weights.forEach((w, j) => {
    s.line(3, j, w.length, ...Array.from(w));
    s.checks += w.length;
  });
  if (want.infer) {
    const inf = want.infer;
    s.line(1, STORE_GLOBAL_HEAD, 1, head);
    s.line(2, 3, labels.length);
    s.line(7, inf.correct, inf.cycles);
    s.line(9, inf.clocks);
    s.line(10, inf.predictions.length, ...Array.from(inf.predictions));
    s.checks += 4 + inf.predictions.length;
  }
  return s;
}
