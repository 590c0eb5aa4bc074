import { Command } from 'commander';
import { registerDevices } from './commands/devices.ts';
import { registerEmulator } from './commands/emulator.ts';
import { registerInspect } from './commands/inspect.ts';
import { registerBitstream } from './commands/bitstream.ts';
import { registerFlash } from './commands/flash.ts';
import { registerTrain } from './commands/train.ts';
import { registerProfile } from './commands/profile.ts';
import { registerCosim } from './commands/cosim.ts';

/**
 * The seedwire command line. Each command lives in commands/<name>.ts and registers itself here.
 */
export function buildProgram(): Command {
  const program = new Command('seedwire')
    .description('Train neural networks with pre-defined sparsity on an FPGA, or on its bit-exact emulator')
    .showHelpAfterError();
  // in the order a user meets them: plan, train, profile, devices, hardware
  registerInspect(program);
  registerTrain(program);
  registerProfile(program);
  registerEmulator(program);
  registerDevices(program);
  registerBitstream(program);
  registerFlash(program);
  registerCosim(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
