/**
 * The device client's contract lives in firmware-spec/device-client.ts (host and emulator both
 * implement it); re-exported here for the host's modules.
 */
export type { BalanceReport, DeviceClient, DeviceStatus, InferResult, LinkStats, SeedSet, TrainResult } from '../../firmware-spec/device-client.ts';
export type { MaskStep, MaskStepResult } from '../../firmware-spec/masks.ts';
