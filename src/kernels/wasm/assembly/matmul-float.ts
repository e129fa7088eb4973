// Float matMul: F32, F16 and BF16 weights against f32 activations (already rounded to f16/bf16 for those types).
//
//   out (n, rows) = x (n, cols) · Wᵀ for weight rows [r0, r1); cols need not be a multiple of 8 (scalar tail).
// Weights are widened to f32 eight at a time; decode walks four weight rows per pass, prefill one weight row
// against four input rows.
import {
  bf16HighToF32x4, bf16LowToF32x4, f16HighToF32x4, f16LowToF32x4, f16ToF32Exact, hsumF32, setTouchEnd, T_BF16, T_F16, T_F32, touch,
} from "./common";

/** Elements 0..3 of the 8 starting at element i of a float row of `kind` at w. */
// @ts-ignore: decorator
@inline function wLo(kind: i32, w: usize, i: i32): v128 {
  if (kind == T_F32) return v128.load(w + (<usize>i << 2));
  const h = v128.load(w + (<usize>i << 1));
  return kind == T_F16 ? f16LowToF32x4(h) : bf16LowToF32x4(h);
}

/** Elements 4..7 of the 8 starting at element i. */
// @ts-ignore: decorator
@inline function wHi(kind: i32, w: usize, i: i32): v128 {
  if (kind == T_F32) return v128.load(w + (<usize>i << 2), 16);
  const h = v128.load(w + (<usize>i << 1));
  return kind == T_F16 ? f16HighToF32x4(h) : bf16HighToF32x4(h);
}

// @ts-ignore: decorator
@inline function wScalar(kind: i32, w: usize, i: i32): f32 {
  if (kind == T_F32) return load<f32>(w + (<usize>i << 2));
  const h = <u32>load<u16>(w + (<usize>i << 1));
  return kind == T_F16 ? f16ToF32Exact(h) : reinterpret<f32>(h << 16);
}

// @ts-ignore: decorator
@inline function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline function floatRows4(kind: i32, w: usize, rb: usize, cols: i32, x: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  const w1 = w + rb, w2 = w + rb * 2, w3 = w + rb * 3;
  const c8 = cols & ~7;
  for (let i = 0; i < c8; i += 8) {
    const xl = v128.load(x + (<usize>i << 2)), xh = v128.load(x + (<usize>i << 2), 16);
    a0 = madd(madd(a0, wLo(kind, w, i), xl), wHi(kind, w, i), xh);
    a1 = madd(madd(a1, wLo(kind, w1, i), xl), wHi(kind, w1, i), xh);
    a2 = madd(madd(a2, wLo(kind, w2, i), xl), wHi(kind, w2, i), xh);
    a3 = madd(madd(a3, wLo(kind, w3, i), xl), wHi(kind, w3, i), xh);
  }
  let s0 = hsumF32(a0), s1 = hsumF32(a1), s2 = hsumF32(a2), s3 = hsumF32(a3);
  for (let i = c8; i < cols; i++) {
    const xv = load<f32>(x + (<usize>i << 2));
    s0 += wScalar(kind, w, i) * xv;
    s1 += wScalar(kind, w1, i) * xv;
    s2 += wScalar(kind, w2, i) * xv;
    s3 += wScalar(kind, w3, i) * xv;
  }
  store<f32>(out, s0);
  store<f32>(out, s1, 4);
  store<f32>(out, s2, 8);
  store<f32>(out, s3, 12);
}

// @ts-ignore: decorator
@inline function floatRow1(kind: i32, w: usize, cols: i32, x: usize): f32 {
  let a = f32x4.splat(0), b = a;
  const c8 = cols & ~7;
  for (let i = 0; i < c8; i += 8) {
    a = madd(a, wLo(kind, w, i), v128.load(x + (<usize>i << 2)));
    b = madd(b, wHi(kind, w, i), v128.load(x + (<usize>i << 2), 16));
  }
  let s = hsumF32(f32x4.add(a, b));
  for (let i = c8; i < cols; i++) s += wScalar(kind, w, i) * load<f32>(x + (<usize>i << 2));
  return s;
}

