// Integer matMul for the 32-element block types Q8_0 and Q4_0 against int8 activations (quantize.ts).
//
//   out (n, rows) = x (n, cols) · Wᵀ, computed for weight rows [r0, r1).
//   Q8_0 block (34 B): f16 d, int8 q[32]            w = d·q
//   Q4_0 block (18 B): f16 d, u8 qs[16]             w[j] = d·((qs[j] & 15) − 8), w[j+16] = d·((qs[j] >> 4) − 8)
//
// Per block the integer dot Σ q_w·q_x goes through i32x4.dot_i16x8_s (pmaddwd): weights are widened to i16 on load,
// activations are stored widened already. Decode (one input row) walks four weight rows per pass so four independent
// accumulator chains share each activation load; prefill walks one weight row against four input rows so each weight
// block is decoded once per four rows.
import { f16ToF32, hsumF32 } from "./common";

const Q8_0_BYTES: usize = 34;
const Q4_0_BYTES: usize = 18;

// @ts-ignore: decorator
@inline function dotQ8_0(q: usize, x: usize): v128 {
  const s0 = i32x4.dot_i16x8_s(v128.load8x8_s(q), v128.load(x));
  const s1 = i32x4.dot_i16x8_s(v128.load8x8_s(q, 8), v128.load(x, 16));
  const s2 = i32x4.dot_i16x8_s(v128.load8x8_s(q, 16), v128.load(x, 32));
  const s3 = i32x4.dot_i16x8_s(v128.load8x8_s(q, 24), v128.load(x, 48));
  return i32x4.add(i32x4.add(s0, s1), i32x4.add(s2, s3));
}

/** Σ qs_nibble·x over a Q4_0 block without the −8 offset (the caller subtracts 8·Σx). */
// @ts-ignore: decorator
@inline function dotQ4_0Unbiased(q: usize, x: usize): v128 {
  const a = v128.load8x8_u(q);
  const b = v128.load8x8_u(q, 8);
  const m = i16x8.splat(15);
  const s0 = i32x4.dot_i16x8_s(v128.and(a, m), v128.load(x));
  const s1 = i32x4.dot_i16x8_s(v128.and(b, m), v128.load(x, 16));
  const s2 = i32x4.dot_i16x8_s(i16x8.shr_u(a, 4), v128.load(x, 32));
  const s3 = i32x4.dot_i16x8_s(i16x8.shr_u(b, 4), v128.load(x, 48));
  return i32x4.add(i32x4.add(s0, s1), i32x4.add(s2, s3));
}

// @ts-ignore: decorator
@inline function scaled(acc: v128, s: v128, d: f32): v128 {
  return f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(s), f32x4.splat(d)));
}

/** Four Q8_0 rows (stride rb) · one activation row → out[0..3]. */
function q8_0Rows4(w: usize, rb: usize, nb: i32, xq: usize, xd: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  const w1 = rb, w2 = rb * 2, w3 = rb * 3;
  for (let b = 0; b < nb; b++) {
    const dx = load<f32>(xd);
    a0 = scaled(a0, dotQ8_0(w + 2, xq), f16ToF32(load<u16>(w)) * dx);
    a1 = scaled(a1, dotQ8_0(w + w1 + 2, xq), f16ToF32(load<u16>(w + w1)) * dx);
    a2 = scaled(a2, dotQ8_0(w + w2 + 2, xq), f16ToF32(load<u16>(w + w2)) * dx);
    a3 = scaled(a3, dotQ8_0(w + w3 + 2, xq), f16ToF32(load<u16>(w + w3)) * dx);
    w += Q8_0_BYTES;
    xq += 64;
    xd += 4;
  }
  store<f32>(out, hsumF32(a0));
  store<f32>(out, hsumF32(a1), 4);
  store<f32>(out, hsumF32(a2), 8);
  store<f32>(out, hsumF32(a3), 12);
}

function q8_0Row1(w: usize, nb: i32, xq: usize, xd: usize): f32 {
  let a = f32x4.splat(0);
  for (let b = 0; b < nb; b++) {
    a = scaled(a, dotQ8_0(w + 2, xq), f16ToF32(load<u16>(w)) * load<f32>(xd));
    w += Q8_0_BYTES;
    xq += 64;
    xd += 4;
  }
  return hsumF32(a);
}

