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
//   A    i16 [p]        left activations;  D  i16 [nPad]  right deltas (zero past n)
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
 * flushed into i64 lanes, so no intermediate wraps.
 */
export function ffSums(W: usize, A: usize, p: i32, nPad: i32, maxAbsW: i64, acc32: usize, acc64: usize, out: usize, n: i32, exL: usize, exR: usize, exW: usize, exCount: i32): void {
  memory.fill(acc32, 0, <usize>nPad << 2);
  memory.fill(acc64, 0, <usize>nPad << 3);
  let bound: i64 = 0;
  const rowBytes = <usize>nPad << 1;
  for (let l = 0; l < p; l++) {
    const a = <i32>load<i16>(A + (<usize>l << 1));
    if (a == 0) continue;
    const m = <i64>abs<i32>(a) * maxAbsW;
    if (bound + m > I32_MAX) {
      flush(acc32, acc64, nPad);
      bound = 0;
    }
    bound += m;
    const av = i16x8.splat(<i16>a);
    const row = W + <usize>l * rowBytes;
    for (let c = 0; c < nPad; c += 8) {
      const wv = v128.load(row + (<usize>c << 1));
      const q = acc32 + (<usize>c << 2);
      v128.store(q, i32x4.add(v128.load(q), i32x4.extmul_low_i16x8_s(wv, av)));
      v128.store(q + 16, i32x4.add(v128.load(q + 16), i32x4.extmul_high_i16x8_s(wv, av)));
    }
  }
  flush(acc32, acc64, nPad);
  for (let r = 0; r < n; r++) store<f64>(out + (<usize>r << 3), <f64>load<i64>(acc64 + (<usize>r << 3)));
  for (let e = 0; e < exCount; e++) {
    const l = load<i32>(exL + (<usize>e << 2));
    const r = load<i32>(exR + (<usize>e << 2));
    const o = out + (<usize>r << 3);
    store<f64>(o, load<f64>(o) + <f64>(<i64>load<i16>(A + (<usize>l << 1)) * <i64>load<i32>(exW + (<usize>e << 2))));
  }
}

/** acc64 += acc32 lane by lane (sign-extended), then acc32 = 0. */
function flush(acc32: usize, acc64: usize, nPad: i32): void {
  for (let c = 0; c < nPad; c += 4) {
    const v = v128.load(acc32 + (<usize>c << 2));
    const q = acc64 + (<usize>c << 3);
    v128.store(q, i64x2.add(v128.load(q), i64x2.extend_low_i32x4_s(v)));
    v128.store(q + 16, i64x2.add(v128.load(q + 16), i64x2.extend_high_i32x4_s(v)));
    v128.store(acc32 + (<usize>c << 2), i32x4.splat(0));
  }
}

/**
 * BP sums: out[l] = sum over r of W[l][r] * D[r] (+ extras), exact, as f64, for every l whose
 * gate is open (0 < A[l] < aHi); a closed gate's sum is not needed (its delta is zero). Each
 * product (at most 2^30) goes into i64 lanes.
 */
export function bpSums(W: usize, D: usize, A: usize, aHi: i32, p: i32, nPad: i32, out: usize, exL: usize, exR: usize, exW: usize, exCount: i32): void {
  const rowBytes = <usize>nPad << 1;
  for (let l = 0; l < p; l++) {
    const a = <i32>load<i16>(A + (<usize>l << 1));
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
 */
export function update(W: usize, U: usize, A: usize, D: usize, p: i32, nPad: i32, shift: i32, half: i32, lo: i32, hi: i32, exL: usize, exR: usize, exW: usize, exU: usize, exCount: i32): void {
  const rowBytes = <usize>nPad << 1;
  const hv = i32x4.splat(half);
  const lov = i32x4.splat(lo);
  const hiv = i32x4.splat(hi);
  for (let l = 0; l < p; l++) {
    const a = <i32>load<i16>(A + (<usize>l << 1));
    if (a == 0) continue;
    const av = i16x8.splat(<i16>a);
    const row = W + <usize>l * rowBytes;
    const urow = U + <usize>l * rowBytes;
    for (let c = 0; c < nPad; c += 8) {
      const off = <usize>c << 1;
      const dv = v128.load(D + off);
      const wv = v128.load(row + off);
      const qlo = i32x4.shr_s(i32x4.add(i32x4.extmul_low_i16x8_s(dv, av), hv), shift);
      const qhi = i32x4.shr_s(i32x4.add(i32x4.extmul_high_i16x8_s(dv, av), hv), shift);
      const nlo = i32x4.max_s(i32x4.min_s(i32x4.sub(i32x4.extend_low_i16x8_s(wv), qlo), hiv), lov);
      const nhi = i32x4.max_s(i32x4.min_s(i32x4.sub(i32x4.extend_high_i16x8_s(wv), qhi), hiv), lov);
      v128.store(row + off, v128.bitselect(i16x8.narrow_i32x4_s(nlo, nhi), wv, v128.load(urow + off)));
    }
  }
  for (let e = 0; e < exCount; e++) {
    if (load<i32>(exU + (<usize>e << 2)) == 0) continue;
    const a = <i32>load<i16>(A + (<usize>load<i32>(exL + (<usize>e << 2)) << 1));
    const d = <i32>load<i16>(D + (<usize>load<i32>(exR + (<usize>e << 2)) << 1));
    const q = (d * a + half) >> shift;
    const w = load<i32>(exW + (<usize>e << 2)) - q;
    store<i32>(exW + (<usize>e << 2), w > hi ? hi : w < lo ? lo : w);
  }
}
