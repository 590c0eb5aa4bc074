/**
 * What `npm run gen` does (its entry, host/gen/run.ts, supplies the host's part: the presets of
 * SPEC.md section 12): regenerates every generated artifact of the spec, deterministically.
 *
 *   firmware-spec/sigmoid-lut.json     the sigmoid table (gen/sigmoid.ts)
 *   firmware-spec/vectors/*.json       golden vectors (gen/vectors.ts, from firmware-spec/reference)
 *   firmware-spec/SPEC.md              the tables between gen:begin / gen:end markers (gen/spec-tables.ts)
 *   bitstreams-src/gen/*               the RTL's header and tables (gen/verilog.ts, when present)
 *
 * A file is written only when its content changes, so a second run touches nothing. Paths are
 * relative to the repository root, found from this file's location.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sigmoidLutJson } from './sigmoid.ts';
import type { HostSpecParts } from './spec-tables.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function writeIfChanged(rel: string, content: string, changed: string[]): void {
  const file = join(ROOT, rel);
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  changed.push(rel);
}

/**
 * Writes every generated file that changed; returns the paths written and how many files there are.
 * `hostParts` is called only after the sigmoid table is current, so it may load modules that read it.
 */
export async function regenerate(hostParts: () => Promise<HostSpecParts>): Promise<{ changed: string[]; files: number }> {
  const changed: string[] = [];
  // The LUT first: activation.ts reads the committed JSON when it loads, so every module that depends
  // on it is imported only after the table is current (hence the dynamic imports below).
  writeIfChanged('firmware-spec/sigmoid-lut.json', sigmoidLutJson(), changed);

  const { generatedFiles } = await import('./all.ts');
  const files = await generatedFiles((rel) => (existsSync(join(ROOT, rel)) ? readFileSync(join(ROOT, rel), 'utf8') : undefined), await hostParts());
  for (const [rel, content] of Object.entries(files)) writeIfChanged(rel, content, changed);
  return { changed, files: Object.keys(files).length + 1 };
}

// Run directly, this module would regenerate nothing (the host supplies the presets table): say where the entry is.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stderr.write('firmware-spec/gen/run.ts is a library; regenerate with `npm run gen` (host/gen/run.ts)\n');
  process.exitCode = 2;
}
