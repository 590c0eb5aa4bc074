import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ActivationKind } from '../../firmware-spec/activation.ts';
import { formatMax, formatMin, type NumberFormats } from '../../firmware-spec/formats.ts';
import { backwardEpilogue, forwardEpilogue, type JunctionKernels, leftMajorLayout } from '../junction.ts';

/**
 * One junction's datapath on the WebAssembly SIMD kernels (emulator/kernels/assembly/junction.ts,
 * built into build/junction.wasm by `npm run build:wasm`). Same results as the plain model
 * (emulator/junction.ts) bit for bit, for what emulator/kernels/select.ts routes here: every
 * format at most 16 bits, round-half-up updates with 0 <= shift <= 30, and a weight matrix that
 * is not too sparse to hold densely.
 *
 * Layout: weights as a left-by-right i16 matrix, rows padded to 8 (one v128), zero where there is
 * no edge, with an update-enable matrix beside it (so UP leaves padding, missing edges and masked
 * edges alone). A connectivity pattern may repeat a (left, right) pair; a repeat is its own weight,
 * so it lives in a short list of extras the kernels handle one by one.
 * FF and BP sums come back as exact float64; the rounding epilogues are the plain model's.
 */

const WASM_URL = new URL('./build/junction.wasm', import.meta.url);
const PAGE_BYTES = 65536;

interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  ffSums(W: number, A: number, p: number, nPad: number, maxAbsW: bigint, rows: number, acc64: number, out: number, n: number, exL: number, exR: number, exW: number, exCount: number, reluShift: number, reluHi: number): void;
  bpSums(W: number, D: number, A: number, aHi: number, p: number, nPad: number, out: number, exL: number, exR: number, exW: number, exCount: number): void;
  update(W: number, U: number, allUpdatable: number, A: number, D: number, p: number, nPad: number, shift: number, half: number, lo: number, hi: number, exL: number, exR: number, exW: number, exU: number, exCount: number): void;
}

let compiled: WebAssembly.Module | undefined;
let loadProblem: string | undefined;

/** The compiled kernel module, or why it cannot be had (not built, no SIMD in this runtime). */
export function wasmKernelModule(): { module?: WebAssembly.Module; problem?: string } {
  if (compiled) return { module: compiled };
  if (loadProblem) return { problem: loadProblem };
  try {
    compiled = new WebAssembly.Module(readFileSync(fileURLToPath(WASM_URL)));
    return { module: compiled };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    loadProblem = err.code === 'ENOENT' ? 'emulator/kernels/build/junction.wasm is not built (npm run build:wasm)' : `cannot load the wasm kernels: ${err.message}`;
    return { problem: loadProblem };
  }
}

/** Bump allocation of 16-byte aligned regions in one instance's memory. */
function layoutRegions(base: number, sizes: Record<string, number>): { at: Record<string, number>; end: number } {
  let at = (base + 15) & ~15;
  const out: Record<string, number> = {};
  for (const [k, bytes] of Object.entries(sizes)) {
    out[k] = at;
    at += (bytes + 15) & ~15;
  }
  return { at: out, end: at };
}

export class WasmJunctionDatapath implements JunctionKernels {
  readonly p: number;
  readonly n: number;
  readonly edges: number;
  readonly slotToCanonical: Int32Array;
  private readonly nPad: number;
  private readonly f: NumberFormats;
  private readonly rightAct: ActivationKind;
  private readonly k: KernelExports;
  private readonly at: Record<string, number>;
  /** canonical weight k: its matrix index l * nPad + r, or -1 - (its index in the extras) */
  private readonly loc: Int32Array;
  private readonly exCount: number;
  private readonly W: Int16Array;
  private readonly U: Int16Array;
  private readonly A: Int32Array;
  private readonly D: Int16Array;
  private readonly sums: Float64Array;
  /** FF's ReLU activations, over the sums' region */
  private readonly reluOut: Int32Array;
  private readonly exW: Int32Array;
  private readonly exU: Int32Array;
  private mask?: Uint8Array;
  /** every matrix slot over the n columns is an edge */
  private readonly denseMatrix: boolean;
  /** no slot is masked and the matrix is dense: UP need not read U */
  private allUpdatable = false;
  // constants of the formats, computed once
  private readonly maxAbsW: bigint;
  private readonly aHi: number;
  private readonly wLo: number;
  private readonly wHi: number;

