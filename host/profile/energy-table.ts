import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ProfileName } from '../../firmware-spec/capability.ts';
import { ProfileError } from './errors.ts';

/**
 * The energy table: picojoules per operation by bit width, per memory access by memory size, and per
 * byte on each link. The default (energy-45nm.json) cites Horowitz, ISSCC 2014, 45 nm; every figure
 * that is an assumption says so in its `note`. Users pass their own with --energy-table FILE.
 */
const nonNeg = z.number().finite().nonnegative();
const widthCurve = z.strictObject({
  points: z.array(z.strictObject({ bits: z.number().finite().positive(), pj: nonNeg })).min(1),
  /** energy ~ width^exponent outside the points */
  exponent: nonNeg,
  note: z.string().optional(),
});

const cell = z.strictObject({ pj: nonNeg, um2: nonNeg, note: z.string().optional() });
const areaCurve = z.strictObject({
  points: z.array(z.strictObject({ bits: z.number().finite().positive(), um2: nonNeg })).min(1),
  exponent: nonNeg,
});

export const energyTableSchema = z.strictObject({
  $comment: z.union([z.string(), z.array(z.string())]).optional(),
  name: z.string().min(1),
  source: z.string().min(1),
  add: widthCurve,
  multiply: widthCurve,
  shift: z.strictObject({ pjPerBit: nonNeg, note: z.string().optional() }),
  lfsrStep: z.strictObject({ pj: nonNeg, note: z.string().optional() }),
  /** gates and cells for the ESSOP update (optional: without them the profile shows no ESSOP figures) */
  logic: z.strictObject({ and2: cell, fullAdder: cell, flipFlop: cell, note: z.string().optional() }).optional(),
  /** unit areas, um2, by width (optional, as logic) */
  area: z.strictObject({ add: areaCurve, multiply: areaCurve, note: z.string().optional() }).optional(),
  sram: z.strictObject({
    wordBits: z.number().int().positive(),
    read: z.array(z.strictObject({ bytes: z.number().finite().positive(), pj: nonNeg })).min(1),
    writeFactor: nonNeg,
    note: z.string().optional(),
  }),
  dram: z.strictObject({ wordBits: z.number().int().positive(), pj: nonNeg, aboveBytes: z.number().finite().positive(), note: z.string().optional() }),
  wire: z.strictObject({
    uart: z.strictObject({ pjPerByte: nonNeg, note: z.string().optional() }),
    pcie: z.strictObject({ pjPerByte: nonNeg, note: z.string().optional() }),
  }),
});

export type EnergyTable = z.infer<typeof energyTableSchema>;

export const DEFAULT_ENERGY_TABLE_URL = new URL('./energy-45nm.json', import.meta.url);

/**
 * The default table of each device profile: the 45 nm ASIC table for `emu` (an idealized accelerator),
 * the iCE40UP5K table (published rail measurements; the rest marked ASSUMPTION) for `up5k`.
 */
export const DEFAULT_ENERGY_TABLES: Record<ProfileName, { url: URL; file: string }> = {
  emu: { url: DEFAULT_ENERGY_TABLE_URL, file: 'host/profile/energy-45nm.json' },
  up5k: { url: new URL('./energy-up5k.json', import.meta.url), file: 'host/profile/energy-up5k.json' },
};

/** The default table's profile for a device profile name (a profile without its own table gets emu's). */
export function energyProfileFor(profile: string): ProfileName {
  return Object.hasOwn(DEFAULT_ENERGY_TABLES, profile) ? (profile as ProfileName) : 'emu';
}

/** Entries of a table whose note says they are assumptions (shown beside every figure that uses the table). */
export function assumedEntries(t: EnergyTable): string[] {
  const notes: Array<[string, string | undefined]> = [
    ['add', t.add.note], ['multiply', t.multiply.note], ['shift', t.shift.note], ['lfsrStep', t.lfsrStep.note],
    ['sram', t.sram.note], ['dram', t.dram.note], ['wire.uart', t.wire.uart.note], ['wire.pcie', t.wire.pcie.note],
  ];
  return notes.filter(([, n]) => n !== undefined && /ASSUMPTION/.test(n)).map(([k]) => k);
}

