import { SIGMOID_LUT_IN_FRAC, SIGMOID_LUT_OUT_FRAC, SIGMOID_LUT_SIZE } from '../activation.ts';
import { PROFILES, SAMPLE_ENCODINGS, UP5K_BANK_ROWS, UP5K_BUILD, UP5K_CPU_RAM_BYTES, UP5K_CPU_ROW_BASE, UP5K_RING_WORDS, UP5K_WEIGHT_ROWS } from '../capability.ts';
import { DEVICE_ERRORS } from '../errors.ts';
import { accumulatorBits, DEFAULT_FORMATS, FORMAT_BOUNDS, INPUT_FORMAT, MAX_FAN_LOG2 } from '../formats.ts';
import { ESSOP, lfsrStepsPerUpdate, UPDATE_MODES } from '../essop.ts';
import { specHash } from '../hash.ts';
import { deriveSeed, LFSR_MAX_WIDTH, LFSR_MIN_WIDTH, LFSR_TAPS, LFSR_WIDTH_MAIN, lfsrMask, SEED_STREAM } from '../lfsr.ts';
import { JUNCTION_PIPELINE_CLOCKS, latencyCycles, type Phase, phaseOffset } from '../schedule.ts';
import { SPEC_VERSION } from '../version.ts';
import { clashFreeLeftOfWeight, clashFreeStartVectors, duplicateEdges, type JunctionShape } from '../connectivity.ts';
import type { NetworkDescriptor } from '../network.ts';
import { NAK_MESSAGE_MAX } from '../codec.ts';
import { epochOrder } from '../sample-order.ts';
import { frameTable, hostExampleText, linkErrorsTable, payloadTables } from './spec-protocol.ts';
import { rtlGeometry } from './verilog.ts';

/**
 * The generated tables of firmware-spec/SPEC.md. Each sits between `<!-- gen:begin NAME -->` and
 * `<!-- gen:end -->`; the prose around them is written by hand and kept as it is.
 */

export const SPEC_MD_PATH = 'firmware-spec/SPEC.md';

/** A preset as the partitioner resolves it (host/partition/spec-presets.ts), for the presets table. */
export interface PresetDescriptor {
  name: string;
  layers: number[];
  seed: number;
  chunk: number;
  sparsity: Array<{ kind: string } & Record<string, unknown>>;
  network: NetworkDescriptor;
}

/**
 * What the host supplies to the spec's tables: its built-in presets as its partitioner resolves them.
 * The spec may not import the host (dependencies point down), so `npm run gen` (host/gen/run.ts)
 * passes them in.
 */
export interface HostSpecParts {
  presets?: PresetDescriptor[];
}

/** Parts of the spec's tables passed in: the protocol (optional, protocol.ts) and the host's part. */
export interface OptionalSpecParts extends HostSpecParts {
  protocol?: Record<string, unknown>;
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.map(String).join(' | ')} |`);
  return lines.join('\n');
}

const hex = (v: number, digits = 8) => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;

function versionTable(): string {
  return table(
    ['item', 'value'],
    [
      ['spec version', `${SPEC_VERSION.major}.${SPEC_VERSION.minor}`],
      ['spec hash (sha256 of specContent(), hash.ts)', `\`${specHash()}\``],
    ],
  );
}

function formatsTable(): string {
  const f = DEFAULT_FORMATS;
  const rows: Array<Array<string | number>> = (['activation', 'weight', 'delta'] as const).map((q) => [
    q,
    f[q].bits,
    f[q].frac,
    `[${-(2 ** (f[q].bits - 1 - f[q].frac))}, ${2 ** (f[q].bits - 1 - f[q].frac)})`,
    `2^-${f[q].frac}`,
    `bits ${FORMAT_BOUNDS.bits.min}..${FORMAT_BOUNDS.bits.max}, frac 0..bits-${FORMAT_BOUNDS.minIntegerBits}${q === 'activation' ? `, frac >= ${INPUT_FORMAT.frac}` : ''}`,
  ]);
  rows.push(['input (unsigned)', INPUT_FORMAT.bits, INPUT_FORMAT.frac, '[0, 1)', `2^-${INPUT_FORMAT.frac}`, 'fixed']);
  const acc = accumulatorBits(f.activation, f.weight);
  rows.push(['FF accumulator', acc, f.activation.frac + f.weight.frac, 'exact', '', `activation.bits + weight.bits + ${MAX_FAN_LOG2} (fan-in up to 2^${MAX_FAN_LOG2})`]);
  rows.push(['BP accumulator', accumulatorBits(f.weight, f.delta), f.weight.frac + f.delta.frac, 'exact', '', `weight.bits + delta.bits + ${MAX_FAN_LOG2}`]);
  return table(['quantity', 'bits (default)', 'frac (default)', 'range', 'step', 'a config may choose'], rows);
}

