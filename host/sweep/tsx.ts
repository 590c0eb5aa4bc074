import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Node options that let a child process load this TypeScript source: tsx's loader, found from here
 * (so it works from the CLI, the installed bin and tests alike).
 */
export function tsxExecArgv(): string[] {
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
}
