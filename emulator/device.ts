import { outputError } from '../firmware-spec/activation.ts';
import { type Capability, capabilityFor, type ProfileName } from '../firmware-spec/capability.ts';
import { generateConnectivity } from '../firmware-spec/connectivity.ts';
import { addPhase, type DeviceCounters, emptyCounters, phaseCost, type PhaseCounters } from '../firmware-spec/counters.ts';
import { DeviceError } from '../firmware-spec/errors.ts';
import { checkFormats, formatMax, formatMin, INPUT_FORMAT } from '../firmware-spec/formats.ts';
import { Lfsr, LFSR_WIDTH_MAIN } from '../firmware-spec/lfsr.ts';
import { checkUpdate } from '../firmware-spec/essop.ts';
import { EssopUpdater } from './essop.ts';
import { dfaFeedback, initialWeights, type NetworkDescriptor } from '../firmware-spec/network.ts';
import { latencyCycles, type Phase, PHASES } from '../firmware-spec/schedule.ts';
import { specHash } from '../firmware-spec/hash.ts';
import { sampleRecordBytes, storeLayout } from '../firmware-spec/store.ts';
import { cycleClocks as cycleClocksOf, SHARED_ENGINE_TRAIN_CLOCKS, sharedEnginePassClocks, startVectorDrawClocks } from '../firmware-spec/timing.ts';
import { JunctionDatapath, type JunctionKernels } from './junction.ts';
import { createJunctionKernels, kernelChoice, type KernelChoice } from './kernels/select.ts';
import { type LaneSchedule, naiveSchedule } from './lanes.ts';
import { installMask, newSparseState, runBalance, runMaskStep, type SparseJunction, type SparseState } from './balance/index.ts';
import type { MaskStep, MaskStepResult } from '../firmware-spec/masks.ts';
import type { BalanceReport, DeviceStatus, InferResult, SeedSet, TrainResult } from '../firmware-spec/device-client.ts';

/** Per-sample state in flight: activations of every layer and deltas of layers 1..L. */
interface SampleContext {
  act: Int32Array[];
  delta: Int32Array[];
  label: number;
}

interface Junction {
  data: JunctionKernels;
  /** which kernels run it ('ts': the plain model, 'wasm': SIMD), and why not wasm */
  kernels: { name: 'ts' | 'wasm'; why?: string };
  leftOfWeight: Int32Array;
  schedule: LaneSchedule;
  /** mask, weight placement and last balance (emulator/balance) */
  sparse: SparseState;
}

let bootCounter = 0;

/**
 * The device model: the executable form of firmware-spec. Commands mirror the protocol's opcodes;
 * the protocol endpoint (emulator/endpoint) decodes frames into these calls.
 */
export class EmulatedDevice {
  readonly capability: Capability;
  readonly bootCount: number;
  private net?: NetworkDescriptor;
  private junctions: Junction[] = [];
  private layers: number[] = [];
  private pixels: Uint8Array[] = [];
  private labels: number[] = [];
  private bufferHead = 0;
  private bufferedBytes = 0;
  private roundingLfsr?: Lfsr;
  private feedback: Array<{ col: Int32Array; sign: Int8Array }> = [];
  private counters: DeviceCounters = emptyCounters([]);
  private scratch = new Float64Array(0);
  private contextPool: SampleContext[] = [];
  private roundBias = new Float64Array(0);
  /** the ESSOP update unit, when the network's update mode is 'essop' (emulator/essop.ts) */
  private essop?: EssopUpdater;
  /** shared-engine timing: each junction's start-vector draw clocks (from its connectivity seed) */
  private svClocks: number[] = [];

  /** which junction kernels to use (emulator/kernels/select.ts); timing and results never depend on it */
  private readonly kernelChoice: KernelChoice;

  constructor(profile: ProfileName = 'emu', opts: { kernels?: KernelChoice } = {}) {
    this.capability = capabilityFor(profile, specHash());
    this.bootCount = ++bootCounter;
    this.kernelChoice = kernelChoice(opts.kernels);
  }

