// Dequantize rows of the 256-element "K" super-block types Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and Q8_K.
// Results equal ggml's scalar dequantize_row_* (same float32 rounding of the products), byte layouts below.
//
//   Q2_K (84 B):  scales[16] (lo4 = scale, hi4 = min), qs[64] (2 bits), d, dmin
//   Q3_K (110 B): hmask[32] (3rd bit, set = no -4 offset), qs[64] (low 2 bits), scales[12] (16 × 6 bits), d
//   Q4_K (144 B): d, dmin, scales[12] (8 × 6-bit scale + 8 × 6-bit min), qs[128] (4 bits)
//   Q5_K (176 B): d, dmin, scales[12], qh[32] (5th bit), qs[128] (low 4 bits)
//   Q6_K (210 B): ql[128] (low 4 bits), qh[64] (high 2 bits), scales int8[16], d
//   Q8_K (292 B): d (float32), qs int8[256], bsums int16[16]
// In Q2_K/Q3_K/Q6_K a 128-element half uses 32 bytes of 2-bit fields (Q6_K: 64 + 32): element 32·j + l takes bits
// 2j..2j+1 of byte l, which is why the loops below walk (half, j, l) rather than elements in order.

import { F16_TO_F32 } from "./f16.js";

export const QK_K = 256;
export const Q2_K_BYTES = 84;
export const Q3_K_BYTES = 110;
export const Q4_K_BYTES = 144;
export const Q5_K_BYTES = 176;
export const Q6_K_BYTES = 210;
export const Q8_K_BYTES = 292;

const fr = Math.fround;
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

export function dequantizeRowQ2_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, y = dstOff, end = dstOff + n; y < end; o += Q2_K_BYTES) {
    const d = t[src[o + 80]! | (src[o + 81]! << 8)]!;
    const dmin = t[src[o + 82]! | (src[o + 83]! << 8)]!;
    for (let half = 0; half < 2; half++) {
      const q = o + 16 + 32 * half;
      for (let j = 0; j < 4; j++) {
        const shift = 2 * j;
        for (let sub = 0; sub < 2; sub++, y += 16) {
          const sc = src[o + 8 * half + 2 * j + sub]!;
          const dl = fr(d * (sc & 15));
          const ml = fr(dmin * (sc >>> 4));
          const qb = q + 16 * sub;
          for (let l = 0; l < 16; l++) dst[y + l] = fr(dl * ((src[qb + l]! >>> shift) & 3)) - ml;
        }
      }
    }
  }
}

/** The 6-bit Q3_K sub-block scale `j` (0..15), still biased by +32. */
function q3kScale(src: Uint8Array, s: number, j: number): number {
  const low = j < 8 ? src[s + j]! & 15 : src[s + j - 8]! >>> 4;
  const high = (src[s + 8 + (j & 3)]! >>> (2 * (j >>> 2))) & 3;
  return low | (high << 4);
}

export function dequantizeRowQ3_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, y = dstOff, end = dstOff + n; y < end; o += Q3_K_BYTES) {
    const dAll = t[src[o + 108]! | (src[o + 109]! << 8)]!;
    for (let half = 0; half < 2; half++) {
      const q = o + 32 + 32 * half;
      for (let j = 0; j < 4; j++) {
        const shift = 2 * j;
        const hbit = 4 * half + j; // hmask bit of this 32-element group
        for (let sub = 0; sub < 2; sub++, y += 16) {
          const dl = fr(dAll * (q3kScale(src, o + 96, 8 * half + 2 * j + sub) - 32));
          const qb = q + 16 * sub;
          const hb = o + 16 * sub;
          for (let l = 0; l < 16; l++) {
            // low 2 bits, minus 4 unless the hmask bit is set (branch-free: q = low + 4·bit − 4)
            dst[y + l] = dl * (((src[qb + l]! >>> shift) & 3) + (((src[hb + l]! >>> hbit) & 1) << 2) - 4);
          }
        }
      }
    }
  }
}

/**
 * Q4_K/Q5_K packed 6-bit scale and min of sub-block j (0..7) from the 12 bytes at s, as ggml's get_scale_min_k4:
 * j < 4: scale = s[j] & 63, min = s[j+4] & 63; j ≥ 4: low 4 bits from s[j+4] (scale lo nibble, min hi nibble),
 * high 2 bits from the top bits of s[j-4] (scale) and s[j] (min). Returned as scale | min << 8.
 */
