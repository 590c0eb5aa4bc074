/**
 * The firmware's boot path: sw_boot (bitstreams-src/rtl/sw_boot.v) copies a random image of the whole
 * firmware RAM out of the SPI flash model (bitstreams-src/tb/sim_spi_flash.v, W25Q128 at the spec's
 * offset) into a memory (tb_boot.v), in Icarus Verilog and, where Debian's verilator is installed, in
 * Verilator (the simulator of the co-simulation). The memory must equal the image word for word; the
 * testbench checks order, the w_ready handshake under random stalls, SPI mode 0, the RELEASE wait and
 * `done`. The clock count without stalls is the spec's: the boot time on the up5k build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UP5K_BUILD } from '../../firmware-spec/capability.ts';
import { FLASH_BOOT_BYTES, FLASH_SCK_HALF_CLOCKS, flashReleaseClocks } from '../../firmware-spec/gen/flash-boot.ts';
import { buildFirmware, FIRMWARES, hexWords } from '../../bitstreams-src/firmware/build.ts';
import { generatedFiles } from '../../bitstreams-src/sources.ts';
import { RTL_DIR, simulatorMissing, TB_DIR } from './harness.ts';

const missing = simulatorMissing();
// CI installs iverilog and verilator (.ci/run): there a missing tool fails the run instead of skipping
if (missing && process.env.CI) throw new Error(`the boot test needs ${missing} in CI`);
const verilatorMissing = spawnSync('verilator', ['--version'], { timeout: 30_000 }).status === 0 ? undefined : 'verilator is not installed';
if (verilatorMissing && process.env.CI) throw new Error(`the boot test needs ${verilatorMissing} in CI`);
const gccMissing = spawnSync('riscv64-unknown-elf-gcc', ['--version'], { timeout: 10_000 }).error ? 'riscv64-unknown-elf-gcc is not installed' : undefined;
if (gccMissing && process.env.CI) throw new Error(`the boot test needs ${gccMissing} in CI`);
const SIM_MS = 300_000;
const WORDS = FLASH_BOOT_BYTES / 4;
const SOURCES = [join(RTL_DIR, 'sw_boot.v'), join(TB_DIR, 'sim_spi_flash.v'), join(TB_DIR, 'tb_boot.v')];

/** xorshift32: a reproducible random image */
function randomImage(seed: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Indices of the words where the memory ($writememh of tb_boot) differs from the image. */
function mismatches(gotHex: string, image: Uint8Array): number[] {
  const got = gotHex.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('//'));
  const want = hexWords(image, image.length).trim().split('\n');
  const bad: number[] = [];
  for (let i = 0; i < want.length; i++) if (got[i]?.toLowerCase() !== want[i]) bad.push(i);
  return bad;
}

interface BootRun {
  clocks: number;
  pass: boolean;
  output: string;
  bad: number[];
}

