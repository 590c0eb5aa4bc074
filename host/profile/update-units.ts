import type { DeviceCounters } from '../../firmware-spec/counters.ts';
import { ESSOP } from '../../firmware-spec/essop.ts';
import { essopUpdateClocks } from '../../firmware-spec/timing.ts';
import type { ResolvedConfig } from '../partition/partition.ts';
import { addEnergy, type EnergyTable, memoryAccessEnergy, multiplyEnergy, shiftEnergy, widthArea } from './energy-table.ts';
import type { Breakdown, EnergyComponent } from './model.ts';
import type { NumberFormats } from '../../firmware-spec/formats.ts';

/**
 * The weight update's unit, multiplier against ESSOP (firmware-spec/essop.ts), on the UP work this
 * run's device counted. What is measured and what is a model:
 *
 *   measured (device counters): UP edges (UP macs), UP clocks, LFSR steps, samples trained.
 *   model (energy table):       energy per edge and per junction UP of each unit, and unit areas.
 *   model (timing.ts):          the ESSOP parts off the pass's clocks (random numbers, streams) and
 *                               a bit-serial unit's UP clocks; the counted UP clocks are the same in
 *                               both modes by the spec's timing model.
 *
 * Per edge, the multiplier unit does what model.ts charges UP with: a delta x activation multiply, a
 * learning-rate shift and a rounding add of the product's width, the weight add, and one activation
 * read. The ESSOP unit: B AND gates and a B-bit counter (B full-adder bits), the count's shift and
 * the weight add, and one read of the activation's B-bit stream from a buffer the size of the
 * activation bank (ASSUMPTION: the streams live where the activations do; B bits in place of a word).
 * Per junction UP, ESSOP adds: the 2B random numbers (2BR LFSR steps, as counted), the streams of
 * p + n neurons (B comparisons of R bits each, R full-adder bits per comparison), and the scale (an
 * OR of every operand's bits, charged as AND gates, and one shift per operand).
 * Area per lane: the multiplier, two product-width adders (rounding, and the shifter charged as an
 * adder: ASSUMPTION) and the weight adder; ESSOP: B AND gates, B full-adder bits, a weight-width
 * shifter (as an adder) and the weight adder. ESSOP's shared part per junction: B comparators of R
 * bits, 2BR flip-flops holding the random numbers, a 32-bit LFSR.
 */

export interface UpdatePart {
  part: string;
  /** how many per edge (or per junction UP) */
  count: number;
  pj: number;
  um2: number;
  source: string;
  /** the energy component (model.ts) the part is charged to in the run's breakdown */
  component: EnergyComponent;
  /** an operand read from memory (not part of the arithmetic) */
  read?: boolean;
}

export interface UpdateUnit {
  unit: 'multiplier' | 'essop';
  label: string;
  perEdge: UpdatePart[];
  perUpdate: UpdatePart[];
  perEdgePj: number;
  /** per edge without the operand read: the outer-product arithmetic the paper compares */
  arithmeticPerEdgePj: number;
  /** the arithmetic over the run: counted UP edges x arithmeticPerEdgePj + junction UPs x perUpdatePj */
  arithmeticEnergyPj: number;
  /** over the whole run: counted UP edges x perEdgePj + junction UPs x perUpdatePj */
  energyPj: number;
  /** all lanes of all junctions, plus the shared parts per junction */
  areaUm2: number;
  /** UP clocks: counted for the mode that ran; by the timing model, the same for the other */
  upClocks: number;
  /** a bit-serial ESSOP unit's UP clocks (timing.ts model) */
  bitSerialUpClocks?: number;
  /** clocks per junction UP off the pass (timing.ts model): random numbers and streams */
  offPassClocksPerUpdate?: number;
}

