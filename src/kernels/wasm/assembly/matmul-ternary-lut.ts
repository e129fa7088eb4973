// Table-lookup matMul for TQ2_0 weights (T-MAC, arXiv 2407.00088) in the row-interleaved layout that
// src/kernels/ternary-lut.ts makes at load time (TQ2_0_LUT: not a ggml type, never in a file).
//
// Two ternary weights (ta, tb) form one of 9 patterns, a 4-bit index 3·(ta+1) + (tb+1). For each pair of
// activations (xa, xb) a 16-byte table holds ta·xa + tb·xb for every pattern, made once per token; each weight pair
// of every row is then one lane of an i8x16.swizzle instead of an unpack and a multiply. Exact sums of two int8
// activations need 9 bits, so each activation is split as x = 16·h + l (l = x & 15, h = x >> 4) and each pair has
// two tables: low (|entry| ≤ 30) and high (≤ 16). Four lookups of one table still fit in an int8 lane (≤ 120), so
// four pairs are summed in bytes before one widening to i16, and a block's 128 pairs fit in i16 (≤ 3840).
//
// Pairs follow TQ2_0's bytes: byte m (0–63) of a block holds the codes of elements e, e+32, e+64, e+96 (e = 128·(m >> 5)
// + (m & 31)) in bits 0–1, 2–3, 4–5, 6–7; its low pair (e, e+32) and high pair (e+64, e+96) become one byte of two
// indices, so the load-time repack is a byte table and a transpose of 16 rows.
// Layout, per group of 16 rows and per 256-weight block (1056 bytes, the same as 16 TQ2_0 blocks):
//   bytes 16·m .. +15: lane r = row r's byte m as indices (low pair | high pair << 4)      (m = 0 .. 63)
//   bytes 1024 .. 1055: the 16 rows' f16 scales
// Tables (written by buildLutTables after the activation rounding, at xq + n·cols·3): per token and block, for
// m = 0 .. 63, the low pair's 16-byte table of low nibbles, of high nibbles, then the high pair's two.
// Per block the integer sum Σ t·x is the same as the multiply kernel's (codes − Σx), and it is scaled and added in
// the same f32 order (acc += sum · (dw · dx)): the two kernels give the same bits.
import { f16ToF32, setTouchEnd, touch } from "./common";

export const LUT_GROUP_BLOCK_BYTES: usize = 1056;

/** Where the tables of n rows of `cols` activations start: after the i16 values and their int8 copy. */
// @ts-ignore: decorator
@inline export function lutTables(xq: usize, n: i32, cols: i32): usize {
  return xq + <usize>n * <usize>cols * 3;
}

