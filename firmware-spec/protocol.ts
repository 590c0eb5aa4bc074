import type { ActivationKind } from './activation.ts';
import { SAMPLE_ENCODINGS } from './capability.ts';
import type { ConnectivityKind, StartVectorMode } from './connectivity.ts';
import type { FeedbackMode, UpdateRounding } from './network.ts';
import { BALANCE_POLICIES } from './balance.ts';
import { UPDATE_MODES } from './essop.ts';
import { MASK_KINDS } from './masks.ts';
import { PHASES } from './schedule.ts';
import { TIMING_MODELS } from './timing.ts';

/**
 * The host-device protocol: the one table. The host's client, the emulator's endpoint, the RTL (through
 * the generated header) and SPEC.md all read it from here; firmware-spec/codec.ts interprets it.
 *
 * Frame (all integers little-endian):
 *
 *   offset  size  field
 *   0       1     version   PROTOCOL_VERSION
 *   1       2     seq       sequence number, modulo 2^16; a response carries its request's seq
 *   3       1     opcode    a request opcode, RESPONSE_FLAG | request opcode (ACK), or NAK
 *   4       4     length    payload bytes, 0..MAX_PAYLOAD
 *   8       len   payload   the opcode's request or response schema (below)
 *   8+len   4     crc       CRC-32/ISO-HDLC over bytes 0 .. 8+len-1 (check value of "123456789": 0xCBF43926)
 *
 * Variant, justified: the response opcode is RESPONSE_FLAG | request opcode rather than one ACK opcode,
 * so a receiver can check that a response answers the request it sent without extra payload bytes.
 *
 * On byte streams (UART, XDMA AXI-Stream) each frame is SLIP-framed (RFC 1055: END 0xC0, ESC 0xDB).
 * SLIP only delimits; the receiver checks length and CRC itself and drops what fails (no NAK: a frame
 * whose CRC fails cannot be trusted to name its seq). In-process peers pass whole frames, no SLIP.
 *
 * Reliability (go-back-N with a replay cache; SPEC.md section 9.3 is the normative text):
 * - The host keeps at most WINDOW requests unanswered. A request is any frame that passes the length
 *   and CRC checks and whose opcode is not NAK (0xff); every copy of a request the device receives gets
 *   exactly one response (ACK or NAK). Frames with opcode NAK are never answered (two endpoints wired
 *   back to back must not answer each other's NAKs forever).
 * - The device executes requests strictly in seq order: `expected` is the next seq it will run. A frame
 *   with seq == expected runs, its response is cached (REPLAY_CACHE entries) and sent. A byte-identical
 *   copy of a cached request (same seq and CRC) gets the cached response replayed and never runs twice.
 *   A frame ahead of `expected` is dropped with a NAK `out_of_order` naming `expected`, so the host
 *   can go back without waiting for its timeout. A frame behind `expected` that is not a cached copy
 *   is dropped with a NAK `stale_seq`. An opcode that is not a request opcode (bit 7 set included) runs
 *   in order and fails with the device error `bad_opcode`.
 * - IDENTIFY is the sync point: when it is not a cached copy it runs at any seq and sets
 *   expected = seq + 1, so a new host session starts wherever the device's counter stood. Its payload
 *   carries a random session nonce so two sessions' IDENTIFY frames differ.
 * - Until the first IDENTIFY after it boots, a device has no session: it runs nothing else and answers
 *   every other request with NAK `out_of_order` naming its expected seq. A host that gets an
 *   `out_of_order` naming no request it has in flight (or the refused request itself) knows the device
 *   lost its session (rebooted, or another host opened it) and with it the device's state.
 * - The host retransmits from its oldest unanswered request when that request's timer runs out
 *   (at least TIMING.rtoMs, or srtt + 4 rttvar of measured round trips if longer; doubling per retry
 *   up to TIMING.maxRtoMs; plus the request's expected device time), when the device says
 *   `out_of_order`, or when a later response arrives first (the device runs in order, so the earlier
 *   one's response was lost). A request already retransmitted is resent again on such hints only when
 *   they come from a frame first sent after its latest copy (frames arrive in send order, so that copy
 *   was lost too). After TIMING.maxRetries timeouts in a row without progress it gives up with `timeout`.
 */
