import { InvalidArgumentError } from 'commander';

/** Parse a non-negative integer option, with a clear error. */
export function intOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a non-negative integer, got '${value}'`);
  return n;
}

/** An integer option within [min, max] (inclusive), with a clear error naming the bounds. */
export function boundedIntOption(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = intOption(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got ${value}`);
    return n;
  };
}
