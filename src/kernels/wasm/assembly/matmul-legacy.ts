// Integer matMul for the 32-element block types against int8 activations quantized per 32 (quantize.ts).
//
//   out (n, rows) = x (n, cols) · Wᵀ, computed for weight rows [r0, r1).
//   Q8_0 (34 B): f16 d, int8 q[32]                  w = d·q
//   Q4_0 (18 B): f16 d, u8 qs[16]                   w[j] = d·((qs[j] & 15) − 8), w[j+16] = d·((qs[j] >> 4) − 8)
//   Q4_1 (20 B): f16 d, f16 m, u8 qs[16]            w = d·nibble + m
//   Q5_0 (22 B): f16 d, u32 qh, u8 qs[16]           w[e] = d·((nibble | bit e of qh << 4) − 16)
//   Q5_1 (24 B): f16 d, f16 m, u32 qh, u8 qs[16]    w[e] = d·(nibble | bit e of qh << 4) + m
//
// Per block: Σ q_w·q_x through i32x4.dot_i16x8_s (weights widened to i16 on load, activations stored widened), the
// −8/−16 offsets as −offset·Σq_x, then one multiply by d·d_x; with a min, m·s_x where s_x = f16(d_x·Σq_x) as in
// ggml's Q8_1. The block decode is one inline function specialized per type; binaryen shares it between the four
// input rows of the prefill kernel (one weight block decoded once per four rows). Decode walks one weight row at a
// time, four blocks per step (one offset, conversion and scaling per four blocks; pin() keeps V8 from hoisting all
// the step's loads, see common.ts). With weights streaming from DRAM this beat two and four rows per pass sharing
// the activation loads (Q4_0, 1 thread: 8.7 against 6.0 and 5.6 GB/s), though those win when the matrix is cached.
// The relaxed-SIMD build dots the unsigned 4/5-bit codes of Q4_0/Q4_1/Q5_0/Q5_1 with the int8 activation copy
// (xq8) by i16x8.relaxed_dot_i8x16_i7x16_s: 16 products per instruction instead of 8, and no widening of the
// weights. The codes (≤ 31) are valid 7-bit operands and pair sums stay far from i16 overflow (≤ 2·31·127).
import { f16ToF32, halfHighToF32x4, hsumF32, pin, setTouchEnd, touch } from "./common";

export const K_Q8_0 = 0;
export const K_Q4_0 = 1;
export const K_Q4_1 = 2;
export const K_Q5_0 = 3;
export const K_Q5_1 = 4;

// @ts-ignore: decorator
@inline function blockBytes(kind: i32): usize {
  return kind == K_Q8_0 ? 34 : kind == K_Q4_0 ? 18 : kind == K_Q4_1 ? 20 : kind == K_Q5_0 ? 22 : 24;
}

// @ts-ignore: decorator
@inline function hasMin(kind: i32): bool {
  return kind == K_Q4_1 || kind == K_Q5_1;
}

/**
 * HIGH_BITS[b] (16 bytes): eight i16 lanes holding 0x10 where bit j of byte b is set — the 5th bits of eight
 * consecutive Q5 elements in one load. Filled by the start function of every instance (identical bytes each time).
 */
const HIGH_BITS = memory.data(256 * 16, 16);
for (let b = 0; b < 256; b++) {
  for (let j = 0; j < 8; j++) store<u16>(HIGH_BITS + (<usize>b << 4) + (<usize>j << 1), (b >> j) & 1 ? 16 : 0);
}

// @ts-ignore: decorator
@inline function highBits(b: u32): v128 {
  return v128.load(HIGH_BITS + (<usize>b << 4));
}

/** True when this build dots `kind` through the int8 activation copy (relaxed SIMD; all but Q8_0's signed codes). */
// @ts-ignore: decorator
@inline function relaxedFor(kind: i32): bool {
  return ASC_FEATURE_RELAXED_SIMD && kind != K_Q8_0;
}