export const PROTOCOL_VERSION = 1;

/** Header bytes before the payload: version u8, seq u16, opcode u8, length u32. */
export const FRAME_HEADER_BYTES = 8;
/** CRC-32 after the payload. */
export const FRAME_CRC_BYTES = 4;
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + FRAME_CRC_BYTES;


/** Payload limits (payload-limits.ts): the largest payload, and the smallest bulk frame, which every device accepts. */
import { BULK_PAYLOAD, MAX_PAYLOAD } from './payload-limits.ts';
export { BULK_PAYLOAD, MAX_PAYLOAD };

/** Requests in flight; the device's replay cache must cover at least this many. */
export const WINDOW = 8;
/** Responses the device keeps for replay, by seq. At least WINDOW; more tolerates delayed copies. */
export const REPLAY_CACHE = 4 * WINDOW;
export const SEQ_MODULO = 65_536;

/**
 * Host timing defaults, ms. The client stretches rtoMs on slow links so a full window fits in it:
 * rto >= 2 * WINDOW * (frame bytes on the wire) / (link bytes per second).
 */
export const TIMING = {
  /** first retransmission timeout */
  rtoMs: 250,
  /** backoff cap */
  maxRtoMs: 2_000,
  /** timeouts in a row (no progress) before the link is declared dead */
  maxRetries: 8,
  /** IDENTIFY at open: its own, shorter budget so a silent device fails fast */
  handshakeMs: 3_000,
} as const;

/**
 * The board's UART: 8N1 framing, so 10 bits per byte (start + 8 data + stop), at the rate the RTL's
 * UART is built for (the FT2232H on the iCEBreaker runs 3 Mbaud).
 */
export const UART = { baud: 3_000_000, bitsPerByte: 10 } as const;

/** SLIP bytes (RFC 1055), the library defaults; listed so the RTL header carries them. */
export const SLIP = { END: 0xc0, ESC: 0xdb, ESC_END: 0xdc, ESC_ESC: 0xdd } as const;

/** XDMA user BAR (PREFIX_user): 32-bit registers at 4-byte offsets, little-endian. */
export const USER_REGISTERS = {
  /** reads PCIE_ID_MAGIC on a seedwire bitstream */
  ID: 0x00,
  /** bit 0: configured, bit 1: seeded */
  STATUS: 0x04,
} as const;
/** "SEED" as a little-endian u32 */
export const PCIE_ID_MAGIC = 0x44454553;

// ---- payload schemas -----------------------------------------------------------------------------

/**
 * Payload field types. Integers are little-endian; u64 must stay below 2^53 (JS numbers).
 *   enum   u8 index into `values`          flags  u8 bitmask, bit i = values[i]
 *   str    u16 byte length + UTF-8         hex    fixed bytes, shown as lowercase hex
 *   list   u8 or u16 count + items         opt    u8 0 (absent) or 1 + the value
 *   rest   all remaining bytes (last field only)
 */
export type WireType =
  | 'u8'
  | 'u16'
  | 'u32'
  | 'i32'
  | 'u64'
  | 'bool'
  | 'str'
  | 'rest'
  | { readonly enum: readonly string[] }
  | { readonly flags: readonly string[]; readonly as: 'object' | 'list' }
  | { readonly hex: number }
  | { readonly struct: Schema }
  | { readonly list: WireType; readonly count: 'u8' | 'u16' }
  | { readonly opt: WireType };

export type Schema = ReadonlyArray<readonly [name: string, type: WireType]>;

