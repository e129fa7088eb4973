// Relaxed-SIMD kernels for Q4_K, Q5_K and Q6_K (compiled into kernels-relaxed.wasm; in the base build relaxedK() is
// false and nothing here is called). The codes are unsigned (Q4_K ≤ 15, Q5_K ≤ 31, Q6_K ≤ 63), so they go straight
// in as the 7-bit operand of i16x8.relaxed_dot_i8x16_i7x16_s against the int8 activation copy (quantize.ts); each
// sub-block scale is applied with i32x4.dot_i16x8_s against a splat of it (pair sums ≤ 4·31·127 per i16 lane,
// × 63 × 2 in i32). Q6_K's −32 offset is its own dot product. Layouts: matmul-k.ts.
import { f16ToF32, hsumI32, pin } from "./common";
import { kMins, kScales, minSum, Q4_K_BYTES, Q5_K_BYTES, Q6_K_BYTES } from "./k-blocks";

/** Relaxed build: true when `kind` (2..6) reads the int8 activation copy. */
// @ts-ignore: decorator
@inline export function relaxedK(kind: i32): bool {
  return ASC_FEATURE_RELAXED_SIMD && (kind == 4 || kind == 5 || kind == 6);
}

/** i16 lane k (a constant) of v in every lane: one constant shuffle (V8: pshuflw + pshufd). */
// @ts-ignore: decorator
@inline function lane16(v: v128, k: i32): v128 {
  if (k == 0) return i8x16.shuffle(v, v, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
  if (k == 1) return i8x16.shuffle(v, v, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
  if (k == 2) return i8x16.shuffle(v, v, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5);
  if (k == 3) return i8x16.shuffle(v, v, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7);
  if (k == 4) return i8x16.shuffle(v, v, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9);
  if (k == 5) return i8x16.shuffle(v, v, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11);
  if (k == 6) return i8x16.shuffle(v, v, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13);
  return i8x16.shuffle(v, v, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15);
}

/**
 * Relaxed build: one 64-element chunk of Q4_K/Q5_K codes (lo0/lo1: sub-block 2c, hi0/hi1: 2c+1, unsigned bytes)
 * · int8 activations at x, each sub-block's sum times its scale (sLo / sHi as i16x8 splats): i32x4 partial sums.
 */
// @ts-ignore: decorator
@inline function chunkDot8(lo0: v128, lo1: v128, hi0: v128, hi1: v128, sLo: v128, sHi: v128, x: usize): v128 {
  let pl = i16x8.splat(0), ph = pl;
  if (ASC_FEATURE_RELAXED_SIMD) {
    pl = i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x), lo0), i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x, 16), lo1));
    ph = i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x, 32), hi0), i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x, 48), hi1));
  }
  return i32x4.add(i32x4.dot_i16x8_s(pl, sLo), i32x4.dot_i16x8_s(ph, sHi));
}

/** v shifted left by s bits per i16 lane (right by −s when s < 0); s a constant. */
// @ts-ignore: decorator
@inline function shift16(v: v128, s: i32): v128 {
  return s > 0 ? i16x8.shl(v, s) : s < 0 ? i16x8.shr_u(v, -s) : v;
}

/**
 * Relaxed build: chunk c (0..3, a constant) of a Q4_K/Q5_K super-block — sub-blocks 2c and 2c + 1, codes at q,
 * Q5_K's 5th bits from qh (h0, h1: bit 2c for sub-block 2c, 2c + 1 for the other, moved to bit 4 by 16-bit shifts;
 * bits crossing into the other byte of a lane land outside the 0x10 mask) — · int8 activations at x, each
 * sub-block's sum times its scale (sLo, sHi splats).
 */