export interface UpdateComparison {
  ran: 'exact' | 'essop';
  streamLength: number;
  randomBits: number;
  measured: { upEdges: number; upClocks: number; lfsrSteps: number; samples: number; junctionUpdates: number };
  multiplier: UpdateUnit;
  /** absent when the energy table has no logic and area entries */
  essop?: UpdateUnit;
  /** 1 - essop / multiplier: of the arithmetic, of the arithmetic and operand reads, of the area */
  essopVsMultiplier?: { arithmeticEnergySaving: number; energySaving: number; areaSaving: number };
  missing?: string;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const total = (parts: UpdatePart[], k: 'pj' | 'um2') => sum(parts.map((p) => p.count * p[k]));

export function compareUpdateUnits(resolved: ResolvedConfig, counters: DeviceCounters, table: EnergyTable, breakdown: Breakdown): UpdateComparison {
  const net = resolved.network;
  const f = net.formats;
  const ran = net.update?.mode === 'essop' ? 'essop' : 'exact';
  const B = net.update?.mode === 'essop' ? net.update.streamLength : ESSOP.streamLength.default;
  const R = ESSOP.randomBits;
  const L = net.junctions.length;
  const upEdges = sum(counters.junctions.map((j) => j.UP.macs));
  const upClocks = sum(counters.junctions.map((j) => j.UP.clocks));
  // every trained sample is updated once in every junction (schedule.ts)
  const junctionUpdates = counters.samplesTrained * L;
  const measured = { upEdges, upClocks, lfsrSteps: counters.lfsrSteps, samples: counters.samplesTrained, junctionUpdates };
  const product = f.delta.bits + f.activation.bits;
  const actBank = (j: number) => breakdown.junctions[j]?.memoryBankBytes.leftActivation ?? 0;
  // edges of each junction, for edge-weighted averages of per-bank figures
  const edges = net.junctions.map((j) => j.n * j.fi);
  const allEdges = sum(edges);
  const perEdgeRead = (bits: number) => sum(edges.map((e, j) => (e / allEdges) * memoryAccessEnergy(table, actBank(j), bits)));
  const H = 'Horowitz 2014 (energy table)';
  const area = table.area;
  const areaOf = (kind: 'add' | 'multiply', bits: number) => (area ? widthArea(area[kind], bits) : 0);

  const multParts: UpdatePart[] = [
    { part: `multiply ${f.delta.bits}x${f.activation.bits}`, count: 1, pj: multiplyEnergy(table, f.delta.bits, f.activation.bits), um2: areaOf('multiply', Math.sqrt(f.delta.bits * f.activation.bits)), source: H, component: 'multiply' },
    { part: `learning-rate shift, ${product} bits`, count: 1, pj: shiftEnergy(table, product), um2: areaOf('add', product), source: 'shift: energy-table ASSUMPTION; area as an adder (ASSUMPTION)', component: 'shift' },
    { part: `rounding add, ${product} bits`, count: 1, pj: addEnergy(table, product), um2: areaOf('add', product), source: H, component: 'add' },
    { part: `weight add, ${f.weight.bits} bits`, count: 1, pj: addEnergy(table, f.weight.bits), um2: areaOf('add', f.weight.bits), source: H, component: 'add' },
    { part: `activation read, ${f.activation.bits} bits`, count: 1, pj: perEdgeRead(f.activation.bits), um2: 0, source: 'SRAM by bank size (energy table)', component: 'activationRead', read: true },
  ];
  const lanes = sum(net.junctions.map((j) => j.z));
  const unit = (u: 'multiplier' | 'essop', label: string, perEdge: UpdatePart[], perUpdate: UpdatePart[], sharedUm2PerJunction: number): UpdateUnit => {
    const perEdgePj = total(perEdge, 'pj');
    const perUpdatePj = total(perUpdate, 'pj');
    const arithmeticPerEdgePj = total(perEdge.filter((p) => !p.read), 'pj');
    return {
      arithmeticPerEdgePj,
      arithmeticEnergyPj: upEdges * arithmeticPerEdgePj + junctionUpdates * perUpdatePj,
      unit: u,
      label,
      perEdge,
      perUpdate,
      perEdgePj,
      energyPj: upEdges * perEdgePj + junctionUpdates * perUpdatePj,
      areaUm2: lanes * total(perEdge, 'um2') + L * sharedUm2PerJunction,
      upClocks,
    };
  };
  const multiplier = unit('multiplier', 'multiplier (exact update)', multParts, [], 0);
  const out: UpdateComparison = { ran, streamLength: B, randomBits: R, measured, multiplier };
  const logic = table.logic;
  if (!logic || !area) {
    out.missing = 'the energy table has no logic/area entries: no ESSOP figures';
    return out;
  }
  const neurons = sum(net.junctions.map((j) => j.p + j.n)) / L;
  const { perEdge: essopEdge, perUpdate: essopUpdate } = essopUpdateParts(table, f, B, neurons, perEdgeRead(B))!;
  const sharedUm2 = B * R * logic.fullAdder.um2 + 2 * B * R * logic.flipFlop.um2 + 32 * logic.flipFlop.um2;
  const essop = unit('essop', `ESSOP, ${B}-bit streams`, essopEdge, essopUpdate, sharedUm2);
  const clocks = net.junctions.map((j) => essopUpdateClocks({ p: j.p, n: j.n, edges: j.n * j.fi, z: j.z }, B));
  // every sample's UP in every junction: the bit-serial unit's extra clocks over the counted pass
  essop.bitSerialUpClocks = upClocks + sum(clocks.map((c) => c.bitSerial - c.pass)) * counters.samplesTrained;
  essop.offPassClocksPerUpdate = sum(clocks.map((c) => c.randomDraw + c.streams)) / L;
  out.essop = essop;
  out.essopVsMultiplier = { arithmeticEnergySaving: 1 - essop.arithmeticEnergyPj / multiplier.arithmeticEnergyPj, energySaving: 1 - essop.energyPj / multiplier.energyPj, areaSaving: 1 - essop.areaUm2 / multiplier.areaUm2 };
  return out;
}

/**
 * The ESSOP unit's parts (the model in this file's header): per edge, and per junction UP for a
 * junction of `neurons` = p + n operands. `streamReadPj` is one B-bit read from the activation bank.
 * Undefined when the table has no logic and area entries.
 */
export function essopUpdateParts(table: EnergyTable, f: NumberFormats, B: number, neurons: number, streamReadPj: number): { perEdge: UpdatePart[]; perUpdate: UpdatePart[] } | undefined {
  const logic = table.logic;
  const area = table.area;
  if (!logic || !area) return undefined;
  const R = ESSOP.randomBits;
  const H = 'Horowitz 2014 (energy table)';
  const N = 'NanGate 45nm cell area; energy area-scaled (ASSUMPTION)';
  const adderArea = widthArea(area.add, f.weight.bits);
  return {
    perEdge: [
      { part: 'AND gates (one per stream bit)', count: B, pj: logic.and2.pj, um2: logic.and2.um2, source: N, component: 'multiply' },
      { part: `counter of ${B} bits (full-adder bits)`, count: B, pj: logic.fullAdder.pj, um2: logic.fullAdder.um2, source: 'Horowitz add / bit; NanGate FA_X1', component: 'add' },
      { part: `count shift into the weight, ${f.weight.bits} bits`, count: 1, pj: shiftEnergy(table, f.weight.bits), um2: adderArea, source: 'shift: energy-table ASSUMPTION; area as an adder (ASSUMPTION)', component: 'shift' },
      { part: `weight add, ${f.weight.bits} bits`, count: 1, pj: addEnergy(table, f.weight.bits), um2: adderArea, source: H, component: 'add' },
      { part: `activation stream read, ${B} bits`, count: 1, pj: streamReadPj, um2: 0, source: 'SRAM by bank size (ASSUMPTION: streams in the activation bank)', component: 'activationRead', read: true },
    ],
    perUpdate: [
      { part: `random numbers: LFSR steps (2 x ${B} x ${R})`, count: 2 * B * R, pj: table.lfsrStep.pj, um2: 0, source: 'energy table lfsrStep; steps as counted', component: 'lfsr' },
      { part: `stream comparisons (${B} per neuron, ${R}-bit)`, count: neurons * B * R, pj: logic.fullAdder.pj, um2: 0, source: 'full-adder bits (Horowitz add / bit)', component: 'add' },
      { part: 'scale: OR of operand bits (as AND gates)', count: neurons * f.activation.bits, pj: logic.and2.pj, um2: 0, source: N, component: 'add' },
      { part: `scale: threshold shift per operand, ${f.activation.bits} bits`, count: neurons, pj: shiftEnergy(table, f.activation.bits), um2: 0, source: 'energy-table ASSUMPTION', component: 'shift' },
    ],
  };
}

