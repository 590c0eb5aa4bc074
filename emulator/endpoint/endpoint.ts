import { decodeFrame, decodeRequest, encodeFrame, encodeNak, encodeResponseFrame, PayloadError } from '../../firmware-spec/codec.ts';
import { maskStepFromWire, type MaskStepWire, packMask, unpackMask } from '../../firmware-spec/masks.ts';
import { decodeSamples } from '../../firmware-spec/encodings.ts';
import { DEVICE_ERRORS, DeviceError } from '../../firmware-spec/errors.ts';
import { decodeWeights, encodeWeights, type NetworkDescriptor, weightWordBytes } from '../../firmware-spec/network.ts';
import { type SampleEncoding } from '../../firmware-spec/capability.ts';
import {
  BULK_PAYLOAD,
  type FrameReject,
  LINK_ERRORS,
  MAX_PAYLOAD,
  NAK,
  type Opcode,
  opcodeName,
  OPCODES,
  PROTOCOL_VERSION,
  REPLAY_CACHE,
  SEQ_MODULO,
  WINDOW,
} from '../../firmware-spec/protocol.ts';
import { EmulatedDevice } from '../device.ts';
import type { SeedSet } from '../../firmware-spec/device-client.ts';
import type { ProfileName } from '../../firmware-spec/capability.ts';
import type { FaultSpec } from './faults.ts';

/** What the endpoint did with one candidate frame (for tests, the fuzzer and the server's log). */
export type EndpointOutcome =
  | { kind: 'rejected'; code: FrameReject }
  /** a well-formed frame with opcode NAK: never a request, never answered */
  | { kind: 'ignored'; code: 'not_request' }
  | { kind: 'ran'; opcode: number; ok: boolean; code?: string }
  | { kind: 'replayed'; seq: number }
  | { kind: 'nak'; code: 'out_of_order' | 'bad_version' | 'stale_seq' }
  /** the device is hung (fault hang=N): the candidate was not looked at */
  | { kind: 'silent' };

export interface EndpointStats {
  candidates: number;
  rejects: Record<FrameReject, number>;
  /** requests run, by opcode name (a retransmitted request that was replayed does not count) */
  ran: Record<string, number>;
  naks: number;
  replays: number;
  outOfOrder: number;
  stale: number;
}


interface Cached {
  /** CRC of the request: a copy is byte-identical, so it has the same CRC */
  crc: number;
  response: Buffer;
}

/**
 * The device's protocol endpoint: candidate frames in, EmulatedDevice calls, response frames out.
 * Transport-agnostic: whoever owns the link passes candidates to receive() and ships what `send` gets.
 * Runs requests strictly in seq order, at most once each (see firmware-spec/protocol.ts).
 * Never throws on input: every candidate ends as one EndpointOutcome.
 */
export class DeviceEndpoint {
  readonly stats: EndpointStats = {
    candidates: 0,
    rejects: { short: 0, length: 0, too_large: 0, crc: 0 },
    ran: Object.fromEntries(Object.keys(OPCODES).map((k) => [k, 0])),
    naks: 0,
    replays: 0,
    outOfOrder: 0,
    stale: 0,
  };
  private expected = 0;
  /**
   * Whether an IDENTIFY has set up a session since boot. Before that the device runs nothing else: it
   * cannot know where a host's seq stands (a host still talking to it from before a reboot is told
   * with NAK out_of_order naming `expected`, which is no request that host has in flight).
   */
  private session = false;
  /** samples trained over the device's life, across sessions and reboots (for the reset and hang faults) */
  private lifetimeTrained = 0;
  private rebooted = false;
  private hung = false;
  private readonly cache = new Map<number, Cached>();
  /** what the endpoint needs from the last CONFIGURE to decode payloads (the device keeps its own copy) */
  private net?: NetworkDescriptor;
  /** wire bytes since the device's counters were last reset (added to READ_COUNTERS) */
  private wireIn = 0;
  private wireOut = 0;