/** Activation bytes per 32-element block in the stream `kind` reads: int8 (relaxed) or widened i16. */
// @ts-ignore: decorator
@inline function xBlockBytes(kind: i32): usize {
  return relaxedFor(kind) ? 32 : 64;
}

/**
 * Σ q_w·q_x over one block (i32x4 partial sums), codes as stored (no offset). x: 32 activations, i16 or (relaxed
 * build, see relaxedFor) int8.
 */
// @ts-ignore: decorator
@inline function blockDot(kind: i32, w: usize, x: usize): v128 {
  // outer test on the build constant alone: asc drops the branch (and its relaxed instructions) from the base build
  if (ASC_FEATURE_RELAXED_SIMD) if (kind != K_Q8_0) {
    const qs = w + (kind == K_Q4_0 ? 2 : kind == K_Q4_1 ? 4 : kind == K_Q5_0 ? 6 : 8);
    const raw = v128.load(qs);
    const m = i8x16.splat(15);
    let lo = v128.and(raw, m); // elements 0..15
    let hi = v128.and(i16x8.shr_u(raw, 4), m); // 16..31
    if (kind == K_Q5_0 || kind == K_Q5_1) {
      // byte j of qh's bytes b0..b3 broadcast 8 times each, then bit (j & 7) tested: 0x10 where set
      const qh = v128.load32_splat(qs - 4);
      const bit = v128(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
      const b01 = i8x16.relaxed_swizzle(qh, v128(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
      const b23 = i8x16.relaxed_swizzle(qh, v128(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
      lo = v128.or(lo, v128.and(i8x16.eq(v128.and(b01, bit), bit), i8x16.splat(16)));
      hi = v128.or(hi, v128.and(i8x16.eq(v128.and(b23, bit), bit), i8x16.splat(16)));
    }
    const s = i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x), lo),
      i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x, 16), hi));
    return i32x4.dot_i16x8_s(s, i16x8.splat(1)); // one pmaddwd (extadd_pairwise loads its constant each time)
  }
  let q0: v128, q1: v128, q2: v128, q3: v128;
  if (kind == K_Q8_0) {
    q0 = v128.load8x8_s(w, 2);
    q1 = v128.load8x8_s(w, 10);
    q2 = v128.load8x8_s(w, 18);
    q3 = v128.load8x8_s(w, 26);
  } else {
    const qs = w + (kind == K_Q4_0 ? 2 : kind == K_Q4_1 ? 4 : kind == K_Q5_0 ? 6 : 8);
    const a = v128.load8x8_u(qs), b = v128.load8x8_u(qs, 8);
    const m = i16x8.splat(15);
    q0 = v128.and(a, m); // elements 0..7
    q1 = v128.and(b, m); // 8..15
    q2 = i16x8.shr_u(a, 4); // 16..23
    q3 = i16x8.shr_u(b, 4); // 24..31
    if (kind == K_Q5_0 || kind == K_Q5_1) {
      const qh = load<u32>(qs - 4);
      q0 = v128.or(q0, highBits(qh & 0xff));
      q1 = v128.or(q1, highBits((qh >> 8) & 0xff));
      q2 = v128.or(q2, highBits((qh >> 16) & 0xff));
      q3 = v128.or(q3, highBits(qh >> 24));
    }
  }
  const s0 = i32x4.dot_i16x8_s(q0, v128.load(x));
  const s1 = i32x4.dot_i16x8_s(q1, v128.load(x, 16));
  const s2 = i32x4.dot_i16x8_s(q2, v128.load(x, 32));
  const s3 = i32x4.dot_i16x8_s(q3, v128.load(x, 48));
  return i32x4.add(i32x4.add(s0, s1), i32x4.add(s2, s3));
}

/** Total offset subtracted from the stored codes (Q4_0: 8, Q5_0: 16), applied as −offset·Σq_x per block. */
// @ts-ignore: decorator
@inline function offsetShift(kind: i32): i32 {
  return kind == K_Q4_0 ? 3 : kind == K_Q5_0 ? 4 : 0;
}

