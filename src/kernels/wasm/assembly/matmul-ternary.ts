// Integer matMul for the ternary types TQ2_0 and TQ1_0 (src/tensor/quant-ternary.ts) against Q8_K-rounded i16
// activations (quantize.ts, block 256). A weight is c − 1 for a code c ∈ {0, 1, 2}, so per super-block
//   Σ w·x = Σ c·x − Σ x
// where Σ x is the sum of the block's eight Σq-per-32 values (xs): the codes go straight into i16 dot products, the
// one subtraction per block is the "−1". Per block ggml adds (float) sum · (dw · dx) in f32; so does this.
//   TQ2_0: iteration k = 4·g + j covers elements 128·g + 32·j .. +31: bits 2j..2j+1 of qs[32·g + m].
//   TQ1_0: byte b holds five trits; trit k is ((b · 3^k mod 256) · 3) >> 8.
import { f16ToF32, hsumI32, setTouchEnd, touch } from "./common";

const TQ1_0_BYTES: usize = 54;
const TQ2_0_BYTES: usize = 66;

/** Σ x of one 256-element activation block: its eight i16 Σq-per-32 values. */
// @ts-ignore: decorator
@inline function blockSum(xs: usize): i32 {
  const s = i32x4.extadd_pairwise_i16x8_s(v128.load(xs));
  return hsumI32(s);
}

// @ts-ignore: decorator
@inline function codeDotTQ2(w: usize, x: usize): i32 {
  const three = i16x8.splat(3);
  let isum = i32x4.splat(0);
  for (let k = 0; k < 8; k++) {
    const qb = w + (<usize>(k >> 2) << 5);
    const shift = (k & 3) << 1;
    const xk = x + (<usize>k << 6);
    const q0 = v128.and(i16x8.shr_u(v128.load8x8_u(qb), shift), three);
    const q1 = v128.and(i16x8.shr_u(v128.load8x8_u(qb, 8), shift), three);
    const q2 = v128.and(i16x8.shr_u(v128.load8x8_u(qb, 16), shift), three);
    const q3 = v128.and(i16x8.shr_u(v128.load8x8_u(qb, 24), shift), three);
    isum = i32x4.add(isum, i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(q0, v128.load(xk)), i32x4.dot_i16x8_s(q1, v128.load(xk, 16))),
      i32x4.add(i32x4.dot_i16x8_s(q2, v128.load(xk, 32)), i32x4.dot_i16x8_s(q3, v128.load(xk, 48)))));
  }
  return hsumI32(isum);
}

/** Trit k of eight packed bytes (as u16 lanes): ((b · 3^k) & 0xff) · 3 >> 8. */
// @ts-ignore: decorator
@inline function trits(b: v128, pow: i16): v128 {
  const t = v128.and(i16x8.mul(b, i16x8.splat(pow)), i16x8.splat(0xff));
  return i16x8.shr_u(i16x8.mul(t, i16x8.splat(3)), 8);
}

// @ts-ignore: decorator
@inline function codeDotTQ1(w: usize, x: usize): i32 {
  let isum = i32x4.splat(0);
  // bytes 0–31: trit k of byte m is element 32·k + m
  const b0 = v128.load8x8_u(w), b1 = v128.load8x8_u(w, 8), b2 = v128.load8x8_u(w, 16), b3 = v128.load8x8_u(w, 24);
  // bytes 32–47: trit k of byte 32 + m is element 160 + 16·k + m
  const c0 = v128.load8x8_u(w, 32), c1 = v128.load8x8_u(w, 40);
  let pow: i16 = 1;
  for (let k = 0; k < 5; k++) {
    const xk = x + (<usize>k << 6);
    isum = i32x4.add(isum, i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(trits(b0, pow), v128.load(xk)), i32x4.dot_i16x8_s(trits(b1, pow), v128.load(xk, 16))),
      i32x4.add(i32x4.dot_i16x8_s(trits(b2, pow), v128.load(xk, 32)), i32x4.dot_i16x8_s(trits(b3, pow), v128.load(xk, 48)))));
    const xc = x + 320 + (<usize>k << 5);
    isum = i32x4.add(isum, i32x4.add(i32x4.dot_i16x8_s(trits(c0, pow), v128.load(xc)), i32x4.dot_i16x8_s(trits(c1, pow), v128.load(xc, 16))));
    pow *= 3;
  }
  let sum = hsumI32(isum);
  // bytes 48–51: trit k of byte 48 + j is element 240 + 4·k + j
  let p3 = 1;
  for (let k = 0; k < 4; k++, p3 *= 3) {
    for (let j = 0; j < 4; j++) {
      const t = (((<i32>load<u8>(w + 48 + j) * p3) & 0xff) * 3) >> 8;
      sum += t * <i32>load<i16>(x + ((<usize>(240 + 4 * k + j)) << 1));
    }
  }
  return sum;
}

