import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActivationKind } from '../../firmware-spec/activation.ts';
import { formatMax, formatMin, type NumberFormats } from '../../firmware-spec/formats.ts';
import { JunctionDatapath } from '../../emulator/junction.ts';
import { WasmJunctionDatapath, wasmKernelModule } from '../../emulator/kernels/wasm-junction.ts';
import { wasmGap } from '../../emulator/kernels/select.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';

/**
 * The WebAssembly SIMD kernels against the plain TypeScript model, bit for bit, on random
 * junctions: random shapes (repeated (left, right) pairs included), formats from 8 to 16 bits,
 * operands drawn often from the extremes (zero, the format's minimum and maximum) so that
 * saturation, the ReLU gate at saturation and the i32 partial sums' flush bound are all exercised.
 */

const formatArb = (minFrac: number) =>
  fc.integer({ min: 8, max: 16 }).chain((bits) => fc.record({ bits: fc.constant(bits), frac: fc.integer({ min: Math.min(minFrac, bits - 2), max: bits - 2 }) }));

/** A value of a format, half the time an extreme. */
const valueIn = (bits: number) => {
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** (bits - 1) - 1;
  return fc.oneof(fc.constantFrom(0, lo, hi, lo + 1, hi - 1, 1, -1), fc.integer({ min: lo, max: hi }));
};

const caseArb = fc
  .record({
    p: fc.integer({ min: 1, max: 40 }),
    n: fc.integer({ min: 1, max: 27 }),
    activation: formatArb(8),
    weight: formatArb(0),
    delta: formatArb(0),
    rightAct: fc.constantFrom<ActivationKind>('relu', 'sigmoid'),
    steps: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer(),
    masked: fc.boolean(),
    /** every (left, right) pair an edge: the kernels' no-mask fast update */
    dense: fc.boolean(),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      fi: c.dense ? fc.constant(c.p) : fc.integer({ min: 1, max: Math.max(1, c.p + 2) }),
    }),
  )
  .chain(({ c, fi }) => {
    const f: NumberFormats = { activation: c.activation, weight: c.weight, delta: c.delta };
    const minShift = f.delta.frac + f.activation.frac - f.weight.frac;
    const edges = c.n * fi;
    return fc.record({
      c: fc.constant(c),
      fi: fc.constant(fi),
      f: fc.constant(f),
      lrShift: fc.integer({ min: Math.max(0, -minShift), max: 30 - minShift }),
      leftOfWeight: c.dense ? fc.constant(Array.from({ length: edges }, (_, k) => k % c.p)) : fc.array(fc.integer({ min: 0, max: c.p - 1 }), { minLength: edges, maxLength: edges }),
      weights: fc.array(valueIn(f.weight.bits), { minLength: edges, maxLength: edges }),
      updateMask: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: edges, maxLength: edges }),
      aLeft: fc.array(fc.array(fc.oneof(fc.constant(0), valueIn(f.activation.bits)), { minLength: c.p, maxLength: c.p }), { minLength: c.steps, maxLength: c.steps }),
      dRight: fc.array(fc.array(valueIn(f.delta.bits), { minLength: c.n, maxLength: c.n }), { minLength: c.steps, maxLength: c.steps }),
    });
  });