describe.skipIf(missing !== undefined)(`sw_boot copies the firmware image out of the SPI flash (${missing ?? 'iverilog'})`, () => {
  let dir = '';
  const image = randomImage(0x5eed, FLASH_BOOT_BYTES);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'seedwire-boot-'));
    for (const [name, content] of Object.entries(generatedFiles())) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 'flash.hex'), hexWords(image, image.length));
    execFileSync('iverilog', ['-g2012', '-o', join(dir, 'boot.vvp'), '-I', dir, '-s', 'tb_boot', ...SOURCES], { timeout: 60_000 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const boot = (sim: string[], args: string[], flashHex = join(dir, 'flash.hex'), want = image): BootRun => {
    const out = join(dir, `got-${args.join('').replace(/\W/g, '')}.hex`);
    const r = spawnSync(sim[0], [...sim.slice(1), `+flash_hex=${flashHex}`, `+out=${out}`, ...args], { cwd: dir, encoding: 'utf8', timeout: SIM_MS, killSignal: 'SIGKILL' });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    const m = /^CLOCKS (\d+)$/m.exec(output);
    const pass = new RegExp(`^PASS ${WORDS} words$`, 'm').test(output) && !/^FAIL/m.test(output);
    return { clocks: m ? Number(m[1]) : NaN, pass, output, bad: m ? mismatches(readFileSync(out, 'utf8'), want) : [-1] };
  };
  const vvp = () => ['vvp', '-n', join(dir, 'boot.vvp')];
  /**
   * Without stalls: 2 x SCK_HALF clocks per bit (RELEASE 8, READ and offset 32, 32 per word), CS high
   * for tRES1, and 3 more: selecting the flash, leaving the wait, `done` after the last word is taken.
   */
  const expectedClocks = 2 * FLASH_SCK_HALF_CLOCKS * (8 + 32 + 32 * WORDS) + flashReleaseClocks() + 3;
  let plain = NaN;

  it(`boots a random ${FLASH_BOOT_BYTES}-byte image word for word, in the spec's clocks`, () => {
    const r = boot(vvp(), []);
    expect(r.output).toMatch(/^PASS/m);
    expect(r.pass).toBe(true);
    expect(r.bad).toEqual([]);
    expect(r.clocks).toBe(expectedClocks);
    plain = r.clocks;
    console.log(`sw_boot: ${FLASH_BOOT_BYTES} bytes in ${r.clocks} clocks = ${((r.clocks / UP5K_BUILD.clockHz) * 1e3).toFixed(2)} ms at the up5k build's ${UP5K_BUILD.clockHz / 1e6} MHz (Icarus, no stalls)`);
  });

  it('honours w_ready: random and long stalls lose, repeat or reorder no word', () => {
    for (const args of [['+stall=50', '+seed=7'], ['+stall=20', '+long=400', '+seed=11']]) {
      const r = boot(vvp(), args);
      expect(r.output).toMatch(/^PASS/m);
      expect(r.bad).toEqual([]);
      // stalls hold SCK, so the copy takes longer
      expect(r.clocks).toBeGreaterThan(plain);
    }
  });

  it('a byte changed in the flash shows in the memory (the comparison can fail)', () => {
    const bad = Uint8Array.from(image);
    const at = 4 * 1234 + 2;
    bad[at] ^= 0x10;
    const hex = join(dir, 'bad.hex');
    writeFileSync(hex, hexWords(bad, bad.length));
    const r = boot(vvp(), [], hex);
    expect(r.bad).toEqual([1234]);
  });

  it.skipIf(gccMissing !== undefined)('boots the board firmware\'s flash image (firmware.bin: the hex\'s words little-endian)', async () => {
    const img = await buildFirmware(FIRMWARES.board);
    const bin = new Uint8Array(readFileSync(img.bin));
    expect(bin.length).toBe(FLASH_BOOT_BYTES);
    expect(hexWords(bin, bin.length)).toBe(readFileSync(img.hex, 'utf8'));
    const r = boot(vvp(), ['+stall=10', '+seed=5'], img.hex, bin);
    expect(r.output).toMatch(/^PASS/m);
    expect(r.bad).toEqual([]);
  });

  describe.skipIf(verilatorMissing !== undefined)('under Verilator', () => {
    let exe = '';
    beforeAll(() => {
      exe = join(dir, 'vtb');
      execFileSync('verilator', ['--binary', '--timing', '-Wno-fatal', '-Wno-lint', '-Wno-style', '-j', '2', `-I${dir}`, '--top-module', 'tb_boot', '--Mdir', join(dir, 'vobj'), '-o', exe, ...SOURCES], { cwd: dir, timeout: SIM_MS, stdio: 'pipe' });
    });

    it('the same words and the same clocks as Icarus, with stalls', () => {
      const args = ['+stall=30', '+long=100', '+seed=3'];
      const v = boot([exe], args);
      const i = boot(vvp(), args);
      expect(v.output).toMatch(/^PASS/m);
      expect(v.bad).toEqual([]);
      expect(v.clocks).toBe(i.clocks);
    });
  });
});