  constructor(module: WebAssembly.Module, p: number, n: number, leftOfWeight: Int32Array, fiOfRight: (k: number) => number, f: NumberFormats, rightActivation: ActivationKind) {
    this.p = p;
    this.n = n;
    this.edges = leftOfWeight.length;
    this.f = f;
    this.rightAct = rightActivation;
    this.slotToCanonical = leftMajorLayout(p, leftOfWeight, fiOfRight).slotToCanonical;
    const nPad = (this.nPad = (n + 7) & ~7);

    // place each edge: the first of a (left, right) pair in the matrix, repeats in the extras
    const taken = new Uint8Array(p * nPad);
    const loc = (this.loc = new Int32Array(this.edges));
    const exL: number[] = [];
    const exR: number[] = [];
    for (let k = 0; k < this.edges; k++) {
      const l = leftOfWeight[k];
      const r = fiOfRight(k);
      const m = l * nPad + r;
      if (taken[m]) {
        loc[k] = -1 - exL.length;
        exL.push(l);
        exR.push(r);
      } else {
        taken[m] = 1;
        loc[k] = m;
      }
    }
    this.exCount = exL.length;
    this.denseMatrix = this.edges - this.exCount === p * n;
    this.maxAbsW = BigInt(-formatMin(f.weight));
    this.aHi = formatMax(f.activation);
    this.wLo = formatMin(f.weight);
    this.wHi = formatMax(f.weight);

    const instance = new WebAssembly.Instance(module, {});
    this.k = instance.exports as unknown as KernelExports;
    const E = Math.max(1, this.exCount) * 4;
    const { at, end } = layoutRegions(this.k.heapBase(), {
      W: p * nPad * 2, U: p * nPad * 2, A: p * 4, D: nPad * 2,
      rows: p * 4, acc64: nPad * 8, sums: Math.max(p, nPad) * 8,
      exL: E, exR: E, exW: E, exU: E,
    });
    this.at = at;
    const mem = this.k.memory;
    const need = Math.ceil(end / PAGE_BYTES) - mem.buffer.byteLength / PAGE_BYTES;
    if (need > 0) mem.grow(need);
    const buf = mem.buffer; // no growth after this point, so these views stay attached
    this.W = new Int16Array(buf, at.W, p * nPad);
    this.U = new Int16Array(buf, at.U, p * nPad);
    this.A = new Int32Array(buf, at.A, p);
    this.D = new Int16Array(buf, at.D, nPad);
    this.sums = new Float64Array(buf, at.sums, Math.max(p, nPad));
    this.reluOut = new Int32Array(buf, at.sums, n);
    this.exW = new Int32Array(buf, at.exW, this.exCount);
    this.exU = new Int32Array(buf, at.exU, this.exCount);
    new Int32Array(buf, at.exL, this.exCount).set(exL);
    new Int32Array(buf, at.exR, this.exCount).set(exR);
    this.updateMask = undefined;
  }

  /** Update mask by slot (as the plain model's): 0 leaves the slot's weight alone in UP. */
  get updateMask(): Uint8Array | undefined {
    return this.mask;
  }

  set updateMask(um: Uint8Array | undefined) {
    this.mask = um;
    this.allUpdatable = this.denseMatrix && (um === undefined || um.every((b) => b !== 0));
    this.U.fill(0);
    for (let s = 0; s < this.edges; s++) {
      const on = um === undefined || um[s] !== 0 ? 1 : 0;
      const m = this.loc[this.slotToCanonical[s]];
      if (m >= 0) this.U[m] = -on;
      else this.exU[-1 - m] = on;
    }
  }

  readCanonical(out = new Int32Array(this.edges)): Int32Array {
    const { loc, W, exW } = this;
    for (let k = 0; k < this.edges; k++) {
      const m = loc[k];
      out[k] = m >= 0 ? W[m] : exW[-1 - m];
    }
    return out;
  }

  writeCanonical(offset: number, words: Int32Array): void {
    const { loc, W, exW } = this;
    for (let i = 0; i < words.length; i++) {
      const m = loc[offset + i];
      if (m >= 0) W[m] = words[i];
      else exW[-1 - m] = words[i];
    }
  }

  forward(aLeft: Int32Array, aRight: Int32Array, _acc?: Float64Array): void {
    const { at, k, p, n, nPad } = this;
    this.A.set(aLeft);
    if (this.rightAct === 'relu') {
      // the ReLU epilogue runs in the kernel (exact i64 shift), the sigmoid's here (its LUT)
      k.ffSums(at.W, at.A, p, nPad, this.maxAbsW, at.rows, at.acc64, at.sums, n, at.exL, at.exR, at.exW, this.exCount, this.f.weight.frac, this.aHi);
      aRight.set(this.reluOut);
    } else {
      k.ffSums(at.W, at.A, p, nPad, this.maxAbsW, at.rows, at.acc64, at.sums, n, at.exL, at.exR, at.exW, this.exCount, -1, 0);
      forwardEpilogue(this.sums, aRight, n, this.f, this.rightAct);
    }
  }

  backward(dRight: Int32Array, aLeft: Int32Array, dLeft: Int32Array): void {
    const { at, k, p, nPad } = this;
    this.A.set(aLeft);
    this.D.set(dRight);
    k.bpSums(at.W, at.D, at.A, this.aHi, p, nPad, at.sums, at.exL, at.exR, at.exW, this.exCount);
    backwardEpilogue(this.sums, aLeft, dLeft, p, this.f);
  }

  update(dRight: Int32Array, aLeft: Int32Array, lrShift: number, roundBias?: Float64Array): void {
    if (roundBias) throw new Error('the wasm kernels do not do stochastic rounding; emulator/kernels/select.ts routes it to the plain model');
    const { at, k, p, nPad, f } = this;
    const shift = f.delta.frac + f.activation.frac - f.weight.frac + lrShift;
    this.A.set(aLeft);
    this.D.set(dRight);
    k.update(at.W, at.U, this.allUpdatable ? 1 : 0, at.A, at.D, p, nPad, shift, shift > 0 ? 2 ** (shift - 1) : 0, this.wLo, this.wHi, at.exL, at.exR, at.exW, at.exU, this.exCount);
  }
}
