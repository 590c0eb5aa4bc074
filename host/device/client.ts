import { randomInt } from 'node:crypto';
import { BALANCE_POLICIES } from '../../firmware-spec/balance.ts';
import { maskStepToWire, type MaskStep, type MaskStepResult, packMask, unpackMask } from '../../firmware-spec/masks.ts';
import type { BalanceReport } from '../../firmware-spec/device-client.ts';
import type { Capability, SampleEncoding } from '../../firmware-spec/capability.ts';
import { decodeFrame, decodeNak, decodeResponse, encodeRequestFrame, type FrameAllocator, type NakPayload, PayloadError, sealFrame } from '../../firmware-spec/codec.ts';
import type { DeviceCounters } from '../../firmware-spec/counters.ts';
import { encodeSamples, fixedBytesPerImage } from '../../firmware-spec/encodings.ts';
import { DeviceError, deviceErrorName } from '../../firmware-spec/errors.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { decodeWeights, encodeWeights, type NetworkDescriptor, weightWordBytes } from '../../firmware-spec/network.ts';
import { trainClocks } from '../../firmware-spec/timing.ts';
import {
  BULK_PAYLOAD,
  FRAME_OVERHEAD_BYTES,
  LINK_ERRORS,
  MAX_PAYLOAD,
  NAK,
  type Opcode,
  OPCODES,
  PROTOCOL_VERSION,
  RESPONSE_FLAG,
  SEQ_MODULO,
  TIMING,
  WINDOW,
} from '../../firmware-spec/protocol.ts';
import type { DeviceClient, DeviceStatus, InferResult, LinkStats, SeedSet, TrainResult } from './client-types.ts';
import { LinkError } from './errors.ts';
import type { Transport } from './transports/transport.ts';

export interface LinkOptions {
  /** first retransmission timeout, ms (default: the transport's, else TIMING.rtoMs, stretched for slow lines) */
  rtoMs?: number;
  /** backoff cap, ms */
  maxRtoMs?: number;
  /** timeouts in a row without progress before giving up */
  maxRetries?: number;
  /** budget for the opening IDENTIFY, ms */
  handshakeMs?: number;
  /** requests in flight (>= 1; the device's window caps it) */
  window?: number;
  /** payload bytes per bulk frame (default: the transport's) */
  bulkPayload?: number;
}

/** Bytes of a WRITE_WEIGHTS request before the words: junction u8, offset u32. */
const WRITE_HEADER = 5;
/** Bytes of a WRITE_MASK request before the bits: junction u8, offset u32, count u32. */
const WRITE_MASK_HEADER = 9;
/** Bytes of a STREAM_SAMPLES request before the labels: encoding u8, count u16. */
const STREAM_HEADER = 3;
/** INFER response bytes before the predictions (emulator/endpoint INFER_FIXED_BYTES). */
const INFER_FIXED = 24;
/** Estimate, clocks per weight of a command that walks every weight (LFSR draws, balancer passes). */
const DEVICE_CLOCKS_PER_WEIGHT = 16;
/** Device time estimates are doubled in timeouts: stalls of irregular schedules, balancer passes. */
const DEVICE_TIME_MARGIN = 2;
/**
 * Frames of at least this many bytes are written into reused memory when the transport allows it
 * (Transport.reusesFrames): Node gives each such Buffer its own new ArrayBuffer (above half its 8 KiB
 * pool), and a bulk frame's worth of fresh memory per request costs more than the frame's own work.
 */
const REUSED_FRAME_MIN_BYTES = Buffer.poolSize >>> 1;
/** Spare frame memories kept for reuse: enough for a window of bulk frames and the next one. */
const SPARE_FRAMES = 2 * WINDOW;

interface Pending {
  op: Opcode;
  /** the request's frame: the payload encoded in place at call time, header and CRC written when its seq is given */
  frame: Buffer;
  /** the frame's memory is the link's to reuse once it is answered (allocFrame made it) */
  reusable: boolean;
  /** IDENTIFY resynchronises the device's seq: it goes alone, with nothing else in flight */
  barrier: boolean;
  seq: number;
  /** the device's expected run time for this request, ms */
  ownMs: number;
  /** ownMs plus that of every request ahead of it when it was sent (the device runs them first): added to its timeout */
  budgetMs: number;
  /** order of this frame's latest transmission among all transmissions */
  sendIndex: number;
  /** order of its first transmission */
  firstSendIndex: number;
  sentAt: number;
  /** retransmitted and not yet answered: no more fast retransmits for it, only its timeout (TCP NewReno's rule) */
  recovering: boolean;
  done: boolean;
  resolve: (payload: Buffer) => void;
  reject: (e: Error) => void;
}

