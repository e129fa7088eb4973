// Integer matMul for the 256-element super-block types Q2_K, Q3_K, Q4_K, Q5_K, Q6_K against int8 activations
// quantized per 256 elements (quantize.ts, block = 256; xs holds Σq per 32 for the minimums).
//
//   Q2_K (84 B):  scales[16] (low 4 bits scale, high 4 bits min), qs[64] (2 bits), f16 d, f16 dmin
//                 w = d·sc_16·q − dmin·m_16
//   Q3_K (110 B): hmask[32], qs[64] (low 2 bits), scales[12] (16 × 6 bits, biased by 32), f16 d
//                 w = d·(sc_16 − 32)·(q − 4·(hmask bit clear))
// In Q2_K/Q3_K iteration k = 4·half + j of a super-block covers elements 128·half + 32·j .. +31: bits 2j..2j+1 of
// qs[32·half + l] (l < 32), hmask bit k of hmask[l], and sub-block scales 2k and 2k+1.
//
//   Q4_K (144 B): f16 d, f16 dmin, scales[12] (8 × 6-bit scale, 8 × 6-bit min), qs[128]
//                 w = d·sc_j·q − dmin·m_j for sub-block j of 32; chunk c (64 elements) = low nibbles of qs[32c..]
//                 (sub-block 2c) then high nibbles (sub-block 2c+1)
//   Q5_K (176 B): as Q4_K plus qh[32] at byte 16: bit 2c / 2c+1 of qh[l] is the 5th bit of those two sub-blocks
//   Q6_K (210 B): ql[128], qh[64], int8 scales[16], f16 d; w = d·sc_16·(q − 32), q = 4 low bits | 2 high bits << 4
//
// Σ_j d·sc_j·Σ(q·x) − dmin·Σ_j m_j·Σx per super-block keeps everything integer until one multiply by d·dx.
// Decode (one input row) dots each super-block with the integer scales applied per sub-block (i32x4.mul); prefill
// multiplies the decoded weights by their scale in i16 first (q·sc ≤ 31·63 fits) so four input rows share one decode.
// The relaxed-SIMD build reads Q4_K/Q5_K/Q6_K through matmul-k-relaxed.ts.
import { f16ToF32, hsumI32, setTouchEnd, touch } from "./common";
import { kMins, kScales, minSum, Q4_K_BYTES, Q5_K_BYTES, Q6_K_BYTES } from "./k-blocks";
import { dotQ45K8, dotQ6K8Decode, relaxedK, rowQ45Kx4r, rowQ6Kx4r } from "./matmul-k-relaxed";

// @ts-ignore: decorator
@inline function dot4(a: v128, b: v128, c: v128, d: v128, x: usize): v128 {
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(a, v128.load(x)), i32x4.dot_i16x8_s(b, v128.load(x, 16))),
    i32x4.add(i32x4.dot_i16x8_s(c, v128.load(x, 32)), i32x4.dot_i16x8_s(d, v128.load(x, 48))));
}

/**
 * One Q4_K (hasHigh = false) or Q5_K super-block · one activation block: Σ w·x / dx. The packed scales (scAll) and
 * the Q5_K high-bit vectors (h0..h3) are loop-carried and shifted each chunk: TurboFan otherwise sinks their
 * computation from before the loop into every iteration.
 */
