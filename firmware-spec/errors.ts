/**
 * Error codes a device reports in a NAK, with their wire numbers. Stable: never renumber, only add.
 */
export const DEVICE_ERRORS = {
  bad_frame: 1,
  bad_opcode: 2,
  bad_payload: 3,
  not_configured: 4,
  no_seeds: 5,
  bad_descriptor: 6,
  does_not_fit: 7,
  out_of_range: 8,
  sample_underflow: 9,
  sample_overflow: 10,
  bad_encoding: 11,
  busy: 12,
  internal: 13,
} as const;

export type DeviceErrorCode = keyof typeof DEVICE_ERRORS;

export function deviceErrorName(num: number): DeviceErrorCode | undefined {
  return (Object.keys(DEVICE_ERRORS) as DeviceErrorCode[]).find((k) => DEVICE_ERRORS[k] === num);
}

/** An error raised by a device (the emulator's commands, or a NAK decoded by the host). */
export class DeviceError extends Error {
  readonly code: DeviceErrorCode;
  constructor(code: DeviceErrorCode, message: string) {
    super(message);
    this.name = 'DeviceError';
    this.code = code;
  }
}