  /** Which kernels run each junction (after LOAD_SEEDS), with the reason when it is the plain model. */
  kernels(): Array<{ name: 'ts' | 'wasm'; why?: string }> {
    return this.junctions.map((j) => ({ ...j.kernels }));
  }

  identify(): { capability: Capability; bootCount: number } {
    return { capability: this.capability, bootCount: this.bootCount };
  }

  /**
   * RESET: back to the boot state (SPEC.md section 9.6): no network, no seeds, no samples, empty
   * counters, no stochastic-rounding LFSR (STATUS roundingState 0). Only bootCount, which counts
   * power-ups, not resets, is kept.
   */
  reset(): void {
    this.net = undefined;
    this.essop = undefined;
    this.junctions = [];
    this.layers = [];
    this.feedback = [];
    this.roundingLfsr = undefined;
    this.contextPool = [];
    this.dropSamples();
    this.counters = emptyCounters([]);
  }

  /** CONFIGURE: take the network's shape, formats and schedule mode. Seeds come with loadSeeds. */
  configure(net: NetworkDescriptor): void {
    const cap = this.capability;
    const problems: string[] = checkFormats(net.formats).map(([p, m]) => `formats.${p}: ${m}`);
    if (!cap.formatsConfigurable && JSON.stringify(net.formats) !== JSON.stringify(cap.formats)) {
      problems.push(`formats: this device is built for ${JSON.stringify(cap.formats)}`);
    }
    if (net.junctions.length < 1 || net.junctions.length > cap.maxJunctions) problems.push(`junctions: 1..${cap.maxJunctions} supported, got ${net.junctions.length}`);
    let lanes = 0;
    let words = 0;
    net.junctions.forEach((j, i) => {
      if (i > 0 && j.p !== net.junctions[i - 1].n) problems.push(`junctions.${i}.p: ${j.p} differs from the previous junction's n ${net.junctions[i - 1].n}`);
      if (j.z > cap.maxLanesPerJunction) problems.push(`junctions.${i}.z: ${j.z} lanes, device has ${cap.maxLanesPerJunction} per junction`);
      if (j.n * j.fi !== j.p * j.fo && j.connectivity !== 'lfsr') problems.push(`junctions.${i}: p*fo != n*fi`);
      lanes += j.z;
      words += j.n * j.fi;
    });
    if (lanes > cap.maxLanes) problems.push(`junctions: ${lanes} lanes in all, device has ${cap.maxLanes}`);
    if (words > cap.weightWords) throw new DeviceError('does_not_fit', `network has ${words} weights, device memory holds ${cap.weightWords} (${words - cap.weightWords} too many)`);
    const act = storeLayout(net).activationWords;
    if (act > cap.activationWords) throw new DeviceError('does_not_fit', `activations and deltas of the samples in flight need ${act} words, device memory holds ${cap.activationWords} (${act - cap.activationWords} too many)`);
    if (net.feedback === 'dfa' && !cap.features.dfa) problems.push('feedback: this device has no DFA');
    if (net.rounding === 'stochastic' && !cap.features.stochasticRounding) problems.push('rounding: this device has no stochastic rounding');
    problems.push(...checkUpdate(net.update, net.rounding).map(([p, m]) => `${p}: ${m}`));
    if (net.update?.mode === 'essop' && !cap.features.essop) problems.push(`update: this device (${cap.profile}) has no ESSOP update`);
    if (problems.length) throw new DeviceError('bad_descriptor', problems.join('; '));
    this.net = structuredClone(net);
    // a new network has no seeds yet (connectivity, weights, DFA matrix and rounding LFSR come with
    // LOAD_SEEDS) and no samples (their size is the new input layer's)
    this.junctions = [];
    this.feedback = [];
    this.roundingLfsr = undefined;
    this.dropSamples();
    this.layers = [net.junctions[0].p, ...net.junctions.map((j) => j.n)];
    this.contextPool = [];
    this.counters = emptyCounters(net.junctions.map((j) => j.z));
    this.scratch = new Float64Array(Math.max(...this.layers));
    this.roundBias = new Float64Array(Math.max(...this.layers));
    this.essop = net.update?.mode === 'essop' ? new EssopUpdater(net.update.streamLength, net.formats, Math.max(...this.layers)) : undefined;
  }

