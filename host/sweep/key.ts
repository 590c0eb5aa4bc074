import { createHash } from 'node:crypto';
import type { NetworkConfig } from '../config/schema.ts';
import type { RunOptions } from './schema.ts';

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * A run's key: sha256 (first 20 hex digits, 80 bits) of its network config and options. The
 * config's `name` is left out (it names, it does not change the result), so the same run in two
 * sweeps has one key, and a re-submitted sweep finds its finished runs.
 */
export function runKey(network: NetworkConfig, options: RunOptions): string {
  const { name: _name, ...net } = network;
  return createHash('sha256').update(canonicalJson({ format: 1, network: net, options })).digest('hex').slice(0, 20);
}