function lfsrTable(): string {
  const rows: Array<Array<string | number>> = [];
  for (let w = LFSR_MIN_WIDTH; w <= LFSR_MAX_WIDTH; w++) rows.push([w, LFSR_TAPS[w].join(', '), hex(lfsrMask(w)), `2^${w} - 1`]);
  return table(['n', 'taps (XAPP052 Table 3)', 'Galois mask', 'period'], rows);
}

function seedStreamTable(): string {
  return table(
    ['stream', 'number', 'used for'],
    Object.entries(SEED_STREAM).map(([k, v]) => [k, v, { connectivity: 'start vectors, LFSR-pruned masks (per junction)', init: 'initial weights (per junction)', feedback: 'DFA feedback matrix', rounding: 'stochastic rounding', shuffle: 'sample order (host)' }[k] ?? '']),
  );
}

function sigmoidTable(): string {
  return table(
    ['parameter', 'value'],
    [
      ['entries', SIGMOID_LUT_SIZE],
      ['bin width', `2^-${SIGMOID_LUT_IN_FRAC}`],
      ['covers', `[${-SIGMOID_LUT_SIZE / 2 / 2 ** SIGMOID_LUT_IN_FRAC}, ${SIGMOID_LUT_SIZE / 2 / 2 ** SIGMOID_LUT_IN_FRAC})`],
      ['entry format', `unsigned, ${SIGMOID_LUT_OUT_FRAC} fractional bits`],
      ['entry i', `round(sigmoid((i - ${SIGMOID_LUT_SIZE / 2} + 0.5) / 2^${SIGMOID_LUT_IN_FRAC}) * 2^${SIGMOID_LUT_OUT_FRAC})`],
    ],
  );
}

function scheduleTable(): string {
  const rows: Array<Array<string | number>> = [];
  const at = (ph: Phase, j: number, L: number, mode: 'backprop' | 'dfa') => {
    const o = phaseOffset(ph, j, L, mode);
    return o < 0 ? '-' : `T0+${o}`;
  };
  for (const mode of ['backprop', 'dfa'] as const) {
    for (const L of [2, 3]) {
      for (let j = 1; j <= L; j++) rows.push([mode, L, j, at('FF', j, L, mode), at('BP', j, L, mode), at('UP', j, L, mode), latencyCycles(L, mode)]);
    }
  }
  return table(['mode', 'L', 'junction', 'FF', 'BP', 'UP', 'latency (cycles)'], rows);
}

function profilesTable(): string {
  const names = Object.keys(PROFILES) as Array<keyof typeof PROFILES>;
  const field = (label: string, get: (p: (typeof PROFILES)[keyof typeof PROFILES]) => string | number) => [label, ...names.map((n) => get(PROFILES[n]))];
  const onOff = (b: boolean) => (b ? 'yes' : 'no');
  return table(
    ['field', ...names],
    [
      field('clock', (p) => `${p.clockHz / 1e6} MHz`),
      field('lanes (all junctions)', (p) => p.maxLanes),
      field('lanes per junction', (p) => p.maxLanesPerJunction),
      field('junctions', (p) => p.maxJunctions),
      field('weight memory (words)', (p) => p.weightWords),
      field('activation memory (words)', (p) => p.activationWords),
      field('sample buffer (bytes)', (p) => p.sampleBufferBytes),
      field('bulk frame payload (bytes)', (p) => p.bulkPayload),
      field('formats configurable', (p) => onOff(p.formatsConfigurable)),
      field('sample encodings', (p) => p.encodings.join(', ')),
      field('DFA', (p) => onOff(p.features.dfa)),
      field('stochastic rounding', (p) => onOff(p.features.stochasticRounding)),
      field('load balancer', (p) => onOff(p.features.loadBalancer)),
      field('tiling', (p) => onOff(p.features.tiling)),
      field('ESSOP update (essop.ts)', (p) => onOff(p.features.essop)),
      field('timing model (timing.ts)', (p) => p.timing),
    ],
  );
}

