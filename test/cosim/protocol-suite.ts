/**
 * The framed protocol on the board, co-simulated (the RTL endpoint, and the soft-CPU control plane of
 * the SW_CPU_PORT build): bad input to the board (sw_top under Verilator, behind a
 * pty) is answered exactly as the emulator's endpoint answers it, and the board keeps working after
 * each case. Every frame goes to both; responses are compared frame by frame (ACKs byte for byte,
 * NAKs by opcode, code and expected seq: the board's NAKs carry no message text).
 * Skipped, with the reason, where verilator (or, for the soft-CPU top, riscv64-unknown-elf-gcc) is
 * missing; CI installs them and fails instead of skipping.
 */
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, decodeNak, encodeFrame, encodeRequest } from '../../firmware-spec/codec.ts';
import { BULK_PAYLOAD, LINK_ERRORS, NAK, OPCODES, PROTOCOL_VERSION, UART } from '../../firmware-spec/protocol.ts';
import { DEVICE_ERRORS } from '../../firmware-spec/errors.ts';
import { SlipFramer } from '../../firmware-spec/slip.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { DeviceEndpoint } from '../../emulator/endpoint/endpoint.ts';
import { cosimUnavailable, cpuCosimUnavailable, type RunningCosim, startCosim } from './cosim.ts';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';
import { loadPreset } from '../../host/config/index.ts';
import { encodeSamples } from '../../firmware-spec/encodings.ts';
import { plan } from '../../host/partition/index.ts';


/** how long "no answer" is waited for: a frame and its response take < 1 ms of line time at 3 Mbaud */
const SILENCE_MS = 400;
const ANSWER_MS = 15_000;
/** after opening the pty, before the first frame (see beforeAll) */
const OPEN_SETTLE_MS = 200; // generous: the model runs 5-10 times slower than real time on a loaded machine