  /**
   * Wire bytes in the device counters are protocol frame bytes (header, payload, CRC) as every
   * transport carries them, so the counters agree across transports; byte-stream framing (SLIP's END
   * and escapes, about 1% more) is the link's own and shows in the host's link statistics.
   */
  constructor(
    public device: EmulatedDevice,
    private readonly send: (frame: Buffer) => void,
    /** device faults (reset=N, hang=N); link faults are applied by whoever carries the frames */
    private readonly faults?: Pick<FaultSpec, 'resetAfter' | 'hangAfter'>,
  ) {}

  receive(candidate: Buffer): EndpointOutcome {
    if (this.hung) return { kind: 'silent' };
    this.stats.candidates++;
    this.wireIn += candidate.length;
    const r = decodeFrame(candidate);
    if (!r.ok) {
      this.stats.rejects[r.reject]++;
      return { kind: 'rejected', code: r.reject };
    }
    const f = r.frame;
    // a NAK is never answered (two endpoints wired back to back must not NAK each other's NAKs
    // forever); every other opcode is a request: a bad one fails in order with bad_opcode
    if (f.opcode === NAK) return { kind: 'ignored', code: 'not_request' };
    const crc = candidate.readUInt32LE(candidate.length - 4);
    const cached = this.cache.get(f.seq);
    if (cached && cached.crc === crc) {
      this.stats.replays++;
      this.emit(cached.response);
      return { kind: 'replayed', seq: f.seq };
    }
    if (f.version !== PROTOCOL_VERSION) {
      this.nak(f.seq, f.opcode, 'bad_version', `protocol version ${f.version}; this device speaks ${PROTOCOL_VERSION}`);
      return { kind: 'nak', code: 'bad_version' };
    }
    if (f.opcode === OPCODES.IDENTIFY.code) {
      // the sync point: a new session starts at its own seq
      this.expected = f.seq;
      this.cache.clear();
      this.session = true;
    }
    if (!this.session) {
      this.stats.outOfOrder++;
      this.nak(f.seq, f.opcode, 'out_of_order', `no session since the device booted (boot ${this.device.bootCount}): IDENTIFY first; dropped, not run`);
      return { kind: 'nak', code: 'out_of_order' };
    }
    if (f.seq !== this.expected) {
      const ahead = (f.seq - this.expected + SEQ_MODULO) % SEQ_MODULO;
      if (ahead < SEQ_MODULO / 2) {
        this.stats.outOfOrder++;
        this.nak(f.seq, f.opcode, 'out_of_order', `seq ${f.seq} is ahead of ${this.expected}; dropped, not run`);
        return { kind: 'nak', code: 'out_of_order' };
      }
      // behind `expected` and not a cached copy: an old session's frame, or one older than the replay
      // cache; answered, not run, so every request copy gets exactly one response
      this.stats.stale++;
      this.nak(f.seq, f.opcode, 'stale_seq', `seq ${f.seq} is behind ${this.expected} and not a copy of a cached request; dropped, not run`);
      return { kind: 'nak', code: 'stale_seq' };
    }
    const { response, outcome } = this.run(f.seq, f.opcode, f.payload);
    this.cache.set(f.seq, { crc, response });
    if (this.cache.size > REPLAY_CACHE) this.cache.delete(this.cache.keys().next().value as number);
    this.expected = (this.expected + 1) % SEQ_MODULO;
    this.emit(response);
    this.deviceFaults();
    return outcome;
  }

  /** whether the hang=N fault has struck: the device reads and answers nothing more */
  get silent(): boolean {
    return this.hung;
  }

  /** After a request has run and been answered: the reset=N and hang=N faults. */
  private deviceFaults(): void {
    const f = this.faults;
    if (!f) return;
    if (f.hangAfter !== undefined && this.lifetimeTrained >= f.hangAfter) this.hung = true;
    if (f.resetAfter !== undefined && !this.rebooted && this.lifetimeTrained >= f.resetAfter) {
      this.rebooted = true;
      this.reboot();
    }
  }