/** The up5k build's SPRAM: which rows of every lane's bank hold what (capability.ts UP5K_BUILD). */
function up5kSpramTable(): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const rows = (a: number, b: number) => `${n(a)} .. ${n(b - 1)}`;
  const ringBase = UP5K_BANK_ROWS - UP5K_BUILD.ringRowsPerLane;
  return table(
    ['rows of every lane\'s bank', 'holds', 'size'],
    [
      [rows(0, UP5K_WEIGHT_ROWS), 'weights (`weightWords`): weight k of a junction in lane k mod z', `${n(PROFILES.up5k.weightWords)} words`],
      [rows(UP5K_CPU_ROW_BASE, ringBase), 'the board firmware\'s RAM (code, data, stack): one 32-bit word per row, lane 0 its low half; loaded from the SPI flash at reset', `${n(UP5K_CPU_RAM_BYTES)} bytes`],
      [rows(ringBase, UP5K_BANK_ROWS), 'the sample ring (`sampleBufferBytes`): two input bytes per word, ring word w in lane w mod lanes', `${n(UP5K_RING_WORDS)} words`],
    ],
  );
}

function errorsTable(protocol?: Record<string, unknown>): string {
  const rows: Array<Array<string | number>> = Object.entries(DEVICE_ERRORS).map(([k, v]) => [v, `\`${k}\``, 'device (errors.ts)']);
  const link = protocol?.LINK_ERRORS as Record<string, number> | undefined;
  if (link) for (const [k, v] of Object.entries(link)) rows.push([v, `\`${k}\``, 'link (protocol.ts)']);
  return table(['code', 'name', 'layer'], rows);
}

function describeType(t: unknown): string {
  if (typeof t === 'string') return t;
  const o = t as Record<string, unknown>;
  if ('enum' in o) return `enum(${(o.enum as string[]).join('/')})`;
  if ('flags' in o) return `flags(${(o.flags as string[]).join('/')})`;
  if ('hex' in o) return `hex${o.hex}`;
  if ('struct' in o) return 'struct';
  if ('list' in o) return `list<${describeType(o.list)}>/${o.count}`;
  if ('opt' in o) return `opt<${describeType(o.opt)}>`;
  return '?';
}

function schemaText(s: unknown): string {
  const fields = s as Array<[string, unknown]>;
  if (!fields.length) return '(empty)';
  return fields.map(([name, t]) => `${name}: ${describeType(t)}`).join(', ');
}

function opcodesTable(protocol?: Record<string, unknown>): string {
  const ops = protocol?.OPCODES as Record<string, { code: number; request: unknown; response: unknown }> | undefined;
  if (!ops) return '(firmware-spec/protocol.ts does not define OPCODES yet)';
  const rows = Object.entries(ops)
    .sort((a, b) => a[1].code - b[1].code)
    .map(([name, op]) => [hex(op.code, 2), `\`${name}\``, schemaText(op.request), schemaText(op.response)]);
  const flag = protocol?.RESPONSE_FLAG as number | undefined;
  const nak = protocol?.NAK as number | undefined;
  const notes: string[] = [];
  if (flag !== undefined) notes.push(`A response (ACK) carries opcode ${hex(flag, 2)} | request opcode.`);
  if (nak !== undefined) notes.push(`A NAK carries opcode ${hex(nak, 2)}.`);
  return `${table(['opcode', 'name', 'request payload', 'response payload'], rows)}${notes.length ? `\n\n${notes.join(' ')}` : ''}`;
}

/** Accumulator widths: what the spec requires, what the emulator and the up5k RTL build. */
function accumulatorsTable(): string {
  const f = DEFAULT_FORMATS;
  const g = rtlGeometry();
  const ff = (fan: number) => accumulatorBits(f.activation, f.weight, fan);
  const bp = (fan: number) => accumulatorBits(f.weight, f.delta, fan);
  return table(
    ['implementation', 'largest fan-in / fan-out summed', 'FF accumulator bits', 'BP accumulator bits', 'how'],
    [
      ['spec bound (any device)', `2^${MAX_FAN_LOG2}`, ff(MAX_FAN_LOG2), bp(MAX_FAN_LOG2), 'operand bits + 16'],
      ['emulator (every profile)', `2^${MAX_FAN_LOG2}`, 'exact (float64)', 'exact (float64)', 'every sum is below 2^53, so float64 adds integers exactly'],
      [`up5k RTL (SW_ACC_BITS)`, `${g.maxNeurons} (SW_MAX_NEURONS: ${g.lanes} lanes x ${g.actRowsPerBank} activation rows)`, g.accBits, g.accBits, `operand bits + ceil(log2 ${g.maxNeurons}) = 16 + 16 + ${g.accBits - 32}`],
    ],
  );
}