describe('wasm SIMD kernels', () => {
  const { module, problem } = wasmKernelModule();

  it('are built and load (npm run build:wasm)', () => {
    expect(problem).toBeUndefined();
    expect(module).toBeDefined();
  });

  it('agree with the plain model bit for bit on random junctions, saturation included', () => {
    fc.assert(
      fc.property(caseArb, ({ c, fi, f, lrShift, leftOfWeight, weights, updateMask, aLeft, dRight }) => {
        const left = Int32Array.from(leftOfWeight);
        const right = (k: number) => Math.floor(k / fi);
        const plain = new JunctionDatapath(c.p, c.n, left, right, f, c.rightAct);
        const fast = new WasmJunctionDatapath(module!, c.p, c.n, left, right, f, c.rightAct);
        const w0 = Int32Array.from(weights);
        plain.writeCanonical(0, w0);
        fast.writeCanonical(0, w0);
        if (c.masked) {
          const um = Uint8Array.from(updateMask);
          plain.updateMask = um;
          fast.updateMask = um;
        }
        expect(Array.from(fast.readCanonical())).toEqual(Array.from(w0));
        for (let s = 0; s < c.steps; s++) {
          const a = Int32Array.from(aLeft[s]);
          const d = Int32Array.from(dRight[s]);
          const outP = new Int32Array(c.n);
          const outF = new Int32Array(c.n);
          plain.forward(a, outP, new Float64Array(c.n));
          fast.forward(a, outF);
          expect(Array.from(outF), 'FF').toEqual(Array.from(outP));
          const dlP = new Int32Array(c.p);
          const dlF = new Int32Array(c.p);
          plain.backward(d, a, dlP);
          fast.backward(d, a, dlF);
          expect(Array.from(dlF), 'BP').toEqual(Array.from(dlP));
          plain.update(d, a, lrShift);
          fast.update(d, a, lrShift);
          expect(Array.from(fast.readCanonical()), 'UP').toEqual(Array.from(plain.readCanonical()));
        }
        // the results stay in their formats
        const lo = formatMin(f.weight);
        const hi = formatMax(f.weight);
        expect(fast.readCanonical().every((w) => w >= lo && w <= hi)).toBe(true);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('sums a long fan-in of extreme products without wrapping (i32 partial sums flushed to i64)', () => {
    const f: NumberFormats = { activation: { bits: 16, frac: 8 }, weight: { bits: 16, frac: 14 }, delta: { bits: 16, frac: 14 } };
    const p = 3000;
    const n = 9;
    const left = Int32Array.from({ length: p * n }, (_, k) => k % p);
    const right = (k: number) => Math.floor(k / p);
    const plain = new JunctionDatapath(p, n, left, right, f, 'relu');
    const fast = new WasmJunctionDatapath(module!, p, n, left, right, f, 'relu');
    const w = Int32Array.from({ length: p * n }, (_, k) => (k % 3 === 0 ? formatMax(f.weight) : formatMin(f.weight)));
    plain.writeCanonical(0, w);
    fast.writeCanonical(0, w);
    const a = new Int32Array(p).fill(formatMax(f.activation));
    const outP = new Int32Array(n);
    const outF = new Int32Array(n);
    plain.forward(a, outP, new Float64Array(n));
    fast.forward(a, outF);
    expect(Array.from(outF)).toEqual(Array.from(outP));
    const d = new Int32Array(n).fill(formatMin(f.delta));
    const a2 = new Int32Array(p).fill(1000);
    const dP = new Int32Array(p);
    const dF = new Int32Array(p);
    plain.backward(d, a2, dP);
    fast.backward(d, a2, dF);
    expect(Array.from(dF)).toEqual(Array.from(dP));
    plain.update(d, a, 2);
    fast.update(d, a, 2);
    expect(Array.from(fast.readCanonical())).toEqual(Array.from(plain.readCanonical()));
    // shift 16 (the i16 update path) at the largest product: (-2^15) * (-2^15), and its neighbours
    const aMin = new Int32Array(p).map((_, l) => [formatMin(f.activation), formatMax(f.activation), -1][l % 3]);
    const dMix = Int32Array.from({ length: n }, (_, r) => [formatMin(f.delta), formatMax(f.delta), 1][r % 3]);
    for (const lrShift of [8, 9, 7]) {
      plain.update(dMix, aMin, lrShift);
      fast.update(dMix, aMin, lrShift);
      expect(Array.from(fast.readCanonical()), `lrShift ${lrShift}`).toEqual(Array.from(plain.readCanonical()));
    }
  });

  it('leave to the plain model what they do not implement', () => {
    const net = {
      formats: { activation: { bits: 16, frac: 12 }, weight: { bits: 16, frac: 14 }, delta: { bits: 16, frac: 14 } },
      lrShift: 5, feedback: 'backprop', feedbackShift: 0, feedbackSeed: 1, rounding: 'nearest', roundingSeed: 1,
      junctions: [{ p: 8, n: 8, fo: 8, fi: 8, z: 1, connectivity: 'clash-free', startVectorMode: 'lfsr', activation: 'sigmoid', initShift: 0, connectivitySeed: 1, initSeed: 1 }],
    } as unknown as NetworkDescriptor;
    expect(wasmGap(net, 0, 64)).toBeUndefined();
    expect(wasmGap({ ...net, rounding: 'stochastic' }, 0, 64)).toMatch(/stochastic/);
    expect(wasmGap({ ...net, formats: { ...net.formats, weight: { bits: 18, frac: 14 } } }, 0, 64)).toMatch(/18 bits/);
    expect(wasmGap({ ...net, updateMode: 'essop' } as NetworkDescriptor, 0, 64)).toMatch(/updateMode/);
    expect(wasmGap(net, 0, 4)).toMatch(/sparse/);
    const withJunctionField = { ...net, junctions: [{ ...net.junctions[0], updateMode: 'essop' }] } as unknown as NetworkDescriptor;
    expect(wasmGap(withJunctionField, 0, 64)).toMatch(/junction field 'updateMode'/);
  });
});
