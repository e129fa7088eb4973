// Reference quantizers for the K super-block types (Q2_K … Q6_K, Q8_K), following ggml's quantize_row_*_ref
// (what llama-quantize uses without an importance matrix). Layouts are documented in dequant-k.ts.
// Every float32 step is reproduced, so the bytes match ggml's C reference built without FMA contraction (checked
// against ggml compiled with -ffp-contract=off; a -march=native build may fuse multiply-adds and differ slightly).

import { roundToF16, writeF16, writeF32 } from "./f16.js";
import { fr, GROUP_MAX_EPS, nearestInt, toInt8 } from "./float32-ops.js";
import { makeQ3Quants, makeQkx2Quants, makeQxQuants } from "./k-search.js";
import { Q2_K_BYTES, Q3_K_BYTES, Q4_K_BYTES, Q5_K_BYTES, Q6_K_BYTES, Q8_K_BYTES, scaleMinK4 } from "./dequant-k.js";

// Scratch shared by the quantizers (single-threaded; allocated once).
const Lu = new Uint8Array(256);
const Li = new Int8Array(256);
const laux = new Uint8Array(32);
const weights = new Float32Array(32);
const scales = new Float32Array(16);
const mins = new Float32Array(16);

const TENTH = Math.fround(0.1);

/** Pack 256 2-bit values: element 128·h + 32·j + l goes to bits 2j of byte 32·h + l. */
function pack2Bits(L: Uint8Array | Int8Array, dst: Uint8Array, q: number): void {
  for (let h = 0; h < 256; h += 128) {
    for (let l = 0; l < 32; l++) {
      dst[q + h / 4 + l] = L[h + l]! | (L[h + l + 32]! << 2) | (L[h + l + 64]! << 4) | (L[h + l + 96]! << 6);
    }
  }
}

export function quantizeRowQ2_K(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 256, o += Q2_K_BYTES) {
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 16; j++) {
      for (let l = 0; l < 16; l++) weights[l] = Math.abs(src[x + 16 * j + l]!);
      scales[j] = makeQkx2Quants(16, 3, src, x + 16 * j, weights, Lu, 16 * j, laux, -0.5, TENTH, 15, true, mins, j);
      if (scales[j]! > maxScale) maxScale = scales[j]!;
      if (mins[j]! > maxMin) maxMin = mins[j]!;
    }
    if (maxScale > 0) {
      const iscale = fr(15 / maxScale);
      for (let j = 0; j < 16; j++) dst[o + j] = nearestInt(fr(iscale * scales[j]!)) & 0xff;
      writeF16(dst, o + 80, fr(maxScale / 15));
    } else {
      dst.fill(0, o, o + 16);
      writeF16(dst, o + 80, 0);
    }
    if (maxMin > 0) {
      const iscale = fr(15 / maxMin);
      for (let j = 0; j < 16; j++) dst[o + j] = (dst[o + j]! | (nearestInt(fr(iscale * mins[j]!)) << 4)) & 0xff;
      writeF16(dst, o + 82, fr(maxMin / 15));
    } else {
      writeF16(dst, o + 82, 0);
    }
    const dAll = maxScale > 0 ? roundToF16(fr(maxScale / 15)) : 0;
    const dMinAll = roundToF16(maxMin > 0 ? fr(maxMin / 15) : 0);
    for (let j = 0; j < 16; j++) {
      const d = fr(dAll * (dst[o + j]! & 15));
      if (!d) continue;
      const dm = fr(dMinAll * (dst[o + j]! >>> 4));
      for (let i = 0; i < 16; i++) {
        Lu[16 * j + i] = Math.max(0, Math.min(3, nearestInt(fr(fr(src[x + 16 * j + i]! + dm) / d))));
      }
    }
    pack2Bits(Lu, dst, o + 16);
  }
}