// @ts-ignore: decorator
@inline function chunkQ45K8(hasHigh: bool, q: usize, h0: v128, h1: v128, c: i32, sLo: v128, sHi: v128, x: usize): v128 {
  const m = i8x16.splat(15), bit = i8x16.splat(16);
  const qc = q + (<usize>c << 5);
  const r0 = v128.load(qc), r1 = v128.load(qc, 16);
  let l0 = v128.and(r0, m), l1 = v128.and(r1, m);
  let u0 = v128.and(i16x8.shr_u(r0, 4), m), u1 = v128.and(i16x8.shr_u(r1, 4), m);
  if (hasHigh) {
    l0 = v128.or(l0, v128.and(shift16(h0, 4 - 2 * c), bit));
    l1 = v128.or(l1, v128.and(shift16(h1, 4 - 2 * c), bit));
    u0 = v128.or(u0, v128.and(shift16(h0, 3 - 2 * c), bit));
    u1 = v128.or(u1, v128.and(shift16(h1, 3 - 2 * c), bit));
  }
  return chunkDot8(l0, l1, u0, u1, sLo, sHi, x);
}

/**
 * Relaxed build: one Q4_K (hasHigh = false) or Q5_K super-block · int8 activations x8 (256 bytes): Σ w·x / dx.
 * Decode only. The four chunks are unrolled so that each scale splat is one constant shuffle of the scales widened
 * to i16 (the scalar byte + splat it replaced took five instructions: decode ran 0.82-0.88x the time,
 * scripts/ab-kernel-builds.mjs).
 */
// @ts-ignore: decorator
@inline export function dotQ45K8(hasHigh: bool, w: usize, x8: usize, xs: usize): f32 {
  const d = f16ToF32(load<u16>(w)), dmin = f16ToF32(load<u16>(w, 2));
  const s16 = i16x8.extend_low_i8x16_u(kScales(w + 4));
  const msum = minSum(kMins(w + 4), xs);
  const q = hasHigh ? w + 48 : w + 16;
  let h0 = i16x8.splat(0), h1 = h0;
  if (hasHigh) {
    h0 = v128.load(w, 16);
    h1 = v128.load(w, 32);
  }
  let isum = chunkQ45K8(hasHigh, q, h0, h1, 0, lane16(s16, 0), lane16(s16, 1), x8);
  pin(isum);
  isum = i32x4.add(isum, chunkQ45K8(hasHigh, q, h0, h1, 1, lane16(s16, 2), lane16(s16, 3), x8 + 64));
  pin(isum);
  isum = i32x4.add(isum, chunkQ45K8(hasHigh, q, h0, h1, 2, lane16(s16, 4), lane16(s16, 5), x8 + 128));
  pin(isum);
  isum = i32x4.add(isum, chunkQ45K8(hasHigh, q, h0, h1, 3, lane16(s16, 6), lane16(s16, 7), x8 + 192));
  return d * <f32>hsumI32(isum) - dmin * <f32>msum;
}

