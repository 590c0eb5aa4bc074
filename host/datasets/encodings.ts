import { SAMPLE_ENCODINGS, type SampleEncoding } from '../../firmware-spec/capability.ts';
import * as wire from '../../firmware-spec/encodings.ts';
import { DeviceError } from '../../firmware-spec/errors.ts';
import { DatasetError } from './errors.ts';

/**
 * Sample wire encodings (u8, u4, bin, zrl). The bytes are part of the wire contract and live in
 * firmware-spec/encodings.ts, where the device's decoder reads them too; this module re-exports them
 * for the dataset layer, which reports malformed encodings as DatasetError('bad_encoding').
 */
export type { SampleEncoding };
export { SAMPLE_ENCODINGS };
export const { fixedBytesPerImage, devicePixel, quantizeImages } = wire;

/** As firmware-spec's, with DeviceError('bad_encoding') reported as DatasetError('bad_encoding'). */
function asDatasetError<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof DeviceError && e.code === 'bad_encoding') throw new DatasetError('bad_encoding', e.message);
      throw e;
    }
  };
}

export const encodeSamples: typeof wire.encodeSamples = asDatasetError(wire.encodeSamples);
export const decodeSamples: typeof wire.decodeSamples = asDatasetError(wire.decodeSamples);
export const bytesPerSample: typeof wire.bytesPerSample = asDatasetError(wire.bytesPerSample);
