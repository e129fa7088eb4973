// Q4_0 and Q5_0 matMul in four-row interleaved layouts (Q4_0_X4, Q5_0_X4: not ggml types, never in a file), made in
// place at load time by repackX4 for the relaxed-SIMD build. The idea is ggml's own CPU repacking of Q4_0: put four
// weight rows side by side so that one integer dot product serves four outputs.
//
// Layout: rows 0..(rows & ~3) − 1 in groups of four, each group in the 4·rb bytes its rows had; per group and per
// 32-element block (4 × the block size: 72 bytes for Q4_0, 88 for Q5_0):
//   bytes 0..7                       the four rows' f16 scales d
//   Q5_0 only, bytes 8..23: H        byte 4·r + i, bit v: the 5th bit of row r's element 4·v + i (v = 0..7)
//   byte C + 16·j + 4·r + i          row r's qs[4j + i] (j, i = 0..3): low nibble element 4j + i, high 16 + 4j + i
//                                    (C = 8 for Q4_0, 24 for Q5_0)
// Rows after the last full group keep ggml's layout at w + r·rb (matmulQ4_0 / matmulQ5_0 compute them).
//
// Why: with one row per pass (matmul-legacy.ts) each block's integer sum sits in four lanes that must be reduced and
// transposed before the scaling. Here lane r of every product is row r: the four activation bytes a lane needs are
// one 32-bit broadcast, eight relaxed dots cover the block for four rows, one pmaddwd reduces the pairs, and the
// offset, conversion and scaling are done once per four rows. For a prompt, each unpacked code vector serves four
// input rows, and each result is already four outputs in a vector. Q5_0's 5th bits of code vector v (the low nibbles
// of qs bytes 4v.. for v < 4, the high nibbles of 4(v − 4).. above) are bit v of H's lanes, moved to bit 4 by one
// 16-bit shift (bits crossing into the other byte of a lane land outside the 0x10 mask): three operations per code
// vector instead of ggml-layout's byte spreading and compares.
// Working with V8 (see common.ts pin()): it gives every 32-bit splat load with a different offset its own address
// register, and issues all of a block's loads first. So decode reads a broadcast copy of its activation row (plain
// loads, offsets folded; 4 × cols bytes, cache-resident), and both loops work half a block at a time with pin()
// between the parts: four code vectors live instead of eight. Measured and lost: lane broadcasts by shuffle from
// one 16-byte load (prompt 0.8–1.0× of the splat loads), scalar loads then splat (0.9×), all eight codes live (1.2×
// of the one-row kernel where the halves give 1.4×).
// Integer sums are exactly those of matmulQ4_0 / matmulQ5_0 (Σ code·x − offset·Σx per block, offset 8 or 16); per
// output the blocks are scaled and added in block order, as ggml's scalar dot product does (src/kernels/x4-layout.ts
// has the plain-TS twin). Pair sums stay ≤ 2·31·127 = 7874, four of them (a quarter of a block for one input row)
// ≤ 31496, inside i16: Q4_0 (≤ 2·15·127) may add eight in i16, Q5_0 widens each quarter to i32.
import { f16ToF32, halfHighToF32x4, pin, setTouchEnd, touch } from "./common";
import { matmulQ4_0, matmulQ5_0 } from "./matmul-legacy";

// @ts-ignore: decorator
@inline function blockBytes(high: bool): usize {
  return high ? 22 : 18;
}

/** Offset of the interleaved nibbles in a group block (after the scales, and Q5_0's H). */
// @ts-ignore: decorator
@inline function codesAt(high: bool): usize {
  return high ? 24 : 8;
}

/**
 * Rewrite the Q4_0 (high = false) or Q5_0 matrix (rows × cols, row stride rb) at w into the layout above, group by
 * group; scratch holds 4·rb bytes (a group's rows as they were). Rows past the last full group are left as they are.
 */
export function repackX4(high: bool, w: usize, rb: usize, rows: i32, cols: i32, scratch: usize): void {
  const nb = cols >> 5;
  const groupBytes = rb << 2;
  const bytes = blockBytes(high), gb = bytes << 2, c = codesAt(high);
  for (let g = 0; g + 4 <= rows; g += 4) {
    const base = w + <usize>g * rb;
    memory.copy(scratch, base, groupBytes);
    for (let b = 0; b < nb; b++) {
      const dst = base + <usize>b * gb;
      for (let r = 0; r < 4; r++) {
        const src = scratch + <usize>r * rb + <usize>b * bytes;
        store<u16>(dst + (<usize>r << 1), load<u16>(src));
        const qs = src + (high ? 6 : 2);
        for (let j = 0; j < 4; j++) store<u32>(dst + c + (<usize>j << 4) + (<usize>r << 2), load<u32>(qs + (<usize>j << 2)));
        if (high) {
          const qh = load<u32>(src, 2);
          for (let i = 0; i < 4; i++) {
            let h: u32 = 0;
            for (let v = 0; v < 8; v++) h |= ((qh >> <u32>(4 * v + i)) & 1) << <u32>v;
            store<u8>(dst + 8 + (<usize>r << 2) + <usize>i, <u8>h);
          }
        }
      }
    }
  }
}

