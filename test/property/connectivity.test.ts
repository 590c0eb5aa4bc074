import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { naiveSchedule } from '../../emulator/lanes.ts';
import {
  clashFreeLeftOfWeight,
  clashFreeStartVectors,
  ConnectivityError,
  duplicateEdges,
  generateConnectivity,
  type JunctionShape,
} from '../../firmware-spec/connectivity.ts';

/**
 * Property tests of the clash-free interleaver on random valid configs: p = z*m, any n, any fo with
 * p*fo divisible by n (fo <= n), random seeds, shared ('type 3') and explicit start vectors.
 */

/** A random valid clash-free shape. */
const shapeArb = fc
  .record({ z: fc.integer({ min: 1, max: 8 }), m: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 1, max: 40 }), pick: fc.nat() })
  .map(({ z, m, n, pick }): JunctionShape => {
    const p = z * m;
    const fos: number[] = [];
    for (let fo = 1; fo <= n; fo++) if ((p * fo) % n === 0) fos.push(fo);
    const fo = fos[pick % fos.length]; // fo = n always qualifies
    return { p, n, fo, fi: (p * fo) / n, z };
  });

const seedArb = fc.integer({ min: 1, max: 0xffffffff });

/** Fan-in, fan-out, duplicates and bank discipline of a pattern. */
function checkPattern(s: JunctionShape, left: Int32Array): void {
  expect(left.length).toBe(s.p * s.fo);
  expect(left.length).toBe(s.n * s.fi);
  // every right neuron has exactly fi edges by construction (weights r*fi .. r*fi+fi-1); every left
  // neuron exactly fo
  const fanOut = new Int32Array(s.p);
  let outOfRange = 0;
  for (const l of left) {
    if (l < 0 || l >= s.p) outOfRange++;
    else fanOut[l]++;
  }
  expect(outOfRange).toBe(0);
  expect(Array.from(fanOut).every((c) => c === s.fo)).toBe(true);
  const rightFanIn = new Int32Array(s.n);
  for (let k = 0; k < left.length; k++) rightFanIn[Math.floor(k / s.fi)]++;
  expect(Array.from(rightFanIn).every((c) => c === s.fi)).toBe(true);
  // no duplicate (right, left) pair
  const pairs = new Set<number>();
  for (let k = 0; k < left.length; k++) pairs.add(Math.floor(k / s.fi) * s.p + left[k]);
  expect(pairs.size).toBe(left.length);
  expect(duplicateEdges(left, s.n, s.fi, s.p)).toBe(0);
  // no clash: in clock c lane k handles weight c*z + k and reads left bank left mod z == k
  let wrongBank = 0;
  for (let k = 0; k < left.length; k++) if (left[k] % s.z !== k % s.z) wrongBank++;
  expect(wrongBank).toBe(0);
  const sched = naiveSchedule(left, s.fi, s.z);
  expect(sched.stalls).toBe(0);
  expect(sched.clocks).toBe(left.length / s.z + 4);
}

