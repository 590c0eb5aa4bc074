import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EmulatedDevice } from '../../emulator/device.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';
import type { ResolvedConfig } from '../../host/partition/partition.ts';
import { loadEnergyTable, parseEnergyTable } from '../../host/profile/energy-table.ts';
import { parseLinkRate } from '../../host/profile/link.ts';
import { profileCounters } from '../../host/profile/model.ts';
import { compareUpdateUnits } from '../../host/profile/update-units.ts';

/** The update-unit comparison (host/profile/update-units.ts) on counters of a real emulator run. */

const trace = JSON.parse(readFileSync(new URL('../../firmware-spec/vectors/trace-essop-tiny.json', import.meta.url), 'utf8'));

function run(net: NetworkDescriptor) {
  const dev = new EmulatedDevice('emu');
  dev.configure(net);
  dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  dev.clearCounters();
  dev.streamSamples(Uint8Array.from(trace.samples.pixels.flat()), Uint8Array.from(trace.samples.labels));
  dev.train(trace.samples.labels.length);
  const counters = dev.readCounters();
  const resolved: ResolvedConfig = { name: 't', layers: [16, 8, 4], seed: 1, chunk: 8, balancing: 'none', sparsity: [{ kind: 'clash-free' }, { kind: 'clash-free' }], network: net };
  const table = loadEnergyTable();
  const breakdown = profileCounters({ counters, resolved, clockHz: 1e8, table, link: parseLinkRate('pcie:4e9') });
  return { counters, resolved, table, breakdown };
}

describe('update units: multiplier beside ESSOP', () => {
  it('takes its measured figures from the counters and models both units', () => {
    const net = trace.network as NetworkDescriptor;
    const { counters, resolved, table, breakdown } = run(net);
    const u = compareUpdateUnits(resolved, counters, table, breakdown);
    expect(u.ran).toBe('essop');
    expect(u.streamLength).toBe(16);
    expect(u.measured.upEdges).toBe(counters.junctions.reduce((a, j) => a + j.UP.macs, 0));
    expect(u.measured.upEdges).toBe(12 * (64 + 32)); // every sample updates every edge
    expect(u.measured.lfsrSteps).toBe(counters.lfsrSteps);
    // ESSOP drew 2 x 16 numbers of 8 bits in each of 12 x 2 junction UPs
    expect(u.measured.lfsrSteps).toBe(12 * 2 * 2 * 16 * 8);
    expect(u.essop).toBeDefined();
    expect(u.essop!.upClocks).toBe(u.multiplier.upClocks);
    expect(u.essop!.bitSerialUpClocks).toBeGreaterThan(u.essop!.upClocks * 8);
    // the arithmetic: B AND gates and a B-bit counter cost less than a 16 x 16 multiply, in energy and area
    expect(u.essop!.arithmeticPerEdgePj).toBeLessThan(u.multiplier.arithmeticPerEdgePj);
    expect(u.essopVsMultiplier!.areaSaving).toBeGreaterThan(0);
    // every part names its source
    for (const p of [...u.multiplier.perEdge, ...u.essop!.perEdge, ...u.essop!.perUpdate]) expect(p.source.length).toBeGreaterThan(0);
  });

  it('an exact run is compared too; a table without logic entries gives no ESSOP figures and says so', () => {
    const { update: _u, ...exact } = trace.network as NetworkDescriptor;
    const { counters, resolved, breakdown } = run(exact);
    expect(counters.lfsrSteps).toBe(0);
    const raw = JSON.parse(readFileSync(new URL('../../host/profile/energy-45nm.json', import.meta.url), 'utf8'));
    const full = compareUpdateUnits(resolved, counters, parseEnergyTable(raw), breakdown);
    expect(full.ran).toBe('exact');
    expect(full.essop).toBeDefined();
    delete raw.logic;
    const bare = compareUpdateUnits(resolved, counters, parseEnergyTable(raw), breakdown);
    expect(bare.essop).toBeUndefined();
    expect(bare.missing).toMatch(/no logic\/area entries/);
  });

  it("an ESSOP run's breakdown charges UP as the ESSOP unit; FF and BP as before", () => {
    const net = trace.network as NetworkDescriptor;
    const { counters, resolved, table, breakdown } = run(net);
    const { update: _u, ...exactNet } = net;
    const asExact = profileCounters({ counters, resolved: { ...resolved, network: exactNet }, clockHz: 1e8, table, link: parseLinkRate('pcie:4e9') });
    for (let j = 0; j < 2; j++) {
      const e = breakdown.junctions[j].phases;
      const x = asExact.junctions[j].phases;
      expect(e.FF.energyTotalPj).toBe(x.FF.energyTotalPj);
      expect(e.BP.energyTotalPj).toBe(x.BP.energyTotalPj);
      // 16 AND gates per edge cost less than a 16 x 16 multiply
      expect(e.UP.energyPj.multiply).toBeLessThan(x.UP.energyPj.multiply);
      expect(e.UP.energyPj.multiply).toBeGreaterThan(0);
    }
  });
});