/** dst (cols f32) = row `lane` (0–3) of the group at g, dequantized exactly as ggml's row: (q − 8)·d or (q − 16)·d. */
export function getRowX4(high: bool, g: usize, lane: i32, dst: usize, cols: i32): void {
  const nb = cols >> 5;
  const gb = blockBytes(high) << 2, c = codesAt(high);
  const off = high ? 16 : 8;
  for (let b = 0; b < nb; b++) {
    const wb = g + <usize>b * gb;
    const d = f16ToF32(<u32>load<u16>(wb + (<usize>lane << 1))); // as dequant.ts converts Q4_0/Q5_0 scales
    for (let j = 0; j < 4; j++) {
      for (let i = 0; i < 4; i++) {
        const byte = <i32>load<u8>(wb + c + (<usize>j << 4) + (<usize>lane << 2) + <usize>i);
        const h = high ? <i32>load<u8>(wb + 8 + (<usize>lane << 2) + <usize>i) : 0;
        const o = dst + (<usize>((b << 5) + (j << 2) + i) << 2);
        store<f32>(o, <f32>(((byte & 15) | (((h >> j) & 1) << 4)) - off) * d);
        store<f32>(o, <f32>(((byte >> 4) | (((h >> (j + 4)) & 1) << 4)) - off) * d, 64);
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

/**
 * Code vector v (0..7) of a group block: the raw nibble bytes `raw` (qs bytes 4(v & 3).. of the four rows), the low
 * nibbles for v < 4, the high ones above; Q5_0 ORs in the 5th bits from H (see the header).
 */
// @ts-ignore: decorator
@inline function codes(high: bool, raw: v128, v: i32, h: v128): v128 {
  const m = i8x16.splat(15);
  const c = v < 4 ? v128.and(raw, m) : v128.and(i16x8.shr_u(raw, 4), m);
  if (!high) return c;
  const moved = v < 4 ? i16x8.shl(h, 4 - v) : v == 4 ? h : i16x8.shr_u(h, v - 4);
  return v128.or(c, v128.and(moved, i8x16.splat(16)));
}

/** i16 pair sums of a quarter block (16 elements) for the four rows: codes c0..c3, x = 16 int8 activations. */
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

/** i16 pair sums → i32 sums of pairs (one pmaddwd). */
// @ts-ignore: decorator
@inline function widen(p: v128): v128 {
  return i32x4.dot_i16x8_s(p, i16x8.splat(1));
}

/**
 * A block's integer sums for one input row from its two halves' i16 pair sums (lo: elements 0..15, hi: 16..31), as
 * i32 lanes = rows: Q4_0 adds them in i16 (≤ 8·2·15·127), Q5_0 widens each first.
 */
// @ts-ignore: decorator
@inline function blockSums(high: bool, lo: v128, hi: v128): v128 {
  return high ? i32x4.add(widen(lo), widen(hi)) : widen(i16x8.add(lo, hi));
}

/**
 * Rows [r0, r1) of out (n, rows) = x · Wᵀ for a Q4_0_X4 / Q5_0_X4 weight; r0 is a multiple of 4 (thread chunks
 * are). xq/xd/xs as for Q4_0 (quantize.ts): i16 values with the int8 copy after them, per-block d and Σq interleaved
 * by four input rows for complete groups of four.
 */
// @ts-ignore: decorator
@inline function matmulX4(
  high: bool, w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize,
  r0: i32, r1: i32,
): void {
  const grouped = rows & ~3;
  const g1 = r1 < grouped ? r1 : grouped;
  if (r1 > grouped) {
    const t0 = r0 > grouped ? r0 : grouped;
    if (high) matmulQ5_0(w, rb, rows, cols, xq, xd, xs, n, out, t0, r1);
    else matmulQ4_0(w, rb, rows, cols, xq, xd, xs, n, out, t0, r1);
  }
  if (r0 >= g1) return;
  const nb = cols >> 5;
  const gb = blockBytes(high) << 2, c = codesAt(high);
  const shift = high ? 4 : 3; // offset 16 or 8 times Σq
  const x8 = xq + ((<usize>n * <usize>cols) << 1);
  const os = <usize>rows << 2;
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
        // half a block at a time (four code vectors live, not eight), each input's sum carried across the halves:
        // fewer live vectors than x64's sixteen registers, where all eight codes and four accumulators spilled
        const x1 = xb + <usize>cols, x2 = xb + 2 * <usize>cols, x3 = xb + 3 * <usize>cols;
        const h = high ? v128.load(wb, 8) : i16x8.splat(0);
        const q = wb + c;
        let c0 = codes(high, v128.load(q), 0, h), c1 = codes(high, v128.load(q, 16), 1, h);
        let c2 = codes(high, v128.load(q, 32), 2, h), c3 = codes(high, v128.load(q, 48), 3, h);
        let h0 = quarter(c0, c1, c2, c3, xb);
        if (high) h0 = widen(h0);
        pin(h0);
        let h1 = quarter(c0, c1, c2, c3, x1);
        if (high) h1 = widen(h1);
        pin(h1);
        let h2 = quarter(c0, c1, c2, c3, x2);
        if (high) h2 = widen(h2);
        pin(h2);
        let h3 = quarter(c0, c1, c2, c3, x3);
        if (high) h3 = widen(h3);
        pin(h3);
        c0 = codes(high, v128.load(q), 4, h);
        c1 = codes(high, v128.load(q, 16), 5, h);
        c2 = codes(high, v128.load(q, 32), 6, h);
        c3 = codes(high, v128.load(q, 48), 7, h);
        // Q4_0: i16 pair sums of the whole block, widened below; Q5_0: i32 sums already
        h0 = high ? i32x4.add(h0, widen(quarter(c0, c1, c2, c3, xb + 16))) : i16x8.add(h0, quarter(c0, c1, c2, c3, xb + 16));
        pin(h0);
        h1 = high ? i32x4.add(h1, widen(quarter(c0, c1, c2, c3, x1 + 16))) : i16x8.add(h1, quarter(c0, c1, c2, c3, x1 + 16));
        pin(h1);
        h2 = high ? i32x4.add(h2, widen(quarter(c0, c1, c2, c3, x2 + 16))) : i16x8.add(h2, quarter(c0, c1, c2, c3, x2 + 16));
        pin(h2);
        h3 = high ? i32x4.add(h3, widen(quarter(c0, c1, c2, c3, x3 + 16))) : i16x8.add(h3, quarter(c0, c1, c2, c3, x3 + 16));
        if (!high) {
          h0 = widen(h0);
          h1 = widen(h1);
          h2 = widen(h2);
          h3 = widen(h3);
        }
        const dw = scales4(wb);
        const off = i32x4.shl(v128.load16x4_s(xsb), shift);
        const dx = v128.load(xdb);
        const s0 = i32x4.sub(h0, i32x4.shuffle(off, off, 0, 0, 0, 0));
        a0 = f32x4.add(a0, f32x4.mul(f32x4.convert_i32x4_s(s0), f32x4.mul(dw, i32x4.shuffle(dx, dx, 0, 0, 0, 0))));
        const s1 = i32x4.sub(h1, i32x4.shuffle(off, off, 1, 1, 1, 1));
        a1 = f32x4.add(a1, f32x4.mul(f32x4.convert_i32x4_s(s1), f32x4.mul(dw, i32x4.shuffle(dx, dx, 1, 1, 1, 1))));
        const s2 = i32x4.sub(h2, i32x4.shuffle(off, off, 2, 2, 2, 2));
        a2 = f32x4.add(a2, f32x4.mul(f32x4.convert_i32x4_s(s2), f32x4.mul(dw, i32x4.shuffle(dx, dx, 2, 2, 2, 2))));
        const s3 = i32x4.sub(h3, i32x4.shuffle(off, off, 3, 3, 3, 3));
        a3 = f32x4.add(a3, f32x4.mul(f32x4.convert_i32x4_s(s3), f32x4.mul(dw, i32x4.shuffle(dx, dx, 3, 3, 3, 3))));
        pin(a3);
        wb += gb;
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
        const h = high ? v128.load(wb, 8) : i16x8.splat(0);
        const q = wb + c;
        const v0 = v128.load(q), v1 = v128.load(q, 16), v2 = v128.load(q, 32), v3 = v128.load(q, 48);
        // low nibbles first, pinned, then the high: V8 would otherwise issue all twelve loads first and spill
        const lo = i16x8.add(
          i16x8.add(rdot(v128.load(xb), codes(high, v0, 0, h)), rdot(v128.load(xb, 16), codes(high, v1, 1, h))),
          i16x8.add(rdot(v128.load(xb, 32), codes(high, v2, 2, h)), rdot(v128.load(xb, 48), codes(high, v3, 3, h))));
        pin(lo);
        const hi = i16x8.add(
          i16x8.add(rdot(v128.load(xb, 64), codes(high, v0, 4, h)), rdot(v128.load(xb, 80), codes(high, v1, 5, h))),
          i16x8.add(rdot(v128.load(xb, 96), codes(high, v2, 6, h)), rdot(v128.load(xb, 112), codes(high, v3, 7, h))));
        const v = i32x4.sub(blockSums(high, lo, hi), i32x4.splat(<i32>load<i16>(xsb) << shift));
        acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(v), f32x4.mul(scales4(wb), f32x4.splat(load<f32>(xdb)))));
        wb += gb;
        xb += 128;
        xdb += 4;
        xsb += 2;
      }
      v128.store(ot + (<usize>g << 2), acc);
    }
  }
}

export function matmulQ4x4(
  w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize, r0: i32, r1: i32,
): void {
  matmulX4(false, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
}

export function matmulQ5x4(
  w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize, r0: i32, r1: i32,
): void {
  matmulX4(true, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
}