/** One weight row · four activation rows (stride xs bytes) → out[0], out[os], out[2os], out[3os]. */
// @ts-ignore: decorator
@inline function floatRow1x4(kind: i32, w: usize, cols: i32, x: usize, xs: usize, out: usize, os: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  const x1 = x + xs, x2 = x + xs * 2, x3 = x + xs * 3;
  const c8 = cols & ~7;
  for (let i = 0; i < c8; i += 8) {
    const lo = wLo(kind, w, i), hi = wHi(kind, w, i);
    const o = <usize>i << 2;
    a0 = madd(madd(a0, lo, v128.load(x + o)), hi, v128.load(x + o, 16));
    a1 = madd(madd(a1, lo, v128.load(x1 + o)), hi, v128.load(x1 + o, 16));
    a2 = madd(madd(a2, lo, v128.load(x2 + o)), hi, v128.load(x2 + o, 16));
    a3 = madd(madd(a3, lo, v128.load(x3 + o)), hi, v128.load(x3 + o, 16));
  }
  let s0 = hsumF32(a0), s1 = hsumF32(a1), s2 = hsumF32(a2), s3 = hsumF32(a3);
  for (let i = c8; i < cols; i++) {
    const wv = wScalar(kind, w, i), o = <usize>i << 2;
    s0 += wv * load<f32>(x + o);
    s1 += wv * load<f32>(x1 + o);
    s2 += wv * load<f32>(x2 + o);
    s3 += wv * load<f32>(x3 + o);
  }
  store<f32>(out, s0);
  store<f32>(out + os, s1);
  store<f32>(out + 2 * os, s2);
  store<f32>(out + 3 * os, s3);
}

// @ts-ignore: decorator
@inline function matmulFloatKind(
  kind: i32, w: usize, rb: usize, rows: i32, cols: i32, x: usize, n: i32, out: usize, r0: i32, r1: i32,
): void {
  const xs = <usize>cols << 2, os = <usize>rows << 2;
  setTouchEnd(w + <usize>r1 * rb);
  let t = 0;
  for (; t + 4 <= n; t += 4) {
    const xt = x + <usize>t * xs, ot = out + <usize>t * os;
    for (let r = r0; r < r1; r++) {
      touch(w + <usize>r * rb);
      floatRow1x4(kind, w + <usize>r * rb, cols, xt, xs, ot + (<usize>r << 2), os);
    }
  }
  for (; t < n; t++) {
    const xt = x + <usize>t * xs, ot = out + <usize>t * os;
    let r = r0;
    for (; r + 4 <= r1; r += 4) {
      // four rows per pass: one touch per row's worth of bytes, spread over the four
      for (let k = 0; k < 4; k++) touch(w + <usize>(r + k) * rb);
      floatRows4(kind, w + <usize>r * rb, rb, cols, xt, ot + (<usize>r << 2));
    }
    for (; r < r1; r++) {
      touch(w + <usize>r * rb);
      store<f32>(ot + (<usize>r << 2), floatRow1(kind, w + <usize>r * rb, cols, xt));
    }
  }
}

export function matmulF32(w: usize, rb: usize, rows: i32, cols: i32, x: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  matmulFloatKind(T_F32, w, rb, rows, cols, x, n, out, r0, r1);
}

export function matmulF16(w: usize, rb: usize, rows: i32, cols: i32, x: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  matmulFloatKind(T_F16, w, rb, rows, cols, x, n, out, r0, r1);
}

export function matmulBF16(w: usize, rb: usize, rows: i32, cols: i32, x: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  matmulFloatKind(T_BF16, w, rb, rows, cols, x, n, out, r0, r1);
}
