/** The device client: openDevice(uri) and the typed, promise-based API over any transport. */
export { openDevice, type OpenOptions } from './open.ts';
export { LinkClient, type LinkOptions } from './client.ts';
export { LinkError, type LinkErrorCode } from './errors.ts';
export { parseDeviceUri, DEFAULT_BAUD, type DeviceUri } from './uri.ts';
export type { DeviceClient, LinkStats, DeviceStatus, InferResult, SeedSet, TrainResult } from './client-types.ts';
export type { Transport } from './transports/transport.ts';
export { EmuTransport } from './transports/emu.ts';
export { SerialTransport } from './transports/serial.ts';
export { PcieTransport } from './transports/pcie.ts';
export { capabilityOf } from './capability-of.ts';