  /** LOAD_SEEDS: generate connectivity and initial weights on the device, from seeds only. */
  loadSeeds(seeds: SeedSet): void {
    const net = this.requireNet();
    const L = net.junctions.length;
    if (seeds.connectivity.length !== L || seeds.init.length !== L) throw new DeviceError('bad_payload', `need ${L} connectivity and init seeds`);
    const all = [...seeds.connectivity, ...seeds.init, seeds.feedback, seeds.rounding];
    if (all.some((s) => !Number.isInteger(s) || (s >>> 0) === 0 || s < 0 || s > 0xffffffff)) throw new DeviceError('bad_payload', 'seeds must be nonzero 32-bit integers');
    this.junctions = net.junctions.map((j, i) => {
      j.connectivitySeed = seeds.connectivity[i];
      j.initSeed = seeds.init[i];
      let leftOfWeight: Int32Array;
      try {
        leftOfWeight = generateConnectivity(j, { kind: j.connectivity, startVectorMode: j.startVectorMode, seed: j.connectivitySeed, startVectors: j.startVectors }, this.counters);
      } catch (e) {
        throw new DeviceError('bad_descriptor', `junction ${i}: ${(e as Error).message}`);
      }
      const fi = j.fi;
      const { kernels: data, name, why } = createJunctionKernels(this.kernelChoice, net, i, leftOfWeight, (k) => Math.floor(k / fi), j.activation);
      const w0 = initialWeights(leftOfWeight.length, net.formats.weight.bits, j.initShift, j.initSeed);
      data.writeCanonical(0, w0);
      // the init LFSR takes `bits` steps per initial weight
      this.counters.lfsrSteps += leftOfWeight.length * net.formats.weight.bits;
      return { data, kernels: { name, why }, leftOfWeight, schedule: naiveSchedule(leftOfWeight, j.fi, j.z), sparse: newSparseState(leftOfWeight.length, j.z) };
    });
    net.feedbackSeed = seeds.feedback;
    net.roundingSeed = seeds.rounding;
    this.feedback = net.feedback === 'dfa' ? dfaFeedback(this.layers.slice(1, -1), this.layers[L], seeds.feedback, this.counters) : [];
    this.roundingLfsr = new Lfsr(LFSR_WIDTH_MAIN, seeds.rounding);
    this.svClocks = net.junctions.map((j) => startVectorDrawClocks(j.p, j.z, j.connectivitySeed));
  }

  /** The pattern the device generated for junction j (0-based), canonical order. */
  connectivity(j: number): Int32Array {
    return this.requireJunction(j).leftOfWeight;
  }

  /** Replace junction j's lane schedule (the load balancer's output); timing only. */
  setSchedule(j: number, schedule: LaneSchedule): void {
    this.requireJunction(j).schedule = schedule;
  }

  /**
   * MASK_STEP: magnitude pruning or DropBack selection on the device (firmware-spec/masks.ts),
   * from the weights it holds; w0 is regenerated from the init seeds. Lane schedules fall back to
   * the naive pass over the new live edges until the next BALANCE.
   */
  maskStep(step: MaskStep): MaskStepResult {
    const net = this.requireNet();
    this.requireJunction(0);
    const { result, lanes, lfsrSteps } = runMaskStep(this.sparseJunctions(), step, net.formats.weight.bits);
    this.counters.lfsrSteps += lfsrSteps;
    this.counters.balancerClocks += result.clocks;
    step.junctions.forEach((j, i) => (this.junctions[j].schedule = lanes[i]));
    return result;
  }

