/**
 * Firmware images for sw_cpu (rtl/sw_cpu.v, RV32I): C compiled with Debian's bare-metal RISC-V GCC
 * (`gcc-riscv64-unknown-elf`, rv32i/ilp32 multilib), linked at address 0 by firmware/link.ld behind
 * firmware/start.S, and written as a $readmemh file of 32-bit words (one per line) that fills a RAM of
 * `ramBytes` (the simulations' initial RAM and the flash model's contents), and as the same bytes in a
 * flat file (`firmware.bin`, ramBytes long) for the board's SPI flash, where the boot loader
 * (rtl/sw_boot.v) copies it from at reset: `iceprog -o <SW_FLASH_BOOT_OFFSET> firmware.bin`.
 *
 * Built once per distinct input: the cache key is a sha256 over the sources, start.S, link.ld, the flags,
 * the RAM size and `gcc --version`; the image lives under bitstreams-src/build/firmware/<key>/
 * (git-ignored), written to a temporary directory first and renamed into place.
 *
 * Run directly (`npx tsx bitstreams-src/firmware/build.ts [name]`) it builds the named image (default:
 * the board's firmware) and prints its sizes and paths as JSON, with the flash offset the boot loader
 * reads the image from (`flashOffset`, bytes).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CPU_RAM_BYTES } from '../../firmware-spec/gen/cpu-io.ts';
import { FLASH_BOOT_OFFSET } from '../../firmware-spec/gen/flash-boot.ts';

const run = promisify(execFile);
/** spec.h (npm run gen) */
export const GEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'gen');
const HERE = dirname(fileURLToPath(import.meta.url));
export const FIRMWARE_DIR = HERE;
export const FIRMWARE_BUILD_DIR = join(HERE, '..', 'build', 'firmware');
const GCC = 'riscv64-unknown-elf-gcc';
const SIZE = 'riscv64-unknown-elf-size';
const OBJCOPY = 'riscv64-unknown-elf-objcopy';
/** a firmware build takes a second or two; this bounds a stuck compiler */
const TOOL_TIMEOUT_MS = 120_000;
/** RV32I, soft multiply/divide from libgcc, size first, no host library */
export const CFLAGS = ['-march=rv32i', '-mabi=ilp32', '-Os', '-ffreestanding', '-nostdlib', '-fno-builtin', '-ffunction-sections', '-fdata-sections', '-fno-tree-loop-distribute-patterns', '-Wall', '-Wextra', '-Werror'] as const;

export class FirmwareError extends Error {
  constructor(
    readonly code: 'no_toolchain' | 'build_failed' | 'too_big',
    message: string,
  ) {
    super(message);
    this.name = 'FirmwareError';
  }
}

export interface FirmwareImage {
  /** the $readmemh file: ramBytes / 4 lines of 8 hex digits */
  hex: string;
  /** the flash image: the same ramBytes bytes, word i's bits 7:0 at byte 4i (flashImage) */
  bin: string;
  elf: string;
  key: string;
  built: boolean;
  /** bytes of code + read-only data, initialised data, zeroed data (riscv64-unknown-elf-size) */
  text: number;
  data: number;
  bss: number;
  ramBytes: number;
}

export interface FirmwareSpec {
  /** names the image (the cache directory's prefix) */
  name: string;
  /** C sources, paths relative to firmware/ */
  sources: string[];
  /** include directories, absolute */
  include?: string[];
  /** RAM the image fills (code, data, bss and the stack), bytes, a multiple of 4 */
  ramBytes: number;
  defines?: string[];
}

async function gccVersion(): Promise<string> {
  try {
    return (await run(GCC, ['--version'], { timeout: 30_000 })).stdout.split('\n')[0];
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new FirmwareError('no_toolchain', err.code === 'ENOENT' ? `${GCC} is not installed (Debian: apt-get install gcc-riscv64-unknown-elf)` : `${GCC} --version failed: ${err.message}`);
  }
}

