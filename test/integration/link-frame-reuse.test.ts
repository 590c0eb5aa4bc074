/**
 * Bulk request frames written into reused memory (Transport.reusesFrames): the in-process link's
 * frames are not each a fresh 8 KB Buffer. Reuse must never change what the device receives: a run
 * whose frames share memory trains to the same bits as one whose frames each have their own, and a
 * frame that was retransmitted (its copies may still be on their way) never lends its memory to a
 * later request.
 */
import { describe, expect, it } from 'vitest';
import { OPCODES } from '../../firmware-spec/protocol.ts';
import { EmuTransport, LinkClient } from '../../host/device/index.ts';
import type { Transport } from '../../host/device/transports/transport.ts';
import { train } from '../../host/train/index.ts';

/** The in-process device behind a transport that records every STREAM_SAMPLES frame's memory and can lose one. */
class RecordingTransport implements Transport {
  readonly kind = 'emu' as const;
  readonly bytesPerSecond = Infinity;
  readonly uri = 'emu?recording';
  readonly rtoMs = 20;
  readonly inner = new EmuTransport('emu');
  /** per bulk STREAM_SAMPLES transmission (frames Node would give memory of their own): its memory, its seq, whether it was lost */
  readonly sent: Array<{ memory: ArrayBufferLike; seq: number; dropped: boolean }> = [];
  private streams = 0;
  constructor(
    readonly reusesFrames: boolean,
    /** lose the first transmission of the n-th bulk STREAM_SAMPLES frame (0: none) */
    private readonly dropNth = 0,
  ) {}
  get stats() {
    return this.inner.stats;
  }
  setHandlers(onFrame: (c: Buffer) => void): void {
    // the in-process device never closes the link
    this.inner.setHandlers(onFrame);
  }
  send(frame: Buffer): void {
    if (frame[3] === OPCODES.STREAM_SAMPLES.code && frame.length > Buffer.poolSize >>> 1) {
      const dropped = ++this.streams === this.dropNth;
      this.sent.push({ memory: frame.buffer, seq: frame.readUInt16LE(1), dropped });
      if (dropped) return;
    }
    this.inner.send(frame);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const run = { preset: 'mnist-sparse-38', samples: 640, epochs: 1, evaluateEachEpoch: false } as const;

async function trainOver(t: RecordingTransport): Promise<string> {
  const client = new LinkClient(t);
  await client.handshake();
  try {
    return (await train({ ...run, device: client })).weightsSha256;
  } finally {
    await client.close();
  }
}

describe('bulk frames in reused memory', () => {
  it('reuses a few frame memories over a run, and trains to the same bits as frames of their own', async () => {
    const own = new RecordingTransport(false);
    const reused = new RecordingTransport(true);
    const shaOwn = await trainOver(own);
    const shaReused = await trainOver(reused);
    expect(shaReused).toBe(shaOwn);
    // 640 training samples and the test set: many bulk frames, each its own memory without reuse...
    expect(reused.sent.length).toBeGreaterThan(100);
    expect(new Set(own.sent.map((s) => s.memory)).size).toBe(own.sent.length);
    // ...and a window's worth of memories with it
    expect(new Set(reused.sent.map((s) => s.memory)).size).toBeLessThanOrEqual(16);
  });

  it('never reuses the memory of a frame that was retransmitted', async () => {
    const clean = await trainOver(new RecordingTransport(true));
    const lossy = new RecordingTransport(true, 5);
    expect(await trainOver(lossy)).toBe(clean);
    const at = lossy.sent.findIndex((s) => s.dropped);
    const lost = lossy.sent[at];
    // from its loss on, its memory carries its own retransmissions (same seq) and no other request
    const later = lossy.sent.slice(at).filter((s) => s.memory === lost.memory);
    expect(later.length).toBeGreaterThan(1);
    expect(later.every((s) => s.seq === lost.seq)).toBe(true);
    // while other memories were reused all along
    expect(new Set(lossy.sent.map((s) => s.memory)).size).toBeLessThan(lossy.sent.length / 4);
  });
});