  /** BALANCE: the on-device load balancer schedules every junction's live edges (timing only). */
  balance(policy: string): BalanceReport {
    this.requireJunction(0);
    if (policy !== 'none' && !this.capability.features.loadBalancer) throw new DeviceError('bad_opcode', `this device (${this.capability.profile}) has no load balancer; only policy 'none'`);
    const { report, lanes } = runBalance(this.sparseJunctions(), policy);
    lanes.forEach((l, j) => (this.junctions[j].schedule = l));
    this.counters.balancerClocks += report.balancerClocks;
    return report;
  }

  /** READ_MASK: junction j's mask over canonical edges [offset, offset + count) (1: tracked); all ones before any mask step. */
  mask(j: number, offset = 0, count?: number): Uint8Array {
    const jn = this.requireJunction(j);
    const n = count ?? jn.data.edges - offset;
    if (!Number.isInteger(offset) || !Number.isInteger(n) || offset < 0 || n < 0 || offset + n > jn.data.edges) {
      throw new DeviceError('out_of_range', `junction ${j} has ${jn.data.edges} edges; mask read [${offset}, ${offset + n}) is out of range`);
    }
    return jn.sparse.mask ? jn.sparse.mask.slice(offset, offset + n) : new Uint8Array(n).fill(1);
  }

  /**
   * WRITE_MASK: set junction j's mask over canonical edges [offset, offset + bits.length) (0/1 per
   * edge; the rest of the mask is kept, all ones before any mask step). The device is left as
   * MASK_STEP leaves it with that mask over the weights it holds (emulator/balance installMask):
   * update mask, live edges, canonical placement, the naive schedule until the next BALANCE.
   * Weights are not changed, so write them first (an untracked edge is live while its weight is nonzero).
   */
  writeMask(j: number, offset: number, bits: Uint8Array): void {
    const jn = this.requireJunction(j);
    const W = jn.data.edges;
    if (!Number.isInteger(offset) || offset < 0 || offset + bits.length > W) throw new DeviceError('out_of_range', `junction ${j} has ${W} edges; mask write [${offset}, ${offset + bits.length}) is out of range`);
    for (let i = 0; i < bits.length; i++) if (bits[i] !== 0 && bits[i] !== 1) throw new DeviceError('bad_payload', `mask bit ${bits[i]} at edge ${offset + i} is not 0 or 1`);
    const mask = jn.sparse.mask ? Uint8Array.from(jn.sparse.mask) : new Uint8Array(W).fill(1);
    mask.set(bits, offset);
    jn.schedule = installMask(this.sparseJunctions()[j], mask).lanes;
  }

  /** Junction j's mask unit and balancer state (tests, profiler). */
  sparseState(j: number): Readonly<SparseState> {
    return this.requireJunction(j).sparse;
  }

  private sparseJunctions(): SparseJunction[] {
    const net = this.requireNet();
    return this.junctions.map((jn, i) => {
      const d = net.junctions[i];
      return { data: jn.data, leftOfWeight: jn.leftOfWeight, fi: d.fi, z: d.z, initShift: d.initShift, initSeed: d.initSeed, sparse: jn.sparse };
    });
  }

  schedule(j: number): LaneSchedule {
    return this.requireJunction(j).schedule;
  }

  weightCount(j: number): number {
    return this.requireJunction(j).data.edges;
  }

  writeWeights(j: number, offset: number, words: Int32Array): void {
    const jn = this.requireJunction(j);
    const bits = this.net!.formats.weight.bits;
    if (offset < 0 || offset + words.length > jn.data.edges) throw new DeviceError('out_of_range', `junction ${j} has ${jn.data.edges} weights; write [${offset}, ${offset + words.length}) is out of range`);
    for (const v of words) if (v < -(2 ** (bits - 1)) || v >= 2 ** (bits - 1)) throw new DeviceError('out_of_range', `weight ${v} does not fit ${bits} bits`);
    jn.data.writeCanonical(offset, words);
  }