/** Exhaustive lists of the spec's string unions, in wire order (index = wire value). */
export const CONNECTIVITY_KINDS = ['clash-free', 'lfsr', 'dense'] as const satisfies readonly ConnectivityKind[];
export const START_VECTOR_MODES = ['shared', 'per-sweep', 'explicit'] as const satisfies readonly StartVectorMode[];
export const ACTIVATION_KINDS = ['relu', 'sigmoid'] as const satisfies readonly ActivationKind[];
export const FEEDBACK_MODES = ['backprop', 'dfa'] as const satisfies readonly FeedbackMode[];
export const UPDATE_ROUNDINGS = ['nearest', 'stochastic'] as const satisfies readonly UpdateRounding[];
export const DEVICE_FEATURES = ['dfa', 'stochasticRounding', 'loadBalancer', 'tiling', 'essop'] as const;
// compile-time checks that each list names every member of its union
type Covers<U, L extends readonly string[]> = [Exclude<U, L[number]>] extends [never] ? true : false;
const _covers: [
  Covers<ConnectivityKind, typeof CONNECTIVITY_KINDS>,
  Covers<StartVectorMode, typeof START_VECTOR_MODES>,
  Covers<ActivationKind, typeof ACTIVATION_KINDS>,
  Covers<FeedbackMode, typeof FEEDBACK_MODES>,
  Covers<UpdateRounding, typeof UPDATE_ROUNDINGS>,
] = [true, true, true, true, true];
void _covers;

const FIXED_FORMAT: Schema = [
  ['bits', 'u8'],
  ['frac', 'u8'],
];
const FORMATS: Schema = [
  ['activation', { struct: FIXED_FORMAT }],
  ['weight', { struct: FIXED_FORMAT }],
  ['delta', { struct: FIXED_FORMAT }],
];

/** IDENTIFY response: the Capability (firmware-spec/capability.ts), the boot counter, link limits. */
const CAPABILITY: Schema = [
  ['profile', 'str'],
  ['specVersion', { struct: [['major', 'u8'], ['minor', 'u8']] }],
  /** sha256 of specContent(), 32 bytes */
  ['specHash', { hex: 32 }],
  ['clockHz', 'u32'],
  ['maxLanes', 'u16'],
  ['maxLanesPerJunction', 'u16'],
  ['maxJunctions', 'u8'],
  ['weightWords', 'u32'],
  ['activationWords', 'u32'],
  ['sampleBufferBytes', 'u32'],
  ['bulkPayload', 'u32'],
  ['formats', { struct: FORMATS }],
  ['formatsConfigurable', 'bool'],
  ['formatBounds', { struct: [['bits', { struct: [['min', 'u8'], ['max', 'u8']] }], ['minIntegerBits', 'u8']] }],
  ['encodings', { flags: SAMPLE_ENCODINGS, as: 'list' }],
  ['features', { flags: DEVICE_FEATURES, as: 'object' }],
  ['timing', { enum: TIMING_MODELS }],
];

const JUNCTION_DESCRIPTOR: Schema = [
  ['p', 'u32'],
  ['n', 'u32'],
  ['fo', 'u32'],
  ['fi', 'u32'],
  ['z', 'u16'],
  ['connectivity', { enum: CONNECTIVITY_KINDS }],
  ['startVectorMode', { enum: START_VECTOR_MODES }],
  /** explicit start vectors: fo (or fewer) vectors of z values in [0, p/z) */
  ['startVectors', { opt: { list: { list: 'u32', count: 'u16' }, count: 'u16' } }],
  ['activation', { enum: ACTIVATION_KINDS }],
  ['initShift', 'u8'],
  ['connectivitySeed', 'u32'],
  ['initSeed', 'u32'],
];

/** CONFIGURE request: the NetworkDescriptor (firmware-spec/network.ts), every field. */
const NETWORK_DESCRIPTOR: Schema = [
  ['formats', { struct: FORMATS }],
  ['lrShift', 'u8'],
  ['feedback', { enum: FEEDBACK_MODES }],
  ['feedbackShift', 'u8'],
  ['feedbackSeed', 'u32'],
  ['rounding', { enum: UPDATE_ROUNDINGS }],
  ['roundingSeed', 'u32'],
  ['junctions', { list: { struct: JUNCTION_DESCRIPTOR }, count: 'u8' }],
  /** absent: the exact update; otherwise the update mode and the ESSOP stream length (essop.ts) */
  ['update', { opt: { struct: [['mode', { enum: UPDATE_MODES }], ['streamLength', 'u16']] } }],
];

