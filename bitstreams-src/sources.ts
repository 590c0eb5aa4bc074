/**
 * The device's Verilog sources and generated constants, in one place for every tool that reads them:
 * the bitstream build (build.ts), the resource measurement (measure.ts) and the co-simulation build
 * (cosim/build.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENT_ROM_PATH, SIGMOID_HEX_PATH, SPEC_VH_PATH, verilogFiles } from '../firmware-spec/gen/verilog.ts';

export const RTL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'rtl');

/** Verilog sources of the device: every file of bitstreams-src/rtl, sorted. */
export function rtlSources(): string[] {
  return readdirSync(RTL_DIR)
    .filter((f) => f.endsWith('.v'))
    .sort()
    .map((f) => join(RTL_DIR, f));
}

/** The generated constants, by file name (spec.vh, sigmoid_lut.hex, ident_rom.vh). */
export function generatedFiles(): Record<string, string> {
  const g = verilogFiles();
  return { 'spec.vh': g[SPEC_VH_PATH], 'sigmoid_lut.hex': g[SIGMOID_HEX_PATH], 'ident_rom.vh': g[IDENT_ROM_PATH] };
}

/**
 * One flat file tree for the WebAssembly tools (yosys, nextpnr run with it as their working directory,
 * so `include` and $readmemh find the generated files): the generated constants and every RTL source,
 * with the sources' names in the order yosys reads them.
 */
export function rtlTree(): { files: Record<string, string>; names: string[] } {
  const files: Record<string, string> = { ...generatedFiles() };
  const names: string[] = [];
  for (const p of rtlSources()) {
    const name = relative(RTL_DIR, p);
    files[name] = readFileSync(p, 'utf8');
    names.push(name);
  }
  return { files, names };
}