/** The board over its pty: SLIP-framed bytes out, response frames in. */
class BoardLink {
  private readonly got: Buffer[] = [];
  private waiter?: () => void;
  private readonly framer: SlipFramer;
  constructor(private readonly port: SerialPort) {
    this.framer = new SlipFramer({
      write: (b) => port.write(b),
      onFrame: (c) => {
        if (c.length === 0) return;
        this.got.push(Buffer.from(c));
        this.waiter?.();
      },
    });
    port.on('data', (b: Buffer) => this.framer.receive(b));
  }
  send(frame: Buffer): void {
    this.framer.send(frame);
  }
  /** the responses that arrive within `ms` (stops early once `want` arrived) */
  async collect(want: number, ms: number): Promise<Buffer[]> {
    const deadline = Date.now() + ms;
    while ((want === 0 || this.got.length < want) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    this.waiter = undefined;
    return this.got.splice(0);
  }
}

function frameOf(seq: number, op: number, payload: Buffer = Buffer.alloc(0), version = PROTOCOL_VERSION): Buffer {
  return encodeFrame(seq, op, payload, version);
}
const STATUS = OPCODES.STATUS.code;

/** What a response says, as far as board and emulator must agree. */
function meaning(f: Buffer) {
  const r = decodeFrame(f);
  if (!r.ok) return { reject: r.reject };
  const { seq, opcode, version, payload } = r.frame;
  if (opcode === NAK) {
    const n = decodeNak(payload);
    return { version, seq, opcode, nak: { opcode: n.opcode, code: n.code, expected: n.expected } };
  }
  return { version, seq, opcode, payload: payload.toString('hex') };
}

/**
 * The suite against one top: `cpu` false is the RTL endpoint (sw_proto), true the control plane as
 * firmware on the soft CPU (sw_ctrl, SW_CPU_PORT). One top per test file: the emulator counts boots per
 * process, and the board's IDENTIFY and STATUS are compared byte for byte with a first boot.
 */
export function protocolSuite(variant: { name: string; cpu: boolean }): void {
  const missing = variant.cpu ? cpuCosimUnavailable() : cosimUnavailable();
  if (missing && process.env.CI) throw new Error(`the co-simulation test (${variant.name}) needs in CI: ${missing}`);
  describe.skipIf(!!missing)(`${variant.name} under co-simulation${missing ? ` (skipped: ${missing})` : ''}`, () => {
    let cosim: RunningCosim;
    let port: SerialPort;
    let board: BoardLink;
    const emuOut: Buffer[] = [];
    const emu = new DeviceEndpoint(new EmulatedDevice('up5k'), (f) => emuOut.push(Buffer.from(f)));

    beforeAll(async () => {
      cosim = await startCosim(undefined, !variant.cpu);
      port = new SerialPort({ path: cosim.path, baudRate: UART.baud, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
      // bytes written within a few ms of opening the pty are sometimes lost before they reach the
      // harness (seen with both tops: a frame sent 1-2 ms after open went unanswered, one sent 4 ms
      // after was answered); the cause is not yet found, so the first frame waits a little
      await new Promise((resolve) => setTimeout(resolve, OPEN_SETTLE_MS));
      board = new BoardLink(port);
    }, 300_000);
    afterAll(async () => {
      if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      const stats = await cosim?.stop();
      if (stats) console.log(`co-simulation: ${stats.clocks} clocks, ${Math.round(stats.clocksPerSecond)} clocks/s while simulating`);
    });

    /** Send one frame to both; both must answer alike (or both stay silent). */
    async function both(frame: Buffer, answers: 0 | 1) {
      emuOut.length = 0;
      emu.receive(frame);
      board.send(frame);
      const got = await board.collect(answers, answers ? ANSWER_MS : SILENCE_MS);
      expect(got.map(meaning)).toEqual(emuOut.map(meaning));
      expect(got.length).toBe(answers);
      return got[0];
    }
    /** the board still works: STATUS at `seq` answered alike */
    async function works(seq: number) {
      const r = await both(frameOf(seq, STATUS), 1);
      expect(r[3]).toBe(0x80 | STATUS);
    }

    it('runs nothing before the first IDENTIFY after boot: NAK out_of_order (no session)', async () => {
      const r = await both(frameOf(17, STATUS), 1);
      expect(decodeNak(r.subarray(8, r.length - 4))).toMatchObject({ opcode: STATUS, code: LINK_ERRORS.out_of_order, expected: 0 });
      await both(frameOf(0, OPCODES.RESET.code), 1);
    });

    it('identifies itself with the up5k capability, byte for byte as the emulator does', async () => {
      const r = await both(frameOf(500, OPCODES.IDENTIFY.code, encodeRequest('IDENTIFY', { nonce: 0x12345678 })), 1);
      expect(r[3]).toBe(0x80 | OPCODES.IDENTIFY.code);
      await works(501);
    });

    it('drops a frame with a wrong CRC in silence', async () => {
      const f = frameOf(502, STATUS);
      f[f.length - 1] ^= 0x40;
      await both(f, 0);
      await works(502);
    });

    it('drops a truncated frame in silence', async () => {
      await both(frameOf(503, OPCODES.RESET.code).subarray(0, 9), 0);
      const f = frameOf(503, OPCODES.IDENTIFY.code, encodeRequest('IDENTIFY', { nonce: 7 }));
      await both(f.subarray(0, f.length - 2), 0);
      await works(503);
    });

    it('answers a bad version with NAK bad_version, not run', async () => {
      const r = await both(frameOf(504, STATUS, Buffer.alloc(0), PROTOCOL_VERSION + 1), 1);
      expect(decodeNak(r.subarray(8, r.length - 4))).toMatchObject({ code: LINK_ERRORS.bad_version, expected: 504 });
      await works(504);
    });

    it('answers an unknown opcode with NAK bad_opcode, which uses its seq', async () => {
      const r = await both(frameOf(505, 0x42), 1);
      expect(decodeNak(r.subarray(8, r.length - 4))).toMatchObject({ opcode: 0x42, code: DEVICE_ERRORS.bad_opcode, expected: 506 });
      await works(506);
    });

    it('replays the cached response to a duplicate, and runs nothing twice', async () => {
      const reset = frameOf(507, OPCODES.RESET.code);
      const first = await both(reset, 1);
      await works(508);
      const again = await both(reset, 1);
      expect(again.equals(first)).toBe(true);
      // a wrong payload length is a device error (bad_payload); its NAK is replayed too
      const bad = frameOf(509, STATUS, Buffer.of(1));
      await both(bad, 1);
      await both(bad, 1);
      await works(510);
    });

    it('NAKs a frame ahead of the expected seq (out_of_order) and one behind (stale_seq); ignores a NAK', async () => {
      const r = await both(frameOf(520, STATUS), 1);
      expect(decodeNak(r.subarray(8, r.length - 4))).toMatchObject({ code: LINK_ERRORS.out_of_order, expected: 511 });
      const s = await both(frameOf(400, STATUS), 1);
      expect(decodeNak(s.subarray(8, s.length - 4))).toMatchObject({ code: LINK_ERRORS.stale_seq, expected: 511 });
      await both(frameOf(511, NAK, Buffer.of(STATUS, 2, 0, 0, 0, 0)), 0); // a NAK is never answered
      // an opcode with bit 7 set (a response echoed back) is a request that fails in order: bad_opcode
      const e = await both(frameOf(511, 0x80 | STATUS), 1);
      expect(decodeNak(e.subarray(8, e.length - 4))).toMatchObject({ opcode: 0x80 | STATUS, code: DEVICE_ERRORS.bad_opcode, expected: 512 });
      await works(512);
    });

    it('counts wire bytes as the emulator does, from RESET on', async () => {
      await both(frameOf(513, OPCODES.RESET.code), 1);
      await works(514);
      const f = frameOf(515, STATUS);
      f[5] ^= 1;
      await both(f, 0);
      await both(frameOf(515, OPCODES.READ_COUNTERS.code), 1);
      await both(frameOf(516, OPCODES.CLEAR_COUNTERS.code), 1);
    });

    it('answers the network opcodes as an unconfigured device: payload checks, then not_configured', async () => {
      const req = (op: keyof typeof OPCODES, v: unknown) => [OPCODES[op].code, encodeRequest(op, v)] as const;
      const cases: Array<readonly [number, Buffer]> = [
        req('TRAIN', { n: 5 }),
        req('INFER', { n: 5 }),
        req('READ_WEIGHTS', { junction: 0, offset: 3, count: 7 }),
        req('WRITE_WEIGHTS', { junction: 1, offset: 0, words: Buffer.alloc(6, 0xc0) }),
        req('STREAM_SAMPLES', { encoding: 'bin', count: 1, data: Buffer.of(3, 0xdb, 0xc0) }),
        req('LOAD_SEEDS', { connectivity: [1, 2], init: [3, 4, 5], feedback: 6, rounding: 7 }),
        [OPCODES.TRAIN.code, Buffer.of(1, 0, 0)],
        [OPCODES.READ_WEIGHTS.code, Buffer.alloc(10)],
        [OPCODES.WRITE_WEIGHTS.code, Buffer.alloc(4)],
        [OPCODES.STREAM_SAMPLES.code, Buffer.of(9, 1, 0, 0)],
        [OPCODES.LOAD_SEEDS.code, Buffer.of(1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0)],
        [OPCODES.LOAD_SEEDS.code, Buffer.of(2, 1, 0)],
        // bulk requests carry at most BULK_PAYLOAD bytes; one sample of STREAM_SAMPLES may carry more
        req('WRITE_WEIGHTS', { junction: 0, offset: 0, words: Buffer.alloc(BULK_PAYLOAD) }),
        req('STREAM_SAMPLES', { encoding: 'u8', count: 2, data: Buffer.alloc(BULK_PAYLOAD) }),
        req('STREAM_SAMPLES', { encoding: 'u8', count: 1, data: Buffer.alloc(BULK_PAYLOAD + 100) }),
      ];
      let seq = 530;
      await both(frameOf(seq++, OPCODES.IDENTIFY.code, encodeRequest('IDENTIFY', { nonce: 9 })), 1);
      for (const [k, [op, payload]] of cases.entries()) {
        const r = await both(frameOf(seq++, op, payload), 1);
        expect(r[3]).toBe(NAK);
        const want = k < 6 || k === 14 ? DEVICE_ERRORS.not_configured : DEVICE_ERRORS.bad_payload;
        expect(decodeNak(r.subarray(8, r.length - 4)), `case ${k}`).toMatchObject({ opcode: op, code: want, expected: seq });
      }
      await works(seq);
    });

    it('configures and seeds as the emulator does: good descriptors, each kind of bad one, STATUS after each', async () => {
      const cap = capabilityFor('up5k', specHash());
      const planned = (name: string) => structuredClone(plan(loadPreset(name), cap).resolved.network);
      const good = planned('mnist-sparse-38');
      const variants: Array<[string, NetworkDescriptor | Buffer]> = [
        ['mnist-sparse-38', good],
        ['mnist-dfa-38', planned('mnist-dfa-38')],
        ['mnist-sparse-3', planned('mnist-sparse-3')],
        ['formats', { ...good, formats: { ...good.formats, weight: { bits: 12, frac: 8 } } }],
        ['z', { ...good, junctions: [{ ...good.junctions[0], z: 4 }, good.junctions[1]] }],
        ['chain', { ...good, junctions: [good.junctions[0], { ...good.junctions[1], p: 100 }] }],
        ['fan-in', { ...good, junctions: [{ ...good.junctions[0], fi: good.junctions[0].fi + 1 }, good.junctions[1]] }],
        ['junctions', { ...good, junctions: [good.junctions[0], good.junctions[1], good.junctions[1], good.junctions[1], good.junctions[1]] }],
        ['none', { ...good, junctions: [] }],
        ['rounding', { ...good, rounding: 'stochastic' }],
        ['essop', { ...good, update: { mode: 'essop', streamLength: 8 } }],
        ['exact', { ...good, update: { mode: 'exact', streamLength: 0 } }],
        ['weights', { ...good, junctions: [{ ...good.junctions[0], fo: 100, fi: 700 }, good.junctions[1]] }],
        ['store', { ...good, junctions: [{ ...good.junctions[0], n: 588, fi: 56 }, { ...good.junctions[1], p: 588 }] }],
        ['truncated', encodeRequest('CONFIGURE', good).subarray(0, 40)],
        ['trailing', Buffer.concat([encodeRequest('CONFIGURE', good), Buffer.of(0)])],
        ['enum', (() => { const b = Buffer.from(encodeRequest('CONFIGURE', good)); b[7] = 2; return b; })()],
        ['mnist-sparse-38 again', good],
      ];
      let seq = 900;
      const ok = (r: Buffer) => expect(r[3]).toBe(0x80 | OPCODES.STATUS.code);
      await both(frameOf(seq++, OPCODES.IDENTIFY.code, encodeRequest('IDENTIFY', { nonce: 3 })), 1);
      for (const [name, v] of variants) {
        const payload = Buffer.isBuffer(v) ? v : encodeRequest('CONFIGURE', v);
        const r = await both(frameOf(seq++, OPCODES.CONFIGURE.code, payload), 1);
        expect(meaning(r), name).toBeDefined();
        ok(await both(frameOf(seq++, STATUS), 1));
      }
      const L = good.junctions.length;
      await both(frameOf(seq++, OPCODES.READ_WEIGHTS.code, encodeRequest('READ_WEIGHTS', { junction: 0, offset: 0, count: 4 })), 1); // no seeds yet
      const seeds = (c: number[], i: number[]) => encodeRequest('LOAD_SEEDS', { connectivity: c, init: i, feedback: 11, rounding: 0xdeadbeef });
      for (const payload of [seeds([1], [2, 3]), seeds([1, 0], [2, 3]), seeds([5, 6], [7, 8]).subarray(0, 20), seeds([0x12345678, 6], [7, 0x9abcdef0])]) {
        const r = await both(frameOf(seq++, OPCODES.LOAD_SEEDS.code, payload), 1);
        expect(r[3] === NAK || r[3] === (0x80 | OPCODES.LOAD_SEEDS.code)).toBe(true);
        ok(await both(frameOf(seq++, STATUS), 1));
      }
      expect(L).toBe(2);
      // the weights LOAD_SEEDS generated, read back in canonical order, and the read's checks
      const rw = (junction: number, offset: number, count: number) => frameOf(seq++, OPCODES.READ_WEIGHTS.code, encodeRequest('READ_WEIGHTS', { junction, offset, count }));
      const edges0 = good.junctions[0].n * good.junctions[0].fi;
      for (const [k, [j, o, c]] of [[0, 0, 512], [0, edges0 - 512, 512], [1, 0, 512], [1, 600, 520], [0, 1000, 3], [1, 0, 513], [1, 1000, 200], [2, 0, 1], [0, edges0, 0]].entries()) {
        const r = await both(rw(j, o, c), 1);
        if (k < 3) expect(r.length, `read ${k}`).toBe(8 + 2 * c + 4);
      }
      // samples in every encoding up5k declares, then TRAIN: results and weights as the emulator's
      let x = 0x1234567;
      const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
      const images = (count: number) => Uint8Array.from({ length: count * 784 }, () => (rnd() < 128 ? 0 : rnd()));
      const ss = (encoding: 'u8' | 'u4' | 'bin' | 'zrl', labels: number[], img = images(labels.length)) =>
        frameOf(seq++, OPCODES.STREAM_SAMPLES.code, encodeRequest('STREAM_SAMPLES', { encoding, count: labels.length, data: Buffer.concat([Buffer.from(labels), encodeSamples(img, 784, encoding)]) }));
      const okSS = async (f: Buffer) => expect((await both(f, 1))[3]).toBe(0x80 | OPCODES.STREAM_SAMPLES.code);
      await okSS(ss('u8', [3]));
      await okSS(ss('u4', [1, 9]));
      await okSS(ss('bin', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
      await both(ss('u8', [10]), 1); // label out of range: bad_payload
      await both(ss('zrl', [1]), 1); // not declared by up5k: bad_encoding
      const short = Buffer.from(encodeRequest('STREAM_SAMPLES', { encoding: 'bin', count: 2, data: Buffer.concat([Buffer.of(1, 2), encodeSamples(images(2), 784, 'bin')]) }));
      await both(frameOf(seq++, OPCODES.STREAM_SAMPLES.code, short.subarray(0, short.length - 1)), 1); // an image short: bad_encoding
      await both(frameOf(seq++, OPCODES.STREAM_SAMPLES.code, Buffer.of(0, 3, 0, 1, 2)), 1); // fewer labels than count: bad_payload
      ok(await both(frameOf(seq++, STATUS), 1));
      const train = (n: number) => frameOf(seq++, OPCODES.TRAIN.code, encodeRequest('TRAIN', { n }));
      expect((await both(train(5), 1))[3]).toBe(0x80 | OPCODES.TRAIN.code);
      await both(train(100), 1); // more than buffered: sample_underflow
      await okSS(ss('u8', [7]));
      expect((await both(train(9), 1))[3]).toBe(0x80 | OPCODES.TRAIN.code);
      ok(await both(frameOf(seq++, STATUS), 1));
      for (const [j, o] of [[0, 0], [0, 20000], [1, 0], [1, 600]]) expect((await both(rw(j, o, 512), 1))[3]).toBe(0x80 | OPCODES.READ_WEIGHTS.code);
      // WRITE_WEIGHTS: staged in the ring, written through the engine's host port; read back
      const ww = (junction: number, offset: number, words: Buffer) => frameOf(seq++, OPCODES.WRITE_WEIGHTS.code, encodeRequest('WRITE_WEIGHTS', { junction, offset, words }));
      const words = Buffer.from(Array.from({ length: 1000 }, (_, k) => (k * 37 + 11) & 0xff));
      expect((await both(ww(0, 777, words), 1))[3]).toBe(0x80 | OPCODES.WRITE_WEIGHTS.code);
      expect((await both(ww(1, 3, words.subarray(0, 10)), 1))[3]).toBe(0x80 | OPCODES.WRITE_WEIGHTS.code);
      await both(ww(1, 3, words.subarray(0, 9)), 1); // not whole words: bad_payload
      await both(ww(1, 1119, words.subarray(0, 4)), 1); // past the end: out_of_range
      await both(ww(3, 0, words.subarray(0, 4)), 1); // no such junction: out_of_range
      for (const [j, o] of [[0, 700], [0, 1200], [1, 0]]) expect((await both(rw(j, o, 512), 1))[3]).toBe(0x80 | OPCODES.READ_WEIGHTS.code);
      // INFER: its predictions, one byte per sample
      const infer = (n: number) => frameOf(seq++, OPCODES.INFER.code, encodeRequest('INFER', { n }));
      await okSS(ss('bin', [5, 4, 3, 2, 1, 0, 9, 8, 7, 6]));
      expect((await both(infer(4), 1))[3]).toBe(0x80 | OPCODES.INFER.code);
      const inf = await both(infer(6), 1);
      expect(inf.length).toBe(8 + 24 + 6 + 4);
      await both(infer(1), 1); // none buffered: sample_underflow
      // the ring full (41 MNIST records), inferred at once
      for (let k = 0; k < 4; k++) await okSS(ss('bin', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((v) => (v + k) % 10)));
      await okSS(ss('u8', [4]));
      await both(ss('u8', [5]), 1); // no room: sample_overflow
      expect((await both(infer(41), 1)).length).toBe(8 + 24 + 41 + 4);
      await both(infer(20_000), 1); // more than a response carries: bad_payload
      // A duplicate or refused STREAM_SAMPLES frame is decoded past the tail (nothing committed). With
      // 41 records buffered from an odd head, the last free byte shares a ring word with the head's
      // label: writing that byte must not clobber the label (INFER's correct count would differ).
      // Two rounds put the head at both parities; the head's label is its prediction (or 1 if that
      // is 0), so a label read back as 0 changes the count either way.
      const head = images(1);
      for (let round = 0; round < 2; round++) {
        await okSS(ss('bin', Array.from({ length: round + 1 }, () => 1), Buffer.concat(Array.from({ length: round + 1 }, () => Buffer.from(head)))));
        const dry = await both(infer(round + 1), 1);
        const pred = dry[8 + 24];
        await okSS(ss('bin', [pred === 0 ? 1 : pred], head));
        let last: Buffer = Buffer.alloc(0);
        for (let k = 0; k < 4; k++) await okSS((last = ss('bin', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((v) => (v + k + round) % 10))));
        await both(last, 1); // a duplicate: the cached reply
        await both(ss('u8', [5]), 1); // no room: sample_overflow
        const all = await both(infer(41), 1);
        expect(all.length).toBe(8 + 24 + 41 + 4);
      }
      // a RESET forgets the network
      await both(frameOf(seq++, OPCODES.RESET.code), 1);
      ok(await both(frameOf(seq++, STATUS), 1));
      await both(frameOf(seq++, OPCODES.LOAD_SEEDS.code, seeds([1, 2], [3, 4])), 1);
    }, 120_000);

    it('agrees with the emulator over 300 random frames: good, duplicated, reordered, stale, corrupt, garbage', async () => {
      // xorshift32, seeded: a failing step can be replayed
      let x = 0x5eed1234;
      const rnd = (n: number) => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return (x >>> 0) % n;
      };
      const ops = [OPCODES.RESET.code, OPCODES.STATUS.code, OPCODES.CLEAR_COUNTERS.code, OPCODES.TRAIN.code, OPCODES.READ_WEIGHTS.code, OPCODES.WRITE_WEIGHTS.code, OPCODES.STREAM_SAMPLES.code, 0x3f, 0x7e];
      let expected = 700;
      const sent: Buffer[] = [];   // good frames run, newest last
      await both(frameOf(expected++, OPCODES.IDENTIFY.code, encodeRequest('IDENTIFY', { nonce: 1 })), 1);
      for (let step = 0; step < 300; step++) {
        let f: Buffer;
        const kind = rnd(10);
        if (kind <= 3) {
          const op = ops[rnd(ops.length)];
          const payload = Buffer.from(Array.from({ length: op === OPCODES.TRAIN.code ? 4 - rnd(2) : op === OPCODES.READ_WEIGHTS.code ? 9 : rnd(12) }, () => [0xc0, 0xdb, rnd(256)][rnd(3)]));
          f = frameOf(expected, op, op === OPCODES.RESET.code || op === OPCODES.STATUS.code ? Buffer.alloc(rnd(4) === 0 ? 1 : 0) : payload);
        } else if (kind === 4 && sent.length) f = sent[sent.length - 1 - rnd(Math.min(8, sent.length))];
        else if (kind === 5) f = frameOf((expected + 1 + rnd(100)) % 65536, STATUS);
        else if (kind === 6) f = frameOf((expected + 65536 - 9 - rnd(1000)) % 65536, STATUS);
        else if (kind === 7) f = frameOf(expected, STATUS, Buffer.alloc(0), 2 + rnd(250));
        else if (kind === 8) {
          f = Buffer.from(frameOf(expected, STATUS));
          if (rnd(2)) f[rnd(f.length)] ^= 1 << rnd(8);
          else f = f.subarray(0, rnd(f.length));
        } else f = frameOf(expected, 0x80 | STATUS);
        emuOut.length = 0;
        const outcome = emu.receive(f);
        board.send(f);
        const got = await board.collect(emuOut.length, emuOut.length ? ANSWER_MS : 60);
        expect(got.map(meaning), `step ${step}: ${JSON.stringify(outcome)}`).toEqual(emuOut.map(meaning));
        if (outcome.kind === 'ran') {
          sent.push(f);
          expected = (expected + 1) % 65536;
        }
      }
      await works(expected);
    });
  });
}
