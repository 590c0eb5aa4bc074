import type { Capability, SampleEncoding } from '../../firmware-spec/capability.ts';
import type { DeviceCounters } from '../../firmware-spec/counters.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';
import { type Phase, PHASES } from '../../firmware-spec/schedule.ts';
import { loadConfigChoice } from '../config/load.ts';
import type { NetworkConfig } from '../config/schema.ts';
import { loadDatasetSpec, quantizeImages } from '../datasets/index.ts';
import type { DeviceClient, InferResult, SeedSet } from '../device/client-types.ts';
import { openDevice } from '../device/open.ts';
import type { ResolvedConfig } from '../partition/partition.ts';
import { type EpochReport, train } from '../train/index.ts';
import { type Baseline, computeBaselines, type ConnectivityFigures, connectivityFigures, type PipeliningFigures, pipeliningFigures } from './baselines.ts';
import type { CurvePoint } from './emulator-run.ts';
import { assumedEntries, DEFAULT_ENERGY_TABLES, energyProfileFor, type EnergyTable, loadEnergyTable } from './energy-table.ts';
import { ProfileError } from './errors.ts';
import { defaultLinkFor, type LinkModel, parseLinkRate } from './link.ts';
import { type Breakdown, profileCounters } from './model.ts';
import { buildTimeline, type Timeline, trainerChunks } from './timeline.ts';
import { compareUpdateUnits, type UpdateComparison } from './update-units.ts';

export interface ProfileOptions {
  preset?: string;
  config?: string;
  network?: NetworkConfig;
  /** a device URI (default 'emu') or an open client */
  device?: string | DeviceClient;
  /** training samples per epoch */
  samples?: number;
  epochs?: number;
  /** --energy-table FILE (default: the device profile's, host/profile/energy-45nm.json for emu, energy-up5k.json for up5k) */
  energyTable?: string;
  /** --link-rate uart:BAUD | pcie:BYTES_PER_S (default: from the device URI) */
  linkRate?: string;
  encoding?: SampleEncoding;
  /** junction cycles traced in detail (trace, timeline chart) */
  traceCycles?: number;
  /** compute the baselines (default true) */
  baselines?: boolean;
}

/**
 * A DeviceClient that marks the profiled span of a training session: after LOAD_SEEDS it reads the
 * setup counters and clears them (so the profile counts training only), and before the first INFER
 * (the trainer's evaluation, after the last TRAIN) it reads the training counters.
 */
export class ProfilingClient implements DeviceClient {
  setup?: DeviceCounters;
  training?: DeviceCounters;
  capability?: Capability;
  constructor(readonly inner: DeviceClient) {}
  get uri(): string {
    return this.inner.uri;
  }
  async identify() {
    const r = await this.inner.identify();
    this.capability = r.capability;
    return r;
  }
  get identity() {
    const r = this.inner.identity;
    if (r) this.capability = r.capability;
    return r;
  }
  reset() {
    return this.inner.reset();
  }
  configure(net: NetworkDescriptor) {
    return this.inner.configure(net);
  }
  async loadSeeds(seeds: SeedSet) {
    await this.inner.loadSeeds(seeds);
    this.setup = await this.inner.readCounters();
    await this.inner.clearCounters();
  }
  writeWeights(j: number, o: number, w: Int32Array) {
    return this.inner.writeWeights(j, o, w);
  }
  readWeights(j: number, o: number, c: number) {
    return this.inner.readWeights(j, o, c);
  }
  streamSamples(e: SampleEncoding, p: Uint8Array | readonly Uint8Array[], l: Uint8Array) {
    return this.inner.streamSamples(e, p, l);
  }
  train(n: number) {
    return this.inner.train(n);
  }
  async infer(n: number): Promise<InferResult> {
    if (!this.training) this.training = await this.inner.readCounters();
    return this.inner.infer(n);
  }
  readCounters() {
    return this.inner.readCounters();
  }
  clearCounters() {
    return this.inner.clearCounters();
  }
  status() {
    return this.inner.status();
  }
  linkStats() {
    return this.inner.linkStats();
  }
  close() {
    return this.inner.close();
  }
}

export interface ProfileRun {
  device: string;
  capability: Capability;
  cfg: NetworkConfig;
  resolved: ResolvedConfig;
  samplesPerEpoch: number;
  epochs: number;
  table: EnergyTable;
  tableFile: string;
  /** table entries that are assumptions, not sourced figures */
  tableAssumptions: string[];
  /** no device was named: the profile ran on the default (`emu`) */
  deviceAssumed: boolean;
  link: LinkModel;
  counters: DeviceCounters;
  setup: DeviceCounters;
  breakdown: Breakdown;
  passClocks: number[];
  timeline: Timeline;
  /** the rebuilt schedule agrees with the device's cycle and clock counters */
  timelineMatchesCounters: boolean;
  /**
   * frames the host sent again during the run: the device counts what it received, so its
   * wireBytes counters (and the wire energy) include them; every other counter does not move
   */
  linkRetransmits: number;
  baselines: Baseline[];
  pipelining: PipeliningFigures;
  connectivity: ConnectivityFigures;
  /** the update unit, multiplier against ESSOP, on this run's counted UP work (update-units.ts) */
  update: UpdateComparison;
  training: { trainAccuracy: number; testAccuracy: number; curve: CurvePoint[]; epochReports: EpochReport[]; weightsSha256: string };
}

