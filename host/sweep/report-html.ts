import { esc, groupedBars } from '../profile/svg.ts';
import { PALETTE, type XySeries, xyChart } from './charts.ts';
import { canonicalJson } from './key.ts';
import type { RunResult } from './run.ts';

/** Fields that set a run's density or only repeat it (seeds): they do not split the density lines. */
const DENSITY_FIELDS = new Set(['fanouts', 'density', 'sparsity', 'preset', 'config', 'z', 'seed', 'label', 'samples', 'epochs']);

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const acc = (v: number) => v.toFixed(3);

/**
 * The lines of the accuracy-against-density plot: one per fan-out pattern (each junction's fan-out,
 * 'x' where it varies in the sweep) and feedback kind (and any other field the sweep varies that
 * does not set density); each point is one density, its accuracy the mean over the runs there
 * (seeds).
 */
export function densitySeries(runs: RunResult[]): XySeries[] {
  const L = Math.max(0, ...runs.map((r) => r.fanouts.length));
  const varies = Array.from({ length: L }, (_, i) => new Set(runs.map((r) => r.fanouts[i])).size > 1);
  const otherVarying = [...new Set(runs.flatMap((r) => Object.keys(r.fields)))]
    .filter((k) => !DENSITY_FIELDS.has(k) && k !== 'feedback')
    .filter((k) => new Set(runs.map((r) => canonicalJson(r.fields[k]))).size > 1)
    .sort();
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) {
    const pattern = r.fanouts.map((f, i) => (varies[i] ? 'x' : String(f))).join(', ');
    const extra = otherVarying.map((k) => `${k}=${canonicalJson(r.fields[k])}`);
    const name = [`${r.feedback}, fan-outs (${pattern})`, ...extra].join(', ');
    groups.set(name, [...(groups.get(name) ?? []), r]);
  }
  return [...groups.entries()].map(([name, rs], gi) => {
    const byDensity = new Map<string, RunResult[]>();
    for (const r of rs) byDensity.set(r.density.toFixed(6), [...(byDensity.get(r.density.toFixed(6)) ?? []), r]);
    return {
      name,
      color: PALETTE[gi % PALETTE.length],
      points: [...byDensity.values()].map((at) => {
        const y = at.reduce((a, r) => a + r.testAccuracy, 0) / at.length;
        return { x: at[0].density, y, title: `${name}: density ${pct(at[0].density)}, fan-outs (${at[0].fanouts.join(', ')}), test accuracy ${acc(y)}${at.length > 1 ? ` (mean of ${at.length} runs)` : ''}` };
      }),
    };
  });
}

/** The sweep's results as one self-contained HTML page (inline SVG and CSS, no scripts, no fetches). */
export function buildSweepHtml(sweep: string, runs: RunResult[]): string {
  const devices = [...new Set(runs.map((r) => r.device))].join(', ') || 'none';
  const density = densitySeries(runs);
  const densityChart = xyChart(density, { xMin: 0, xMax: 1, yMin: 0, yMax: 1, xLabel: 'overall density (edges / possible edges)', yLabel: 'test accuracy', fmtX: pct, fmtY: acc });
  const maxEpochs = Math.max(1, ...runs.map((r) => r.epochs));
  const epochSeries: XySeries[] = runs
    .filter((r) => r.epochReports.some((e) => e.testAccuracy !== undefined))
    .map((r, i) => ({
      name: r.name,
      color: PALETTE[i % PALETTE.length],
      points: r.epochReports.filter((e) => e.testAccuracy !== undefined).map((e) => ({ x: e.epoch, y: e.testAccuracy!, title: `${r.name}: epoch ${e.epoch}, test accuracy ${acc(e.testAccuracy!)}` })),
    }));
  const epochChart = xyChart(epochSeries, {
    xMin: 0,
    xMax: maxEpochs,
    yMin: 0,
    yMax: 1,
    xLabel: 'epoch',
    yLabel: 'test accuracy after the epoch',
    fmtX: (v) => String(Math.round(v)),
    fmtY: acc,
    xTicks: Array.from({ length: maxEpochs + 1 }, (_, i) => i),
    valueLabels: false,
  });
  const speedChart = groupedBars(
    runs.map((r) => r.name),
    [{ name: 'training samples/s', color: PALETTE[0], values: runs.map((r) => r.samplesPerSec) }],
    { fmt: (v) => v.toFixed(0), axisLabel: `samples trained per wall-clock second of the run (device ${devices}; includes loading, evaluation and readback)` },
  );
  const rows = runs
    .map(
      (r) =>
        `<tr><td>${esc(r.name)}</td><td><code>${esc(r.key)}</code></td><td>${pct(r.density)}</td><td>(${r.fanouts.join(', ')})</td><td>${esc(r.feedback)}</td><td>${r.epochs} x ${r.samples}</td><td>${acc(r.testAccuracy)}</td><td>${r.samplesPerSec.toFixed(0)}</td><td>${r.seconds.toFixed(2)}</td><td>${esc(r.device)}</td><td>${esc(r.worker)}${r.resumed ? ' (resumed)' : ''}</td><td><code>${esc(r.weightsSha256.slice(0, 16))}</code></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>seedwire sweep ${esc(sweep)}</title>
<style>
body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 24px; color: #111; max-width: 1100px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 12px; } td, th { border-bottom: 1px solid #e5e7eb; padding: 3px 8px; text-align: left; }
.note { color: #555; font-size: 12px; }
</style></head>
<body>
<h1>Sweep ${esc(sweep)}: ${runs.length} runs</h1>
<p class="note">Measured on device ${esc(devices)} (the bit-exact emulator unless a board is named; accuracy does not depend on the device, speed does). Test accuracy is the device's INFER over the test set after the last epoch.</p>
<h2>Test accuracy against density</h2>
<p class="note">One line per fan-out pattern (x: the junction whose fan-out varies) and feedback kind; a point with several runs (seeds) shows their mean.</p>
${densityChart}
<h2>Test accuracy per epoch</h2>
${epochChart}
<h2>Training speed</h2>
${speedChart}
<h2>Runs</h2>
<table><thead><tr><th>run</th><th>key</th><th>density</th><th>fan-outs</th><th>feedback</th><th>epochs x samples</th><th>test acc.</th><th>samples/s</th><th>seconds</th><th>device</th><th>worker</th><th>weights sha256</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
