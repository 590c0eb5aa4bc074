/**
 * Masks over a junction's edges, beyond the fixed patterns of connectivity.ts.
 *
 * A mask is a Uint8Array over the junction's canonical weights (1: tracked / unpruned). Before the
 * first mask step every edge is tracked (the mask is all ones). Fixed patterns (clash-free, dense,
 * LFSR-pruned) never change their mask; magnitude pruning and DropBack change it at MASK_STEP,
 * which the host sends every `every` samples, between TRAIN commands (so a step never falls inside
 * a pipelined TRAIN, and a run's bits do not depend on the link).
 *
 * ## What the passes do with an edge e of weight w[e]
 *   tracked (mask 1):   FF, BP and UP as for any edge.
 *   untracked (mask 0): FF and BP use w[e] as it is held (0 for a pruned edge; the DropBack reset
 *                       value for an untracked one); UP leaves w[e] unchanged. (Stochastic
 *                       rounding still draws one number per row, as without a mask, so the LFSR
 *                       stream does not depend on the mask.)
 * An edge is *live* when it is tracked or its held value is nonzero. A dead edge adds exactly 0 to
 * every FF and BP sum and is never written, so the device skips it: passes and the load balancer
 * cover the live edges only (firmware-spec/balance.ts), and READ_WEIGHTS returns 0 for it.
 *
 * ## Magnitude pruning (kind 'magnitude', target density d, every N samples)
 * Step t (1-based) of T ramp steps keeps keep_t = magnitudeKeep(W, d, t, T) weights: among the
 * tracked edges, the keep_t with the largest |w|; ties go to the lower canonical index. The others
 * become untracked and are set to 0 (pruned). A pruned edge never comes back.
 *
 * ## DropBack (kind 'dropback', keep k of the network's weights, every N samples; seed 004)
 * Step t: w0 is regenerated on the device from each junction's init seed (network.ts
 * initialWeights, never stored). Score s[e] = |w[e] - w0[e]| for tracked edges, 0 for untracked.
 * The k edges with the largest score over ALL DropBack junctions of the network stay tracked
 * (ties: lower junction index, then lower canonical index); every other edge is reset to
 * untrackedValue(w0[e], shift_t) and untracked. shift_t = dropbackShift(t, decay): 0 (exactly w0,
 * DropBack as published) while t <= 1 or decay = 0; with decay D > 0 the reset value halves each
 * step, toward zero, and is 0 from step D + 1 on (Procrustes' decay of the initial weights, seed
 * 004, which is what makes the untracked edges dead, so the device's work becomes sparse).
 * Untracked edges get no update, so after the first step their score is 0: the tracked set is the
 * one chosen at step 1 (DropBack's set "freezes"); later steps apply the decay.
 */
import { initialWeights } from './network.ts';

export type MaskKind = 'magnitude' | 'dropback';

export interface MagnitudeStep {
  kind: 'magnitude';
  /** 0-based junctions the step applies to */
  junctions: number[];
  /** weights to keep, per listed junction */
  keep: number[];
}

export interface DropbackStep {
  kind: 'dropback';
  junctions: number[];
  /** tracked weights over all listed junctions together */
  keep: number;
  /** untracked reset value: w0 shifted right toward zero by this (>= 31: 0) */
  untrackedShift: number;
}

export type MaskStep = MagnitudeStep | DropbackStep;

export interface MaskStepResult {
  /** tracked edges per listed junction after the step */
  tracked: number[];
  /** live edges per listed junction after the step */
  live: number[];
  /** weights written (pruned or reset) per listed junction */
  written: number[];
  /** device clocks the step took (see maskStepClocks) */
  clocks: number;
}

/** Shift at which every reset value is 0. */
export const UNTRACKED_ZERO_SHIFT = 31;

/** The untracked DropBack value: w0 shifted right toward zero (sign kept), 0 from UNTRACKED_ZERO_SHIFT. */
export function untrackedValue(w0: number, shift: number): number {
  if (shift >= UNTRACKED_ZERO_SHIFT) return 0;
  if (shift <= 0) return w0;
  return w0 < 0 ? 0 - (-w0 >> shift) : w0 >> shift;
}

/** Reset shift at DropBack step t (1-based): 0 without decay; t - 1 up to step D; then zero. */
export function dropbackShift(step: number, decay: number): number {
  if (decay <= 0) return 0;
  return step <= decay ? step - 1 : UNTRACKED_ZERO_SHIFT;
}

/**
 * Weights kept at magnitude step t of T (cubic ramp, Zhu and Gupta 2017):
 * density(t) = d + (1 - d) * (1 - t/T)^3, keep = ceil(density * W), clamped to [1, W].
 */
export function magnitudeKeep(W: number, target: number, step: number, steps: number): number {
  const f = steps <= 0 ? 1 : Math.min(1, step / steps);
  const d = target + (1 - target) * (1 - f) ** 3;
  return Math.max(1, Math.min(W, Math.ceil(d * W - 1e-9)));
}

