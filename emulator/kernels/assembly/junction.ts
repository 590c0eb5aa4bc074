// AssemblyScript source of the junction kernels in WebAssembly SIMD (built by `npm run build:wasm`
// into emulator/kernels/build/junction.wasm). The readable model is emulator/junction.ts; these
// kernels give the same bits for the configurations emulator/kernels/select.ts sends here.
//
// Memory is laid out by the JS side (emulator/kernels/wasm-junction.ts); every argument is a byte
// address or a count. All quantities are 16-bit two's complement (the fast path needs every format
// at most 16 bits), so each product of two of them is at most 2^30 in magnitude and fits an i32.
//
//   W    i16 [p][nPad]  weights as a left-by-right matrix (zero where there is no edge)
//   U    i16 [p][nPad]  update enable: -1 where UP may write the weight, 0 elsewhere
//   A    i32 [p]        left activations (16-bit values, stored as the device model's i32);  D  i16 [nPad]  right deltas (zero past n)
//   extras: edges that repeat a (left, right) pair already in the matrix, as parallel arrays
//   exL i32, exR i32, exW i32 (weight), exU i32 (1: UP may write)
// nPad is n rounded up to a multiple of 8 (one v128 of i16).

const I32_MAX: i64 = 2147483647;

/** The first address the JS side may use. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * FF sums: out[r] = sum over l of A[l] * W[l][r] (+ extras), exact, as f64 (|sum| < 2^53 by the
 * format bounds). Rows with A[l] = 0 are skipped (they add exactly zero). Products are summed in
 * i32 lanes for as many rows as cannot overflow (bound: sum of |A[l]| * maxAbsW <= 2^31 - 1), then
 * flushed into i64 lanes, so no intermediate wraps. Columns go in blocks of 32 (8 i32x4 sums held
 * in registers across the rows), then blocks of 8. `rows` is scratch for p i32.
 * reluShift < 0: out gets the sums as f64 (the caller's epilogue rounds them). reluShift >= 0: out
 * gets the ReLU activations as i32, the plain model's epilogue done here in exact i64 arithmetic.
 */
