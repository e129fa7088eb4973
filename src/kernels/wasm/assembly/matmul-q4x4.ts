// Q4_0 matMul in a four-row interleaved layout (Q4_0_X4: not a ggml type, never in a file), made in place at load
// time by repackQ4x4 for the relaxed-SIMD build. The idea is ggml's own CPU repacking of Q4_0: put four weight rows
// side by side so that one integer dot product serves four outputs.
//
// Layout: rows 0..(rows & ~3) − 1 in groups of four, each group in the 4·rb bytes its rows had; per group and per
// 32-element block (72 bytes, the size of four Q4_0 blocks):
//   bytes 0..7                       the four rows' f16 scales d
//   byte 8 + 16·j + 4·r + i          row r's qs[4j + i] (j, i = 0..3): low nibble element 4j + i, high 16 + 4j + i
// Rows after the last full group keep ggml's layout at w + r·rb (matmulQ4_0 computes them).
//
// Why: with one row per pass (matmul-legacy.ts) each block's integer sum sits in four lanes that must be reduced and
// transposed before the scaling. Here lane r of every product is row r: the four activation bytes a lane needs are
// one 32-bit broadcast, eight relaxed dots cover the block for four rows, one pmaddwd reduces the pairs, and the
// offset, conversion and scaling are done once per four rows. For a prompt, each unpacked code vector serves four
// input rows, and each result is already four outputs in a vector.
// Working with V8 (see common.ts pin()): it gives every 32-bit splat load with a different offset its own address
// register, and issues all of a block's loads first. So decode reads a broadcast copy of its activation row (plain
// loads, offsets folded; 4 × cols bytes, cache-resident), and both loops work half a block at a time with pin()
// between the parts: four code vectors live instead of eight. Measured and lost: lane broadcasts by shuffle from
// one 16-byte load (prompt 0.8–1.0× of the splat loads), scalar loads then splat (0.9×), all eight codes live (1.2×
// of the one-row kernel where the halves give 1.4×).
// Integer sums are exactly those of matmulQ4_0 (Σ code·x − 8·Σx per block); per output the blocks are scaled and
// added in block order, as ggml's scalar dot product does (src/kernels/q4-x4.ts has the plain-TS twin). Pair sums
// stay ≤ 2·15·127 and eight of them ≤ 30480, inside i16.
import { f16ToF32, halfHighToF32x4, pin, setTouchEnd, touch } from "./common";
import { matmulQ4_0 } from "./matmul-legacy";

const Q4_0_BYTES: usize = 18;
const GROUP_BLOCK_BYTES: usize = 72;

/**
 * Rewrite the Q4_0 matrix (rows × cols, row stride rb) at w into the layout above, group by group; scratch holds
 * 4·rb bytes (a group's rows as they were). Rows past the last full group are left as they are.
 */
export function repackQ4x4(w: usize, rb: usize, rows: i32, cols: i32, scratch: usize): void {
  const nb = cols >> 5;
  const groupBytes = rb << 2;
  for (let g = 0; g + 4 <= rows; g += 4) {
    const base = w + <usize>g * rb;
    memory.copy(scratch, base, groupBytes);
    for (let b = 0; b < nb; b++) {
      const dst = base + <usize>b * GROUP_BLOCK_BYTES;
      for (let r = 0; r < 4; r++) {
        const src = scratch + <usize>r * rb + <usize>b * Q4_0_BYTES;
        store<u16>(dst + (<usize>r << 1), load<u16>(src));
        for (let j = 0; j < 4; j++) store<u32>(dst + 8 + (<usize>j << 4) + (<usize>r << 2), load<u32>(src + 2 + (<usize>j << 2)));
      }
    }
  }
}

/** dst (cols f32) = row `lane` (0–3) of the group at g, dequantized exactly as ggml's Q4_0 row: (q − 8)·d. */
export function getRowQ4x4(g: usize, lane: i32, dst: usize, cols: i32): void {
  const nb = cols >> 5;
  for (let b = 0; b < nb; b++) {
    const wb = g + <usize>b * GROUP_BLOCK_BYTES;
    const d = f16ToF32(<u32>load<u16>(wb + (<usize>lane << 1))); // as dequant.ts converts Q4_0 scales
    for (let j = 0; j < 4; j++) {
      for (let i = 0; i < 4; i++) {
        const byte = <i32>load<u8>(wb + 8 + (<usize>j << 4) + (<usize>lane << 2) + <usize>i);
        const o = dst + (<usize>((b << 5) + (j << 2) + i) << 2);
        store<f32>(o, <f32>((byte & 15) - 8) * d);
        store<f32>(o, <f32>((byte >> 4) - 8) * d, 64);
      }
    }
  }
}

/** Four rows' f16 scales at p (lanes = rows) as f32x4. */
// @ts-ignore: decorator
@inline function scales4(p: usize): v128 {
  return halfHighToF32x4(i32x4.shl(v128.load16x4_u(p), 16));
}

