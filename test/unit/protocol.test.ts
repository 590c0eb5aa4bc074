import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import {
  crc32,
  decodeFrame,
  decodeNak,
  decodePayload,
  decodeRequest,
  decodeResponse,
  encodeFrame,
  encodeNak,
  encodePayload,
  encodeRequest,
  encodeRequestFrame,
  encodeResponse,
  PayloadError,
  sealFrame,
} from '../../firmware-spec/codec.ts';
import { emptyCounters } from '../../firmware-spec/counters.ts';
import { DEVICE_ERRORS } from '../../firmware-spec/errors.ts';
import { specContent, specHash } from '../../firmware-spec/hash.ts';
import { FRAME_OVERHEAD_BYTES, LINK_ERRORS, MAX_PAYLOAD, NAK, OPCODES, PROTOCOL, RESPONSE_FLAG, WINDOW } from '../../firmware-spec/protocol.ts';
import { SlipFramer } from '../../firmware-spec/slip.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { ByteStreamEndpoint } from '../../emulator/endpoint/stream.ts';
import { parseFaults } from '../../emulator/endpoint/faults.ts';
import { Pacer } from '../../emulator/endpoint/pacer.ts';
import { loadPreset } from '../../host/config/index.ts';
import { LinkError, parseDeviceUri } from '../../host/device/index.ts';
import { plan } from '../../host/partition/index.ts';

