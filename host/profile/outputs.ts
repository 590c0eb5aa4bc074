import { accessSync, constants, existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ProfileError } from './errors.ts';

/**
 * Refuse an output path that cannot be written, before any work is done (so a bad path writes
 * nothing): its directory must exist and be writable, and the path must not be a directory or a
 * read-only file.
 */
export function checkWritable(option: string, file: string | undefined): void {
  if (file === undefined) return;
  if (file === '') throw new ProfileError('unwritable_output', `${option}: empty path`);
  const full = resolve(file);
  const dir = dirname(full);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new ProfileError('unwritable_output', `${option} ${file}: cannot write in ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (existsSync(full)) {
    if (statSync(full).isDirectory()) throw new ProfileError('unwritable_output', `${option} ${file}: is a directory`);
    try {
      accessSync(full, constants.W_OK);
    } catch (e) {
      throw new ProfileError('unwritable_output', `${option} ${file}: not writable (${(e as NodeJS.ErrnoException).code})`);
    }
  }
}

export function writeOutput(option: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new ProfileError('unwritable_output', `${option} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