/** One Q8_0 row · four activation rows (strides xqs, xds bytes) → out[0], out[os], out[2os], out[3os]. */
function q8_0Row1x4(w: usize, nb: i32, xq: usize, xqs: usize, xd: usize, xds: usize, out: usize, os: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (let b = 0; b < nb; b++) {
    const d = f16ToF32(load<u16>(w));
    const q0 = v128.load8x8_s(w, 2), q1 = v128.load8x8_s(w, 10);
    const q2 = v128.load8x8_s(w, 18), q3 = v128.load8x8_s(w, 26);
    let x = xq;
    let s = i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(q0, v128.load(x)), i32x4.dot_i16x8_s(q1, v128.load(x, 16))),
      i32x4.add(i32x4.dot_i16x8_s(q2, v128.load(x, 32)), i32x4.dot_i16x8_s(q3, v128.load(x, 48))));
    a0 = scaled(a0, s, d * load<f32>(xd));
    x += xqs;
    s = i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(q0, v128.load(x)), i32x4.dot_i16x8_s(q1, v128.load(x, 16))),
      i32x4.add(i32x4.dot_i16x8_s(q2, v128.load(x, 32)), i32x4.dot_i16x8_s(q3, v128.load(x, 48))));
    a1 = scaled(a1, s, d * load<f32>(xd + xds));
    x += xqs;
    s = i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(q0, v128.load(x)), i32x4.dot_i16x8_s(q1, v128.load(x, 16))),
      i32x4.add(i32x4.dot_i16x8_s(q2, v128.load(x, 32)), i32x4.dot_i16x8_s(q3, v128.load(x, 48))));
    a2 = scaled(a2, s, d * load<f32>(xd + 2 * xds));
    x += xqs;
    s = i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(q0, v128.load(x)), i32x4.dot_i16x8_s(q1, v128.load(x, 16))),
      i32x4.add(i32x4.dot_i16x8_s(q2, v128.load(x, 32)), i32x4.dot_i16x8_s(q3, v128.load(x, 48))));
    a3 = scaled(a3, s, d * load<f32>(xd + 3 * xds));
    w += Q8_0_BYTES;
    xq += 64;
    xd += 4;
  }
  store<f32>(out, hsumF32(a0));
  store<f32>(out + os, hsumF32(a1));
  store<f32>(out + 2 * os, hsumF32(a2));
  store<f32>(out + 3 * os, hsumF32(a3));
}

/** Four Q4_0 rows · one activation row. The −8 offset is applied once per block as 2·Σq_x on every lane. */
function q4_0Rows4(w: usize, rb: usize, nb: i32, xq: usize, xd: usize, xs: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  const w1 = rb, w2 = rb * 2, w3 = rb * 3;
  for (let b = 0; b < nb; b++) {
    const dx = load<f32>(xd);
    const off = i32x4.splat(<i32>load<i16>(xs) << 1);
    a0 = scaled(a0, i32x4.sub(dotQ4_0Unbiased(w + 2, xq), off), f16ToF32(load<u16>(w)) * dx);
    a1 = scaled(a1, i32x4.sub(dotQ4_0Unbiased(w + w1 + 2, xq), off), f16ToF32(load<u16>(w + w1)) * dx);
    a2 = scaled(a2, i32x4.sub(dotQ4_0Unbiased(w + w2 + 2, xq), off), f16ToF32(load<u16>(w + w2)) * dx);
    a3 = scaled(a3, i32x4.sub(dotQ4_0Unbiased(w + w3 + 2, xq), off), f16ToF32(load<u16>(w + w3)) * dx);
    w += Q4_0_BYTES;
    xq += 64;
    xd += 4;
    xs += 2;
  }
  store<f32>(out, hsumF32(a0));
  store<f32>(out, hsumF32(a1), 4);
  store<f32>(out, hsumF32(a2), 8);
  store<f32>(out, hsumF32(a3), 12);
}

function q4_0Row1(w: usize, nb: i32, xq: usize, xd: usize, xs: usize): f32 {
  let a = f32x4.splat(0);
  for (let b = 0; b < nb; b++) {
    const s = i32x4.sub(dotQ4_0Unbiased(w + 2, xq), i32x4.splat(<i32>load<i16>(xs) << 1));
    a = scaled(a, s, f16ToF32(load<u16>(w)) * load<f32>(xd));
    w += Q4_0_BYTES;
    xq += 64;
    xd += 4;
    xs += 2;
  }
  return hsumF32(a);
}