/** Relaxed build: one Q4_K/Q5_K row · four int8 activation rows (strides as rowQ45Kx4, xqs in bytes of int8). */
export function rowQ45Kx4r(
  hasHigh: bool, w: usize, nb: i32, xq: usize, xqs: usize, xd: usize, xds: usize, xs: usize, xss: usize,
  out: usize, os: usize,
): void {
  let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
  const bytes = hasHigh ? Q5_K_BYTES : Q4_K_BYTES;
  const m = i8x16.splat(15), bit = i8x16.splat(16);
  for (let b = 0; b < nb; b++) {
    const d = f16ToF32(load<u16>(w)), dmin = f16ToF32(load<u16>(w, 2));
    const sc = kScales(w + 4);
    let scAll: u64 = <u64><u32>i32x4.extract_lane(sc, 0) | (<u64><u32>i32x4.extract_lane(sc, 1) << 32);
    const mins = kMins(w + 4);
    const q = hasHigh ? w + 48 : w + 16;
    let h0 = i16x8.splat(0), h1 = h0;
    if (hasHigh) {
      h0 = v128.load(w, 16);
      h1 = v128.load(w, 32);
    }
    let i0 = i32x4.splat(0), i1 = i0, i2 = i0, i3 = i0;
    for (let c = 0; c < 4; c++) {
      const qc = q + (<usize>c << 5);
      const r0 = v128.load(qc), r1 = v128.load(qc, 16);
      let l0 = v128.and(r0, m), l1 = v128.and(r1, m);
      let u0 = v128.and(i16x8.shr_u(r0, 4), m), u1 = v128.and(i16x8.shr_u(r1, 4), m);
      if (hasHigh) {
        l0 = v128.or(l0, v128.and(i16x8.shl(h0, 4), bit));
        l1 = v128.or(l1, v128.and(i16x8.shl(h1, 4), bit));
        u0 = v128.or(u0, v128.and(i16x8.shl(h0, 3), bit));
        u1 = v128.or(u1, v128.and(i16x8.shl(h1, 3), bit));
        h0 = i16x8.shr_u(h0, 2);
        h1 = i16x8.shr_u(h1, 2);
      }
      const sLo = i16x8.splat(<i16>(<u32>scAll & 0xff));
      const sHi = i16x8.splat(<i16>((<u32>scAll >> 8) & 0xff));
      scAll >>= 16;
      let x = xq + (<usize>c << 6);
      i0 = i32x4.add(i0, chunkDot8(l0, l1, u0, u1, sLo, sHi, x));
      pin(i0);
      x += xqs;
      i1 = i32x4.add(i1, chunkDot8(l0, l1, u0, u1, sLo, sHi, x));
      pin(i1);
      x += xqs;
      i2 = i32x4.add(i2, chunkDot8(l0, l1, u0, u1, sLo, sHi, x));
      pin(i2);
      x += xqs;
      i3 = i32x4.add(i3, chunkDot8(l0, l1, u0, u1, sLo, sHi, x));
    }
    a0 += load<f32>(xd) * (d * <f32>hsumI32(i0) - dmin * <f32>minSum(mins, xs));
    a1 += load<f32>(xd + xds) * (d * <f32>hsumI32(i1) - dmin * <f32>minSum(mins, xs + xss));
    a2 += load<f32>(xd + 2 * xds) * (d * <f32>hsumI32(i2) - dmin * <f32>minSum(mins, xs + 2 * xss));
    a3 += load<f32>(xd + 3 * xds) * (d * <f32>hsumI32(i3) - dmin * <f32>minSum(mins, xs + 3 * xss));
    w += bytes;
    xq += 256;
    xd += 4;
    xs += 16;
  }
  store<f32>(out, a0);
  store<f32>(out + os, a1);
  store<f32>(out + 2 * os, a2);
  store<f32>(out + 3 * os, a3);
}

/**
 * Relaxed build: Σ sc·u·x over 16 elements — u: 6-bit codes (unsigned bytes), x: int8 activations at x, sc: the
 * group's int8 scale as an i16x8 splat. The codes' offset of 32 is subtracted per block (q6Offset), from the
 * activations' sums of 16, so it costs nothing per weight row.
 */
// @ts-ignore: decorator
@inline function q6Group(u: v128, x: usize, sc: v128): v128 {
  let p = i16x8.splat(0);
  if (ASC_FEATURE_RELAXED_SIMD) p = i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x), u);
  return i32x4.dot_i16x8_s(p, sc);
}

/** 32 · Σ sc[g] · S[g] over a block's 16 groups: the scales (int8 at sc) and the activations' sums of 16 (i16 at s16). */
// @ts-ignore: decorator
@inline function q6Offset(sc: usize, s16: usize): i32 {
  const s = v128.load(sc);
  const d = i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(s), v128.load(s16)), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(s), v128.load(s16, 16)));
  return hsumI32(d) << 5;
}

