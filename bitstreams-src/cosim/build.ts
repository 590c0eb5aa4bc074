/**
 * The co-simulation model: Verilator (Debian `verilator`) compiles the top level (bitstreams-src/rtl/*.v
 * with the generated spec.vh) and the pty harness (harness.cpp) into one executable. The soft-CPU build
 * (`cpu`) has cosim_top.v as its top instead: sw_top with the SPI flash model (tb/sim_spi_flash.v)
 * that holds the firmware image its boot loader copies at reset (the model's class keeps the name
 * Vsw_top, so the harness is the same).
 *
 * Built once per distinct input: the cache key is a sha256 over the RTL sources, the generated files,
 * the harness, the UART divisor and `verilator --version`; the executable lives under
 * bitstreams-src/build/cosim/<key>/ (git-ignored). A build goes to a temporary directory first and is
 * renamed into place, so an interrupted or concurrent build never leaves a half-written model behind.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PROFILES } from '../../firmware-spec/capability.ts';
import { UART } from '../../firmware-spec/protocol.ts';
import { IDENT_ROM_PATH, SIGMOID_HEX_PATH, SPEC_VH_PATH } from '../../firmware-spec/gen/verilog.ts';
import { buildFirmware, FIRMWARES } from '../firmware/build.ts';
import { RTL_DIR, rtlSources } from '../sources.ts';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = join(HERE, '..');
const REPO = join(SRC, '..');
const HARNESS = join(HERE, 'harness.cpp');
/** the soft-CPU build's top and the flash model it adds (simulation only, not in rtlSources) */
const CPU_TOP = join(HERE, 'cosim_top.v');
const FLASH_MODEL = join(SRC, 'tb', 'sim_spi_flash.v');
export const COSIM_BUILD_DIR = join(SRC, 'build', 'cosim');
const EXE = 'sw_cosim';
/** a model build takes about a minute on 2 cores; this bounds a stuck compiler */
const BUILD_TIMEOUT_MS = 15 * 60_000;

export class CosimError extends Error {
  constructor(
    readonly code: 'no_verilator' | 'bad_baud' | 'build_failed',
    message: string,
  ) {
    super(message);
    this.name = 'CosimError';
  }
}

/** The device clock and default baud of the board the model is (PROFILES.up5k, protocol.ts UART). */
export const COSIM_CLOCK_HZ = PROFILES.up5k.clockHz;
export const COSIM_DEFAULT_BAUD = UART.baud;

/** Clocks per UART bit at `baud`, or a CosimError when the clock is not a whole multiple of it. */
export function uartDivisor(baud: number): number {
  const div = COSIM_CLOCK_HZ / baud;
  if (!Number.isInteger(baud) || baud <= 0 || !Number.isInteger(div) || div < 2) {
    throw new CosimError('bad_baud', `--baud ${baud}: the ${COSIM_CLOCK_HZ} Hz device clock must be a whole multiple (>= 2) of it, e.g. ${COSIM_DEFAULT_BAUD}`);
  }
  return div;
}

export interface CosimModel {
  /** the executable: run it with --clock-hz and --baud, cwd = dir */
  exe: string;
  dir: string;
  key: string;
  /** true when this call compiled it */
  built: boolean;
}

async function verilatorVersion(): Promise<string> {
  try {
    return (await run('verilator', ['--version'], { timeout: 30_000 })).stdout.trim();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CosimError('no_verilator', err.code === 'ENOENT' ? 'verilator is not installed (Debian: apt-get install verilator)' : `verilator --version failed: ${err.message}`);
  }
}

export interface CosimOptions {
  /**
   * The protocol endpoint in RTL (sw_proto, sw_exec, sw_samples: sw_top without SW_CPU_PORT) instead of
   * the board's top, whose control plane is firmware on the soft CPU (rtl/sw_ctrl.v, sw_cpu.v,
   * firmware/board). The RTL endpoint speaks the same protocol but does not fit the UP5K.
   */
  rtlEndpoint?: boolean;
}

/** Build (or find in the cache) the model for UART divisor `div`. */
export async function buildCosim(div: number, log: (line: string) => void = () => {}, opts: CosimOptions = {}): Promise<CosimModel> {
  const version = await verilatorVersion();
  const firmware = opts.rtlEndpoint ? undefined : await buildFirmware(FIRMWARES.board);
  if (firmware) log(`firmware ${firmware.key}: ${firmware.text} bytes of code and constants, ${firmware.data + firmware.bss} of data, in ${firmware.ramBytes} bytes of RAM`);
  const sources = [...rtlSources(), ...(firmware ? [CPU_TOP, FLASH_MODEL] : [])];
  const inputs = [...sources, join(REPO, SPEC_VH_PATH), join(REPO, SIGMOID_HEX_PATH), join(REPO, IDENT_ROM_PATH), HARNESS, join(HERE, 'build.ts'), ...(firmware ? [firmware.hex] : [])];
  const h = createHash('sha256');
  h.update(`${version}\0div=${div}\0cpu=${firmware ? 1 : 0}\0`);
  for (const f of inputs) h.update(`${f.slice(REPO.length)}\0`).update(readFileSync(f)).update('\0');
  const key = h.digest('hex').slice(0, 16);
  const dir = join(COSIM_BUILD_DIR, key);
  const exe = join(dir, EXE);
  if (existsSync(exe)) return { exe, dir, key, built: false };

  mkdirSync(COSIM_BUILD_DIR, { recursive: true });
  const tmp = mkdtempSync(join(COSIM_BUILD_DIR, `.build-${key}-`));
  log(`building the Verilator model of sw_top (cache key ${key}); the first build takes a minute or two`);
  const t0 = Date.now();
  const args = [
    '--cc', '--exe', '--build',
    '-O3', '--x-assign', 'fast', '--x-initial', 'fast', '--noassert',
    '-Wno-fatal', '-Wno-lint', '-Wno-style', '-Wno-WIDTH', '-Wno-MULTIDRIVEN', '-Wno-UNOPTFLAT',
    ...(firmware ? ['--top-module', 'cosim_top', '--prefix', 'Vsw_top'] : ['--top-module', 'sw_top']),
    `-GUART_DIV=${div}`,
    ...(firmware ? ['-DSW_CPU_PORT'] : []),
    `-I${join(REPO, dirname(SPEC_VH_PATH))}`, `-I${RTL_DIR}`,
    '-CFLAGS', '-O2', '-MAKEFLAGS', '-j2',
    '--Mdir', join(tmp, 'obj'), '-o', join(tmp, EXE),
    HARNESS, ...sources,
  ];
  try {
    await run('verilator', args, { cwd: tmp, timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    rmSync(tmp, { recursive: true, force: true });
    const tail = (err.stderr ?? err.message).trim().split('\n').slice(-15).join('\n');
    throw new CosimError('build_failed', `verilator could not build the model:\n${tail}`);
  }
  // the sigmoid table is read at start-up ($readmemh) from the working directory
  copyFileSync(join(REPO, SIGMOID_HEX_PATH), join(tmp, 'sigmoid_lut.hex'));
  // and the firmware image: the flash model's contents (sim_spi_flash.v HEX "firmware.hex", read at the
  // image's offset), as it was the initial RAM of sw_ctrl.v (SW_FIRMWARE_HEX) before the boot loader
  if (firmware) copyFileSync(firmware.hex, join(tmp, 'firmware.hex'));
  rmSync(join(tmp, 'obj'), { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another build finished first: use its copy
  }
  log(`model built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return { exe, dir, key, built: true };
}