/**
 * The k highest scores over several arrays (scores: nonnegative integers below 2^24). Ties go to
 * the lower array index, then the lower position. Returns a 0/1 array per input.
 */
export function selectTopK(scores: readonly Int32Array[], k: number): Uint8Array[] {
  let max = 0;
  for (const s of scores) for (let i = 0; i < s.length; i++) if (s[i] > max) max = s[i];
  const hist = new Int32Array(max + 2);
  for (const s of scores) for (let i = 0; i < s.length; i++) hist[s[i]]++;
  // threshold T: count(score > T) < k <= count(score >= T)
  let above = 0;
  let t = max;
  for (; t >= 0; t--) {
    if (above + hist[t] >= k) break;
    above += hist[t];
  }
  let tiesLeft = k - above;
  return scores.map((s) => {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      if (s[i] > t) out[i] = 1;
      else if (s[i] === t && tiesLeft > 0) {
        out[i] = 1;
        tiesLeft--;
      }
    }
    return out;
  });
}

/** Clocks of a mask step: read every weight (and regenerate w0) once to score, once to select, write the resets. */
export function maskStepClocks(W: number, z: number, written: number): number {
  return 2 * Math.ceil(W / z) + Math.ceil(written / z);
}

/** Live edges: tracked, or untracked with a nonzero held value. */
export function liveMask(mask: Uint8Array, w: Int32Array): Uint8Array {
  const live = new Uint8Array(mask.length);
  for (let k = 0; k < mask.length; k++) live[k] = mask[k] || w[k] !== 0 ? 1 : 0;
  return live;
}

function count(m: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < m.length; i++) c += m[i];
  return c;
}

/** Magnitude step on one junction, in place (canonical weights and mask). Returns weights pruned. */
export function magnitudeStepJunction(w: Int32Array, mask: Uint8Array, keep: number): number {
  const tracked = count(mask);
  const k = Math.max(0, Math.min(keep, tracked));
  const score = new Int32Array(w.length);
  for (let e = 0; e < w.length; e++) score[e] = mask[e] ? Math.abs(w[e]) + 1 : 0;
  const [sel] = selectTopK([score], k);
  let written = 0;
  for (let e = 0; e < w.length; e++) {
    if (mask[e] && !sel[e]) {
      mask[e] = 0;
      if (w[e] !== 0) written++;
      w[e] = 0;
    }
  }
  return written;
}

/** DropBack step over several junctions, in place. Returns weights written per junction. */
export function dropbackStepJunctions(ws: Int32Array[], masks: Uint8Array[], w0s: Int32Array[], keep: number, shift: number): number[] {
  const scores = ws.map((w, j) => {
    const s = new Int32Array(w.length);
    const m = masks[j];
    const w0 = w0s[j];
    for (let e = 0; e < w.length; e++) s[e] = m[e] ? Math.abs(w[e] - w0[e]) : 0;
    return s;
  });
  const total = ws.reduce((a, w) => a + w.length, 0);
  const sel = selectTopK(scores, Math.max(0, Math.min(keep, total)));
  return ws.map((w, j) => {
    const m = masks[j];
    const w0 = w0s[j];
    const s = sel[j];
    let written = 0;
    for (let e = 0; e < w.length; e++) {
      if (s[e]) {
        m[e] = 1;
        continue;
      }
      m[e] = 0;
      const v = untrackedValue(w0[e], shift);
      if (w[e] !== v) {
        w[e] = v;
        written++;
      }
    }
    return written;
  });
}

/** w0 of a junction, regenerated from its init seed (what the device does at a DropBack step). */
export function regenerateW0(count: number, weightBits: number, initShift: number, initSeed: number): Int32Array {
  return initialWeights(count, weightBits, initShift, initSeed);
}

/** A junction's mask policy, as the resolved config gives it (host/config sparsity, structurally). */
export type MaskPolicy =
  | { kind: 'magnitude'; targetDensity: number; every?: number }
  | { kind: 'dropback'; keep: number; every?: number; decay?: number }
  | { kind: string };

/** Defaults: samples between steps, DropBack decay steps, and the fraction of training the pruning ramp spans. */
export const MASK_DEFAULTS = { magnitudeEvery: 500, dropbackEvery: 2000, dropbackDecay: 4, rampFraction: 0.5 } as const;

/**
 * When the host sends MASK_STEP, and with what. Steps fall at chunk boundaries: once `trained`
 * samples have been trained, every policy whose `every` boundary was crossed since its last step
 * gets one step (numbered by the boundaries crossed, so a chunk longer than `every` skips numbers).
 *   magnitude (per junction): step t keeps magnitudeKeep(W, d, t, T) with
 *     T = max(1, floor(rampFraction * totalSamples / every)).
 *   dropback (all DropBack junctions together, keep/every/decay of the first): keep
 *     round(keep * sum W) weights, untrackedShift = dropbackShift(t, decay).
 */
