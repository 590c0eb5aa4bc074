import type { Capability } from '../../firmware-spec/capability.ts';
import { addPhase, type DeviceCounters, emptyCounters, phaseCost } from '../../firmware-spec/counters.ts';
import { latencyCycles, type Phase, PHASES, phaseOffset } from '../../firmware-spec/schedule.ts';
import type { NetworkConfig } from '../config/schema.ts';
import type { Dataset } from '../datasets/index.ts';
import type { ResolvedConfig } from '../partition/partition.ts';
import { type CurvePoint, emulatorProfileFor, trainOnEmulator } from './emulator-run.ts';
import { type Breakdown, indexBits, type ModelInput, profileCounters } from './model.ts';
import { sequentialPhaseClocks, unpipelinedClocks } from './timeline.ts';

export type BaselineKey = 'dense' | 'csr' | 'unpipelined' | 'feedback' | 'rounding';

export interface Baseline {
  key: BaselineKey;
  label: string;
  available: boolean;
  /** why a baseline could not be computed */
  reason?: string;
  /** how it was computed */
  method: string;
  breakdown?: Breakdown;
  curve?: CurvePoint[];
  trainAccuracy?: number;
  resolved?: ResolvedConfig;
}

export interface BaselineContext {
  cfg: NetworkConfig;
  resolved: ResolvedConfig;
  capability: Capability;
  counters: DeviceCounters;
  model: Omit<ModelInput, 'counters' | 'resolved'>;
  trainSet: Dataset;
  samplesPerEpoch: number;
  epochs: number;
}

function withWire(c: DeviceCounters, from: DeviceCounters): DeviceCounters {
  return { ...c, wireBytesIn: from.wireBytesIn, wireBytesOut: from.wireBytesOut };
}

/** A variant trained on the in-process emulator, same samples; wire bytes as this run's (same samples, same link). */
function emulated(ctx: BaselineContext, key: BaselineKey, label: string, cfg: NetworkConfig, method: string): Baseline {
  const profile = emulatorProfileFor(ctx.capability);
  try {
    const run = trainOnEmulator({ ...cfg, seed: ctx.resolved.seed }, profile, ctx.trainSet, ctx.samplesPerEpoch, ctx.epochs);
    const breakdown = profileCounters({ ...ctx.model, counters: withWire(run.counters, ctx.counters), resolved: run.resolved });
    return { key, label, available: true, method, breakdown, curve: run.curve, trainAccuracy: run.trainAccuracy, resolved: run.resolved };
  } catch (e) {
    return { key, label, available: false, method, reason: (e as Error).message.split('\n').join('; ') };
  }
}

/**
 * Counters of the same work on the unpipelined schedule, from the spec: one sample at a time, each
 * offset of the latency a cycle of its own; a junction's phases of one cycle share its weight read
 * (firmware-spec phaseCost), which without pipelining happens only in DFA's joint UP cycle.
 */
export function unpipelinedCounters(c: DeviceCounters, resolved: ResolvedConfig, passClocks: number[]): DeviceCounters {
  const net = resolved.network;
  const L = net.junctions.length;
  const mode = net.feedback;
  const n = c.samplesTrained;
  const out = emptyCounters(net.junctions.map((j) => j.z));
  const u = unpipelinedClocks(n, passClocks, mode);
  out.clocks = u.clocks;
  out.junctionCycles = u.cycles;
  out.samplesTrained = n;
  out.lfsrSteps = c.lfsrSteps;
  out.balancerClocks = c.balancerClocks;
  out.wireBytesIn = c.wireBytesIn;
  out.wireBytesOut = c.wireBytesOut;
  const stallPerPass = net.junctions.map((_, j) => (n ? c.junctions[j].FF.stalls / n : 0));
  const activeCount = new Array<number>(L).fill(0);
  for (let o = 0; o < latencyCycles(L, mode); o++) {
    const active = net.junctions.map(() => new Set<Phase>());
    for (let j = 1; j <= L; j++) for (const ph of PHASES) if (phaseOffset(ph, j, L, mode) === o) active[j - 1].add(ph);
    let len = 0;
    for (let j = 0; j < L; j++) if (active[j].size) len = Math.max(len, passClocks[j]);
    for (let j = 0; j < L; j++) {
      const jc = out.junctions[j];
      if (!active[j].size) {
        jc.idleClocks += n * len;
        continue;
      }
      activeCount[j]++;
      jc.idleClocks += n * (len - passClocks[j]);
      const d = net.junctions[j];
      for (const ph of PHASES) {
        if (!active[j].has(ph)) continue;
        const one = phaseCost(ph, active[j], { edges: d.n * d.fi, p: d.p, n: d.n, clocks: passClocks[j], stalls: stallPerPass[j] });
        for (const k of Object.keys(one) as Array<keyof typeof one>) one[k] *= n;
        addPhase(jc[ph], one);
      }
    }
  }
  for (let j = 0; j < L; j++) out.junctions[j].lanes = { busy: [], stall: [stallPerPass[j] * n * activeCount[j]], idle: [] };
  return out;
}

