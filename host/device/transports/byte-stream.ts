import { SlipFramer } from '../../../firmware-spec/slip.ts';
import { LinkError } from '../errors.ts';

/**
 * The host end of a byte-stream link (UART, XDMA AXI-Stream): SLIP framing and byte counts, shared by
 * the serial and pcie transports, which supply the I/O. Subclasses call `bytesFromWire` with what they
 * read and `lost` when the resource fails; they implement `writeToWire` and `release`.
 */
export abstract class ByteStreamTransport {
  private readonly framer: SlipFramer;
  private onFrame?: (c: Buffer) => void;
  private onClose?: (err?: Error) => void;
  protected closed = false;
  private reported = false;
  private released?: Promise<void>;

  constructor(readonly uri: string) {
    this.framer = new SlipFramer({ write: (b) => this.writeToWire(b), onFrame: (c) => this.onFrame?.(c) });
  }

  get stats(): { bytesIn: number; bytesOut: number } {
    return { bytesIn: this.framer.bytesIn, bytesOut: this.framer.bytesOut };
  }

  setHandlers(onFrame: (candidate: Buffer) => void, onClose: (err?: Error) => void): void {
    this.onFrame = onFrame;
    this.onClose = onClose;
  }

  send(frame: Buffer): void {
    if (this.closed) return;
    this.framer.send(frame);
  }

  protected bytesFromWire(bytes: Buffer): void {
    if (!this.closed) this.framer.receive(bytes);
  }

  /** The resource failed or went away: report once, as LinkError('disconnected'). */
  protected lost(what: string, cause?: unknown): void {
    if (this.closed || this.reported) return;
    this.reported = true;
    this.onClose?.(new LinkError('disconnected', this.uri, what, { cause }));
  }

  protected abstract writeToWire(bytes: Buffer): void;
  protected abstract release(): Promise<void>;

  /** Idempotent; every call resolves once the resource is released (so it can be opened again). */
  close(): Promise<void> {
    if (!this.released) {
      this.closed = true;
      this.framer.destroy();
      this.released = this.release().catch(() => {});
    }
    return this.released;
  }
}