  readWeights(j: number, offset = 0, count?: number): Int32Array {
    const jn = this.requireJunction(j);
    const n = count ?? jn.data.edges - offset;
    if (offset < 0 || n < 0 || offset + n > jn.data.edges) throw new DeviceError('out_of_range', `junction ${j} has ${jn.data.edges} weights; read [${offset}, ${offset + n}) is out of range`);
    return jn.data.readCanonical().subarray(offset, offset + n);
  }

  /** STREAM_SAMPLES, already decoded to u8 pixels: appended to the sample buffer. */
  streamSamples(pixels: Uint8Array, labels: Uint8Array): void {
    const net = this.requireNet();
    const size = net.junctions[0].p;
    if (pixels.length !== labels.length * size) throw new DeviceError('bad_payload', `${labels.length} labels need ${labels.length * size} pixels, got ${pixels.length}`);
    const outputs = this.layers[this.layers.length - 1];
    for (const y of labels) if (y >= outputs) throw new DeviceError('bad_payload', `label ${y} out of range for ${outputs} outputs`);
    // a buffered sample takes its input bytes and its label byte (store.ts sampleRecordBytes)
    const bytes = labels.length * sampleRecordBytes(size);
    if (this.bufferedBytes + bytes > this.capability.sampleBufferBytes) {
      throw new DeviceError('sample_overflow', `sample buffer holds ${this.capability.sampleBufferBytes} bytes; ${this.bufferedBytes} used, ${bytes} more sent (${sampleRecordBytes(size)} per sample with its label)`);
    }
    // one copy of the block (the caller may reuse its buffer), one view per sample; a plain
    // Uint8Array even from a Buffer (whose slice would be a view, not a copy)
    const block = new Uint8Array(pixels);
    for (let i = 0; i < labels.length; i++) {
      this.pixels.push(block.subarray(i * size, (i + 1) * size));
      this.labels.push(labels[i]);
    }
    this.bufferedBytes += bytes;
  }

  status(): DeviceStatus {
    return {
      configured: !!this.net,
      seeded: this.junctions.length > 0,
      bufferedSamples: this.labels.length - this.bufferHead,
      bufferedBytes: this.bufferedBytes,
      roundingState: this.roundingLfsr?.state ?? 0,
      bootCount: this.bootCount,
    };
  }

  readCounters(): DeviceCounters {
    return structuredClone(this.counters);
  }

  clearCounters(): void {
    if (this.net) this.counters = emptyCounters(this.net.junctions.map((j) => j.z));
  }

