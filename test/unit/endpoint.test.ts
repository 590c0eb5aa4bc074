import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeNak, decodeResponse, encodeFrame, encodeRequest, type Frame } from '../../firmware-spec/codec.ts';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { DEVICE_ERRORS } from '../../firmware-spec/errors.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { LINK_ERRORS, NAK, type Opcode, OPCODES, REPLAY_CACHE, RESPONSE_FLAG } from '../../firmware-spec/protocol.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { DeviceEndpoint } from '../../emulator/endpoint/endpoint.ts';
import { loadPreset } from '../../host/config/index.ts';
import { plan } from '../../host/partition/index.ts';

function rig() {
  const sent: Buffer[] = [];
  const ep = new DeviceEndpoint(new EmulatedDevice('emu'), (f) => sent.push(f));
  const req = (seq: number, op: Opcode, value: unknown = {}) => encodeFrame(seq, OPCODES[op].code, encodeRequest(op, value));
  const last = (): Frame => {
    const r = decodeFrame(sent.at(-1)!);
    if (!r.ok) throw new Error('bad response');
    return r.frame;
  };
  return { ep, sent, req, last };
}

const net = plan(loadPreset('tiny'), capabilityFor('emu', specHash())).resolved.network;

describe('device endpoint: sequencing and replay', () => {
  it('runs each request once: a copy gets the cached response, byte for byte', () => {
    const { ep, sent, req, last } = rig();
    const id = req(500, 'IDENTIFY', { nonce: 7 });
    expect(ep.receive(id)).toEqual({ kind: 'ran', opcode: OPCODES.IDENTIFY.code, ok: true });
    expect(ep.receive(id)).toEqual({ kind: 'replayed', seq: 500 });
    expect(sent[1].equals(sent[0])).toBe(true);
    expect(last().opcode).toBe(RESPONSE_FLAG | OPCODES.IDENTIFY.code);
    expect(ep.stats.ran.IDENTIFY).toBe(1);

    const cfg = req(501, 'CONFIGURE', net);
    ep.receive(cfg);
    ep.receive(req(502, 'LOAD_SEEDS', { connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: 1, rounding: 1 }));
    const stream = req(503, 'STREAM_SAMPLES', { encoding: 'u8', count: 2, data: Buffer.concat([Buffer.of(0, 1), Buffer.alloc(32, 9)]) });
    ep.receive(stream);
    const answer = last();
    expect(decodeResponse('STREAM_SAMPLES', answer.payload)).toEqual({ bufferedSamples: 2 });
    ep.receive(stream); // retransmitted: must not buffer the samples twice
    expect(last()).toEqual(answer);
    ep.receive(cfg); // an old copy: replayed, the device is not reconfigured
    expect(ep.stats.ran.STREAM_SAMPLES).toBe(1);
    expect(ep.stats.ran.CONFIGURE).toBe(1);
    expect(ep.device.status().bufferedSamples).toBe(2);
  });

  it('caches NAKs too: a retransmitted failing command fails the same way without running again', () => {
    const { ep, sent, req, last } = rig();
    ep.receive(req(10, 'IDENTIFY', { nonce: 1 }));
    const t = req(11, 'TRAIN', { n: 5 });
    ep.receive(t);
    expect(last().opcode).toBe(NAK);
    expect(decodeNak(last().payload)).toMatchObject({ opcode: OPCODES.TRAIN.code, code: DEVICE_ERRORS.not_configured });
    ep.receive(t);
    expect(sent[2].equals(sent[1])).toBe(true);
    expect(ep.stats.ran.TRAIN).toBe(1);
  });

  it('drops frames ahead of the expected seq with an out_of_order NAK naming it, and stale ones with a stale_seq NAK', () => {
    const { ep, sent, req, last } = rig();
    ep.receive(req(1000, 'IDENTIFY', { nonce: 1 }));
    expect(ep.receive(req(1002, 'STATUS'))).toEqual({ kind: 'nak', code: 'out_of_order' });
    expect(decodeNak(last().payload)).toMatchObject({ code: LINK_ERRORS.out_of_order, expected: 1001 });
    expect(last().seq).toBe(1002);
    expect(ep.stats.ran.STATUS).toBe(0);
    const n = sent.length;
    expect(ep.receive(req(990, 'STATUS'))).toEqual({ kind: 'nak', code: 'stale_seq' });
    expect(last().seq).toBe(990);
    expect(decodeNak(last().payload)).toMatchObject({ opcode: OPCODES.STATUS.code, code: LINK_ERRORS.stale_seq, expected: 1001 });
    // same seq as a cached request but different bytes: not a copy, so not replayed, and not run
    expect(ep.receive(req(1000, 'STATUS'))).toEqual({ kind: 'nak', code: 'stale_seq' });
    // one response per copy received, and nothing ran
    expect(sent.length).toBe(n + 2);
    expect(ep.stats.ran.STATUS).toBe(0);
    expect(ep.receive(req(1001, 'STATUS')).kind).toBe('ran');
  });

  it('wraps the seq at 2^16 and forgets responses older than the replay cache', () => {
    const { ep, req } = rig();
    ep.receive(req(65535, 'IDENTIFY', { nonce: 3 }));
    const first = req(0, 'STATUS');
    expect(ep.receive(first).kind).toBe('ran');
    for (let s = 1; s <= REPLAY_CACHE; s++) expect(ep.receive(req(s, 'STATUS')).kind).toBe('ran');
    expect(ep.receive(first)).toEqual({ kind: 'nak', code: 'stale_seq' });
    expect(ep.receive(req(REPLAY_CACHE, 'STATUS')).kind).toBe('replayed');
  });

  it('answers a bad opcode (bit 7 set too), a bad payload and a bad version; ignores NAK frames and broken frames', () => {
    const { ep, req, last } = rig();
    ep.receive(req(1, 'IDENTIFY', { nonce: 1 }));
    expect(ep.receive(encodeFrame(2, 0x33))).toEqual({ kind: 'ran', opcode: 0x33, ok: false, code: 'bad_opcode' });
    expect(ep.receive(encodeFrame(3, OPCODES.TRAIN.code, Buffer.of(1, 2, 3)))).toMatchObject({ ok: false, code: 'bad_payload' });
    expect(ep.receive(encodeFrame(4, OPCODES.STATUS.code, Buffer.alloc(0), 2))).toEqual({ kind: 'nak', code: 'bad_version' });
    expect(decodeNak(last().payload).code).toBe(LINK_ERRORS.bad_version);
    // a frame shaped like a response is not a request opcode: it runs in order and fails, using up seq 4
    expect(ep.receive(encodeFrame(4, RESPONSE_FLAG | OPCODES.STATUS.code))).toEqual({ kind: 'ran', opcode: RESPONSE_FLAG | OPCODES.STATUS.code, ok: false, code: 'bad_opcode' });
    expect(decodeNak(last().payload)).toMatchObject({ code: DEVICE_ERRORS.bad_opcode, expected: 5 });
    // a NAK is never answered
    const before = ep.stats.naks;
    expect(ep.receive(encodeFrame(5, NAK, Buffer.alloc(0)))).toEqual({ kind: 'ignored', code: 'not_request' });
    expect(ep.stats.naks).toBe(before);
    const good = req(5, 'STATUS');
    expect(ep.receive(good.subarray(0, 5))).toEqual({ kind: 'rejected', code: 'short' });
    const flipped = Buffer.from(good);
    flipped[5] ^= 0x10; // the length field
    expect(ep.receive(flipped)).toEqual({ kind: 'rejected', code: 'length' });
    flipped[5] ^= 0x10;
    flipped[9] ^= 0x01; // the CRC
    expect(ep.receive(flipped)).toEqual({ kind: 'rejected', code: 'crc' });
    expect(ep.receive(good).kind).toBe('ran');
    expect(ep.stats.rejects).toEqual({ short: 1, length: 1, too_large: 0, crc: 1 });
  });

  it('counts frame bytes into the device counters, cleared with them', () => {
    const { ep, sent, req, last } = rig();
    const frames = [req(1, 'IDENTIFY', { nonce: 1 }), req(2, 'CONFIGURE', net), req(3, 'READ_COUNTERS')];
    for (const f of frames) ep.receive(f);
    const c = decodeResponse('READ_COUNTERS', last().payload);
    // CONFIGURE starts fresh counters: what follows is the READ_COUNTERS request in, the CONFIGURE response out
    expect(c.wireBytesIn).toBe(frames[2].length);
    expect(c.wireBytesOut).toBe(sent[1].length);
  });
});
