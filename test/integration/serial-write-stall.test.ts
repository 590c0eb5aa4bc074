import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../firmware-spec/codec.ts';
import { UART } from '../../firmware-spec/protocol.ts';
import { SlipFramer } from '../../firmware-spec/slip.ts';
import { SerialTransport } from '../../host/device/transports/serial.ts';

/**
 * The serial transport retries a write queue that stands still (emulator/server/serial-writes.ts: npm
 * serialport can miss the pty's "writable" wakeup after EAGAIN). Here the queue stands still for the
 * honest reason, a pty whose other end reads nothing, so every retry meets EAGAIN again: the retries
 * must happen, and once the other end reads, every byte must arrive once, in order.
 */
let socat: ChildProcess | undefined;
afterAll(() => socat?.kill());

async function ptyPair(): Promise<[string, string]> {
  socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    const found: string[] = [];
    const timer = setTimeout(() => reject(new Error('socat printed no ptys')), 10_000);
    socat!.stderr!.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/PTY is (\/dev\/\S+)/g)) found.push(m[1]);
      if (found.length >= 2) {
        clearTimeout(timer);
        resolve([found[0], found[1]]);
      }
    });
  });
}

describe('serial transport: a write queue that stands still', () => {
  it('is retried while the far end reads nothing, and loses or repeats no byte', async () => {
    const [hostEnd, farEnd] = await ptyPair();
    const far = openSync(farEnd, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    const t = await SerialTransport.open(`serial:${hostEnd}`, hostEnd, UART.baud);
    try {
      // far more than the two ptys and socat buffer between them (a few tens of KB): the queue stalls
      const frames = Array.from({ length: 64 }, (_, i) => encodeFrame(i, 0x10, Buffer.alloc(4096, i)));
      for (const f of frames) t.send(f);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(t.writeStallRetries).toBeGreaterThan(0);

      const got: Buffer[] = [];
      const buf = Buffer.alloc(65536);
      const expected = t.stats.bytesOut;
      const deadline = Date.now() + 20_000;
      let total = 0;
      while (total < expected && Date.now() < deadline) {
        let n = 0;
        try {
          n = readSync(far, buf, 0, buf.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        }
        if (n > 0) {
          got.push(Buffer.from(buf.subarray(0, n)));
          total += n;
        } else await new Promise((r) => setTimeout(r, 5));
      }
      expect(total).toBe(expected);
      // SLIP frames back out of the byte stream: each frame once, in order
      const out: Buffer[] = [];
      const framer = new SlipFramer({ write: () => {}, onFrame: (c) => c.length > 0 && out.push(Buffer.from(c)) });
      framer.receive(Buffer.concat(got));
      expect(out.length).toBe(frames.length);
      for (const [i, f] of frames.entries()) expect(out[i].equals(f)).toBe(true);
    } finally {
      await t.close();
      closeSync(far);
    }
  });
});