/**
 * The link layer and the typed device API over one Transport: go-back-N with a window, timeouts with
 * bounded, backed-off retransmission, and the device's replay cache making every command run once
 * (firmware-spec/protocol.ts). Calls may overlap: commands are sent, and run, in call order; a bulk
 * call becomes several frames in flight at once. After a timeout or disconnect the client is dead:
 * every pending and later call rejects with that LinkError.
 */
export class LinkClient implements DeviceClient {
  private queue: Pending[] = [];
  private inflight: Pending[] = [];
  private nextSeq = randomInt(SEQ_MODULO);
  private sendCounter = 0;
  private timer?: NodeJS.Timeout;
  /** when `timer` fires (performance.now() ms, less the 1 ms it adds) */
  private timerDue = 0;
  /** the configured first timeout: also the floor of the adaptive one (set again when IDENTIFY sets the bulk size) */
  private rtoFloor = 0;
  /** current timeout without backoff: max(floor, srtt + 4 rttvar) (Jacobson/Karels, RFC 6298) */
  private rtoBase: number;
  private rto: number;
  private srtt = 0;
  private rttvar = 0;
  private maxRto = 0;
  private readonly maxRetries: number;
  private stalls = 0;
  /** retransmission causes, for linkInfo(): timer expiries, out_of_order NAKs, responses overtaking a lost one */
  private readonly causes = { timeouts: 0, outOfOrder: 0, overtaken: 0 };
  private window: number;
  private bulk: number;
  private dead?: LinkError;
  private closing = false;
  private badSinceProgress = 0;
  private goodSinceProgress = 0;
  private busySince = 0;
  private readonly s: LinkStats = { bytesOut: 0, bytesIn: 0, frameBytesOut: 0, frameBytesIn: 0, commandBytesOut: 0, commandBytesIn: 0, framesOut: 0, framesIn: 0, retransmits: 0, badFrames: 0, linkSeconds: 0 };
  /** the last network configured through this client: weight word size and pixels per sample */
  private net?: NetworkDescriptor;
  private capability?: Capability;
  /** trainClocks by sample count for one capability and network (deviceBudgetMs) */
  private clocksMemo?: { cap: Capability; net: NetworkDescriptor; byN: Map<number, number> };
  private deviceMaxPayload = MAX_PAYLOAD;
  /** memories of answered bulk frames, for the next ones (Transport.reusesFrames) */
  private spareFrames: ArrayBuffer[] = [];
  /** whether the frame allocFrame made last is in reusable memory */
  private allocatedReusable = false;
  /**
   * A request frame's Buffer: a view of a spare frame memory for a bulk frame on a transport that lets
   * frames be reused, else a new Buffer.
   */
  private readonly allocFrame: FrameAllocator = (size) => {
    this.allocatedReusable = false;
    if (size < REUSED_FRAME_MIN_BYTES || !this.transport.reusesFrames) return Buffer.allocUnsafe(size);
    let mem = this.spareFrames.pop();
    if (!mem || mem.byteLength < size) mem = new ArrayBuffer(Math.max(size, this.bulk + FRAME_OVERHEAD_BYTES));
    this.allocatedReusable = true;
    return Buffer.from(mem, 0, size);
  };

  constructor(
    readonly transport: Transport,
    readonly opts: LinkOptions = {},
  ) {
    this.window = Math.max(1, opts.window ?? WINDOW);
    // until IDENTIFY says what this device takes, bulk frames are the size every device accepts
    // (BULK_PAYLOAD, SPEC.md section 9.4); a smaller one may be asked for
    this.bulk = Math.min(BULK_PAYLOAD, opts.bulkPayload ?? BULK_PAYLOAD);
    this.rtoBase = this.rto = this.setTimeoutFloor();
    this.maxRetries = opts.maxRetries ?? TIMING.maxRetries;
    transport.setHandlers(
      (c) => this.onCandidate(c),
      (err) => this.die(err instanceof LinkError ? err : new LinkError('disconnected', this.uri, err?.message ?? 'the link closed', { cause: err })),
    );
  }

