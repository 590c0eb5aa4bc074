import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import net from 'node:net';
import { PCIE_ID_MAGIC, USER_REGISTERS } from '../../../firmware-spec/protocol.ts';
import { LinkError } from '../errors.ts';
import { ByteStreamTransport } from './byte-stream.ts';
import type { Transport } from './transport.ts';

/**
 * `pcie:PREFIX`: the Xilinx XDMA driver's character devices. PREFIX_h2c_0 (host to card) is written and
 * PREFIX_c2h_0 (card to host) is read, both AXI-Stream at offset 0, carrying the same SLIP-framed bytes
 * as a UART. PREFIX_user (the user BAR, 32-bit registers at 4-byte offsets) is optional: when present
 * its ID register must read PCIE_ID_MAGIC.
 *
 * The same code serves FIFOs (`seedwire emulator serve --xdma DIR` makes DIR/xdma0_h2c_0 and
 * DIR/xdma0_c2h_0): those are opened non-blocking as pipes, so a FIFO with no device behind it fails at
 * once (no_device) instead of blocking. Real XDMA nodes are driven with positioned reads and writes at
 * offset 0 from the thread pool (untested here: no board on CI).
 */
export class PcieTransport extends ByteStreamTransport implements Transport {
  readonly kind = 'pcie' as const;
  readonly bytesPerSecond = Infinity;
  private constructor(
    uri: string,
    private readonly io: PipeIo | CharIo,
  ) {
    super(uri);
    io.start(
      (b) => this.bytesFromWire(b),
      (what, cause) => this.lost(what, cause),
    );
  }

  static async open(uri: string, prefix: string): Promise<PcieTransport> {
    const h2c = `${prefix}_h2c_0`;
    const c2h = `${prefix}_c2h_0`;
    const kinds = [h2c, c2h].map((p) => {
      try {
        return statSync(p).isFIFO() ? 'fifo' : 'char';
      } catch (e) {
        throw new LinkError('no_device', uri, `no XDMA node at ${p} (${(e as NodeJS.ErrnoException).code})`, { cause: e });
      }
    });
    checkUserRegister(uri, `${prefix}_user`);
    if (kinds[0] === 'fifo') return new PcieTransport(uri, PipeIo.open(uri, h2c, c2h));
    return new PcieTransport(uri, await CharIo.open(uri, h2c, c2h));
  }

  protected writeToWire(bytes: Buffer): void {
    this.io.write(bytes);
  }

  protected release(): Promise<void> {
    return this.io.close();
  }
}

/** Reads the ID register when PREFIX_user exists. */
function checkUserRegister(uri: string, path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return; // optional
  }
  try {
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, USER_REGISTERS.ID);
    const id = b.readUInt32LE(0);
    if (n !== 4 || id !== PCIE_ID_MAGIC) {
      throw new LinkError('no_device', uri, `${path}: ID register reads 0x${id.toString(16).padStart(8, '0')}, a seedwire device reads 0x${PCIE_ID_MAGIC.toString(16)}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** how long close() waits for queued bytes to drain before it lets go, ms */
const CLOSE_FLUSH_MS = 500;

function withinMs(ms: number, p: Promise<void>): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((resolve) => (t = setTimeout(resolve, ms)))]).finally(() => clearTimeout(t));
}

type Sink = (bytes: Buffer) => void;
type Lost = (what: string, cause?: unknown) => void;

/** FIFOs, as non-blocking pipes on the event loop. */
class PipeIo {
  private constructor(
    private readonly writer: net.Socket,
    private readonly reader: net.Socket,
  ) {}

  static open(uri: string, h2c: string, c2h: string): PipeIo {
    let wfd: number;
    try {
      // O_NONBLOCK: a FIFO nobody reads fails with ENXIO instead of blocking the open
      wfd = openSync(h2c, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENXIO' ? 'nobody is reading it (is `seedwire emulator serve --xdma` running?)' : code;
      throw new LinkError('no_device', uri, `cannot open ${h2c}: ${why}`, { cause: e });
    }
    let rfd: number;
    try {
      rfd = openSync(c2h, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      closeSync(wfd);
      throw new LinkError('no_device', uri, `cannot open ${c2h}: ${(e as NodeJS.ErrnoException).code}`, { cause: e });
    }
    return new PipeIo(new net.Socket({ fd: wfd, readable: false, writable: true }), new net.Socket({ fd: rfd, readable: true, writable: false }));
  }

  start(sink: Sink, lost: Lost): void {
    this.reader.on('data', sink);
    this.reader.on('end', () => lost('the device closed its end of c2h'));
    this.reader.on('error', (e) => lost(`c2h: ${e.message}`, e));
    this.writer.on('error', (e) => lost(`h2c: ${e.message}`, e));
  }

  write(bytes: Buffer): void {
    this.writer.write(bytes);
  }

  async close(): Promise<void> {
    this.reader.removeAllListeners('data');
    this.reader.destroy();
    // flush what is queued, but not forever: a device that stopped reading leaves the pipe full
    await withinMs(CLOSE_FLUSH_MS, new Promise<void>((resolve) => this.writer.end(() => resolve())));
    this.writer.destroy();
  }
}

/** XDMA character devices: positioned reads and writes at offset 0 (AXI-Stream ignores the address). */
class CharIo {
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private constructor(
    private readonly w: FileHandle,
    private readonly r: FileHandle,
  ) {}

  static async open(uri: string, h2c: string, c2h: string): Promise<CharIo> {
    try {
      const w = await open(h2c, 'w');
      const r = await open(c2h, 'r').catch(async (e) => {
        await w.close();
        throw e;
      });
      return new CharIo(w, r);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EBUSY') throw new LinkError('port_busy', uri, `${h2c} is in use by another process`, { cause: e });
      throw new LinkError('no_device', uri, `cannot open the XDMA nodes: ${code ?? (e as Error).message}`, { cause: e });
    }
  }

  private lost?: Lost;

  start(sink: Sink, lost: Lost): void {
    this.lost = lost;
    void (async () => {
      const buf = Buffer.alloc(64 * 1024);
      while (!this.closed) {
        try {
          const { bytesRead } = await this.r.read(buf, 0, buf.length, 0);
          if (bytesRead > 0) sink(Buffer.from(buf.subarray(0, bytesRead)));
        } catch (e) {
          // the driver times a c2h read out when the card sends nothing; keep reading
          if ((e as NodeJS.ErrnoException).code === 'ETIMEDOUT' || (e as NodeJS.ErrnoException).code === 'ETIME') continue;
          if (!this.closed) lost(`c2h read: ${(e as Error).message}`, e);
          return;
        }
      }
    })();
  }

  write(bytes: Buffer): void {
    this.writing = this.writing.then(async () => {
      if (this.closed) return;
      try {
        await this.w.write(bytes, 0, bytes.length, 0);
      } catch (e) {
        this.lost?.(`h2c write: ${(e as Error).message}`, e);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await withinMs(CLOSE_FLUSH_MS, this.writing);
    await Promise.allSettled([this.w.close(), this.r.close()]);
  }
}
