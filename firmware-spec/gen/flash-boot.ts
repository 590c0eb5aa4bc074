/**
 * The board's boot path for the soft CPU's firmware (bitstreams-src/rtl/sw_boot.v): the firmware RAM
 * (SPRAM) has no initial contents, so at reset the image is copied from the iCEBreaker's SPI flash
 * (Winbond W25Q128JV, 16 MiB, 24-bit addresses), where it is written behind the bitstream with
 * `iceprog -o FLASH_BOOT_OFFSET firmware.bin`. One source for the RTL (spec.vh via gen/verilog.ts,
 * hence also bitstreams-src/gen/spec.h), the firmware build (the flash image's size) and the docs.
 * Internal to the board: not part of the host contract, so not in the spec hash.
 *
 * The reader's sequence (SPI mode 0, MSB first): RELEASE (0xAB, "release from power-down": the iCE40
 * puts the flash to sleep after it has read the bitstream), CS high for at least tRES1, then READ
 * (0x03) with the 24-bit offset, and FLASH_BOOT_BYTES bytes read back, little-endian 32-bit words.
 */
import { UP5K_BUILD } from '../capability.ts';
import { CPU_RAM_BYTES } from './cpu-io.ts';

/**
 * Flash byte offset of the firmware image: 1 MiB, far behind the bitstream at offset 0 (an UP5K
 * bitstream is about 100 KB; bitstreams-src/build.ts checks the one it writes against this) and
 * 64 KiB-aligned, so writing the image erases no block of the bitstream.
 */
export const FLASH_BOOT_OFFSET = 0x10_0000;
/** bytes of the image: the whole firmware RAM (code, data, zeroed bss and stack), as build.ts writes it */
export const FLASH_BOOT_BYTES = CPU_RAM_BYTES;
/** W25Q128JV: addresses are 24 bits, the array 16 MiB */
export const FLASH_ADDR_BITS = 24;
/** W25Q128JV instructions: release from power-down (its device-ID bytes are not read), read data */
export const FLASH_CMD = { RELEASE: 0xab, READ: 0x03 } as const;
/** W25Q128JV tRES1: CS high to standby after RELEASE, ns (datasheet: 3 us max) */
export const FLASH_T_RES1_NS = 3000;
/** W25Q128JV fR: highest SCK for the READ (0x03) instruction, Hz (datasheet: 50 MHz) */
export const FLASH_READ_MAX_HZ = 50_000_000;
/** device clocks per SCK half period: SCK = clockHz / (2 x this), 12 MHz at the up5k build's 24 MHz */
export const FLASH_SCK_HALF_CLOCKS = 1;

/** Device clocks CS stays high after RELEASE: tRES1 rounded up at the up5k build's clock. */
export function flashReleaseClocks(clockHz: number = UP5K_BUILD.clockHz): number {
  return Math.ceil((FLASH_T_RES1_NS * clockHz) / 1e9);
}

function check(clockHz: number): void {
  if (FLASH_BOOT_BYTES % 4 !== 0) throw new Error('FLASH_BOOT_BYTES: the image is whole 32-bit words');
  if (FLASH_BOOT_OFFSET % 0x1_0000 !== 0 || FLASH_BOOT_OFFSET + FLASH_BOOT_BYTES > 2 ** FLASH_ADDR_BITS) throw new Error('FLASH_BOOT_OFFSET: a 64 KiB-aligned image inside the 16 MiB flash');
  if (!Number.isInteger(FLASH_SCK_HALF_CLOCKS) || FLASH_SCK_HALF_CLOCKS < 1 || clockHz / (2 * FLASH_SCK_HALF_CLOCKS) > FLASH_READ_MAX_HZ) throw new Error('FLASH_SCK_HALF_CLOCKS: SCK above the flash\'s READ limit');
}

/** `define lines for spec.vh (and so #define lines for spec.h), in the style of cpuIoDefines */
export function flashBootDefines(): Array<[string, string | number, string?]> {
  const clockHz = UP5K_BUILD.clockHz;
  check(clockHz);
  const hex = (v: number, bits: number) => `${bits}'h${v.toString(16).padStart(Math.ceil(bits / 4), '0')}`;
  return [
    ['SW_FLASH_BOOT_OFFSET', hex(FLASH_BOOT_OFFSET, FLASH_ADDR_BITS), 'flash byte offset of the firmware image (iceprog -o)'],
    ['SW_FLASH_BOOT_BYTES', FLASH_BOOT_BYTES, 'bytes of the image: the whole firmware RAM, little-endian words'],
    ['SW_FLASH_CMD_RELEASE', hex(FLASH_CMD.RELEASE, 8), 'W25Q128JV release from power-down'],
    ['SW_FLASH_CMD_READ', hex(FLASH_CMD.READ, 8), 'W25Q128JV read data, 24-bit address'],
    ['SW_FLASH_RELEASE_CLOCKS', flashReleaseClocks(clockHz), `CS high after RELEASE: tRES1 ${FLASH_T_RES1_NS} ns at SW_CLOCK_HZ, rounded up`],
    ['SW_FLASH_SCK_HALF', FLASH_SCK_HALF_CLOCKS, 'clocks per SCK half period (SCK = SW_CLOCK_HZ / 2 / this)'],
  ];
}
