import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (symlinks resolved). */
function realish(p: string): string {
  const abs = resolve(p);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  if (parent === abs) return abs;
  return resolve(realish(parent), relative(parent, abs));
}

/**
 * Whether `p` lies inside one of `roots` (after resolving `..` and symlinks, so neither escapes).
 * A worker refuses a job's dataset or output path unless this holds for the directories it was
 * started with.
 */
export function insideAny(p: string, roots: string[]): boolean {
  if (!isAbsolute(p)) return false;
  const real = realish(p);
  return roots.some((r) => {
    const rel = relative(realish(r), real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
}
