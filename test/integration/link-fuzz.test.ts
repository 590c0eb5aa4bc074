/**
 * Fuzz: 100,000 random and mutated byte strings into the frame decoder, the SLIP framer and the device
 * endpoint, and random response frames into the host's link layer. Nothing may throw or hang; every
 * input the endpoint refuses is refused with a stable code.
 */
import { describe, expect, it } from 'vitest';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { crc32, decodeFrame, encodeFrame, encodeRequest } from '../../firmware-spec/codec.ts';
import { DEVICE_ERRORS } from '../../firmware-spec/errors.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { FRAME_REJECTS, type Opcode, OPCODES, RESPONSE_FLAG, SEQ_MODULO } from '../../firmware-spec/protocol.ts';
import { SlipFramer } from '../../firmware-spec/slip.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { DeviceEndpoint, type EndpointOutcome } from '../../emulator/endpoint/endpoint.ts';
import { loadPreset } from '../../host/config/index.ts';
import { LinkClient } from '../../host/device/client.ts';
import { LinkError } from '../../host/device/errors.ts';
import type { Transport } from '../../host/device/transports/transport.ts';
import { plan } from '../../host/partition/index.ts';

/** xorshift32, seeded: a failing case can be replayed */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return { u32: next, below: (n: number) => next() % n, bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => next() & 0xff)) };
}

const net = plan(loadPreset('tiny'), capabilityFor('emu', specHash())).resolved.network;
const seeds = { connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed };

/** Valid request payloads to mutate: one per opcode. */
const CORPUS: Array<[Opcode, Buffer]> = [
  ['IDENTIFY', encodeRequest('IDENTIFY', { nonce: 1 })],
  ['RESET', encodeRequest('RESET', {})],
  ['CONFIGURE', encodeRequest('CONFIGURE', net)],
  ['LOAD_SEEDS', encodeRequest('LOAD_SEEDS', seeds)],
  ['WRITE_WEIGHTS', encodeRequest('WRITE_WEIGHTS', { junction: 0, offset: 3, words: Buffer.alloc(20, 0x11) })],
  ['READ_WEIGHTS', encodeRequest('READ_WEIGHTS', { junction: 1, offset: 0, count: 16 })],
  ['STREAM_SAMPLES', encodeRequest('STREAM_SAMPLES', { encoding: 'zrl', count: 2, data: Buffer.concat([Buffer.of(1, 2), Buffer.of(2, 0, 0, 16), Buffer.of(2, 0, 0, 16)]) })],
  ['TRAIN', encodeRequest('TRAIN', { n: 1 })],
  ['INFER', encodeRequest('INFER', { n: 1 })],
  ['READ_COUNTERS', encodeRequest('READ_COUNTERS', {})],
  ['CLEAR_COUNTERS', encodeRequest('CLEAR_COUNTERS', {})],
  ['STATUS', encodeRequest('STATUS', {})],
];

function mutate(r: ReturnType<typeof rng>, b: Buffer): Buffer {
  const out = Buffer.from(b);
  switch (r.below(5)) {
    case 0: {
      const flips = 1 + r.below(4);
      for (let i = 0; i < flips && out.length; i++) out[r.below(out.length)] ^= 1 << r.below(8);
      return out;
    }
    case 1:
      return out.subarray(0, r.below(out.length + 1));
    case 2:
      return Buffer.concat([out, r.bytes(1 + r.below(8))]);
    case 3: {
      const at = r.below(out.length + 1);
      return Buffer.concat([out.subarray(0, at), r.bytes(1 + r.below(4)), out.subarray(at)]);
    }
    default:
      if (out.length) out[r.below(out.length)] = r.u32() & 0xff;
      return out;
  }
}

/** Recompute a frame's CRC (so the mutation reaches the payload decoders and the device). */
function reseal(f: Buffer): Buffer {
  if (f.length < 12) return f;
  const g = Buffer.from(f);
  g.writeUInt32LE(g.length - 12, 4);
  g.writeUInt32LE(crc32(g.subarray(0, g.length - 4)), g.length - 4);
  return g;
}

const RAN_CODES = new Set(Object.keys(DEVICE_ERRORS));

function checkOutcome(o: EndpointOutcome): string {
  switch (o.kind) {
    case 'rejected':
      expect(FRAME_REJECTS).toContain(o.code);
      return `rejected:${o.code}`;
    case 'ran':
      if (!o.ok) expect(RAN_CODES.has(o.code!), o.code).toBe(true);
      return o.ok ? 'ran' : `nak:${o.code}`;
    case 'nak':
      return `link:${o.code}`;
    default:
      return o.kind;
  }
}

