import { SlipDecoder, SlipEncoder } from '@serialport/parser-slip-encoder';
import { FRAME_OVERHEAD_BYTES, MAX_PAYLOAD, SLIP } from './protocol.ts';

/**
 * Frames on a byte stream: SLIP (RFC 1055) with @serialport/parser-slip-encoder, used the same way by
 * the host's byte-stream transports and the emulator's device server.
 *
 * What the library does and what this adds:
 * - The decoder emits a candidate for every END byte, including empty ones (repeated END) and partial
 *   ones (a bad escape ends a frame early). Candidates are passed on unverified: the frame codec
 *   (decodeFrame) checks length and CRC.
 * - The decoder grows its buffer until an END arrives, one byte at a time (quadratic in the frame's
 *   length). Input is fed in slices of at most FEED_SLICE bytes, and a buffer that grows past the
 *   largest legal frame is cut: no legal frame is that long, and memory stays bounded under garbage.
 */
export const MAX_FRAME_BYTES = FRAME_OVERHEAD_BYTES + MAX_PAYLOAD;
/** bytes fed to the decoder per call (bounds how far past MAX_FRAME_BYTES its buffer can grow) */
const FEED_SLICE = 4096;

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
  /** candidates cut for exceeding MAX_FRAME_BYTES */
  oversized = 0;
  private readonly encoder: SlipEncoder;
  private readonly decoder: SlipDecoder;

  constructor(private readonly opts: SlipFramerOptions) {
    this.encoder = new SlipEncoder({ ...SLIP_OPTS, writableObjectMode: true });
    this.decoder = new SlipDecoder({ ...SLIP_OPTS, readableObjectMode: true });
    this.encoder.on('data', (b: Buffer) => {
      this.bytesOut += b.length;
      this.opts.write(b);
    });
    this.decoder.on('data', (b: Buffer) => this.opts.onFrame(b));
  }

  /** SLIP-encode one frame and write it. */
  send(frame: Buffer): void {
    this.encoder.write(frame);
  }

  /** Feed bytes from the wire, in any fragments. */
  receive(bytes: Buffer): void {
    this.bytesIn += bytes.length;
    for (let at = 0; at < bytes.length; at += FEED_SLICE) {
      if (this.decoder.buffer.length > MAX_FRAME_BYTES) {
        this.decoder.buffer = Buffer.alloc(0);
        this.oversized++;
      }
      this.decoder.write(at === 0 && bytes.length <= FEED_SLICE ? bytes : bytes.subarray(at, at + FEED_SLICE));
    }
  }

  destroy(): void {
    this.encoder.destroy();
    this.decoder.destroy();
  }
}

const SLIP_OPTS = { END: SLIP.END, ESC: SLIP.ESC, ESC_END: SLIP.ESC_END, ESC_ESC: SLIP.ESC_ESC };
