import { describe, expect, it } from 'vitest';
import { bitsFor, Lfsr, LfsrError, LFSR_MAX_WIDTH, LFSR_MIN_WIDTH, LFSR_TAPS, lfsrMask } from '../../firmware-spec/lfsr.ts';

/**
 * The tap table of firmware-spec/lfsr.ts against its cited source, P. Alfke, "Efficient Shift
 * Registers, LFSR Counters, and Long Pseudo-Random Sequence Generators", Xilinx XAPP052 v1.1 (1996),
 * Table 3 "Taps for Maximum-Length LFSR Counters", rows n = 3..32 (transcribed: n, then the XNOR
 * tap positions from the note, 1-based).
 */
const XAPP052_TABLE_3 = `
 3  3,2
 4  4,3
 5  5,3
 6  6,5
 7  7,6
 8  8,6,5,4
 9  9,5
10  10,7
11  11,9
12  12,6,4,1
13  13,4,3,1
14  14,5,3,1
15  15,14
16  16,15,13,4
17  17,14
18  18,11
19  19,6,2,1
20  20,17
21  21,19
22  22,21
23  23,18
24  24,23,22,17
25  25,22
26  26,6,2,1
27  27,5,2,1
28  28,25
29  29,27
30  30,6,4,1
31  31,28
32  32,22,2,1
`;

function parseTable(text: string): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const line of text.trim().split('\n')) {
    const [n, taps] = line.trim().split(/\s+/);
    m.set(Number(n), taps.split(',').map(Number));
  }
  return m;
}

// ---- GF(2) polynomials as BigInt bit sets (bit i = coefficient of x^i) ----------------------------

/** The feedback polynomial of the Galois mask: x^n + sum over taps t < n of x^t + 1. */
function feedbackPolynomial(width: number): bigint {
  let p = 1n;
  for (const t of LFSR_TAPS[width]) p |= 1n << BigInt(t);
  return p;
}

function degree(p: bigint): number {
  return p.toString(2).length - 1;
}

/** a * b mod m over GF(2). */
function mulMod(a: bigint, b: bigint, m: bigint): bigint {
  const dm = degree(m);
  let r = 0n;
  while (b) {
    if (b & 1n) r ^= a;
    b >>= 1n;
    a <<= 1n;
    if ((a >> BigInt(dm)) & 1n) a ^= m;
  }
  return r;
}

/** x^e mod m over GF(2), square and multiply. */
function xPowMod(e: bigint, m: bigint): bigint {
  let result = 1n;
  let base = 2n; // x
  while (e > 0n) {
    if (e & 1n) result = mulMod(result, base, m);
    base = mulMod(base, base, m);
    e >>= 1n;
  }
  return result;
}

function primeFactors(v: bigint): bigint[] {
  const out: bigint[] = [];
  for (let q = 2n; q * q <= v; q++) {
    if (v % q === 0n) {
      out.push(q);
      while (v % q === 0n) v /= q;
    }
  }
  if (v > 1n) out.push(v);
  return out;
}

describe('bitsFor', () => {
  it('is ceil(log2 m): the least b with 2^b >= m, for whole m up to 2^32 and beyond, and for fractions', () => {
    const definition = (m: number) => {
      let b = 0;
      while (2 ** b < m) b++;
      return b;
    };
    const ms = [0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 7, 8, 9, 255, 256, 257, 8000, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 3];
    for (let m = 1; m <= 5000; m++) ms.push(m);
    for (const m of ms) expect(bitsFor(m), `m = ${m}`).toBe(definition(m));
  });
});

describe('LFSR tap table', () => {
  it('matches XAPP052 Table 3, rows 3..32', () => {
    const source = parseTable(XAPP052_TABLE_3);
    expect([...source.keys()]).toEqual(Array.from({ length: 30 }, (_, i) => i + 3));
    for (let n = LFSR_MIN_WIDTH; n <= LFSR_MAX_WIDTH; n++) expect(LFSR_TAPS[n], `n = ${n}`).toEqual(source.get(n));
    expect(Object.keys(LFSR_TAPS).map(Number).sort((a, b) => a - b)).toEqual([...source.keys()]);
  });

  it('builds the Galois mask from the taps: bit t-1 for each tap t, top bit always set', () => {
    expect(lfsrMask(3)).toBe(0b110);
    expect(lfsrMask(8)).toBe(0b10111000);
    expect(lfsrMask(32)).toBe(0x80200003);
    for (let n = LFSR_MIN_WIDTH; n <= LFSR_MAX_WIDTH; n++) expect((lfsrMask(n) >>> (n - 1)) & 1).toBe(1);
  });

  it('has period exactly 2^n - 1 for every width 3..20 (exhaustive)', () => {
    for (let n = LFSR_MIN_WIDTH; n <= 20; n++) {
      const mask = lfsrMask(n);
      const period = 2 ** n - 1;
      let s = 1;
      let steps = 0;
      do {
        s = s & 1 ? (s >>> 1) ^ mask : s >>> 1;
        steps++;
        // every state stays in n bits and is never zero
        if (s === 0 || s >= 2 ** n) throw new Error(`width ${n}: state ${s} after ${steps} steps`);
      } while (s !== 1 && steps <= period);
      expect(steps, `width ${n}`).toBe(period);
    }
  });

  it('has a primitive feedback polynomial for every width 3..32 (so period 2^n - 1)', () => {
    for (let n = LFSR_MIN_WIDTH; n <= LFSR_MAX_WIDTH; n++) {
      const P = feedbackPolynomial(n);
      expect(degree(P)).toBe(n);
      const order = (1n << BigInt(n)) - 1n;
      expect(xPowMod(order, P), `x^(2^${n}-1) mod P`).toBe(1n);
      for (const q of primeFactors(order)) expect(xPowMod(order / q, P), `x^((2^${n}-1)/${q}) mod P`).not.toBe(1n);
    }
  });

  it('the polynomial test agrees with stepping: a Galois step multiplies the state by x^-1 mod P', () => {
    for (const n of [5, 12, 32]) {
      const P = feedbackPolynomial(n);
      const xInv = P >> 1n; // x * (P >> 1) = P - 1 = 1 (mod P)
      let s = 0b1011;
      const l = new Lfsr(n, s);
      for (let i = 0; i < 50; i++) {
        l.bit();
        s = Number(mulMod(BigInt(s), xInv, P));
        expect(l.state).toBe(s);
      }
    }
  });

  it('refuses a zero seed (in its n bits) with LfsrError', () => {
    expect(() => new Lfsr(8, 0)).toThrow(LfsrError);
    expect(() => new Lfsr(8, 0x100)).toThrow(LfsrError);
    expect(() => new Lfsr(32, 0)).toThrow(LfsrError);
    try {
      new Lfsr(16, 0);
    } catch (e) {
      expect((e as LfsrError).code).toBe('lfsr_seed');
    }
    expect(() => lfsrMask(2)).toThrow(LfsrError);
    expect(() => lfsrMask(33)).toThrow(LfsrError);
    expect(new Lfsr(32, 0xffffffff).state).toBe(0xffffffff);
  });
});
