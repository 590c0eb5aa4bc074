import { Command } from 'commander';
import { registerDevices } from './commands/devices.ts';
import { registerEmulator } from './commands/emulator.ts';
import { registerInspect } from './commands/inspect.ts';
import { registerBitstream } from './commands/bitstream.ts';
import { registerFlash } from './commands/flash.ts';
import { registerTrain } from './commands/train.ts';
import { registerProfile } from './commands/profile.ts';
import { registerEvaluate } from './commands/evaluate.ts';
import { registerExport } from './commands/export.ts';
import { registerPresets } from './commands/presets.ts';
import pkg from '../../package.json' with { type: 'json' };
import { registerSweep } from './commands/sweep.ts';
import { registerWorker } from './commands/worker.ts';
import { registerCosim } from './commands/cosim.ts';

/**
 * The seedwire command line. Each command lives in commands/<name>.ts and registers itself here.
 */
export function buildProgram(): Command {
  const program = new Command('seedwire')
    .description('Train neural networks with pre-defined sparsity on an FPGA, or on its bit-exact emulator')
    .version(pkg.version, '-V, --version', 'print the seedwire version');
  // in the order a user meets them: plan, train, profile, devices, hardware
  registerInspect(program);
  registerPresets(program);
  registerTrain(program);
  registerEvaluate(program);
  registerExport(program);
  registerProfile(program);
  registerEmulator(program);
  registerDevices(program);
  registerBitstream(program);
  registerFlash(program);
  registerSweep(program);
  registerWorker(program);
  registerCosim(program);
  // a bad option or argument: one line saying what is wrong, then the command's usage line
  for (const cmd of [program, ...program.commands]) cmd.showHelpAfterError(`usage: ${cmd === program ? 'seedwire' : `seedwire ${cmd.name()}`} ${cmd.usage()}  (--help for all options)`);
  return program;
}

await buildProgram().parseAsync(process.argv);