/** Build (or find in the cache) a firmware image. */
export async function buildFirmware(spec: FirmwareSpec): Promise<FirmwareImage> {
  const version = await gccVersion();
  const srcs = spec.sources.map((s) => join(HERE, s));
  const fixed = [join(HERE, 'start.S'), join(HERE, 'link.ld'), fileURLToPath(import.meta.url)];
  const headers = (spec.include ?? []).flatMap((d) => headerFiles(d));
  const h = createHash('sha256');
  h.update(`${version}\0${CFLAGS.join(' ')}\0${spec.ramBytes}\0${(spec.defines ?? []).join(' ')}\0`);
  for (const f of [...srcs, ...fixed, ...headers]) h.update(`${f.slice(HERE.length)}\0`).update(readFileSync(f)).update('\0');
  const key = `${spec.name}-${h.digest('hex').slice(0, 16)}`;
  const dir = join(FIRMWARE_BUILD_DIR, key);
  const hex = join(dir, 'firmware.hex');
  const elf = join(dir, 'firmware.elf');
  const binPath = join(dir, 'firmware.bin');
  if (existsSync(hex)) return { ...(JSON.parse(readFileSync(join(dir, 'size.json'), 'utf8')) as Omit<FirmwareImage, 'hex' | 'bin' | 'elf' | 'built'>), hex, bin: binPath, elf, built: false };

  mkdirSync(FIRMWARE_BUILD_DIR, { recursive: true });
  const tmp = mkdtempSync(join(FIRMWARE_BUILD_DIR, `.build-${key}-`));
  try {
    const args = [
      ...CFLAGS,
      ...(spec.include ?? []).map((d) => `-I${d}`),
      ...(spec.defines ?? []).map((d) => `-D${d}`),
      `-Wl,--defsym=RAM_BYTES=${spec.ramBytes}`, '-Wl,--gc-sections', '-Wl,--no-warn-rwx-segments', `-T${join(HERE, 'link.ld')}`,
      '-o', join(tmp, 'firmware.elf'), join(HERE, 'start.S'), ...srcs, '-lgcc',
    ];
    await tool(GCC, args);
    const sizes = (await tool(SIZE, ['-A', join(tmp, 'firmware.elf')])).split('\n');
    const section = (name: string) => Number(sizes.find((l) => l.startsWith(`${name} `))?.trim().split(/\s+/)[1] ?? 0);
    const text = section('.text') + section('.rodata');
    const data = section('.data');
    const bss = section('.bss');
    await tool(OBJCOPY, ['-O', 'binary', '-R', '.bss', join(tmp, 'firmware.elf'), join(tmp, 'firmware.bin')]);
    const bin = readFileSync(join(tmp, 'firmware.bin'));
    if (bin.length + bss > spec.ramBytes) throw new FirmwareError('too_big', `firmware ${spec.name}: ${bin.length} bytes of image + ${bss} of bss exceed the ${spec.ramBytes}-byte RAM`);
    writeFileSync(join(tmp, 'firmware.hex'), hexWords(bin, spec.ramBytes));
    writeFileSync(join(tmp, 'firmware.bin'), flashImage(bin, spec.ramBytes)); // replaces objcopy's unpadded image
    writeFileSync(join(tmp, 'size.json'), `${JSON.stringify({ key, text, data, bss, ramBytes: spec.ramBytes })}\n`);
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another build finished first: use its copy
    }
    return { key, text, data, bss, ramBytes: spec.ramBytes, hex, bin: binPath, elf, built: true };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function headerFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.h'))
    .sort()
    .map((f) => join(dir, f));
}

async function tool(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new FirmwareError('build_failed', `${cmd} failed:\n${(err.stderr ?? err.message).trim().split('\n').slice(-20).join('\n')}`);
  }
}

/** little-endian 32-bit words, one per line, zero-padded to ramBytes */
export function hexWords(bin: Uint8Array, ramBytes: number): string {
  const lines: string[] = [];
  for (let a = 0; a < ramBytes; a += 4) {
    const w = ((bin[a] ?? 0) | ((bin[a + 1] ?? 0) << 8) | ((bin[a + 2] ?? 0) << 16) | ((bin[a + 3] ?? 0) << 24)) >>> 0;
    lines.push(w.toString(16).padStart(8, '0'));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The flash image (firmware.bin): the RAM's bytes in address order, zero-padded to ramBytes, which
 * is the hex's words little-endian (sw_boot.v puts flash byte 4i + k into bits 8k+7..8k of word i).
 */
export function flashImage(bin: Uint8Array, ramBytes: number): Uint8Array {
  if (bin.length > ramBytes) throw new FirmwareError('too_big', `an image of ${bin.length} bytes does not fit a ${ramBytes}-byte RAM`);
  const out = new Uint8Array(ramBytes);
  out.set(bin);
  return out;
}

/** The images this repository builds, by name. */
export const FIRMWARES: Record<string, FirmwareSpec> = {
  /** the core's self-test (test/rtl/cpu.test.ts: tb_cpu.v prints what it prints on the host) */
  selftest: { name: 'selftest', sources: ['selftest/selftest.c'], ramBytes: 16384 },
  /** the board's control plane (rtl/sw_ctrl.v): the protocol endpoint and the requests */
  board: { name: 'board', sources: ['board/link.c', 'board/exec.c', 'board/mem.c'], include: [GEN_DIR], ramBytes: CPU_RAM_BYTES },
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const name = process.argv[2] ?? 'board';
  const spec = FIRMWARES[name];
  if (!spec) {
    process.stderr.write(`no firmware named ${name} (${Object.keys(FIRMWARES).join(', ')})\n`);
    process.exit(2);
  }
  const img = await buildFirmware(spec);
  process.stdout.write(`${JSON.stringify({ ...img, flashOffset: FLASH_BOOT_OFFSET })}\n`);
}
