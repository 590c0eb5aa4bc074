/**
 * Link-level errors: the host could not get a valid answer from the device. A NAK from the device for
 * a command is a DeviceError (firmware-spec/errors.ts) instead, with the device's code.
 *
 *   timeout        no valid response within the retransmission budget (message names the command)
 *   crc            frames arrived but none passed its CRC within the budget (wrong baud rate, noise)
 *   nak            the device refused a frame at the link level (bad_version) or sent an unknown code
 *   spec_mismatch  the device's spec hash differs from the host's (message gives both)
 *   disconnected   the port, FIFO or peer went away, or the client was closed
 *   session_lost   the device no longer knows this session: it rebooted (or another host opened it);
 *                  what it held (network, weights, samples) must be assumed lost
 *   bad_uri        the device URI cannot be parsed (unknown scheme, missing path, bad option)
 *   no_device      nothing at the path, or it is not a seedwire device
 *   port_busy      the port is locked by another process
 *   bad_response   a response passed its CRC but does not match its schema or request
 *   bad_argument   a call the client refuses before sending (a sample too large for a frame, ...)
 * Every message starts with the device URI.
 */
export type LinkErrorCode =
  | 'timeout'
  | 'crc'
  | 'nak'
  | 'spec_mismatch'
  | 'disconnected'
  | 'session_lost'
  | 'bad_uri'
  | 'no_device'
  | 'port_busy'
  | 'bad_response'
  | 'bad_argument';

export class LinkError extends Error {
  readonly code: LinkErrorCode;
  readonly uri: string;
  constructor(code: LinkErrorCode, uri: string, message: string, options?: { cause?: unknown }) {
    super(`${uri}: ${message}`, options);
    this.name = 'LinkError';
    this.code = code;
    this.uri = uri;
  }
}
