import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BALANCE_POLICIES, balanceInput, type BalanceInput, checkSchedule, type EdgeSchedule, edgeSchedule, lowerBound, passTiming } from '../../firmware-spec/balance.ts';
import { JUNCTION_PIPELINE_CLOCKS } from '../../firmware-spec/schedule.ts';

/**
 * The balancer's schedules, for random junctions and random masks: every live edge exactly once,
 * and (for the stall-free policies) no bank read twice in a clock. The check below is written
 * here, independently of the spec's checkSchedule, which is also run.
 */

interface Case {
  p: number;
  n: number;
  z: number;
  left: Int32Array;
  fi: number;
  live: Uint8Array;
}

/** A random junction: n rows of fi distinct left neurons each, and a random live mask. */
const junction = fc
  .record({
    z: fc.integer({ min: 1, max: 12 }),
    pm: fc.integer({ min: 1, max: 8 }),
    n: fc.integer({ min: 1, max: 40 }),
    fiFrac: fc.double({ min: 0.05, max: 1, noNaN: true }),
    density: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map(({ z, pm, n, fiFrac, density, seed }): Case => {
    const p = z * pm + (seed % 3); // p need not be a multiple of z
    const fi = Math.max(1, Math.min(p, Math.round(fiFrac * p)));
    let s = seed;
    const rnd = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const left = new Int32Array(n * fi);
    for (let r = 0; r < n; r++) {
      const pool = Array.from({ length: p }, (_, i) => i);
      for (let i = 0; i < fi; i++) {
        const j = i + Math.floor(rnd() * (p - i));
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
      const row = pool.slice(0, fi).sort((a, b) => a - b);
      for (let i = 0; i < fi; i++) left[r * fi + i] = row[i];
    }
    const live = Uint8Array.from({ length: n * fi }, () => (rnd() < density ? 1 : 0));
    return { p, n, z, left, fi, live };
  });

/** Independent check: coverage, lanes, and per clock left, weight and right banks. */
function independentCheck(inp: BalanceInput, s: EdgeSchedule, stallFree: boolean): void {
  const { z } = inp;
  const W = inp.canon.length;
  const count = new Int32Array(W);
  let clocks = 0;
  for (let g = 0; g < s.groups; g++) {
    const lanes = new Set<number>();
    const leftBanks = new Set<number>();
    const weightBanks = new Set<number>();
    const rowInRightBank = new Map<number, number>();
    let clash = false;
    for (let i = s.start[g]; i < s.start[g + 1]; i++) {
      const e = s.edge[i];
      count[e]++;
      expect(lanes.has(s.lane[i])).toBe(false);
      lanes.add(s.lane[i]);
      expect(s.lane[i]).toBeGreaterThanOrEqual(0);
      expect(s.lane[i]).toBeLessThan(z);
      const lb = inp.left[e] % z;
      const wb = s.weightBank[i];
      const r = inp.right[e];
      if (leftBanks.has(lb) || weightBanks.has(wb) || (rowInRightBank.has(r % z) && rowInRightBank.get(r % z) !== r)) clash = true;
      leftBanks.add(lb);
      weightBanks.add(wb);
      rowInRightBank.set(r % z, r);
    }
    if (stallFree) expect(clash).toBe(false);
    expect(s.span[g] > 1).toBe(clash);
    clocks += s.span[g];
  }
  for (let e = 0; e < W; e++) expect(count[e]).toBe(1);
  const t = passTiming(s);
  expect(t.clocks).toBe(clocks + JUNCTION_PIPELINE_CLOCKS);
  // per lane: busy + stall + idle = the pass
  for (let q = 0; q < z; q++) expect(t.busy[q] + t.stall[q] + t.idle[q]).toBe(t.clocks);
  expect(t.busy.reduce((a, b) => a + b, 0)).toBe(W);
  expect(clocks).toBeGreaterThanOrEqual(lowerBound(inp));
}

describe('load balancer schedules (property)', () => {
  for (const policy of BALANCE_POLICIES) {
    const stallFree = policy === 'greedy' || policy === 'coloring';
    it(`${policy}: covers every live edge exactly once${stallFree ? ' and never reads one bank twice in a clock' : ''}`, () => {
      fc.assert(
        fc.property(junction, (c) => {
          const inp = balanceInput(c.left, c.fi, c.z, c.live);
          const s = edgeSchedule(inp, policy);
          expect(checkSchedule(inp, s)).toEqual([]);
          independentCheck(inp, s, stallFree);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('greedy reaches the lower bound on LFSR-like random masks at the bench sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.constantFrom(0.1, 0.38), (seed, density) => {
        const p = 784;
        const n = 112;
        const z = 16;
        const fi = Math.round(p * density);
        let s = seed;
        const left = new Int32Array(n * fi);
        for (let r = 0; r < n; r++) {
          const pick = new Set<number>();
          while (pick.size < fi) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            pick.add(s % p);
          }
          [...pick].sort((a, b) => a - b).forEach((l, i) => (left[r * fi + i] = l));
        }
        const inp = balanceInput(left, fi, z);
        const g = edgeSchedule(inp, 'greedy');
        expect(g.groups).toBeLessThanOrEqual(Math.ceil(lowerBound(inp) / 0.97));
      }),
      { numRuns: 8 },
    );
  });

  it('lower bound on a hand-made junction', () => {
    // z = 2; rows 0 and 1; row 0 reads lefts 0, 2, 4 (all left bank 0), row 1 reads left 1
    const inp: BalanceInput = { z: 2, canon: Int32Array.from([0, 1, 2, 3]), left: Int32Array.from([0, 2, 4, 1]), right: Int32Array.from([0, 0, 0, 1]) };
    expect(lowerBound(inp)).toBe(3); // left bank 0 is read 3 times; right bank 0: m_0 = 3
    const s = edgeSchedule(inp, 'greedy');
    expect(s.groups).toBe(3);
    expect(edgeSchedule(inp, 'none').span[0]).toBe(2); // left bank 0 twice in the first group
  });
});