// @ts-ignore: decorator
@inline function dotQ45K(hasHigh: bool, w: usize, x: usize, xs: usize): f32 {
  const d = f16ToF32(load<u16>(w)), dmin = f16ToF32(load<u16>(w, 2));
  const sc = kScales(w + 4);
  let scAll: u64 = <u64><u32>i32x4.extract_lane(sc, 0) | (<u64><u32>i32x4.extract_lane(sc, 1) << 32);
  const msum = minSum(kMins(w + 4), xs);
  const m = i16x8.splat(15);
  const q = hasHigh ? w + 48 : w + 16;
  let h0 = i16x8.splat(0), h1 = h0, h2 = h0, h3 = h0;
  if (hasHigh) {
    // bit 2c of qh[l] moves to bit 4 after the shift by 4 and c shifts by 2
    h0 = i16x8.shl(v128.load8x8_u(w, 16), 4);
    h1 = i16x8.shl(v128.load8x8_u(w, 24), 4);
    h2 = i16x8.shl(v128.load8x8_u(w, 32), 4);
    h3 = i16x8.shl(v128.load8x8_u(w, 40), 4);
  }
  let isum = i32x4.splat(0);
  for (let c = 0; c < 4; c++) {
    const qc = q + (<usize>c << 5);
    const xc = x + (<usize>c << 7);
    const a = v128.load8x8_u(qc), b = v128.load8x8_u(qc, 8), e = v128.load8x8_u(qc, 16), f = v128.load8x8_u(qc, 24);
    let la = v128.and(a, m), lb = v128.and(b, m), le = v128.and(e, m), lf = v128.and(f, m);
    let ua = i16x8.shr_u(a, 4), ub = i16x8.shr_u(b, 4), ue = i16x8.shr_u(e, 4), uf = i16x8.shr_u(f, 4);
    if (hasHigh) {
      const bit = i16x8.splat(16);
      la = v128.or(la, v128.and(h0, bit));
      lb = v128.or(lb, v128.and(h1, bit));
      le = v128.or(le, v128.and(h2, bit));
      lf = v128.or(lf, v128.and(h3, bit));
      ua = v128.or(ua, v128.and(i16x8.shr_u(h0, 1), bit));
      ub = v128.or(ub, v128.and(i16x8.shr_u(h1, 1), bit));
      ue = v128.or(ue, v128.and(i16x8.shr_u(h2, 1), bit));
      uf = v128.or(uf, v128.and(i16x8.shr_u(h3, 1), bit));
      h0 = i16x8.shr_u(h0, 2);
      h1 = i16x8.shr_u(h1, 2);
      h2 = i16x8.shr_u(h2, 2);
      h3 = i16x8.shr_u(h3, 2);
    }
    const sLo = <i32>(<u32>scAll & 0xff);
    const sHi = <i32>((<u32>scAll >> 8) & 0xff);
    scAll >>= 16;
    isum = i32x4.add(isum, i32x4.mul(dot4(la, lb, le, lf, xc), i32x4.splat(sLo)));
    isum = i32x4.add(isum, i32x4.mul(dot4(ua, ub, ue, uf, xc + 64), i32x4.splat(sHi)));
  }
  return d * <f32>hsumI32(isum) - dmin * <f32>msum;
}

/** Q6_K: the four 6-bit streams of 8 elements starting at l = 8g of half h, already minus 32. */
// @ts-ignore: decorator
@inline function dotQ6K(w: usize, x: usize): f32 {
  const d = f16ToF32(load<u16>(w, 208));
  const m = i16x8.splat(15), hm = i16x8.splat(0x30), b32 = i16x8.splat(32);
  let isum = i32x4.splat(0);
  for (let h = 0; h < 2; h++) {
    const ql = w + (<usize>h << 6), qh = w + 128 + (<usize>h << 5), sc = w + 192 + (<usize>h << 3);
    const xh = x + (<usize>h << 8);
    for (let half = 0; half < 2; half++) {
      let s1 = i32x4.splat(0), s2 = s1, s3 = s1, s4 = s1;
      for (let g = half << 1; g < (half << 1) + 2; g++) {
        const o = <usize>g << 3;
        const a = v128.load8x8_u(ql + o), b = v128.load8x8_u(ql + 32 + o), c = v128.load8x8_u(qh + o);
        const q1 = i16x8.sub(v128.or(v128.and(a, m), v128.and(i16x8.shl(c, 4), hm)), b32);
        const q2 = i16x8.sub(v128.or(v128.and(b, m), v128.and(i16x8.shl(c, 2), hm)), b32);
        const q3 = i16x8.sub(v128.or(i16x8.shr_u(a, 4), v128.and(c, hm)), b32);
        const q4 = i16x8.sub(v128.or(i16x8.shr_u(b, 4), v128.and(i16x8.shr_u(c, 2), hm)), b32);
        const xo = xh + (o << 1);
        s1 = i32x4.add(s1, i32x4.dot_i16x8_s(q1, v128.load(xo)));
        s2 = i32x4.add(s2, i32x4.dot_i16x8_s(q2, v128.load(xo, 64)));
        s3 = i32x4.add(s3, i32x4.dot_i16x8_s(q3, v128.load(xo, 128)));
        s4 = i32x4.add(s4, i32x4.dot_i16x8_s(q4, v128.load(xo, 192)));
      }
      const s = sc + <usize>half;
      isum = i32x4.add(isum, i32x4.mul(s1, i32x4.splat(<i32>load<i8>(s))));
      isum = i32x4.add(isum, i32x4.mul(s2, i32x4.splat(<i32>load<i8>(s, 2))));
      isum = i32x4.add(isum, i32x4.mul(s3, i32x4.splat(<i32>load<i8>(s, 4))));
      isum = i32x4.add(isum, i32x4.mul(s4, i32x4.splat(<i32>load<i8>(s, 6))));
    }
  }
  return d * <f32>hsumI32(isum);
}

