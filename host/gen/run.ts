/**
 * `npm run gen`: the spec's generators (firmware-spec/gen/run.ts) with the host's part of SPEC.md,
 * its built-in presets as its partitioner resolves them (section 12). The entry lives here, above
 * the spec, because the spec imports nothing of the host.
 */
import { regenerate } from '../../firmware-spec/gen/run.ts';

// loaded only when regenerate asks, after it has made the sigmoid table current (the presets read it)
const { changed, files } = await regenerate(async () => (await import('../partition/spec-presets.ts')).hostSpecParts());
process.stdout.write(changed.length ? `gen: wrote ${changed.join(', ')}\n` : `gen: ${files} files up to date\n`);