function q4_0Row1x4(w: usize, nb: i32, xq: usize, xqs: usize, xd: usize, xds: usize, out: usize, os: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  const m = i16x8.splat(15), e = i16x8.splat(8);
  for (let b = 0; b < nb; b++) {
    const d = f16ToF32(load<u16>(w));
    const lo = v128.load8x8_u(w, 2), hi = v128.load8x8_u(w, 10);
    const q0 = i16x8.sub(v128.and(lo, m), e), q1 = i16x8.sub(v128.and(hi, m), e);
    const q2 = i16x8.sub(i16x8.shr_u(lo, 4), e), q3 = i16x8.sub(i16x8.shr_u(hi, 4), e);
    let x = xq;
    let s = i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(q0, v128.load(x)), i32x4.dot_i16x8_s(q1, v128.load(x, 16))),
      i32x4.add(i32x4.dot_i16x8_s(q2, v128.load(x, 32)), i32x4.dot_i16x8_s(q3, v128.load(x, 48))));
    a0 = scaled(a0, s, d * load<f32>(xd));
    x += xqs;
    s = i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(q0, v128.load(x)), i32x4.dot_i16x8_s(q1, v128.load(x, 16))),
      i32x4.add(i32x4.dot_i16x8_s(q2, v128.load(x, 32)), i32x4.dot_i16x8_s(q3, v128.load(x, 48))));
    a1 = scaled(a1, s, d * load<f32>(xd + xds));
    x += xqs;
    s = i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(q0, v128.load(x)), i32x4.dot_i16x8_s(q1, v128.load(x, 16))),
      i32x4.add(i32x4.dot_i16x8_s(q2, v128.load(x, 32)), i32x4.dot_i16x8_s(q3, v128.load(x, 48))));
    a2 = scaled(a2, s, d * load<f32>(xd + 2 * xds));
    x += xqs;
    s = i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(q0, v128.load(x)), i32x4.dot_i16x8_s(q1, v128.load(x, 16))),
      i32x4.add(i32x4.dot_i16x8_s(q2, v128.load(x, 32)), i32x4.dot_i16x8_s(q3, v128.load(x, 48))));
    a3 = scaled(a3, s, d * load<f32>(xd + 3 * xds));
    w += Q4_0_BYTES;
    xq += 64;
    xd += 4;
  }
  store<f32>(out, hsumF32(a0));
  store<f32>(out + os, hsumF32(a1));
  store<f32>(out + 2 * os, hsumF32(a2));
  store<f32>(out + 3 * os, hsumF32(a3));
}

/**
 * Rows [r0, r1) of out (n, rows) for a Q8_0 (isQ4 = false) or Q4_0 (isQ4 = true) weight at w. xq/xd/xs hold the
 * activations quantized with 32-element blocks.
 */
export function matmulLegacy32(
  isQ4: bool, w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize,
  r0: i32, r1: i32,
): void {
  const nb = cols >> 5;
  const xqs = <usize>cols << 1;
  const xds = <usize>nb << 2;
  const os = <usize>rows << 2;
  let t = 0;
  for (; t + 4 <= n; t += 4) {
    const xqt = xq + <usize>t * xqs, xdt = xd + <usize>t * xds;
    const ot = out + <usize>t * os;
    for (let r = r0; r < r1; r++) {
      const wr = w + <usize>r * rb;
      if (isQ4) q4_0Row1x4(wr, nb, xqt, xqs, xdt, xds, ot + (<usize>r << 2), os);
      else q8_0Row1x4(wr, nb, xqt, xqs, xdt, xds, ot + (<usize>r << 2), os);
    }
  }
  for (; t < n; t++) {
    const xqt = xq + <usize>t * xqs, xdt = xd + <usize>t * xds, xst = xs + <usize>t * (xds >> 1);
    const ot = out + <usize>t * os;
    let r = r0;
    for (; r + 4 <= r1; r += 4) {
      const wr = w + <usize>r * rb;
      if (isQ4) q4_0Rows4(wr, rb, nb, xqt, xdt, xst, ot + (<usize>r << 2));
      else q8_0Rows4(wr, rb, nb, xqt, xdt, ot + (<usize>r << 2));
    }
    for (; r < r1; r++) {
      const wr = w + <usize>r * rb;
      store<f32>(ot + (<usize>r << 2), isQ4 ? q4_0Row1(wr, nb, xqt, xdt, xst) : q8_0Row1(wr, nb, xqt, xdt));
    }
  }
}