/** Q2_K super-block · one activation block: Σ w·x / dx. */
// @ts-ignore: decorator
@inline function dotQ2K(w: usize, x: usize): f32 {
  const d = f16ToF32(load<u16>(w, 80)), dmin = f16ToF32(load<u16>(w, 82));
  // scale bytes, loop-carried and shifted by one pair per iteration (see dotQ45K)
  let sLo = load<u64>(w), sHi = load<u64>(w, 8);
  const three = i16x8.splat(3);
  let isum = i32x4.splat(0), msum = i32x4.splat(0);
  for (let k = 0; k < 8; k++) {
    const qb = w + 16 + (<usize>(k >> 2) << 5);
    const shift = (k & 3) << 1;
    const xk = x + (<usize>k << 6);
    const sc0 = <u32>sLo & 0xff, sc1 = (<u32>sLo >> 8) & 0xff;
    sLo = (sLo >> 16) | (sHi << 48);
    sHi >>= 16;
    const q0 = v128.and(i16x8.shr_u(v128.load8x8_u(qb), shift), three);
    const q1 = v128.and(i16x8.shr_u(v128.load8x8_u(qb, 8), shift), three);
    const q2 = v128.and(i16x8.shr_u(v128.load8x8_u(qb, 16), shift), three);
    const q3 = v128.and(i16x8.shr_u(v128.load8x8_u(qb, 24), shift), three);
    const x0 = v128.load(xk), x1 = v128.load(xk, 16), x2 = v128.load(xk, 32), x3 = v128.load(xk, 48);
    const d0 = i32x4.add(i32x4.dot_i16x8_s(q0, x0), i32x4.dot_i16x8_s(q1, x1));
    const d1 = i32x4.add(i32x4.dot_i16x8_s(q2, x2), i32x4.dot_i16x8_s(q3, x3));
    isum = i32x4.add(isum, i32x4.add(i32x4.mul(d0, i32x4.splat(sc0 & 15)), i32x4.mul(d1, i32x4.splat(sc1 & 15))));
    // Σ min·x: the two mins of this iteration as i16 lanes (four each) against the activations
    const mn = i16x8.splat(<i16>(sc0 >> 4));
    const mn1 = i16x8.splat(<i16>(sc1 >> 4));
    msum = i32x4.add(msum, i32x4.add(i32x4.dot_i16x8_s(mn, i16x8.add(x0, x1)), i32x4.dot_i16x8_s(mn1, i16x8.add(x2, x3))));
  }
  return d * <f32>hsumI32(isum) - dmin * <f32>hsumI32(msum);
}

/** The 16 Q3_K six-bit scales (biased by 32) as bytes: ggml's kmask unpacking of the 12 bytes at s. */
// @ts-ignore: decorator
@inline function q3Scales(s: usize): v128 {
  const a0 = load<u32>(s), a1 = load<u32>(s, 4), t = load<u32>(s, 8);
  const lo0 = (a0 & 0x0f0f0f0f) | ((t & 0x03030303) << 4);
  const lo1 = (a1 & 0x0f0f0f0f) | (((t >> 2) & 0x03030303) << 4);
  const hi0 = ((a0 >> 4) & 0x0f0f0f0f) | (((t >> 4) & 0x03030303) << 4);
  const hi1 = ((a1 >> 4) & 0x0f0f0f0f) | (((t >> 6) & 0x03030303) << 4);
  return i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(lo0), 1, lo1), 2, hi0), 3, hi1);
}

