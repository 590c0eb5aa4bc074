import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { action } from '../errors.ts';

class CosimOptionError extends Error {
  readonly code = 'bad_option' as const;
}

/**
 * `seedwire cosim --pty [--baud N]`: the board without a board. Builds (once, cached) a Verilator
 * model of the board's top level (the RTL, its SPI flash holding the firmware image) and runs it cycle by cycle behind a pseudo-terminal whose path is the
 * first line of stdout; a host opens it as `serial:/dev/pts/N?baud=N` like a board's UART. Serves
 * until SIGINT/SIGTERM, then prints simulated clocks and clocks per second (one JSON line on stderr).
 */
export function registerCosim(program: Command): void {
  program
    .command('cosim')
    .description('co-simulate the RTL top level (Verilator) behind a pseudo-terminal, as a board on a UART')
    .option('--pty', 'create a pseudo-terminal and print its path (/dev/pts/N) as the first line of stdout')
    .option('--baud <n>', 'UART rate the model is built for (the device clock must be a multiple of it)')
    .option('--rtl-endpoint', 'the protocol endpoint in RTL (sw_proto; does not fit the UP5K) instead of the board\'s top (firmware on the soft CPU)')
    .action(action(cosim));
}

async function cosim(flags: { pty?: boolean; baud?: string; rtlEndpoint?: boolean }): Promise<void> {
  if (!flags.pty) throw new CosimOptionError('give --pty (the co-simulation serves on a pseudo-terminal)');
  const { buildCosim, uartDivisor, COSIM_CLOCK_HZ, COSIM_DEFAULT_BAUD } = await import('../../../bitstreams-src/cosim/build.ts');
  const baud = flags.baud === undefined ? COSIM_DEFAULT_BAUD : Number(flags.baud);
  const div = uartDivisor(baud);
  const log = (line: string) => process.stderr.write(`seedwire cosim: ${line}\n`);
  const model = await buildCosim(div, log, { rtlEndpoint: flags.rtlEndpoint === true });
  // the harness prints the pty path first on the shared stdout, and its statistics on stderr
  const child = spawn(model.exe, ['--clock-hz', String(COSIM_CLOCK_HZ), '--baud', String(baud)], { cwd: model.dir, stdio: ['ignore', 'inherit', 'inherit'] });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, sig) => resolve(c ?? (sig ? 0 : 1)));
  });
  process.exitCode = code;
}
