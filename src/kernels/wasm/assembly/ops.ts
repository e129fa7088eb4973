// Element-wise and per-row ops: norms, rope, KV store, attention for one head, residual add, bias, SwiGLU, GELU.
// Shapes and semantics are those of src/kernels/types.ts; every pointer is a byte offset into the shared memory.
import { expF32, expF32x4, f16HighToF32x4, f16LowToF32x4, f16ToF32, f32ToF16, hsumF32, madd } from "./common";
import { roundActivations, roundToF16x4 } from "./quantize";

/** Σ x² over dim floats, accumulated in f64 (the reference sums in double; dim can be 8192). */
// @ts-ignore: decorator
@inline function sumSquares(x: usize, dim: i32): f64 {
  let a = f64x2.splat(0), b = a;
  const d4 = dim & ~3;
  for (let i = 0; i < d4; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    a = f64x2.add(a, f64x2.mul(lo, lo));
    b = f64x2.add(b, f64x2.mul(hi, hi));
  }
  const s = f64x2.add(a, b);
  let ss = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (let i = d4; i < dim; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    ss += v * v;
  }
  return ss;
}

/** y (n, dim) = x / sqrt(mean(x²) + eps) · weight. y may alias x. */
export function rmsNorm(x: usize, w: usize, n: i32, dim: i32, eps: f32, y: usize): void {
  const rowBytes = <usize>dim << 2;
  for (let t = 0; t < n; t++, x += rowBytes, y += rowBytes) {
    const scale = <f32>(1.0 / Math.sqrt(sumSquares(x, dim) / <f64>dim + <f64>eps));
    const vs = f32x4.splat(scale);
    const d4 = dim & ~3;
    for (let i = 0; i < d4; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.mul(f32x4.mul(v128.load(x + o), vs), v128.load(w + o)));
    }
    for (let i = d4; i < dim; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, load<f32>(x + o) * scale * load<f32>(w + o));
    }
  }
}

/** y (n, dim) = (x − mean) / sqrt(var + eps) · weight + bias. y may alias x. */
export function layerNorm(x: usize, w: usize, b: usize, n: i32, dim: i32, eps: f32, y: usize): void {
  const rowBytes = <usize>dim << 2;
  for (let t = 0; t < n; t++, x += rowBytes, y += rowBytes) {
    let mean: f64 = 0;
    for (let i = 0; i < dim; i++) mean += <f64>load<f32>(x + (<usize>i << 2));
    mean /= <f64>dim;
    let variance: f64 = 0;
    for (let i = 0; i < dim; i++) {
      const dv = <f64>load<f32>(x + (<usize>i << 2)) - mean;
      variance += dv * dv;
    }
    const scale = <f32>(1.0 / Math.sqrt(variance / <f64>dim + <f64>eps));
    const m = <f32>mean;
    const vm = f32x4.splat(m), vs = f32x4.splat(scale);
    const d4 = dim & ~3;
    for (let i = 0; i < d4; i += 4) {
      const o = <usize>i << 2;
      const v = f32x4.mul(f32x4.mul(f32x4.sub(v128.load(x + o), vm), vs), v128.load(w + o));
      v128.store(y + o, f32x4.add(v, v128.load(b + o)));
    }
    for (let i = d4; i < dim; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, (load<f32>(x + o) - m) * scale * load<f32>(w + o) + load<f32>(b + o));
    }
  }
}

/**
 * Rotary embedding in place on x (n, nHeads, headDim), positions pos0.. (see Kernels.rope), in ggml's float32
 * arithmetic: theta starts at pos and is multiplied by base^(−2/ropeDim) once per pair, cos/sin rounded to f32.
 */