// Relaxed build: the codes (≤ 2) are the 7-bit operand of i16x8.relaxed_dot_i8x16_i7x16_s against the int8
// activation copy; a lane's pair sums stay ≤ 2·2·127, so a whole super-block (16 dots) adds up in i16 (≤ 8128)
// before one widening.

/** Relaxed build: Σ c·x of one TQ2_0 super-block against int8 activations x8 (256 bytes). */
// @ts-ignore: decorator
@inline function codeDotTQ2r(w: usize, x8: usize): i32 {
  let acc = i16x8.splat(0);
  if (ASC_FEATURE_RELAXED_SIMD) {
    const m3 = i8x16.splat(3);
    for (let g = 0; g < 2; g++) {
      const qa = v128.load(w + (<usize>g << 5)), qb = v128.load(w + (<usize>g << 5), 16);
      const xg = x8 + (<usize>g << 7);
      for (let k = 0; k < 4; k++) {
        const ca = v128.and(i16x8.shr_u(qa, k << 1), m3), cb = v128.and(i16x8.shr_u(qb, k << 1), m3);
        const xk = xg + (<usize>k << 5);
        acc = i16x8.add(acc, i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(xk), ca), i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(xk, 16), cb)));
      }
    }
  }
  return hsumI32(i32x4.extadd_pairwise_i16x8_s(acc));
}

/** Relaxed build: the codes of iteration k (0..3, a constant) of 16 TQ2_0 bytes: bits 2k, 2k + 1 of each. */
// @ts-ignore: decorator
@inline function tq2Codes(v: v128, k: i32): v128 {
  return k == 0 ? v128.and(v, i8x16.splat(3)) : v128.and(i16x8.shr_u(v, k << 1), i8x16.splat(3));
}

/** Relaxed build: a (i16 pair sums) + the codes k of p and q dotted with the activations xa and xc. */
// @ts-ignore: decorator
@inline function tq2Row(a: v128, p: v128, q: v128, xa: v128, xc: v128, k: i32): v128 {
  let s = i16x8.splat(0);
  if (ASC_FEATURE_RELAXED_SIMD) s = i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(xa, tq2Codes(p, k)), i16x8.relaxed_dot_i8x16_i7x16_s(xc, tq2Codes(q, k)));
  return i16x8.add(a, s);
}

/**
 * Relaxed build: four TQ2_0 rows (stride rb) · one int8 activation row: each 32-byte activation slice is loaded once
 * for the four rows. The four bit pairs of a byte are unrolled so that every shift is a constant (a loop's
 * variable shift costs V8 three more instructions), and none is an i8x16.shr_u (five instructions: a 16-bit shift,
 * then its mask made anew). Writes out[0..3] (stride 4 bytes).
 */
