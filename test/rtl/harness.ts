/**
 * Runs the RTL testbenches (bitstreams-src/tb) in Icarus Verilog: writes the generated constants
 * (firmware-spec/gen/verilog.ts) and a stimulus file into a temporary directory, compiles with
 * `iverilog -g2012`, runs `vvp`, and parses the testbench's own verdict line `PASS n/m vectors`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../../bitstreams-src/sources.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RTL_DIR = join(REPO, 'bitstreams-src', 'rtl');
export const TB_DIR = join(REPO, 'bitstreams-src', 'tb');
export const VECTORS_DIR = join(REPO, 'firmware-spec', 'vectors');

/** Why the RTL tests cannot run here, or undefined when iverilog and vvp are on the PATH. */
export function simulatorMissing(): string | undefined {
  for (const tool of ['iverilog', 'vvp']) {
    const r = spawnSync(tool, ['-V'], { encoding: 'utf8', timeout: TOOL_PROBE_MS, killSignal: 'SIGKILL' });
    if (r.error) return `${tool} is not on the PATH (Debian: apt-get install iverilog)`;
  }
  return undefined;
}

export interface TbResult {
  passed: number;
  total: number;
  ok: boolean;
  output: string;
}

export interface TbOptions {
  /** testbench top module (bitstreams-src/tb/<top>.v) */
  top: string;
  /** stimulus text, passed as +script=FILE */
  script: string;
  /** parameter overrides of the top, e.g. { Z: 4 } */
  params?: Record<string, number>;
  /** simulate the up5k SPRAM primitive with yosys's iCE40 cell models */
  spram?: boolean;
  /** bound on the simulation run, ms (default SIM_TIMEOUT_MS; the compile has its own, the same) */
  timeoutMs?: number;
  /** testbench plusargs besides +script, e.g. ['+watchdog=100'] */
  plusargs?: string[];
}

/** `iverilog -V` / `vvp -V` answer at once; a tool that does not is treated as missing. */
const TOOL_PROBE_MS = 10_000;
/**
 * Bound on one compile and one simulation run, ms. The testbenches' watchdogs (tb_common.vh
 * SB_WAIT_WHILE) fail a stuck wait with a message first; this catches whatever they cannot (a
 * simulator loop without clock edges), so a broken RTL fails its test instead of hanging CI.
 */
export const SIM_TIMEOUT_MS = 600_000;

/** yosys's iCE40 simulation models (for SB_SPRAM256KA), shipped in @yowasp/yosys. */
export function ice40CellsSim(): string {
  return join(REPO, 'node_modules', '@yowasp', 'yosys', 'gen', 'share', 'ice40', 'cells_sim.v');
}

export function runTestbench(o: TbOptions): TbResult {
  const dir = mkdtempSync(join(tmpdir(), 'seedwire-rtl-'));
  try {
    for (const [name, content] of Object.entries(generatedFiles())) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 'stimulus.txt'), o.script);
    const rtl = readdirSync(RTL_DIR)
      .filter((f) => f.endsWith('.v') && f !== 'sw_top.v')
      .sort()
      .map((f) => join(RTL_DIR, f));
    const args = ['-g2012', '-o', join(dir, 'sim.vvp'), '-I', dir, '-I', TB_DIR, '-s', o.top];
    for (const [k, v] of Object.entries(o.params ?? {})) args.push(`-P${o.top}.${k}=${v}`);
    if (o.spram) args.push('-DSW_SPRAM', '-DNO_ICE40_DEFAULT_ASSIGNMENTS', ice40CellsSim());
    args.push(...rtl, join(TB_DIR, `${o.top}.v`));
    const timeout = o.timeoutMs ?? SIM_TIMEOUT_MS;
    execFileSync('iverilog', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: SIM_TIMEOUT_MS, killSignal: 'SIGKILL' });
    const run = spawnSync('vvp', ['-n', join(dir, 'sim.vvp'), `+script=${join(dir, 'stimulus.txt')}`, ...(o.plusargs ?? [])], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout, killSignal: 'SIGKILL' });
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    if (run.error || run.signal) {
      const why = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' ? `vvp ran past its ${timeout / 1000} s bound and was killed` : `vvp failed: ${run.error?.message ?? `killed by ${run.signal}`}`;
      return { passed: 0, total: 0, ok: false, output: `${why}\n${output}` };
    }
    const m = /^(PASS|FAIL) (\d+)\/(\d+) vectors/m.exec(output);
    if (!m) return { passed: 0, total: 0, ok: false, output };
    return { passed: Number(m[2]), total: Number(m[3]), ok: m[1] === 'PASS' && m[2] === m[3], output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Stimulus text builder: one command per line, numbers in decimal. */
export class Script {
  private lines: string[] = [];
  /** values checked by the testbench */
  checks = 0;
  line(...v: Array<number | string>): this {
    this.lines.push(v.join(' '));
    return this;
  }
  list(op: number, values: ArrayLike<number>, checked: boolean): this {
    if (checked) this.checks += values.length;
    this.lines.push(`${op} ${values.length} ${Array.from(values).join(' ')}`);
    return this;
  }
  text(): string {
    return `${this.lines.join('\n')}\n0\n`;
  }
}

export function version(tool: string): string {
  const r = spawnSync(tool, ['-V'], { encoding: 'utf8', timeout: TOOL_PROBE_MS, killSignal: 'SIGKILL' });
  return (r.stdout || r.stderr || '').split('\n')[0];
}
