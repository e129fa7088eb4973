// The 32-element "legacy" block types Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1: dequantize rows and ggml's reference
// quantizers (quantize_row_*_ref), reproducing its float32 arithmetic so the bytes come out identical.
//
// Block layouts (little-endian, no padding; d/m/s are binary16):
//   Q4_0 (18 B): d, qs[16]           x[j] = (lo4(qs[j]) - 8)·d, x[j+16] = (hi4(qs[j]) - 8)·d
//   Q4_1 (20 B): d, m, qs[16]        x[j] = lo4(qs[j])·d + m,   x[j+16] = hi4(qs[j])·d + m
//   Q5_0 (22 B): d, qh u32, qs[16]   5th bit of x[j] is qh bit j (j < 32); value (q - 16)·d
//   Q5_1 (24 B): d, m, qh u32, qs[16]                            value q·d + m
//   Q8_0 (34 B): d, qs int8[32]      x[j] = qs[j]·d
//   Q8_1 (36 B): d, s = d·Σqs, qs int8[32]

import { F16_TO_F32, writeF16 } from "./f16.js";
import { fr, roundHalfAway, toInt8 } from "./float32-ops.js";

export const QK_LEGACY = 32;
export const Q4_0_BYTES = 18;
export const Q4_1_BYTES = 20;
export const Q5_0_BYTES = 22;
export const Q5_1_BYTES = 24;
export const Q8_0_BYTES = 34;
export const Q8_1_BYTES = 36;

const FLT_MAX = 3.4028234663852886e38;

// ---------------------------------------------------------------------------------------------- dequantize

export function dequantizeRowQ4_0(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, k = dstOff, end = dstOff + n; k < end; o += Q4_0_BYTES, k += 32) {
    const d = t[src[o]! | (src[o + 1]! << 8)]!;
    for (let j = 0; j < 16; j++) {
      const q = src[o + 2 + j]!;
      dst[k + j] = ((q & 15) - 8) * d;
      dst[k + j + 16] = ((q >>> 4) - 8) * d;
    }
  }
}

export function dequantizeRowQ4_1(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, k = dstOff, end = dstOff + n; k < end; o += Q4_1_BYTES, k += 32) {
    const d = t[src[o]! | (src[o + 1]! << 8)]!;
    const m = t[src[o + 2]! | (src[o + 3]! << 8)]!;
    for (let j = 0; j < 16; j++) {
      const q = src[o + 4 + j]!;
      dst[k + j] = Math.fround((q & 15) * d) + m;
      dst[k + j + 16] = Math.fround((q >>> 4) * d) + m;
    }
  }
}

function readU32(src: Uint8Array, o: number): number {
  return (src[o]! | (src[o + 1]! << 8) | (src[o + 2]! << 16) | (src[o + 3]! << 24)) >>> 0;
}

export function dequantizeRowQ5_0(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, k = dstOff, end = dstOff + n; k < end; o += Q5_0_BYTES, k += 32) {
    const d = t[src[o]! | (src[o + 1]! << 8)]!;
    const qh = readU32(src, o + 2);
    for (let j = 0; j < 16; j++) {
      const q = src[o + 6 + j]!;
      dst[k + j] = (((q & 15) | (((qh >>> j) << 4) & 0x10)) - 16) * d;
      dst[k + j + 16] = (((q >>> 4) | ((qh >>> (j + 12)) & 0x10)) - 16) * d;
    }
  }
}

export function dequantizeRowQ5_1(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, k = dstOff, end = dstOff + n; k < end; o += Q5_1_BYTES, k += 32) {
    const d = t[src[o]! | (src[o + 1]! << 8)]!;
    const m = t[src[o + 2]! | (src[o + 3]! << 8)]!;
    const qh = readU32(src, o + 4);
    for (let j = 0; j < 16; j++) {
      const q = src[o + 8 + j]!;
      dst[k + j] = Math.fround(((q & 15) | (((qh >>> j) << 4) & 0x10)) * d) + m;
      dst[k + j + 16] = Math.fround(((q >>> 4) | ((qh >>> (j + 12)) & 0x10)) * d) + m;
    }
  }
}

export function dequantizeRowQ8_0(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, k = dstOff, end = dstOff + n; k < end; o += Q8_0_BYTES, k += 32) {
    const d = t[src[o]! | (src[o + 1]! << 8)]!;
    for (let j = 0; j < 32; j++) dst[k + j] = ((src[o + 2 + j]! << 24) >> 24) * d;
  }
}

export function dequantizeRowQ8_1(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const t = F16_TO_F32;
  for (let o = srcOff, k = dstOff, end = dstOff + n; k < end; o += Q8_1_BYTES, k += 32) {
    const d = t[src[o]! | (src[o + 1]! << 8)]!;
    for (let j = 0; j < 32; j++) dst[k + j] = ((src[o + 4 + j]! << 24) >> 24) * d;
  }
}

// ------------------------------------------------------------------------------------- reference quantize

/** The element of largest magnitude (first one on ties), as ggml's `amax`/`max` scan keeps it (signed). */
function signedAbsMax(src: Float32Array, off: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < 32; j++) {
    const v = src[off + j]!;
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return max;
}

