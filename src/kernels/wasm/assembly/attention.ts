// Attention of one KV head's query heads over the KV cache (Kernels.attention): the scores, softmax and weighted V
// rows of up to four heads per pass, and the work items the pool splits a call into. Every pointer is a byte offset
// into the shared memory.
import { expF32, expF32x4, f16HighToF32x4, f16LowToF32x4, f16ToF32, hsumF32, madd } from "./common";
import { roundActivations, roundToF16x4 } from "./quantize";

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
 * row 0 (stride rowBytes), f16 (isF16) or f32 (an f32 cache, or the f32 tile of an f16 one). With an f16 cache
 * (roundF16) q and the softmax weights are rounded to f16 before their products, as ggml's f16 matMuls do. scratch:
 * see qBytes + 4 · (last + 4) floats.
 */
// @ts-ignore: decorator
@inline function attendBatch(
  hb: i32, q: usize, count: i32, kRow: usize, vRow: usize, rowBytes: usize, headDim: i32, scale: f32, isF16: bool,
  out: usize, scratch: usize, cap: f32, roundF16: bool,
): void {
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
  // rows [lo, hi] seen by any position of the block: converted once into the tile unless there are too many
  const hi = allLast >= 0 ? allLast : pos0 + t1 - 1;
  const lo = allLast < 0 && window > 0 ? max(0, pos0 + t0 - window + 1) : 0;
  let k = kCache + kvOff, v = vCache + kvOff, stride = rowBytes, rows = ROWS_F16;
  if (hi - lo + 1 <= ATTEND_TILE_ROWS) {
    const tileRow = <usize>headDim << 2;
    const vTile = tile + <usize>(hi - lo + 1) * tileRow;
    for (let p = lo; p <= hi; p++) {
      const o = <usize>(p - lo) * tileRow;
      convertRow(k + <usize>p * rowBytes, tile + o, headDim);
      convertRow(v + <usize>p * rowBytes, vTile + o, headDim);
    }
    // row 0 of the tiles' addressing (attendPosition adds first · stride, first ≥ lo)
    k = tile - <usize>lo * tileRow;
    v = vTile - <usize>lo * tileRow;
    stride = tileRow;
    rows = ROWS_F16_TILE;
  }
  for (let t = t0; t < t1; t++) {
    attendPosition(t, g, q, pos0, nHeads, nKvHeads, headDim, scale, k, v, stride, rows, out, scratch, window, allLast, cap);
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

/** ggml's soft-capping of one score: cap · tanh(s · (1/cap)), each step rounded to f32. */
// @ts-ignore: decorator
@inline export function capScore(s: f32, cap: f32, inv: f32): f32 {
  return cap * <f32>Math.tanh(<f64>(s * inv));
}
