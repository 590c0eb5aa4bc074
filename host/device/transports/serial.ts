import { UART } from '../../../firmware-spec/protocol.ts';
import { SerialPort } from 'serialport';
import { retryStalledWrites } from '../../../emulator/server/serial-writes.ts';
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
  /** times a write queue that stood still was retried (emulator/server/serial-writes.ts) */
  writeStallRetries = 0;
  private readonly stopWriteWatch: () => void;
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
    this.stopWriteWatch = retryStalledWrites(port, () => this.writeStallRetries++);
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
    this.stopWriteWatch();
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}

/** see SerialTransport.rtoMs */
const SERIAL_RTO_MS = 100;

function classifyOpenError(uri: string, path: string, err: Error): LinkError {
  const m = err.message;
  if (/lock|temporarily unavailable|busy/i.test(m)) return new LinkError('port_busy', uri, `${path} is in use by another process (${m})`, { cause: err });
  if (/no such file|ENOENT/i.test(m)) return new LinkError('no_device', uri, `no serial port at ${path} (${m})`, { cause: err });
  if (/permission|EACCES/i.test(m)) return new LinkError('no_device', uri, `no permission to open ${path}: add yourself to the dialout group (${m})`, { cause: err });
  return new LinkError('no_device', uri, `cannot open ${path}: ${m}`, { cause: err });
}
