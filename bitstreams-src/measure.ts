/**
 * Resource figures of one module or one top variant, without a full place-and-route: yosys
 * `synth_ice40` with the build's flags (build.ts SYNTH_FLAGS), then, for sw_top, nextpnr-ice40
 * `--pack-only`, which packs LUTs, carries and flip-flops into logic cells (ICESTORM_LC) and reports
 * the utilisation even when the design does not fit (a full build stops there with no figure).
 *
 *   npx tsx bitstreams-src/measure.ts [--top sw_top] [--define SW_CPU_PORT] [--noflatten]
 *
 * --top MODULE   the module to synthesise (default sw_top; a module other than sw_top gets yosys's
 *                cell counts only: no pins, so no packing)
 * --define NAME  a Verilog define, repeatable (SW_CPU_PORT: the board's soft-CPU control plane, whose
 *                firmware image is built first; none: the protocol endpoint in RTL)
 * --noflatten    per-module cell counts (synth_ice40 -noflatten)
 * --synth-flags  synth_ice40's flags instead of the build's (build.ts SYNTH_FLAGS), e.g. '-dsp -dff -abc9'
 *
 * Prints one JSON line: yosys's cell counts (SB_LUT4, SB_CARRY, flip-flops, SB_RAM40_4K, ...) per
 * module, and for sw_top the packed ICESTORM_* figures against the UP5K's.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runYosys } from '@yowasp/yosys';
import { runNextpnrIce40 } from '@yowasp/nextpnr-ice40';
import { PCF_PATH, SYNTH_FLAGS } from './build.ts';
import { rtlTree } from './sources.ts';
import { buildFirmware, FIRMWARES } from './firmware/build.ts';

type Tree = { [name: string]: Tree | string | Uint8Array };

export interface Measurement {
  top: string;
  defines: string[];
  /** yosys `stat` cell counts, by module (one entry, the top, unless --noflatten) */
  cells: Record<string, Record<string, number>>;
  /** nextpnr --pack-only utilisation (sw_top only): used / available */
  packed?: Record<string, { used: number; available: number }>;
  firmware?: { text: number; data: number; bss: number; ramBytes: number };
}

function text(v: Tree[string] | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : new TextDecoder().decode(v as Uint8Array);
}

/** yosys `stat` output -> cell counts per module */
export function parseStat(log: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  let mod = '';
  for (const line of log.split('\n')) {
    const m = /^=== (\S+) ===/.exec(line);
    if (m) {
      mod = m[1];
      out[mod] = {};
      continue;
    }
    const c = /^\s+(SB_\w+|\$\w+)\s+(\d+)$/.exec(line);
    if (mod && c) out[mod][c[1]] = Number(c[2]);
  }
  return out;
}

export async function measure(top: string, defines: string[], noflatten: boolean, synthFlags: readonly string[] = SYNTH_FLAGS): Promise<Measurement> {
  const { files: sources, names } = rtlTree();
  const files: Tree = { ...sources };
  let firmware: Measurement['firmware'];
  if (defines.includes('SW_CPU_PORT')) {
    const img = await buildFirmware(FIRMWARES.board);
    files['firmware.hex'] = readFileSync(img.hex, 'utf8');
    firmware = { text: img.text, data: img.data, bss: img.bss, ramBytes: img.ramBytes };
  }
  const script = [
    `read_verilog -sv -DSW_SPRAM ${defines.map((d) => `-D${d}`).join(' ')} -I. ${names.join(' ')}`,
    `synth_ice40 -top ${top} ${synthFlags.join(' ')}${noflatten ? ' -noflatten' : ''} -json top.json`,
    'tee -o stat.txt stat',
  ].join('; ');
  const y = (await runYosys(['-q', '-p', script], files, { stdout: () => {}, stderr: () => {} })) as Tree;
  const cells = parseStat(text(y['stat.txt']));
  const result: Measurement = { top, defines, cells, firmware };
  if (top === 'sw_top' && !noflatten) {
    const logs: Uint8Array[] = [];
    const keep = (b: Uint8Array | null) => void (b && logs.push(b.slice()));
    try {
      await runNextpnrIce40(
        ['--up5k', '--package', 'sg48', '--pcf', 'icebreaker.pcf', '--json', 'top.json', '--pack-only'],
        { 'top.json': text(y['top.json']), 'icebreaker.pcf': readFileSync(PCF_PATH, 'utf8') },
        { stdout: keep, stderr: keep },
      );
    } catch {
      // a design that does not fit makes nextpnr fail after it printed the utilisation
    }
    const log = Buffer.concat(logs).toString('utf8');
    result.packed = {};
    for (const m of log.matchAll(/(ICESTORM_\w+):\s+(\d+)\/\s*(\d+)/g)) result.packed[m[1]] = { used: Number(m[2]), available: Number(m[3]) };
  }
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let top = 'sw_top';
  const defines: string[] = [];
  let noflatten = false;
  let synthFlags: readonly string[] = SYNTH_FLAGS;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--top') top = args[++i];
    else if (args[i] === '--define') defines.push(args[++i]);
    else if (args[i] === '--noflatten') noflatten = true;
    else if (args[i] === '--synth-flags') synthFlags = args[++i].split(/\s+/).filter(Boolean);
    else {
      process.stderr.write(`measure: unknown argument ${args[i]} (--top MODULE, --define NAME, --noflatten, --synth-flags '...')\n`);
      process.exit(2);
    }
  }
  process.stdout.write(`${JSON.stringify(await measure(top, defines, noflatten, synthFlags))}\n`);
}