/** Tables for rows [t0, t1) of the n rows of i16 activations at xq (see quantize.ts). */
export function buildLutTables(xq: usize, n: i32, cols: i32, t0: i32, t1: i32): void {
  // lane i of the table: pattern i = 3·ca + cb, weights ca − 1 and cb − 1 (lanes 9–15: no pattern, 0)
  const aPos = i8x16(0, 0, 0, 0, 0, 0, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0);
  const aNeg = i8x16(-1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const bPos = i8x16(0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0);
  const bNeg = i8x16(-1, 0, 0, -1, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const tables = lutTables(xq, n, cols);
  for (let t = t0; t < t1; t++) {
    const x = xq + ((<usize>t * <usize>cols) << 1);
    let tab = tables + ((<usize>t * <usize>cols) << 4);
    for (let b = 0; b < cols; b += 256) {
      for (let m = 0; m < 64; m++) {
        const e = x + (<usize>(b + ((m >> 5) << 7) + (m & 31)) << 1);
        for (let s = 0; s < 2; s++) {
          const es = e + (<usize>s << 7);
          const xa = <i32>load<i16>(es), xb = <i32>load<i16>(es, 64);
          const la = i8x16.splat(<i8>(xa & 15)), lb = i8x16.splat(<i8>(xb & 15));
          const ha = i8x16.splat(<i8>(xa >> 4)), hb = i8x16.splat(<i8>(xb >> 4));
          v128.store(tab, i8x16.sub(i8x16.add(v128.and(aPos, la), v128.and(bPos, lb)), i8x16.add(v128.and(aNeg, la), v128.and(bNeg, lb))));
          v128.store(tab, i8x16.sub(i8x16.add(v128.and(aPos, ha), v128.and(bPos, hb)), i8x16.add(v128.and(aNeg, ha), v128.and(bNeg, hb))), 16);
          tab += 32;
        }
      }
    }
  }
}

/** Four f16 scales (u16 lanes widened to u32) → f32, as common.ts f16ToF32 converts one (no subnormal operands). */
// @ts-ignore: decorator
@inline function f16x4ToF32(h: v128): v128 {
  const sign = i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16);
  const normal = v128.or(sign, i32x4.add(i32x4.shl(v128.and(h, i32x4.splat(0x7fff)), 13), i32x4.splat(0x38000000)));
  const sub = v128.or(sign, f32x4.mul(f32x4.convert_i32x4_s(v128.and(h, i32x4.splat(0x3ff))), f32x4.splat(5.9604644775390625e-8)));
  return v128.bitselect(normal, sub, i32x4.ne(v128.and(h, i32x4.splat(0x7c00)), i32x4.splat(0)));
}

/**
 * Lane i = table lane idx[i]; the indices are 0–15, where relaxed_swizzle is defined as swizzle is. x86 needs one
 * instruction for it (pshufb) against two for swizzle (which must zero lanes of indices ≥ 16 first).
 */
// @ts-ignore: decorator
@inline function lookup(table: v128, idx: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i8x16.relaxed_swizzle(table, idx);
  return i8x16.swizzle(table, idx);
}

/** Rows [r0, r1) (multiples of 16) of out (n, rows) for a TQ2_0_LUT weight; tables from buildLutTables. */
export function matmulTernaryLut(
  w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, n: i32, out: usize, r0: i32, r1: i32,
): void {
  const nb = cols >> 8;
  const groupBytes = rb << 4;
  const os = <usize>rows << 2;
  const m15 = i8x16.splat(15);
  const tables = lutTables(xq, n, cols);
  setTouchEnd(w + <usize>r1 * rb);
  for (let t = 0; t < n; t++) {
    const tabT = tables + ((<usize>t * <usize>cols) << 4), xdt = xd + ((<usize>t * <usize>nb) << 2);
    for (let r = r0; r < r1; r += 16) {
      let wb = w + <usize>(r >> 4) * groupBytes;
      let f0 = f32x4.splat(0), f1 = f0, f2 = f0, f3 = f0;
      for (let b = 0; b < nb; b++) {
        touch(wb);
        let tab = tabT + (<usize>b << 12);
        let l0 = i16x8.splat(0), l1 = l0, h0 = l0, h1 = l0;
        for (let q = 0; q < 32; q++) {
          const v0 = v128.load(wb), v1 = v128.load(wb, 16);
          // high nibbles by a 16-bit shift and the mask already in a register: V8 spends five instructions on
          // i8x16.shr_u (a 16-bit shift, then its mask made anew from an immediate), two here
          const i0 = v128.and(v0, m15), i1 = v128.and(i16x8.shr_u(v0, 4), m15), i2 = v128.and(v1, m15), i3 = v128.and(i16x8.shr_u(v1, 4), m15);
          const sl = i8x16.add(
            i8x16.add(lookup(v128.load(tab), i0), lookup(v128.load(tab, 32), i1)),
            i8x16.add(lookup(v128.load(tab, 64), i2), lookup(v128.load(tab, 96), i3)));
          const sh = i8x16.add(
            i8x16.add(lookup(v128.load(tab, 16), i0), lookup(v128.load(tab, 48), i1)),
            i8x16.add(lookup(v128.load(tab, 80), i2), lookup(v128.load(tab, 112), i3)));
          l0 = i16x8.add(l0, i16x8.extend_low_i8x16_s(sl));
          l1 = i16x8.add(l1, i16x8.extend_high_i8x16_s(sl));
          h0 = i16x8.add(h0, i16x8.extend_low_i8x16_s(sh));
          h1 = i16x8.add(h1, i16x8.extend_high_i8x16_s(sh));
          wb += 32;
          tab += 128;
        }
        // Σ t·x = 16·high + low per row, then acc += sum · (dw · dx) for rows 0–3, 4–7, 8–11, 12–15
        const s0 = i32x4.add(i32x4.shl(i32x4.extend_low_i16x8_s(h0), 4), i32x4.extend_low_i16x8_s(l0));
        const s1 = i32x4.add(i32x4.shl(i32x4.extend_high_i16x8_s(h0), 4), i32x4.extend_high_i16x8_s(l0));
        const s2 = i32x4.add(i32x4.shl(i32x4.extend_low_i16x8_s(h1), 4), i32x4.extend_low_i16x8_s(l1));
        const s3 = i32x4.add(i32x4.shl(i32x4.extend_high_i16x8_s(h1), 4), i32x4.extend_high_i16x8_s(l1));
        const dx = f32x4.splat(load<f32>(xdt + (<usize>b << 2)));
        f0 = f32x4.add(f0, f32x4.mul(f32x4.convert_i32x4_s(s0), f32x4.mul(f16x4ToF32(v128.load16x4_u(wb)), dx)));
        f1 = f32x4.add(f1, f32x4.mul(f32x4.convert_i32x4_s(s1), f32x4.mul(f16x4ToF32(v128.load16x4_u(wb, 8)), dx)));
        f2 = f32x4.add(f2, f32x4.mul(f32x4.convert_i32x4_s(s2), f32x4.mul(f16x4ToF32(v128.load16x4_u(wb, 16)), dx)));
        f3 = f32x4.add(f3, f32x4.mul(f32x4.convert_i32x4_s(s3), f32x4.mul(f16x4ToF32(v128.load16x4_u(wb, 24)), dx)));
        wb += 32;
      }
      const o = out + <usize>t * os + (<usize>r << 2);
      v128.store(o, f0);
      v128.store(o, f1, 16);
      v128.store(o, f2, 32);
      v128.store(o, f3, 48);
    }
  }
}

/** dst (cols f32) = row `lane` (0–15) of the 16-row group at g, dequantized. */
export function getRowTernaryLut(g: usize, lane: i32, dst: usize, cols: i32): void {
  const nb = cols >> 8;
  for (let b = 0; b < nb; b++) {
    const wb = g + <usize>b * LUT_GROUP_BLOCK_BYTES;
    const d = f16ToF32(<u32>load<u16>(wb + 1024 + (<usize>lane << 1)));
    for (let m = 0; m < 64; m++) {
      const byte = <i32>load<u8>(wb + (<usize>m << 4) + <usize>lane);
      const lo = byte & 15, hi = byte >> 4;
      const o = dst + ((<usize>((b << 8) + ((m >> 5) << 7) + (m & 31))) << 2);
      store<f32>(o, <f32>(lo / 3 - 1) * d);
      store<f32>(o, <f32>(lo % 3 - 1) * d, 128);
      store<f32>(o, <f32>(hi / 3 - 1) * d, 256);
      store<f32>(o, <f32>(hi % 3 - 1) * d, 384);
    }
  }
}