/** CRC-32/ISO-HDLC, bit by bit: the software model the library and the RTL are checked against. */
function crcModel(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Deterministic bytes. */
function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('CRC-32', () => {
  it('has the catalogue check value 0xCBF43926 for "123456789"', () => {
    expect(crc32(Buffer.from('123456789', 'ascii'))).toBe(0xcbf43926);
    expect(crcModel(Buffer.from('123456789', 'ascii'))).toBe(0xcbf43926);
  });
  it('agrees with the bitwise model on other inputs', () => {
    for (const n of [0, 1, 7, 64, 1000]) expect(crc32(bytes(n, n + 3))).toBe(crcModel(bytes(n, n + 3)));
  });
  it('agrees with the bitwise model across the short/long switch and at a bulk frame, on views at odd offsets', () => {
    // long inputs go to the SIMD CRC where it loads: both sides of its threshold, and a bulk frame's size
    for (const n of [255, 256, 257, 4099, 8204]) {
      const backing = bytes(n + 5, n);
      const view = backing.subarray(3, 3 + n);
      expect(crc32(view)).toBe(crcModel(view));
    }
  });
});

describe('frames', () => {
  it('encode to exact bytes: version, seq LE, opcode, length LE, payload, CRC LE', () => {
    const f = encodeFrame(0x1234, OPCODES.TRAIN.code, encodeRequest('TRAIN', { n: 32 }));
    expect(f.toString('hex')).toBe('013412080400000020000000' + '97e038c4');
    expect(f.readUInt32LE(12)).toBe(crcModel(f.subarray(0, 12)));
    const s = encodeFrame(7, OPCODES.LOAD_SEEDS.code, encodeRequest('LOAD_SEEDS', { connectivity: [1, 2], init: [0x01020304, 5], feedback: 0xdeadbeef, rounding: 9 }));
    expect(s.toString('hex')).toBe('010700041a000000' + '020100000002000000' + '020403020105000000' + 'efbeadde' + '09000000' + '3d0131cb');
  });

  it('decode what they encode, and reject short, bad length, too large and bad CRC with stable codes', () => {
    const f = encodeFrame(65535, OPCODES.STATUS.code);
    const ok = decodeFrame(f);
    expect(ok).toEqual({ ok: true, frame: { version: 1, seq: 65535, opcode: OPCODES.STATUS.code, payload: Buffer.alloc(0) } });
    expect(decodeFrame(Buffer.alloc(0))).toEqual({ ok: false, reject: 'short' });
    expect(decodeFrame(f.subarray(0, 11))).toEqual({ ok: false, reject: 'short' });
    expect(decodeFrame(Buffer.concat([f, Buffer.of(0)]))).toEqual({ ok: false, reject: 'length' });
    const big = Buffer.from(f);
    big.writeUInt32LE(MAX_PAYLOAD + 1, 4);
    expect(decodeFrame(big)).toEqual({ ok: false, reject: 'too_large' });
    for (let bit = 0; bit < f.length * 8; bit++) {
      const g = Buffer.from(f);
      g[bit >> 3] ^= 1 << (bit & 7);
      const r = decodeFrame(g);
      expect(r.ok, `bit ${bit}`).toBe(false);
    }
    expect(() => encodeFrame(1, 1, Buffer.alloc(MAX_PAYLOAD + 1))).toThrow(RangeError);
  });

  it('come out the same encoded in place (encodeRequestFrame, then sealFrame with the seq) as from a payload', () => {
    const labels = Uint8Array.of(3, 7);
    const images = Uint8Array.from({ length: 2 * 5 }, (_, i) => i * 9);
    const whole = encodeRequest('STREAM_SAMPLES', { encoding: 'u8', count: 2, data: Buffer.concat([labels, images]) });
    // `rest` bytes given as blocks encode as the blocks one after another
    expect(encodeRequest('STREAM_SAMPLES', { encoding: 'u8', count: 2, data: [labels, images] })).toEqual(whole);
    const framed = sealFrame(encodeRequestFrame('STREAM_SAMPLES', { encoding: 'u8', count: 2, data: [labels, images] }), 0xfffe, OPCODES.STREAM_SAMPLES.code);
    expect(framed).toEqual(encodeFrame(0xfffe, OPCODES.STREAM_SAMPLES.code, whole));
    const train = sealFrame(encodeRequestFrame('TRAIN', { n: 32 }), 0x1234, OPCODES.TRAIN.code);
    expect(train.toString('hex')).toBe('013412080400000020000000' + '97e038c4');
    expect(() => encodeRequest('STREAM_SAMPLES', { encoding: 'u8', count: 2, data: [labels, 5] })).toThrow(PayloadError);
  });

  it('pass a frame of another version through the CRC check (the device answers it with bad_version)', () => {
    const r = decodeFrame(encodeFrame(3, OPCODES.STATUS.code, Buffer.alloc(0), 9));
    expect(r.ok && r.frame.version).toBe(9);
  });
});

describe('payload codec (table-driven)', () => {
  const cap = capabilityFor('emu', specHash());
  const net = plan(loadPreset('tiny'), cap).resolved.network;

  it('round-trips every opcode payload', () => {
    const counters = emptyCounters([4, 2]);
    counters.clocks = 2 ** 40 + 3;
    counters.junctions[1].lanes.busy[1] = 77;
    const cases: Array<[keyof typeof OPCODES, 'request' | 'response', unknown]> = [
      ['IDENTIFY', 'request', { nonce: 0xfeedbeef }],
      ['IDENTIFY', 'response', { capability: cap, bootCount: 3, maxPayload: MAX_PAYLOAD, window: WINDOW }],
      ['IDENTIFY', 'response', { capability: capabilityFor('up5k', specHash()), bootCount: 1, maxPayload: 4096, window: 4 }],
      ['CONFIGURE', 'request', net],
      ['CONFIGURE', 'request', { ...net, junctions: [{ ...net.junctions[0], startVectorMode: 'explicit', startVectors: [[0, 1, 2, 3], [3, 2, 1, 0]] }, net.junctions[1]] }],
      ['LOAD_SEEDS', 'request', { connectivity: [1, 2], init: [3, 4], feedback: 5, rounding: 0xffffffff }],
      ['WRITE_WEIGHTS', 'request', { junction: 1, offset: 70000, words: bytes(10) }],
      ['READ_WEIGHTS', 'request', { junction: 0, offset: 1, count: 2 }],
      ['READ_WEIGHTS', 'response', { words: bytes(8) }],
      ['READ_MASK', 'request', { junction: 1, offset: 9, count: 17 }],
      ['READ_MASK', 'response', { bits: bytes(3) }],
      ['WRITE_MASK', 'request', { junction: 0, offset: 8, count: 20, bits: bytes(3) }],
      ['STREAM_SAMPLES', 'request', { encoding: 'zrl', count: 2, data: bytes(9) }],
      ['TRAIN', 'response', { samples: 32, correct: 7, junctionCycles: 35, clocks: 2 ** 45 }],
      ['INFER', 'response', { samples: 3, correct: 1, junctionCycles: 4, clocks: 5, predictions: Buffer.of(1, 2, 3) }],
      ['READ_COUNTERS', 'response', counters],
      ['STATUS', 'response', { configured: true, seeded: false, bufferedSamples: 1, bufferedBytes: 16, roundingState: 123, bootCount: 2 }],
    ];
    for (const [op, dir, v] of cases) {
      const enc = dir === 'request' ? encodeRequest(op, v) : encodeResponse(op, v);
      const dec = dir === 'request' ? decodeRequest(op, enc) : decodeResponse(op, enc);
      expect(dec, `${op} ${dir}`).toEqual(v);
      expect(enc.length).toBeLessThanOrEqual(MAX_PAYLOAD);
    }
  });

  it('refuses values that do not fit and payloads that do not match, naming the field', () => {
    expect(() => encodeRequest('TRAIN', { n: -1 })).toThrow(/n: -1 does not fit u32/);
    expect(() => encodeRequest('TRAIN', { n: 1.5 })).toThrow(PayloadError);
    expect(() => encodeRequest('STREAM_SAMPLES', { encoding: 'jpeg', count: 1, data: Buffer.alloc(1) })).toThrow(/encoding: "jpeg"/);
    expect(() => decodeRequest('TRAIN', Buffer.of(1, 2, 3))).toThrow(/n: payload ends/);
    expect(() => decodeRequest('TRAIN', Buffer.of(1, 2, 3, 4, 5))).toThrow(/1 trailing bytes/);
    expect(() => decodeResponse('STATUS', Buffer.of(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toThrow(/configured: boolean byte is 2/);
    const c = encodeRequest('CONFIGURE', net);
    c[7] = 9; // feedback, after formats (6 bytes) and lrShift (1): an enum of 2 values
    expect(() => decodeRequest('CONFIGURE', c)).toThrow(/feedback: enum value 9/);
    expect(() => decodePayload([['x', 'u64']], Buffer.alloc(8, 0xff))).toThrow(/exceeds 2\^53/);
    expect(() => encodePayload([['x', { hex: 2 }]], { x: 'abc' })).toThrow(PayloadError);
  });

  it('encodes NAKs with device and link codes in separate ranges', () => {
    for (const v of Object.values(DEVICE_ERRORS)) expect(v).toBeLessThan(128);
    for (const v of Object.values(LINK_ERRORS)) expect(v).toBeGreaterThanOrEqual(128);
    const n = { opcode: OPCODES.TRAIN.code, code: DEVICE_ERRORS.not_configured, expected: 42, message: 'x'.repeat(2000) };
    const d = decodeNak(encodeNak(n));
    expect(d.code).toBe(DEVICE_ERRORS.not_configured);
    expect(d.expected).toBe(42);
    expect(Buffer.byteLength(d.message)).toBeLessThanOrEqual(512);
    expect(NAK & RESPONSE_FLAG).toBe(RESPONSE_FLAG);
  });

  it('is covered by the spec hash', () => {
    expect(specContent().protocol).toBe(PROTOCOL);
    expect(PROTOCOL.window).toBeGreaterThanOrEqual(4);
    const codes = Object.values(OPCODES).map((o) => o.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c & RESPONSE_FLAG).toBe(0);
  });
});

describe('SLIP framing (the library, and the checks above it)', () => {
  function collect(): { framer: SlipFramer; out: Buffer[]; got: Buffer[] } {
    const out: Buffer[] = [];
    const got: Buffer[] = [];
    const framer = new SlipFramer({ write: (b) => out.push(b), onFrame: (c) => got.push(c) });
    return { framer, out, got };
  }
  const flush = () => new Promise((r) => setImmediate(r));

  it('escapes END and ESC bytes and ends each frame with END', async () => {
    const a = collect();
    a.framer.send(Buffer.of(0x01, 0xc0, 0x02, 0xdb, 0x03));
    await flush();
    expect(Buffer.concat(a.out).toString('hex')).toBe('01dbdc02dbdd03c0');
  });

  it('decodes frames fed in fragments of every size, with garbage between them', async () => {
    const frames = [encodeFrame(1, 0x0c), encodeFrame(2, 0x08, encodeRequest('TRAIN', { n: 0xc0dbc0db })), encodeFrame(3, 0x05, bytes(3000))];
    const tx = collect();
    for (const f of frames) tx.framer.send(f);
    await flush();
    const garbage = Buffer.of(0x55, 0xc0, 0xc0, 0xdb, 0x99, 0xc0);
    const wire = Buffer.concat([garbage, tx.out[0], garbage, tx.out[1], tx.out[2]]);
    for (const step of [1, 2, 3, 7, 64, 1000, wire.length]) {
      const rx = collect();
      for (let i = 0; i < wire.length; i += step) rx.framer.receive(wire.subarray(i, i + step));
      await flush();
      const good = rx.got.map((c) => decodeFrame(c)).filter((r) => r.ok);
      expect(good.length, `step ${step}`).toBe(3);
      good.forEach((r, i) => expect(r.ok && encodeFrame(r.frame.seq, r.frame.opcode, r.frame.payload).equals(frames[i])).toBe(true));
      expect(rx.framer.bytesIn).toBe(wire.length);
    }
  });

  it('cuts a runaway frame (no END) at the largest legal size', async () => {
    const rx = collect();
    rx.framer.receive(Buffer.alloc(3 * (MAX_PAYLOAD + FRAME_OVERHEAD_BYTES), 0x41));
    rx.framer.receive(Buffer.of(0xc0));
    rx.framer.receive(Buffer.concat([encodeFrame(9, 0x0c), Buffer.of(0xc0)]));
    await flush();
    expect(rx.framer.oversized).toBeGreaterThan(0);
    expect(rx.got.map((c) => decodeFrame(c)).filter((r) => r.ok).length).toBe(1);
  });
});

// @serialport/binding-mock as serialport loads it (CommonJS): importing the package from ESM would give
// a second copy whose ports SerialPortMock cannot see
const MockBinding = SerialPortMock.binding;

describe('the device endpoint on a serial port (binding-mock)', () => {
  afterEach(() => MockBinding.reset());

  it('answers requests that arrive in fragments, and counts wire bytes', async () => {
    MockBinding.createPort('/dev/SEEDWIRE', { echo: false, record: true });
    const port = new SerialPortMock({ path: '/dev/SEEDWIRE', baudRate: 3_000_000 });
    await new Promise<void>((r) => port.on('open', () => r()));
    const link = new ByteStreamEndpoint(new EmulatedDevice('emu'), (b) => port.write(b));
    port.on('data', (b: Buffer) => link.receive(b));
    const host = new SlipFramer({ write: (b) => {
      // the "other end" of the port: emit the request one byte at a time
      for (const x of b) port.port!.emitData(Buffer.of(x));
    }, onFrame: () => {} });
    host.send(encodeFrame(100, OPCODES.IDENTIFY.code, encodeRequest('IDENTIFY', { nonce: 1 })));
    host.send(encodeFrame(101, OPCODES.STATUS.code));
    await new Promise((r) => setTimeout(r, 50));
    await new Promise<void>((r) => port.drain(() => r()));
    const got: Buffer[] = [];
    const rx = new SlipFramer({ write: () => {}, onFrame: (c) => got.push(c) });
    rx.receive(port.port!.recording);
    await new Promise((r) => setImmediate(r));
    const frames = got.map((c) => decodeFrame(c)).filter((r) => r.ok).map((r) => (r as { frame: { seq: number; opcode: number } }).frame);
    expect(frames.map((f) => [f.seq, f.opcode])).toEqual([
      [100, RESPONSE_FLAG | OPCODES.IDENTIFY.code],
      [101, RESPONSE_FLAG | OPCODES.STATUS.code],
    ]);
    expect(link.endpoint.stats.ran.IDENTIFY).toBe(1);
    expect(link.framer.bytesIn).toBe(host.bytesOut);
    link.close();
    await new Promise<void>((r) => port.close(() => r()));
  });
});

describe('device URIs', () => {
  it('parse the three schemes and their options', () => {
    expect(parseDeviceUri('emu')).toMatchObject({ scheme: 'emu', profile: 'emu' });
    expect(parseDeviceUri('emu?profile=up5k')).toMatchObject({ scheme: 'emu', profile: 'up5k' });
    expect(parseDeviceUri('emu?faults=drop=0.1,dup=0.2')).toMatchObject({ faults: { drop: 0.1, dup: 0.2, flip: 0 } });
    expect(parseDeviceUri('serial:/dev/ttyUSB1?baud=3000000')).toMatchObject({ scheme: 'serial', path: '/dev/ttyUSB1', baud: 3_000_000 });
    expect(parseDeviceUri('serial:/dev/pts/4')).toMatchObject({ baud: 3_000_000 });
    expect(parseDeviceUri('pcie:/dev/xdma0?rto=50&retries=2')).toMatchObject({ scheme: 'pcie', prefix: '/dev/xdma0', link: { rtoMs: 50, maxRetries: 2 } });
  });

  it('refuse bad ones with bad_uri naming the URI', () => {
    for (const [uri, msg] of [
      ['usb:/dev/x', /unknown device URI scheme 'usb'/],
      ['serial:', /missing device path/],
      ['serial:?baud=9600', /missing device path/],
      ['pcie:', /missing device path/],
      ['emu?profile=zynq', /unknown emulator profile 'zynq'/],
      ['serial:/dev/ttyUSB0?baud=fast', /baud=fast/],
      ['serial:/dev/ttyUSB0?speed=1', /unknown option 'speed'/],
      ['emu?faults=drop=2', /at most 1/],
      ['', /not a device URI/],
    ] as const) {
      let e: unknown;
      try {
        parseDeviceUri(uri);
      } catch (x) {
        e = x;
      }
      expect(e, uri).toBeInstanceOf(LinkError);
      expect((e as LinkError).code).toBe('bad_uri');
      expect((e as LinkError).message.startsWith(`${uri}: `)).toBe(true);
      expect((e as LinkError).message).toMatch(msg);
    }
  });

  it('fault specs parse strictly', () => {
    expect(parseFaults('drop=0.02,flip=0.005,dup=0.01,delay=5')).toEqual({ drop: 0.02, flip: 0.005, dup: 0.01, delayMs: 5, seed: 1 });
    expect(() => parseFaults('loss=0.1')).toThrow(/bad fault/);
  });
});

describe('UART pacing', () => {
  it('never releases bytes faster than baud/10 per second, and keeps their order', async () => {
    const out: Buffer[] = [];
    const pacer = Pacer.forBaud(3_000_000, (b) => out.push(b)); // 300,000 bytes per second
    const data = bytes(30_000, 5);
    const t0 = performance.now();
    for (let i = 0; i < data.length; i += 4096) pacer.push(data.subarray(i, i + 4096));
    while (pacer.backlog > 0) await new Promise((r) => setTimeout(r, 5));
    const ms = performance.now() - t0;
    expect(Buffer.concat(out).equals(data)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(99); // 30,000 bytes at 300,000 bytes/s: 100 ms (timer granularity 1 ms)
    pacer.close();
  });
});