  /** A power cycle: a fresh device of the same profile (bootCount + 1), no session, no replay cache. */
  reboot(): void {
    this.device = new EmulatedDevice(this.device.capability.profile as ProfileName);
    this.net = undefined;
    this.wireIn = this.wireOut = 0;
    this.cache.clear();
    this.expected = 0;
    this.session = false;
  }

  private emit(frame: Buffer): void {
    this.wireOut += frame.length;
    this.send(frame);
  }

  private nak(seq: number, opcode: number, code: keyof typeof LINK_ERRORS, message: string): void {
    this.stats.naks++;
    this.emit(encodeFrame(seq, NAK, encodeNak({ opcode, code: LINK_ERRORS[code], expected: this.expected, message })));
  }

  /** Run one in-order request; the response frame (ACK or NAK) is returned for caching. */
  private run(seq: number, code: number, payload: Buffer): { response: Buffer; outcome: EndpointOutcome } {
    const op = opcodeName(code);
    try {
      if (!op) throw new DeviceError('bad_opcode', `opcode 0x${code.toString(16).padStart(2, '0')} is not a request`);
      this.stats.ran[op]++;
      // the response's fields go straight into its frame
      return { response: encodeResponseFrame(seq, op, this.execute(op, payload)), outcome: { kind: 'ran', opcode: code, ok: true } };
    } catch (e) {
      const err = e instanceof DeviceError ? e : e instanceof PayloadError ? new DeviceError('bad_payload', e.message) : new DeviceError('internal', (e as Error)?.message ?? String(e));
      this.stats.naks++;
      const nak = encodeNak({ opcode: code, code: DEVICE_ERRORS[err.code], expected: (this.expected + 1) % SEQ_MODULO, message: err.message });
      return { response: encodeFrame(seq, NAK, nak), outcome: { kind: 'ran', opcode: code, ok: false, code: err.code } };
    }
  }

