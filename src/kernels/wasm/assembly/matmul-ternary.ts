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

/** Rows [r0, r1) of out (n, rows) for a TQ2_0 (kind 2) or TQ1_0 (kind 1) weight. */
export function matmulTernary(
  kind: i32, w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize,
  r0: i32, r1: i32,
): void {
  const nb = cols >> 8;
  const xqs = <usize>cols << 1, xds = <usize>nb << 2, xss = <usize>(cols >> 5) << 1;
  const os = <usize>rows << 2;
  const bytes = kind == 2 ? TQ2_0_BYTES : TQ1_0_BYTES;
  const dOff = kind == 2 ? 64 : 52;
  setTouchEnd(w + <usize>r1 * rb);
  for (let t = 0; t < n; t++) {
    const xqt = xq + <usize>t * xqs, xdt = xd + <usize>t * xds, xst = xs + <usize>t * xss;
    for (let r = r0; r < r1; r++) {
      let wb = w + <usize>r * rb;
      let acc: f32 = 0;
      for (let b = 0; b < nb; b++) {
        touch(wb);
        const xb = xqt + (<usize>b << 9);
        const codes = kind == 2 ? codeDotTQ2(wb, xb) : codeDotTQ1(wb, xb);
        const sum = codes - blockSum(xst + (<usize>b << 4));
        acc += <f32>sum * (f16ToF32(load<u16>(wb + dOff)) * load<f32>(xdt + (<usize>b << 2)));
        wb += bytes;
      }
      store<f32>(out + <usize>t * os + (<usize>r << 2), acc);
    }
  }
}
