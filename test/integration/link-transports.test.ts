/**
 * The three transports end to end: `emu` in process, `serial:` over a pty to `seedwire emulator serve
 * --pty`, `pcie:` over FIFOs to `seedwire emulator serve --xdma DIR` (both child processes, killed by
 * process group afterwards). The same command sequence must read back byte-identical results on all
 * three; bad URIs, missing and busy ports and silent devices must fail fast with a LinkError naming the URI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, constants, mkdtempSync, openSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capability } from '../../firmware-spec/capability.ts';
import { encodeWeights } from '../../firmware-spec/network.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { type SpawnedServer, spawnServer } from '../../host/cli/spawn-server.ts';
import { parseConfig } from '../../host/config/index.ts';
import { type DeviceClient, LinkError, openDevice } from '../../host/device/index.ts';
import { plan } from '../../host/partition/index.ts';
import { runCli } from '../helpers/cli.ts';

let tmp: string;
let pty: SpawnedServer;
let xdma: SpawnedServer;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'seedwire-link-'));
  [pty, xdma] = await Promise.all([spawnServer(['--pty']), spawnServer(['--xdma', join(tmp, 'xdma')])]);
});

afterAll(async () => {
  await Promise.all([pty?.stop(), xdma?.stop()]);
  rmSync(tmp, { recursive: true, force: true });
});

/** MNIST-shaped synthetic digits: mostly zeros, a blob of ink, deterministic. */
function digits(n: number, seed: number): { pixels: Uint8Array; labels: Uint8Array } {
  const px = 784;
  const pixels = new Uint8Array(n * px);
  let x = seed;
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < px; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const r = Math.floor(i / 28) - 14;
      const c = (i % 28) - 14;
      if (r * r + c * c < 60 + (s % 5) * 10) pixels[s * px + i] = 64 + (x >>> 25);
    }
  }
  return { pixels, labels: new Uint8Array(n).map((_, i) => (i * 3) % 10) };
}

/** A training-like sequence: configure, seed, stream in several encodings, train in chunks, infer, read back. */
async function workload(dev: DeviceClient): Promise<Record<string, unknown>> {
  const cap: Capability = (await dev.identify()).capability;
  const p = plan(parseConfig({ name: 'link', layers: [784, 112, 10], junctions: [{ fo: 42 }, { fo: 10 }], chunk: 16 }), cap);
  const net = p.resolved.network;
  await dev.reset();
  await dev.configure(net);
  await dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  const results: unknown[] = [];
  const encodings = ['u8', 'zrl', 'u4', 'bin'] as const;
  for (let k = 0; k < 4; k++) {
    const { pixels, labels } = digits(16, k + 1);
    const sent = dev.streamSamples(encodings[k], pixels, labels);
    const trained = dev.train(16); // overlapping: runs after the stream, in call order
    results.push(await sent, await trained);
  }
  const { pixels, labels } = digits(20, 99);
  await dev.streamSamples('zrl', pixels, labels);
  const inf = await dev.infer(20);
  const sha: string[] = [];
  for (const [i, j] of net.junctions.entries()) {
    const w = await dev.readWeights(i, 0, j.n * j.fi);
    sha.push(createHash('sha256').update(encodeWeights(w, net.formats.weight.bits)).digest('hex'));
  }
  const { wireBytesIn: _i, wireBytesOut: _o, ...counters } = await dev.readCounters();
  return { results, predictions: Array.from(inf.predictions), correct: inf.correct, sha, counters };
}