/** Q3_K super-block · one activation block: Σ w·x / dx. */
// @ts-ignore: decorator
@inline function dotQ3K(w: usize, x: usize): f32 {
  const d = f16ToF32(load<u16>(w, 108));
  const sc = q3Scales(w + 96);
  let sLo = i64x2.extract_lane(sc, 0), sHi = i64x2.extract_lane(sc, 1);
  const three = i16x8.splat(3), four = i16x8.splat(4), one = i16x8.splat(1);
  let isum = i32x4.splat(0);
  for (let k = 0; k < 8; k++) {
    const qb = w + 32 + (<usize>(k >> 2) << 5);
    const shift = (k & 3) << 1;
    const xk = x + (<usize>k << 6);
    const sc0 = <i32>(<u32>sLo & 0xff) - 32, sc1 = <i32>((<u32>sLo >> 8) & 0xff) - 32;
    sLo = (sLo >> 16) | (sHi << 48);
    sHi >>= 16;
    // q = low 2 bits + 4·(hmask bit k) − 4
    const q0 = i16x8.sub(v128.or(v128.and(i16x8.shr_u(v128.load8x8_u(qb), shift), three),
      i16x8.shl(v128.and(i16x8.shr_u(v128.load8x8_u(w), k), one), 2)), four);
    const q1 = i16x8.sub(v128.or(v128.and(i16x8.shr_u(v128.load8x8_u(qb, 8), shift), three),
      i16x8.shl(v128.and(i16x8.shr_u(v128.load8x8_u(w, 8), k), one), 2)), four);
    const q2 = i16x8.sub(v128.or(v128.and(i16x8.shr_u(v128.load8x8_u(qb, 16), shift), three),
      i16x8.shl(v128.and(i16x8.shr_u(v128.load8x8_u(w, 16), k), one), 2)), four);
    const q3 = i16x8.sub(v128.or(v128.and(i16x8.shr_u(v128.load8x8_u(qb, 24), shift), three),
      i16x8.shl(v128.and(i16x8.shr_u(v128.load8x8_u(w, 24), k), one), 2)), four);
    const d0 = i32x4.add(i32x4.dot_i16x8_s(q0, v128.load(xk)), i32x4.dot_i16x8_s(q1, v128.load(xk, 16)));
    const d1 = i32x4.add(i32x4.dot_i16x8_s(q2, v128.load(xk, 32)), i32x4.dot_i16x8_s(q3, v128.load(xk, 48)));
    isum = i32x4.add(isum, i32x4.add(i32x4.mul(d0, i32x4.splat(sc0)), i32x4.mul(d1, i32x4.splat(sc1))));
  }
  return d * <f32>hsumI32(isum);
}

function rowQ2K(w: usize, nb: i32, xq: usize, xd: usize): f32 {
  let acc: f32 = 0;
  for (let b = 0; b < nb; b++) {
    touch(w);
    acc += load<f32>(xd) * dotQ2K(w, xq);
    w += 84;
    xq += 512;
    xd += 4;
  }
  return acc;
}

function rowQ3K(w: usize, nb: i32, xq: usize, xd: usize): f32 {
  let acc: f32 = 0;
  for (let b = 0; b < nb; b++) {
    touch(w);
    acc += load<f32>(xd) * dotQ3K(w, xq);
    w += 110;
    xq += 512;
    xd += 4;
  }
  return acc;
}

function rowQ4K(w: usize, nb: i32, xq: usize, xd: usize, xs: usize): f32 {
  let acc: f32 = 0;
  for (let b = 0; b < nb; b++) {
    touch(w);
    if (relaxedK(4)) {
      acc += load<f32>(xd) * dotQ45K8(false, w, xq, xs);
      xq += 256;
    } else {
      acc += load<f32>(xd) * dotQ45K(false, w, xq, xs);
      xq += 512;
    }
    w += Q4_K_BYTES;
    xd += 4;
    xs += 16;
  }
  return acc;
}

