import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { ConfigError, type ConfigProblem } from '../config/errors.ts';
import { loadConfigFile, loadPreset, parseConfig } from '../config/load.ts';
import type { NetworkConfig } from '../config/schema.ts';
import { plan } from '../partition/partition.ts';
import { canonicalJson, runKey } from './key.ts';
import { type RunField, type RunFields, type RunOptions, type RunSpec, type SweepFile, sweepFileSchema } from './schema.ts';

/** Fields that shape the network; the rest are run options or labels. */
const OPTION_FIELDS: RunField[] = ['epochs', 'samples', 'dataset', 'encoding', 'device', 'runDir', 'label'];

/** zod issues as config problems, each with its path under `root`. */
function problemsOf(root: string, issues: Array<{ path: PropertyKey[]; message: string }>): ConfigProblem[] {
  return issues.map((i) => ({ path: [root, ...i.path.map(String)].join('.'), message: i.message }));
}

/** Read and validate a sweep file (JSON). Every problem is reported with its path. */
export function loadSweepFile(file: string): { sweep: SweepFile; dir: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([{ path: 'sweep', message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([{ path: 'sweep', message: `${file} is not valid JSON: ${(e as Error).message}` }]);
  }
  return { sweep: parseSweep(raw), dir: dirname(resolve(file)) };
}

export function parseSweep(raw: unknown): SweepFile {
  const r = sweepFileSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(problemsOf('sweep', r.error.issues));
  // the grid's combinations follow the file's key order (zod returns the schema's order)
  const rawGrid = (raw as { grid?: object }).grid;
  if (r.data.grid && rawGrid) r.data.grid = Object.fromEntries(Object.keys(rawGrid).map((k) => [k, r.data.grid![k as keyof typeof r.data.grid]]));
  return r.data;
}

/** Every combination of the grid's values (one empty point without a grid), in file order. */
function gridPoints(grid: SweepFile['grid']): Array<{ fields: RunFields; path: string }> {
  let points: Array<{ fields: Record<string, unknown>; path: string[] }> = [{ fields: {}, path: [] }];
  for (const [k, values] of Object.entries(grid ?? {})) {
    if (!values) continue;
    points = points.flatMap((p) => (values as unknown[]).map((v, i) => ({ fields: { ...p.fields, [k]: v }, path: [...p.path, `${k}.${i}`] })));
  }
  return points.map((p) => ({ fields: p.fields as RunFields, path: p.path.length ? `grid(${p.path.join(', ')})` : '' }));
}

/** The network a run's fields describe: its preset or config, then the config fields on top. */
function networkOf(f: RunFields, dir: string, where: string, problems: ConfigProblem[]): NetworkConfig | undefined {
  let cfg: NetworkConfig;
  try {
    if (f.preset && f.config) throw new ConfigError([{ path: 'preset', message: 'give preset or config, not both' }]);
    if (f.preset) cfg = loadPreset(f.preset);
    else if (typeof f.config === 'string') cfg = loadConfigFile(resolve(dir, f.config));
    else if (f.config) cfg = structuredClone(f.config);
    else throw new ConfigError([{ path: 'preset', message: 'give preset or config (in base, a list entry or the grid)' }]);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) problems.push({ path: `${where}.${p.path}`, message: p.message });
    return undefined;
  }
  const L = cfg.layers.length - 1;
  const junctions = Array.from({ length: L }, (_, i) => ({ ...(cfg.junctions?.[i] ?? {}) }));
  const perJunction = (name: 'fanouts' | 'density' | 'z', apply: (j: (typeof junctions)[number], v: number) => void) => {
    const vs = f[name];
    if (!vs) return;
    if (vs.length !== L) problems.push({ path: `${where}.${name}`, message: `${cfg.layers.join('-')} has ${L} junctions; got ${vs.length} values` });
    else vs.forEach((v, i) => apply(junctions[i], v));
  };
  perJunction('fanouts', (j, v) => {
    j.fo = v;
    delete j.density;
  });
  perJunction('density', (j, v) => {
    j.density = v;
    delete j.fo;
  });
  perJunction('z', (j, v) => (j.z = v));
  if (f.sparsity) {
    // one sparsity for every junction: it replaces per-junction choices of the preset
    cfg.sparsity = f.sparsity;
    for (const j of junctions) delete j.sparsity;
  }
  cfg.junctions = junctions;
  if (f.formats) cfg.formats = { ...cfg.formats, ...f.formats };
  for (const k of ['lrShift', 'feedback', 'feedbackShift', 'rounding', 'balancing', 'chunk', 'seed'] as const) {
    if (f[k] !== undefined) (cfg as Record<string, unknown>)[k] = f[k];
  }
  try {
    return parseConfig(cfg);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) problems.push({ path: `${where}.${p.path}`, message: p.message });
    return undefined;
  }
}