export function quantizeRowQ3_K(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 256, o += Q3_K_BYTES) {
    let maxScale = 0;
    let amax = 0;
    for (let j = 0; j < 16; j++) {
      scales[j] = makeQ3Quants(16, 4, src, x + 16 * j, Li, 16 * j);
      const a = Math.abs(scales[j]!);
      if (a > amax) {
        amax = a;
        maxScale = scales[j]!;
      }
    }
    const s = o + 96; // 12 scale bytes: low nibbles of scales 0..7 | 8..15 in bytes 0..7, high 2-bit pairs in 8..11
    dst.fill(0, s, s + 12);
    let dAll = 0;
    if (maxScale) {
      const iscale = fr(-32 / maxScale);
      for (let j = 0; j < 16; j++) {
        const l = Math.max(-32, Math.min(31, toInt8(nearestInt(fr(iscale * scales[j]!))))) + 32;
        if (j < 8) dst[s + j] = l & 15;
        else dst[s + j - 8] = dst[s + j - 8]! | ((l & 15) << 4);
        dst[s + 8 + (j % 4)] = dst[s + 8 + (j % 4)]! | ((l >> 4) << (2 * (j >> 2)));
      }
      dAll = fr(1 / iscale);
    }
    writeF16(dst, o + 108, dAll);
    dAll = roundToF16(dAll);
    for (let j = 0; j < 16; j++) {
      const low = j < 8 ? dst[s + j]! & 15 : dst[s + j - 8]! >>> 4;
      const sc = (low | (((dst[s + 8 + (j % 4)]! >>> (2 * (j >> 2))) & 3) << 4)) - 32;
      const d = fr(dAll * sc);
      if (!d) continue;
      for (let i = 0; i < 16; i++) {
        Li[16 * j + i] = Math.max(-4, Math.min(3, nearestInt(fr(src[x + 16 * j + i]! / d)))) + 4;
      }
    }
    // high bit of element j goes to bit j/32 of hmask byte j%32; the rest keeps the low 2 bits
    dst.fill(0, o, o + 32);
    for (let j = 0; j < 256; j++) {
      if (Li[j]! > 3) {
        dst[o + (j & 31)] = dst[o + (j & 31)]! | (1 << (j >> 5));
        Li[j] = Li[j]! - 4;
      }
    }
    pack2Bits(Li, dst, o + 32);
  }
}

/** Shared part of Q4_K and Q5_K: writes the d/dmin/scales header at o and the levels (0..nmax) into Lu[0..256). */
function quantizeHeaderK4(src: Float32Array, x: number, dst: Uint8Array, o: number, nmax: number, rmin: number, nstep: number): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = fr(sumX2 + fr(src[x + 32 * j + l]! * src[x + 32 * j + l]!));
    const avX = fr(Math.sqrt(fr(sumX2 / 32)));
    for (let l = 0; l < 32; l++) weights[l] = avX + Math.abs(src[x + 32 * j + l]!);
    scales[j] = makeQkx2Quants(32, nmax, src, x + 32 * j, weights, Lu, 32 * j, laux, rmin, TENTH, nstep, false, mins, j);
    if (scales[j]! > maxScale) maxScale = scales[j]!;
    if (mins[j]! > maxMin) maxMin = mins[j]!;
  }
  const invScale = maxScale > 0 ? fr(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? fr(63 / maxMin) : 0;
  const s = o + 4;
  for (let j = 0; j < 8; j++) {
    const ls = Math.min(63, nearestInt(fr(invScale * scales[j]!)) & 0xff);
    const lm = Math.min(63, nearestInt(fr(invMin * mins[j]!)) & 0xff);
    if (j < 4) {
      dst[s + j] = ls;
      dst[s + j + 4] = lm;
    } else {
      dst[s + j + 4] = (ls & 15) | ((lm & 15) << 4);
      dst[s + j - 4] = dst[s + j - 4]! | ((ls >> 4) << 6);
      dst[s + j] = dst[s + j]! | ((lm >> 4) << 6);
    }
  }
  writeF16(dst, o, fr(maxScale / 63));
  writeF16(dst, o + 2, fr(maxMin / 63));
  const dAll = roundToF16(fr(maxScale / 63));
  const dMinAll = roundToF16(fr(maxMin / 63));
  for (let j = 0; j < 8; j++) {
    const sm = scaleMinK4(dst, s, j);
    const d = fr(dAll * (sm & 0xff));
    if (!d) continue;
    const dm = fr(dMinAll * (sm >>> 8));
    for (let i = 0; i < 32; i++) {
      Lu[32 * j + i] = Math.max(0, Math.min(nmax, nearestInt(fr(fr(src[x + 32 * j + i]! + dm) / d))));
    }
  }
}

