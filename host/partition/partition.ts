import { BALANCE_POLICIES, DEFAULT_BALANCE_POLICY, isBalancePolicy } from '../../firmware-spec/balance.ts';
import type { Capability } from '../../firmware-spec/capability.ts';
import { checkShape, type ConnectivityKind } from '../../firmware-spec/connectivity.ts';
import { checkUpdate, ESSOP, type UpdateDescriptor } from '../../firmware-spec/essop.ts';
import { checkFormats, DEFAULT_FORMATS, type NumberFormats } from '../../firmware-spec/formats.ts';
import { deriveSeed, SEED_STREAM } from '../../firmware-spec/lfsr.ts';
import { defaultInitShift, type JunctionDescriptor, type NetworkDescriptor } from '../../firmware-spec/network.ts';
import { junctionClocks } from '../../firmware-spec/schedule.ts';
import { maxChunk, sampleRecordBytes, storeLayout } from '../../firmware-spec/store.ts';
import { ConfigError, type ConfigProblem } from '../config/errors.ts';
import type { NetworkConfig, SparsityConfig } from '../config/schema.ts';

/** Defaults a config may override. Chosen by training MNIST (see README, "Numbers"). */
export const TRAINING_DEFAULTS = { lrShift: 5, feedbackShift: 0, seed: 1, chunk: 32 } as const;

/**
 * The chunk a config without one trains with on a device: TRAINING_DEFAULTS.chunk, or fewer when
 * two chunks of the network's samples do not fit the device's sample buffer (the up5k profile:
 * 20 MNIST samples). A function of the capability the device reports, so an emulated and a real
 * device of one profile train with the same chunks, and the same bits.
 */
export function defaultChunk(cap: Capability, inputs: number): number {
  return Math.max(1, Math.min(TRAINING_DEFAULTS.chunk, maxChunk(cap.sampleBufferBytes, inputs)));
}

/** A config with everything filled in for a device: what fixes a run's bits. */
export interface ResolvedConfig {
  name: string;
  layers: number[];
  seed: number;
  chunk: number;
  balancing: string;
  /** per junction: the mask policy (clash-free, dense and lfsr are fixed; magnitude and dropback change) */
  sparsity: SparsityConfig[];
  network: NetworkDescriptor;
}

export interface JunctionPlan {
  index: number;
  p: number;
  n: number;
  fo: number;
  fi: number;
  edges: number;
  density: number;
  z: number;
  kind: ConnectivityKind;
  /** clocks of one pass over the junction per junction cycle */
  clocksPerCycle: number;
  weightBase: number;
  weightWords: number;
  /** tiles the junction is split into to fit the weight memory (1: resident) */
  tiles: number;
}

export interface Plan {
  resolved: ResolvedConfig;
  device: string;
  junctions: JunctionPlan[];
  /** sum of edges over the sum of p*n */
  density: number;
  /** 1 - density: weights saved against fully connected */
  parameterReduction: number;
  lanes: number;
  /** the slowest junction's clocks: the length of a junction cycle */
  cycleClocks: number;
  weightWords: number;
  activationWords: number;
  /** extra bytes on the wire per sample when junctions are tiled (0 when all weights are resident) */
  tilingWireBytesPerSample: number;
}

/** Divisors of m up to a limit, ascending. */
function divisors(m: number, limit: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(m, limit); d++) if (m % d === 0) out.push(d);
  return out;
}

/**
 * Choose lanes per junction so junction cycles are as equal as the device allows: start at one lane
 * each and keep giving the slowest junction its next lane count (a divisor of p, within the
 * per-junction and total budgets) until the slowest junction can grow no more.
 */
export function chooseLanes(edges: number[], ps: number[], fixed: Array<number | undefined>, cap: Capability): number[] {
  const z = fixed.map((f) => f ?? 1);
  for (;;) {
    let worst = -1;
    for (let j = 0; j < z.length; j++) if (worst < 0 || edges[j] / z[j] > edges[worst] / z[worst]) worst = j;
    if (fixed[worst] !== undefined) return z;
    const next = divisors(ps[worst], cap.maxLanesPerJunction).find((d) => d > z[worst]);
    const total = z.reduce((a, b) => a + b, 0);
    if (next === undefined || total - z[worst] + next > cap.maxLanes) return z;
    z[worst] = next;
  }
}

/** The update descriptor of a config: undefined for the exact update (the descriptor leaves it out). */
function resolveUpdate(cfg: NetworkConfig): UpdateDescriptor | undefined {
  const u = cfg.update;
  if (u === undefined) return undefined;
  const mode = typeof u === 'string' ? u : u.mode;
  const given = typeof u === 'string' ? undefined : u.streamLength;
  if (mode === 'exact') return given === undefined ? undefined : { mode, streamLength: given };
  return { mode, streamLength: given ?? ESSOP.streamLength.default };
}

function kindOf(s: SparsityConfig): ConnectivityKind {
  if (s.kind === 'dense' || s.kind === 'magnitude' || s.kind === 'dropback') return 'dense';
  return s.kind;
}

