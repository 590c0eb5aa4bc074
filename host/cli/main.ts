import { Command } from 'commander';
import { registerDevices } from './commands/devices.ts';
import { registerEmulator } from './commands/emulator.ts';
import { registerInspect } from './commands/inspect.ts';
import { registerBitstream } from './commands/bitstream.ts';
import { registerFlash } from './commands/flash.ts';
import { registerTrain } from './commands/train.ts';
import { registerProfile } from './commands/profile.ts';

/**
 * The seedwire command line. Each command lives in commands/<name>.ts and registers itself here.
 */
export function buildProgram(): Command {
  const program = new Command('seedwire')
    .description('Train neural networks with pre-defined sparsity on an FPGA, or on its bit-exact emulator')
    .showHelpAfterError();
  registerInspect(program);
  registerBitstream(program);
  registerFlash(program);
  registerEmulator(program);
  registerDevices(program);
  registerTrain(program);
  registerProfile(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
