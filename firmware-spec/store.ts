import { bitsFor } from './lfsr.ts';
import type { NetworkDescriptor } from './network.ts';
import { latencyCycles } from './schedule.ts';

/**
 * Where a device keeps the state of the samples in flight, and how much of it a network needs.
 * This is the layout of the up5k sequencer's store (bitstreams-src/rtl/sw_seq.v), and the measure
 * every profile's `activationWords` is counted in, so a network fits the board exactly when the
 * partitioner says it does.
 *
 * Store words (16 bits each):
 *   0 .. STORE_GLOBAL_WORDS-1               globals (sw_seq.v)
 *   STORE_GLOBAL_WORDS + STORE_JUNCTION_WORDS*j ..   junction j's descriptor (17 words used)
 *   then, per junction j (0-based) in order, for its right layer of n neurons (ashift = ceil(log2 n),
 *   so a neuron's word is a base plus an OR-ed index, no adder or multiplier in the RTL):
 *     activation slots (hidden layers only): 2^slotBits slots of 2^ashift words; a sample's slot is
 *       its index mod 2^slotBits, and slotBits covers the longest lifetime (latency cycles)
 *     deltas: 2 parities of 2^ashift words (made in cycle t, read in t+1)
 *     DFA matrix rows (hidden layers, DFA only): n words {sign bit 15, output column}
 * The input layer has no slots: its activations are the sample bytes in the sample buffer.
 * The output layer has no slots either: its FF outputs become output errors (deltas) at once.
 */
export const STORE_GLOBAL_WORDS = 32;
export const STORE_JUNCTION_WORDS = 32;

export interface StoreJunction {
  /** activation slots of the right layer (0: none) */
  abase: number;
  ashift: number;
  dbase: number;
  /** DFA matrix rows of the right layer (0: none) */
  fbbase: number;
}

export interface StoreLayout {
  slotBits: number;
  junctions: StoreJunction[];
  /** first store word past the layout */
  end: number;
  /** words past the globals: what `activationWords` of a capability is compared with */
  activationWords: number;
}

/** What the layout depends on: the feedback mode and the right layers' sizes. */
export type StoreShape = Pick<NetworkDescriptor, 'feedback'> & { junctions: ReadonlyArray<{ n: number }> };

export function storeLayout(net: StoreShape): StoreLayout {
  const L = net.junctions.length;
  const dfa = net.feedback === 'dfa';
  const slotBits = bitsFor(latencyCycles(L, net.feedback));
  let next = STORE_GLOBAL_WORDS + STORE_JUNCTION_WORDS * L;
  const alloc = (size: number) => {
    const a = next;
    next += size;
    return a;
  };
  const junctions = net.junctions.map((j, i) => {
    const ashift = bitsFor(j.n);
    const hidden = i < L - 1;
    const abase = hidden ? alloc((1 << slotBits) << ashift) : 0;
    const dbase = alloc(2 << ashift);
    const fbbase = dfa && hidden ? alloc(j.n) : 0;
    return { abase, ashift, dbase, fbbase };
  });
  return { slotBits, junctions, end: next, activationWords: next - STORE_GLOBAL_WORDS };
}

/**
 * The largest layer past the input (a hidden or output layer) any network can have on a device whose
 * store has `activationWords` words past the globals. The smallest layout with a layer of n neurons
 * past the input is one junction ending in it: one descriptor and its deltas (no slots, no DFA rows);
 * a layer of n anywhere else takes those words and more. Layouts grow with n, so the bound is the
 * last n that fits. Device memories that only ever hold such a layer are sized by it (the up5k
 * engine's delta and BP-sum banks, gen/verilog.ts).
 */
export function largestLayerPastInput(activationWords: number): number {
  const fits = (n: number) => storeLayout({ feedback: 'backprop', junctions: [{ n }] }).activationWords <= activationWords;
  if (!fits(1)) return 0;
  // the last n that fits lies in [lo, hi): double hi past it, then halve the interval
  let lo = 1;
  let hi = 2;
  while (fits(hi)) [lo, hi] = [hi, 2 * hi];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Bytes a buffered sample takes in a device's sample buffer: its input bytes and its label byte. */
export function sampleRecordBytes(inputs: number): number {
  return inputs + 1;
}

/** Samples of `inputs` bytes the sample buffer holds at once. */
export function samplesInBuffer(sampleBufferBytes: number, inputs: number): number {
  return Math.floor(sampleBufferBytes / sampleRecordBytes(inputs));
}

/**
 * The largest TRAIN chunk a device takes: two chunks are in its sample buffer at once (the host
 * streams chunk k+1 while the device trains chunk k).
 */
export function maxChunk(sampleBufferBytes: number, inputs: number): number {
  return Math.floor(samplesInBuffer(sampleBufferBytes, inputs) / 2);
}