export class MaskSchedule {
  private readonly magnitude: Array<{ j: number; W: number; target: number; every: number; ramp: number; done: number }> = [];
  private readonly dropback?: { js: number[]; k: number; every: number; decay: number; done: number };

  constructor(policies: readonly MaskPolicy[], edges: readonly number[], totalSamples: number) {
    const db: number[] = [];
    let first: { keep: number; every?: number; decay?: number } | undefined;
    policies.forEach((p, j) => {
      if (p.kind === 'magnitude') {
        const m = p as { targetDensity: number; every?: number };
        const every = m.every ?? MASK_DEFAULTS.magnitudeEvery;
        this.magnitude.push({ j, W: edges[j], target: m.targetDensity, every, ramp: Math.max(1, Math.floor((MASK_DEFAULTS.rampFraction * totalSamples) / every)), done: 0 });
      } else if (p.kind === 'dropback') {
        db.push(j);
        first ??= p as { keep: number; every?: number; decay?: number };
      }
    });
    if (first) {
      const W = db.reduce((a, j) => a + edges[j], 0);
      this.dropback = { js: db, k: Math.max(1, Math.round(first.keep * W)), every: first.every ?? MASK_DEFAULTS.dropbackEvery, decay: first.decay ?? MASK_DEFAULTS.dropbackDecay, done: 0 };
    }
  }

  /** true when some junction's mask changes during training */
  get active(): boolean {
    return this.magnitude.length > 0 || this.dropback !== undefined;
  }

  /** Steps due after `trained` samples (in this order: magnitude by junction, then DropBack). */
  due(trained: number): MaskStep[] {
    const out: MaskStep[] = [];
    for (const m of this.magnitude) {
      const t = Math.floor(trained / m.every);
      if (t <= m.done) continue;
      m.done = t;
      out.push({ kind: 'magnitude', junctions: [m.j], keep: [magnitudeKeep(m.W, m.target, t, m.ramp)] });
    }
    const d = this.dropback;
    if (d) {
      const t = Math.floor(trained / d.every);
      if (t > d.done) {
        d.done = t;
        out.push({ kind: 'dropback', junctions: [...d.js], keep: d.k, untrackedShift: dropbackShift(t, d.decay) });
      }
    }
    return out;
  }
}

/**
 * A mask on the wire (READ_MASK, WRITE_MASK) and in checkpoints: 1 bit per edge, edge i of the
 * range in byte floor(i / 8), bit i mod 8 (LSB first); ceil(count / 8) bytes, the unused high bits
 * of the last byte 0.
 */
export function packMask(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) {
    const b = mask[i];
    if (b !== 0 && b !== 1) throw new RangeError(`mask value ${b} at edge ${i} is not 0 or 1`);
    out[i >> 3] |= b << (i & 7);
  }
  return out;
}

/** The inverse of packMask: `count` 0/1 values. Throws RangeError on a wrong length or set padding bits. */
export function unpackMask(bytes: Uint8Array, count: number): Uint8Array {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`mask edge count must be a non-negative integer, got ${count}`);
  if (bytes.length !== Math.ceil(count / 8)) throw new RangeError(`${count} mask bits take ${Math.ceil(count / 8)} bytes, got ${bytes.length}`);
  if (count % 8 !== 0 && bytes[bytes.length - 1] >> count % 8 !== 0) throw new RangeError('mask padding bits (past the last edge) must be 0');
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (bytes[i >> 3] >> (i & 7)) & 1;
  return out;
}

/** MASK_STEP kinds, in their wire order (an enum byte). */
export const MASK_KINDS = ['magnitude', 'dropback'] as const satisfies readonly MaskKind[];

/**
 * MASK_STEP on the wire, flat: kind (enum u8), junctions (u8 list), keep (u32 list: one per junction
 * for 'magnitude', a single total for 'dropback'), untrackedShift (u8; 0 for 'magnitude').
 */
export interface MaskStepWire {
  kind: MaskKind;
  junctions: number[];
  keep: number[];
  untrackedShift: number;
}

export function maskStepToWire(s: MaskStep): MaskStepWire {
  return s.kind === 'magnitude' ? { kind: s.kind, junctions: [...s.junctions], keep: [...s.keep], untrackedShift: 0 } : { kind: s.kind, junctions: [...s.junctions], keep: [s.keep], untrackedShift: s.untrackedShift };
}

export function maskStepFromWire(w: MaskStepWire): MaskStep {
  return w.kind === 'magnitude' ? { kind: 'magnitude', junctions: [...w.junctions], keep: [...w.keep] } : { kind: 'dropback', junctions: [...w.junctions], keep: w.keep[0] ?? 0, untrackedShift: w.untrackedShift };
}
