import { UART } from '../../firmware-spec/protocol.ts';

/**
 * Paces bytes to a line rate, as a UART would: a byte takes 10 bit times (start + 8 data + stop), so
 * N baud carries N/10 bytes per second. Bytes pushed are released in order, in slices, never faster
 * than the rate averaged from the start of a busy period (an idle line earns no credit).
 */
export class Pacer {
  private queue: Buffer[] = [];
  private queued = 0;
  private epoch = 0;
  private released = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    readonly bytesPerSecond: number,
    private readonly sink: (bytes: Buffer) => void,
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`bytes per second must be positive, got ${bytesPerSecond}`);
  }

  static forBaud(baud: number, sink: (bytes: Buffer) => void): Pacer {
    return new Pacer(baud / UART.bitsPerByte, sink);
  }

  push(bytes: Buffer): void {
    if (this.closed || bytes.length === 0) return;
    if (this.queued === 0 && !this.timer) {
      this.epoch = performance.now();
      this.released = 0;
    }
    this.queue.push(bytes);
    this.queued += bytes.length;
    this.schedule(1);
  }

  /** bytes waiting to go out */
  get backlog(): number {
    return this.queued;
  }

  private schedule(ms: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = undefined;
    const now = performance.now();
    let allowed = Math.floor(((now - this.epoch) / 1000) * this.bytesPerSecond) - this.released;
    while (allowed > 0 && this.queue.length) {
      const head = this.queue[0];
      const take = Math.min(allowed, head.length);
      const out = take === head.length ? head : head.subarray(0, take);
      if (take === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(take);
      this.queued -= take;
      this.released += take;
      allowed -= take;
      this.sink(out);
    }
    if (this.queued > 0) this.schedule(1);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue = [];
    this.queued = 0;
  }
}