export interface Expanded {
  runs: RunSpec[];
  /** runs of the file that were the same run as an earlier one (same key), left out */
  duplicates: number;
}

/**
 * Expand a sweep into fully resolved, named, keyed runs: every list entry (or `base` alone) times
 * every grid point, later fields overriding earlier (base < list entry < grid point). Every run's
 * network is validated, and planned on the emulator's capability when it asks for the emulator, so
 * a bad run is reported before any run starts.
 */
export function expandSweep(sweep: SweepFile, dir: string): Expanded {
  const problems: ConfigProblem[] = [];
  const entries = sweep.list ? sweep.list.map((e, i) => ({ fields: e, path: `sweep.list.${i}` })) : [{ fields: {} as RunFields, path: 'sweep.base' }];
  const combos: Array<{ fields: RunFields; own: RunFields; where: string }> = [];
  for (const e of entries) {
    for (const g of gridPoints(sweep.grid)) {
      // what names the run: the entry's label (or the fields it sets), then the grid point's fields
      const own = { ...(e.fields.label ? { label: e.fields.label } : e.fields), ...g.fields };
      combos.push({ fields: { ...sweep.base, ...e.fields, ...g.fields }, own, where: g.path ? `${e.path} ${g.path}` : e.path });
    }
  }
  // a field varies if two runs give it different values: those fields name the runs
  const varying = new Set<string>();
  for (const c of combos) for (const [k, v] of Object.entries(c.fields)) if (k !== 'label' && combos.some((o) => canonicalJson(o.fields[k as RunField]) !== canonicalJson(v))) varying.add(k);
  const emuCap = capabilityFor('emu', specHash());
  const runs: RunSpec[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const c of combos) {
    const f = c.fields;
    const network = networkOf(f, dir, c.where, problems);
    if (!network) continue;
    const options: RunOptions = {
      epochs: f.epochs ?? 1,
      ...(f.samples !== undefined ? { samples: f.samples } : {}),
      dataset: f.dataset ?? 'mnist',
      encoding: f.encoding ?? 'u8',
      device: f.device ?? 'emu',
    };
    if (options.device === 'emu') {
      try {
        plan(network, emuCap, 'emu');
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        for (const p of e.problems) problems.push({ path: `${c.where}.${p.path}`, message: p.message });
        continue;
      }
    }
    const key = runKey(network, options);
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    const parts = [c.own.label, ...Object.keys(c.own).filter((k) => varying.has(k)).map((k) => `${k}=${fieldText(f[k as RunField])}`)].filter(Boolean);
    const name = parts.length ? parts.join(' ') : sweep.name;
    const fields = Object.fromEntries(Object.entries(f).filter(([k]) => !OPTION_FIELDS.includes(k as RunField) || k === 'epochs' || k === 'samples'));
    runs.push({ format: 1, key, name, sweep: sweep.name, network: { ...network, name: `${sweep.name}: ${name}` }, options, fields, ...(f.runDir ? { runDir: f.runDir } : {}) });
  }
  if (problems.length) throw new ConfigError(problems);
  return { runs, duplicates };
}

function fieldText(v: unknown): string {
  if (Array.isArray(v)) return `(${v.join(',')})`;
  if (v && typeof v === 'object') return canonicalJson(v);
  return String(v);
}