  /**
   * TRAIN: the next n buffered samples through the pipelined schedule, filled and drained.
   * `onCycle`, when given, is called after each junction cycle t (0-based) has written its updates,
   * so a test can read every weight after every cycle.
   */
  train(n: number, onCycle?: (t: number) => void): TrainResult {
    const net = this.requireNet();
    this.requireJunction(0);
    const L = net.junctions.length;
    const take = this.takeSamples(n);
    const lat = latencyCycles(L, net.feedback);
    const ctx = this.contexts(Math.min(lat, n));
    const nctx = ctx.length;
    const dfa = net.feedback === 'dfa';
    let correct = 0;
    const cycles = n === 0 ? 0 : n + lat - 1;
    const clocksBefore = this.counters.clocks;
    const active: Array<Set<Phase>> = net.junctions.map(() => new Set<Phase>());
    // counters are sums, so each distinct pattern of active phases is counted once, times its cycles
    const tally = new CycleTally();
    for (let t = 0; t < cycles; t++) {
      for (const a of active) a.clear();
      // FF: junction j (1-based) serves the sample that entered j-1 cycles ago
      for (let j = 1; j <= L; j++) {
        const s = t - (j - 1);
        if (s < 0 || s >= n) continue;
        const c = ctx[s % nctx];
        if (j === 1) this.loadInput(take, s, c);
        this.junctions[j - 1].data.forward(c.act[j - 1], c.act[j], this.scratch);
        active[j - 1].add('FF');
        if (j === L && this.formOutputError(c)) correct++;
      }
      // BP and UP: junction j serves the sample that entered 2L-j cycles ago (DFA: L cycles ago)
      for (let j = L; j >= 1; j--) {
        const s = dfa ? t - L : t - (2 * L - j);
        if (s < 0 || s >= n) continue;
        const c = ctx[s % nctx];
        const jn = this.junctions[j - 1].data;
        if (!dfa && j > 1) {
          jn.backward(c.delta[j], c.act[j - 1], c.delta[j - 1]);
          active[j - 1].add('BP');
        }
        if (this.essop) this.counters.lfsrSteps += this.essop.update(plainKernels(jn), c.delta[j], c.act[j - 1], net.lrShift, this.roundingLfsr!);
        else jn.update(c.delta[j], c.act[j - 1], net.lrShift, this.drawRoundBias(j));
        active[j - 1].add('UP');
      }
      tally.note(active);
      onCycle?.(t);
    }
    for (const { pattern, cycles: times } of tally.patterns()) this.countCycle(pattern, times);
    this.countCommandEnd();
    this.counters.samplesTrained += n;
    return { samples: n, correct, junctionCycles: cycles, clocks: this.counters.clocks - clocksBefore };
  }

  /** INFER: the next n buffered samples, FF only; returns the argmax of each output. */
  infer(n: number): InferResult {
    const net = this.requireNet();
    this.requireJunction(0);
    const L = net.junctions.length;
    const take = this.takeSamples(n);
    const c = this.contexts(1)[0];
    const predictions = new Uint8Array(n);
    let correct = 0;
    for (let s = 0; s < n; s++) {
      this.loadInput(take, s, c);
      for (let j = 1; j <= L; j++) this.junctions[j - 1].data.forward(c.act[j - 1], c.act[j], this.scratch);
      predictions[s] = argmax(c.act[L]);
      if (predictions[s] === c.label) correct++;
    }
    const cycles = n === 0 ? 0 : n + L - 1;
    const clocksBefore = this.counters.clocks;
    // the same pipelined timing as TRAIN's FF phase: junction j busy in cycles j-1 .. j-1+n-1
    const active: Array<Set<Phase>> = net.junctions.map(() => new Set<Phase>());
    for (let t = 0; t < cycles; t++) {
      for (let j = 1; j <= L; j++) {
        active[j - 1].clear();
        const s = t - (j - 1);
        if (s >= 0 && s < n) active[j - 1].add('FF');
      }
      this.countCycle(active);
    }
    this.countCommandEnd();
    this.counters.samplesInferred += n;
    return { samples: n, correct, predictions, junctionCycles: cycles, clocks: this.counters.clocks - clocksBefore };
  }

  // ---- internals -------------------------------------------------------------------------

  private requireNet(): NetworkDescriptor {
    if (!this.net) throw new DeviceError('not_configured', 'the device has no network: CONFIGURE first');
    return this.net;
  }

  private requireJunction(j: number): Junction {
    this.requireNet();
    if (this.junctions.length === 0) throw new DeviceError('no_seeds', 'the device has no seeds: LOAD_SEEDS first');
    const jn = this.junctions[j];
    if (!jn) throw new DeviceError('out_of_range', `junction ${j} does not exist (have ${this.junctions.length})`);
    return jn;
  }

  private dropSamples(): void {
    this.pixels = [];
    this.labels = [];
    this.bufferHead = 0;
    this.bufferedBytes = 0;
  }

