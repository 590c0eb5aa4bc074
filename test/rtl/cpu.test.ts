/**
 * sw_cpu (bitstreams-src/rtl/sw_cpu.v) runs C: the self-test firmware (bitstreams-src/firmware/selftest)
 * is compiled for RV32I and for this machine, and the core in Icarus Verilog (tb_cpu.v) must print what
 * the host build prints, with the bus answering at once and with wait states.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFirmware, FIRMWARE_DIR, FIRMWARES, type FirmwareImage } from '../../bitstreams-src/firmware/build.ts';
import { RTL_DIR, simulatorMissing, TB_DIR } from './harness.ts';

const gccMissing = spawnSync('riscv64-unknown-elf-gcc', ['--version'], { timeout: 10_000 }).error ? 'riscv64-unknown-elf-gcc is not installed' : undefined;
const missing = simulatorMissing() ?? gccMissing;
// CI installs both (.ci/run): there a missing tool fails the run instead of skipping the test
if (missing && process.env.CI) throw new Error(`the sw_cpu test needs ${missing} in CI`);
const SIM_MS = 300_000;

describe.skipIf(missing !== undefined)(`sw_cpu runs C (${missing ?? 'iverilog'})`, () => {
  let dir = '';
  let img: FirmwareImage;
  let expected = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seedwire-cpu-'));
    img = await buildFirmware(FIRMWARES.selftest);
    execFileSync('cc', ['-DSELFTEST_HOST', '-O1', '-o', join(dir, 'host'), join(FIRMWARE_DIR, 'selftest', 'selftest.c')], { timeout: 60_000 });
    expected = execFileSync(join(dir, 'host'), { encoding: 'utf8', timeout: 10_000 });
    execFileSync('iverilog', ['-g2012', '-o', join(dir, 'cpu.vvp'), '-s', 'tb_cpu', `-Ptb_cpu.RAM_BYTES=${img.ramBytes}`, join(RTL_DIR, 'sw_cpu.v'), join(TB_DIR, 'tb_cpu.v')], { timeout: 60_000 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sim = (hex: string, wait: number) => {
    const out = execFileSync('vvp', ['-n', join(dir, 'cpu.vvp'), `+hex=${hex}`, `+wait=${wait}`, '+max_clocks=2000000'], { encoding: 'utf8', timeout: SIM_MS });
    const m = /^EXIT (\d+) (\d+)$/m.exec(out);
    return { console: out.replace(/^(EXIT|TIMEOUT).*\n?/m, ''), clocks: m ? Number(m[1]) : undefined, instructions: m ? Number(m[2]) : undefined };
  };

  it('prints what the host build prints (bus without wait states)', () => {
    const r = sim(img.hex, 0);
    expect(expected).toMatch(/done\n$/);
    expect(r.console).toBe(expected);
    // 4 clocks per ALU instruction, 6 per load/store, more per shift: well under 6 on average
    expect(r.clocks! / r.instructions!).toBeLessThan(6);
  });

  it('prints the same with 3 wait states on every access', () => {
    expect(sim(img.hex, 3).console).toBe(expected);
  });

  it('a flipped bit in the image changes what it prints', () => {
    const words = readFileSync(img.hex, 'utf8').split('\n');
    // an instruction in the middle of .text: flip a bit of its immediate/register fields
    const k = Math.floor(img.text / 8);
    words[k] = (parseInt(words[k], 16) ^ (1 << 21)).toString(16).padStart(8, '0');
    const bad = join(dir, 'bad.hex');
    writeFileSync(bad, words.join('\n'));
    expect(sim(bad, 0).console).not.toBe(expected);
  });
});
