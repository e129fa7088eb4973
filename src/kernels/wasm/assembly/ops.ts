// Element-wise and per-row ops: norms, rope, KV store, residual add, bias, SwiGLU, GELU (attention: attention.ts).
// Shapes and semantics are those of src/kernels/types.ts; every pointer is a byte offset into the shared memory.
import { capScore } from "./attention";
import { expF32, expF32x4, f32ToF16 } from "./common";
import { roundToF16x4 } from "./quantize";

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
