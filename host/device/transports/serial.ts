import { UART } from '../../../firmware-spec/protocol.ts';
import type { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { LinkError } from '../errors.ts';
import { ByteStreamTransport } from './byte-stream.ts';
import type { Transport } from './transport.ts';

/** `serial:PATH?baud=N`: a UART (a board's FTDI, or a pty to `seedwire emulator serve`), npm serialport. */
export class SerialTransport extends ByteStreamTransport implements Transport {
  readonly kind = 'serial' as const;
  /** a UART byte takes 10 bit times: start + 8 data + stop */
  readonly bytesPerSecond: number;
  /**
   * First retransmission timeout, ms, before the line-rate stretch (the client's floor is at least
   * 2 windows of bulk frames at bytesPerSecond: 56 ms at 3 Mbaud) and adaptation to measured round
   * trips. 100 ms covers a USB UART's latency timer (16 ms by default on FTDI parts) several times.
   */
  readonly rtoMs = SERIAL_RTO_MS;
  /** times a stalled write was retried (see watchWrites) */
  writeStallRetries = 0;
  private readonly writeWatch: NodeJS.Timeout;
  private constructor(
    uri: string,
    private readonly port: SerialPort,
    baud: number,
  ) {
    super(uri);
    this.bytesPerSecond = baud / UART.bitsPerByte;
    port.on('data', (b: Buffer) => this.bytesFromWire(b));
    port.on('error', (e: Error) => this.lost(`serial port error: ${e.message}`, e));
    port.on('close', (e?: Error & { disconnected?: boolean }) => this.lost(e?.disconnected ? 'the serial port was disconnected' : 'the serial port closed', e));
    this.writeWatch = this.watchWrites();
  }

  /**
   * npm serialport's unix binding writes without blocking; on EAGAIN it waits for its poller's
   * 'writable' event and writes again. On a pty that wakeup is sometimes lost: the write queue then
   * stands still with the other end idle until the link is reset (seen in about one run in five of
   * 2,000 samples to \`emulator serve --pty\`, every request of a window timing out). So a queue that
   * has not moved for WRITE_STALL_MS is retried: the binding writes again, and if the port really is
   * full it gets EAGAIN and waits as before, so a retry costs one system call. A real UART's queue
   * moves within a few ms at any baud rate this tool uses (the kernel takes bytes as the line drains).
   */
  private watchWrites(): NodeJS.Timeout {
    let lastLength = 0;
    let stillSince = performance.now();
    const timer = setInterval(() => {
      const queued = this.port.writableLength;
      const now = performance.now();
      if (queued === 0 || queued !== lastLength) {
        lastLength = queued;
        stillSince = now;
        return;
      }
      if (now - stillSince < WRITE_STALL_MS) return;
      stillSince = now;
      const poller = (this.port.port as { poller?: EventEmitter } | undefined)?.poller;
      if (!poller) return;
      this.writeStallRetries++;
      poller.emit('writable', null);
    }, WRITE_STALL_MS / 3);
    timer.unref();
    return timer;
  }

  /** Open the port (exclusive lock). Errors: no_device (missing path, no permission), port_busy (locked). */
  static async open(uri: string, path: string, baud: number): Promise<SerialTransport> {
    const port = new SerialPort({ path, baudRate: baud, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => {
        if (!err) return resolve();
        reject(classifyOpenError(uri, path, err));
      }),
    );
    return new SerialTransport(uri, port, baud);
  }

  protected writeToWire(bytes: Buffer): void {
    this.port.write(bytes);
  }

  protected async release(): Promise<void> {
    clearInterval(this.writeWatch);
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}

/** see SerialTransport.rtoMs */
const SERIAL_RTO_MS = 100;
/** see SerialTransport.watchWrites: a write queue standing still this long (ms) is retried */
const WRITE_STALL_MS = 300;

function classifyOpenError(uri: string, path: string, err: Error): LinkError {
  const m = err.message;
  if (/lock|temporarily unavailable|busy/i.test(m)) return new LinkError('port_busy', uri, `${path} is in use by another process (${m})`, { cause: err });
  if (/no such file|ENOENT/i.test(m)) return new LinkError('no_device', uri, `no serial port at ${path} (${m})`, { cause: err });
  if (/permission|EACCES/i.test(m)) return new LinkError('no_device', uri, `no permission to open ${path}: add yourself to the dialout group (${m})`, { cause: err });
  return new LinkError('no_device', uri, `cannot open ${path}: ${m}`, { cause: err });
}