function presetsTable(presets?: PresetDescriptor[]): string {
  if (!presets) return '(no presets supplied: npm run gen passes the host\'s)';
  const net = table(
    ['preset', 'layers', 'run seed', 'chunk', 'lrShift', 'feedback', 'feedbackShift', 'feedbackSeed', 'rounding', 'roundingSeed', 'formats (act/weight/delta bits.frac)'],
    presets.map((p) => {
      const n = p.network;
      const fm = (q: { bits: number; frac: number }) => `${q.bits}.${q.frac}`;
      return [`\`${p.name}\``, p.layers.join('-'), p.seed, p.chunk, n.lrShift, n.feedback, n.feedbackShift, hex(n.feedbackSeed), n.rounding, hex(n.roundingSeed), `${fm(n.formats.activation)} / ${fm(n.formats.weight)} / ${fm(n.formats.delta)}`];
    }),
  );
  const rows: Array<Array<string | number>> = [];
  for (const p of presets) {
    p.network.junctions.forEach((j, i) => {
      rows.push([`\`${p.name}\``, i, j.p, j.n, j.fo, j.fi, j.z, j.connectivity, j.startVectorMode, j.activation, j.initShift, hex(j.connectivitySeed), hex(j.initSeed), maskPolicy(p.sparsity[i])]);
    });
  }
  const junctions = table(['preset', 'junction', 'p', 'n', 'fo', 'fi', 'z', 'connectivity', 'start vectors', 'activation', 'initShift', 'connectivitySeed', 'initSeed', 'mask policy'], rows);
  return `${net}\n\n${junctions}`;
}

/** A junction's mask policy as the resolved config gives it: the kind, then its parameters. */
function maskPolicy(sp?: { kind: string } & Record<string, unknown>): string {
  if (!sp) return '';
  const { kind, ...rest } = sp;
  const params = Object.entries(rest).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return params.length ? `${kind} (${params.join(', ')})` : kind;
}

function sampleOrderExample(): string {
  const rows: Array<Array<string | number>> = [];
  for (const [count, seed, epoch] of [[10, 1, 0], [10, 1, 1], [10, 2, 0], [20, 1, 0]] as const) {
    rows.push([count, seed, epoch, hex(deriveSeed(seed, SEED_STREAM.shuffle, epoch)), Array.from(epochOrder(count, seed, epoch)).join(', ')]);
  }
  return table(['count', 'run seed', 'epoch', 'LFSR seed', 'order'], rows);
}

/** The duplicate-edge measurement: 784-112, fo = 42, z = 14, shared versus per-sweep start vectors. */
function duplicatesTable(): string {
  const s: JunctionShape = { p: 784, n: 112, fo: 42, fi: 294, z: 14 };
  const rows: Array<Array<string | number>> = [];
  for (const mode of ['shared', 'per-sweep'] as const) {
    for (const seed of [1, 2, 3]) {
      const left = clashFreeLeftOfWeight(s, clashFreeStartVectors(s, { mode, seed }));
      rows.push([mode === 'shared' ? "'shared' (type 3)" : "'per-sweep' (type 2)", seed, duplicateEdges(left, s.n, s.fi, s.p), left.length]);
    }
  }
  return table(['start vectors', 'seed', 'duplicate edges', 'edges'], rows);
}

function encodingsTable(): string {
  return SAMPLE_ENCODINGS.map((e) => `\`${e}\``).join(', ');
}