/** (Σa, Σb, Σc, Σd): four i32x4 partial sums reduced and transposed into one vector (6 shuffles/adds). */
// @ts-ignore: decorator
@inline function transposeSum(a: v128, b: v128, c: v128, d: v128): v128 {
  const t0 = i32x4.add(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(a, b, 2, 6, 3, 7));
  const t1 = i32x4.add(i32x4.shuffle(c, d, 0, 4, 1, 5), i32x4.shuffle(c, d, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

/** The f16 values at p, p + stride, p + 2·stride, p + 3·stride as f32x4 (scales or mins of four weight rows). */
// @ts-ignore: decorator
@inline function gatherF16(p: usize, stride: usize): v128 {
  let h = i32x4.splat(0);
  h = v128.load16_lane(p, h, 1);
  h = v128.load16_lane(p + stride, h, 3);
  h = v128.load16_lane(p + 2 * stride, h, 5);
  h = v128.load16_lane(p + 3 * stride, h, 7);
  return halfHighToF32x4(h);
}

// Activation streams: xq (32 i16 per block); per block xd (f32 d), xs (i16 Σq), xc (f32 s = f16(d·Σq)), row-major
// for the decode kernels and interleaved by four rows for the prefill kernel (see quantize.ts).

/** One weight row · one activation row. */
// @ts-ignore: decorator
@inline function row1(kind: i32, w: usize, nb: i32, xq: usize, xd: usize, xs: usize, xc: usize): f32 {
  let acc = f32x4.splat(0);
  let mn: f32 = 0;
  const bytes = blockBytes(kind);
  let b = 0;
  {
    // four blocks per step: their sums reduced into one vector, so the offset, the conversion and the scaling
    // (four f16 scales gathered) happen once per four blocks (with pin() between the blocks, see there)
    let macc = acc;
    const xb = xBlockBytes(kind);
    for (; b + 4 <= nb; b += 4) {
      touch(w); // one load per step, evenly spread through the row, beats one per row
      const b0 = blockDot(kind, w, xq);
      pin(b0);
      const b1 = blockDot(kind, w + bytes, xq + xb);
      pin(b1);
      const b2 = blockDot(kind, w + 2 * bytes, xq + 2 * xb);
      pin(b2);
      const b3 = blockDot(kind, w + 3 * bytes, xq + 3 * xb);
      let v = transposeSum(b0, b1, b2, b3);
      if (offsetShift(kind) != 0) v = i32x4.sub(v, i32x4.shl(v128.load16x4_s(xs), offsetShift(kind)));
      acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(v), f32x4.mul(gatherF16(w, bytes), v128.load(xd))));
      if (hasMin(kind)) {
        macc = f32x4.add(macc, f32x4.mul(gatherF16(w + 2, bytes), v128.load(xc)));
        xc += 16;
      }
      w += 4 * bytes;
      xq += 4 * xb;
      xd += 16;
      xs += 8;
    }
    if (hasMin(kind)) acc = f32x4.add(acc, macc);
  }
  for (; b < nb; b++) {
    let s = blockDot(kind, w, xq);
    if (offsetShift(kind) != 0) s = i32x4.sub(s, i32x4.splat(<i32>load<i16>(xs) << (offsetShift(kind) - 2)));
    acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(s), f32x4.splat(f16ToF32(load<u16>(w)) * load<f32>(xd))));
    if (hasMin(kind)) {
      mn += f16ToF32(load<u16>(w, 2)) * load<f32>(xc);
      xc += 4;
    }
    w += bytes;
    xq += xBlockBytes(kind);
    xd += 4;
    xs += 2;
  }
  return hsumF32(acc) + mn;
}

/**
 * One weight row · four activation rows (xq stride xqs bytes) → out[0], out[os], out[2os], out[3os]. xd4/xs4/xc4
 * point at the interleaved per-block values of these four rows.
 */