/**
 * Relaxed build: one Q6_K half (128 elements) · int8 activations xh, integer, without the codes' offset. The eight
 * 16-element code vectors in activation order: stream s (0..3, as in ggml's dequantize_row_q6_K) covers activations
 * 32s .. 32s + 31 with the low nibbles (s < 2) or high nibbles of ql[l] (s even) or ql[l + 32] (s odd) and bits 2s,
 * 2s + 1 of qh[l]; scale sc[2s] for l < 16, sc[2s + 1] above.
 */
// @ts-ignore: decorator
@inline function halfQ6K8(ql: usize, qh: usize, sc: usize, xh: usize): v128 {
  const m = i8x16.splat(15), hm = i8x16.splat(0x30);
  const a0 = v128.load(ql), a1 = v128.load(ql, 16), b0 = v128.load(ql, 32), b1 = v128.load(ql, 48);
  const h0 = v128.load(qh), h1 = v128.load(qh, 16);
  const s = v128.load64_zero(sc);
  const s16 = i16x8.extend_low_i8x16_s(s);
  let acc = q6Group(v128.or(v128.and(a0, m), v128.and(i16x8.shl(h0, 4), hm)), xh, i16x8.splat(i16x8.extract_lane_s(s16, 0)));
  acc = i32x4.add(acc, q6Group(v128.or(v128.and(a1, m), v128.and(i16x8.shl(h1, 4), hm)), xh + 16, i16x8.splat(i16x8.extract_lane_s(s16, 1))));
  pin(acc);
  acc = i32x4.add(acc, q6Group(v128.or(v128.and(b0, m), v128.and(i16x8.shl(h0, 2), hm)), xh + 32, i16x8.splat(i16x8.extract_lane_s(s16, 2))));
  acc = i32x4.add(acc, q6Group(v128.or(v128.and(b1, m), v128.and(i16x8.shl(h1, 2), hm)), xh + 48, i16x8.splat(i16x8.extract_lane_s(s16, 3))));
  pin(acc);
  acc = i32x4.add(acc, q6Group(v128.or(v128.and(i16x8.shr_u(a0, 4), m), v128.and(h0, hm)), xh + 64, i16x8.splat(i16x8.extract_lane_s(s16, 4))));
  acc = i32x4.add(acc, q6Group(v128.or(v128.and(i16x8.shr_u(a1, 4), m), v128.and(h1, hm)), xh + 80, i16x8.splat(i16x8.extract_lane_s(s16, 5))));
  pin(acc);
  acc = i32x4.add(acc, q6Group(v128.or(v128.and(i16x8.shr_u(b0, 4), m), v128.and(i16x8.shr_u(h0, 2), hm)), xh + 96, i16x8.splat(i16x8.extract_lane_s(s16, 6))));
  acc = i32x4.add(acc, q6Group(v128.or(v128.and(i16x8.shr_u(b1, 4), m), v128.and(i16x8.shr_u(h1, 2), hm)), xh + 112, i16x8.splat(i16x8.extract_lane_s(s16, 7))));
  return acc;
}

/**
 * Code vector k (0..7, a constant) of a Q6_K half, as halfQ6K8 builds it: the low (k < 4) or high nibbles of
 * ql[16·(k & 3) ..] and the bit pair of qh[16·(k & 1) ..] moved to bits 4–5.
 */
// @ts-ignore: decorator
@inline function q6Code(ql: usize, qh: usize, k: i32): v128 {
  const a = v128.load(ql + (<usize>(k & 3) << 4)), h = v128.load(qh + (<usize>(k & 1) << 4));
  const low = k < 4 ? v128.and(a, i8x16.splat(15)) : v128.and(i16x8.shr_u(a, 4), i8x16.splat(15));
  const high = k < 2 ? i16x8.shl(h, 4) : k < 4 ? i16x8.shl(h, 2) : k < 6 ? h : i16x8.shr_u(h, 2);
  return v128.or(low, v128.and(high, i8x16.splat(0x30)));
}

/**
 * halfQ6K8 for decode (one activation row): the same sums, each scale splat by one shuffle instead of extract_lane +
 * splat (four instructions), which made decode's Q6_K rows 10-13% faster (scripts/ab-kernel-builds.mjs). The
 * four-row prefill kernel keeps halfQ6K8: binaryen shares its splats between the rows, and this form made it 1.35x
 * slower there.
 */