/** The protocol's constants (protocol.ts, codec.ts), for section 10. */
function protocolConstants(protocol?: Record<string, unknown>): Array<[string, string | number]> {
  if (!protocol) return [];
  const p = protocol as Record<string, number | Record<string, number>>;
  const hex2 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;
  const slip = p.SLIP as Record<string, number>;
  const timing = p.TIMING as Record<string, number>;
  const uart = p.UART as Record<string, number>;
  return [
    ['PROTOCOL_VERSION', p.PROTOCOL_VERSION as number],
    ['FRAME_HEADER_BYTES, FRAME_CRC_BYTES', `${p.FRAME_HEADER_BYTES}, ${p.FRAME_CRC_BYTES}`],
    ['MAX_PAYLOAD (bytes)', p.MAX_PAYLOAD as number],
    ['BULK_PAYLOAD (bytes)', p.BULK_PAYLOAD as number],
    ['WINDOW (requests in flight)', p.WINDOW as number],
    ['REPLAY_CACHE (responses kept)', p.REPLAY_CACHE as number],
    ['SEQ_MODULO', p.SEQ_MODULO as number],
    ['RESPONSE_FLAG', hex2(p.RESPONSE_FLAG as number)],
    ['NAK opcode', hex2(p.NAK as number)],
    ['NAK message, at most (bytes)', NAK_MESSAGE_MAX],
    ['SLIP END, ESC, ESC_END, ESC_ESC', [slip.END, slip.ESC, slip.ESC_END, slip.ESC_ESC].map(hex2).join(', ')],
    ['TIMING rtoMs, maxRtoMs, maxRetries, handshakeMs', `${timing.rtoMs}, ${timing.maxRtoMs}, ${timing.maxRetries}, ${timing.handshakeMs}`],
    ['UART baud, bits per byte (8N1)', `${uart.baud}, ${uart.bitsPerByte}`],
  ];
}

/** Name -> generated markdown of each table. */
export function specTables(opt: OptionalSpecParts): Record<string, string> {
  return {
    version: versionTable(),
    formats: formatsTable(),
    lfsr: lfsrTable(),
    'seed-streams': seedStreamTable(),
    sigmoid: sigmoidTable(),
    schedule: scheduleTable(),
    profiles: profilesTable(),
    'up5k-spram': up5kSpramTable(),
    errors: errorsTable(opt.protocol),
    opcodes: opcodesTable(opt.protocol),
    encodings: encodingsTable(),
    duplicates: duplicatesTable(),
    accumulators: accumulatorsTable(),
    frame: frameTable(),
    payloads: payloadTables(),
    'link-errors': linkErrorsTable(),
    'host-example': hostExampleText(),
    presets: presetsTable(opt.presets),
    'sample-order': sampleOrderExample(),
    essop: essopTable(),
    constants: table(
      ['constant', 'value'],
      [
        ['JUNCTION_PIPELINE_CLOCKS', JUNCTION_PIPELINE_CLOCKS],
        ['LFSR_WIDTH_MAIN', LFSR_WIDTH_MAIN],
        ['MAX_FAN_LOG2', MAX_FAN_LOG2],
        ...protocolConstants(opt.protocol),
      ],
    ),
  };
}

/**
 * Replace the body of every `<!-- gen:begin NAME -->` ... `<!-- gen:end -->` block with the named
 * table. An unknown name, or a block without its end marker, is an error (a typo must not silently
 * leave a stale table).
 */
export function fillSpecMarkdown(md: string, tables: Record<string, string>): string {
  const re = /<!-- gen:begin ([a-z0-9-]+) -->\n[\s\S]*?<!-- gen:end -->/g;
  const seen = new Set<string>();
  const out = md.replace(re, (_m, name: string) => {
    const body = tables[name];
    if (body === undefined) throw new Error(`SPEC.md: unknown generated table '${name}' (have: ${Object.keys(tables).join(', ')})`);
    seen.add(name);
    return `<!-- gen:begin ${name} -->\n${body}\n<!-- gen:end -->`;
  });
  const begins = (md.match(/<!-- gen:begin /g) ?? []).length;
  if (begins !== (md.match(re) ?? []).length) throw new Error('SPEC.md: a gen:begin marker has no gen:end');
  return out;
}

/** Section 12: the ESSOP update's parameters (essop.ts). */
function essopTable(): string {
  const B = ESSOP.streamLength;
  return table(
    ['parameter', 'value'],
    [
      ['update modes', UPDATE_MODES.join(', ')],
      ['random number / threshold width R', `${ESSOP.randomBits} bits`],
      ['stream length B', `a power of two, ${B.min}..${B.max}; default ${B.default}`],
      ['random numbers per junction UP', `2B (LFSR steps 2BR = ${lfsrStepsPerUpdate(B.default)} at the default)`],
      ['counter width', `${Math.log2(B.max) + 1} bits at B = ${B.max}`],
      ['update LFSR', `${LFSR_WIDTH_MAIN} bits, seed stream 'rounding' (${SEED_STREAM.rounding})`],
    ],
  );
}