export interface PipeliningFigures {
  /** unpipelined device time over pipelined device time, from clocks */
  pipeliningSpeedup: number;
  /** the same in junction cycles: the spec's unpipelinedCycles over the cycles counted */
  pipeliningSpeedupCycles: number;
  /** against seed 002's baseline (FF, BP, UP each a pass of its own, no pipelining) */
  sequentialPhasesSpeedup: number;
  /** seed 002's claim for this network: 3 x junctions */
  seedClaim: number;
  /** the ideal of this device's schedule: latency cycles per sample (2L, DFA: L+1) */
  idealSpeedup: number;
  explanation: string;
}

export function pipeliningFigures(c: DeviceCounters, resolved: ResolvedConfig, passClocks: number[], chunk: number): PipeliningFigures {
  const net = resolved.network;
  const L = net.junctions.length;
  const n = c.samplesTrained;
  const u = unpipelinedClocks(n, passClocks, net.feedback);
  const s = sequentialPhaseClocks(n, passClocks, net.feedback);
  const lat = latencyCycles(L, net.feedback);
  const speedup = c.clocks ? u.clocks / c.clocks : 0;
  const maxPass = Math.max(...passClocks);
  const balance = passClocks.reduce((a, b) => a + b, 0) / (L * maxPass);
  const explanation =
    `Measured ${speedup.toFixed(2)}x (clocks), ${(c.junctionCycles ? u.cycles / c.junctionCycles : 0).toFixed(2)}x (junction cycles), against the published claim of 3 x junctions = ${3 * L}. ` +
    `The difference: (1) this device already overlaps BP and UP of a junction in one pass sharing the weight read, so an unpipelined sample takes ${lat} junction passes, not ${3 * L}; against FF, BP and UP as separate passes the gain is ${(c.clocks ? s.clocks / c.clocks : 0).toFixed(2)}x. ` +
    `(2) the pipeline fills and drains once per TRAIN of ${chunk} samples (${chunk} + ${lat - 1} cycles for ${chunk} samples). ` +
    `(3) a pipelined cycle lasts as long as the slowest junction (passes ${passClocks.join('/')} clocks, balance ${(balance * 100).toFixed(0)}%), an unpipelined step only as long as its own junction. ` +
    (net.feedback === 'backprop' ? '(4) junction 1 has no BP.' : '(4) DFA updates every junction in one cycle, so its unpipelined latency is L+1.');
  return {
    pipeliningSpeedup: speedup,
    pipeliningSpeedupCycles: c.junctionCycles ? u.cycles / c.junctionCycles : 0,
    sequentialPhasesSpeedup: c.clocks ? s.clocks / c.clocks : 0,
    seedClaim: 3 * L,
    idealSpeedup: lat,
    explanation,
  };
}

export interface ConnectivityFigures {
  /** 1 - device energy with generated connectivity / with stored indices (training) */
  lfsrVsCsrEnergySaving: number;
  /** the same, wire energy included */
  lfsrVsCsrTotalEnergySaving: number;
  /** 1 - (weight + connectivity state bits) / (weight + index bits): memory area */
  lfsrVsCsrAreaSaving: number;
  /** 1 - connectivity state bits / index bits */
  connectivityStorageSaving: number;
  weightBits: number;
  indexBits: number;
  connectivityStateBits: number;
  /** bytes the host must send to load the pattern: seeds against indices */
  setupWireBytesSeeds: number;
  setupWireBytesIndices: number;
  seedClaim: string;
  explanation: string;
}

/** Bits the device keeps to regenerate a junction's pattern (start vectors or a seed). */
function connectivityStateBits(j: ResolvedConfig['network']['junctions'][number]): number {
  if (j.connectivity === 'dense') return 0;
  if (j.connectivity === 'lfsr') return 32;
  const w = Math.max(1, Math.ceil(Math.log2(Math.max(2, j.p / j.z))));
  const vectors = j.startVectorMode === 'per-sweep' ? j.fo : j.startVectorMode === 'explicit' ? (j.startVectors?.length ?? 1) : 1;
  return vectors * j.z * w;
}