// @ts-ignore: decorator
@inline function halfQ6K8Decode(ql: usize, qh: usize, sc: usize, xh: usize): v128 {
  const s16 = i16x8.extend_low_i8x16_s(v128.load64_zero(sc));
  let acc = q6Group(q6Code(ql, qh, 0), xh, lane16(s16, 0));
  acc = i32x4.add(acc, q6Group(q6Code(ql, qh, 1), xh + 16, lane16(s16, 1)));
  pin(acc);
  acc = i32x4.add(acc, q6Group(q6Code(ql, qh, 2), xh + 32, lane16(s16, 2)));
  acc = i32x4.add(acc, q6Group(q6Code(ql, qh, 3), xh + 48, lane16(s16, 3)));
  pin(acc);
  acc = i32x4.add(acc, q6Group(q6Code(ql, qh, 4), xh + 64, lane16(s16, 4)));
  acc = i32x4.add(acc, q6Group(q6Code(ql, qh, 5), xh + 80, lane16(s16, 5)));
  pin(acc);
  acc = i32x4.add(acc, q6Group(q6Code(ql, qh, 6), xh + 96, lane16(s16, 6)));
  acc = i32x4.add(acc, q6Group(q6Code(ql, qh, 7), xh + 112, lane16(s16, 7)));
  return acc;
}

/**
 * Relaxed build: one Q6_K super-block · int8 activations x8 (256 bytes) whose sums of 16 are at s16: Σ w·x / (d·dx)
 * as an integer, Σ sc·u·x − 32 · Σ sc·x.
 */
// @ts-ignore: decorator
@inline export function dotQ6K8(w: usize, x8: usize, s16: usize): i32 {
  const lo = halfQ6K8(w, w + 128, w + 192, x8);
  pin(lo);
  return hsumI32(i32x4.add(lo, halfQ6K8(w + 64, w + 160, w + 200, x8 + 128))) - q6Offset(w + 192, s16);
}

/** dotQ6K8 for decode (halfQ6K8Decode): the same integer. */
// @ts-ignore: decorator
@inline export function dotQ6K8Decode(w: usize, x8: usize, s16: usize): i32 {
  const lo = halfQ6K8Decode(w, w + 128, w + 192, x8);
  pin(lo);
  return hsumI32(i32x4.add(lo, halfQ6K8Decode(w + 64, w + 160, w + 200, x8 + 128))) - q6Offset(w + 192, s16);
}

/**
 * Relaxed build: one Q6_K row · four int8 activation rows (xqs: bytes between them; their sums of 16 at xs16, xss16
 * bytes apart).
 */
export function rowQ6Kx4r(
  w: usize, nb: i32, xq: usize, xqs: usize, xd: usize, xds: usize, xs16: usize, xss16: usize, out: usize, os: usize,
): void {
  let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
  for (let b = 0; b < nb; b++) {
    const d = f16ToF32(load<u16>(w, 208));
    a0 += load<f32>(xd) * (d * <f32>dotQ6K8(w, xq, xs16));
    a1 += load<f32>(xd + xds) * (d * <f32>dotQ6K8(w, xq + xqs, xs16 + xss16));
    a2 += load<f32>(xd + 2 * xds) * (d * <f32>dotQ6K8(w, xq + 2 * xqs, xs16 + 2 * xss16));
    a3 += load<f32>(xd + 3 * xds) * (d * <f32>dotQ6K8(w, xq + 3 * xqs, xs16 + 3 * xss16));
    w += Q6_K_BYTES;
    xq += 256;
    xd += 4;
    xs16 += 32;
  }
  store<f32>(out, a0);
  store<f32>(out + os, a1);
  store<f32>(out + 2 * os, a2);
  store<f32>(out + 3 * os, a3);
}