  private takeSamples(n: number): { pixels: Uint8Array[]; labels: number[] } {
    const have = this.labels.length - this.bufferHead;
    if (!Number.isInteger(n) || n < 0) throw new DeviceError('bad_payload', `sample count must be a non-negative integer, got ${n}`);
    if (n > have) throw new DeviceError('sample_underflow', `asked for ${n} samples, ${have} buffered`);
    const from = this.bufferHead;
    this.bufferHead += n;
    const out = { pixels: this.pixels.slice(from, from + n), labels: this.labels.slice(from, from + n) };
    for (const p of out.pixels) this.bufferedBytes -= sampleRecordBytes(p.length);
    if (this.bufferHead === this.labels.length) this.dropSamples();
    return out;
  }

  /**
   * Per-sample contexts, kept across commands (every field is written for a sample before it is
   * read), so a TRAIN allocates no typed arrays; CONFIGURE drops them with the layer sizes.
   */
  private contexts(count: number): SampleContext[] {
    const want = Math.max(1, count);
    while (this.contextPool.length < want) {
      this.contextPool.push({ act: this.layers.map((size) => new Int32Array(size)), delta: this.layers.map((size) => new Int32Array(size)), label: 0 });
    }
    return this.contextPool.slice(0, want);
  }

  /** Input bytes to activations: value byte/256 in activation format (a left shift, exact). */
  private loadInput(take: { pixels: Uint8Array[]; labels: number[] }, s: number, c: SampleContext): void {
    const px = take.pixels[s];
    // activation.frac >= INPUT_FORMAT.frac (checkFormats), so this is a left shift of a byte: exact
    const shift = this.net!.formats.activation.frac - INPUT_FORMAT.frac;
    const a0 = c.act[0];
    for (let i = 0; i < px.length; i++) a0[i] = px[i] << shift;
    c.label = take.labels[s];
  }

  /** Output error a - y into delta[L]; under DFA also the hidden deltas. Returns FF correctness. */
  private formOutputError(c: SampleContext): boolean {
    const net = this.net!;
    const L = net.junctions.length;
    const out = c.act[L];
    const d = c.delta[L];
    for (let r = 0; r < out.length; r++) d[r] = outputError(out[r], r === c.label, net.formats.activation, net.formats.delta);
    if (net.feedback === 'dfa') {
      const aHi = 2 ** (net.formats.activation.bits - 1) - 1;
      const half = net.feedbackShift > 0 ? 2 ** (net.feedbackShift - 1) : 0;
      const inv = 2 ** -net.feedbackShift;
      const dHi = formatMax(net.formats.delta);
      const dLo = formatMin(net.formats.delta);
      for (let i = 1; i < L; i++) {
        const fb = this.feedback[i - 1];
        const a = c.act[i];
        const dh = c.delta[i];
        for (let h = 0; h < a.length; h++) {
          // saturate: negating the most negative delta would overflow by one
          const x = a[h] > 0 && a[h] < aHi ? Math.floor((fb.sign[h] * d[fb.col[h]] + half) * inv) : 0;
          dh[h] = x > dHi ? dHi : x < dLo ? dLo : x;
        }
      }
    }
    return argmax(out) === c.label;
  }

  /** Stochastic rounding: one random number of `shift` bits per right neuron of junction j. */
  private drawRoundBias(j: number): Float64Array | undefined {
    const net = this.net!;
    if (net.rounding !== 'stochastic') return undefined;
    const f = net.formats;
    const shift = f.delta.frac + f.activation.frac - f.weight.frac + net.lrShift;
    const n = net.junctions[j - 1].n;
    const lfsr = this.roundingLfsr!;
    // b random bits at the top of the dropped bits, so the dither spans them all when shift > 32
    const b = Math.max(0, Math.min(shift, 32));
    const scale = 2 ** (shift - b);
    for (let r = 0; r < n; r++) this.roundBias[r] = shift > 0 ? lfsr.draw(b) * scale : 0;
    this.counters.lfsrSteps += n * b;
    return this.roundBias;
  }

