import { type Phase, PHASES } from '../../firmware-spec/schedule.ts';
import type { Breakdown, EnergyComponent } from './model.ts';
import { ENERGY_COMPONENTS, fmtPj, fmtS } from './model.ts';
import type { ProfileRun } from './session.ts';
import { esc, gantt, groupedBars, lineChart, type Segment, stackedBars } from './svg.ts';

/**
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing fetched), so it
 * opens offline. Charts: the first junction cycles as a Gantt chart, device clocks by junction, time
 * and energy by junction and phase against every baseline, energy by component, link against device
 * time, and the training curve.
 */
const PHASE_COLOR: Record<Phase, string> = { FF: '#4e79a7', BP: '#f28e2b', UP: '#59a14f' };
const SERIES = ['#4e79a7', '#e15759', '#76b7b2', '#f28e2b', '#59a14f', '#b07aa1', '#9c755f'];
const COMPONENT_COLOR: Record<EnergyComponent, string> = {
  multiply: '#4e79a7',
  add: '#a0cbe8',
  shift: '#86bcb6',
  address: '#8cd17d',
  indexRead: '#e15759',
  weightRead: '#f28e2b',
  weightWrite: '#ffbe7d',
  activationRead: '#b07aa1',
  activationWrite: '#d4a6c8',
  deltaRead: '#9d7660',
  deltaWrite: '#d7b5a6',
  lfsr: '#edc948',
  wire: '#79706e',
};
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

interface Variant {
  name: string;
  b: Breakdown;
  color: string;
}

function variants(r: ProfileRun): Variant[] {
  const out: Variant[] = [{ name: 'this run', b: r.breakdown, color: SERIES[0] }];
  let i = 1;
  for (const x of r.baselines) if (x.available && x.breakdown) out.push({ name: x.label, b: x.breakdown, color: SERIES[i++ % SERIES.length] });
  return out;
}

function phaseKeys(r: ProfileRun): Array<{ j: number; ph: Phase; label: string }> {
  const keys: Array<{ j: number; ph: Phase; label: string }> = [];
  for (const j of r.breakdown.junctions) for (const ph of PHASES) keys.push({ j: j.index, ph, label: `J${j.index} ${ph}` });
  return keys;
}

function card(title: string, value: string, sub: string): string {
  return `<div class="card"><div class="card-title">${esc(title)}</div><div class="card-value">${esc(value)}</div><div class="card-sub">${esc(sub)}</div></div>`;
}

function section(title: string, intro: string, body: string): string {
  return `<section><h2>${esc(title)}</h2>${intro ? `<p class="intro">${esc(intro)}</p>` : ''}<div class="figure">${body}</div></section>`;
}