/**
 * Where the broadcast activations of the single input rows (t ≥ n & ~3) start: after the i16 values and their int8
 * copy. Row t's block b is 128 bytes: vector k = its int8 elements 4k..4k+3 repeated four times, the operand lane r
 * needs, so the decode loop reads plain vectors (V8 folds their offsets) instead of eight 32-bit splat loads.
 */
// @ts-ignore: decorator
@inline export function broadcastRows(xq: usize, n: i32, cols: i32): usize {
  return xq + <usize>n * <usize>cols * 3;
}

/** Broadcast copies of rows [t0, t1) ∩ [n & ~3, n) of the int8 activations (see broadcastRows). */
export function buildBroadcastRows(xq: usize, n: i32, cols: i32, t0: i32, t1: i32): void {
  const full = n & ~3;
  const x8 = xq + ((<usize>n * <usize>cols) << 1);
  const dst = broadcastRows(xq, n, cols);
  for (let t = t0 > full ? t0 : full; t < t1; t++) {
    const src = x8 + <usize>t * <usize>cols;
    const row = dst + ((<usize>(t - full) * <usize>cols) << 2);
    for (let k = 0; k < cols; k += 4) v128.store(row + (<usize>k << 2), v128.load32_splat(src + <usize>k));
  }
}

/** i16 pair sums of half a block (16 elements) for the four rows: codes c0..c3, x = 16 int8 activations. */
// @ts-ignore: decorator
@inline function quarter(c0: v128, c1: v128, c2: v128, c3: v128, x: usize): v128 {
  return i16x8.add(
    i16x8.add(rdot(v128.load32_splat(x), c0), rdot(v128.load32_splat(x, 4), c1)),
    i16x8.add(rdot(v128.load32_splat(x, 8), c2), rdot(v128.load32_splat(x, 12), c3)));
}

/** i16x8.relaxed_dot_i8x16_i7x16_s(x, codes) in the relaxed build (the base build never calls the kernels here). */
// @ts-ignore: decorator
@inline function rdot(x: v128, codes: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i16x8.relaxed_dot_i8x16_i7x16_s(x, codes);
  return codes;
}

/**
 * Rows [r0, r1) of out (n, rows) = x · Wᵀ for a Q4_0_X4 weight; r0 is a multiple of 4 (thread chunks are).
 * xq/xd/xs as for Q4_0 (quantize.ts): i16 values with the int8 copy after them, per-block d and Σq interleaved by
 * four input rows for complete groups of four.
 */