export function scaleMinK4(src: Uint8Array, s: number, j: number): number {
  if (j < 4) return (src[s + j]! & 63) | ((src[s + j + 4]! & 63) << 8);
  const sc = (src[s + j + 4]! & 15) | ((src[s + j - 4]! >>> 6) << 4);
  const mn = (src[s + j + 4]! >>> 4) | ((src[s + j]! >>> 6) << 4);
  return sc | (mn << 8);
}

export function dequantizeRowQ4_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, y = dstOff, end = dstOff + n; y < end; o += Q4_K_BYTES) {
    const d = t[src[o]! | (src[o + 1]! << 8)]!;
    const dmin = t[src[o + 2]! | (src[o + 3]! << 8)]!;
    for (let chunk = 0; chunk < 4; chunk++, y += 64) {
      const sm1 = scaleMinK4(src, o + 4, 2 * chunk);
      const sm2 = scaleMinK4(src, o + 4, 2 * chunk + 1);
      const d1 = fr(d * (sm1 & 0xff));
      const m1 = fr(dmin * (sm1 >>> 8));
      const d2 = fr(d * (sm2 & 0xff));
      const m2 = fr(dmin * (sm2 >>> 8));
      const q = o + 16 + 32 * chunk;
      for (let l = 0; l < 32; l++) {
        const b = src[q + l]!;
        dst[y + l] = fr(d1 * (b & 15)) - m1;
        dst[y + 32 + l] = fr(d2 * (b >>> 4)) - m2;
      }
    }
  }
}

export function dequantizeRowQ5_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, y = dstOff, end = dstOff + n; y < end; o += Q5_K_BYTES) {
    const d = t[src[o]! | (src[o + 1]! << 8)]!;
    const dmin = t[src[o + 2]! | (src[o + 3]! << 8)]!;
    const qh = o + 16;
    for (let chunk = 0; chunk < 4; chunk++, y += 64) {
      const sm1 = scaleMinK4(src, o + 4, 2 * chunk);
      const sm2 = scaleMinK4(src, o + 4, 2 * chunk + 1);
      const d1 = fr(d * (sm1 & 0xff));
      const m1 = fr(dmin * (sm1 >>> 8));
      const d2 = fr(d * (sm2 & 0xff));
      const m2 = fr(dmin * (sm2 >>> 8));
      const bit1 = 2 * chunk; // qh bits of the two 32-element groups
      const ql = o + 48 + 32 * chunk;
      for (let l = 0; l < 32; l++) {
        const b = src[ql + l]!;
        const h = src[qh + l]! >>> bit1;
        dst[y + l] = fr(d1 * ((b & 15) | ((h & 1) << 4))) - m1;
        dst[y + 32 + l] = fr(d2 * ((b >>> 4) | ((h & 2) << 3))) - m2;
      }
    }
  }
}

export function dequantizeRowQ6_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, y = dstOff, end = dstOff + n; y < end; o += Q6_K_BYTES, y += 256) {
    const d = t[src[o + 208]! | (src[o + 209]! << 8)]!;
    for (let half = 0; half < 2; half++) {
      const ql = o + 64 * half;
      const qh = o + 128 + 32 * half;
      const sc = o + 192 + 8 * half;
      const yh = y + 128 * half;
      for (let is = 0; is < 2; is++) {
        // ggml computes d * sc * q left to right, so round d·sc to float first
        const s1 = fr(d * ((src[sc + is]! << 24) >> 24));
        const s2 = fr(d * ((src[sc + is + 2]! << 24) >> 24));
        const s3 = fr(d * ((src[sc + is + 4]! << 24) >> 24));
        const s4 = fr(d * ((src[sc + is + 6]! << 24) >> 24));
        for (let l = 16 * is; l < 16 * is + 16; l++) {
          const a = src[ql + l]!;
          const b = src[ql + 32 + l]!;
          const h = src[qh + l]!;
          dst[yh + l] = s1 * (((a & 15) | ((h & 3) << 4)) - 32);
          dst[yh + l + 32] = s2 * (((b & 15) | ((h & 12) << 2)) - 32);
          dst[yh + l + 64] = s3 * (((a >>> 4) | (h & 48)) - 32);
          dst[yh + l + 96] = s4 * (((b >>> 4) | ((h & 192) >>> 2)) - 32);
        }
      }
    }
  }
}

export function dequantizeRowQ8_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  for (let o = srcOff, y = dstOff, end = dstOff + n; y < end; o += Q8_K_BYTES, y += 256) {
    scratchU32[0] = src[o]! | (src[o + 1]! << 8) | (src[o + 2]! << 16) | (src[o + 3]! << 24);
    const d = scratchF32[0]!;
    for (let j = 0; j < 256; j++) dst[y + j] = d * ((src[o + 4 + j]! << 24) >> 24);
  }
}