/** Fill in a config for a device: fan-ins, lanes, seeds, formats, memory layout. */
export function plan(cfg: NetworkConfig, cap: Capability, deviceName = cap.profile): Plan {
  const problems: ConfigProblem[] = [];
  const L = cfg.layers.length - 1;
  const jcfg = cfg.junctions ?? [];
  if (jcfg.length !== 0 && jcfg.length !== L) problems.push({ path: 'config.junctions', message: `${L + 1} layers need ${L} junctions, got ${jcfg.length}` });
  const formats: NumberFormats = {
    activation: cfg.formats?.activation ?? DEFAULT_FORMATS.activation,
    weight: cfg.formats?.weight ?? DEFAULT_FORMATS.weight,
    delta: cfg.formats?.delta ?? DEFAULT_FORMATS.delta,
  };
  for (const [p, m] of checkFormats(formats)) problems.push({ path: `config.formats.${p}`, message: m });
  const seed = cfg.seed ?? TRAINING_DEFAULTS.seed;
  const shapes: Array<{ p: number; n: number; fo: number; fi: number; z?: number; sparsity: SparsityConfig }> = [];
  for (let j = 0; j < L; j++) {
    const p = cfg.layers[j];
    const n = cfg.layers[j + 1];
    const jc = jcfg[j] ?? {};
    const sparsity: SparsityConfig = jc.sparsity ?? cfg.sparsity ?? { kind: 'clash-free' };
    const path = `config.junctions.${j}`;
    let fo = jc.fo ?? (jc.density !== undefined ? Math.max(1, Math.round(jc.density * n)) : n);
    if (kindOf(sparsity) === 'dense') fo = n;
    if (jc.fo !== undefined && jc.fo > n) problems.push({ path: `${path}.fo`, message: `fan-out ${jc.fo} exceeds the right layer's ${n} neurons` });
    const fi = (p * fo) / n;
    if (kindOf(sparsity) === 'lfsr') {
      // LFSR-pruned: each right neuron draws fi inputs; fi rounds p*fo/n to an integer
      shapes.push({ p, n, fo, fi: Math.max(1, Math.round(fi)), z: jc.z, sparsity });
    } else {
      if (!Number.isInteger(fi)) problems.push({ path: `${path}.fo`, message: `fan-in p*fo/n = ${p}*${fo}/${n} = ${fi.toFixed(3)} is not an integer` });
      shapes.push({ p, n, fo, fi, z: jc.z, sparsity });
    }
    if (jc.z !== undefined) {
      for (const [f, m] of checkShape({ p, n, fo, fi: Math.round(fi), z: jc.z }, kindOf(sparsity))) if (f === 'z') problems.push({ path: `${path}.z`, message: m });
      if (jc.z > cap.maxLanesPerJunction) problems.push({ path: `${path}.z`, message: `${jc.z} lanes; the device has ${cap.maxLanesPerJunction} per junction` });
    }
    if (sparsity.kind === 'clash-free' && Array.isArray(sparsity.startVectors)) {
      const sv = sparsity.startVectors;
      if (jc.z === undefined) problems.push({ path: `${path}.z`, message: 'explicit start vectors need an explicit z' });
      else
        sv.forEach((v, i) => {
          if (v.length !== jc.z) problems.push({ path: `${path}.sparsity.startVectors.${i}`, message: `needs z = ${jc.z} values, got ${v.length}` });
          v.forEach((x, k) => {
            if (x >= p / jc.z!) problems.push({ path: `${path}.sparsity.startVectors.${i}.${k}`, message: `${x} is not below p/z = ${p / jc.z!}` });
          });
        });
    }
  }
  if (cfg.balancing !== undefined && !isBalancePolicy(cfg.balancing)) problems.push({ path: 'config.balancing', message: `unknown balancing policy '${cfg.balancing}' (have: ${BALANCE_POLICIES.join(', ')})` });
  const update = resolveUpdate(cfg);
  for (const [p, m] of checkUpdate(update, cfg.rounding ?? 'nearest')) problems.push({ path: `config.${p}`, message: m });
  if (update?.mode === 'essop' && !cap.features.essop) problems.push({ path: 'config.update', message: `the device (${cap.profile}) has no ESSOP update` });
  if (problems.length) throw new ConfigError(problems);
  const edges = shapes.map((s) => s.n * s.fi);
  const z = chooseLanes(edges, shapes.map((s) => s.p), shapes.map((s) => s.z), cap);
  const lanes = z.reduce((a, b) => a + b, 0);
  if (lanes > cap.maxLanes) throw new ConfigError([{ path: 'config.junctions', message: `the network needs ${lanes} lanes; the device has ${cap.maxLanes} (${lanes - cap.maxLanes} too many)` }]);
  const junctions: JunctionDescriptor[] = shapes.map((s, j) => {
    const sv = s.sparsity.kind === 'clash-free' ? s.sparsity.startVectors : undefined;
    return {
      p: s.p,
      n: s.n,
      fo: s.fo,
      fi: s.fi,
      z: z[j],
      connectivity: kindOf(s.sparsity),
      startVectorMode: Array.isArray(sv) ? 'explicit' : (sv ?? 'shared'),
      ...(Array.isArray(sv) ? { startVectors: sv } : {}),
      activation: j === L - 1 ? 'sigmoid' : 'relu',
      initShift: defaultInitShift(s.fi, formats.weight),
      connectivitySeed: deriveSeed(seed, SEED_STREAM.connectivity, j),
      initSeed: deriveSeed(seed, SEED_STREAM.init, j),
    };
  });
  const network: NetworkDescriptor = {
    formats,
    lrShift: cfg.lrShift ?? TRAINING_DEFAULTS.lrShift,
    feedback: cfg.feedback ?? 'backprop',
    feedbackShift: cfg.feedbackShift ?? TRAINING_DEFAULTS.feedbackShift,
    feedbackSeed: deriveSeed(seed, SEED_STREAM.feedback, 0),
    rounding: cfg.rounding ?? 'nearest',
    roundingSeed: deriveSeed(seed, SEED_STREAM.rounding, 0),
    junctions,
    ...(update ? { update } : {}),
  };
  const resolved: ResolvedConfig = {
    name: cfg.name ?? 'custom',
    layers: [...cfg.layers],
    seed,
    chunk: cfg.chunk ?? defaultChunk(cap, cfg.layers[0]),
    balancing: cfg.balancing ?? DEFAULT_BALANCE_POLICY,
    sparsity: shapes.map((s) => s.sparsity),
    network,
  };
  return planFor(resolved, cap, deviceName);
}

