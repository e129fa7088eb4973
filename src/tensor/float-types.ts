// Row conversions for the plain float tensor types F32, F16 and BF16 (little-endian bytes ⇄ Float32Array).

import { F16_TO_F32, f32ToBf16, f32ToF16, writeF32 } from "./f16.js";

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

// Whole-buffer Float32Array views, made once per buffer so that aligned F32 rows can be read without allocating.
const f32Views = new WeakMap<ArrayBufferLike, Float32Array>();

function f32ViewOf(buffer: ArrayBufferLike): Float32Array {
  let view = f32Views.get(buffer);
  if (view === undefined) {
    view = new Float32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
    f32Views.set(buffer, view);
  }
  return view;
}

export function dequantizeRowF32(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const byteOff = src.byteOffset + srcOff;
  if (LITTLE_ENDIAN_HOST && byteOff % 4 === 0) {
    const view = f32ViewOf(src.buffer);
    const base = byteOff / 4;
    for (let i = 0; i < n; i++) dst[dstOff + i] = view[base + i]!;
    return;
  }
  for (let i = 0, o = srcOff; i < n; i++, o += 4) {
    scratchU32[0] = src[o]! | (src[o + 1]! << 8) | (src[o + 2]! << 16) | (src[o + 3]! << 24);
    dst[dstOff + i] = scratchF32[0]!;
  }
}

export function quantizeRowF32(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let i = 0; i < n; i++) writeF32(dst, dstOff + 4 * i, src[srcOff + i]!);
}

export function dequantizeRowF16(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const table = F16_TO_F32;
  for (let i = 0, o = srcOff; i < n; i++, o += 2) dst[dstOff + i] = table[src[o]! | (src[o + 1]! << 8)]!;
}

export function quantizeRowF16(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let i = 0, o = dstOff; i < n; i++, o += 2) {
    const h = f32ToF16(src[srcOff + i]!);
    dst[o] = h & 0xff;
    dst[o + 1] = h >>> 8;
  }
}

export function dequantizeRowBF16(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  for (let i = 0, o = srcOff; i < n; i++, o += 2) {
    scratchU32[0] = (src[o]! << 16) | (src[o + 1]! << 24);
    dst[dstOff + i] = scratchF32[0]!;
  }
}

export function quantizeRowBF16(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let i = 0, o = dstOff; i < n; i++, o += 2) {
    const h = f32ToBf16(src[srcOff + i]!);
    dst[o] = h & 0xff;
    dst[o + 1] = h >>> 8;
  }
}
