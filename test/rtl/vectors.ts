/**
 * Stimulus for the per-module testbenches, from the committed golden vectors
 * (firmware-spec/vectors/*.json) plus vectors derived here from firmware-spec's own functions where
 * the committed tables do not cover a unit (MAC sums, the update unit, every sigmoid bin).
 * Rows whose formats differ from the RTL's (it is built for the default formats) are left out and
 * counted, so a test can say how many apply.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { activate } from '../../firmware-spec/activation.ts';
import { requantize, roundShift, saturate } from '../../firmware-spec/arith.ts';
import { DEFAULT_FORMATS } from '../../firmware-spec/formats.ts';
import { Lfsr } from '../../firmware-spec/lfsr.ts';
import { SIGMOID_LUT_IN_FRAC, SIGMOID_LUT_SIZE } from '../../firmware-spec/gen/sigmoid.ts';
import { Script, VECTORS_DIR } from './harness.ts';

const F = DEFAULT_FORMATS;

export function loadVectors<T>(name: string): T | undefined {
  const p = join(VECTORS_DIR, name);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as T) : undefined;
}

/** A small deterministic generator for derived vectors (the spec's own LFSR). */
function rng(seed: number) {
  const l = new Lfsr(32, seed);
  return { int: (lo: number, hi: number) => lo + l.below(hi - lo + 1), bits: (b: number) => l.drawSigned(b) };
}

interface LfsrVectors {
  widths: Array<{ width: number; fromSeed1: { states: number[] }; otherSeeds: Array<{ seed: number; states: number[] }> }>;
}

export function lfsrScript(): Script {
  const v = loadVectors<LfsrVectors>('lfsr.json');
  const s = new Script();
  if (v) {
    for (const w of v.widths) {
      for (const c of [{ seed: 1, states: w.fromSeed1.states }, ...w.otherSeeds]) {
        s.line(w.width, c.seed >>> 0, c.states.length, ...c.states);
        s.checks += c.states.length;
      }
    }
  } else {
    for (let w = 3; w <= 32; w++) {
      const l = new Lfsr(w, 1);
      const states: number[] = [];
      for (let i = 0; i < 64; i++) {
        l.bit();
        states.push(l.state);
      }
      s.line(w, 1, states.length, ...states);
      s.checks += states.length;
    }
  }
  return s;
}

interface Table {
  columns: string[];
  rows: Array<Array<number | string | boolean>>;
}
type ArithVectors = Record<string, Table>;

const isDefault = (bits: unknown, frac: unknown, f: { bits: number; frac: number }) => bits === f.bits && frac === f.frac;

/** Updates as the emulator and the reference compute them: w - round(d*a / 2^s), saturated. */
export function updateRef(w: number, d: number, a: number, lr: number): number {
  return saturate(w - roundShift(d * a, F.delta.frac + F.activation.frac - F.weight.frac + lr), F.weight);
}

export function arithScript(): { script: Script; skipped: number } {
  const v = loadVectors<ArithVectors>('arith.json') ?? {};
  const s = new Script();
  let skipped = 0;
  const row = (...x: Array<number | string>) => {
    s.line(...x);
    s.checks++;
  };
  for (const r of v.saturate?.rows ?? []) {
    const [x, bits, , out] = r as number[];
    if (bits === 16) row(1, x, out);
    else skipped++;
  }
  for (const r of v.requantize?.rows ?? []) {
    const [x, fromFrac, bits, frac, out] = r as number[];
    if (bits === 16 && fromFrac - frac === F.weight.frac) row(2, x, out);
    else skipped++;
  }
  for (const r of v.mulRound?.rows ?? []) {
    const [a, fa, b, fb, bits, frac, out] = r as number[];
    if (fa === F.activation.frac && fb === F.weight.frac && isDefault(bits, frac, F.activation)) row(3, 1, a, b, out);
    else skipped++;
  }
  for (const r of v.outputError?.rows ?? []) {
    const [a, isTarget, ab, af, db, df, out] = r as [number, boolean, number, number, number, number, number];
    if (isDefault(ab, af, F.activation) && isDefault(db, df, F.delta)) row(5, a, isTarget ? 1 : 0, out);
    else skipped++;
  }
  // derived: exact sums of up to 64 products, one rounding (the FF rule), extremes included
  const g = rng(0x5eed);
  for (let i = 0; i < 200; i++) {
    const n = g.int(1, 64);
    const pairs: number[] = [];
    let sum = 0;
    const big = i % 4 === 0;
    for (let k = 0; k < n; k++) {
      const a = big ? (g.int(0, 1) ? 32767 : -32768) : g.bits(16);
      const b = big ? (g.int(0, 1) ? 32767 : -32768) : g.bits(16);
      pairs.push(a, b);
      sum += a * b;
    }
    row(3, n, ...pairs, requantize(sum, F.activation.frac + F.weight.frac, F.activation));
  }
  // derived: the update unit over every learning-rate shift and the saturation corners
  for (let i = 0; i < 400; i++) {
    const w = i % 10 === 0 ? (g.int(0, 1) ? 32767 : -32768) : g.bits(16);
    const d = g.bits(16);
    const a = g.bits(16);
    const lr = i % 32;
    row(4, w, d, a, lr, updateRef(w, d, a, lr));
  }
  for (const [w, d, a] of [[-32768, 32767, 32767], [32767, -32768, 32767], [0, -32768, -32768], [5, 1, 2048], [5, -1, 2048], [5, 1, 6144]]) {
    for (const lr of [0, 1, 5, 31]) row(4, w, d, a, lr, updateRef(w, d, a, lr));
  }
  return { script: s, skipped };
}