function rowQ5K(w: usize, nb: i32, xq: usize, xd: usize, xs: usize): f32 {
  let acc: f32 = 0;
  for (let b = 0; b < nb; b++) {
    touch(w);
    if (relaxedK(5)) {
      acc += load<f32>(xd) * dotQ45K8(true, w, xq, xs);
      xq += 256;
    } else {
      acc += load<f32>(xd) * dotQ45K(true, w, xq, xs);
      xq += 512;
    }
    w += Q5_K_BYTES;
    xd += 4;
    xs += 16;
  }
  return acc;
}

function rowQ6K(w: usize, nb: i32, xq: usize, xd: usize, xs16: usize): f32 {
  let acc: f32 = 0;
  for (let b = 0; b < nb; b++) {
    touch(w);
    if (relaxedK(6)) {
      acc += load<f32>(xd) * (f16ToF32(load<u16>(w, 208)) * <f32>dotQ6K8Decode(w, xq, xs16));
      xq += 256;
      xs16 += 32;
    } else {
      acc += load<f32>(xd) * dotQ6K(w, xq);
      xq += 512;
    }
    w += Q6_K_BYTES;
    xd += 4;
  }
  return acc;
}

/** One Q4_K/Q5_K row · four activation rows (strides in bytes: xqs for xq, xds for xd, xss for xs). */
function rowQ45Kx4(
  hasHigh: bool, w: usize, nb: i32, xq: usize, xqs: usize, xd: usize, xds: usize, xs: usize, xss: usize,
  out: usize, os: usize,
): void {
  let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
  const bytes = hasHigh ? Q5_K_BYTES : Q4_K_BYTES;
  const m = i16x8.splat(15);
  for (let b = 0; b < nb; b++) {
    const d = f16ToF32(load<u16>(w)), dmin = f16ToF32(load<u16>(w, 2));
    const sc = kScales(w + 4);
    let scAll: u64 = <u64><u32>i32x4.extract_lane(sc, 0) | (<u64><u32>i32x4.extract_lane(sc, 1) << 32);
    const mins = kMins(w + 4);
    const q = hasHigh ? w + 48 : w + 16;
    let h0 = i16x8.splat(0), h1 = h0, h2 = h0, h3 = h0;
    if (hasHigh) {
      h0 = i16x8.shl(v128.load8x8_u(w, 16), 4);
      h1 = i16x8.shl(v128.load8x8_u(w, 24), 4);
      h2 = i16x8.shl(v128.load8x8_u(w, 32), 4);
      h3 = i16x8.shl(v128.load8x8_u(w, 40), 4);
    }
    let i0 = i32x4.splat(0), i1 = i0, i2 = i0, i3 = i0;
    for (let c = 0; c < 4; c++) {
      const qc = q + (<usize>c << 5);
      const xc = xq + (<usize>c << 7);
      const a = v128.load8x8_u(qc), bb = v128.load8x8_u(qc, 8), e = v128.load8x8_u(qc, 16), f = v128.load8x8_u(qc, 24);
      let la = v128.and(a, m), lb = v128.and(bb, m), le = v128.and(e, m), lf = v128.and(f, m);
      let ua = i16x8.shr_u(a, 4), ub = i16x8.shr_u(bb, 4), ue = i16x8.shr_u(e, 4), uf = i16x8.shr_u(f, 4);
      if (hasHigh) {
        const bit = i16x8.splat(16);
        la = v128.or(la, v128.and(h0, bit));
        lb = v128.or(lb, v128.and(h1, bit));
        le = v128.or(le, v128.and(h2, bit));
        lf = v128.or(lf, v128.and(h3, bit));
        ua = v128.or(ua, v128.and(i16x8.shr_u(h0, 1), bit));
        ub = v128.or(ub, v128.and(i16x8.shr_u(h1, 1), bit));
        ue = v128.or(ue, v128.and(i16x8.shr_u(h2, 1), bit));
        uf = v128.or(uf, v128.and(i16x8.shr_u(h3, 1), bit));
        h0 = i16x8.shr_u(h0, 2);
        h1 = i16x8.shr_u(h1, 2);
        h2 = i16x8.shr_u(h2, 2);
        h3 = i16x8.shr_u(h3, 2);
      }
      // broadcast scale 2c to the low-nibble lanes and 2c+1 to the high ones (loop-carried, see dotQ45K)
      const sl = i16x8.splat(<i16>(<u32>scAll & 0xff));
      const sh = i16x8.splat(<i16>((<u32>scAll >> 8) & 0xff));
      scAll >>= 16;
      la = i16x8.mul(la, sl); lb = i16x8.mul(lb, sl); le = i16x8.mul(le, sl); lf = i16x8.mul(lf, sl);
      ua = i16x8.mul(ua, sh); ub = i16x8.mul(ub, sh); ue = i16x8.mul(ue, sh); uf = i16x8.mul(uf, sh);
      let x = xc;
      i0 = i32x4.add(i0, i32x4.add(dot4(la, lb, le, lf, x), dot4(ua, ub, ue, uf, x + 64)));
      x += xqs;
      i1 = i32x4.add(i1, i32x4.add(dot4(la, lb, le, lf, x), dot4(ua, ub, ue, uf, x + 64)));
      x += xqs;
      i2 = i32x4.add(i2, i32x4.add(dot4(la, lb, le, lf, x), dot4(ua, ub, ue, uf, x + 64)));
      x += xqs;
      i3 = i32x4.add(i3, i32x4.add(dot4(la, lb, le, lf, x), dot4(ua, ub, ue, uf, x + 64)));
    }
    a0 += load<f32>(xd) * (d * <f32>hsumI32(i0) - dmin * <f32>minSum(mins, xs));
    a1 += load<f32>(xd + xds) * (d * <f32>hsumI32(i1) - dmin * <f32>minSum(mins, xs + xss));
    a2 += load<f32>(xd + 2 * xds) * (d * <f32>hsumI32(i2) - dmin * <f32>minSum(mins, xs + 2 * xss));
    a3 += load<f32>(xd + 3 * xds) * (d * <f32>hsumI32(i3) - dmin * <f32>minSum(mins, xs + 3 * xss));
    w += bytes;
    xq += 512;
    xd += 4;
    xs += 16;
  }
  store<f32>(out, a0);
  store<f32>(out + os, a1);
  store<f32>(out + 2 * os, a2);
  store<f32>(out + 3 * os, a3);
}

