import type { Command } from 'commander';
import { capabilityFor } from '../../../firmware-spec/capability.ts';
import { specHash } from '../../../firmware-spec/hash.ts';
import { PRESET_PURPOSES, PRESETS } from '../../config/presets.ts';
import { plan } from '../../partition/partition.ts';
import { action } from '../errors.ts';

/** One line per built-in network: layers, density (planned on the emulator), what it is for. */
export function presetLines(): string[] {
  const cap = capabilityFor('emu', specHash());
  const names = Object.keys(PRESETS);
  const width = Math.max(...names.map((n) => n.length));
  return names.map((name) => {
    const cfg = PRESETS[name];
    const p = plan(structuredClone(cfg), cap);
    const density = `${(100 * p.density).toFixed(1)}%`.padStart(6);
    return `${name.padEnd(width)}  ${cfg.layers.join('-').padEnd(10)}  density ${density}  ${PRESET_PURPOSES[name] ?? ''}`;
  });
}

export function registerPresets(program: Command): void {
  program
    .command('presets')
    .description('list the built-in networks: layers, density, what each is for')
    .action(
      action(() => {
        process.stdout.write(`${presetLines().join('\n')}\n`);
      }),
    );
}