function rowsTQ2x4r(w: usize, rb: usize, nb: i32, x8: usize, xd: usize, xs: usize, out: usize): void {
  if (!ASC_FEATURE_RELAXED_SIMD) return;
  let f0: f32 = 0, f1: f32 = 0, f2: f32 = 0, f3: f32 = 0;
  for (let b = 0; b < nb; b++) {
    const wb = w + <usize>b * TQ2_0_BYTES, xb = x8 + (<usize>b << 8);
    touch(wb);
    let a0 = i16x8.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let g = 0; g < 2; g++) {
      const go = <usize>g << 5, xg = xb + (<usize>g << 7);
      const p0 = v128.load(wb + go), q0 = v128.load(wb + go, 16);
      const p1 = v128.load(wb + rb + go), q1 = v128.load(wb + rb + go, 16);
      const p2 = v128.load(wb + 2 * rb + go), q2 = v128.load(wb + 2 * rb + go, 16);
      const p3 = v128.load(wb + 3 * rb + go), q3 = v128.load(wb + 3 * rb + go, 16);
      let xa = v128.load(xg), xc = v128.load(xg, 16);
      a0 = tq2Row(a0, p0, q0, xa, xc, 0); a1 = tq2Row(a1, p1, q1, xa, xc, 0);
      a2 = tq2Row(a2, p2, q2, xa, xc, 0); a3 = tq2Row(a3, p3, q3, xa, xc, 0);
      xa = v128.load(xg, 32);
      xc = v128.load(xg, 48);
      a0 = tq2Row(a0, p0, q0, xa, xc, 1); a1 = tq2Row(a1, p1, q1, xa, xc, 1);
      a2 = tq2Row(a2, p2, q2, xa, xc, 1); a3 = tq2Row(a3, p3, q3, xa, xc, 1);
      xa = v128.load(xg, 64);
      xc = v128.load(xg, 80);
      a0 = tq2Row(a0, p0, q0, xa, xc, 2); a1 = tq2Row(a1, p1, q1, xa, xc, 2);
      a2 = tq2Row(a2, p2, q2, xa, xc, 2); a3 = tq2Row(a3, p3, q3, xa, xc, 2);
      xa = v128.load(xg, 96);
      xc = v128.load(xg, 112);
      a0 = tq2Row(a0, p0, q0, xa, xc, 3); a1 = tq2Row(a1, p1, q1, xa, xc, 3);
      a2 = tq2Row(a2, p2, q2, xa, xc, 3); a3 = tq2Row(a3, p3, q3, xa, xc, 3);
    }
    // the four code sums, then the block's −Σx and scales, in ggml's order per row
    const sums = i32x4.add(
      i32x4.shuffle(i32x4.extadd_pairwise_i16x8_s(a0), i32x4.extadd_pairwise_i16x8_s(a1), 0, 4, 2, 6),
      i32x4.shuffle(i32x4.extadd_pairwise_i16x8_s(a0), i32x4.extadd_pairwise_i16x8_s(a1), 1, 5, 3, 7));
    const sums2 = i32x4.add(
      i32x4.shuffle(i32x4.extadd_pairwise_i16x8_s(a2), i32x4.extadd_pairwise_i16x8_s(a3), 0, 4, 2, 6),
      i32x4.shuffle(i32x4.extadd_pairwise_i16x8_s(a2), i32x4.extadd_pairwise_i16x8_s(a3), 1, 5, 3, 7));
    // sums = (r0 half, r1 half, r0 half, r1 half): fold the halves
    const bsum = blockSum(xs + (<usize>b << 4));
    const dx = load<f32>(xd + (<usize>b << 2));
    f0 += <f32>(i32x4.extract_lane(sums, 0) + i32x4.extract_lane(sums, 2) - bsum) * (f16ToF32(load<u16>(wb, 64)) * dx);
    f1 += <f32>(i32x4.extract_lane(sums, 1) + i32x4.extract_lane(sums, 3) - bsum) * (f16ToF32(load<u16>(wb + rb, 64)) * dx);
    f2 += <f32>(i32x4.extract_lane(sums2, 0) + i32x4.extract_lane(sums2, 2) - bsum) * (f16ToF32(load<u16>(wb + 2 * rb, 64)) * dx);
    f3 += <f32>(i32x4.extract_lane(sums2, 1) + i32x4.extract_lane(sums2, 3) - bsum) * (f16ToF32(load<u16>(wb + 3 * rb, 64)) * dx);
  }
  store<f32>(out, f0);
  store<f32>(out, f1, 4);
  store<f32>(out, f2, 8);
  store<f32>(out, f3, 12);
}