/** Check the options a profile needs before any device or file is touched. */
export function checkProfileOptions(o: ProfileOptions): { table: EnergyTable; samples: number; epochs: number } {
  const samples = o.samples ?? 1000;
  if (!Number.isInteger(samples) || samples < 1) throw new ProfileError('bad_option', `--samples must be a positive integer, got ${o.samples}`);
  const epochs = o.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ProfileError('bad_option', `--epochs must be a positive integer, got ${o.epochs}`);
  if (o.linkRate !== undefined) parseLinkRate(o.linkRate);
  return { table: loadEnergyTable(o.energyTable), samples, epochs };
}

/**
 * A profiling session: train `samples` samples on the device (counters cleared after the seeds are
 * loaded), read its counters, model time and energy, and compute the baselines on the same samples.
 */
export async function runProfile(o: ProfileOptions): Promise<ProfileRun> {
  const { table: given, samples, epochs } = checkProfileOptions(o);
  const cfg = o.network ?? loadConfigChoice(o);
  const deviceUri = typeof o.device === 'object' ? o.device.uri : (o.device ?? 'emu');
  const link = o.linkRate !== undefined ? parseLinkRate(o.linkRate) : defaultLinkFor(deviceUri);
  const inner = typeof o.device === 'object' ? o.device : await openDevice(deviceUri);
  const dev = new ProfilingClient(inner);
  const curve: CurvePoint[] = [];
  let report;
  let samplesPerEpoch = samples;
  let linkRetransmits = 0;
  try {
    report = await train({
      network: structuredClone(cfg),
      device: dev,
      epochs,
      samples,
      encoding: o.encoding,
      evaluateEachEpoch: false,
      onProgress: (p) => {
        samplesPerEpoch = p.total;
        curve.push({ samples: (p.epoch - 1) * p.total + p.done, epoch: p.epoch, accuracy: p.runningAccuracy });
      },
    });
    if (!dev.training) dev.training = await dev.inner.readCounters();
    linkRetransmits = dev.linkStats().retransmits;
  } finally {
    if (typeof o.device !== 'object') await inner.close();
  }
  const capability = dev.capability!;
  // the energy table: the one given, else the default of the profile the device reported
  const table = o.energyTable ? given : loadEnergyTable(undefined, energyProfileFor(capability.profile));
  const counters = dev.training;
  const setup = dev.setup!;
  const resolved = report.resolved;
  const model = { clockHz: capability.clockHz, table, link };
  const breakdown = profileCounters({ ...model, counters, resolved });
  const passClocks = breakdown.junctions.map((j) => j.passClocks);
  const chunks = trainerChunks(samplesPerEpoch, epochs, resolved.chunk);
  const timeline = buildTimeline(chunks, passClocks, resolved.network.feedback, o.traceCycles ?? 64);
  const timelineMatchesCounters = timeline.totalCycles === counters.junctionCycles && timeline.totalClocks === counters.clocks;

  let baselines: Baseline[] = [];
  if (o.baselines !== false) {
    const data = loadDatasetSpec('mnist');
    const trainSet = { ...data.train, images: quantizeImages(data.train.images, o.encoding ?? 'u8') };
    baselines = computeBaselines({ cfg: { ...cfg, seed: resolved.seed }, resolved, capability, counters, model, trainSet, samplesPerEpoch, epochs }, breakdown, passClocks);
  }
  const csr = baselines.find((b) => b.key === 'csr')?.breakdown ?? profileCounters({ ...model, counters, resolved, connectivity: 'csr' });
  return {
    device: deviceUri,
    capability,
    cfg,
    resolved,
    samplesPerEpoch,
    epochs,
    table,
    tableFile: o.energyTable ?? `${DEFAULT_ENERGY_TABLES[energyProfileFor(capability.profile)].file} (default for profile ${capability.profile})`,
    tableAssumptions: assumedEntries(table),
    deviceAssumed: o.device === undefined,
    link,
    counters,
    setup,
    breakdown,
    passClocks,
    timeline,
    timelineMatchesCounters,
    linkRetransmits,
    baselines,
    pipelining: pipeliningFigures(counters, resolved, passClocks, resolved.chunk),
    connectivity: connectivityFigures(resolved, breakdown, csr),
    update: compareUpdateUnits(resolved, counters, table, breakdown),
    training: { trainAccuracy: report.trainAccuracy, testAccuracy: report.testAccuracy, curve, epochReports: report.epochReports, weightsSha256: report.weightsSha256 },
  };
}

/** Per junction and phase: seconds and energy, for charts and JSON. */
export function phaseGrid(b: Breakdown): Array<Record<Phase, { clocks: number; seconds: number; energyPj: number; macs: number }>> {
  return b.junctions.map((j) => Object.fromEntries(PHASES.map((ph) => [ph, { clocks: j.phases[ph].clocks, seconds: j.phases[ph].seconds, energyPj: j.phases[ph].energyTotalPj, macs: j.phases[ph].macs }])) as Record<Phase, { clocks: number; seconds: number; energyPj: number; macs: number }>);
}
