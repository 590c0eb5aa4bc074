import { PHASES } from '../../firmware-spec/schedule.ts';
import { table } from '../cli/format.ts';
import type { Baseline } from './baselines.ts';
import { type Breakdown, ENERGY_COMPONENTS, fmtPj, fmtS } from './model.ts';
import { phaseGrid, type ProfileRun } from './session.ts';

function baselineJson(b: Baseline, ours: Breakdown) {
  if (!b.available || !b.breakdown) return { label: b.label, available: false, reason: b.reason };
  const x = b.breakdown;
  return {
    label: b.label,
    available: true,
    method: b.method,
    deviceSecondsPerSample: x.perSample.deviceSeconds,
    secondsPerSample: x.perSample.seconds,
    energyPerSamplePj: x.perSample.energyPj,
    deviceEnergyPerSamplePj: x.perSample.deviceEnergyPj,
    energyTotalPj: x.energy.totalPj,
    deviceEnergyPj: x.energy.deviceEnergyPj,
    energyComponentsPj: x.energy.components,
    /** baseline over this run: > 1 means the baseline is slower / costs more */
    deviceTimeRatio: ours.time.deviceSeconds ? x.time.deviceSeconds / ours.time.deviceSeconds : 0,
    deviceEnergyRatio: ours.energy.deviceEnergyPj ? x.energy.deviceEnergyPj / ours.energy.deviceEnergyPj : 0,
    junctions: phaseGrid(x),
    ...(b.trainAccuracy !== undefined ? { trainAccuracy: b.trainAccuracy } : {}),
    ...(b.resolved ? { lanes: b.resolved.network.junctions.map((j) => j.z) } : {}),
  };
}

