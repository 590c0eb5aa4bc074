/**
 * The one interface between the host's link layer (host/device/client.ts) and whatever carries frames
 * to a device. Every transport is a peer passed in; none is picked by an environment variable.
 *
 * Guarantees a transport gives (and the link layer relies on):
 * - Frames, not bytes: send() takes one whole frame (firmware-spec/codec.ts encodeFrame). A byte-stream
 *   transport SLIP-frames it (firmware-spec/slip.ts); an in-process transport passes the Buffer as is.
 * - Order: candidates arrive in the order the peer sent them. They may be lost, duplicated, truncated,
 *   merged, corrupted or empty, and garbage may arrive between them: a transport never checks length or
 *   CRC, the link layer does.
 * - send() never throws and never blocks once open: it queues (the link layer's window bounds how
 *   much). Failures of the underlying resource surface once, through the close handler, with a
 *   LinkError('disconnected') naming the URI.
 * - Handlers are never called from inside send() (no re-entrancy), and never after close() resolves.
 * - close() releases the port, FIFOs or peer; it is idempotent.
 * - bytesIn/bytesOut count what crossed the wire (SLIP END and escape bytes included; for in-process
 *   peers, frame bytes).
 */
export interface Transport {
  /** the device URI this transport was opened from (for error messages) */
  readonly uri: string;
  readonly kind: 'emu' | 'serial' | 'pcie';
  /** the line rate in bytes per second, Infinity when not a paced line; timeouts are stretched by it */
  readonly bytesPerSecond: number;
  /** suggested first retransmission timeout, ms (in-process peers never lose frames) */
  readonly rtoMs?: number;
  /**
   * True when, once a frame sent exactly once has been answered, neither the transport nor its peer
   * holds that frame's bytes any more (the peer consumed them before it answered): the link layer may
   * then write a later frame into the same memory. False or absent: every frame keeps its own.
   */
  readonly reusesFrames?: boolean;
  send(frame: Buffer): void;
  /** set by the link layer, once, before the first send */
  setHandlers(onFrame: (candidate: Buffer) => void, onClose: (err?: Error) => void): void;
  readonly stats: { bytesIn: number; bytesOut: number };
  close(): Promise<void>;
}