  /** Run one request on the device; returns the response's fields (run encodes them). */
  private execute(op: Opcode, payload: Buffer): unknown {
    const dev = this.device;
    const req = decodeRequest(op, payload);
    // this device's bulk frame size (capability.bulkPayload, at least the protocol's BULK_PAYLOAD)
    const bulk = dev.capability.bulkPayload;
    if (BULK_REQUESTS.has(op) && payload.length > bulk && !(op === 'STREAM_SAMPLES' && req.count === 1)) {
      throw new DeviceError('bad_payload', `${op} of ${payload.length} payload bytes: a bulk request carries at most ${bulk} (capability.bulkPayload); split it`);
    }
    switch (op) {
      case 'IDENTIFY': {
        const { capability, bootCount } = dev.identify();
        return { capability, bootCount, maxPayload: MAX_PAYLOAD, window: WINDOW };
      }
      case 'RESET':
        dev.reset();
        this.net = undefined;
        this.wireIn = this.wireOut = 0;
        return {};
      case 'CONFIGURE': {
        const net = req as unknown as NetworkDescriptor;
        dev.configure(net);
        this.net = net;
        this.wireIn = this.wireOut = 0; // configure starts fresh counters
        return {};
      }
      case 'LOAD_SEEDS':
        dev.loadSeeds(req as unknown as SeedSet);
        return {};
      case 'WRITE_WEIGHTS': {
        const net = this.requireNet();
        const bits = net.formats.weight.bits;
        const words = req.words as Buffer;
        const bw = weightWordBytes(bits);
        if (words.length % bw !== 0) throw new DeviceError('bad_payload', `${words.length} weight bytes is not a whole number of ${bw}-byte words`);
        dev.writeWeights(req.junction as number, req.offset as number, decodeWeights(words, bits));
        return {};
      }
      case 'READ_WEIGHTS': {
        const net = this.requireNet();
        const bits = net.formats.weight.bits;
        const count = req.count as number;
        const w = dev.readWeights(req.junction as number, req.offset as number, count);
        const bytes = count * weightWordBytes(bits);
        if (bytes > bulk) throw new DeviceError('bad_payload', `reading ${count} words takes ${bytes} bytes; a READ_WEIGHTS response carries at most ${bulk} (capability.bulkPayload)`);
        return { words: encodeWeights(w, bits) };
      }
      case 'STREAM_SAMPLES': {
        const net = this.requireNet();
        const encoding = req.encoding as SampleEncoding;
        const count = req.count as number;
        const data = req.data as Buffer;
        if (!dev.capability.encodings.includes(encoding)) throw new DeviceError('bad_encoding', `this device decodes ${dev.capability.encodings.join(', ')}, not ${encoding}`);
        if (data.length < count) throw new DeviceError('bad_payload', `${count} samples need ${count} label bytes, payload has ${data.length}`);
        const pixels = net.junctions[0].p;
        const images = decodeSamples(data.subarray(count), pixels, count, encoding);
        dev.streamSamples(images, data.subarray(0, count));
        return { bufferedSamples: dev.status().bufferedSamples };
      }
      case 'TRAIN': {
        const r = dev.train(req.n as number);
        this.lifetimeTrained += r.samples;
        return r;
      }
      case 'INFER': {
        const n = req.n as number;
        const fits = MAX_PAYLOAD - INFER_FIXED_BYTES;
        if (n > fits) throw new DeviceError('bad_payload', `INFER of ${n} samples: one response carries at most ${fits} predictions`);
        const r = dev.infer(n);
        return { ...r, predictions: Buffer.from(r.predictions.buffer, r.predictions.byteOffset, r.predictions.byteLength) };
      }
      case 'READ_COUNTERS': {
        const c = dev.readCounters();
        c.wireBytesIn += this.wireIn;
        c.wireBytesOut += this.wireOut;
        return c;
      }
      case 'CLEAR_COUNTERS':
        dev.clearCounters();
        // the device clears only when configured (its counters are empty otherwise)
        if (dev.status().configured) this.wireIn = this.wireOut = 0;
        return {};
      case 'STATUS':
        return dev.status();
      case 'MASK_STEP':
        return dev.maskStep(maskStepFromWire(req as unknown as MaskStepWire));
      case 'BALANCE':
        return dev.balance(req.policy as string);
      case 'READ_MASK': {
        const count = req.count as number;
        const bytes = Math.ceil(count / 8);
        if (bytes > bulk) throw new DeviceError('bad_payload', `reading ${count} mask bits takes ${bytes} bytes; a READ_MASK response carries at most ${bulk} (capability.bulkPayload)`);
        return { bits: packMask(dev.mask(req.junction as number, req.offset as number, count)) };
      }
      case 'WRITE_MASK': {
        let bits: Uint8Array;
        try {
          bits = unpackMask(req.bits as Buffer, req.count as number);
        } catch (e) {
          throw new DeviceError('bad_payload', `WRITE_MASK: ${(e as Error).message}`);
        }
        dev.writeMask(req.junction as number, req.offset as number, bits);
        return {};
      }
    }
  }

  private requireNet(): NetworkDescriptor {
    if (!this.net) throw new DeviceError('not_configured', 'the device has no network: CONFIGURE first');
    return this.net;
  }
}

/** Requests whose size the host chooses by splitting: at most capability.bulkPayload payload bytes each. */
const BULK_REQUESTS: ReadonlySet<Opcode> = new Set<Opcode>(['WRITE_WEIGHTS', 'STREAM_SAMPLES', 'WRITE_MASK']);

/** INFER response bytes before the predictions: samples, correct (u32 each), cycles, clocks (u64 each). */
export const INFER_FIXED_BYTES = 24;