export function matmulQ4x4(
  w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize, r0: i32, r1: i32,
): void {
  const grouped = rows & ~3;
  const g1 = r1 < grouped ? r1 : grouped;
  if (r1 > grouped) matmulQ4_0(w, rb, rows, cols, xq, xd, xs, n, out, r0 > grouped ? r0 : grouped, r1);
  if (r0 >= g1) return;
  const nb = cols >> 5;
  const x8 = xq + ((<usize>n * <usize>cols) << 1);
  const os = <usize>rows << 2;
  const m = i8x16.splat(15);
  setTouchEnd(w + <usize>g1 * rb);
  const full = n & ~3;
  for (let t = 0; t < full; t += 4) {
    // four input rows: their per-block d and Σq are interleaved (entry ((t >> 2)·nb + b)·4 + (t & 3))
    const xt = x8 + <usize>t * <usize>cols;
    const xdt = xd + ((<usize>t * <usize>nb) << 2), xst = xs + ((<usize>t * <usize>nb) << 1);
    const ot = out + <usize>t * os;
    for (let g = r0; g < g1; g += 4) {
      let wb = w + <usize>g * rb;
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let xb = xt, xdb = xdt, xsb = xst;
      for (let b = 0; b < nb; b++) {
        touch(wb);
        // half a block at a time (four code vectors live, not eight), each input's i16 sum carried across the halves:
        // fewer live vectors than x64's sixteen registers, where all eight codes and four accumulators spilled
        const x1 = xb + <usize>cols, x2 = xb + 2 * <usize>cols, x3 = xb + 3 * <usize>cols;
        let c0 = v128.and(v128.load(wb, 8), m), c1 = v128.and(v128.load(wb, 24), m);
        let c2 = v128.and(v128.load(wb, 40), m), c3 = v128.and(v128.load(wb, 56), m);
        let h0 = quarter(c0, c1, c2, c3, xb);
        pin(h0);
        let h1 = quarter(c0, c1, c2, c3, x1);
        pin(h1);
        let h2 = quarter(c0, c1, c2, c3, x2);
        pin(h2);
        let h3 = quarter(c0, c1, c2, c3, x3);
        pin(h3);
        c0 = v128.and(i16x8.shr_u(v128.load(wb, 8), 4), m);
        c1 = v128.and(i16x8.shr_u(v128.load(wb, 24), 4), m);
        c2 = v128.and(i16x8.shr_u(v128.load(wb, 40), 4), m);
        c3 = v128.and(i16x8.shr_u(v128.load(wb, 56), 4), m);
        h0 = i16x8.add(h0, quarter(c0, c1, c2, c3, xb + 16));
        pin(h0);
        h1 = i16x8.add(h1, quarter(c0, c1, c2, c3, x1 + 16));
        pin(h1);
        h2 = i16x8.add(h2, quarter(c0, c1, c2, c3, x2 + 16));
        pin(h2);
        h3 = i16x8.add(h3, quarter(c0, c1, c2, c3, x3 + 16));
        const dw = scales4(wb);
        const off = i32x4.shl(v128.load16x4_s(xsb), 3);
        const dx = v128.load(xdb);
        const one = i16x8.splat(1);
        const s0 = i32x4.sub(i32x4.dot_i16x8_s(h0, one), i32x4.shuffle(off, off, 0, 0, 0, 0));
        a0 = f32x4.add(a0, f32x4.mul(f32x4.convert_i32x4_s(s0), f32x4.mul(dw, i32x4.shuffle(dx, dx, 0, 0, 0, 0))));
        const s1 = i32x4.sub(i32x4.dot_i16x8_s(h1, one), i32x4.shuffle(off, off, 1, 1, 1, 1));
        a1 = f32x4.add(a1, f32x4.mul(f32x4.convert_i32x4_s(s1), f32x4.mul(dw, i32x4.shuffle(dx, dx, 1, 1, 1, 1))));
        const s2 = i32x4.sub(i32x4.dot_i16x8_s(h2, one), i32x4.shuffle(off, off, 2, 2, 2, 2));
        a2 = f32x4.add(a2, f32x4.mul(f32x4.convert_i32x4_s(s2), f32x4.mul(dw, i32x4.shuffle(dx, dx, 2, 2, 2, 2))));
        const s3 = i32x4.sub(i32x4.dot_i16x8_s(h3, one), i32x4.shuffle(off, off, 3, 3, 3, 3));
        a3 = f32x4.add(a3, f32x4.mul(f32x4.convert_i32x4_s(s3), f32x4.mul(dw, i32x4.shuffle(dx, dx, 3, 3, 3, 3))));
        pin(a3);
        wb += GROUP_BLOCK_BYTES;
        xb += 32;
        xdb += 16;
        xsb += 8;
      }
      const o = ot + (<usize>g << 2);
      v128.store(o, a0);
      v128.store(o + os, a1);
      v128.store(o + 2 * os, a2);
      v128.store(o + 3 * os, a3);
    }
  }
  const xbr = broadcastRows(xq, n, cols);
  for (let t = full; t < n; t++) {
    // single input rows (decode, and a prompt's last n mod 4): broadcast activations, row-major per-block values
    const xt = xbr + ((<usize>(t - full) * <usize>cols) << 2);
    const xdt = xd + ((<usize>t * <usize>nb) << 2), xst = xs + ((<usize>t * <usize>nb) << 1);
    const ot = out + <usize>t * os;
    for (let g = r0; g < g1; g += 4) {
      let wb = w + <usize>g * rb;
      let acc = f32x4.splat(0);
      let xb = xt, xdb = xdt, xsb = xst;
      for (let b = 0; b < nb; b++) {
        touch(wb);
        const v0 = v128.load(wb, 8), v1 = v128.load(wb, 24), v2 = v128.load(wb, 40), v3 = v128.load(wb, 56);
        // low nibbles first, pinned, then the high: V8 would otherwise issue all twelve loads first and spill
        const lo = i16x8.add(
          i16x8.add(rdot(v128.load(xb), v128.and(v0, m)), rdot(v128.load(xb, 16), v128.and(v1, m))),
          i16x8.add(rdot(v128.load(xb, 32), v128.and(v2, m)), rdot(v128.load(xb, 48), v128.and(v3, m))));
        pin(lo);
        const hi = i16x8.add(
          i16x8.add(rdot(v128.load(xb, 64), v128.and(i16x8.shr_u(v0, 4), m)), rdot(v128.load(xb, 80), v128.and(i16x8.shr_u(v1, 4), m))),
          i16x8.add(rdot(v128.load(xb, 96), v128.and(i16x8.shr_u(v2, 4), m)), rdot(v128.load(xb, 112), v128.and(i16x8.shr_u(v3, 4), m))));
        const s = i32x4.dot_i16x8_s(i16x8.add(lo, hi), i16x8.splat(1));
        const v = i32x4.sub(s, i32x4.splat(<i32>load<i16>(xsb) << 3));
        acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(v), f32x4.mul(scales4(wb), f32x4.splat(load<f32>(xdb)))));
        wb += GROUP_BLOCK_BYTES;
        xb += 128;
        xdb += 4;
        xsb += 2;
      }
      v128.store(ot + (<usize>g << 2), acc);
    }
  }
}
