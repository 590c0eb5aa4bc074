import { UART } from '../../firmware-spec/protocol.ts';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { ProfileName } from '../../firmware-spec/capability.ts';
import { PCIE_ID_MAGIC, USER_REGISTERS } from '../../firmware-spec/protocol.ts';
import { EmulatedDevice } from '../device.ts';
import type { FaultSpec } from '../endpoint/faults.ts';
import type { EndpointOutcome } from '../endpoint/endpoint.ts';
import { ByteStreamEndpoint } from '../endpoint/stream.ts';
import { retryStalledWrites } from './serial-writes.ts';

/**
 * The emulator as a standalone device: one EmulatedDevice behind a byte-stream endpoint, on a pty, an
 * existing tty, or a pair of FIFOs standing in for XDMA nodes. The device lives as long as the server,
 * across host sessions, as a board does between runs.
 */
export interface ServeOptions {
  profile?: ProfileName;
  faults?: FaultSpec;
  /** pace both directions to a UART at this baud (10 bits per byte) */
  baud?: number;
  /** one line per event worth telling (stderr in the CLI) */
  log?: (line: string) => void;
  /** every candidate frame's fate (the CLI's --verbose) */
  onOutcome?: (o: EndpointOutcome) => void;
}

export class ServerError extends Error {
  readonly code: 'no_socat' | 'no_port' | 'bad_dir';
  constructor(code: ServerError['code'], message: string) {
    super(message);
    this.name = 'ServerError';
    this.code = code;
  }
}

export interface RunningServer {
  /** what a host opens: a pty or tty path, or an XDMA prefix (DIR/xdma0) */
  readonly path: string;
  /** the URI a host passes to openDevice */
  readonly uri: string;
  /** the device served (a reset fault replaces it: read it again after one) */
  readonly device: EmulatedDevice;
  readonly link: ByteStreamEndpoint;
  /** resolves (with the reason) if the port or the pty pair goes away while serving */
  readonly lost: Promise<string>;
  close(): Promise<void>;
}

function endpointFor(opts: ServeOptions, write: (b: Buffer) => void, afterEach?: () => void): ByteStreamEndpoint {
  const device = new EmulatedDevice(opts.profile ?? 'emu');
  let boot = device.bootCount;
  let silent = false;
  const link: ByteStreamEndpoint = new ByteStreamEndpoint(device, write, {
    faults: opts.faults,
    baud: opts.baud,
    onOutcome: (o) => {
      opts.onOutcome?.(o);
      // the device faults (reset=N, hang=N) say when they strike
      const ep = link.endpoint;
      if (ep.device.bootCount !== boot) {
        boot = ep.device.bootCount;
        opts.log?.(`fault: the device rebooted after ${opts.faults?.resetAfter} trained samples (boot ${boot}): network, weights and samples lost`);
      }
      if (ep.silent && !silent) {
        silent = true;
        opts.log?.(`fault: the device hung after ${opts.faults?.hangAfter} trained samples: it answers nothing more`);
      }
      afterEach?.();
    },
  });
  return link;
}

async function openPort(path: string, baud: number): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: baud, autoOpen: false, lock: true });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(new ServerError('no_port', `cannot open ${path}: ${e.message}`)) : resolve())));
  return port;
}

/** Serve on an existing tty (one end of a socat pty pair, or a real UART). */
export async function serveSerial(path: string, opts: ServeOptions = {}): Promise<RunningServer> {
  const baud = opts.baud ?? UART.baud;
  const port = await openPort(path, baud);
  const link = endpointFor(opts, (b) => port.write(b));
  port.on('data', (b: Buffer) => link.receive(b));
  const stopWriteWatch = retryStalledWrites(port);
  let closing = false;
  const lost = new Promise<string>((resolve) => {
    port.on('close', () => closing || resolve(`${path} closed`));
    port.on('error', (e: Error) => closing || resolve(`${path}: ${e.message}`));
  });
  return {
    path,
    uri: `serial:${path}?baud=${baud}`,
    get device() {
      return link.endpoint.device;
    },
    link,
    lost,
    close: async () => {
      closing = true;
      link.close();
      stopWriteWatch();
      if (port.isOpen) await new Promise<void>((r) => port.close(() => r()));
    },
  };
}

/**
 * Create a pty pair with socat and serve on one end; `path` is the other end, for the host. The server
 * also holds the host's end open (without reading it) so the pair survives hosts that come and go:
 * otherwise the last close of a pty's slave makes socat's reads fail and socat exits.
 */
