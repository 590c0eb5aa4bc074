import { SlipEncoder } from '@serialport/parser-slip-encoder';
import { FRAME_OVERHEAD_BYTES, MAX_PAYLOAD, SLIP } from './protocol.ts';

/**
 * Frames on a byte stream: SLIP (RFC 1055), used the same way by the host's byte-stream transports and
 * the emulator's device server. Encoding uses @serialport/parser-slip-encoder (linear); decoding is
 * SlipDecoder below, because the library's decoder copies its whole buffer once per byte received
 * (quadratic in the frame's length: 16 KB frames decoded at well under 1 MB/s).
 *
 * What the decoder does:
 * - It emits a candidate for every END byte, including empty ones (repeated END). A bad escape (ESC
 *   followed by anything but ESC_END or ESC_ESC) ends the candidate early, and the byte after ESC is
 *   then read as an ordinary byte. Candidates are passed on unverified: the frame codec (decodeFrame)
 *   checks length and CRC.
 * - Its buffer is fixed at the largest legal frame: a candidate that grows past it is cut and counted
 *   (`oversized`), and the bytes up to the next END are skipped. No legal frame is that long, and memory
 *   stays bounded under garbage.
 */
export const MAX_FRAME_BYTES = FRAME_OVERHEAD_BYTES + MAX_PAYLOAD;

/** Linear-time SLIP decoder: every byte is looked at once and copied at most once. */
export class SlipDecoder {
  /** candidates cut for exceeding MAX_FRAME_BYTES */
  oversized = 0;
  private readonly buf = Buffer.alloc(MAX_FRAME_BYTES);
  private len = 0;
  private escaped = false;
  /** skipping the rest of an oversized candidate, up to the next END */
  private skipping = false;

  constructor(private readonly onFrame: (candidate: Buffer) => void) {}

  write(bytes: Uint8Array): void {
    const { END, ESC, ESC_END, ESC_ESC } = SLIP;
    const buf = this.buf;
    for (let i = 0; i < bytes.length; i++) {
      let b = bytes[i];
      if (this.escaped) {
        this.escaped = false;
        if (b === ESC_END) b = END;
        else if (b === ESC_ESC) b = ESC;
        else {
          // a bad escape: what came before is a (broken) candidate; the byte is read normally
          this.emit();
          if (b === END) continue; // the END that follows ends the (now empty) candidate
          if (b === ESC) {
            this.escaped = true;
            continue;
          }
        }
        this.put(b, buf);
        continue;
      }
      if (b === END) {
        if (this.skipping) {
          this.skipping = false;
          this.len = 0;
        } else this.emit();
        continue;
      }
      if (b === ESC) {
        this.escaped = true;
        continue;
      }
      this.put(b, buf);
    }
  }

  private put(b: number, buf: Buffer): void {
    if (this.skipping) return;
    if (this.len === buf.length) {
      this.oversized++;
      this.skipping = true;
      this.len = 0;
      return;
    }
    buf[this.len++] = b;
  }

  private emit(): void {
    if (this.skipping) {
      this.skipping = false;
      this.len = 0;
      return;
    }
    const c = Buffer.from(this.buf.subarray(0, this.len));
    this.len = 0;
    this.onFrame(c);
  }
}

export interface SlipFramerOptions {
  /** called with each encoded frame (END-terminated), in order */
  write: (bytes: Buffer) => void;
  /** called with each candidate frame, unverified, in order */
  onFrame: (candidate: Buffer) => void;
}

export class SlipFramer {
  /** raw bytes received and sent (the wire's count, escapes and END bytes included) */
  bytesIn = 0;
  bytesOut = 0;
  private readonly encoder: SlipEncoder;
  private readonly decoder: SlipDecoder;
  private destroyed = false;

  constructor(private readonly opts: SlipFramerOptions) {
    this.encoder = new SlipEncoder({ ...SLIP_OPTS, writableObjectMode: true });
    this.decoder = new SlipDecoder((c) => {
      if (!this.destroyed) this.opts.onFrame(c);
    });
    this.encoder.on('data', (b: Buffer) => {
      this.bytesOut += b.length;
      this.opts.write(b);
    });
  }

  /** candidates cut for exceeding MAX_FRAME_BYTES */
  get oversized(): number {
    return this.decoder.oversized;
  }

  /** SLIP-encode one frame and write it. */
  send(frame: Buffer): void {
    if (!this.destroyed) this.encoder.write(frame);
  }

  /** Feed bytes from the wire, in any fragments; candidates are passed on synchronously. */
  receive(bytes: Buffer): void {
    this.bytesIn += bytes.length;
    if (!this.destroyed) this.decoder.write(bytes);
  }

  destroy(): void {
    this.destroyed = true;
    this.encoder.destroy();
  }
}

const SLIP_OPTS = { END: SLIP.END, ESC: SLIP.ESC, ESC_END: SLIP.ESC_END, ESC_ESC: SLIP.ESC_ESC };