export function ffSums(W: usize, A: usize, p: i32, nPad: i32, maxAbsW: i64, rows: usize, acc64: usize, out: usize, n: i32, exL: usize, exR: usize, exW: usize, exCount: i32, reluShift: i32, reluHi: i32): void {
  memory.fill(acc64, 0, <usize>nPad << 3);
  // the nonzero rows, each marked negative where the i32 sums must be flushed before it
  let count = 0;
  let bound: i64 = 0;
  for (let l = 0; l < p; l++) {
    const a = <i32>load<i32>(A + (<usize>l << 2));
    if (a == 0) continue;
    const m = <i64>abs<i32>(a) * maxAbsW;
    let mark = l;
    if (bound + m > I32_MAX) {
      mark = -1 - l;
      bound = 0;
    }
    bound += m;
    store<i32>(rows + (<usize>count << 2), mark);
    count++;
  }
  const rowBytes = <usize>nPad << 1;
  let c = 0;
  for (; c + 32 <= nPad; c += 32) {
    let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
    let s4 = i32x4.splat(0), s5 = i32x4.splat(0), s6 = i32x4.splat(0), s7 = i32x4.splat(0);
    const q = acc64 + (<usize>c << 3);
    for (let i = 0; i < count; i++) {
      let l = load<i32>(rows + (<usize>i << 2));
      if (l < 0) {
        l = -1 - l;
        add64(q, s0); add64(q + 32, s1); add64(q + 64, s2); add64(q + 96, s3);
        add64(q + 128, s4); add64(q + 160, s5); add64(q + 192, s6); add64(q + 224, s7);
        s0 = i32x4.splat(0); s1 = i32x4.splat(0); s2 = i32x4.splat(0); s3 = i32x4.splat(0);
        s4 = i32x4.splat(0); s5 = i32x4.splat(0); s6 = i32x4.splat(0); s7 = i32x4.splat(0);
      }
      const av = i16x8.splat(<i16>load<i32>(A + (<usize>l << 2)));
      const row = W + <usize>l * rowBytes + (<usize>c << 1);
      const w0 = v128.load(row), w1 = v128.load(row, 16), w2 = v128.load(row, 32), w3 = v128.load(row, 48);
      s0 = i32x4.add(s0, i32x4.extmul_low_i16x8_s(w0, av));
      s1 = i32x4.add(s1, i32x4.extmul_high_i16x8_s(w0, av));
      s2 = i32x4.add(s2, i32x4.extmul_low_i16x8_s(w1, av));
      s3 = i32x4.add(s3, i32x4.extmul_high_i16x8_s(w1, av));
      s4 = i32x4.add(s4, i32x4.extmul_low_i16x8_s(w2, av));
      s5 = i32x4.add(s5, i32x4.extmul_high_i16x8_s(w2, av));
      s6 = i32x4.add(s6, i32x4.extmul_low_i16x8_s(w3, av));
      s7 = i32x4.add(s7, i32x4.extmul_high_i16x8_s(w3, av));
    }
    add64(q, s0); add64(q + 32, s1); add64(q + 64, s2); add64(q + 96, s3);
    add64(q + 128, s4); add64(q + 160, s5); add64(q + 192, s6); add64(q + 224, s7);
  }
  for (; c < nPad; c += 8) {
    let s0 = i32x4.splat(0), s1 = i32x4.splat(0);
    const q = acc64 + (<usize>c << 3);
    for (let i = 0; i < count; i++) {
      let l = load<i32>(rows + (<usize>i << 2));
      if (l < 0) {
        l = -1 - l;
        add64(q, s0); add64(q + 32, s1);
        s0 = i32x4.splat(0); s1 = i32x4.splat(0);
      }
      const av = i16x8.splat(<i16>load<i32>(A + (<usize>l << 2)));
      const w0 = v128.load(W + <usize>l * rowBytes + (<usize>c << 1));
      s0 = i32x4.add(s0, i32x4.extmul_low_i16x8_s(w0, av));
      s1 = i32x4.add(s1, i32x4.extmul_high_i16x8_s(w0, av));
    }
    add64(q, s0); add64(q + 32, s1);
  }
  for (let e = 0; e < exCount; e++) {
    const l = load<i32>(exL + (<usize>e << 2));
    const o = acc64 + (<usize>load<i32>(exR + (<usize>e << 2)) << 3);
    store<i64>(o, load<i64>(o) + <i64>load<i32>(A + (<usize>l << 2)) * <i64>load<i32>(exW + (<usize>e << 2)));
  }
  if (reluShift < 0) {
    for (let r = 0; r < n; r++) store<f64>(out + (<usize>r << 3), <f64>load<i64>(acc64 + (<usize>r << 3)));
    return;
  }
  // ReLU: round half up by reluShift bits (an arithmetic shift of the exact sum), clamp to [0, reluHi]
  const half: i64 = reluShift > 0 ? (<i64>1) << (reluShift - 1) : 0;
  for (let r = 0; r < n; r++) {
    const x = (load<i64>(acc64 + (<usize>r << 3)) + half) >> reluShift;
    store<i32>(out + (<usize>r << 2), x <= 0 ? 0 : x > <i64>reluHi ? reluHi : <i32>x);
  }
}

/** The four i64 sums at q += the four i32 lanes of v, sign-extended. */
// @ts-ignore: decorator
@inline
function add64(q: usize, v: v128): void {
  v128.store(q, i64x2.add(v128.load(q), i64x2.extend_low_i32x4_s(v)));
  v128.store(q + 16, i64x2.add(v128.load(q + 16), i64x2.extend_high_i32x4_s(v)));
}

/**
 * BP sums: out[l] = sum over r of W[l][r] * D[r] (+ extras), exact, as f64, for every l whose
 * gate is open (0 < A[l] < aHi); a closed gate's sum is not needed (its delta is zero). Each
 * product (at most 2^30) goes into i64 lanes.
 */
export function bpSums(W: usize, D: usize, A: usize, aHi: i32, p: i32, nPad: i32, out: usize, exL: usize, exR: usize, exW: usize, exCount: i32): void {
  const rowBytes = <usize>nPad << 1;
  for (let l = 0; l < p; l++) {
    const a = <i32>load<i32>(A + (<usize>l << 2));
    if (a <= 0 || a >= aHi) {
      store<f64>(out + (<usize>l << 3), 0);
      continue;
    }
    const row = W + <usize>l * rowBytes;
    let s = i64x2.splat(0);
    for (let c = 0; c < nPad; c += 8) {
      const wv = v128.load(row + (<usize>c << 1));
      const dv = v128.load(D + (<usize>c << 1));
      const lo = i32x4.extmul_low_i16x8_s(wv, dv);
      const hi = i32x4.extmul_high_i16x8_s(wv, dv);
      s = i64x2.add(s, i64x2.add(i64x2.extend_low_i32x4_s(lo), i64x2.extend_high_i32x4_s(lo)));
      s = i64x2.add(s, i64x2.add(i64x2.extend_low_i32x4_s(hi), i64x2.extend_high_i32x4_s(hi)));
    }
    store<f64>(out + (<usize>l << 3), <f64>(i64x2.extract_lane(s, 0) + i64x2.extract_lane(s, 1)));
  }
  for (let e = 0; e < exCount; e++) {
    const l = load<i32>(exL + (<usize>e << 2));
    const r = load<i32>(exR + (<usize>e << 2));
    const o = out + (<usize>l << 3);
    store<f64>(o, load<f64>(o) + <f64>(<i64>load<i32>(exW + (<usize>e << 2)) * <i64>load<i16>(D + (<usize>r << 1))));
  }
}