describe('fuzz: the frame decoder and the device endpoint', () => {
  it('100,000 random and mutated byte strings: no crash, no hang, stable codes', () => {
    const r = rng(0x5eed);
    const sent: Buffer[] = [];
    const ep = new DeviceEndpoint(new EmulatedDevice('emu'), (f) => sent.push(f));
    const seen = new Map<string, number>();
    const note = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
    let expected = 0;
    const feed = (f: Buffer) => {
      const o = ep.receive(f);
      note(checkOutcome(o));
      const d = decodeFrame(f);
      if (o.kind === 'ran' && d.ok) expected = (d.frame.seq + 1) % SEQ_MODULO;
    };
    const valid = (op: Opcode, payload: Buffer) => encodeFrame(expected, OPCODES[op].code, payload);
    const restore = () => {
      feed(valid('IDENTIFY', CORPUS[0][1]));
      feed(valid('CONFIGURE', CORPUS[2][1]));
      feed(valid('LOAD_SEEDS', CORPUS[3][1]));
    };
    restore();
    const t0 = performance.now();
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      if (i % 2000 === 0) restore();
      const kind = i % 10;
      let input: Buffer;
      if (kind < 4) {
        // random bytes, mostly short, sometimes frame-sized
        input = r.bytes(r.below(8) === 0 ? 12 + r.below(200) : r.below(40));
      } else {
        const [op, payload] = CORPUS[r.below(CORPUS.length)];
        const frame = valid(op, payload);
        input = mutate(r, frame);
        // 3 in 10 resealed: they pass the CRC, so the payload decoders and the device see them
        if (kind >= 7) input = reseal(input);
      }
      const d = decodeFrame(input);
      if (!d.ok) expect(FRAME_REJECTS).toContain(d.reject);
      feed(input);
    }
    const ms = performance.now() - t0;
    // every input got an outcome; some reached the device and were refused there with device codes
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(N + 3 * (N / 2000 + 1));
    expect(seen.get('rejected:crc')).toBeGreaterThan(5_000);
    expect(seen.get('rejected:short')).toBeGreaterThan(5_000);
    expect([...seen.keys()].some((k) => k.startsWith('nak:bad_payload'))).toBe(true);
    expect(seen.get('ran')).toBeGreaterThan(100);
    expect(ms).toBeLessThan(60_000);
    if (process.env.SEEDWIRE_FUZZ_VERBOSE) console.log(Object.fromEntries([...seen].sort()));
    // and the endpoint still works
    feed(valid('STATUS', Buffer.alloc(0)));
    expect(decodeFrame(sent.at(-1)!).ok).toBe(true);
  });

  it('random byte streams through the SLIP framer into the endpoint', async () => {
    const r = rng(99);
    const ep = new DeviceEndpoint(new EmulatedDevice('emu'), () => {});
    const framer = new SlipFramer({ write: () => {}, onFrame: (c) => checkOutcome(ep.receive(c)) });
    for (let i = 0; i < 2_000; i++) {
      const b = r.bytes(1 + r.below(600));
      // make END and ESC common, so frames and bad escapes happen
      for (let k = 0; k < b.length; k++) if ((b[k] & 0x1f) === 0) b[k] = k & 1 ? 0xc0 : 0xdb;
      framer.receive(b);
    }
    await new Promise((res) => setImmediate(res));
    expect(ep.stats.candidates).toBeGreaterThan(1000);
    framer.destroy();
  });
});

describe('fuzz: the host link layer', () => {
  it('random and mutated responses never crash the client; calls end valid or with a stable code', async () => {
    const r = rng(7);
    let handler: (c: Buffer) => void = () => {};
    const sentFrames: Buffer[] = [];
    const transport: Transport = {
      uri: 'fuzz:',
      kind: 'emu',
      bytesPerSecond: Infinity,
      stats: { bytesIn: 0, bytesOut: 0 },
      send: (f) => sentFrames.push(f),
      setHandlers: (onFrame) => (handler = onFrame),
      close: async () => {},
    };
    const client = new LinkClient(transport, { rtoMs: 5, maxRtoMs: 5, maxRetries: 3 });
    const outcomes: string[] = [];
    const calls = Array.from({ length: 20 }, () =>
      client.status().then(
        () => outcomes.push('ok'),
        (e: unknown) => outcomes.push(e instanceof LinkError ? e.code : `${(e as { code?: string }).code}`),
      ),
    );
    for (let i = 0; i < 20_000; i++) {
      const req = decodeFrame(sentFrames[r.below(sentFrames.length)]);
      const seq = req.ok ? req.frame.seq : 0;
      let f: Buffer;
      if (i % 3 === 0) f = r.bytes(r.below(64));
      else {
        const payload = r.bytes(r.below(30));
        f = mutate(r, encodeFrame(seq, r.below(2) ? RESPONSE_FLAG | OPCODES.STATUS.code : 0xff, payload));
        if (i % 2) f = reseal(f);
      }
      handler(f);
    }
    await Promise.all(calls);
    expect(outcomes.length).toBe(20);
    for (const o of outcomes) expect(['ok', 'bad_response', 'timeout', 'crc', 'nak', 'disconnected', ...Object.keys(DEVICE_ERRORS)]).toContain(o);
    await client.close();
  });
});
