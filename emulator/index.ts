/** emulator: the bit-exact device model. */
export { EmulatedDevice, type SeedSet, type TrainResult, type InferResult, type DeviceStatus } from './device.ts';
export { JunctionDatapath } from './junction.ts';
export { naiveSchedule, type LaneSchedule } from './lanes.ts';