function writeU32(dst: Uint8Array, o: number, v: number): void {
  dst[o] = v & 0xff;
  dst[o + 1] = (v >>> 8) & 0xff;
  dst[o + 2] = (v >>> 16) & 0xff;
  dst[o + 3] = (v >>> 24) & 0xff;
}

export function quantizeRowQ4_0(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 32, o += Q4_0_BYTES) {
    const max = signedAbsMax(src, x);
    const d = fr(max / -8);
    const id = d ? fr(1 / d) : 0;
    writeF16(dst, o, d);
    for (let j = 0; j < 16; j++) {
      // (int8_t)(x·id + 8.5f) truncates; MIN(15, ·) keeps the 16 levels
      const x0 = Math.min(15, toInt8(Math.trunc(fr(fr(src[x + j]! * id) + 8.5)))) & 0xff;
      const x1 = Math.min(15, toInt8(Math.trunc(fr(fr(src[x + 16 + j]! * id) + 8.5)))) & 0xff;
      dst[o + 2 + j] = x0 | (x1 << 4);
    }
  }
}

export function quantizeRowQ4_1(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 32, o += Q4_1_BYTES) {
    let min = FLT_MAX;
    let max = -FLT_MAX;
    for (let j = 0; j < 32; j++) {
      const v = src[x + j]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const d = fr(fr(max - min) / 15);
    const id = d ? fr(1 / d) : 0;
    writeF16(dst, o, d);
    writeF16(dst, o + 2, min);
    for (let j = 0; j < 16; j++) {
      const x0 = Math.min(15, toInt8(Math.trunc(fr(fr(fr(src[x + j]! - min) * id) + 0.5)))) & 0xff;
      const x1 = Math.min(15, toInt8(Math.trunc(fr(fr(fr(src[x + 16 + j]! - min) * id) + 0.5)))) & 0xff;
      dst[o + 4 + j] = x0 | (x1 << 4);
    }
  }
}

export function quantizeRowQ5_0(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 32, o += Q5_0_BYTES) {
    const max = signedAbsMax(src, x);
    const d = fr(max / -16);
    const id = d ? fr(1 / d) : 0;
    writeF16(dst, o, d);
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      const x0 = Math.min(31, toInt8(Math.trunc(fr(fr(src[x + j]! * id) + 16.5)))) & 0xff;
      const x1 = Math.min(31, toInt8(Math.trunc(fr(fr(src[x + 16 + j]! * id) + 16.5)))) & 0xff;
      dst[o + 6 + j] = (x0 & 15) | ((x1 & 15) << 4);
      qh |= ((x0 & 0x10) >>> 4) << j;
      qh |= ((x1 & 0x10) >>> 4) << (j + 16);
    }
    writeU32(dst, o + 2, qh);
  }
}

export function quantizeRowQ5_1(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 32, o += Q5_1_BYTES) {
    let min = FLT_MAX;
    let max = -FLT_MAX;
    for (let j = 0; j < 32; j++) {
      const v = src[x + j]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const d = fr(fr(max - min) / 31);
    const id = d ? fr(1 / d) : 0;
    writeF16(dst, o, d);
    writeF16(dst, o + 2, min);
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      // (uint8_t)(x + 0.5f): no clamp in ggml here; the & 0xff mirrors the C conversion
      const x0 = Math.trunc(fr(fr(fr(src[x + j]! - min) * id) + 0.5)) & 0xff;
      const x1 = Math.trunc(fr(fr(fr(src[x + 16 + j]! - min) * id) + 0.5)) & 0xff;
      dst[o + 8 + j] = (x0 & 15) | ((x1 & 15) << 4);
      qh |= ((x0 & 0x10) >>> 4) << j;
      qh |= ((x1 & 0x10) >>> 4) << (j + 16);
    }
    writeU32(dst, o + 4, qh);
  }
}

function absMax32(src: Float32Array, off: number): number {
  let amax = 0;
  for (let j = 0; j < 32; j++) {
    const a = Math.abs(src[off + j]!);
    if (a > amax) amax = a;
  }
  return amax;
}

export function quantizeRowQ8_0(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 32, o += Q8_0_BYTES) {
    const d = fr(absMax32(src, x) / 127);
    const id = d ? fr(1 / d) : 0;
    writeF16(dst, o, d);
    for (let j = 0; j < 32; j++) dst[o + 2 + j] = roundHalfAway(fr(src[x + j]! * id)) & 0xff;
  }
}

export function quantizeRowQ8_1(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += 32, o += Q8_1_BYTES) {
    const d = fr(absMax32(src, x) / 127);
    const id = d ? fr(1 / d) : 0;
    writeF16(dst, o, d);
    let sum = 0;
    for (let j = 0; j < 32; j++) {
      const q = toInt8(roundHalfAway(fr(src[x + j]! * id)));
      dst[o + 4 + j] = q & 0xff;
      sum += q;
    }
    writeF16(dst, o + 2, fr(sum * d));
  }
}
