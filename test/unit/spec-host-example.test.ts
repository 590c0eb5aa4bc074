/**
 * SPEC.md's "Implementing a host" example cannot drift: its TRAIN request and ACK decode with the codec
 * to the trace's values, the emulator's endpoint answers that request with exactly that ACK in the
 * session the section describes, the SLIP lines decode to the frames, weightsSha256 is what the host's
 * trainer computes, and the sample-order examples are the host's epochOrder.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeRequest, decodeResponse, encodeFrame, encodeRequest } from '../../firmware-spec/codec.ts';
import { encodeSamples } from '../../firmware-spec/encodings.ts';
import { deriveSeed, SEED_STREAM } from '../../firmware-spec/lfsr.ts';
import { encodeWeights } from '../../firmware-spec/network.ts';
import { type Opcode, OPCODES, RESPONSE_FLAG } from '../../firmware-spec/protocol.ts';
import { SlipFramer } from '../../firmware-spec/slip.ts';
import { EmulatedDevice } from '../../emulator/device.ts';
import { DeviceEndpoint } from '../../emulator/endpoint/endpoint.ts';
import { epochOrder } from '../../host/train/order.ts';
import { createHash } from 'node:crypto';
import { loadTrace } from '../helpers/emulator-trace.ts';

const SPEC = readFileSync(fileURLToPath(new URL('../../firmware-spec/SPEC.md', import.meta.url)), 'utf8');

function section(heading: RegExp): string {
  const start = SPEC.search(heading);
  expect(start, `SPEC.md has a section ${heading}`).toBeGreaterThanOrEqual(0);
  const next = SPEC.slice(start + 3).search(/\n## /);
  return next < 0 ? SPEC.slice(start) : SPEC.slice(start, start + 3 + next);
}

function hexLine(text: string, label: string): Buffer {
  const m = new RegExp(`^${label}: ([0-9a-f ]+)$`, 'm').exec(text);
  expect(m, `a line '${label}: ...'`).not.toBeNull();
  return Buffer.from(m![1].replace(/ /g, ''), 'hex');
}

describe('SPEC.md "Implementing a host"', () => {
  const text = section(/^## \d+\. Implementing a host/m);
  const request = hexLine(text, 'request frame');
  const response = hexLine(text, 'response frame');
  const trace = loadTrace('trace-tiny-backprop.json');

  it('the example frames decode with the codec to the golden trace\'s TRAIN', () => {
    const q = decodeFrame(request);
    const r = decodeFrame(response);
    if (!q.ok || !r.ok) throw new Error('the example frames do not pass length and CRC');
    expect(q.frame.opcode).toBe(OPCODES.TRAIN.code);
    expect(r.frame.opcode).toBe(RESPONSE_FLAG | OPCODES.TRAIN.code);
    expect(r.frame.seq).toBe(q.frame.seq);
    expect(decodeRequest('TRAIN', q.frame.payload)).toEqual({ n: trace.samples.labels.length });
    const ack = decodeResponse('TRAIN', r.frame.payload);
    expect(ack).toMatchObject({ samples: trace.samples.labels.length, correct: trace.correct, junctionCycles: trace.cycles });
  });

  it('the emulator answers the example request with the example response, byte for byte, and the weights hash to the example\'s weightsSha256', () => {
    const sent: Buffer[] = [];
    const ep = new DeviceEndpoint(new EmulatedDevice('emu'), (f) => sent.push(f));
    const net = trace.network;
    let seq = 0x0100;
    const send = (op: Opcode, value: unknown) => {
      ep.receive(encodeFrame(seq++, OPCODES[op].code, encodeRequest(op, value)));
      const r = decodeFrame(sent.at(-1)!);
      if (!r.ok) throw new Error('bad frame');
      expect(r.frame.opcode, op).toBe(RESPONSE_FLAG | OPCODES[op].code);
    };
    send('IDENTIFY', { nonce: 0x5eed0001 });
    send('RESET', {});
    send('CONFIGURE', net);
    send('LOAD_SEEDS', { connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
    const pixels = Uint8Array.from(trace.samples.pixels.flat());
    const data = Buffer.concat([Uint8Array.from(trace.samples.labels), encodeSamples(pixels, net.junctions[0].p, 'u8')]);
    send('STREAM_SAMPLES', { encoding: 'u8', count: trace.samples.labels.length, data });
    expect(decodeFrame(request).ok && (decodeFrame(request) as { frame: { seq: number } }).frame.seq).toBe(seq);
    ep.receive(request);
    expect(sent.at(-1)!.toString('hex')).toBe(response.toString('hex'));
    const h = createHash('sha256');
    net.junctions.forEach((_, j) => h.update(encodeWeights(ep.device.readWeights(j), net.formats.weight.bits)));
    expect(hexLine(text, 'weightsSha256').toString('hex')).toBe(h.digest('hex'));
  });

  it('the SLIP lines decode to the frames', () => {
    const got: Buffer[] = [];
    const framer = new SlipFramer({ write: () => {}, onFrame: (c) => got.push(Buffer.from(c)) });
    framer.receive(hexLine(text, 'request on the wire'));
    framer.receive(hexLine(text, 'response on the wire'));
    framer.destroy();
    expect(got.map((b) => b.toString('hex'))).toEqual([request.toString('hex'), response.toString('hex')]);
  });
});

describe('SPEC.md section 13: the sample order', () => {
  it('the examples are the host\'s epochOrder', () => {
    const text = section(/^## \d+\. A training run/m);
    const rows = [...text.matchAll(/^\| (\d+) \| (\d+) \| (\d+) \| (0x[0-9a-f]+) \| ([\d, ]+) \|$/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const [, count, seed, epoch, lfsrSeed, order] of rows) {
      expect(Number(lfsrSeed)).toBe(deriveSeed(Number(seed), SEED_STREAM.shuffle, Number(epoch)));
      expect(Array.from(epochOrder(Number(count), Number(seed), Number(epoch))).join(', ')).toBe(order);
    }
  });
});
