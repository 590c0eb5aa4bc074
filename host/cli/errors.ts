import { ConfigError } from '../config/errors.ts';

/**
 * Print an error for a person and pick the exit code. Config errors print one line per problem,
 * each with its path; other errors with a stable `code` print `error [code]: message`.
 */
export function reportError(e: unknown): number {
  if (e instanceof ConfigError) {
    for (const p of e.problems) process.stderr.write(`${p.path}: ${p.message}\n`);
    return 2;
  }
  const err = e as Error & { code?: string };
  process.stderr.write(`error${err.code ? ` [${err.code}]` : ''}: ${err.message ?? String(e)}\n`);
  if (process.env.SEEDWIRE_DEBUG) process.stderr.write(`${err.stack}\n`);
  return 1;
}

/** Wrap a command action: errors print and set the exit code instead of throwing. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      process.exitCode = reportError(e);
    }
  };
}