export function rope(
  x: usize, n: i32, nHeads: i32, headDim: i32, ropeDim: i32, pos0: i32, freqBase: f64, freqScale: f64, neox: bool,
  freqFactors: usize, mscale: f32,
): void {
  const half = ropeDim >> 1;
  const headBytes = <usize>headDim << 2;
  const thetaScale = <f32>Math.pow(freqBase, <f64><f32>(-2.0 / <f64>ropeDim));
  for (let t = 0; t < n; t++) {
    let theta = <f32>(pos0 + t);
    const row = x + <usize>t * <usize>nHeads * headBytes;
    for (let i = 0; i < half; i++) {
      let th = freqFactors != 0 ? theta / load<f32>(freqFactors + (<usize>i << 2)) : theta;
      th = <f32>(freqScale * <f64>th);
      const c = <f32>Math.cos(<f64>th) * mscale, s = <f32>Math.sin(<f64>th) * mscale;
      const oa: usize = neox ? <usize>i << 2 : <usize>(i << 1) << 2;
      const ob: usize = neox ? <usize>(i + half) << 2 : oa + 4;
      for (let h = 0; h < nHeads; h++) {
        const base = row + <usize>h * headBytes;
        const x0 = load<f32>(base + oa), x1 = load<f32>(base + ob);
        store<f32>(base + oa, x0 * c - x1 * s);
        store<f32>(base + ob, x0 * s + x1 * c);
      }
      theta *= thetaScale;
    }
  }
}

/** Rows pos0..pos0+n−1 of the K and V caches (ctx, kvDim) ← k, v (n, kvDim) f32, converted when isF16. */
export function storeKv(k: usize, v: usize, n: i32, kvDim: i32, pos0: i32, kCache: usize, vCache: usize, isF16: bool): void {
  const count = n * kvDim;
  if (!isF16) {
    const off = <usize>pos0 * <usize>kvDim << 2;
    memory.copy(kCache + off, k, <usize>count << 2);
    memory.copy(vCache + off, v, <usize>count << 2);
    return;
  }
  const off = <usize>pos0 * <usize>kvDim << 1;
  const c8 = count & ~7;
  for (let i = 0; i < c8; i += 8) {
    const src = <usize>i << 2, dst = off + (<usize>i << 1);
    v128.store(kCache + dst, i16x8.narrow_i32x4_u(f16Bits4(v128.load(k + src)), f16Bits4(v128.load(k + src, 16))));
    v128.store(vCache + dst, i16x8.narrow_i32x4_u(f16Bits4(v128.load(v + src)), f16Bits4(v128.load(v + src, 16))));
  }
  for (let i = c8; i < count; i++) {
    store<u16>(kCache + off + (<usize>i << 1), <u16>f32ToF16(load<f32>(k + (<usize>i << 2))));
    store<u16>(vCache + off + (<usize>i << 1), <u16>f32ToF16(load<f32>(v + (<usize>i << 2))));
  }
}

/**
 * f32ToF16 of four lanes (binary16 bits in the low half of each i32 lane): round to nearest even, overflow to Inf,
 * NaN → sign|0x7E00. Normals by integer rounding of the rebiased bits (a carry into the exponent is the right
 * result); below 2^−14 by adding 0.5, which makes the float unit's rounding step 2^−24, the binary16 subnormal step.
 * The scalar loop took ~20 ns per value (a call with branches): 8 µs per decode step of a 192-wide KV row.
 */
// @ts-ignore: decorator
@inline function f16Bits4(x: v128): v128 {
  const a = v128.and(x, i32x4.splat(0x7fffffff));
  const sign = v128.and(i32x4.shr_u(x, 16), i32x4.splat(0x8000));
  const odd = v128.and(i32x4.shr_u(a, 13), i32x4.splat(1));
  let h = i32x4.shr_u(i32x4.add(i32x4.sub(a, i32x4.splat(0x38000000)), i32x4.add(i32x4.splat(0xfff), odd)), 13);
  h = i32x4.min_u(h, i32x4.splat(0x7c00));
  const sub = i32x4.sub(f32x4.add(a, f32x4.splat(0.5)), i32x4.splat(0x3f000000));
  h = v128.bitselect(sub, h, i32x4.lt_s(a, i32x4.splat(0x38800000)));
  h = v128.bitselect(i32x4.splat(0x7e00), h, i32x4.gt_s(a, i32x4.splat(0x7f800000)));
  return v128.or(h, sign);
}

