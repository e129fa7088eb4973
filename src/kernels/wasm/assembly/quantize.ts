// Activation rounding before a matMul, exactly as ggml pairs each weight type with an activation type
// (vec_dot_type) and as the reference kernels (src/kernels/reference.ts) define it:
//
//   32-element blocks (Q8_0/Q8_1 partner of Q8_0, Q4_0, Q4_1, Q5_0, Q5_1): q = round_half_even(x · 127/amax),
//       d = f16(amax / 127)  (ggml's SIMD quantizers; the scale is stored as f16)
//   256-element blocks (Q8_K partner of the K-quants): q = round_half_even(x · 127/amax), d = 1 / (127/amax)
//   F16 / BF16 weights: x rounded to f16 / bf16
//
// Integer kernels read the quantized form:
//   xq  (n, cols)        i16   q, |q| ≤ 127, widened so the dot kernels feed i32x4.dot_i16x8_s directly
//   xd  (n, cols/block)  f32   d
//   xs  (n, cols/32)     i16   Σ q over each 32 elements (for the K-quant minimums and the Q4_0 offset)
//   xs16 (n, cols/16)    i16   block 256 only, right after xs: Σ q over each 16 elements (Q6_K's offset of 32, once
//                              per token instead of once per weight row)
//   xc  (n, cols/32)     f32   block 32 only, right after xd: s = f16(amax/127 · Σq), the sum ggml's Q8_1 keeps
//                              (with the unrounded d); Q4_1/Q5_1 dots add min·s
// With block 32 the per-block values (xd, xs, xc) of rows in complete groups of four are interleaved — element
// (t, b) at ((t >> 2)·nb + b)·4 + (t & 3) — so the prefill kernel loads the four rows' values as one vector; the
// remaining rows (t ≥ n & ~3) stay row-major at t·nb + b (the same formula's value there). Block 256 is row-major.
// Float kernels for F16/BF16 weights read xf (n, cols) f32 = x rounded to f16/bf16.
// The relaxed-SIMD build (ASC_FEATURE_RELAXED_SIMD) also writes xq8 (n, cols) i8 = the same q, right after xq
// (at xq + n·cols·2): its dot kernels multiply int8 activations by unsigned weight codes in one instruction.
import { f16ToF32Exact, f32ToF16 } from "./common";

/**
 * Quantize rows [t0, t1) of the n rows of `cols` floats at x in blocks of `block` (32 or 256, dividing cols) into
 * the layout above for all n rows: threads share a prompt by row ranges, and any split writes the same bytes.
 */