const PHASE_COUNTERS: Schema = [
  ['clocks', 'u64'],
  ['macs', 'u64'],
  ['weightReads', 'u64'],
  ['weightWrites', 'u64'],
  ['activationReads', 'u64'],
  ['activationWrites', 'u64'],
  ['deltaReads', 'u64'],
  ['deltaWrites', 'u64'],
  ['stalls', 'u64'],
];

/** READ_COUNTERS response: DeviceCounters (firmware-spec/counters.ts). */
const DEVICE_COUNTERS: Schema = [
  ['clocks', 'u64'],
  ['junctionCycles', 'u64'],
  ['samplesTrained', 'u64'],
  ['samplesInferred', 'u64'],
  ['lfsrSteps', 'u64'],
  ['balancerClocks', 'u64'],
  ['wireBytesIn', 'u64'],
  ['wireBytesOut', 'u64'],
  [
    'junctions',
    {
      list: {
        struct: [
          ...PHASES.map((ph) => [ph, { struct: PHASE_COUNTERS }] as const),
          ['idleClocks', 'u64'],
          [
            'lanes',
            {
              struct: [
                ['busy', { list: 'u64', count: 'u16' }],
                ['stall', { list: 'u64', count: 'u16' }],
                ['idle', { list: 'u64', count: 'u16' }],
              ],
            },
          ],
        ],
      },
      count: 'u8',
    },
  ],
];

const RUN_RESULT: Schema = [
  ['samples', 'u32'],
  ['correct', 'u32'],
  ['junctionCycles', 'u64'],
  ['clocks', 'u64'],
];

/**
 * Request opcodes with their payload schemas. Weights are canonical-order words, little-endian two's
 * complement in 2 bytes (weight bits <= 16) or 4 (firmware-spec/network.ts encodeWeights); samples are
 * in an encoding the device declares (firmware-spec/encodings.ts). Junctions are 0-based on the wire.
 */