  /** The sequencer's clocks at the end of a TRAIN or INFER (shared-engine timing only; timing.ts). */
  private countCommandEnd(): void {
    if (this.capability.timing === 'shared-engine') this.counters.clocks += SHARED_ENGINE_TRAIN_CLOCKS;
  }

  /**
   * Add one junction cycle's counters: each junction's phases, and the cycle's length. The length
   * follows the profile's timing model (timing.ts): 'parallel', the slowest junction's schedule;
   * 'shared-engine', the sum of the junctions' passes on the one engine, as the RTL sequencer runs them.
   */
  private countCycle(active: Array<Set<Phase>>, times = 1): void {
    const shared = this.capability.timing === 'shared-engine';
    let cycleClocks = 0;
    if (!active.some((a) => a.size)) return;
    if (shared) cycleClocks = cycleClocksOf('shared-engine', this.net!, active, this.svClocks);
    else for (let j = 0; j < active.length; j++) if (active[j].size) cycleClocks = Math.max(cycleClocks, this.junctions[j].schedule.clocks);
    if (cycleClocks === 0) return;
    this.counters.clocks += cycleClocks * times;
    this.counters.junctionCycles += times;
    for (let j = 0; j < active.length; j++) {
      const jc = this.counters.junctions[j];
      const jn = this.junctions[j];
      const sched = jn.schedule;
      const desc = this.net!.junctions[j];
      if (active[j].size === 0) {
        jc.idleClocks += cycleClocks * times;
        for (let k = 0; k < sched.z; k++) jc.lanes.idle[k] += cycleClocks * times;
        continue;
      }
      // shared engine: a phase's clocks are its part of the junction's passes; the junction idles the rest
      const pass = shared ? sharedEnginePassClocks(this.net!, j, active[j], this.svClocks[j]) : undefined;
      for (const ph of PHASES) {
        if (!active[j].has(ph)) continue;
        addPhase(jc[ph], scalePhase(phaseCost(ph, active[j], { edges: jn.sparse.liveEdges ?? jn.data.edges, p: desc.p, n: desc.n, clocks: pass ? pass[ph] : sched.clocks, stalls: sched.stalls }), times));
      }
      jc.idleClocks += (cycleClocks - (pass ? pass.FF + pass.BP + pass.UP : sched.clocks)) * times;
      for (let k = 0; k < sched.z; k++) {
        jc.lanes.busy[k] += sched.busy[k] * times;
        jc.lanes.stall[k] += sched.stall[k] * times;
        jc.lanes.idle[k] += (sched.idle[k] + cycleClocks - sched.clocks) * times;
      }
    }
  }
}

function argmax(v: Int32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

function scalePhase(c: PhaseCounters, times: number): PhaseCounters {
  if (times !== 1) for (const k of Object.keys(c) as (keyof PhaseCounters)[]) c[k] *= times;
  return c;
}

/** Distinct patterns of active phases over a command's junction cycles, each with its cycle count. */
class CycleTally {
  private readonly seen = new Map<string, { pattern: Array<Set<Phase>>; cycles: number }>();

  note(active: Array<Set<Phase>>): void {
    let key = '';
    for (const a of active) key += `${a.has('FF') ? 'F' : '-'}${a.has('BP') ? 'B' : '-'}${a.has('UP') ? 'U' : '-'}`;
    const hit = this.seen.get(key);
    if (hit) hit.cycles++;
    else this.seen.set(key, { pattern: active.map((a) => new Set(a)), cycles: 1 });
  }

  patterns(): Iterable<{ pattern: Array<Set<Phase>>; cycles: number }> {
    return this.seen.values();
  }
}

/** The ESSOP update works on the plain model's weights; kernels/select.ts routes every ESSOP network there. */
function plainKernels(jn: JunctionKernels): JunctionDatapath {
  if (!(jn instanceof JunctionDatapath)) throw new DeviceError('internal', 'the ESSOP update needs the plain kernels (kernels/select.ts wasmGap)');
  return jn;
}
