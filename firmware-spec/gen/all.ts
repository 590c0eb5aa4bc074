import { existsSync } from 'node:fs';
import { sigmoidLutJson } from './sigmoid.ts';
import { fillSpecMarkdown, type HostSpecParts, SPEC_MD_PATH, specTables } from './spec-tables.ts';
import { vectorFiles } from './vectors.ts';

/**
 * Every generated file (repo-relative path -> content), computed in memory. `read` gives a file's
 * current content (SPEC.md's hand-written prose is kept around its generated tables); `host` is what
 * the host supplies (its presets, for SPEC.md section 12), passed in because the spec imports nothing
 * above it.
 * Optional generators (gen/verilog.ts, written with the RTL) and optional spec parts (protocol.ts)
 * are used when their files exist.
 */
export async function generatedFiles(read: (rel: string) => string | undefined, host: HostSpecParts = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  out['firmware-spec/sigmoid-lut.json'] = sigmoidLutJson();
  Object.assign(out, vectorFiles());
  const protocol = existsSync(new URL('../protocol.ts', import.meta.url)) ? ((await import('../protocol.ts')) as Record<string, unknown>) : undefined;
  const md = read(SPEC_MD_PATH);
  if (md !== undefined) out[SPEC_MD_PATH] = fillSpecMarkdown(md, specTables({ protocol, presets: host.presets }));
  if (existsSync(new URL('./verilog.ts', import.meta.url))) {
    const v = (await import('./verilog.ts')) as { verilogFiles: () => Record<string, string> };
    Object.assign(out, v.verilogFiles());
  }
  return out;
}
