import { BALANCE_POLICIES, type BalancePolicy, DEFAULT_BALANCE_POLICY, type JunctionBalance } from '../../firmware-spec/balance.ts';
import { DirectClient } from '../../emulator/balance/direct-client.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import type { NetworkConfig } from '../config/schema.ts';
import { plan } from '../partition/partition.ts';
import { train } from '../train/trainer.ts';

/**
 * `npm run bench -- balance --json`: the on-device load balancer against the naive lane schedule.
 *
 * One row per case, each a 784-112-10 network with z = 16 lanes in both junctions. Cycles are those
 * of a pipelined junction cycle: the slowest junction's pass, fill and drain included
 * (firmware-spec/balance.ts defines the bank model and the lower bound). Utilization = lower bound
 * over cycles. Every policy runs on the emulator (EmulatedDevice.balance); the winner is the
 * default, DEFAULT_BALANCE_POLICY. `weightsIdentical`: training the same samples with the winner
 * and with 'none' gives the same weights, bit for bit.
 */
export interface PolicyFigures {
  cycles: number;
  utilization: number;
  stalls: number;
  /** the balancer's own clocks for this network (ops and weight re-layout) */
  balancerClocks: number;
  /** wall time of the emulator running it, ms */
  ms: number;
}

export interface Row {
  case: string;
  layers: number[];
  z: number[];
  /** live edges over p*n, network */
  density: number;
  liveEdges: number[];
  policy: BalancePolicy;
  lowerBoundCycles: number;
  naiveCycles: number;
  balancedCycles: number;
  naiveUtilization: number;
  balancedUtilization: number;
  balancerClocks: number;
  policies: Record<string, PolicyFigures>;
  junctions: Array<{ junction: number; liveEdges: number; lowerBound: number; naive: number; balanced: number; utilization: number }>;
  weightsIdentical: boolean;
  /** junction cycles of training the winner saves against 'none' (clocks per sample) */
  clocksPerSampleNaive: number;
  clocksPerSampleBalanced: number;
}

export interface BalanceBench {
  rows: Row[];
  winner: BalancePolicy;
  policies: readonly BalancePolicy[];
  worstBalancedUtilization: number;
  cycles: string;
  seconds: number;
}

const Z = 16;
const round = (x: number) => Math.round(x * 10000) / 10000;

function network(name: string, junctions: NetworkConfig['junctions'], extra: Partial<NetworkConfig> = {}): NetworkConfig {
  return { name, layers: [784, 112, 10], junctions, ...extra };
}

/** A configured, seeded device for a config (the trainer's plan, without training). */
function deviceFor(cfg: NetworkConfig): { dev: EmulatedDevice; fi: number[] } {
  const dev = new EmulatedDevice('emu');
  const p = plan(cfg, dev.capability);
  const net = p.resolved.network;
  dev.configure(net);
  dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  return { dev, fi: net.junctions.map((j) => j.fi) };
}

/** Synthetic samples (LFSR-free, fixed): enough to compare weights after training. */
function samples(count: number, pixels: number): { px: Uint8Array; labels: Uint8Array } {
  const px = new Uint8Array(count * pixels);
  let s = 12345;
  for (let i = 0; i < px.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    px[i] = (s >>> 24) & 0xff;
  }
  return { px, labels: Uint8Array.from({ length: count }, (_, i) => i % 10) };
}

function cycleOf(js: JunctionBalance[], pick: (j: JunctionBalance) => number): number {
  return Math.max(...js.map(pick));
}

/** Run every policy on a device (each from the canonical placement), build the row. */
function measure(name: string, dev: EmulatedDevice, layers: number[], identical: boolean, perSample: { naive: number; balanced: number }): Row {
  dev.balance('none');
  const policies: Record<string, PolicyFigures> = {};
  const reports: Partial<Record<BalancePolicy, JunctionBalance[]>> = {};
  for (const pol of BALANCE_POLICIES) {
    const t0 = performance.now();
    const r = dev.balance(pol);
    const ms = performance.now() - t0;
    dev.balance('none');
    reports[pol] = r.junctions;
    const lb = cycleOf(r.junctions, (j) => j.lowerBoundClocks);
    const cycles = cycleOf(r.junctions, (j) => j.clocks);
    policies[pol] = { cycles, utilization: round(lb / cycles), stalls: r.junctions.reduce((a, j) => a + j.stalls, 0), balancerClocks: r.balancerClocks, ms: Math.round(ms * 10) / 10 };
  }
  const win = reports[DEFAULT_BALANCE_POLICY]!;
  const lowerBoundCycles = cycleOf(win, (j) => j.lowerBoundClocks);
  const naiveCycles = cycleOf(win, (j) => j.naiveClocks);
  const balancedCycles = cycleOf(win, (j) => j.clocks);
  const live = win.map((j) => j.liveEdges);
  const dense = layers.slice(1).reduce((a, n, i) => a + n * layers[i], 0);
  return {
    case: name,
    layers,
    z: win.map(() => Z),
    density: round(live.reduce((a, b) => a + b, 0) / dense),
    liveEdges: live,
    policy: DEFAULT_BALANCE_POLICY,
    lowerBoundCycles,
    naiveCycles,
    balancedCycles,
    naiveUtilization: round(lowerBoundCycles / naiveCycles),
    balancedUtilization: round(lowerBoundCycles / balancedCycles),
    balancerClocks: policies[DEFAULT_BALANCE_POLICY].balancerClocks,
    policies,
    junctions: win.map((j, i) => ({ junction: i + 1, liveEdges: j.liveEdges, lowerBound: j.lowerBoundClocks, naive: j.naiveClocks, balanced: j.clocks, utilization: round(j.lowerBoundClocks / j.clocks) })),
    weightsIdentical: identical,
    clocksPerSampleNaive: perSample.naive,
    clocksPerSampleBalanced: perSample.balanced,
  };
}