function rowQ6Kx4(w: usize, nb: i32, xq: usize, xqs: usize, xd: usize, xds: usize, out: usize, os: usize): void {
  let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
  const m = i16x8.splat(15), hm = i16x8.splat(0x30), b32 = i16x8.splat(32);
  for (let b = 0; b < nb; b++) {
    let i0 = i32x4.splat(0), i1 = i0, i2 = i0, i3 = i0;
    for (let h = 0; h < 2; h++) {
      const ql = w + (<usize>h << 6), qh = w + 128 + (<usize>h << 5), sc = w + 192 + (<usize>h << 3);
      const xh = xq + (<usize>h << 8);
      for (let g = 0; g < 4; g++) {
        const o = <usize>g << 3;
        const s = sc + <usize>(g >> 1);
        const a = v128.load8x8_u(ql + o), bb = v128.load8x8_u(ql + 32 + o), c = v128.load8x8_u(qh + o);
        const q1 = i16x8.mul(i16x8.sub(v128.or(v128.and(a, m), v128.and(i16x8.shl(c, 4), hm)), b32),
          i16x8.splat(<i16>load<i8>(s)));
        const q2 = i16x8.mul(i16x8.sub(v128.or(v128.and(bb, m), v128.and(i16x8.shl(c, 2), hm)), b32),
          i16x8.splat(<i16>load<i8>(s, 2)));
        const q3 = i16x8.mul(i16x8.sub(v128.or(i16x8.shr_u(a, 4), v128.and(c, hm)), b32),
          i16x8.splat(<i16>load<i8>(s, 4)));
        const q4 = i16x8.mul(i16x8.sub(v128.or(i16x8.shr_u(bb, 4), v128.and(i16x8.shr_u(c, 2), hm)), b32),
          i16x8.splat(<i16>load<i8>(s, 6)));
        let x = xh + (o << 1);
        i0 = i32x4.add(i0, dot4q(q1, q2, q3, q4, x));
        x += xqs;
        i1 = i32x4.add(i1, dot4q(q1, q2, q3, q4, x));
        x += xqs;
        i2 = i32x4.add(i2, dot4q(q1, q2, q3, q4, x));
        x += xqs;
        i3 = i32x4.add(i3, dot4q(q1, q2, q3, q4, x));
      }
    }
    const d = f16ToF32(load<u16>(w, 208));
    a0 += load<f32>(xd) * d * <f32>hsumI32(i0);
    a1 += load<f32>(xd + xds) * d * <f32>hsumI32(i1);
    a2 += load<f32>(xd + 2 * xds) * d * <f32>hsumI32(i2);
    a3 += load<f32>(xd + 3 * xds) * d * <f32>hsumI32(i3);
    w += Q6_K_BYTES;
    xq += 512;
    xd += 4;
  }
  store<f32>(out, a0);
  store<f32>(out + os, a1);
  store<f32>(out + 2 * os, a2);
  store<f32>(out + 3 * os, a3);
}

