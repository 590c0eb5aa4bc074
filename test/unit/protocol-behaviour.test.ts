/**
 * Protocol behaviours SPEC.md section 9 fixes (issue 14, items 8, 10, 12, 13 and 14): RESET restores
 * the boot state, NAK messages number junctions as the wire does (from 0), the device enforces
 * BULK_PAYLOAD, and a training run sends IDENTIFY once.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeNak, decodeResponse, encodeFrame, encodeRequest, type Frame } from '../../firmware-spec/codec.ts';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { fixedBytesPerImage } from '../../firmware-spec/encodings.ts';
import { DEVICE_ERRORS } from '../../firmware-spec/errors.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { BULK_PAYLOAD, MAX_PAYLOAD, NAK, type Opcode, OPCODES } from '../../firmware-spec/protocol.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { DeviceEndpoint } from '../../emulator/endpoint/endpoint.ts';
import { loadPreset } from '../../host/config/index.ts';
import { openDevice } from '../../host/device/index.ts';
import type { EmuTransport } from '../../host/device/transports/emu.ts';
import { plan } from '../../host/partition/index.ts';
import { train } from '../../host/train/index.ts';

function rig(profile: 'emu' | 'up5k' = 'emu') {
  const sent: Buffer[] = [];
  const dev = new EmulatedDevice(profile);
  const ep = new DeviceEndpoint(dev, (f) => sent.push(f));
  let seq = 100;
  const send = (op: Opcode, value: unknown = {}): Frame => {
    ep.receive(encodeFrame(seq++, OPCODES[op].code, encodeRequest(op, value)));
    const r = decodeFrame(sent.at(-1)!);
    if (!r.ok) throw new Error('bad response');
    return r.frame;
  };
  send('IDENTIFY', { nonce: 1 });
  return { ep, send, bulk: dev.capability.bulkPayload };
}

const net = plan(loadPreset('tiny'), capabilityFor('emu', specHash())).resolved.network;
const seeds = { connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: 5, rounding: 0x1234 };

describe('protocol behaviours', () => {
  it('RESET restores the boot state: STATUS roundingState 0, not configured, not seeded, no samples (item 10)', () => {
    const { send } = rig();
    send('CONFIGURE', net);
    send('LOAD_SEEDS', seeds);
    send('STREAM_SAMPLES', { encoding: 'u8', count: 1, data: Buffer.concat([Buffer.of(1), Buffer.alloc(16, 7)]) });
    const seeded = decodeResponse('STATUS', send('STATUS').payload);
    expect(seeded).toMatchObject({ configured: true, seeded: true, bufferedSamples: 1, roundingState: 0x1234 });
    send('RESET');
    const boot = decodeResponse('STATUS', send('STATUS').payload);
    expect(boot).toMatchObject({ configured: false, seeded: false, bufferedSamples: 0, bufferedBytes: 0, roundingState: 0 });
  });

  it('a second CONFIGURE clears seeds, samples and the rounding state', () => {
    const { send } = rig();
    send('CONFIGURE', net);
    send('LOAD_SEEDS', seeds);
    send('STREAM_SAMPLES', { encoding: 'u8', count: 1, data: Buffer.concat([Buffer.of(1), Buffer.alloc(16, 7)]) });
    send('CONFIGURE', net);
    expect(decodeResponse('STATUS', send('STATUS').payload)).toMatchObject({ configured: true, seeded: false, bufferedSamples: 0, roundingState: 0 });
  });

  it('NAK messages number junctions from 0, as the wire does (item 12)', () => {
    const { send } = rig();
    send('CONFIGURE', net);
    send('LOAD_SEEDS', seeds);
    const nak = send('READ_WEIGHTS', { junction: 1, offset: 0, count: 1000 });
    expect(nak.opcode).toBe(NAK);
    const m = decodeNak(nak.payload);
    expect(m.code).toBe(DEVICE_ERRORS.out_of_range);
    expect(m.message).toMatch(/^junction 1 has 32 weights/);
    expect(decodeNak(send('READ_WEIGHTS', { junction: 2, offset: 0, count: 1 }).payload).message).toMatch(/^junction 2 does not exist/);
  });

  it("enforces the device's bulk payload on bulk requests and READ responses; one sample may use the whole MAX_PAYLOAD (item 13)", () => {
    // the board's profile declares the smallest bulk frame; the software device a larger one
    expect(rig('emu').bulk).toBeGreaterThan(BULK_PAYLOAD);
    const { send, bulk } = rig('up5k');
    expect(bulk).toBe(BULK_PAYLOAD);
    // the tiny network with the board's 2 lanes per junction
    const board = plan({ ...loadPreset('tiny'), junctions: [{ fo: 4, z: 2 }, { fo: 4, z: 2 }] }, capabilityFor('up5k', specHash())).resolved.network;
    expect(send('CONFIGURE', board).opcode).toBe(0x80 | OPCODES.CONFIGURE.code);
    const loaded = send('LOAD_SEEDS', { connectivity: board.junctions.map((j) => j.connectivitySeed), init: board.junctions.map((j) => j.initSeed), feedback: 5, rounding: board.roundingSeed });
    expect(loaded.opcode, loaded.opcode === NAK ? decodeNak(loaded.payload).message : '').toBe(0x80 | OPCODES.LOAD_SEEDS.code);
    // 16 KB of samples in one STREAM_SAMPLES: over the device's bulk payload, refused, nothing buffered
    const count = Math.floor((MAX_PAYLOAD - 3) / 17);
    expect(count * 17 + 3).toBeGreaterThan(bulk);
    const big = send('STREAM_SAMPLES', { encoding: 'u8', count, data: Buffer.alloc(count * 17) });
    expect(big.opcode).toBe(NAK);
    expect(decodeNak(big.payload)).toMatchObject({ code: DEVICE_ERRORS.bad_payload });
    expect(decodeNak(big.payload).message).toMatch(/bulkPayload/);
    expect(decodeResponse('STATUS', send('STATUS').payload)).toMatchObject({ bufferedSamples: 0 });
    // exactly the bulk payload is fine
    const fits = Math.floor((bulk - 3) / 17);
    expect(send('STREAM_SAMPLES', { encoding: 'u8', count: fits, data: Buffer.alloc(fits * 17) }).opcode).toBe(0x80 | OPCODES.STREAM_SAMPLES.code);
    const words = send('WRITE_WEIGHTS', { junction: 0, offset: 0, words: Buffer.alloc(bulk) });
    expect(decodeNak(words.payload).code).toBe(DEVICE_ERRORS.bad_payload);
    const read = send('READ_WEIGHTS', { junction: 0, offset: 0, count: bulk / 2 + 1 });
    expect(read.opcode).toBe(NAK);
  });

  it('a single large sample may exceed BULK_PAYLOAD (a sample cannot be split)', () => {
    const { send } = rig();
    const wide = { ...net, junctions: [{ ...net.junctions[0], p: 2048, fo: 1, fi: 256, z: 4, initShift: 0 }, net.junctions[1]] };
    send('CONFIGURE', wide);
    const one = send('STREAM_SAMPLES', { encoding: 'u8', count: 1, data: Buffer.concat([Buffer.of(1), Buffer.alloc(2048, 3)]) });
    expect(one.opcode).toBe(0x80 | OPCODES.STREAM_SAMPLES.code);
  });

  it('samples streamed as one view per image travel in the same frames as the same samples in one block', async () => {
    const px = net.junctions[0].p;
    const count = 5;
    const block = Uint8Array.from({ length: count * px }, (_, i) => (i * 37) % 256);
    const labels = Uint8Array.from({ length: count }, (_, i) => i % net.junctions.at(-1)!.n);
    const views = Array.from({ length: count }, (_, s) => block.subarray(s * px, (s + 1) * px));
    for (const encoding of ['u8', 'u4'] as const) {
      const sent: Buffer[][] = [];
      for (const images of [block, views]) {
        const dev = await openDevice('emu');
        try {
          await dev.configure(net);
          await dev.loadSeeds(seeds);
          const t = dev.transport as EmuTransport;
          const frames: Buffer[] = [];
          const send = t.send.bind(t);
          t.send = (f: Buffer) => (frames.push(Buffer.from(f)), send(f));
          const { bytes } = await dev.streamSamples(encoding, images, labels);
          expect(frames.length).toBeGreaterThan(0);
          expect(bytes).toBe(count * (1 + fixedBytesPerImage(encoding, px)!));
          expect((await dev.status()).bufferedSamples).toBe(count);
          // seqs differ between sessions: compare from the opcode on
          sent.push(frames.map((f) => f.subarray(3, f.length - 4)));
        } finally {
          await dev.close();
        }
      }
      expect(sent[1], encoding).toEqual(sent[0]);
    }
    const dev = await openDevice('emu');
    try {
      await dev.configure(net);
      await expect(dev.streamSamples('u8', [block.subarray(0, px), block.subarray(0, px - 1)], labels.subarray(0, 2))).rejects.toMatchObject({ code: 'bad_argument' });
      await expect(dev.streamSamples('u8', views.slice(0, 2), labels)).rejects.toMatchObject({ code: 'bad_argument' });
    } finally {
      await dev.close();
    }
  });

  it('a training run sends IDENTIFY once: the handshake answers the trainer too (item 14)', async () => {
    const dev = await openDevice('emu');
    try {
      await train({ preset: 'mnist-sparse-38', device: dev, samples: 16, evaluateEachEpoch: false });
      const ep = (dev.transport as EmuTransport).endpoint;
      expect(ep.stats.ran.IDENTIFY).toBe(1);
    } finally {
      await dev.close();
    }
  });
});
