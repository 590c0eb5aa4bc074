import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { PRESETS, presetNames } from './presets.ts';
import { configSchema, type NetworkConfig } from './schema.ts';

/** Validate an object against the schema; every zod issue becomes one problem with its path. */
export function parseConfig(raw: unknown): NetworkConfig {
  const r = configSchema.safeParse(raw);
  if (r.success) return r.data;
  const problems: ConfigProblem[] = r.error.issues.map((i) => ({ path: ['config', ...i.path.map(String)].join('.'), message: i.message }));
  throw new ConfigError(problems);
}

export function loadPreset(name: string): NetworkConfig {
  const p = PRESETS[name];
  if (!p) throw new ConfigError([{ path: 'preset', message: `unknown preset '${name}' (have: ${presetNames().join(', ')})` }]);
  return structuredClone(p);
}

/** Read and validate a JSON config file. */
export function loadConfigFile(file: string): NetworkConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([{ path: 'config', message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([{ path: 'config', message: `${file} is not valid JSON: ${(e as Error).message}` }]);
  }
  return parseConfig(raw);
}

/** --preset NAME or --config FILE, exactly one. */
export function loadConfigChoice(opts: { preset?: string; config?: string }): NetworkConfig {
  if (opts.preset && opts.config) throw new ConfigError([{ path: 'preset', message: 'give --preset or --config, not both' }]);
  if (opts.preset) return loadPreset(opts.preset);
  if (opts.config) return loadConfigFile(opts.config);
  throw new ConfigError([{ path: 'preset', message: 'give --preset NAME or --config FILE' }]);
}