export const OPCODES = {
  IDENTIFY: {
    code: 0x01,
    request: [['nonce', 'u32']],
    response: [
      ['capability', { struct: CAPABILITY }],
      ['bootCount', 'u32'],
      /** the device's own limits; the host uses min(its own, these) */
      ['maxPayload', 'u32'],
      ['window', 'u8'],
    ],
  },
  /** forget network, samples and counters (the boot state); the link's seq state is kept */
  RESET: { code: 0x02, request: [], response: [] },
  CONFIGURE: { code: 0x03, request: NETWORK_DESCRIPTOR, response: [] },
  LOAD_SEEDS: {
    code: 0x04,
    request: [
      ['connectivity', { list: 'u32', count: 'u8' }],
      ['init', { list: 'u32', count: 'u8' }],
      ['feedback', 'u32'],
      ['rounding', 'u32'],
    ],
    response: [],
  },
  WRITE_WEIGHTS: {
    code: 0x05,
    request: [
      ['junction', 'u8'],
      ['offset', 'u32'],
      ['words', 'rest'],
    ],
    response: [],
  },
  READ_WEIGHTS: {
    code: 0x06,
    request: [
      ['junction', 'u8'],
      ['offset', 'u32'],
      ['count', 'u32'],
    ],
    response: [['words', 'rest']],
  },
  /** appends whole samples to the device's sample buffer */
  STREAM_SAMPLES: {
    code: 0x07,
    request: [
      ['encoding', { enum: SAMPLE_ENCODINGS }],
      ['count', 'u16'],
      /** `count` label bytes, then the encoded images */
      ['data', 'rest'],
    ],
    response: [['bufferedSamples', 'u32']],
  },
  TRAIN: { code: 0x08, request: [['n', 'u32']], response: RUN_RESULT },
  INFER: { code: 0x09, request: [['n', 'u32']], response: [...RUN_RESULT, ['predictions', 'rest']] },
  READ_COUNTERS: { code: 0x0a, request: [], response: DEVICE_COUNTERS },
  CLEAR_COUNTERS: { code: 0x0b, request: [], response: [] },
  STATUS: {
    code: 0x0c,
    request: [],
    response: [
      ['configured', 'bool'],
      ['seeded', 'bool'],
      ['bufferedSamples', 'u32'],
      ['bufferedBytes', 'u32'],
      ['roundingState', 'u32'],
      ['bootCount', 'u32'],
    ],
  },
  /**
   * One step of a changing mask (firmware-spec/masks.ts, MaskStepWire): magnitude pruning keeps
   * keep[i] weights of junctions[i]; DropBack keeps keep[0] over all listed junctions together.
   */
  MASK_STEP: {
    code: 0x0d,
    request: [
      ['kind', { enum: MASK_KINDS }],
      ['junctions', { list: 'u8', count: 'u8' }],
      ['keep', { list: 'u32', count: 'u8' }],
      ['untrackedShift', 'u8'],
    ],
    response: [
      ['tracked', { list: 'u32', count: 'u8' }],
      ['live', { list: 'u32', count: 'u8' }],
      ['written', { list: 'u32', count: 'u8' }],
      ['clocks', 'u64'],
    ],
  },
  /** The on-device load balancer (firmware-spec/balance.ts) schedules every junction's live edges. */
  BALANCE: {
    code: 0x0e,
    request: [['policy', { enum: BALANCE_POLICIES }]],
    response: [
      ['policy', { enum: BALANCE_POLICIES }],
      [
        'junctions',
        {
          list: {
            struct: [
              ['policy', { enum: BALANCE_POLICIES }],
              ['liveEdges', 'u32'],
              ['lowerBoundClocks', 'u32'],
              ['naiveClocks', 'u32'],
              ['clocks', 'u32'],
              ['stalls', 'u32'],
              ['balancerClocks', 'u64'],
              ['relayoutClocks', 'u32'],
            ],
          },
          count: 'u8',
        },
      ],
      ['balancerClocks', 'u64'],
    ],
  },
  /**
   * A junction's mask (firmware-spec/masks.ts: 1 = tracked; all ones before any mask step) over
   * canonical edges [offset, offset + count), 1 bit per edge, packed LSB first (packMask).
   */
  READ_MASK: {
    code: 0x0f,
    request: [
      ['junction', 'u8'],
      ['offset', 'u32'],
      ['count', 'u32'],
    ],
    response: [['bits', 'rest']],
  },
  /**
   * Set mask bits (packed as READ_MASK's). The device is left as MASK_STEP would leave it with that
   * mask over the weights it holds: update mask, live edges, canonical placement, the naive schedule
   * until the next BALANCE. Weights are not changed (write them first: liveness depends on them).
   */
  WRITE_MASK: {
    code: 0x10,
    request: [
      ['junction', 'u8'],
      ['offset', 'u32'],
      ['count', 'u32'],
      ['bits', 'rest'],
    ],
    response: [],
  },
} as const satisfies Record<string, { code: number; request: Schema; response: Schema }>;

export type Opcode = keyof typeof OPCODES;

/**
 * What the bytes of each `rest` field are (a `rest` field is the payload's last field and takes every
 * remaining byte). Keyed `OPCODE.request.field` / `OPCODE.response.field`; SPEC.md's payload tables
 * are generated from this and the schemas, and the generator refuses a `rest` field missing here.
 */
