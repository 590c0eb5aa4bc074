export { configSchema, sparsitySchema, SEED_MIN, SEED_MAX, type NetworkConfig, type SparsityConfig } from './schema.ts';
export { ConfigError, type ConfigProblem } from './errors.ts';
export { parseConfig, loadPreset, loadConfigFile, loadConfigChoice } from './load.ts';
export { PRESETS, presetNames } from './presets.ts';