/** The four Q6_K streams of one 8-element group against activations at offsets 0, 64, 128, 192 bytes. */
// @ts-ignore: decorator
@inline function dot4q(q1: v128, q2: v128, q3: v128, q4: v128, x: usize): v128 {
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(q1, v128.load(x)), i32x4.dot_i16x8_s(q2, v128.load(x, 64))),
    i32x4.add(i32x4.dot_i16x8_s(q3, v128.load(x, 128)), i32x4.dot_i16x8_s(q4, v128.load(x, 192))));
}

/** Rows [r0, r1) of out (n, rows) for a Q2_K / Q3_K / Q4_K / Q5_K / Q6_K weight (kind 2, 3, 4, 5, 6). */
export function matmulK(
  kind: i32, w: usize, rb: usize, rows: i32, cols: i32, xq: usize, xd: usize, xs: usize, n: i32, out: usize,
  r0: i32, r1: i32,
): void {
  const nb = cols >> 8;
  // the int8 copy sits right after the i16 activations (quantize.ts)
  if (relaxedK(kind)) xq += (<usize>n * <usize>cols) << 1;
  const xqs = relaxedK(kind) ? <usize>cols : <usize>cols << 1, xds = <usize>nb << 2, xss = <usize>(cols >> 5) << 1;
  // the sums of 16 follow the n rows' sums of 32 (quantize.ts)
  const xs16 = xs + <usize>n * xss, xss16 = <usize>(cols >> 4) << 1;
  const os = <usize>rows << 2;
  setTouchEnd(w + <usize>r1 * rb);
  let t = 0;
  // Q2_K/Q3_K (rare in practice) have no four-row prefill kernel: every row goes through the one-row loop
  for (; kind >= 4 && t + 4 <= n; t += 4) {
    const xqt = xq + <usize>t * xqs, xdt = xd + <usize>t * xds, xst = xs + <usize>t * xss;
    const ot = out + <usize>t * os;
    for (let r = r0; r < r1; r++) {
      const wr = w + <usize>r * rb, o = ot + (<usize>r << 2);
      touch(wr);
      if (kind == 6 && relaxedK(6)) rowQ6Kx4r(wr, nb, xqt, xqs, xdt, xds, xs16 + <usize>t * xss16, xss16, o, os);
      else if (kind == 6) rowQ6Kx4(wr, nb, xqt, xqs, xdt, xds, o, os);
      else if (relaxedK(kind)) rowQ45Kx4r(kind == 5, wr, nb, xqt, xqs, xdt, xds, xst, xss, o, os);
      else rowQ45Kx4(kind == 5, wr, nb, xqt, xqs, xdt, xds, xst, xss, o, os);
    }
  }
  for (; t < n; t++) {
    const xqt = xq + <usize>t * xqs, xdt = xd + <usize>t * xds, xst = xs + <usize>t * xss;
    const ot = out + <usize>t * os;
    for (let r = r0; r < r1; r++) {
      const wr = w + <usize>r * rb;
      let v: f32;
      if (kind == 2) v = rowQ2K(wr, nb, xqt, xdt);
      else if (kind == 3) v = rowQ3K(wr, nb, xqt, xdt);
      else if (kind == 4) v = rowQ4K(wr, nb, xqt, xdt, xst);
      else if (kind == 5) v = rowQ5K(wr, nb, xqt, xdt, xst);
      else v = rowQ6K(wr, nb, xqt, xdt, xs16 + <usize>t * xss16);
      store<f32>(ot + (<usize>r << 2), v);
    }
  }
}