/** Relaxed build: trit k of 16 packed bytes (two halves widened to u16, then narrowed back to bytes). */
// @ts-ignore: decorator
@inline function trits16(lo: v128, hi: v128, pow: i16): v128 {
  return i8x16.narrow_i16x8_u(trits(lo, pow), trits(hi, pow));
}

/** Relaxed build: Σ c·x of one TQ1_0 super-block against int8 activations x8. */
// @ts-ignore: decorator
@inline function codeDotTQ1r(w: usize, x8: usize): i32 {
  let acc = i16x8.splat(0);
  if (ASC_FEATURE_RELAXED_SIMD) {
    const b0 = v128.load8x8_u(w), b1 = v128.load8x8_u(w, 8), b2 = v128.load8x8_u(w, 16), b3 = v128.load8x8_u(w, 24);
    const c0 = v128.load8x8_u(w, 32), c1 = v128.load8x8_u(w, 40);
    let pow: i16 = 1;
    for (let k = 0; k < 5; k++) {
      const xk = x8 + (<usize>k << 5);
      acc = i16x8.add(acc, i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(xk), trits16(b0, b1, pow)),
        i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(xk, 16), trits16(b2, b3, pow))));
      acc = i16x8.add(acc, i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x8 + 160 + (<usize>k << 4)), trits16(c0, c1, pow)));
      pow *= 3;
    }
  }
  let sum = hsumI32(i32x4.extadd_pairwise_i16x8_s(acc));
  let p3 = 1;
  for (let k = 0; k < 4; k++, p3 *= 3) {
    for (let j = 0; j < 4; j++) {
      const t = (((<i32>load<u8>(w + 48 + j) * p3) & 0xff) * 3) >> 8;
      sum += t * <i32>load<i8>(x8 + <usize>(240 + 4 * k + j));
    }
  }
  return sum;
}

/** Rows [r0, r1) of out (n, rows) for a TQ2_0 (kind 2) or TQ1_0 (kind 1) weight. */
export function matmulTernary(
  kind: i32, w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize,
  r0: i32, r1: i32,
): void {
  const nb = cols >> 8;
  // relaxed build: the int8 copy sits right after the i16 activations (quantize.ts)
  if (ASC_FEATURE_RELAXED_SIMD) xq += (<usize>n * <usize>cols) << 1;
  const xqs = ASC_FEATURE_RELAXED_SIMD ? <usize>cols : <usize>cols << 1, xds = <usize>nb << 2, xss = <usize>(cols >> 5) << 1;
  const xbs: usize = ASC_FEATURE_RELAXED_SIMD ? 256 : 512;
  const os = <usize>rows << 2;
  const bytes = kind == 2 ? TQ2_0_BYTES : TQ1_0_BYTES;
  const dOff = kind == 2 ? 64 : 52;
  setTouchEnd(w + <usize>r1 * rb);
  for (let t = 0; t < n; t++) {
    const xqt = xq + <usize>t * xqs, xdt = xd + <usize>t * xds, xst = xs + <usize>t * xss;
    let r = r0;
    if (ASC_FEATURE_RELAXED_SIMD && kind == 2) {
      for (; r + 4 <= r1; r += 4) rowsTQ2x4r(w + <usize>r * rb, rb, nb, xqt, xdt, xst, out + <usize>t * os + (<usize>r << 2));
    }
    for (; r < r1; r++) {
      let wb = w + <usize>r * rb;
      let acc: f32 = 0;
      for (let b = 0; b < nb; b++) {
        touch(wb);
        const xb = xqt + <usize>b * xbs;
        let codes: i32;
        if (ASC_FEATURE_RELAXED_SIMD) codes = kind == 2 ? codeDotTQ2r(wb, xb) : codeDotTQ1r(wb, xb);
        else codes = kind == 2 ? codeDotTQ2(wb, xb) : codeDotTQ1(wb, xb);
        const sum = codes - blockSum(xst + (<usize>b << 4));
        acc += <f32>sum * (f16ToF32(load<u16>(wb + dOff)) * load<f32>(xdt + (<usize>b << 2)));
        wb += bytes;
      }
      store<f32>(out + <usize>t * os + (<usize>r << 2), acc);
    }
  }
}