  /**
   * The timeout floor for the current bulk size: a full window of bulk frames must fit in one timeout,
   * twice over, on a slow line. Returns the floor.
   */
  private setTimeoutFloor(): number {
    const t = this.transport;
    const lineMs = Number.isFinite(t.bytesPerSecond) ? (2 * this.window * (this.bulk + 2 * FRAME_OVERHEAD_BYTES) * 1000) / t.bytesPerSecond : 0;
    this.rtoFloor = Math.max(this.opts.rtoMs ?? t.rtoMs ?? TIMING.rtoMs, lineMs);
    this.maxRto = Math.max(this.opts.maxRtoMs ?? TIMING.maxRtoMs, 4 * this.rtoFloor);
    return this.rtoFloor;
  }

  get uri(): string {
    return this.transport.uri;
  }

  /**
   * IDENTIFY within `ms`, and refuse a device built from another spec. Called by openDevice; the
   * device's own window and payload limit cap the client's from here on.
   */
  async handshake(ms = this.opts.handshakeMs ?? TIMING.handshakeMs): Promise<{ capability: Capability; bootCount: number }> {
    let t: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      t = setTimeout(() => {
        const code = this.badSinceProgress > 0 ? 'crc' : 'timeout';
        const why = code === 'crc' ? `${this.badSinceProgress} frames arrived but none passed its CRC (wrong baud rate?)` : 'no answer';
        const e = new LinkError(code, this.uri, `the device did not answer IDENTIFY within ${ms} ms: ${why}`);
        this.die(e);
        reject(e);
      }, ms);
    });
    try {
      const id = await Promise.race([this.identify(), deadline]);
      const host = specHash();
      if (id.capability.specHash !== host) {
        throw new LinkError('spec_mismatch', this.uri, `the device was built from spec ${id.capability.specHash}, this host from spec ${host}`);
      }
      return id;
    } finally {
      clearTimeout(t);
    }
  }

  // ---- the DeviceClient API ----------------------------------------------------------------------

  identity?: { capability: Capability; bootCount: number };

  async identify(): Promise<{ capability: Capability; bootCount: number }> {
    const r = await this.call('IDENTIFY', { nonce: randomInt(2 ** 32) }, true);
    const capability = r.capability as Capability;
    this.capability = capability;
    this.window = Math.max(1, Math.min(this.window, r.window as number));
    this.deviceMaxPayload = Math.min(MAX_PAYLOAD, r.maxPayload as number);
    // bulk frames of the device's declared size (one profile: the same frames on every transport),
    // or smaller when asked
    this.bulk = Math.min(this.opts.bulkPayload ?? Number.POSITIVE_INFINITY, capability.bulkPayload, this.deviceMaxPayload);
    if (this.bulk < 64) throw this.badResponse('IDENTIFY', `the device takes bulk payloads of at most ${this.bulk} bytes`);
    this.rtoBase = Math.max(this.rtoBase, this.setTimeoutFloor());
    this.identity = { capability, bootCount: r.bootCount as number };
    return this.identity;
  }

  async reset(): Promise<void> {
    await this.call('RESET', {});
    this.net = undefined;
  }

  async configure(net: NetworkDescriptor): Promise<void> {
    await this.call('CONFIGURE', net);
    this.net = structuredClone(net);
  }

  async loadSeeds(seeds: SeedSet): Promise<void> {
    await this.call('LOAD_SEEDS', seeds);
  }

  /**
   * Words in chunks of one bulk frame each, all in flight together. The word size comes from the
   * network configured through this client (16-bit words when none was: the device checks).
   */
  async writeWeights(junction: number, offset: number, words: Int32Array): Promise<void> {
    const bits = this.net?.formats.weight.bits ?? 16;
    const bw = weightWordBytes(bits);
    const per = Math.floor((this.bulk - WRITE_HEADER) / bw);
    const bytes = encodeWeights(words, bits);
    const calls: Promise<unknown>[] = [];
    const chunks = Math.max(1, Math.ceil(words.length / per));
    for (let c = 0; c < chunks; c++) {
      const i = c * per;
      const n = Math.min(per, words.length - i);
      calls.push(this.call('WRITE_WEIGHTS', { junction, offset: offset + i, words: bytes.subarray(i * bw, (i + n) * bw) }));
    }
    await settleAll(calls);
  }

  async readWeights(junction: number, offset: number, count: number): Promise<Int32Array> {
    const known = this.net ? weightWordBytes(this.net.formats.weight.bits) : undefined;
    const per = Math.floor(this.bulk / (known ?? 4));
    const calls: Array<Promise<Record<string, unknown>>> = [];
    const chunks = Math.max(1, Math.ceil(count / per));
    for (let c = 0; c < chunks; c++) calls.push(this.call('READ_WEIGHTS', { junction, offset: offset + c * per, count: Math.min(per, count - c * per) }));
    const parts = await settleAll(calls);
    const out = new Int32Array(count);
    let at = 0;
    for (const [k, r] of parts.entries()) {
      const b = r.words as Buffer;
      const want = Math.min(per, count - k * per);
      const bw = known ?? (want === 0 ? 2 : b.length / want);
      if ((bw !== 2 && bw !== 4) || b.length !== want * bw) throw this.badResponse('READ_WEIGHTS', `${b.length} bytes for ${want} words`);
      out.set(decodeWeights(b, bw === 2 ? 16 : 32), at);
      at += want;
    }
    return out;
  }

  /**
   * Encode raw u8 images in `encoding` and send them in as few frames as fit, whole samples per frame.
   * Images given one view each go into the frames as they are in u8 (each copied once, into its
   * frame); other encodings encode them as one block. Returns the payload bytes the samples took
   * (labels and encoded images).
   */
  async streamSamples(encoding: SampleEncoding, pixels: Uint8Array | readonly Uint8Array[], labels: Uint8Array): Promise<{ bytes: number }> {
    const count = labels.length;
    if (count === 0) return { bytes: 0 };
    let views: readonly Uint8Array[] | undefined;
    if (!(pixels instanceof Uint8Array)) {
      if (pixels.length !== count) throw new LinkError('bad_argument', this.uri, `${pixels.length} images for ${count} labels`);
      const size = pixels[0].length;
      if (size === 0 || pixels.some((v) => v.length !== size)) throw new LinkError('bad_argument', this.uri, `images of ${[...new Set(pixels.map((v) => v.length))].join(', ')} pixels: every image must have the same number, at least one`);
      if (encoding !== 'u8') return this.streamSamples(encoding, Buffer.concat(pixels), labels);
      views = pixels;
    }
    const block = views ? undefined : (pixels as Uint8Array);
    if (block && block.length % count !== 0) throw new LinkError('bad_argument', this.uri, `${block.length} pixels is not a whole number of images for ${count} labels`);
    const px = block ? block.length / count : views![0].length;
    // u8 views are their own encoding; a block is encoded here (for u8, a view of it)
    const encoded = block ? encodeSamples(block, px, encoding) : undefined;
    // image boundaries in the encoded bytes (zrl images vary in size: each starts with its u16 length)
    const ends: number[] = new Array(count);
    const fixed = fixedBytesPerImage(encoding, px);
    for (let i = 0, at = 0; i < count; i++) {
      at += fixed ?? 2 + encoded!.readUInt16LE(at);
      ends[i] = at;
    }
    // whole samples per frame: frames of at most one bulk payload; a sample too big for one goes alone,
    // in a frame of up to the device's limit (the only request the device lets exceed its bulk payload)
    const room = this.bulk - STREAM_HEADER;
    const single = this.deviceMaxPayload - STREAM_HEADER;
    const calls: Promise<unknown>[] = [];
    let bytes = 0;
    for (let first = 0; first < count; ) {
      const start = first === 0 ? 0 : ends[first - 1];
      let last = first;
      while (last + 1 < count && last + 1 - first + 1 + (ends[last + 1] - start) <= room && last + 1 - first + 1 <= 0xffff) last++;
      const n = last - first + 1;
      const size = n + ends[last] - start;
      if (size > (n === 1 ? single : room)) throw new LinkError('bad_argument', this.uri, `sample ${first} encodes to ${ends[first] - start} bytes; a frame carries ${single - 1} with its label`);
      // labels, then the images: the codec writes the blocks straight into the frame
      const data = [labels.subarray(first, first + n), ...(views ? views.slice(first, last + 1) : [encoded!.subarray(start, ends[last])])];
      bytes += size;
      calls.push(this.call('STREAM_SAMPLES', { encoding, count: n, data }));
      first = last + 1;
    }
    await settleAll(calls);
    return { bytes };
  }

  async train(n: number): Promise<TrainResult> {
    const r = await this.call('TRAIN', { n });
    if (r.samples !== n) throw this.badResponse('TRAIN', `ran ${r.samples} samples, asked for ${n}`);
    return r as unknown as TrainResult;
  }

  async infer(n: number): Promise<InferResult> {
    if (n > this.bulkLimitInfer()) throw new LinkError('bad_argument', this.uri, `INFER of ${n} samples: one response carries at most ${this.bulkLimitInfer()} predictions; split it`);
    const r = await this.call('INFER', { n });
    const p = r.predictions as Buffer;
    if (r.samples !== n || p.length !== n) throw this.badResponse('INFER', `${p.length} predictions for ${r.samples} samples, asked for ${n}`);
    return { samples: n, correct: r.correct as number, predictions: new Uint8Array(p), junctionCycles: r.junctionCycles as number, clocks: r.clocks as number };
  }

  async readCounters(): Promise<DeviceCounters> {
    const c = (await this.call('READ_COUNTERS', {})) as unknown as DeviceCounters;
    for (const [i, j] of c.junctions.entries()) {
      const z = j.lanes.busy.length;
      if (j.lanes.stall.length !== z || j.lanes.idle.length !== z) throw this.badResponse('READ_COUNTERS', `junction ${i + 1}: lane arrays of different lengths`);
    }
    return c;
  }

  async clearCounters(): Promise<void> {
    await this.call('CLEAR_COUNTERS', {});
  }

  async status(): Promise<DeviceStatus> {
    return (await this.call('STATUS', {})) as unknown as DeviceStatus;
  }

  async maskStep(step: MaskStep): Promise<MaskStepResult> {
    const r = (await this.call('MASK_STEP', maskStepToWire(step))) as unknown as MaskStepResult;
    const n = step.junctions.length;
    if (r.tracked.length !== n || r.live.length !== n || r.written.length !== n) throw this.badResponse('MASK_STEP', `results for ${r.tracked.length} junctions, asked for ${n}`);
    return r;
  }

  async balance(policy: string): Promise<BalanceReport> {
    if (!(BALANCE_POLICIES as readonly string[]).includes(policy)) throw new LinkError('bad_argument', this.uri, `unknown balancing policy '${policy}' (have: ${BALANCE_POLICIES.join(', ')})`);
    return (await this.call('BALANCE', { policy })) as unknown as BalanceReport;
  }

  /** Mask bits in chunks of one bulk frame each (8 edges a byte, firmware-spec/masks.ts packMask), all in flight together. */
  async readMask(junction: number, offset: number, count: number): Promise<Uint8Array> {
    const per = this.bulk * 8;
    const calls: Array<Promise<Record<string, unknown>>> = [];
    const chunks = Math.max(1, Math.ceil(count / per));
    for (let c = 0; c < chunks; c++) calls.push(this.call('READ_MASK', { junction, offset: offset + c * per, count: Math.max(0, Math.min(per, count - c * per)) }));
    const parts = await settleAll(calls);
    const out = new Uint8Array(count);
    for (const [k, r] of parts.entries()) {
      const want = Math.max(0, Math.min(per, count - k * per));
      try {
        out.set(unpackMask(r.bits as Buffer, want), k * per);
      } catch (e) {
        throw this.badResponse('READ_MASK', (e as Error).message);
      }
    }
    return out;
  }

  async writeMask(junction: number, offset: number, bits: Uint8Array): Promise<void> {
    const per = (this.bulk - WRITE_MASK_HEADER) * 8;
    let packed: Uint8Array;
    try {
      packed = packMask(bits);
    } catch (e) {
      throw new LinkError('bad_argument', this.uri, `WRITE_MASK: ${(e as Error).message}`);
    }
    const calls: Promise<unknown>[] = [];
    const chunks = Math.max(1, Math.ceil(bits.length / per));
    for (let c = 0; c < chunks; c++) {
      const i = c * per;
      const n = Math.min(per, bits.length - i);
      // per is a multiple of 8, so each chunk starts on a byte of the packed bits
      calls.push(this.call('WRITE_MASK', { junction, offset: offset + i, count: n, bits: packed.subarray(i / 8, Math.ceil((i + n) / 8)) }));
    }
    await settleAll(calls);
  }

  linkStats(): LinkStats {
    const busy = this.inflight.length > 0 ? (performance.now() - this.busySince) / 1000 : 0;
    return { ...this.s, bytesIn: this.transport.stats.bytesIn, bytesOut: this.transport.stats.bytesOut, linkSeconds: this.s.linkSeconds + busy };
  }

  /** The limits in force (window, bulk payload, first timeout in ms) and what caused retransmissions. */
  linkInfo(): { window: number; bulkPayload: number; rtoMs: number; kind: Transport['kind']; causes: { timeouts: number; outOfOrder: number; overtaken: number } } {
    return { window: this.window, bulkPayload: this.bulk, rtoMs: Math.round(this.rtoBase), kind: this.transport.kind, causes: { ...this.causes } };
  }

  /** Wait for what is in flight (each bounded by its timeout), then release the transport. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const pending = [...this.inflight, ...this.queue].map((p) => new Promise<void>((res) => {
      const { resolve, reject } = p;
      p.resolve = (v) => (resolve(v), res());
      p.reject = (e) => (reject(e), res());
    }));
    if (!this.dead) await Promise.all(pending);
    this.die(new LinkError('disconnected', this.uri, 'the client was closed'));
    await this.transport.close();
  }

  // ---- the link layer ----------------------------------------------------------------------------

  /** predictions one INFER response can carry */
  private bulkLimitInfer(): number {
    return this.deviceMaxPayload - INFER_FIXED;
  }

  /**
   * How long the device may take to run a request, ms, added to its retransmission timeout: a TRAIN
   * or INFER of n samples takes its timing model's clocks for n samples (firmware-spec/timing.ts
   * trainClocks, an upper bound for INFER), over the device's clockHz; commands that walk every weight
   * (CONFIGURE, LOAD_SEEDS, MASK_STEP, BALANCE, WRITE_MASK) take DEVICE_CLOCKS_PER_WEIGHT clocks per
   * weight. Both are doubled (DEVICE_TIME_MARGIN): irregular schedules stall lanes. The link's own time
   * is in the timeout already (the floor covers a full window twice over at the line rate).
   */
  private deviceBudgetMs(op: Opcode, value: unknown): number {
    const cap = this.capability;
    const net = op === 'CONFIGURE' ? (value as NetworkDescriptor) : this.net;
    if (!cap || !net) return 0;
    let clocks = 0;
    if (op === 'TRAIN' || op === 'INFER') {
      const n = (value as { n: number }).n;
      if (Number.isInteger(n) && n > 0) clocks = this.trainClocksFor(cap, net, n);
    } else if (op === 'CONFIGURE' || op === 'LOAD_SEEDS' || op === 'MASK_STEP' || op === 'BALANCE' || op === 'WRITE_MASK') {
      clocks = DEVICE_CLOCKS_PER_WEIGHT * net.junctions.reduce((a, j) => a + j.n * j.fi, 0);
    }
    return (DEVICE_TIME_MARGIN * clocks * 1000) / cap.clockHz;
  }

  /**
   * trainClocks for n samples on this device and network, remembered per n (a training run asks for
   * the same chunk size on every TRAIN; the timing model walks every cycle of the schedule).
   */
  private trainClocksFor(cap: Capability, net: NetworkDescriptor, n: number): number {
    if (this.clocksMemo?.cap !== cap || this.clocksMemo.net !== net) this.clocksMemo = { cap, net, byN: new Map() };
    const byN = this.clocksMemo.byN;
    let clocks = byN.get(n);
    if (clocks === undefined) byN.set(n, (clocks = trainClocks(cap.timing, net, n)));
    return clocks;
  }

  private badResponse(op: Opcode, why: string): LinkError {
    return new LinkError('bad_response', this.uri, `${op} response: ${why}`);
  }

  /** Send one request; resolves with its decoded response, rejects with DeviceError or LinkError. */
  private call(op: Opcode, value: unknown, barrier = false): Promise<Record<string, unknown>> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.closing) return Promise.reject(new LinkError('disconnected', this.uri, 'the client is closing'));
    let frame: Buffer;
    try {
      // encoded once, into the frame that carries it (pump seals it with its seq)
      frame = encodeRequestFrame(op, value, this.allocFrame);
    } catch (e) {
      const msg = e instanceof PayloadError ? e.message : String(e);
      return Promise.reject(new LinkError('bad_argument', this.uri, `${op}: ${msg}`, { cause: e }));
    }
    const size = frame.length - FRAME_OVERHEAD_BYTES;
    if (size > MAX_PAYLOAD) return Promise.reject(new LinkError('bad_argument', this.uri, `${op}: payload of ${size} bytes exceeds ${MAX_PAYLOAD}`));
    const reusable = this.allocatedReusable;
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ op, frame, reusable, barrier, seq: -1, ownMs: this.deviceBudgetMs(op, value), budgetMs: 0, sendIndex: 0, firstSendIndex: 0, sentAt: 0, recovering: false, done: false, resolve, reject });
      this.pump();
    }).then((body) => {
      try {
        return decodeResponse(op, body);
      } catch (e) {
        throw this.badResponse(op, (e as Error).message);
      }
    });
  }

  private pump(): void {
    while (!this.dead && this.queue.length && this.inflight.length < this.window) {
      const head = this.queue[0];
      if (head.barrier && this.inflight.length > 0) break;
      if (this.inflight.length > 0 && this.inflight[0].barrier) break;
      this.queue.shift();
      head.seq = this.nextSeq;
      this.nextSeq = (this.nextSeq + 1) % SEQ_MODULO;
      sealFrame(head.frame, head.seq, OPCODES[head.op].code);
      if (this.inflight.length === 0) this.busySince = performance.now();
      head.budgetMs = this.inflight.reduce((ms, x) => (x.done ? ms : ms + x.ownMs), head.ownMs);
      this.inflight.push(head);
      this.transmit(head);
    }
    this.arm();
  }

  private transmit(p: Pending, retransmit = false): void {
    if (retransmit) {
      this.s.retransmits++;
      p.recovering = true;
    }
    p.sendIndex = ++this.sendCounter;
    if (!retransmit) p.firstSendIndex = p.sendIndex;
    p.sentAt = performance.now();
    this.s.framesOut++;
    this.s.frameBytesOut += p.frame.length;
    if (!retransmit) this.s.commandBytesOut += p.frame.length;
    this.transport.send(p.frame);
  }

  /** Retransmit `from` and every later unanswered request, in order (go-back-N). */
  private goBack(from: Pending): void {
    const i = this.inflight.indexOf(from);
    for (const p of this.inflight.slice(i)) if (!p.done) this.transmit(p, true);
    this.arm();
  }

  /**
   * Keep a timer for the oldest unanswered request. A timer already due no later than that stays
   * (onTimeout looks again when it fires, and re-arms if nothing is due yet): a window of requests
   * answered one by one then costs one timer, not a clear and a set per frame. With nothing in flight
   * the timer stays too, unref'd (it holds no process open; it fires, finds nothing, and is gone): a
   * training run's link goes idle once a chunk, and a timer set and cleared per chunk cost more than
   * the rest of the chunk's link work on the in-process transport.
   */
  private arm(): void {
    if (this.dead) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    const oldest = this.inflight.find((p) => !p.done);
    if (!oldest) {
      this.timer?.unref();
      return;
    }
    const due = oldest.sentAt + this.rto + oldest.budgetMs;
    if (this.timer && this.timerDue <= due) {
      this.timer.ref();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => this.onTimeout(), Math.max(0, due - performance.now()) + 1);
  }

  private onTimeout(): void {
    this.timer = undefined;
    const oldest = this.inflight.find((p) => !p.done);
    if (!oldest || this.dead) return;
    if (performance.now() < oldest.sentAt + this.rto + oldest.budgetMs) return this.arm();
    this.stalls++;
    if (this.stalls > this.maxRetries) {
      const crcOnly = this.badSinceProgress > 0 && this.goodSinceProgress === 0;
      const waited = Math.round(performance.now() - oldest.sentAt);
      return this.die(
        crcOnly
          ? new LinkError('crc', this.uri, `${oldest.op} (seq ${oldest.seq}): ${this.badSinceProgress} frames arrived, none with a good CRC, over ${this.stalls} tries`)
          : new LinkError('timeout', this.uri, `no response to ${oldest.op} (seq ${oldest.seq}) after ${this.stalls} tries (${waited} ms since the last)`),
      );
    }
    this.causes.timeouts++;
    this.rto = Math.min(this.rto * 2, this.maxRto);
    this.goBack(oldest);
  }

  private onCandidate(candidate: Buffer): void {
    if (this.dead) return;
    this.s.frameBytesIn += candidate.length;
    const r = decodeFrame(candidate);
    if (!r.ok || r.frame.version !== PROTOCOL_VERSION) {
      if (candidate.length > 0) {
        this.s.badFrames++;
        this.badSinceProgress++;
      }
      return;
    }
    this.s.framesIn++;
    this.goodSinceProgress++;
    const f = r.frame;
    const p = this.inflight.find((x) => x.seq === f.seq);
    if (!p || p.done) return; // a replayed or stale response
    if (f.opcode === NAK) {
      let nak: NakPayload;
      try {
        nak = decodeNak(f.payload);
      } catch {
        this.s.badFrames++;
        return;
      }
      if (nak.opcode !== OPCODES[p.op].code) return; // not an answer to this request
      if (nak.code === LINK_ERRORS.out_of_order) {
        // The device dropped p because it is still waiting for `expected`. Frames arrive in the order
        // they were sent, so that is a request of ours sent before p and not yet answered; if it is
        // not, or is p itself, the device has lost this session (it rebooted, or another host
        // opened it) and what it held is gone.
        if (nak.expected === p.seq || !this.inflight.some((x) => x.seq === nak.expected)) {
          return this.die(new LinkError('session_lost', this.uri, `${p.op} (seq ${p.seq}) refused: the device expects seq ${nak.expected}, which is no request of this session in flight: it has lost the session (rebooted, or another host opened it) and, with it, its network, weights and samples`));
        }
        // if our latest copy of the expected one went out before p's, it was lost: go back to it.
        // When it is itself a retransmission, the NAK may answer an older copy of p, sent before it:
        // only a p first sent after it tells (NewReno's rule, made exact by send order).
        const e = this.inflight.find((x) => x.seq === nak.expected && !x.done);
        if (e && (e.recovering ? e.sendIndex < p.firstSendIndex : e.sendIndex < p.sendIndex)) {
          this.causes.outOfOrder++;
          this.goBack(e);
        }
        return;
      }
      const dcode = deviceErrorName(nak.code);
      const err = dcode
        ? new DeviceError(dcode, `${this.uri}: ${p.op}: ${nak.message}`)
        : new LinkError('nak', this.uri, `${p.op} refused: ${linkNakName(nak.code)}: ${nak.message}`);
      this.s.commandBytesIn += candidate.length;
      return this.complete(p, undefined, err);
    }
    if (f.opcode !== (RESPONSE_FLAG | OPCODES[p.op].code)) return; // not an answer to this request
    this.s.commandBytesIn += candidate.length;
    this.complete(p, Buffer.from(f.payload));
  }

  private complete(p: Pending, body: Buffer | undefined, err?: Error): void {
    p.done = true;
    this.stalls = 0;
    // Karn's rule: only requests sent once give a round-trip sample
    if (!p.recovering) this.sampleRtt(performance.now() - p.sentAt);
    this.rto = this.rtoBase;
    this.badSinceProgress = 0;
    this.goodSinceProgress = 0;
    // answered after one transmission: the device consumed the only copy, so its memory can carry the
    // next frame (a retransmitted request's copies may still be on their way: its memory is left alone)
    if (p.reusable && !p.recovering && this.spareFrames.length < SPARE_FRAMES) this.spareFrames.push(p.frame.buffer as ArrayBuffer);
    if (err) p.reject(err);
    else p.resolve(body!);
    // the device runs requests in order: an earlier request whose latest copy went out before p's has
    // run, and its response was lost; ask again (the device replays it)
    for (const q of this.inflight) {
      if (q === p) break;
      if (!q.done && (q.recovering ? q.sendIndex < p.firstSendIndex : q.sendIndex < p.sendIndex)) {
        this.causes.overtaken++;
        this.transmit(q, true);
      }
    }
    while (this.inflight.length && this.inflight[0].done) this.inflight.shift();
    if (this.inflight.length === 0) this.s.linkSeconds += (performance.now() - this.busySince) / 1000;
    this.pump();
  }

  private sampleRtt(ms: number): void {
    if (this.srtt === 0) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
    this.rtoBase = Math.min(this.maxRto, Math.max(this.rtoFloor, this.srtt + 4 * this.rttvar));
  }

  private die(e: LinkError): void {
    if (this.dead) return;
    this.dead = e;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const all = [...this.inflight, ...this.queue];
    this.inflight = [];
    this.queue = [];
    this.spareFrames = [];
    for (const p of all) if (!p.done) p.reject(e);
    if (!this.closing) void this.transport.close();
  }
}

function linkNakName(code: number): string {
  return (Object.keys(LINK_ERRORS) as Array<keyof typeof LINK_ERRORS>).find((k) => LINK_ERRORS[k] === code) ?? `code ${code}`;
}

/** Like Promise.all, but waits for every promise before rejecting with the first error (no stray rejections). */
async function settleAll<T>(ps: Array<Promise<T>>): Promise<T[]> {
  const rs = await Promise.allSettled(ps);
  const bad = rs.find((r) => r.status === 'rejected');
  if (bad) throw (bad as PromiseRejectedResult).reason;
  return rs.map((r) => (r as PromiseFulfilledResult<T>).value);
}
