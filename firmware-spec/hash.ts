import { createHash } from 'node:crypto';
import { SIGMOID_LUT } from './activation.ts';
import { PROFILES, SAMPLE_ENCODINGS } from './capability.ts';
import { DEVICE_ERRORS } from './errors.ts';
import { ESSOP } from './essop.ts';
import { DEFAULT_FORMATS, FORMAT_BOUNDS, INPUT_FORMAT, MAX_FAN_LOG2 } from './formats.ts';
import { LFSR_TAPS } from './lfsr.ts';
import { PROTOCOL } from './protocol.ts';
import { JUNCTION_PIPELINE_CLOCKS } from './schedule.ts';
import { SPEC_VERSION } from './version.ts';

/** Everything that defines the contract's bits, in one object. Its hash is the spec hash. */
export function specContent(): Record<string, unknown> {
  return {
    version: SPEC_VERSION,
    formats: { defaults: DEFAULT_FORMATS, bounds: FORMAT_BOUNDS, input: INPUT_FORMAT, maxFanLog2: MAX_FAN_LOG2 },
    lfsrTaps: LFSR_TAPS,
    sigmoidLut: SIGMOID_LUT,
    pipelineClocks: JUNCTION_PIPELINE_CLOCKS,
    profiles: PROFILES,
    encodings: SAMPLE_ENCODINGS,
    deviceErrors: DEVICE_ERRORS,
    protocol: PROTOCOL,
    essop: ESSOP,
  };
}

let cached: string | undefined;

/** sha256 (hex) of the spec's content: two builds agree on the contract iff their hashes agree. */
export function specHash(): string {
  cached ??= createHash('sha256').update(JSON.stringify(specContent())).digest('hex');
  return cached;
}