export function connectivityFigures(resolved: ResolvedConfig, ours: Breakdown, csr: Breakdown): ConnectivityFigures {
  const net = resolved.network;
  let wBits = 0;
  let iBits = 0;
  let sBits = 0;
  let seedBytes = 0;
  for (const j of net.junctions) {
    const W = j.n * j.fi;
    wBits += W * net.formats.weight.bits;
    if (W < j.p * j.n) {
      iBits += W * indexBits(j.p);
      sBits += connectivityStateBits(j);
      seedBytes += 4;
    }
  }
  const save = (a: number, b: number) => (b > 0 ? 1 - a / b : 0);
  const sparse = iBits > 0;
  return {
    lfsrVsCsrEnergySaving: save(ours.energy.deviceEnergyPj, csr.energy.deviceEnergyPj),
    lfsrVsCsrTotalEnergySaving: save(ours.energy.totalPj, csr.energy.totalPj),
    lfsrVsCsrAreaSaving: save(wBits + sBits, wBits + iBits),
    connectivityStorageSaving: save(sBits, iBits),
    weightBits: wBits,
    indexBits: iBits,
    connectivityStateBits: sBits,
    setupWireBytesSeeds: seedBytes,
    setupWireBytesIndices: Math.ceil(iBits / 8),
    seedClaim: 'published: up to 63.96% energy and 64.23% area (VGG-16, down-sampled ImageNet)',
    explanation: sparse
      ? `Stored indices cost ${Math.ceil(iBits / 8)} bytes of index memory and one index read per edge per pass; the device keeps ${sBits} bits of start vectors and adds one small address per edge. ` +
        `Here an index is ${net.junctions.map((j) => indexBits(j.p)).join('/')} bits beside a ${net.formats.weight.bits}-bit weight and only the sparse junctions need indices, so the saving is smaller than the published one, whose VGG-16 layers are far larger and sparser.`
      : 'Every junction is dense: a dense junction needs no indices, so stored and generated connectivity cost the same.',
  };
}

/** All baselines of a run. */
export function computeBaselines(ctx: BaselineContext, ours: Breakdown, passClocks: number[]): Baseline[] {
  const out: Baseline[] = [];
  const cfg = ctx.cfg;
  const layers = ctx.resolved.layers;
  out.push(
    emulated(
      ctx,
      'dense',
      'dense (fully connected)',
      { ...cfg, junctions: layers.slice(1).map(() => ({})), sparsity: { kind: 'dense' } },
      'the same layers fully connected, trained on the in-process emulator on the same samples; lanes chosen by the partitioner',
    ),
  );
  const csr = profileCounters({ ...ctx.model, counters: ctx.counters, resolved: ctx.resolved, connectivity: 'csr' });
  out.push({ key: 'csr', label: 'stored indices (CSR)', available: true, method: "this run's counters with one index read per edge per pass instead of a generated address", breakdown: csr });
  const up = unpipelinedCounters(ctx.counters, ctx.resolved, passClocks);
  out.push({
    key: 'unpipelined',
    label: 'unpipelined schedule',
    available: true,
    method: "this run's samples on the spec's schedule without pipelining (one sample in flight), counters from the spec's access model",
    breakdown: profileCounters({ ...ctx.model, counters: up, resolved: ctx.resolved }),
  });
  const feedback = ctx.resolved.network.feedback === 'dfa' ? 'backprop' : 'dfa';
  if (feedback === 'dfa' && !ctx.capability.features.dfa) out.push({ key: 'feedback', label: 'DFA', available: false, method: '', reason: 'the device has no DFA' });
  else out.push(emulated(ctx, 'feedback', feedback === 'dfa' ? 'direct feedback alignment' : 'backprop', { ...cfg, feedback }, `the same network with feedback '${feedback}', same samples, on the in-process emulator`));
  const rounding = ctx.resolved.network.rounding === 'stochastic' ? 'nearest' : 'stochastic';
  if (ctx.resolved.network.update?.mode === 'essop') {
    // an ESSOP run (which needs nearest rounding) is compared with the exact update, the multiplier
    out.push(emulated(ctx, 'rounding', 'exact update (multiplier)', { ...cfg, update: 'exact' }, "the same network with the exact update instead of ESSOP, same samples, on the in-process emulator"));
  } else if (!ctx.capability.features.stochasticRounding) {
    out.push({ key: 'rounding', label: `${rounding} rounding`, available: false, method: '', reason: `the device (${ctx.capability.profile}) has no stochastic rounding` });
  } else {
    out.push(emulated(ctx, 'rounding', rounding === 'stochastic' ? 'stochastic rounding' : 'exact (nearest) rounding', { ...cfg, rounding }, `the same network with rounding '${rounding}', same samples, on the in-process emulator`));
  }
  void ours;
  return out;
}