export function buildReportHtml(r: ProfileRun): string {
  const b = r.breakdown;
  const t = b.time;
  const vs = variants(r);
  // junction phases some variant works in (junction 1 has no BP under backprop, no junction has BP under DFA)
  const keys = phaseKeys(r).filter((k) => vs.some((v) => (v.b.junctions[k.j - 1]?.phases[k.ph].clocks ?? 0) > 0));
  const n = Math.max(1, b.samples);
  const hz = r.capability.clockHz;

  // 1. the first junction cycles
  const cycles = r.timeline.cycles.slice(0, 12);
  const end = cycles.length ? cycles[cycles.length - 1].startClock + cycles[cycles.length - 1].clocks : 1;
  const ganttRows = keys.map((k) => ({
    label: k.label,
    items: cycles.flatMap((cy) =>
      cy.work
        .filter((w) => w.junction === k.j && w.phase === k.ph)
        .map((w) => {
          const pass = b.junctions[k.j - 1].passClocks;
          return { start: cy.startClock, end: cy.startClock + pass, color: PHASE_COLOR[k.ph], text: `s${w.sample}`, title: `cycle ${cy.index}: junction ${k.j} ${k.ph} of sample ${w.sample}, ${pass} of ${cy.clocks} clocks` };
        }),
    ),
  }));
  const chartGantt = gantt(ganttRows, { end, fmt: (v) => fmtS(v / hz), axisLabel: `device time (first ${cycles.length} junction cycles; dashed lines: cycle boundaries)`, marks: cycles.map((c) => c.startClock) });

  // 2. device clocks by junction: working, stalled, waiting for the slowest junction
  const clockRows = b.junctions.map((j) => {
    const working = t.deviceClocks - j.idleClocks - j.stallClocks;
    return {
      label: `junction ${j.index} (${j.p}x${j.n}, ${j.z} lanes)`,
      segments: [
        { name: 'working', value: Math.max(0, working), color: '#4e79a7' },
        { name: 'stalled (bank clashes)', value: j.stallClocks, color: '#e15759' },
        { name: 'idle (waiting for the slowest junction, fill and drain)', value: j.idleClocks, color: '#bab0ac' },
      ],
    };
  });
  const chartClocks = stackedBars(clockRows, { fmt: (v) => fmtS(v / hz), axisLabel: `device time of ${b.samples} samples` });

  // 3. time per sample by junction and phase, every variant
  const timeSeries = vs.map((v) => ({ name: v.name, color: v.color, values: keys.map((k) => v.b.junctions[k.j - 1]?.phases[k.ph].seconds / n || 0) }));
  const chartPhaseTime = groupedBars(keys.map((k) => k.label), timeSeries, { fmt: fmtS, axisLabel: 'busy time per sample (phases of one junction overlap inside a cycle)' });

  // 4. device time per sample against baselines, and the link
  const timeRows = vs.map((v) => ({
    label: v.name,
    segments: [
      { name: 'device: working', value: Math.max(0, v.b.time.deviceSeconds - v.b.time.stallSeconds) / n, color: '#4e79a7' },
      { name: 'device: stalls', value: v.b.time.stallSeconds / n, color: '#e15759' },
    ] as Segment[],
    note: `${fmtS(v.b.time.deviceSeconds / n)}`,
  }));
  const chartTime = stackedBars(timeRows, { fmt: fmtS, axisLabel: 'device time per sample' });
  const linkRows = [
    { label: 'device (compute)', segments: [{ name: 'device', value: t.deviceSeconds / n, color: '#4e79a7' }] },
    { label: `link (${t.link.spec})`, segments: [{ name: 'link', value: t.linkSeconds / n, color: '#79706e' }] },
  ];
  const chartLink = stackedBars(linkRows, { fmt: fmtS, axisLabel: `time per sample; bound by ${t.bound}` });

  // 5. energy per sample by junction and phase, every variant
  const energyRows = vs.map((v) => ({
    label: v.name,
    segments: [
      ...keys.map((k) => ({ name: k.label, value: (v.b.junctions[k.j - 1]?.phases[k.ph].energyTotalPj ?? 0) / n, color: shade(PHASE_COLOR[k.ph], k.j) })),
      { name: 'LFSR', value: v.b.energy.components.lfsr / n, color: COMPONENT_COLOR.lfsr },
    ],
  }));
  const chartEnergyPhase = stackedBars(energyRows, { fmt: fmtPj, axisLabel: 'device energy per sample (without the wire)' });
  const compRows = vs.map((v) => ({
    label: v.name,
    segments: ENERGY_COMPONENTS.filter((c) => c !== 'wire').map((c) => ({ name: c, value: v.b.energy.components[c] / n, color: COMPONENT_COLOR[c] })),
  }));
  const chartEnergyComp = stackedBars(compRows, { fmt: fmtPj, axisLabel: 'device energy per sample by operation and memory' });
  const totalRows = vs.map((v) => ({
    label: v.name,
    segments: [
      { name: 'device', value: v.b.energy.deviceEnergyPj / n, color: '#4e79a7' },
      { name: `wire (${t.link.kind})`, value: v.b.energy.wireEnergyPj / n, color: COMPONENT_COLOR.wire },
    ],
  }));
  const chartEnergyTotal = stackedBars(totalRows, { fmt: fmtPj, axisLabel: 'energy per sample, wire included' });

  // 6. training curves
  const curves = [{ name: 'this run', color: SERIES[0], points: r.training.curve.map((p) => [p.samples, p.accuracy] as [number, number]) }];
  for (const [i, x] of r.baselines.entries()) if (x.curve?.length) curves.push({ name: x.label, color: SERIES[(i + 1) % SERIES.length], points: x.curve.map((p) => [p.samples, p.accuracy] as [number, number]) });
  const chartCurve = lineChart(curves, { xLabel: 'samples trained', yLabel: 'running train accuracy', yMin: 0, yMax: 1, fmtY: (v) => v.toFixed(1) });

  const baselineRows = r.baselines
    .map((x) => {
      if (!x.available || !x.breakdown) return `<tr><td>${esc(x.label)}</td><td colspan="5" class="na">not available: ${esc(x.reason ?? '')}</td></tr>`;
      const y = x.breakdown;
      return `<tr><td>${esc(x.label)}</td><td>${fmtS(y.perSample.deviceSeconds)}</td><td>${(y.time.deviceSeconds / t.deviceSeconds).toFixed(2)}x</td><td>${fmtPj(y.perSample.deviceEnergyPj)}</td><td>${(y.energy.deviceEnergyPj / b.energy.deviceEnergyPj).toFixed(2)}x</td><td class="method">${esc(x.method)}${x.trainAccuracy !== undefined ? `; train accuracy ${x.trainAccuracy.toFixed(3)}` : ''}</td></tr>`;
    })
    .join('');
  const tableNotes = (['add', 'multiply', 'shift', 'lfsrStep', 'sram', 'dram'] as const)
    .map((k) => `<li><b>${k}</b>: ${esc(r.table[k].note ?? '')}</li>`)
    .concat([`<li><b>wire ${t.link.kind}</b>: ${esc(r.table.wire[t.link.kind].note ?? '')}</li>`])
    .concat(r.table.logic ? [`<li><b>logic</b>: ${esc(r.table.logic.note ?? '')}</li>`] : [])
    .concat(r.table.area ? [`<li><b>area</b>: ${esc(r.table.area.note ?? '')}</li>`] : [])
    .join('');

  const cards = [
    card('bound by', t.bound.toUpperCase(), t.boundReason),
    card('pipelining speedup', `${r.pipelining.pipeliningSpeedup.toFixed(2)}x`, `published claim: 3 x junctions = ${r.pipelining.seedClaim}x; against separate FF/BP/UP passes ${r.pipelining.sequentialPhasesSpeedup.toFixed(2)}x`),
    card('LFSR vs stored indices', `${pct(r.connectivity.lfsrVsCsrEnergySaving)} saved`, `device energy; ${pct(r.connectivity.lfsrVsCsrAreaSaving)} of weight + index memory (published: about 64% of both)`),
    card('energy per sample', fmtPj(b.perSample.energyPj), `device ${fmtPj(b.perSample.deviceEnergyPj)}, wire ${fmtPj(b.perSample.energyPj - b.perSample.deviceEnergyPj)}`),
    card('time per sample', fmtS(b.perSample.seconds), `device ${fmtS(b.perSample.deviceSeconds)}, link ${fmtS(b.perSample.linkSeconds)}`),
    card('accuracy', r.training.testAccuracy.toFixed(3), `test (INFER); running train ${r.training.trainAccuracy.toFixed(3)}`),
  ].join('');

  const net = r.resolved.network;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>seedwire profile: ${esc(r.resolved.name)}</title>
<style>
:root { color-scheme: light; }
body { margin: 0; background: #f5f6f8; color: #1f2937; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { background: linear-gradient(120deg, #1e3a5f, #2f5d8a); color: #fff; padding: 22px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .meta { opacity: .85; font-size: 13px; }
main { max-width: 920px; margin: 0 auto; padding: 18px 16px 40px; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; margin: 4px 0 18px; }
.card { background: #fff; border-radius: 10px; padding: 12px 14px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.card-title { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: #6b7280; }
.card-value { font-size: 22px; font-weight: 650; color: #1e3a5f; margin: 2px 0; }
.card-sub { font-size: 11.5px; color: #4b5563; }
section { background: #fff; border-radius: 10px; padding: 14px 18px 10px; margin: 14px 0; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { font-size: 16px; margin: 0 0 4px; color: #1e3a5f; }
p.intro { margin: 0 0 8px; color: #4b5563; font-size: 12.5px; }
.figure { overflow-x: auto; }
svg.chart { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
th { color: #6b7280; font-weight: 600; font-size: 11.5px; text-transform: uppercase; letter-spacing: .04em; }
td.method { color: #6b7280; font-size: 11.5px; }
td.na { color: #9ca3af; font-style: italic; }
ul.notes { margin: 4px 0 8px 18px; padding: 0; color: #4b5563; font-size: 12px; }
footer { text-align: center; color: #9ca3af; font-size: 11px; }
</style></head>
<body>
<header><h1>seedwire profile &middot; ${esc(r.resolved.name)}</h1>
<div class="meta">${esc(`${r.resolved.layers.join('-')} · lanes ${net.junctions.map((j) => j.z).join(' + ')} · ${net.feedback} · ${net.rounding} rounding · ${b.samples} samples on ${r.device} (device profile ${r.capability.profile}, timing model ${r.capability.timing}, ${hz / 1e6} MHz${r.deviceAssumed ? '; no device named, emu assumed' : ''}) · link ${t.link.spec} · energy table ${r.table.name}`)}</div></header>
<main>
<div class="cards">${cards}</div>
${section('The pipeline, first junction cycles', 'Every junction works in every cycle, each on a different sample (s = sample). A cycle lasts as long as its slowest junction.', chartGantt)}
${section('Where the device time goes, by junction', `Each bar is the whole run (${fmtS(t.deviceSeconds)}): clocks the junction computed, lost to bank clashes, or waited.`, chartClocks)}
${section('Busy time by junction and phase, against each baseline', 'Per sample. The unpipelined and CSR baselines do the same passes; dense does more work per pass.', chartPhaseTime)}
${section('Device time per sample, against each baseline', r.pipelining.explanation, chartTime)}
${section('Link against device', `${t.boundReason}. Link: ${t.link.spec} (${t.link.origin}).`, chartLink)}
${section('Energy by junction and phase, against each baseline', 'Device energy per sample: arithmetic and memory accesses of each phase, and the LFSR.', chartEnergyPhase)}
${section('Energy by operation and memory', `${r.connectivity.explanation}`, chartEnergyComp)}
${section('Energy with the wire', `The wire is charged ${fmtPj(r.table.wire[t.link.kind].pjPerByte)} per byte on ${t.link.kind} (an explicit table entry).`, chartEnergyTotal)}
${section('Training curve', `Running training accuracy per TRAIN chunk, on the same samples for every variant. Test accuracy of this run: ${r.training.testAccuracy.toFixed(4)}.`, chartCurve)}
<section><h2>Baselines</h2><table><thead><tr><th>variant</th><th>device time / sample</th><th>vs this</th><th>device energy / sample</th><th>vs this</th><th>how</th></tr></thead><tbody>
<tr><td><b>this run</b></td><td>${fmtS(b.perSample.deviceSeconds)}</td><td>1.00x</td><td>${fmtPj(b.perSample.deviceEnergyPj)}</td><td>1.00x</td><td class="method">measured on ${esc(r.device)}</td></tr>
${baselineRows}</tbody></table></section>
${updateUnitSection(r)}
<section><h2>Energy table</h2><p class="intro">${esc(`${r.table.name}: ${r.table.source} (${r.tableFile})${r.tableAssumptions.length ? `. ASSUMPTIONS, not sourced: ${r.tableAssumptions.join(', ')}` : ''}`)}</p><ul class="notes">${tableNotes}</ul></section>
<footer>seedwire profile · ${esc(r.timeline.totalCycles.toString())} junction cycles · schedule rebuilt from the spec ${r.timelineMatchesCounters ? 'matches' : 'does not match'} the device counters</footer>
</main></body></html>
`;
}

/** A lighter or darker variant of a colour for junction j. */
function shade(hex: string, j: number): string {
  const f = j === 1 ? 0 : Math.min(0.6, 0.35 * (j - 1));
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const m = c.map((x) => Math.round(x + (255 - x) * f));
  return `#${m.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** The update unit, multiplier beside ESSOP (update-units.ts): per-part energy and area with sources. */
function updateUnitSection(r: ProfileRun): string {
  const u = r.update;
  const m = u.measured;
  const units = [u.multiplier, ...(u.essop ? [u.essop] : [])];
  const rows = units
    .map((x) => {
      const parts = [...x.perEdge.map((p) => ({ ...p, per: 'edge' })), ...x.perUpdate.map((p) => ({ ...p, per: 'junction UP' }))];
      const head = `<tr><td><b>${esc(x.label)}</b>${(x.unit === 'essop') === (u.ran === 'essop') ? ' (ran)' : ''}</td><td>${fmtPj(x.arithmeticPerEdgePj)} + read ${fmtPj(x.perEdgePj - x.arithmeticPerEdgePj)}</td><td>${fmtPj(x.arithmeticEnergyPj)} (with reads ${fmtPj(x.energyPj)})</td><td>${Math.round(x.areaUm2).toLocaleString('en-US')} um2</td><td>${x.upClocks}${x.bitSerialUpClocks !== undefined ? `; bit-serial ${x.bitSerialUpClocks} (model)` : ''}</td></tr>`;
      const body = parts.map((p) => `<tr class="method"><td>&nbsp;&nbsp;${esc(p.part)}</td><td>${p.count.toFixed(p.count % 1 ? 1 : 0)} per ${p.per} x ${fmtPj(p.pj)}</td><td>${p.um2 ? `${p.um2.toFixed(1)} um2 each` : ''}</td><td colspan="2">${esc(p.source)}</td></tr>`).join('');
      return head + body;
    })
    .join('');
  const intro = `Measured (device counters, ${r.capability.profile}): ${m.upEdges} UP edges, ${m.upClocks} UP clocks, ${m.lfsrSteps} LFSR steps, ${m.samples} samples. Modelled: energy and area from the energy table; ESSOP's off-pass and bit-serial clocks from firmware-spec/timing.ts. ${u.essopVsMultiplier ? `ESSOP (${u.streamLength}-bit streams) against the multiplier: update arithmetic ${(100 * -u.essopVsMultiplier.arithmeticEnergySaving).toFixed(1)}%, with operand reads ${(100 * -u.essopVsMultiplier.energySaving).toFixed(1)}%, area ${(100 * -u.essopVsMultiplier.areaSaving).toFixed(1)}%.` : (u.missing ?? '')}`;
  return `<section><h2>Update unit: multiplier and ESSOP</h2><p class="intro">${esc(intro)}</p><table><thead><tr><th>unit / part</th><th>energy per edge</th><th>UP arithmetic energy</th><th>area, all lanes</th><th>UP clocks</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

