import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { capabilityFor, type ProfileName, PROFILES, SAMPLE_ENCODINGS, type SampleEncoding } from '../../firmware-spec/capability.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { weightWordBytes } from '../../firmware-spec/network.ts';
import { ConfigError } from '../config/errors.ts';
import { parseConfig } from '../config/load.ts';
import type { NetworkConfig } from '../config/schema.ts';
import { plan, type ResolvedConfig } from '../partition/partition.ts';
import { decodeExactBase64, MAX_WEIGHT_WORDS } from './untrusted.ts';

/**
 * What fixes a run's bits, in a form that can be re-derived and so checked: the config with every
 * choice the partitioner made for the device pinned (seed, fan-out, lanes per junction). Re-planning
 * a pinned config on any device that fits it gives the same resolved config, so a saved file's
 * `resolved` is never trusted: it must equal what its `config` plans to.
 */
export function pinnedConfig(cfg: NetworkConfig, resolved: ResolvedConfig): NetworkConfig {
  return {
    ...cfg,
    seed: resolved.seed,
    junctions: resolved.network.junctions.map((j, i) => ({ ...(cfg.junctions?.[i] ?? {}), fo: j.fo, z: j.z })),
  };
}

/** Junctions whose masks change while training (magnitude pruning, DropBack); theirs are saved. */
export function dynamicMasks(resolved: ResolvedConfig): boolean[] {
  return resolved.sparsity.map((sp) => sp.kind === 'magnitude' || sp.kind === 'dropback');
}

/** Bytes of one junction's weights in canonical order (firmware-spec encodeWeights). */
export function junctionWeightBytes(resolved: ResolvedConfig, junction: number): number {
  const j = resolved.network.junctions[junction];
  return j.n * j.fi * weightWordBytes(resolved.network.formats.weight.bits);
}

/** Problems with a stored config, each with its path, as one line. */
export type FileProblem = (message: string) => Error;

/**
 * Validate a stored (pinned) config and the resolved config stored beside it: parse with the config
 * schema, bound the weight count by the largest device before anything is allocated, re-plan on the
 * roomiest profile and require the stored resolved config to be exactly that.
 */
export function checkStoredConfig(rawConfig: unknown, rawResolved: unknown, corrupt: FileProblem): { config: NetworkConfig; resolved: ResolvedConfig } {
  let config: NetworkConfig;
  try {
    config = parseConfig(rawConfig);
  } catch (e) {
    if (e instanceof ConfigError) throw corrupt(`its network config is invalid: ${e.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    throw e;
  }
  // the resolved config must be what the config plans to on some device profile (a profile may add
  // device-specific detail, so each is tried); when it fits none, the first profile's problems are named
  let resolved: ResolvedConfig | undefined;
  let fitsNone: string | undefined;
  let planned = 0;
  for (const profile of Object.keys(PROFILES) as ProfileName[]) {
    let mine: ResolvedConfig;
    try {
      mine = plan(structuredClone(config), capabilityFor(profile, specHash())).resolved;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      fitsNone ??= e.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
      continue;
    }
    planned++;
    const words = mine.network.junctions.reduce((a, j) => a + j.n * j.fi, 0);
    if (words > MAX_WEIGHT_WORDS) throw corrupt(`its network has ${words} weights; no device holds more than ${MAX_WEIGHT_WORDS}`);
    if (isDeepStrictEqual(JSON.parse(JSON.stringify(mine)), rawResolved)) {
      resolved = mine;
      break;
    }
  }
  if (planned === 0) throw corrupt(`its network fits no device: ${fitsNone}`);
  if (!resolved) throw corrupt('its resolved config is not what its network config plans to (edited?)');
  return { config, resolved };
}

/** Decode stored weights (base64 per junction), each length checked against the config first. */
export function decodeStoredWeights(resolved: ResolvedConfig, b64: string[], corrupt: FileProblem): Buffer[] {
  const junctions = resolved.network.junctions;
  if (b64.length !== junctions.length) throw corrupt(`it holds weights for ${b64.length} junctions; its network has ${junctions.length}`);
  return b64.map((s, i) => {
    const r = decodeExactBase64(s, junctionWeightBytes(resolved, i));
    if (typeof r === 'string') throw corrupt(`junction ${i + 1}'s weights: ${r}`);
    return r;
  });
}

/** Decode stored masks (packed bits, base64; null for a junction whose mask never changes). */
export function decodeStoredMasks(resolved: ResolvedConfig, masks: Array<string | null>, corrupt: FileProblem): Array<Buffer | null> {
  const dynamic = dynamicMasks(resolved);
  const junctions = resolved.network.junctions;
  if (masks.length !== junctions.length) throw corrupt(`it holds ${masks.length} masks for ${junctions.length} junctions`);
  return masks.map((m, i) => {
    if (!dynamic[i]) {
      if (m !== null) throw corrupt(`it holds a mask for junction ${i + 1}, whose mask never changes`);
      return null;
    }
    if (m === null) throw corrupt(`it holds no mask for junction ${i + 1}`);
    const j = junctions[i];
    const r = decodeExactBase64(m, Math.ceil((j.n * j.fi) / 8));
    if (typeof r === 'string') throw corrupt(`junction ${i + 1}'s mask: ${r}`);
    return r;
  });
}

/** Bounded fields shared by checkpoints and models. */
export const encodingSchema = z.enum(SAMPLE_ENCODINGS as unknown as [SampleEncoding, ...SampleEncoding[]]);
export const countSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const b64ListSchema = z.array(z.string()).max(64);
export const maskListSchema = z.array(z.string().nullable()).max(64);
export const shortText = z.string().max(4096);