export async function servePty(opts: ServeOptions = {}): Promise<RunningServer> {
  const socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const paths = await new Promise<[string, string]>((resolve, reject) => {
    const found: string[] = [];
    let text = '';
    const fail = (why: string) => reject(new ServerError('no_socat', `cannot make a pty pair with socat (Debian package socat): ${why}`));
    socat.once('error', (e: NodeJS.ErrnoException) => fail(e.code === 'ENOENT' ? 'socat is not installed' : e.message));
    socat.once('exit', (code) => fail(`socat exited with ${code}: ${text.trim().split('\n').at(-1) ?? ''}`));
    socat.stderr!.setEncoding('utf8');
    socat.stderr!.on('data', (chunk: string) => {
      text += chunk;
      for (const m of chunk.matchAll(/PTY is (\/dev\/\S+)/g)) found.push(m[1]);
      if (found.length >= 2) resolve([found[0], found[1]]);
    });
  });
  socat.removeAllListeners('exit');
  socat.stderr!.removeAllListeners('data');
  socat.stderr!.resume();
  const [mine, theirs] = paths;
  const hold = openSync(theirs, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  let inner: RunningServer;
  try {
    inner = await serveSerial(mine, opts);
  } catch (e) {
    closeSync(hold);
    socat.kill();
    throw e;
  }
  const socatGone = new Promise<string>((resolve) => socat.on('exit', (code) => resolve(`socat exited (${code})`)));
  let closing = false;
  return {
    path: theirs,
    uri: `serial:${theirs}${opts.baud ? `?baud=${opts.baud}` : ''}`,
    get device() {
      return inner.device;
    },
    link: inner.link,
    lost: Promise.race([inner.lost, socatGone.then((why) => (closing ? new Promise<string>(() => {}) : why))]),
    close: async () => {
      closing = true;
      await inner.close();
      closeSync(hold);
      killQuietly(socat);
    },
  };
}

function killQuietly(p: ChildProcess): void {
  try {
    p.kill();
  } catch {
    // already gone
  }
}

/**
 * FIFOs standing in for XDMA nodes: DIR/xdma0_h2c_0 (the host writes, the device reads) and
 * DIR/xdma0_c2h_0 (the device writes), plus DIR/xdma0_user, a regular file holding the user BAR's
 * registers (ID, STATUS). The server opens both FIFOs read-write, so it never blocks on open, never
 * sees end-of-file when a host leaves, and serves host after host.
 */
export async function serveXdma(dir: string, opts: ServeOptions = {}): Promise<RunningServer> {
  mkdirSync(dir, { recursive: true });
  const prefix = join(dir, 'xdma0');
  const made: string[] = [];
  for (const name of ['h2c_0', 'c2h_0']) {
    const p = `${prefix}_${name}`;
    if (existsSync(p)) {
      if (!statSync(p).isFIFO()) throw new ServerError('bad_dir', `${p} exists and is not a FIFO`);
    } else {
      execFileSync('mkfifo', ['-m', '600', p]);
      made.push(p);
    }
  }
  const userPath = `${prefix}_user`;
  const user = openSync(userPath, 'w+');
  made.push(userPath);
  const regs = Buffer.alloc(8);
  regs.writeUInt32LE(PCIE_ID_MAGIC, USER_REGISTERS.ID);
  writeSync(user, regs, 0, 8, 0);
  const h2c = new net.Socket({ fd: openSync(`${prefix}_h2c_0`, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
  const c2h = new net.Socket({ fd: openSync(`${prefix}_c2h_0`, constants.O_RDWR | constants.O_NONBLOCK), readable: false, writable: true });
  let lastStatus = -1;
  const link: ByteStreamEndpoint = endpointFor(
    opts,
    (b) => c2h.write(b),
    () => {
      // STATUS register: bit 0 configured, bit 1 seeded
      const st = link.endpoint.device.status();
      const v = (st.configured ? 1 : 0) | (st.seeded ? 2 : 0);
      if (v === lastStatus) return;
      lastStatus = v;
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v);
      writeSync(user, b, 0, 4, USER_REGISTERS.STATUS);
    },
  );
  h2c.on('data', (b: Buffer) => link.receive(b));
  let closing = false;
  const lost = new Promise<string>((resolve) => {
    h2c.on('error', (e) => closing || resolve(`h2c: ${e.message}`));
    c2h.on('error', (e) => closing || resolve(`c2h: ${e.message}`));
  });
  return {
    path: prefix,
    uri: `pcie:${prefix}`,
    get device() {
      return link.endpoint.device;
    },
    link,
    lost,
    close: async () => {
      closing = true;
      link.close();
      h2c.destroy();
      c2h.destroy();
      closeSync(user);
      for (const p of made) {
        try {
          unlinkSync(p);
        } catch {
          // gone already
        }
      }
    },
  };
}
