import { InvalidArgumentError } from 'commander';

/** Parse a non-negative integer option, with a clear error. */
export function intOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a non-negative integer, got '${value}'`);
  return n;
}
