/** The device's protocol endpoint: frames in, EmulatedDevice calls, frames out; on any byte stream. */
export { DeviceEndpoint, INFER_FIXED_BYTES, type EndpointOutcome, type EndpointStats } from './endpoint.ts';
export { ByteStreamEndpoint, type ByteStreamEndpointOptions } from './stream.ts';
export { FaultInjector, FaultSpecError, hasFaults, NO_FAULTS, parseFaults, type FaultSpec } from './faults.ts';
export { Pacer } from './pacer.ts';