/**
 * UP: where U allows, W[l][r] = clamp(W[l][r] - ((D[r] * A[l] + half) >> shift), lo, hi), the
 * spec's round half up then saturate. Needs 0 <= shift <= 30 so D*A + half (at most 2^30 + 2^29)
 * fits an i32 (the caller checks). Rows with A[l] = 0 are skipped: their update is exactly zero.
 * `allUpdatable`: every slot of W may be written (U is all -1 over the edges and the only other
 * slots are the row padding, where D is 0 and W stays 0), so U need not be read.
 */
export function update(W: usize, U: usize, allUpdatable: bool, A: usize, D: usize, p: i32, nPad: i32, shift: i32, half: i32, lo: i32, hi: i32, exL: usize, exR: usize, exW: usize, exU: usize, exCount: i32): void {
  const rowBytes = <usize>nPad << 1;
  const hv = i32x4.splat(half);
  const lov = i32x4.splat(lo);
  const hiv = i32x4.splat(hi);
  // q = (D*A + half) >> shift is at most (2^30 + 2^(shift-1)) >> shift < 2^15 in magnitude when
  // shift >= 16, so it narrows to i16 exactly; with a 16-bit weight format, i16 saturating
  // subtraction is the clamp to [lo, hi]
  const narrowQ = shift >= 16 && lo == -32768 && hi == 32767;
  for (let l = 0; l < p; l++) {
    const a = <i32>load<i32>(A + (<usize>l << 2));
    if (a == 0) continue;
    const av = i16x8.splat(<i16>a);
    const row = W + <usize>l * rowBytes;
    const urow = U + <usize>l * rowBytes;
    if (narrowQ) {
      // |q| < 2^15 and the weight format is i16 itself: subtract and saturate in i16 lanes
      for (let c = 0; c < nPad; c += 8) {
        const off = <usize>c << 1;
        const dv = v128.load(D + off);
        const wv = v128.load(row + off);
        const qlo = i32x4.shr_s(i32x4.add(i32x4.extmul_low_i16x8_s(dv, av), hv), shift);
        const qhi = i32x4.shr_s(i32x4.add(i32x4.extmul_high_i16x8_s(dv, av), hv), shift);
        const nw = i16x8.sub_sat_s(wv, i16x8.narrow_i32x4_s(qlo, qhi));
        v128.store(row + off, allUpdatable ? nw : v128.bitselect(nw, wv, v128.load(urow + off)));
      }
      continue;
    }
    for (let c = 0; c < nPad; c += 8) {
      const off = <usize>c << 1;
      const dv = v128.load(D + off);
      const wv = v128.load(row + off);
      const qlo = i32x4.shr_s(i32x4.add(i32x4.extmul_low_i16x8_s(dv, av), hv), shift);
      const qhi = i32x4.shr_s(i32x4.add(i32x4.extmul_high_i16x8_s(dv, av), hv), shift);
      const nlo = i32x4.max_s(i32x4.min_s(i32x4.sub(i32x4.extend_low_i16x8_s(wv), qlo), hiv), lov);
      const nhi = i32x4.max_s(i32x4.min_s(i32x4.sub(i32x4.extend_high_i16x8_s(wv), qhi), hiv), lov);
      const nw = i16x8.narrow_i32x4_s(nlo, nhi);
      v128.store(row + off, allUpdatable ? nw : v128.bitselect(nw, wv, v128.load(urow + off)));
    }
  }
  for (let e = 0; e < exCount; e++) {
    if (load<i32>(exU + (<usize>e << 2)) == 0) continue;
    const a = <i32>load<i32>(A + (<usize>load<i32>(exL + (<usize>e << 2)) << 2));
    const d = <i32>load<i16>(D + (<usize>load<i32>(exR + (<usize>e << 2)) << 1));
    const q = (d * a + half) >> shift;
    const w = load<i32>(exW + (<usize>e << 2)) - q;
    store<i32>(exW + (<usize>e << 2), w > hi ? hi : w < lo ? lo : w);
  }
}
