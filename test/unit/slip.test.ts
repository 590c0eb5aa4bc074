import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../firmware-spec/codec.ts';
import { MAX_PAYLOAD, OPCODES } from '../../firmware-spec/protocol.ts';
import { MAX_FRAME_BYTES, SlipDecoder, SlipFramer } from '../../firmware-spec/slip.ts';

/** The linear SLIP decoder: what it emits for each byte sequence (firmware-spec/slip.ts). */
function decode(...chunks: number[][]): string[] {
  const out: string[] = [];
  const d = new SlipDecoder((c) => out.push(c.toString('hex')));
  for (const c of chunks) d.write(Uint8Array.from(c));
  return out;
}

describe('SlipDecoder', () => {
  it('unescapes, emits a candidate per END (empty ones too), across any split', () => {
    const wire = [0x01, 0xdb, 0xdc, 0x02, 0xdb, 0xdd, 0x03, 0xc0, 0xc0];
    expect(decode(wire)).toEqual(['01c002db03', '']);
    for (let cut = 0; cut <= wire.length; cut++) expect(decode(wire.slice(0, cut), wire.slice(cut))).toEqual(['01c002db03', '']);
  });

  it('a bad escape ends the candidate; the byte after it is read as an ordinary byte', () => {
    expect(decode([0x01, 0xdb, 0x41, 0x02, 0xc0])).toEqual(['01', '4102']);
    expect(decode([0x01, 0xdb, 0xc0, 0x02, 0xc0])).toEqual(['01', '02']);
    expect(decode([0x01, 0xdb, 0xdb, 0xdd, 0xc0])).toEqual(['01', 'db']);
  });

  it('a candidate longer than the largest frame is dropped up to its END and counted', () => {
    const out: Buffer[] = [];
    const d = new SlipDecoder((c) => out.push(c));
    d.write(new Uint8Array(MAX_FRAME_BYTES + 10).fill(0x41));
    d.write(Uint8Array.of(0xc0, 0x07, 0xc0));
    expect(d.oversized).toBe(1);
    expect(out.map((c) => c.toString('hex'))).toEqual(['07']);
  });

  it('a frame of MAX_PAYLOAD, escapes included, fed byte by byte, decodes whole', () => {
    const payload = Buffer.alloc(MAX_PAYLOAD);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 3 === 0 ? 0xc0 : i % 3 === 1 ? 0xdb : i;
    const frame = encodeFrame(7, OPCODES.WRITE_WEIGHTS.code, payload);
    const wire: Buffer[] = [];
    const tx = new SlipFramer({ write: (b) => wire.push(b), onFrame: () => {} });
    tx.send(frame);
    const got: Buffer[] = [];
    const rx = new SlipFramer({ write: () => {}, onFrame: (c) => got.push(c) });
    for (const b of Buffer.concat(wire)) rx.receive(Buffer.of(b));
    expect(got).toHaveLength(1);
    const r = decodeFrame(got[0]);
    expect(r.ok && Buffer.from(r.frame.payload).equals(payload)).toBe(true);
  });
});
