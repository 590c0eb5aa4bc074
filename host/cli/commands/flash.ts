import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { FLASH_BOOT_OFFSET } from '../../../firmware-spec/gen/flash-boot.ts';
import { action } from '../errors.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEFAULT_BITSTREAM = join('bitstreams-src', 'build', 'seedwire-up5k.bin');
export const DEFAULT_FIRMWARE = join('bitstreams-src', 'build', 'seedwire-up5k-firmware.bin');

class FlashError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'FlashError';
    this.code = code;
  }
}

/** iceprog with `args`; a failure becomes a FlashError naming what was and was not written */
function iceprog(args: string[], what: string, before: string): void {
  const r = spawnSync('iceprog', args, { encoding: 'utf8' });
  process.stderr.write(r.stderr ?? '');
  if (r.status !== 0) {
    const noBoard = /Can't find iCE FTDI USB device|No such device|unable to open ftdi/i.test(r.stderr ?? '');
    throw new FlashError(noBoard ? 'no_board' : 'iceprog_failed', `${noBoard ? 'no iCEBreaker found on USB (iceprog could not open the FT2232H)' : `iceprog exited with status ${r.status} writing ${what}`}; ${before}`);
  }
}

/**
 * `seedwire flash [bitstream] [--firmware file]`: write the board's firmware image and its bitstream
 * to the iCEBreaker with iceprog (fpga-icestorm). The firmware goes into the SPI flash at
 * FLASH_BOOT_OFFSET (the bitstream's boot loader copies it into the soft CPU's RAM at every reset),
 * then the bitstream at 0 (or, with --sram, into the FPGA only).
 */
export function registerFlash(program: Command): void {
  program
    .command('flash')
    .description('program the iCEBreaker with iceprog (Debian fpga-icestorm): the firmware image into the flash, then the bitstream')
    .argument('[bitstream]', 'bitstream file', DEFAULT_BITSTREAM)
    .option('--firmware <file>', 'firmware flash image (written at the boot offset)', DEFAULT_FIRMWARE)
    .option('--sram', 'load the bitstream into the FPGA only (iceprog -S), not the flash (the firmware still goes into the flash)')
    .action(
      action(async (file: string, opts: { sram?: boolean; firmware: string }) => {
        const path = resolve(REPO, file);
        const fw = resolve(REPO, opts.firmware);
        if (!existsSync(path)) throw new FlashError('no_bitstream', `${file} does not exist: run \`seedwire bitstream\` first`);
        if (!existsSync(fw)) throw new FlashError('no_firmware', `${opts.firmware} does not exist: run \`seedwire bitstream\` first (it builds the firmware image too)`);
        const probe = spawnSync('iceprog', ['--help'], { encoding: 'utf8' });
        if (probe.error) throw new FlashError('no_iceprog', 'iceprog is not installed (Debian: apt-get install fpga-icestorm); nothing was flashed');
        iceprog(['-o', String(FLASH_BOOT_OFFSET), fw], opts.firmware, 'nothing was flashed');
        iceprog([...(opts.sram ? ['-S'] : []), path], file, `the firmware was written, the bitstream was not`);
        process.stdout.write(`flashed ${opts.firmware} at ${FLASH_BOOT_OFFSET} and ${file}${opts.sram ? ' (FPGA SRAM)' : ''}\n`);
      }),
    );
}