export function actScript(): { script: Script; skipped: number } {
  const v = loadVectors<ArithVectors>('arith.json') ?? {};
  const s = new Script();
  let skipped = 0;
  const accFrac = F.activation.frac + F.weight.frac;
  const row = (kind: number, acc: number, out: number) => {
    s.line(kind, acc, out);
    s.checks++;
  };
  for (const r of v.activate?.rows ?? []) {
    const [kind, acc, af, bits, frac, out] = r as [string, number, number, number, number, number];
    if (af === accFrac && isDefault(bits, frac, F.activation)) row(kind === 'sigmoid' ? 1 : 0, acc, out);
    else skipped++;
  }
  // sigmoid / relu rows take a pre-activation already in activation format: acc = x * 2^wf is exact
  for (const r of v.sigmoid?.rows ?? []) {
    const [x, bits, frac, , out] = r as number[];
    if (isDefault(bits, frac, F.activation)) row(1, x * 2 ** F.weight.frac, out);
    else skipped++;
  }
  for (const r of v.relu?.rows ?? []) {
    const [x, bits, frac, out] = r as number[];
    if (isDefault(bits, frac, F.activation)) row(0, x * 2 ** F.weight.frac, out);
    else skipped++;
  }
  // derived: every sigmoid bin, both bin edges, and random sums in the accumulator's range
  const binStep = 2 ** (F.activation.frac - SIGMOID_LUT_IN_FRAC + F.weight.frac);
  const lo = -(2 ** (F.activation.bits - 1)) * 2 ** F.weight.frac;
  for (let i = 0; i < SIGMOID_LUT_SIZE; i++) {
    for (const acc of [lo + i * binStep, lo + (i + 1) * binStep - 1]) {
      row(1, acc, activate('sigmoid', acc, accFrac, F.activation));
      row(0, acc, activate('relu', acc, accFrac, F.activation));
    }
  }
  const g = rng(0xac7);
  for (let i = 0; i < 500; i++) {
    const acc = g.bits(32) * 2 ** g.int(0, 9) + g.bits(8);
    row(i % 2, acc, activate(i % 2 ? 'sigmoid' : 'relu', acc, accFrac, F.activation));
  }
  return { script: s, skipped };
}

interface ConnVectors {
  cases: Array<{
    name: string;
    shape: { p: number; n: number; fo: number; fi: number; z: number };
    kind: string;
    mode?: string;
    seed?: number;
    startVectors?: number[][];
    leftOfWeight?: number[] | null;
    duplicateEdges?: number;
  }>;
}

export function connScript(maxLanes: number): { script: Script; cases: number; skipped: string[] } {
  const v = loadVectors<ConnVectors>('connectivity.json');
  const s = new Script();
  const skipped: string[] = [];
  let cases = 0;
  for (const c of v?.cases ?? []) {
    const { p, z, fo } = c.shape;
    if (c.kind !== 'clash-free' || !c.leftOfWeight || !c.startVectors || (c.duplicateEdges ?? 0) > 0) {
      skipped.push(`${c.name}: no pattern (the generator refuses it)`);
      continue;
    }
    if (z > maxLanes) {
      skipped.push(`${c.name}: z = ${z} > ${maxLanes}`);
      continue;
    }
    const mode = c.mode === 'per-sweep' ? 1 : c.mode === 'explicit' ? 2 : 0;
    s.line(p, z, fo, mode, (c.seed ?? 1) >>> 0);
    const m = p / z;
    for (let sw = 0; sw < fo; sw++) {
      const sv = c.startVectors.length === 1 ? c.startVectors[0] : c.startVectors[sw];
      if (mode === 2 || sw === 0 || mode === 1) {
        s.line(...sv);
        if (mode !== 2) s.checks += sv.length;
      }
      const lefts = c.leftOfWeight.slice(sw * p, (sw + 1) * p);
      s.line(...lefts);
      s.checks += lefts.length;
      if (lefts.length !== m * z) throw new Error('bad connectivity case');
    }
    cases++;
  }
  return { script: s, cases, skipped };
}

interface InitVectors {
  cases: Array<{ count: number; bits: number; initShift: number; initSeed: number; weights: number[] }>;
}

/** Initial weights through the junction engine: a junction of `count` weights, z = 1. */
export function initScript(): { script: Script; skipped: number } {
  const v = loadVectors<InitVectors>('init.json');
  const s = new Script();
  let skipped = 0;
  for (const c of v?.cases ?? []) {
    if (c.bits !== F.weight.bits) {
      skipped++;
      continue;
    }
    // one lane, one sweep of `count` rows: p = count, fo = 1, fi = count / n with n = 1
    s.line(1, 1, c.count, 1, c.count, 0, 0, c.initShift, 0);
    s.line(4, c.initSeed >>> 0);
    s.list(10, c.weights, true);
  }
  return { script: s, skipped };
}