// @ts-ignore: decorator
@inline function row1x4(
  kind: i32, w: usize, nb: i32, xq: usize, xqs: usize, xd4: usize, xs4: usize, xc4: usize, out: usize, os: usize,
): void {
  let acc = f32x4.splat(0), macc = acc;
  const bytes = blockBytes(kind);
  for (let b = 0; b < nb; b++) {
    const t0 = blockDot(kind, w, xq);
    pin(t0);
    const t1 = blockDot(kind, w, xq + xqs);
    pin(t1);
    const t2 = blockDot(kind, w, xq + 2 * xqs);
    pin(t2);
    let v = transposeSum(t0, t1, t2, blockDot(kind, w, xq + 3 * xqs));
    if (offsetShift(kind) != 0) v = i32x4.sub(v, i32x4.shl(v128.load16x4_s(xs4), offsetShift(kind)));
    const d = f32x4.mul(v128.load(xd4), f32x4.splat(f16ToF32(load<u16>(w))));
    acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(v), d));
    if (hasMin(kind)) {
      macc = f32x4.add(macc, f32x4.mul(v128.load(xc4), f32x4.splat(f16ToF32(load<u16>(w, 2)))));
      xc4 += 16;
    }
    w += bytes;
    xq += xBlockBytes(kind);
    xd4 += 16;
    xs4 += 8;
  }
  if (hasMin(kind)) acc = f32x4.add(acc, macc);
  v128.store32_lane(out, acc, 0);
  v128.store32_lane(out + os, acc, 1);
  v128.store32_lane(out + 2 * os, acc, 2);
  v128.store32_lane(out + 3 * os, acc, 3);
}

/** Rows [r0, r1) of out (n, rows); xc = the Q8_1 sums (n · cols/32 f32) right after xd. */
// @ts-ignore: decorator
@inline function matmulKind(
  kind: i32, w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize,
  r0: i32, r1: i32,
): void {
  const nb = cols >> 5;
  // the int8 copy sits right after the i16 activations (quantize.ts)
  if (relaxedFor(kind)) xq += (<usize>n * <usize>cols) << 1;
  const xqs = relaxedFor(kind) ? <usize>cols : <usize>cols << 1, xds = <usize>nb << 2, xss = <usize>nb << 1;
  const xc = xd + <usize>n * xds;
  const os = <usize>rows << 2;
  setTouchEnd(w + <usize>r1 * rb);
  let t = 0;
  for (; t + 4 <= n; t += 4) {
    // per-block values of rows t..t+3 are interleaved: 4·nb entries starting at entry t·nb
    const xqt = xq + <usize>t * xqs, xdt = xd + <usize>t * xds, xst = xs + <usize>t * xss, xct = xc + <usize>t * xds;
    const ot = out + <usize>t * os;
    for (let r = r0; r < r1; r++) {
      touch(w + <usize>r * rb);
      row1x4(kind, w + <usize>r * rb, nb, xqt, xqs, xdt, xst, xct, ot + (<usize>r << 2), os);
    }
  }
  for (; t < n; t++) {
    const xqt = xq + <usize>t * xqs, xdt = xd + <usize>t * xds, xst = xs + <usize>t * xss, xct = xc + <usize>t * xds;
    const ot = out + <usize>t * os;
    for (let r = r0; r < r1; r++) store<f32>(ot + (<usize>r << 2), row1(kind, w + <usize>r * rb, nb, xqt, xdt, xst, xct));
  }
}

export function matmulQ8_0(w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  matmulKind(K_Q8_0, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
}

export function matmulQ4_0(w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  matmulKind(K_Q4_0, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
}

export function matmulQ4_1(w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  matmulKind(K_Q4_1, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
}

export function matmulQ5_0(w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  matmulKind(K_Q5_0, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
}

export function matmulQ5_1(w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  matmulKind(K_Q5_1, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
}