/** Elements i..i+3 of a cache row (f16 or f32) as f32x4; `hi` selects i+4..i+7 of an 8-element f16 load. */
// @ts-ignore: decorator
@inline function cacheLo(isF16: bool, row: usize, i: i32): v128 {
  return isF16 ? f16LowToF32x4(v128.load(row + (<usize>i << 1))) : v128.load(row + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function cacheHi(isF16: bool, row: usize, i: i32): v128 {
  return isF16 ? f16HighToF32x4(v128.load(row + (<usize>i << 1))) : v128.load(row + (<usize>i << 2), 16);
}

// @ts-ignore: decorator
@inline function cacheAt(isF16: bool, row: usize, i: i32): f32 {
  return isF16 ? f16ToF32(load<u16>(row + (<usize>i << 1))) : load<f32>(row + (<usize>i << 2));
}

/**
 * softmax in place over `count` scores at att: e^(s − max) / Σ, rounded to f16 for an f16 cache (ggml multiplies the
 * weights by V in f16).
 */
function softmaxRow(att: usize, count: i32, isF16: bool): void {
  let mx: f32 = -Infinity;
  for (let p = 0; p < count; p++) mx = max(mx, load<f32>(att + (<usize>p << 2)));
  const vmax = f32x4.splat(mx);
  let vsum = f32x4.splat(0);
  const c4 = count & ~3;
  for (let p = 0; p < c4; p += 4) {
    const o = att + (<usize>p << 2);
    const e = expF32x4(f32x4.sub(v128.load(o), vmax));
    v128.store(o, e);
    vsum = f32x4.add(vsum, e);
  }
  let sum = hsumF32(vsum);
  for (let p = c4; p < count; p++) {
    const o = att + (<usize>p << 2);
    const e = expF32(load<f32>(o) - mx);
    store<f32>(o, e);
    sum += e;
  }
  const vs = f32x4.splat(sum);
  for (let p = 0; p < c4; p += 4) {
    const o = att + (<usize>p << 2);
    const wv = f32x4.div(v128.load(o), vs);
    v128.store(o, isF16 ? roundToF16x4(wv) : wv);
  }
  for (let p = c4; p < count; p++) {
    const o = att + (<usize>p << 2);
    const wv = f32x4.div(v128.load32_zero(o), vs);
    v128.store32_lane(o, isF16 ? roundToF16x4(wv) : wv, 0);
  }
}

/** Bytes of attention scratch for hb ≤ 4 heads: rounded q rows (4 · headDim f32), then 4 score rows of `count`. */
// @ts-ignore: decorator
@inline function qBytes(headDim: i32): usize {
  return ((<usize>(4 * headDim) << 2) + 15) & ~15;
}

/**
 * hb (1..4, a constant) query heads sharing one KV head, at one position: out_j (headDim) = softmax(scale ·
 * q_j·K[0..count)) · V[0..count) (softcap > 0: scale · softcap · tanh(q_j·k / softcap)). Each 8-element slice of a K or V row is converted from f16 once and used by all hb
 * heads. q/out rows of consecutive heads are headDim floats apart; kRow/vRow point at this KV head's slice of cache
 * row 0 (stride rowBytes). With an f16 cache q and the softmax weights are rounded to f16 before their products, as
 * ggml's f16 matMuls do. scratch: see qBytes + 4 · (last + 4) floats.
 */
// @ts-ignore: decorator
@inline function attendBatch(
  hb: i32, q: usize, count: i32, kRow: usize, vRow: usize, rowBytes: usize, headDim: i32, scale: f32, cacheF16: bool,
  out: usize, scratch: usize, cap: f32, roundF16: bool,
): void {
  const isF16 = cacheF16; // element type of the rows read (a converted tile of an f16 cache is f32)
  const rowStride = <usize>headDim << 2;
  const scoreStride = <usize>((count + 3) & ~3) << 2;
  let qp = q;
  if (roundF16) {
    qp = scratch;
    for (let j = 0; j < hb; j++) roundActivations(false, q + <usize>j * rowStride, headDim, qp + <usize>j * rowStride);
  }
  const att = scratch + qBytes(headDim);
  const q1 = qp + rowStride, q2 = qp + 2 * rowStride, q3 = qp + 3 * rowStride;
  const d8 = headDim & ~7;
  // scores
  for (let p = 0; p < count; p++) {
    const kp = kRow + <usize>p * rowBytes;
    let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    for (let i = 0; i < d8; i += 8) {
      const kl = cacheLo(isF16, kp, i), kh = cacheHi(isF16, kp, i);
      const o = <usize>i << 2;
      a0 = madd(v128.load(qp + o), kl, a0);
      b0 = madd(v128.load(qp + o, 16), kh, b0);
      if (hb > 1) {
        a1 = madd(v128.load(q1 + o), kl, a1);
        b1 = madd(v128.load(q1 + o, 16), kh, b1);
      }
      if (hb > 2) {
        a2 = madd(v128.load(q2 + o), kl, a2);
        b2 = madd(v128.load(q2 + o, 16), kh, b2);
      }
      if (hb > 3) {
        a3 = madd(v128.load(q3 + o), kl, a3);
        b3 = madd(v128.load(q3 + o, 16), kh, b3);
      }
    }
    let s0 = hsumF32(f32x4.add(a0, b0)), s1 = hsumF32(f32x4.add(a1, b1));
    let s2 = hsumF32(f32x4.add(a2, b2)), s3 = hsumF32(f32x4.add(a3, b3));
    for (let i = d8; i < headDim; i++) {
      const kv = cacheAt(isF16, kp, i), o = <usize>i << 2;
      s0 += load<f32>(qp + o) * kv;
      if (hb > 1) s1 += load<f32>(q1 + o) * kv;
      if (hb > 2) s2 += load<f32>(q2 + o) * kv;
      if (hb > 3) s3 += load<f32>(q3 + o) * kv;
    }
    if (cap > 0) {
      const inv: f32 = 1 / cap;
      s0 = capScore(s0, cap, inv);
      if (hb > 1) s1 = capScore(s1, cap, inv);
      if (hb > 2) s2 = capScore(s2, cap, inv);
      if (hb > 3) s3 = capScore(s3, cap, inv);
    }
    const po = att + (<usize>p << 2);
    store<f32>(po, s0 * scale);
    if (hb > 1) store<f32>(po + scoreStride, s1 * scale);
    if (hb > 2) store<f32>(po + 2 * scoreStride, s2 * scale);
    if (hb > 3) store<f32>(po + 3 * scoreStride, s3 * scale);
  }
  for (let j = 0; j < hb; j++) softmaxRow(att + <usize>j * scoreStride, count, roundF16);
  // out_j = Σ_p w_j[p]·V[p], 8 output elements at a time held in registers across all positions
  const w1 = att + scoreStride, w2 = att + 2 * scoreStride, w3 = att + 3 * scoreStride;
  for (let i = 0; i < d8; i += 8) {
    let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    let vp = vRow;
    for (let p = 0; p < count; p++, vp += rowBytes) {
      const vl = cacheLo(isF16, vp, i), vh = cacheHi(isF16, vp, i);
      const po = <usize>p << 2;
      const x0 = v128.load32_splat(att + po);
      a0 = madd(x0, vl, a0);
      b0 = madd(x0, vh, b0);
      if (hb > 1) {
        const x1 = v128.load32_splat(w1 + po);
        a1 = madd(x1, vl, a1);
        b1 = madd(x1, vh, b1);
      }
      if (hb > 2) {
        const x2 = v128.load32_splat(w2 + po);
        a2 = madd(x2, vl, a2);
        b2 = madd(x2, vh, b2);
      }
      if (hb > 3) {
        const x3 = v128.load32_splat(w3 + po);
        a3 = madd(x3, vl, a3);
        b3 = madd(x3, vh, b3);
      }
    }
    const o = out + (<usize>i << 2);
    v128.store(o, a0);
    v128.store(o, b0, 16);
    if (hb > 1) { v128.store(o + rowStride, a1); v128.store(o + rowStride, b1, 16); }
    if (hb > 2) { v128.store(o + 2 * rowStride, a2); v128.store(o + 2 * rowStride, b2, 16); }
    if (hb > 3) { v128.store(o + 3 * rowStride, a3); v128.store(o + 3 * rowStride, b3, 16); }
  }
  for (let i = d8; i < headDim; i++) {
    for (let j = 0; j < hb; j++) {
      const wj = att + <usize>j * scoreStride;
      let s: f32 = 0;
      for (let p = 0; p < count; p++) s += load<f32>(wj + (<usize>p << 2)) * cacheAt(isF16, vRow + <usize>p * rowBytes, i);
      store<f32>(out + <usize>j * rowStride + (<usize>i << 2), s);
    }
  }
}

// Rows read by attendBatch: an f32 cache, an f16 cache, or an f32 tile converted from an f16 cache (rounding as f16).
const ROWS_F32 = 0;
const ROWS_F16 = 1;
const ROWS_F16_TILE = 2;

// @ts-ignore: decorator
@inline function attendBatchRows(hb: i32, q: usize, c: i32, k: usize, v: usize, rb: usize, hd: i32, scale: f32, rows: i32, out: usize, s: usize, cap: f32): void {
  if (rows == ROWS_F16) attendBatch(hb, q, c, k, v, rb, hd, scale, true, out, s, cap, true);
  else if (rows == ROWS_F16_TILE) attendBatch(hb, q, c, k, v, rb, hd, scale, false, out, s, cap, true);
  else attendBatch(hb, q, c, k, v, rb, hd, scale, false, out, s, cap, false);
}
function attendBatch1(q: usize, c: i32, k: usize, v: usize, rb: usize, hd: i32, scale: f32, rows: i32, out: usize, s: usize, cap: f32): void {
  attendBatchRows(1, q, c, k, v, rb, hd, scale, rows, out, s, cap);
}
function attendBatch2(q: usize, c: i32, k: usize, v: usize, rb: usize, hd: i32, scale: f32, rows: i32, out: usize, s: usize, cap: f32): void {
  attendBatchRows(2, q, c, k, v, rb, hd, scale, rows, out, s, cap);
}
function attendBatch3(q: usize, c: i32, k: usize, v: usize, rb: usize, hd: i32, scale: f32, rows: i32, out: usize, s: usize, cap: f32): void {
  attendBatchRows(3, q, c, k, v, rb, hd, scale, rows, out, s, cap);
}
function attendBatch4(q: usize, c: i32, k: usize, v: usize, rb: usize, hd: i32, scale: f32, rows: i32, out: usize, s: usize, cap: f32): void {
  attendBatchRows(4, q, c, k, v, rb, hd, scale, rows, out, s, cap);
}

/** ggml's soft-capping of one score: cap · tanh(s · (1/cap)), each step rounded to f32. */
// @ts-ignore: decorator
@inline function capScore(s: f32, cap: f32, inv: f32): f32 {
  return cap * <f32>Math.tanh(<f64>(s * inv));
}

/** Query positions per prompt work item with an f16 cache: they share one f32 conversion of the K/V rows (a tile). */
export const ATTEND_BLOCK = 16;
/** Most rows in a tile (8 · rows · headDim bytes per thread); a block that sees more converts on the fly. */
export const ATTEND_TILE_ROWS = 1024;

/**
 * Work items of an attention call (see Kernels.attention): (position, KV head) pairs, or for a prompt over an f16
 * cache (n > 1) (block of ATTEND_BLOCK positions, KV head) pairs, item = block·nKvHeads + g.
 */
export function attendItems(n: i32, nKvHeads: i32, isF16: bool): i32 {
  return (isF16 && n > 1 ? (n + ATTEND_BLOCK - 1) / ATTEND_BLOCK : n) * nKvHeads;
}

/**
 * Attention work item `item` (see attendItems): the query heads of KV head g at each of its positions, in batches
 * of up to four heads. Rows seen by position pos0 + t: allLast ≥ 0 (not causal) 0..allLast; else
 * max(0, pos − window + 1) .. pos (window 0: from 0). A prompt's block first converts the K/V rows its positions see
 * into the f32 tile (8 · ATTEND_TILE_ROWS · headDim bytes; the same exact values the f16 path converts on the fly, so
 * the same bits; the conversion was redone for every query row, ~40% of the work). scratch: attentionScratch(headDim,
 * pos0 + n).
 */
export function attendItem(
  item: i32, q: usize, n: i32, pos0: i32, nHeads: i32, nKvHeads: i32, headDim: i32, scale: f32, kCache: usize,
  vCache: usize, isF16: bool, out: usize, scratch: usize, window: i32, allLast: i32, cap: f32, tile: usize,
): void {
  const block = item / nKvHeads, g = item - block * nKvHeads;
  const elem: usize = isF16 ? 2 : 4;
  const rowBytes = <usize>(nKvHeads * headDim) * elem;
  const kvOff = <usize>(g * headDim) * elem;
  if (!(isF16 && n > 1)) {
    // item = (position, KV head)
    attendPosition(block, g, q, pos0, nHeads, nKvHeads, headDim, scale, kCache + kvOff, vCache + kvOff, rowBytes, isF16 ? ROWS_F16 : ROWS_F32, out, scratch, window, allLast, cap);
    return;
  }
  const t0 = block * ATTEND_BLOCK, t1 = min(n, t0 + ATTEND_BLOCK);
  // rows [lo, hi] seen by any position of the block
  const hi = allLast >= 0 ? allLast : pos0 + t1 - 1;
  const lo = allLast < 0 && window > 0 ? max(0, pos0 + t0 - window + 1) : 0;
  if (hi - lo + 1 > ATTEND_TILE_ROWS) {
    for (let t = t0; t < t1; t++) {
      attendPosition(t, g, q, pos0, nHeads, nKvHeads, headDim, scale, kCache + kvOff, vCache + kvOff, rowBytes, ROWS_F16, out, scratch, window, allLast, cap);
    }
    return;
  }
  const tileRow = <usize>headDim << 2;
  const kTile = tile;
  const vTile = kTile + <usize>(hi - lo + 1) * tileRow;
  for (let p = lo; p <= hi; p++) {
    const o = <usize>(p - lo) * tileRow;
    convertRow(kCache + kvOff + <usize>p * rowBytes, kTile + o, headDim);
    convertRow(vCache + kvOff + <usize>p * rowBytes, vTile + o, headDim);
  }
  for (let t = t0; t < t1; t++) {
    attendPosition(t, g, q, pos0, nHeads, nKvHeads, headDim, scale, kTile - <usize>lo * tileRow, vTile - <usize>lo * tileRow, tileRow, ROWS_F16_TILE, out, scratch, window, allLast, cap);
  }
}

/** headDim f16 values at src → f32 at dst, by the conversion the attention loops use (exact for finite values). */
// @ts-ignore: decorator
@inline function convertRow(src: usize, dst: usize, headDim: i32): void {
  const d8 = headDim & ~7;
  for (let i = 0; i < d8; i += 8) {
    const h = v128.load(src + (<usize>i << 1));
    v128.store(dst + (<usize>i << 2), f16LowToF32x4(h));
    v128.store(dst + (<usize>i << 2), f16HighToF32x4(h), 16);
  }
  for (let i = d8; i < headDim; i++) store<f32>(dst + (<usize>i << 2), f16ToF32(load<u16>(src + (<usize>i << 1))));
}

/**
 * The query heads of KV head g at position pos0 + t against rows k/v (this KV head's slice of row 0, stride
 * rowBytes; `rows` says their element type), in batches of up to four heads.
 */
// @ts-ignore: decorator
@inline function attendPosition(
  t: i32, g: i32, q: usize, pos0: i32, nHeads: i32, nKvHeads: i32, headDim: i32, scale: f32, kRow: usize, vRow: usize,
  rowBytes: usize, rows: i32, out: usize, scratch: usize, window: i32, allLast: i32, cap: f32,
): void {
  const group = nHeads / nKvHeads;
  const last = allLast >= 0 ? allLast : pos0 + t;
  const first = allLast < 0 && window > 0 ? max(0, last - window + 1) : 0;
  const count = last - first + 1;
  for (let h = 0; h < group; h += 4) {
    const qo = (<usize>(t * nHeads + g * group + h) * <usize>headDim) << 2;
    const hb = min(4, group - h);
    const k = kRow + <usize>first * rowBytes, v = vRow + <usize>first * rowBytes;
    if (hb == 4) attendBatch4(q + qo, count, k, v, rowBytes, headDim, scale, rows, out + qo, scratch, cap);
    else if (hb == 3) attendBatch3(q + qo, count, k, v, rowBytes, headDim, scale, rows, out + qo, scratch, cap);
    else if (hb == 2) attendBatch2(q + qo, count, k, v, rowBytes, headDim, scale, rows, out + qo, scratch, cap);
    else attendBatch1(q + qo, count, k, v, rowBytes, headDim, scale, rows, out + qo, scratch, cap);
  }
}

/** a[i] += b[i] for i < count. */
export function add(a: usize, b: usize, count: i32): void {
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(a + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (let i = c4; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(a + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** x[t, :] += bias for t < n. */
export function addBias(x: usize, bias: usize, n: i32, dim: i32): void {
  for (let t = 0; t < n; t++) add(x + ((<usize>t * <usize>dim) << 2), bias, dim);
}

/** gate[i] = gate[i] / (1 + e^−gate[i]) · up[i]. */
export function swiglu(g: usize, u: usize, count: i32): void {
  const c4 = count & ~3;
  const one = f32x4.splat(1);
  for (let i = 0; i < c4; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(g + o);
    const e = expF32x4(f32x4.neg(x));
    v128.store(g + o, f32x4.mul(f32x4.div(x, f32x4.add(one, e)), v128.load(u + o)));
  }
  for (let i = c4; i < count; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(g + o);
    store<f32>(g + o, (x / (1 + expF32(-x))) * load<f32>(u + o));
  }
}

/**
 * x = gelu(x) with ggml's f16-table semantics: the input is rounded to f16, the result rounded to f16, and |x| ≥ 10
 * saturates (0 below −10, x above 10). Tanh form computed as h·σ(2u) = h / (1 + e^−2u), u = √(2/π)·(h + 0.044715h³).
 */
export function gelu(x: usize, count: i32): void {
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) {
    const o = x + (<usize>i << 2);
    v128.store(o, gelu4(v128.load(o)));
  }
  for (let i = c4; i < count; i++) {
    const o = x + (<usize>i << 2);
    v128.store32_lane(o, gelu4(v128.load32_zero(o)), 0);
  }
}

/** gate = gelu(gate) · up (GEGLU), the GELU exactly as gelu above. */
export function geglu(g: usize, u: usize, count: i32): void {
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(g + o, f32x4.mul(gelu4(v128.load(g + o)), v128.load(u + o)));
  }
  for (let i = c4; i < count; i++) {
    const o = <usize>i << 2;
    v128.store32_lane(g + o, f32x4.mul(gelu4(v128.load32_zero(g + o)), v128.load32_zero(u + o)), 0);
  }
}

/** x[i] *= s. */
export function scale(x: usize, count: i32, s: f32): void {
  const c4 = count & ~3;
  const vs = f32x4.splat(s);
  for (let i = 0; i < c4; i += 4) {
    const o = x + (<usize>i << 2);
    v128.store(o, f32x4.mul(v128.load(o), vs));
  }
  for (let i = c4; i < count; i++) {
    const o = x + (<usize>i << 2);
    store<f32>(o, load<f32>(o) * s);
  }
}

/** x[i] = cap · tanh(x[i] · (1/cap)) (final-logit soft-capping; ggml's scale, tanh, scale). */
export function softcap(x: usize, count: i32, cap: f32): void {
  const inv: f32 = 1 / cap;
  for (let i = 0; i < count; i++) {
    const o = x + (<usize>i << 2);
    store<f32>(o, capScore(load<f32>(o), cap, inv));
  }
}

// @ts-ignore: decorator
@inline function gelu4(v: v128): v128 {
  const one = f32x4.splat(1);
  const h = roundToF16x4(v);
  const u = f32x4.mul(f32x4.mul(f32x4.splat(-2 * 0.7978845608028654), h),
    f32x4.add(one, f32x4.mul(f32x4.splat(0.044715), f32x4.mul(h, h))));
  let y = roundToF16x4(f32x4.div(h, f32x4.add(one, expF32x4(u))));
  y = v128.bitselect(v, y, f32x4.ge(v, f32x4.splat(10)));
  return v128.andnot(y, f32x4.le(v, f32x4.splat(-10)));
}
