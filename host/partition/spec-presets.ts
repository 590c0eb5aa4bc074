import { capabilityFor } from '../../firmware-spec/capability.ts';
import type { HostSpecParts } from '../../firmware-spec/gen/spec-tables.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { loadPreset } from '../config/load.ts';
import { presetNames } from '../config/presets.ts';
import { plan, type ResolvedConfig } from './partition.ts';

/**
 * Every built-in preset resolved by the partitioner for the emulator's `emu` profile with the default
 * run seed: the network descriptors CONFIGURE carries. firmware-spec/gen writes them into SPEC.md
 * (section 12), so a second host can reproduce a preset's run without reading this code.
 */
export function presetDescriptors(): ResolvedConfig[] {
  const cap = capabilityFor('emu', specHash());
  return presetNames().map((name) => plan(loadPreset(name), cap, 'emu').resolved);
}

/** What the host supplies to the spec's generated tables (`npm run gen`, host/gen/run.ts). */
export function hostSpecParts(): HostSpecParts {
  return { presets: presetDescriptors() };
}
