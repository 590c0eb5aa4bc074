import { describe, expect, it } from 'vitest';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { JUNCTION_PIPELINE_CLOCKS } from '../../firmware-spec/schedule.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { parseConfig } from '../../host/config/load.ts';
import { plan } from '../../host/partition/partition.ts';
import { loadEnergyTable } from '../../host/profile/energy-table.ts';
import { parseLinkRate } from '../../host/profile/link.ts';
import { ENERGY_COMPONENTS, profileCounters } from '../../host/profile/model.ts';
import { buildTimeline, trainerChunks, unpipelinedClocks } from '../../host/profile/timeline.ts';

/**
 * The figures are honest: for a small network, clocks, cycles, MACs and memory accesses worked out
 * by hand from the spec (schedule.ts: the pipelined schedule; counters.ts: the access model) equal
 * what the emulator counts, and the profiler's energy is those counts times the table's figures.
 *
 * Network 16-8-4, junction 1: fo 4 (fi 8, W 64), z 4; junction 2: fo 4 (fi 8, W 32), z 1.
 * 20 samples in TRAINs of 8, 8 and 4 (chunk 8).
 */
const cfg = parseConfig({ name: 'hand', layers: [16, 8, 4], junctions: [{ fo: 4, z: 4 }, { fo: 4, z: 1 }], chunk: 8 });
const chunks = [8, 8, 4];
const N = 20;

function runEmulator() {
  const dev = new EmulatedDevice('emu');
  const p = plan(cfg, dev.capability);
  const net = p.resolved.network;
  dev.configure(net);
  dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  dev.clearCounters();
  let x = 12345;
  for (const c of chunks) {
    const px = new Uint8Array(c * 16).map(() => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24) & 0xff);
    const labels = new Uint8Array(c).map((_, i) => i % 4);
    dev.streamSamples(px, labels);
    dev.train(c);
  }
  return { counters: dev.readCounters(), resolved: p.resolved };
}

describe('profile figures recomputed by hand', () => {
  const { counters, resolved } = runEmulator();
  // one pass: W/z clocks of edges plus the pipeline's fill and drain
  const pass1 = 64 / 4 + JUNCTION_PIPELINE_CLOCKS; // 20
  const pass2 = 32 / 1 + JUNCTION_PIPELINE_CLOCKS; // 36

  it('junction cycles and clocks follow the pipelined schedule', () => {
    // a TRAIN of c samples takes c + 2L - 1 = c + 3 cycles
    expect(counters.junctionCycles).toBe(8 + 3 + (8 + 3) + (4 + 3));
    // junction 2 works in cycles 1..c+1 (FF of sample s in s+1, BP/UP in s+2), so those last 36 clocks;
    // cycles 0 and c+2 have junction 1 alone (FF of sample 0, UP of the last sample): 20 clocks
    const chunkClocks = (c: number) => (c + 1) * pass2 + 2 * pass1;
    expect(counters.clocks).toBe(chunkClocks(8) * 2 + chunkClocks(4));
    expect(counters.clocks).toBe(948);
    expect(counters.samplesTrained).toBe(N);
  });

  it('MACs, reads and writes follow the access model', () => {
    const [j1, j2] = counters.junctions;
    expect(j1.FF.macs).toBe(N * 64);
    expect(j1.BP.macs).toBe(0); // junction 1 has no BP
    expect(j1.UP.macs).toBe(N * 64);
    for (const ph of ['FF', 'BP', 'UP'] as const) expect(j2[ph].macs).toBe(N * 32);
    expect(j1.FF.clocks).toBe(N * pass1);
    expect(j2.BP.clocks).toBe(N * pass2);
    // FF reads the weights; UP reads them itself only in cycles without FF: c..c+2, 3 per TRAIN
    expect(j1.FF.weightReads).toBe(N * 64);
    expect(j1.UP.weightReads).toBe(3 * 3 * 64);
    // junction 2: BP shares FF's read except in cycle c+1 (its last BP): 1 per TRAIN; UP always shares
    expect(j2.BP.weightReads).toBe(3 * 32);
    expect(j2.UP.weightReads).toBe(0);
    expect(j1.UP.weightWrites).toBe(N * 64);
    expect(j1.FF.activationWrites).toBe(N * 8);
    expect(j2.FF.activationWrites).toBe(N * 4);
    expect(j2.BP.deltaReads).toBe(N * 32);
    expect(j2.BP.deltaWrites).toBe(N * 8);
    // idle: junction 1 waits 16 clocks in each of the c+1 cycles junction 2 sets; junction 2 sits out 2 cycles of 20
    expect(j1.idleClocks).toBe((9 + 9 + 5) * (pass2 - pass1));
    expect(j2.idleClocks).toBe(3 * 2 * pass1);
    expect(counters.lfsrSteps).toBe(0); // nearest rounding draws no random bits while training
  });

  it('the profiler rebuilds the same schedule and charges the table per operation', () => {
    const table = loadEnergyTable();
    const link = parseLinkRate('uart:3000000');
    const b = profileCounters({ counters, resolved, clockHz: capabilityFor('emu', specHash()).clockHz, table, link });
    expect(b.junctions.map((j) => j.passClocks)).toEqual([pass1, pass2]);
    const tl = buildTimeline(trainerChunks(N, 1, 8), [pass1, pass2], 'backprop', 10);
    expect(tl.totalCycles).toBe(counters.junctionCycles);
    expect(tl.totalClocks).toBe(counters.clocks);
    // unpipelined: per sample J1 FF (20), J2 FF (36), J2 BP+UP (36), J1 UP (20)
    expect(unpipelinedClocks(N, [pass1, pass2], 'backprop').clocks).toBe(N * (20 + 36 + 36 + 20));
    expect(b.time.deviceSeconds).toBe(948 / 100e6);
    // 16 x 16-bit multiply: log-log between Horowitz's 8-bit 0.2 pJ and 32-bit 3.1 pJ = 0.2 * sqrt(15.5)
    const mult16 = 0.2 * Math.sqrt(3.1 / 0.2);
    expect(b.junctions[0].phases.FF.energyPj.multiply).toBeCloseTo(N * 64 * mult16, 2);
    // a 16-bit weight read from a 64*16/8/4 = 32-byte bank: charged as an 8 KB SRAM, 10 pJ per 64 bits
    expect(b.junctions[0].memoryBankBytes.weight).toBe(32);
    expect(b.junctions[0].phases.FF.energyPj.weightRead).toBeCloseTo(N * 64 * (10 * 16) / 64, 2);
    // components add up exactly, whatever the order
    const comps = ENERGY_COMPONENTS.map((k) => b.energy.components[k]);
    expect(comps.reduce((a, x) => a + x, 0)).toBe(b.energy.totalPj);
    expect([...comps].reverse().reduce((a, x) => a + x, 0)).toBe(b.energy.totalPj);
    let phases = b.energy.components.lfsr + b.energy.components.wire;
    for (const j of b.junctions) for (const ph of ['FF', 'BP', 'UP'] as const) phases += j.phases[ph].energyTotalPj;
    expect(phases).toBe(b.energy.totalPj);
  });
});