/** A fixed pattern (LFSR-pruned, clash-free): train 256 samples with 'none' and the winner; same weights? */
function fixedCase(name: string, cfg: NetworkConfig): Row {
  const runs = (['none', DEFAULT_BALANCE_POLICY] as const).map((pol) => {
    const { dev } = deviceFor(cfg);
    dev.balance(pol);
    const { px, labels } = samples(256, 784);
    dev.streamSamples(px, labels);
    const r = dev.train(256);
    return { dev, w: [0, 1].map((j) => Array.from(dev.readWeights(j)).join(',')), clocks: r.clocks / r.junctionCycles };
  });
  const identical = runs[0].w.every((w, j) => w === runs[1].w[j]);
  return measure(name, runs[1].dev, [784, 112, 10], identical, { naive: runs[0].clocks, balanced: runs[1].clocks });
}

/**
 * A dynamic mask trained on MNIST (the masks are those real training makes): the same run with the
 * winner and with 'none', through the trainer (MASK_STEP and BALANCE on the in-process device).
 */
async function trainedCase(name: string, cfg: NetworkConfig, epochs: number): Promise<Row> {
  const runs = [];
  for (const pol of ['none', DEFAULT_BALANCE_POLICY] as const) {
    const client = new DirectClient();
    const r = await train({ network: { ...cfg, balancing: pol }, device: client, epochs, evaluateEachEpoch: false });
    runs.push({ client, r, clocks: r.deviceClocks / r.deviceCycles });
  }
  const identical = runs[0].r.weightsSha256 === runs[1].r.weightsSha256;
  const row = measure(name, runs[1].client.device, [784, 112, 10], identical, { naive: runs[0].clocks, balanced: runs[1].clocks });
  return { ...row, case: `${name} (test accuracy ${runs[1].r.testAccuracy})` };
}

export async function benchBalance(): Promise<BalanceBench> {
  const t0 = performance.now();
  const lfsr = { kind: 'lfsr' as const };
  const rows: Row[] = [
    fixedCase('lfsr-38: LFSR-pruned 784-112-10, fo (42, 10), 38.3%', network('lfsr-38', [{ fo: 42, z: Z, sparsity: lfsr }, { fo: 10, z: Z, sparsity: lfsr }])),
    fixedCase('lfsr-10: LFSR-pruned 784-112-10, fo (11, 4), 10.2%', network('lfsr-10', [{ fo: 11, z: Z, sparsity: lfsr }, { fo: 4, z: Z, sparsity: lfsr }])),
    fixedCase('clash-free-38: 784-112-10, fo (42, 10) (control: naive is optimal)', network('clash-free-38', [{ fo: 42, z: Z }, { fo: 10, z: Z }])),
    // DropBack defaults (every 2000 samples, decay 4): untracked weights reach 0 at sample 10,000
    await trainedCase('dropback-10: DropBack k = 10% of 784-112-10 weights, MNIST, 2 epochs', network('dropback-10', [{ z: Z }, { z: Z }], { sparsity: { kind: 'dropback', keep: 0.1 } }), 2),
    await trainedCase('magnitude-10: magnitude pruning to 10% per junction, MNIST, 1 epoch', network('magnitude-10', [{ z: Z }, { z: Z }], { sparsity: { kind: 'magnitude', targetDensity: 0.1 } }), 1),
  ];
  return {
    rows,
    winner: DEFAULT_BALANCE_POLICY,
    policies: BALANCE_POLICIES,
    worstBalancedUtilization: Math.min(...rows.map((r) => r.balancedUtilization)),
    cycles: 'clocks of a pipelined junction cycle: the slowest junction pass, fill and drain included; utilization = lower bound / cycles',
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