describe('transports end to end', () => {
  it('the same command sequence reads back byte-identical on emu, serial (pty) and pcie (FIFOs)', async () => {
    const uris = ['emu', `serial:${pty.path}`, `pcie:${xdma.path}`];
    const runs: Array<Record<string, unknown>> = [];
    for (const uri of uris) {
      const dev = await openDevice(uri);
      try {
        runs.push(await workload(dev));
        expect(dev.linkStats().badFrames).toBe(0);
      } finally {
        await dev.close();
      }
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect((runs[0].sha as string[]).length).toBe(2);
  });

  it('serves host after host: a served device keeps answering after a client leaves', async () => {
    for (const uri of [`serial:${pty.path}`, `pcie:${xdma.path}`]) {
      for (let i = 0; i < 3; i++) {
        const dev = await openDevice(uri);
        expect((await dev.status()).bootCount).toBeGreaterThanOrEqual(1);
        await dev.close();
      }
    }
  });

  it('reports the XDMA user registers: ID checked at open', async () => {
    // a user BAR whose ID register is wrong: not a seedwire device
    const dir = join(tmp, 'bad-user');
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('mkfifo', [join(dir, 'x_h2c_0'), join(dir, 'x_c2h_0')]);
    execFileSync('sh', ['-c', `printf 'XXXX' > ${join(dir, 'x_user')}`]);
    await expectLinkError(openDevice(`pcie:${join(dir, 'x')}`), 'no_device', /ID register reads 0x58585858/);
  });
});

async function expectLinkError(p: Promise<unknown>, code: string, msg?: RegExp, withinMs?: number): Promise<LinkError> {
  const t0 = performance.now();
  const e = await p.then(
    (v) => {
      throw new Error(`expected LinkError ${code}, got ${String(v)}`);
    },
    (x: unknown) => x,
  );
  expect(e, String(e)).toBeInstanceOf(LinkError);
  expect((e as LinkError).code, (e as Error).message).toBe(code);
  if (msg) expect((e as Error).message).toMatch(msg);
  if (withinMs !== undefined) expect(performance.now() - t0).toBeLessThan(withinMs);
  return e as LinkError;
}

describe('bad input fails fast with a LinkError naming the URI', () => {
  it('an unknown URI scheme', async () => {
    const e = await expectLinkError(openDevice('usb:/dev/ttyUSB0'), 'bad_uri', /unknown device URI scheme 'usb'/);
    expect(e.message.startsWith('usb:/dev/ttyUSB0: ')).toBe(true);
  });

  it('a missing device path', async () => {
    await expectLinkError(openDevice('serial:'), 'bad_uri', /missing device path/);
    const e = await expectLinkError(openDevice('serial:/dev/ttySEEDWIRE-none?baud=115200'), 'no_device', /no serial port at \/dev\/ttySEEDWIRE-none/);
    expect(e.message.startsWith('serial:/dev/ttySEEDWIRE-none?baud=115200: ')).toBe(true);
    await expectLinkError(openDevice(`pcie:${join(tmp, 'nothing', 'xdma0')}`), 'no_device', /no XDMA node at/);
  });

  it('FIFOs nobody serves', async () => {
    const dir = join(tmp, 'unserved');
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('mkfifo', [join(dir, 'xdma0_h2c_0'), join(dir, 'xdma0_c2h_0')]);
    await expectLinkError(openDevice(`pcie:${join(dir, 'xdma0')}`), 'no_device', /nobody is reading it/, 2_000);
  });

  it('a port in use', async () => {
    const first = await openDevice(`serial:${pty.path}`);
    try {
      await expectLinkError(openDevice(`serial:${pty.path}`), 'port_busy', /in use by another process/);
    } finally {
      await first.close();
    }
  });

  it('a device that never answers: serial (a bare pty pair) and pcie (FIFOs read by nobody who answers)', async () => {
    const socat: ChildProcess = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const path = await new Promise<string>((resolve, reject) => {
        let text = '';
        socat.once('error', reject);
        socat.stderr!.on('data', (d) => {
          text += d;
          const m = [...text.matchAll(/PTY is (\/dev\/\S+)/g)];
          if (m.length >= 2) resolve(m[1][1]);
        });
      });
      const uri = `serial:${path}?handshake=700`;
      const e = await expectLinkError(openDevice(uri), 'timeout', /did not answer IDENTIFY within 700 ms/, 3_000);
      expect(e.message.startsWith(`${uri}: `)).toBe(true);
    } finally {
      socat.kill();
    }
    // FIFOs held open (so the host can open them) but nothing ever answers
    const dir = join(tmp, 'silent');
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('mkfifo', [join(dir, 'xdma0_h2c_0'), join(dir, 'xdma0_c2h_0')]);
    const fds = ['h2c_0', 'c2h_0'].map((n) => openSync(join(dir, `xdma0_${n}`), constants.O_RDWR | constants.O_NONBLOCK));
    try {
      await expectLinkError(openDevice(`pcie:${join(dir, 'xdma0')}`, { handshakeMs: 500 }), 'timeout', /did not answer IDENTIFY within 500 ms/, 2_500);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  });

  it('XDMA character devices (here /dev/null written, /dev/zero read): driven, and silence times out', async () => {
    const dir = join(tmp, 'chardev');
    execFileSync('mkdir', ['-p', dir]);
    symlinkSync('/dev/null', join(dir, 'xdma9_h2c_0'));
    symlinkSync('/dev/zero', join(dir, 'xdma9_c2h_0'));
    const uri = `pcie:${join(dir, 'xdma9')}?handshake=500`;
    const e = await expectLinkError(openDevice(uri), 'timeout', /did not answer IDENTIFY within 500 ms/, 3_000);
    expect(e.message.startsWith(`${uri}: `)).toBe(true);
  });

  it('a device that stops answering mid-session: timeout after bounded retries, then every call fails', async () => {
    const server = await spawnServer(['--xdma', join(tmp, 'dying')]);
    const dev = await openDevice(`pcie:${server.path}?rto=100&retries=3`);
    await dev.status();
    process.kill(-server.child.pid!, 'SIGSTOP'); // alive but silent
    try {
      const e = await expectLinkError(dev.status(), 'timeout', /no response to STATUS .* after 4 tries/, 5_000);
      expect(e.message.startsWith(`pcie:${server.path}?rto=100&retries=3: `)).toBe(true);
      await expectLinkError(dev.status(), 'timeout');
    } finally {
      process.kill(-server.child.pid!, 'SIGCONT');
      await dev.close();
      await server.stop();
    }
  });

  it('a device that goes away: disconnected', async () => {
    const server = await spawnServer(['--xdma', join(tmp, 'leaving')]);
    const dev = await openDevice(`pcie:${server.path}`);
    await dev.status();
    await server.stop();
    await expectLinkError(dev.status(), 'disconnected', /closed its end of c2h|EPIPE|h2c/, 5_000);
    await dev.close();
  });

  it('a device built from another spec: spec_mismatch naming both hashes', async () => {
    const device = new EmulatedDevice('emu');
    const theirs = 'ab'.repeat(32);
    (device as { capability: Capability }).capability = { ...device.capability, specHash: theirs };
    const e = await expectLinkError(openDevice('emu', { device }), 'spec_mismatch');
    expect(e.message).toContain(theirs);
    expect(e.message).toMatch(/this host from spec [0-9a-f]{64}/);
  });
});

describe('CLI: seedwire devices, seedwire emulator serve', () => {
  it('devices lists serial ports as JSON, or says udevadm (Debian udev) is missing', () => {
    const ok = runCli(['devices', '--json']);
    if (ok.code === 0) expect(Array.isArray(JSON.parse(ok.stdout))).toBe(true);
    else expect(ok.stderr).toMatch(/\[no_udevadm\].*apt-get install udev/);
    // with no udevadm on PATH: a clear error, not a crash
    const empty = join(tmp, 'empty-path');
    execFileSync('mkdir', ['-p', empty]);
    const r = runCli(['devices'], { env: { PATH: empty } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[no_udevadm\]: listing serial ports needs udevadm.*apt-get install udev/);
  });

  it('emulator serve refuses bad options', () => {
    expect(runCli(['emulator', 'serve']).stderr).toMatch(/\[bad_option\].*exactly one of --pty, --serial PATH, --xdma DIR/);
    expect(runCli(['emulator', 'serve', '--pty', '--faults', 'loss=1']).stderr).toMatch(/\[bad_faults\]/);
    expect(runCli(['emulator', 'serve', '--pty', '--baud', 'fast']).stderr).toMatch(/--baud fast/);
    expect(runCli(['emulator', 'serve', '--serial', '/dev/ttySEEDWIRE-none']).stderr).toMatch(/\[no_port\].*ttySEEDWIRE-none/);
  });
});
