import { action } from './errors.ts';

/**
 * A command action that ends the process when it is done: a Redis client that never connected can
 * leave a reconnect timer behind in BullMQ/ioredis, which would keep the process alive after the
 * answer is out. stdout and stderr are flushed first (pipes are written asynchronously).
 */
export function exitWhenDone<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  const run = action(fn);
  return async (...args: A) => {
    await run(...args);
    await new Promise<void>((r) => process.stdout.write('', () => r()));
    await new Promise<void>((r) => process.stderr.write('', () => r()));
    process.exit(process.exitCode ?? 0);
  };
}