/** The memory and timing plan of a resolved config on a device. Refuses what cannot run. */
export function planFor(resolved: ResolvedConfig, cap: Capability, deviceName = cap.profile): Plan {
  const net = resolved.network;
  const L = net.junctions.length;
  const weightWords = net.junctions.reduce((a, j) => a + j.n * j.fi, 0);
  // slots of the samples in flight, deltas and DFA rows, as the device lays them out (the input
  // layer's activations are the buffered sample bytes)
  const activationWords = storeLayout(net).activationWords;
  const problems: ConfigProblem[] = [];
  if (L > cap.maxJunctions) problems.push({ path: 'config.layers', message: `${L} junctions; the device runs at most ${cap.maxJunctions}` });
  if (activationWords > cap.activationWords) {
    problems.push({ path: 'config.layers', message: `activations of all in-flight samples need ${activationWords} words; the device has ${cap.activationWords} (${activationWords - cap.activationWords} too many)` });
  }
  const sampleBytes = sampleRecordBytes(resolved.layers[0]);
  if (resolved.chunk > maxChunk(cap.sampleBufferBytes, resolved.layers[0])) {
    problems.push({ path: 'config.chunk', message: `two chunks of ${resolved.chunk} samples need ${2 * resolved.chunk * sampleBytes} bytes of sample buffer (${sampleBytes} per sample with its label); the device has ${cap.sampleBufferBytes}` });
  }
  // tiling: a junction whose weights do not fit beside the others streams its weights per pass
  let base = 0;
  let tilingBytes = 0;
  const wordBytes = net.formats.weight.bits <= 16 ? 2 : 4;
  const junctions: JunctionPlan[] = net.junctions.map((j, i) => {
    const W = j.n * j.fi;
    let tiles = 1;
    if (weightWords > cap.weightWords) {
      if (!cap.features.tiling && i === 0) problems.push({ path: 'config.layers', message: `the weights need ${weightWords} words; the device holds ${cap.weightWords} (${weightWords - cap.weightWords} too many) and cannot stream tiles` });
      tiles = Math.ceil(W / Math.max(1, Math.floor(cap.weightWords / L)));
      if (tiles > 1) tilingBytes += 2 * W * wordBytes; // streamed in and written back, every pass
    }
    const jp: JunctionPlan = {
      index: i + 1,
      p: j.p,
      n: j.n,
      fo: j.fo,
      fi: j.fi,
      edges: W,
      density: W / (j.p * j.n),
      z: j.z,
      kind: j.connectivity,
      clocksPerCycle: junctionClocks(W, j.z),
      weightBase: base,
      weightWords: W,
      tiles,
    };
    base += W;
    return jp;
  });
  if (problems.length) throw new ConfigError(problems);
  const dense = resolved.layers.slice(1).reduce((a, n, i) => a + n * resolved.layers[i], 0);
  const density = weightWords / dense;
  return {
    resolved,
    device: deviceName,
    junctions,
    density,
    parameterReduction: 1 - density,
    lanes: net.junctions.reduce((a, j) => a + j.z, 0),
    cycleClocks: Math.max(...junctions.map((j) => j.clocksPerCycle)),
    weightWords,
    activationWords,
    tilingWireBytesPerSample: tilingBytes,
  };
}