export const REST_FIELDS: Readonly<Record<string, string>> = {
  'WRITE_WEIGHTS.request.words':
    "weight words for canonical indices offset, offset+1, ...: int16 little-endian two's complement when weight.bits <= 16, else int32 little-endian; a whole number of words",
  'READ_WEIGHTS.response.words': "`count` weight words from canonical index `offset`, encoded as WRITE_WEIGHTS's",
  'STREAM_SAMPLES.request.data': '`count` label bytes (u8 each: the class, below the output layer size), then `count` images in `encoding` (section 9.5)',
  'INFER.response.predictions': 'u8 per sample, in the order the samples were streamed: the index of the output neuron with the largest activation (the lowest index on a tie)',
  'READ_MASK.response.bits': 'ceil(count / 8) bytes; edge offset+i is bit (i mod 8) of byte floor(i / 8) (LSB first), 1 = tracked; padding bits past the last edge are 0',
  'WRITE_MASK.request.bits': 'packed as READ_MASK\'s bits: ceil(count / 8) bytes, LSB first, padding bits 0 (else bad_payload)',
};

/** A response (ACK) has opcode RESPONSE_FLAG | request opcode. */
export const RESPONSE_FLAG = 0x80;
/** A negative response: the request failed, or (link level) was not run. */
export const NAK = 0xff;
export const NAK_SCHEMA = [
  /** the request's opcode */
  ['opcode', 'u8'],
  /** DEVICE_ERRORS (firmware-spec/errors.ts, 1..127) or LINK_ERRORS (128..255) */
  ['code', 'u8'],
  /** the device's next expected seq (what `out_of_order` asks for) */
  ['expected', 'u16'],
  ['message', 'str'],
] as const satisfies Schema;

/**
 * NAK codes of the link layer, numbered from 128 so they never collide with DEVICE_ERRORS.
 *   out_of_order  the frame is ahead of the device's expected seq; it was dropped, not run
 *   bad_version   the frame's version is not PROTOCOL_VERSION; not run
 *   stale_seq     the frame's seq is behind the device's expected seq and the frame is not a byte-identical
 *                 copy of a request whose response is still cached; not run
 */
export const LINK_ERRORS = {
  out_of_order: 128,
  bad_version: 129,
  stale_seq: 130,
} as const;
export type LinkNakCode = keyof typeof LINK_ERRORS;

/**
 * Why a receiver drops a candidate frame without answering (stable codes, counted in link stats):
 *   short      fewer bytes than a header and CRC (SLIP's empty frames from repeated END bytes land here)
 *   length     the length field disagrees with the bytes received (truncated or merged frames)
 *   too_large  the length field exceeds MAX_PAYLOAD
 *   crc        the CRC does not match
 */
export const FRAME_REJECTS = ['short', 'length', 'too_large', 'crc'] as const;
export type FrameReject = (typeof FRAME_REJECTS)[number];

/** The protocol as data, for specContent() (the spec hash) and the generated RTL header. */
export const PROTOCOL = {
  version: PROTOCOL_VERSION,
  frame: {
    header: [
      ['version', 'u8'],
      ['seq', 'u16'],
      ['opcode', 'u8'],
      ['length', 'u32'],
    ],
    crc: 'CRC-32/ISO-HDLC, u32 little-endian, over header and payload',
    headerBytes: FRAME_HEADER_BYTES,
    crcBytes: FRAME_CRC_BYTES,
  },
  maxPayload: MAX_PAYLOAD,
  bulkPayload: BULK_PAYLOAD,
  window: WINDOW,
  replayCache: REPLAY_CACHE,
  seqModulo: SEQ_MODULO,
  timing: TIMING,
  slip: SLIP,
  uart: UART,
  userRegisters: USER_REGISTERS,
  pcieIdMagic: PCIE_ID_MAGIC,
  opcodes: OPCODES,
  restFields: REST_FIELDS,
  responseFlag: RESPONSE_FLAG,
  nak: { code: NAK, schema: NAK_SCHEMA },
  linkErrors: LINK_ERRORS,
  frameRejects: FRAME_REJECTS,
} as const;

const BY_CODE = new Map<number, Opcode>((Object.keys(OPCODES) as Opcode[]).map((k) => [OPCODES[k].code, k]));

/** The request opcode named by a wire code, or undefined. */
export function opcodeName(code: number): Opcode | undefined {
  return BY_CODE.get(code);
}
