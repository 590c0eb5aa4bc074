import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { action } from '../errors.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEFAULT_BITSTREAM = join('bitstreams-src', 'build', 'seedwire-up5k.bin');

class FlashError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'FlashError';
    this.code = code;
  }
}

/** `seedwire flash [file]`: write the bitstream to the iCEBreaker's flash with iceprog (fpga-icestorm). */
export function registerFlash(program: Command): void {
  program
    .command('flash')
    .description('program the iCEBreaker with iceprog (Debian fpga-icestorm)')
    .argument('[bitstream]', 'bitstream file', DEFAULT_BITSTREAM)
    .option('--sram', 'load into the FPGA only (iceprog -S), not the flash')
    .action(
      action(async (file: string, opts: { sram?: boolean }) => {
        const path = resolve(REPO, file);
        if (!existsSync(path)) throw new FlashError('no_bitstream', `${file} does not exist: run \`seedwire bitstream\` first`);
        const probe = spawnSync('iceprog', ['--help'], { encoding: 'utf8' });
        if (probe.error) throw new FlashError('no_iceprog', 'iceprog is not installed (Debian: apt-get install fpga-icestorm); nothing was flashed');
        const r = spawnSync('iceprog', [...(opts.sram ? ['-S'] : []), path], { encoding: 'utf8' });
        process.stderr.write(r.stderr ?? '');
        if (r.status !== 0) {
          const noBoard = /Can't find iCE FTDI USB device|No such device|unable to open ftdi/i.test(r.stderr ?? '');
          throw new FlashError(noBoard ? 'no_board' : 'iceprog_failed', noBoard ? 'no iCEBreaker found on USB (iceprog could not open the FT2232H); nothing was flashed' : `iceprog exited with status ${r.status}`);
        }
        process.stdout.write(`flashed ${file}\n`);
      }),
    );
}