/** Validate a parsed table. Every problem is listed, each with its path, on one line. */
export function parseEnergyTable(raw: unknown, where = 'energy table'): EnergyTable {
  const r = energyTableSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top)'}: ${i.message}`);
    throw new ProfileError('bad_energy_table', `${where}: ${problems.join('; ')}`);
  }
  const t = r.data;
  const sorted = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);
  const order: string[] = [];
  if (!sorted(t.add.points.map((p) => p.bits))) order.push('add.points: bits must increase');
  if (!sorted(t.multiply.points.map((p) => p.bits))) order.push('multiply.points: bits must increase');
  if (!sorted(t.sram.read.map((p) => p.bytes))) order.push('sram.read: bytes must increase');
  if (order.length) throw new ProfileError('bad_energy_table', `${where}: ${order.join('; ')}`);
  return t;
}

/** Load a table file (or the profile's default, `emu`'s when no profile is given). Errors name the file. */
export function loadEnergyTable(file?: string, profile: ProfileName = 'emu'): EnergyTable {
  const where = file ?? `default energy table of profile ${profile}`;
  let text: string;
  try {
    text = readFileSync(file ?? DEFAULT_ENERGY_TABLES[profile].url, 'utf8');
  } catch (e) {
    throw new ProfileError('bad_energy_table', `cannot read energy table ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ProfileError('bad_energy_table', `energy table ${where} is not valid JSON: ${(e as Error).message}`);
  }
  return parseEnergyTable(raw, `energy table ${where}`);
}

/** Energy of a width-scaled operation: log-log interpolation between points, power law outside. */
export function widthEnergy(curve: EnergyTable['add'], bits: number): number {
  const pts = curve.points;
  if (bits <= pts[0].bits) return pts[0].pj * (bits / pts[0].bits) ** curve.exponent;
  const last = pts[pts.length - 1];
  if (bits >= last.bits) return last.pj * (bits / last.bits) ** curve.exponent;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1];
    const b = pts[i];
    if (bits <= b.bits) {
      if (a.pj === 0 || b.pj === 0) return a.pj + ((b.pj - a.pj) * (bits - a.bits)) / (b.bits - a.bits);
      const k = Math.log(b.pj / a.pj) / Math.log(b.bits / a.bits);
      return a.pj * (bits / a.bits) ** k;
    }
  }
  return last.pj;
}

/** Area of a width-scaled unit (um2), interpolated like widthEnergy. */
export function widthArea(curve: NonNullable<EnergyTable['area']>['add'], bits: number): number {
  return widthEnergy({ points: curve.points.map((p) => ({ bits: p.bits, pj: p.um2 })), exponent: curve.exponent }, bits);
}

/** One add of `bits` bits. */
export function addEnergy(t: EnergyTable, bits: number): number {
  return widthEnergy(t.add, bits);
}

/** One a x b multiply, charged as a square multiplier of sqrt(a*b) bits (energy ~ a*b). */
export function multiplyEnergy(t: EnergyTable, aBits: number, bBits: number): number {
  return widthEnergy(t.multiply, Math.sqrt(aBits * bBits));
}

export function shiftEnergy(t: EnergyTable, bits: number): number {
  return t.shift.pjPerBit * bits;
}

/**
 * One access of `bits` bits to a memory bank of `bankBytes` bytes: SRAM interpolated on log2(bytes)
 * between the table's points (clamped below the first), DRAM above dram.aboveBytes.
 */
export function memoryAccessEnergy(t: EnergyTable, bankBytes: number, bits: number, write = false): number {
  let perWord: number;
  let wordBits: number;
  if (bankBytes > t.dram.aboveBytes) {
    perWord = t.dram.pj;
    wordBits = t.dram.wordBits;
  } else {
    wordBits = t.sram.wordBits;
    const pts = t.sram.read;
    if (bankBytes <= pts[0].bytes) perWord = pts[0].pj;
    else if (bankBytes >= pts[pts.length - 1].bytes) perWord = pts[pts.length - 1].pj;
    else {
      perWord = pts[pts.length - 1].pj;
      for (let i = 1; i < pts.length; i++) {
        const a = pts[i - 1];
        const b = pts[i];
        if (bankBytes <= b.bytes) {
          const f = Math.log2(bankBytes / a.bytes) / Math.log2(b.bytes / a.bytes);
          perWord = a.pj + f * (b.pj - a.pj);
          break;
        }
      }
    }
    if (write) perWord *= t.sram.writeFactor;
  }
  return (perWord * bits) / wordBits;
}
