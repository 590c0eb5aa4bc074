import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSweepHtml } from './report-html.ts';
import type { RunResult } from './run.ts';
import type { RunSpec } from './schema.ts';

export const RUNS_DIR = 'runs';

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** One run's JSON in DIR/runs/KEY.json, written as soon as the run finishes. */
export function writeRunJson(dir: string, r: RunResult): void {
  mkdirSync(join(dir, RUNS_DIR), { recursive: true });
  writeAtomic(join(dir, RUNS_DIR, `${r.key}.json`), `${JSON.stringify(r, null, 1)}\n`);
}

/** A finished result for this run in DIR, if one is there (a re-run of a sweep reuses it). */
export function readRunJson(dir: string, spec: RunSpec): RunResult | undefined {
  try {
    const r = JSON.parse(readFileSync(join(dir, RUNS_DIR, `${spec.key}.json`), 'utf8')) as RunResult;
    if (r.key === spec.key && typeof r.weightsSha256 === 'string' && /^[0-9a-f]{64}$/.test(r.weightsSha256) && typeof r.testAccuracy === 'number') return r;
  } catch {
    // none, or unreadable: the run is done again
  }
  return undefined;
}

const CSV_COLUMNS: Array<[string, (r: RunResult) => unknown]> = [
  ['key', (r) => r.key],
  ['name', (r) => r.name],
  ['weightsSha256', (r) => r.weightsSha256],
  ['testAccuracy', (r) => r.testAccuracy],
  ['trainAccuracy', (r) => r.trainAccuracy],
  ['density', (r) => r.density],
  ['fanouts', (r) => r.fanouts.join(' ')],
  ['feedback', (r) => r.feedback],
  ['sparsity', (r) => r.sparsity.join(' ')],
  ['epochs', (r) => r.epochs],
  ['samples', (r) => r.samples],
  ['samplesTrained', (r) => r.samplesTrained],
  ['seconds', (r) => r.seconds],
  ['samplesPerSec', (r) => r.samplesPerSec],
  ['device', (r) => r.device],
  ['worker', (r) => r.worker],
  ['resumed', (r) => r.resumed],
];

function csvCell(v: unknown): string {
  const s = v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** results.csv: the fixed columns, then one column per field the sweep file set. */
export function resultsCsv(runs: RunResult[]): string {
  const fieldNames = [...new Set(runs.flatMap((r) => Object.keys(r.fields)))].sort();
  const head = [...CSV_COLUMNS.map(([h]) => h), ...fieldNames.map((f) => `field.${f}`)];
  const lines = runs.map((r) => [...CSV_COLUMNS.map(([, get]) => get(r)), ...fieldNames.map((f) => r.fields[f])].map(csvCell).join(','));
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

/** DIR/runs/KEY.json for every run, DIR/results.csv and DIR/report.html (self-contained). */
export function writeOutDir(dir: string, sweep: string, runs: RunResult[]): { csv: string; html: string } {
  mkdirSync(dir, { recursive: true });
  for (const r of runs) writeRunJson(dir, r);
  const csv = join(dir, 'results.csv');
  const html = join(dir, 'report.html');
  writeAtomic(csv, resultsCsv(runs));
  writeAtomic(html, buildSweepHtml(sweep, runs));
  return { csv, html };
}
