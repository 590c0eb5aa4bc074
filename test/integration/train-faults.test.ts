import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPCODES } from '../../firmware-spec/protocol.ts';
import { spawnServer } from '../../host/cli/spawn-server.ts';
import { LinkClient, LinkError } from '../../host/device/index.ts';
import { EmuTransport } from '../../host/device/transports/emu.ts';
import type { Transport } from '../../host/device/transports/transport.ts';
import { readCheckpoint, train, TrainError } from '../../host/train/index.ts';

/**
 * A run survives what boards do: the link dying mid-stream, a device that reboots, a device that
 * hangs. In process (the emulator behind `emu?faults=reset=N|hang=N`, and a transport that is
 * unplugged); the same over a pty server is the acceptance checks' business.
 */
const tmp = mkdtempSync(join(tmpdir(), 'seedwire-faults-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const base = { preset: 'mnist-sparse-38', samples: 1200, epochs: 1, evaluateEachEpoch: false } as const;
let cleanSha: string | undefined;
async function clean(): Promise<string> {
  cleanSha ??= (await train({ ...base, device: 'emu' })).weightsSha256;
  return cleanSha;
}

/** An in-process device whose cable is pulled when the host sends its `nth` TRAIN: frames stop, the close handler fires. */
class UnpluggedTransport implements Transport {
  readonly kind = 'emu' as const;
  readonly bytesPerSecond = Infinity;
  readonly rtoMs = 60_000;
  readonly uri = 'emu?unplugged';
  private trains = 0;
  private gone = false;
  private onClose?: (err?: Error) => void;
  constructor(
    private readonly inner: EmuTransport,
    private readonly nth: number,
  ) {}
  get stats() {
    return this.inner.stats;
  }
  setHandlers(onFrame: (c: Buffer) => void, onClose: (err?: Error) => void): void {
    this.onClose = onClose;
    this.inner.setHandlers((c) => this.gone || onFrame(c));
  }
  send(frame: Buffer): void {
    if (this.gone) return;
    if (frame[3] === OPCODES.TRAIN.code && ++this.trains === this.nth) {
      // mid-stream: the TRAIN and the prefetched samples behind it are in flight when the link dies
      this.gone = true;
      setImmediate(() => this.onClose?.(new LinkError('disconnected', this.uri, 'the device was unplugged')));
      return;
    }
    this.inner.send(frame);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('device faults mid-run', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('the link dying mid-stream ends the run with one error naming the device and the checkpoint kept, and no unhandled rejection', async () => {
    const ck = join(tmp, 'unplug');
    const client = new LinkClient(new UnpluggedTransport(new EmuTransport('emu'), 12));
    await client.handshake();
    const err = await train({ ...base, device: client, checkpointDir: ck, checkpointEvery: 256 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await client.close();
    // give a stray rejection the turns it needs to surface
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe('disconnected');
    expect((err as Error).message).toMatch(/^emu\?unplugged: the device was unplugged; kept the checkpoint in .* \(mnist-sparse-38 .*, at epoch 1\/1, sample \d+\/1200\)/);
    expect(readCheckpoint(ck).cursor).toBeGreaterThan(0);
    // resumed on a fresh device: the uninterrupted run's weights
    const resumed = await train({ ...base, device: 'emu', checkpointDir: ck, resume: true });
    expect(resumed.weightsSha256).toBe(await clean());
  });

  it('a device reset mid-run (reset=N) is recovered from the last checkpoint, bit-exactly, and said so', async () => {
    const notices: string[] = [];
    const r = await train({ ...base, device: 'emu?faults=reset=700', checkpointDir: join(tmp, 'reset'), checkpointEvery: 256, onNotice: (l) => notices.push(l) });
    expect(unhandled).toEqual([]);
    expect(r.recoveries).toBe(1);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/the device was reset \(it lost the session\); restoring the checkpoint in .* \(mnist-sparse-38 .*, at epoch 1\/1, sample 512\/1200\) onto it and carrying on \(recovery 1 of 3\)/);
    expect(r.samplesTrained).toBe(1200);
    expect(r.weightsSha256).toBe(await clean());
  });

  it('a device reset without --checkpoint stops with a clear error', async () => {
    const err = await train({ ...base, device: 'emu?faults=reset=700' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TrainError);
    expect((err as TrainError).code).toBe('device_reset');
    expect((err as Error).message).toMatch(/reset mid-run \(it lost the session\); without --checkpoint DIR the run cannot be restored onto it; nothing kept/);
  });

  it('recoveries stop at --retries', async () => {
    const err = await train({ ...base, device: 'emu?faults=reset=300', retries: 0, checkpointDir: join(tmp, 'retries'), checkpointEvery: 256 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as TrainError).code).toBe('device_reset');
    expect((err as Error).message).toMatch(/gave up after 0 recoveries \(--retries 0\); kept the checkpoint/);
  });

  it('a hung device (hang=N) ends the run by timeout, with the checkpoint intact', async () => {
    const ck = join(tmp, 'hang');
    const t0 = performance.now();
    const err = await train({ ...base, device: 'emu?faults=hang=700&retries=3', checkpointDir: ck, checkpointEvery: 256 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(unhandled).toEqual([]);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe('timeout');
    expect((err as Error).message).toMatch(/no response to \w+ .* after 4 tries .*; kept the checkpoint in .* \(mnist-sparse-38 .*, at epoch 1\/1, sample 512\/1200\)/);
    expect(existsSync(join(ck, 'checkpoint.json'))).toBe(true);
    const resumed = await train({ ...base, device: 'emu', checkpointDir: ck, resume: true });
    expect(resumed.weightsSha256).toBe(await clean());
  });

  it('over a pty to `emulator serve --faults hang=N`: a timeout naming the hung device, the checkpoint intact', async () => {
    const server = await spawnServer(['--pty', '--faults', 'hang=700']);
    try {
      const ck = join(tmp, 'hang-pty');
      const uri = `serial:${server.path}?baud=3000000&retries=3&handshake=1000`;
      const err = await train({ ...base, device: uri, checkpointDir: ck, checkpointEvery: 256 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(unhandled).toEqual([]);
      expect((err as LinkError).code).toBe('timeout');
      expect((err as Error).message).toMatch(new RegExp(`^serial:${server.path}\\?baud=3000000&retries=3&handshake=1000: no response to \\w+ .* \\(asked again, the device did not answer IDENTIFY either: it is hung or gone\\); kept the checkpoint in .* \\(mnist-sparse-38 .*, at epoch 1/1, sample 512/1200\\)`));
      expect(server.stderr()).toMatch(/fault: the device hung after 700 trained samples/);
      expect(readCheckpoint(ck).cursor).toBe(512);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