/** The profile as one JSON object (the CLI prints it as the last line of stdout with --json). */
export function profileJson(r: ProfileRun, outputs: Record<string, string | undefined> = {}) {
  const b = r.breakdown;
  const net = r.resolved.network;
  const n = b.samples;
  return {
    command: 'seedwire profile',
    device: r.device,
    deviceProfile: r.capability.profile,
    timingModel: r.capability.timing,
    deviceAssumed: r.deviceAssumed,
    headline: profileHeadline(r),
    clockHz: r.capability.clockHz,
    network: {
      name: r.resolved.name,
      layers: r.resolved.layers,
      feedback: net.feedback,
      rounding: net.rounding,
      junctions: b.junctions.map((j) => ({ index: j.index, p: j.p, n: j.n, edges: j.edges, density: j.density, z: j.z, kind: j.kind, passClocks: j.passClocks })),
    },
    samplesPerEpoch: r.samplesPerEpoch,
    epochs: r.epochs,
    samplesTrained: n,
    energyTable: { name: r.table.name, source: r.table.source, file: r.tableFile, assumptions: r.tableAssumptions },
    link: b.time.link,
    bound: b.time.bound,
    boundReason: b.time.boundReason,
    time: { ...b.time, link: undefined },
    energyPj: b.energy.totalPj,
    deviceEnergyPj: b.energy.deviceEnergyPj,
    wireEnergyPj: b.energy.wireEnergyPj,
    energyComponentsPj: b.energy.components,
    energyQuantumPj: b.energy.quantumPj,
    perSample: { seconds: b.perSample.seconds, deviceSeconds: b.perSample.deviceSeconds, linkSeconds: b.perSample.linkSeconds, energyPj: b.perSample.energyPj, deviceEnergyPj: b.perSample.deviceEnergyPj },
    perEpoch: {
      samples: r.samplesPerEpoch,
      seconds: b.perSample.seconds * r.samplesPerEpoch,
      deviceSeconds: b.perSample.deviceSeconds * r.samplesPerEpoch,
      linkSeconds: b.perSample.linkSeconds * r.samplesPerEpoch,
      energyPj: b.perSample.energyPj * r.samplesPerEpoch,
      deviceEnergyPj: b.perSample.deviceEnergyPj * r.samplesPerEpoch,
    },
    junctions: b.junctions.map((j) => ({
      index: j.index,
      passes: j.passes,
      stallClocks: j.stallClocks,
      idleClocks: j.idleClocks,
      energyPj: j.energyTotalPj,
      memoryBankBytes: j.memoryBankBytes,
      phases: Object.fromEntries(PHASES.map((ph) => [ph, { clocks: j.phases[ph].clocks, seconds: j.phases[ph].seconds, stalls: j.phases[ph].stalls, macs: j.phases[ph].macs, ops: j.phases[ph].ops, energyPj: j.phases[ph].energyTotalPj, energyComponentsPj: j.phases[ph].energyPj }])),
    })),
    setup: { lfsrSteps: r.setup.lfsrSteps, wireBytesIn: r.setup.wireBytesIn, wireBytesOut: r.setup.wireBytesOut },
    counters: { ...r.counters, junctions: undefined },
    pipelining: r.pipelining,
    pipeliningSpeedup: r.pipelining.pipeliningSpeedup,
    lfsrVsCsr: r.connectivity,
    lfsrVsCsrEnergySaving: r.connectivity.lfsrVsCsrEnergySaving,
    baselines: Object.fromEntries(r.baselines.map((x) => [x.key, baselineJson(x, b)])),
    schedule: { rebuiltCycles: r.timeline.totalCycles, rebuiltClocks: r.timeline.totalClocks, matchesCounters: r.timelineMatchesCounters },
    training: { trainAccuracy: r.training.trainAccuracy, testAccuracy: r.training.testAccuracy, weightsSha256: r.training.weightsSha256, curve: r.training.curve, epochReports: r.training.epochReports },
    update: r.update,
    outputs,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const signedPct = (x: number) => `${x >= 0 ? '+' : '-'}${pct(Math.abs(x))}`;

/** The first line: which device profile and timing model every figure below comes from. */
export function profileHeadline(r: ProfileRun): string {
  const assumed = r.deviceAssumed ? ' (no --device given: assumed the in-process emulator, profile emu)' : '';
  return `Figures for device profile ${r.capability.profile}, timing model ${r.capability.timing}, ${(r.capability.clockHz / 1e6).toFixed(0)} MHz${assumed}; energy from ${r.table.name}${r.tableAssumptions.length ? ` (ASSUMED entries: ${r.tableAssumptions.join(', ')})` : ''}.\n`;
}

/** The terminal summary. */
export function profileTable(r: ProfileRun): string {
  const b = r.breakdown;
  const t = b.time;
  const out: string[] = [profileHeadline(r)];
  out.push(
    table(
      ['', ''],
      [
        ['device', `${r.device} (profile ${r.capability.profile}, timing model ${r.capability.timing}, ${(r.capability.clockHz / 1e6).toFixed(0)} MHz)`],
        ['network', `${r.resolved.name}: ${r.resolved.layers.join('-')}, lanes ${r.resolved.network.junctions.map((j) => j.z).join(' + ')}, ${r.resolved.network.feedback}, ${r.resolved.network.rounding} rounding`],
        ['samples', `${b.samples} (${r.epochs} x ${r.samplesPerEpoch}), ${t.junctionCycles} junction cycles, ${t.deviceClocks} clocks`],
        ['device time', `${fmtS(t.deviceSeconds)} (${fmtS(b.perSample.deviceSeconds)}/sample; stalls ${fmtS(t.stallSeconds)})`],
        ['link time', `${fmtS(t.linkSeconds)} for ${t.wireBytesIn + t.wireBytesOut} bytes at ${t.link.spec} (${t.link.origin})`],
        ['bound by', `${t.bound.toUpperCase()}: ${t.boundReason}`],
        ['energy', `${fmtPj(b.energy.totalPj)} (device ${fmtPj(b.energy.deviceEnergyPj)}, wire ${fmtPj(b.energy.wireEnergyPj)}); ${fmtPj(b.perSample.energyPj)}/sample, device ${fmtPj(b.perSample.deviceEnergyPj)}/sample`],
        ['per epoch', `${fmtS(b.perSample.seconds * r.samplesPerEpoch)}, ${fmtPj(b.perSample.energyPj * r.samplesPerEpoch)}`],
        ['pipelining speedup', `${r.pipelining.pipeliningSpeedup.toFixed(2)}x clocks, ${r.pipelining.pipeliningSpeedupCycles.toFixed(2)}x cycles (published claim: 3 x junctions = ${r.pipelining.seedClaim}; vs separate FF/BP/UP passes ${r.pipelining.sequentialPhasesSpeedup.toFixed(2)}x)`],
        ['LFSR vs CSR', `device energy -${pct(r.connectivity.lfsrVsCsrEnergySaving)}, memory area -${pct(r.connectivity.lfsrVsCsrAreaSaving)} (${r.connectivity.seedClaim})`],
        ['accuracy', `train ${r.training.trainAccuracy.toFixed(4)} (running), test ${r.training.testAccuracy.toFixed(4)}`],
        ['energy table', `${r.table.name} (${r.tableFile})`],
        ['assumed entries', r.tableAssumptions.length ? `${r.tableAssumptions.join(', ')} are ASSUMPTIONS, not sourced figures (notes in the table file)` : 'none: every entry is sourced'],
      ],
    ),
  );
  const rows: Array<Array<string | number>> = [];
  for (const j of b.junctions) {
    for (const ph of PHASES) {
      const p = j.phases[ph];
      if (!p.clocks && !p.macs) continue;
      rows.push([`J${j.index} ${ph}`, p.clocks, fmtS(p.seconds), p.stalls, p.macs, fmtPj(p.energyTotalPj), pct(b.energy.totalPj ? p.energyTotalPj / b.energy.deviceEnergyPj : 0)]);
    }
  }
  rows.push(['lfsr', '', '', '', r.counters.lfsrSteps + ' steps', fmtPj(b.energy.components.lfsr), '']);
  rows.push(['wire', '', fmtS(t.linkSeconds), '', `${t.wireBytesIn + t.wireBytesOut} B`, fmtPj(b.energy.components.wire), '']);
  rows.push(['total', t.deviceClocks, fmtS(t.deviceSeconds), t.stallClocks, '', fmtPj(b.energy.totalPj), '']);
  out.push(table(['junction phase', 'busy clocks', 'busy time', 'stalls', 'MACs', 'energy', 'of device'], rows));
  const comps = ENERGY_COMPONENTS.filter((k) => b.energy.components[k] > 0).map((k) => [k, fmtPj(b.energy.components[k]), k === 'wire' ? '' : pct(b.energy.components[k] / b.energy.deviceEnergyPj), pct(b.energy.components[k] / b.energy.totalPj)]);
  out.push(table(['energy component', 'energy', 'of device', 'of total'], comps));
  const brows: Array<Array<string | number>> = [['this run', fmtS(b.perSample.deviceSeconds), fmtPj(b.perSample.deviceEnergyPj), fmtPj(b.perSample.energyPj), '1.00x', '1.00x']];
  for (const x of r.baselines) {
    if (!x.available || !x.breakdown) {
      brows.push([x.label, `n/a: ${x.reason}`, '', '', '', '']);
      continue;
    }
    const y = x.breakdown;
    brows.push([x.label, fmtS(y.perSample.deviceSeconds), fmtPj(y.perSample.deviceEnergyPj), fmtPj(y.perSample.energyPj), `${(y.time.deviceSeconds / t.deviceSeconds).toFixed(2)}x`, `${(y.energy.deviceEnergyPj / b.energy.deviceEnergyPj).toFixed(2)}x`]);
  }
  out.push(table(['per sample', 'device time', 'device energy', 'energy (+wire)', 'time vs this', 'device energy vs this'], brows));
  out.push(updateUnitsTable(r));
  return out.join('');
}

/** The weight update's unit, multiplier beside ESSOP (update-units.ts): what is counted, what is modelled. */
function updateUnitsTable(r: ProfileRun): string {
  const u = r.update;
  const m = u.measured;
  const rows: Array<Array<string | number>> = [];
  for (const x of [u.multiplier, u.essop]) {
    if (!x) continue;
    const ran = (x.unit === 'essop') === (u.ran === 'essop');
    rows.push([
      `${x.label}${ran ? ' (ran)' : ''}`,
      `${fmtPj(x.arithmeticPerEdgePj)} + read ${fmtPj(x.perEdgePj - x.arithmeticPerEdgePj)}`,
      `${fmtPj(x.arithmeticEnergyPj)} (with reads ${fmtPj(x.energyPj)})`,
      `${Math.round(x.areaUm2).toLocaleString('en-US')} um2`,
      `${x.upClocks}${ran ? ' counted' : ' (timing model: same)'}`,
      x.bitSerialUpClocks !== undefined ? `${x.bitSerialUpClocks}` : '',
      x.offPassClocksPerUpdate !== undefined ? `${x.offPassClocksPerUpdate}` : '',
    ]);
  }
  const head = ['update unit', 'per edge: arithmetic + operand read', `UP arithmetic energy (${m.upEdges} edges)`, 'area, all lanes', 'UP clocks', 'bit-serial UP clocks (model)', 'off-pass clocks per UP (model)'];
  const notes = [
    `measured (device counters, ${r.capability.profile}, timing '${r.capability.timing}'): ${m.upEdges} UP edges, ${m.upClocks} UP clocks, ${m.lfsrSteps} LFSR steps, ${m.samples} samples (${m.junctionUpdates} junction UPs).`,
    `model: energies and areas from the energy table ${r.table.name} (45 nm; per-part sources in --json 'update'); ESSOP off-pass and bit-serial clocks from firmware-spec/timing.ts essopUpdateClocks. The phase table above charges UP as the unit that ran.`,
    u.essopVsMultiplier
      ? `ESSOP (${u.streamLength}-bit streams, ${u.randomBits}-bit random numbers) vs multiplier (model): update arithmetic ${signedPct(-u.essopVsMultiplier.arithmeticEnergySaving)}, with operand reads ${signedPct(-u.essopVsMultiplier.energySaving)}, area ${signedPct(-u.essopVsMultiplier.areaSaving)}. The paper (Joshi et al., arXiv 2003.11256) reports 82.2% less energy and 93.7% less area than a pipelined FP16 multiplier at 14 nm; this datapath's multiplier is 16-bit integer.`
      : (u.missing ?? ''),
  ];
  return `${table(head, rows)}${notes.join('\n')}\n`;
}