export function quantizeRows(
  x: usize, n: i32, cols: i32, block: i32, xq: usize, xd: usize, xs: usize, t0: i32, t1: i32,
): void {
  const nb = cols / block;
  const xc = xd + ((<usize>n * <usize>nb) << 2);
  let xq8 = xq + ((<usize>n * <usize>cols) << 1) + <usize>t0 * <usize>cols;
  x += (<usize>t0 * <usize>cols) << 2;
  xq += (<usize>t0 * <usize>cols) << 1;
  let xs16 = xs + ((<usize>n * <usize>(cols >> 5)) << 1) + ((<usize>t0 * <usize>(cols >> 4)) << 1);
  if (block != 32) xs += (<usize>t0 * <usize>(cols >> 5)) << 1;
  const full = n & ~3;
  let k = 0; // per-block index of (t, b)
  for (let t = t0; t < t1; t++) {
    for (let b = 0; b < nb; b++) {
      k = block == 32 && t < full ? (((t >> 2) * nb + b) << 2) + (t & 3) : t * nb + b;
      let amax = f32x4.splat(0);
      for (let i = 0; i < block; i += 8) {
        amax = f32x4.max(amax, f32x4.abs(v128.load(x + (<usize>i << 2))));
        amax = f32x4.max(amax, f32x4.abs(v128.load(x + (<usize>i << 2), 16)));
      }
      const m0 = f32x4.max(amax, i32x4.shuffle(amax, amax, 2, 3, 0, 1));
      const m = max(f32x4.extract_lane(m0, 0), f32x4.extract_lane(m0, 1));
      const id: f32 = m > 0 ? <f32>127.0 / m : 0;
      let d: f32 = 0;
      if (m > 0) d = block == 32 ? f16ToF32Exact(f32ToF16(m / <f32>127.0)) : <f32>1.0 / id;
      store<f32>(xd + (<usize>k << 2), d);
      const vid = f32x4.splat(id);
      for (let i = 0; i < block; i += 32) {
        let sum = i32x4.splat(0);
        for (let e = 0; e < 32; e += 16) {
          const p = x + (<usize>(i + e) << 2);
          const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p), vid)));
          const c = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 16), vid)));
          const a2 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 32), vid)));
          const c2 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 48), vid)));
          const sum16 = i32x4.add(i32x4.add(a, c), i32x4.add(a2, c2));
          sum = i32x4.add(sum, sum16);
          if (block != 32) {
            const h = i32x4.add(sum16, i32x4.shuffle(sum16, sum16, 2, 3, 0, 1));
            store<i16>(xs16, <i16>(i32x4.extract_lane(h, 0) + i32x4.extract_lane(h, 1)));
            xs16 += 2;
          }
          const lo = i16x8.narrow_i32x4_s(a, c), hi = i16x8.narrow_i32x4_s(a2, c2);
          v128.store(xq + (<usize>(i + e) << 1), lo);
          v128.store(xq + (<usize>(i + e) << 1), hi, 16);
          if (ASC_FEATURE_RELAXED_SIMD) v128.store(xq8 + <usize>(i + e), i8x16.narrow_i16x8_s(lo, hi));
        }
        const s = i32x4.add(sum, i32x4.shuffle(sum, sum, 2, 3, 0, 1));
        const qsum = i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1);
        if (block == 32) {
          store<i16>(xs + (<usize>k << 1), <i16>qsum);
          store<f32>(xc + (<usize>k << 2), f16ToF32Exact(f32ToF16((m / <f32>127.0) * <f32>qsum)));
        } else {
          store<i16>(xs, <i16>qsum);
          xs += 2;
        }
      }
      x += <usize>block << 2;
      xq += <usize>block << 1;
      xq8 += <usize>block;
    }
  }
}

/**
 * Four floats rounded to the nearest binary16 value (ties to even; subnormals and overflow to ±Inf as f32ToF16),
 * returned as f32. Normal range: round the float32 mantissa at bit 13 in the integer domain (a carry correctly bumps
 * the exponent); below 2^−14: adding 0.5 makes the float unit 2^−24, the binary16 subnormal step.
 */
// @ts-ignore: decorator
@inline export function roundToF16x4(v: v128): v128 {
  const sign = v128.and(v, i32x4.splat(0x80000000));
  const a = v128.and(v, i32x4.splat(0x7fffffff));
  let r = i32x4.add(a, i32x4.add(i32x4.splat(0xfff), v128.and(i32x4.shr_u(a, 13), i32x4.splat(1))));
  r = v128.and(r, i32x4.splat(0xffffe000));
  r = v128.bitselect(i32x4.splat(0x7f800000), r, i32x4.ge_s(r, i32x4.splat(0x47800000)));
  const sub = f32x4.sub(f32x4.add(a, f32x4.splat(0.5)), f32x4.splat(0.5));
  r = v128.bitselect(sub, r, i32x4.lt_s(a, i32x4.splat(0x38800000)));
  return v128.or(r, sign);
}

/** Four floats rounded to bfloat16 (nearest even), returned as f32. */
// @ts-ignore: decorator
@inline function roundToBf16x4(v: v128): v128 {
  const r = i32x4.add(v, i32x4.add(i32x4.splat(0x7fff), v128.and(i32x4.shr_u(v, 16), i32x4.splat(1))));
  return v128.and(r, i32x4.splat(0xffff0000));
}

/** xf (count) = x rounded to binary16 (bf16 = false) or bfloat16 (bf16 = true). */
export function roundActivations(bf16: bool, x: usize, count: i32, xf: usize): void {
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    v128.store(xf + (<usize>i << 2), bf16 ? roundToBf16x4(v) : roundToF16x4(v));
  }
  for (let i = c4; i < count; i++) {
    const v = v128.load32_zero(x + (<usize>i << 2));
    v128.store32_lane(xf + (<usize>i << 2), bf16 ? roundToBf16x4(v) : roundToF16x4(v), 0);
  }
}
