/** emulator: the bit-exact device model. */
export { EmulatedDevice } from './device.ts';
export type { SeedSet, TrainResult, InferResult, DeviceStatus, BalanceReport } from '../firmware-spec/device-client.ts';
export { JunctionDatapath } from './junction.ts';
export { EssopUpdater } from './essop.ts';
export { naiveSchedule, type LaneSchedule } from './lanes.ts';
export { runBalance, runMaskStep, type SparseState } from './balance/index.ts';
export { DirectClient } from './balance/direct-client.ts';
export { SparsityDriver } from './balance/driver.ts';
export { DeviceEndpoint, ByteStreamEndpoint, FaultInjector, parseFaults, type FaultSpec, type EndpointStats } from './endpoint/index.ts';
export { servePty, serveSerial, serveXdma, ServerError, type RunningServer, type ServeOptions } from './server/index.ts';