export function quantizeRowQ4_K(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 256, o += Q4_K_BYTES) {
    quantizeHeaderK4(src, x, dst, o, 15, -1, 20);
    for (let c = 0; c < 4; c++) {
      for (let l = 0; l < 32; l++) dst[o + 16 + 32 * c + l] = Lu[64 * c + l]! | (Lu[64 * c + l + 32]! << 4);
    }
  }
}

export function quantizeRowQ5_K(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 256, o += Q5_K_BYTES) {
    quantizeHeaderK4(src, x, dst, o, 31, -0.5, 15);
    const qh = o + 16;
    dst.fill(0, qh, qh + 32);
    for (let c = 0; c < 4; c++) {
      const m1 = 1 << (2 * c);
      const m2 = 2 << (2 * c);
      for (let j = 0; j < 32; j++) {
        let l1 = Lu[64 * c + j]!;
        let l2 = Lu[64 * c + j + 32]!;
        if (l1 > 15) {
          l1 -= 16;
          dst[qh + j] = dst[qh + j]! | m1;
        }
        if (l2 > 15) {
          l2 -= 16;
          dst[qh + j] = dst[qh + j]! | m2;
        }
        dst[o + 48 + 32 * c + j] = l1 | (l2 << 4);
      }
    }
  }
}

export function quantizeRowQ6_K(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 256, o += Q6_K_BYTES) {
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      scales[ib] = makeQxQuants(16, 32, src, x + 16 * ib, Li, 16 * ib);
      const a = Math.abs(scales[ib]!);
      if (a > maxAbsScale) {
        maxAbsScale = a;
        maxScale = scales[ib]!;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) {
      dst.fill(0, o, o + Q6_K_BYTES);
      continue;
    }
    const iscale = fr(-128 / maxScale);
    writeF16(dst, o + 208, fr(1 / iscale));
    const dAll = roundToF16(fr(1 / iscale));
    for (let ib = 0; ib < 16; ib++) dst[o + 192 + ib] = Math.min(127, nearestInt(fr(iscale * scales[ib]!))) & 0xff;
    for (let j = 0; j < 16; j++) {
      const d = fr(dAll * toInt8(dst[o + 192 + j]!));
      if (!d) continue;
      for (let i = 0; i < 16; i++) {
        Li[16 * j + i] = Math.max(-32, Math.min(31, nearestInt(fr(src[x + 16 * j + i]! / d)))) + 32;
      }
    }
    for (let h = 0; h < 2; h++) {
      const L0 = 128 * h;
      const ql = o + 64 * h;
      const qh = o + 128 + 32 * h;
      for (let l = 0; l < 32; l++) {
        const q1 = Li[L0 + l]!;
        const q2 = Li[L0 + l + 32]!;
        const q3 = Li[L0 + l + 64]!;
        const q4 = Li[L0 + l + 96]!;
        dst[ql + l] = (q1 & 15) | ((q3 & 15) << 4);
        dst[ql + l + 32] = (q2 & 15) | ((q4 & 15) << 4);
        dst[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
      }
    }
  }
}

export function quantizeRowQ8_K(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 256, o += Q8_K_BYTES) {
    let max = 0;
    let amax = 0;
    for (let j = 0; j < 256; j++) {
      const a = Math.abs(src[x + j]!);
      if (a > amax) {
        amax = a;
        max = src[x + j]!;
      }
    }
    if (!amax) {
      dst.fill(0, o, o + Q8_K_BYTES);
      continue;
    }
    const iscale = fr(-127 / max);
    for (let j = 0; j < 256; j++) dst[o + 4 + j] = Math.min(127, nearestInt(fr(iscale * src[x + j]!))) & 0xff;
    for (let j = 0; j < 16; j++) {
      let sum = 0;
      for (let i = 0; i < 16; i++) sum += toInt8(dst[o + 4 + 16 * j + i]!);
      dst[o + 260 + 2 * j] = sum & 0xff;
      dst[o + 261 + 2 * j] = (sum >> 8) & 0xff;
    }
    writeF32(dst, o, fr(1 / iscale));
  }
}
