import type { Capability } from '../../firmware-spec/capability.ts';
import { generateConnectivity } from '../../firmware-spec/connectivity.ts';
import { initialWeights } from '../../firmware-spec/network.ts';
import { naiveSchedule } from '../../emulator/lanes.ts';
import { loadConfigChoice } from '../config/load.ts';
import type { NetworkConfig } from '../config/schema.ts';
import { capabilityOf } from '../device/capability-of.ts';
import { plan, type JunctionPlan, type Plan } from '../partition/partition.ts';
import type { JunctionConnectivity } from './export.ts';

export interface InspectJunction extends JunctionPlan {
  /** no clock of the naive lane schedule needs one activation bank twice */
  clashFree: boolean;
  stalls: number;
}

export interface InspectReport {
  name: string;
  device: string;
  layers: number[];
  density: number;
  parameterReduction: number;
  clashFree: boolean;
  lanes: number;
  cycleClocks: number;
  weightWords: number;
  activationWords: number;
  tilingWireBytesPerSample: number;
  junctions: InspectJunction[];
  resolved: Plan['resolved'];
  /** the patterns, for --export (not printed in JSON) */
  connectivity: JunctionConnectivity[];
}

export interface InspectOptions {
  preset?: string;
  config?: string;
  /** an already-loaded config instead of preset/config */
  network?: NetworkConfig;
  device?: string;
  /** a capability instead of asking the device */
  capability?: Capability;
}

/**
 * The plan of a network on a device, with each junction's pattern generated from the spec and
 * checked: clash-freedom is measured on the generated pattern, not assumed from its kind.
 */
export async function inspect(opts: InspectOptions): Promise<InspectReport> {
  const cfg = opts.network ?? loadConfigChoice(opts);
  const device = opts.device ?? 'emu';
  const cap = opts.capability ?? (await capabilityOf(device));
  const p = plan(cfg, cap, device);
  const net = p.resolved.network;
  const connectivity: JunctionConnectivity[] = [];
  const junctions = p.junctions.map((jp, i) => {
    const j = net.junctions[i];
    const left = generateConnectivity(j, { kind: j.connectivity, startVectorMode: j.startVectorMode, seed: j.connectivitySeed, startVectors: j.startVectors });
    const sched = naiveSchedule(left, j.fi, j.z);
    connectivity.push({ p: j.p, n: j.n, fi: j.fi, leftOfWeight: left, weights: initialWeights(left.length, net.formats.weight.bits, j.initShift, j.initSeed), weightFrac: net.formats.weight.frac });
    // clocks of the naive pass over the generated pattern: the formula W/z + fill, plus any stalls
    return { ...jp, clocksPerCycle: sched.clocks, clashFree: sched.stalls === 0, stalls: sched.stalls };
  });
  return {
    name: p.resolved.name,
    device,
    layers: p.resolved.layers,
    density: p.density,
    parameterReduction: p.parameterReduction,
    clashFree: junctions.every((j) => j.clashFree),
    lanes: p.lanes,
    cycleClocks: Math.max(...junctions.map((j) => j.clocksPerCycle)),
    weightWords: p.weightWords,
    activationWords: p.activationWords,
    tilingWireBytesPerSample: p.tilingWireBytesPerSample,
    junctions,
    resolved: p.resolved,
    connectivity,
  };
}