describe('clash-free connectivity on random valid configs', () => {
  it("'shared' start vectors (type 3): exact fan-in and fan-out, no duplicate, no clash", () => {
    fc.assert(
      fc.property(shapeArb, seedArb, (s, seed) => {
        checkPattern(s, generateConnectivity(s, { kind: 'clash-free', startVectorMode: 'shared', seed }));
      }),
      { numRuns: 300 },
    );
  });

  it("one explicit start vector behaves like 'shared'", () => {
    const arb = shapeArb.chain((s) => fc.tuple(fc.constant(s), fc.array(fc.integer({ min: 0, max: s.p / s.z - 1 }), { minLength: s.z, maxLength: s.z })));
    fc.assert(
      fc.property(arb, ([s, sv]) => {
        checkPattern(s, generateConnectivity(s, { kind: 'clash-free', startVectorMode: 'explicit', startVectors: [sv] }));
      }),
      { numRuns: 200 },
    );
  });

  it('explicit start vectors per sweep, and per-sweep seeds (type 2): a valid pattern or ConnectivityError duplicate_edge', () => {
    const explicitArb = shapeArb.chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.array(fc.array(fc.integer({ min: 0, max: s.p / s.z - 1 }), { minLength: s.z, maxLength: s.z }), { minLength: s.fo, maxLength: s.fo }),
      ),
    );
    let refused = 0;
    let passed = 0;
    const attempt = (s: JunctionShape, run: () => Int32Array, unchecked: () => Int32Array) => {
      let left: Int32Array;
      try {
        left = run();
      } catch (e) {
        expect(e).toBeInstanceOf(ConnectivityError);
        expect((e as ConnectivityError).code).toBe('duplicate_edge');
        expect(duplicateEdges(unchecked(), s.n, s.fi, s.p)).toBeGreaterThan(0);
        refused++;
        return;
      }
      checkPattern(s, left);
      passed++;
    };
    fc.assert(
      fc.property(shapeArb, seedArb, (s, seed) => {
        attempt(
          s,
          () => generateConnectivity(s, { kind: 'clash-free', startVectorMode: 'per-sweep', seed }),
          () => clashFreeLeftOfWeight(s, clashFreeStartVectors(s, { mode: 'per-sweep', seed })),
        );
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(explicitArb, ([s, svs]) => {
        attempt(
          s,
          () => generateConnectivity(s, { kind: 'clash-free', startVectorMode: 'explicit', startVectors: svs }),
          () => clashFreeLeftOfWeight(s, clashFreeStartVectors(s, { mode: 'explicit', startVectors: svs })),
        );
      }),
      { numRuns: 200 },
    );
    expect(passed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('when fi divides p, per-sweep start vectors never make duplicates (no right neuron straddles two sweeps)', () => {
    fc.assert(
      fc.property(
        shapeArb.filter((s) => s.p % s.fi === 0),
        seedArb,
        (s, seed) => {
          checkPattern(s, generateConnectivity(s, { kind: 'clash-free', startVectorMode: 'per-sweep', seed }));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('SPEC.md section 4.1 duplicate-edge regression: 784-112, fo = 42, z = 14', () => {
  const s: JunctionShape = { p: 784, n: 112, fo: 42, fi: 294, z: 14 };

  it("type 3 ('shared') has no duplicate edge, for several seeds, and the all-zero start vector neither", () => {
    for (const seed of [1, 2, 3, 0xdeadbeef]) checkPattern(s, generateConnectivity(s, { kind: 'clash-free', startVectorMode: 'shared', seed }));
    checkPattern(s, generateConnectivity(s, { kind: 'clash-free', startVectorMode: 'explicit', startVectors: [new Array(14).fill(0)] }));
  });

  it("type 2 ('per-sweep') makes hundreds of duplicates out of 32,928 edges, and the generator refuses it", () => {
    for (const seed of [1, 2, 3]) {
      const left = clashFreeLeftOfWeight(s, clashFreeStartVectors(s, { mode: 'per-sweep', seed }));
      expect(left.length).toBe(32_928);
      const dups = duplicateEdges(left, s.n, s.fi, s.p);
      expect(dups).toBeGreaterThan(300);
      expect(dups).toBeLessThan(1000);
      expect(() => generateConnectivity(s, { kind: 'clash-free', startVectorMode: 'per-sweep', seed })).toThrow(ConnectivityError);
    }
  });
});

describe('other generators', () => {
  it('lfsr-pruned: fi distinct, sorted left neurons per right neuron', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 20 }), fc.nat(), seedArb, (p, n, f, seed) => {
        const fi = 1 + (f % p);
        const left = generateConnectivity({ p, n, fo: (n * fi) / p, fi, z: 1 }, { kind: 'lfsr', seed });
        expect(left.length).toBe(n * fi);
        let bad = 0;
        for (let r = 0; r < n; r++) {
          for (let i = 0; i < fi; i++) {
            const l = left[r * fi + i];
            if (l < 0 || l >= p || (i > 0 && l <= left[r * fi + i - 1])) bad++;
          }
        }
        expect(bad).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('dense: every right neuron reads every left neuron, clash-free when z divides p', () => {
    const s: JunctionShape = { p: 12, n: 5, fo: 5, fi: 12, z: 4 };
    checkPattern(s, generateConnectivity(s, { kind: 'dense' }));
  });
});
