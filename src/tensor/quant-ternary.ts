// Ternary types (−1, 0, +1 times one f16 scale per 256 weights), bit-exact to ggml's reference code:
// - TQ2_0 (66 bytes, 2.06 bits/weight): 64 bytes of 2-bit codes (q + 1), byte j of each 32-byte group holding the
//   elements j, j+32, j+64, j+96 of its 128 in bits 0–1, 2–3, 4–5, 6–7; then d.
// - TQ1_0 (54 bytes, 1.69 bits/weight): 48 bytes of five trits each, then 4 bytes of four, then d. A byte stores
//   its trits t₀…t₄ (most significant first) as ⌈(Σ tᵢ·3^(4−i)) · 256 / 243⌉, so that multiplying the byte by 3^k
//   (mod 256) and taking the top bits of ·3 reads trit k without a division. Bytes 0–31 cover elements m + 32·n of the
//   first 160, bytes 32–47 elements 160 + m + 16·n, the 4 last bytes elements 240 + j + 4·n (one trit left unused).
import { readF16, writeF16 } from "./f16.js";
import { fr, roundHalfAway } from "./float32-ops.js";

export const QK_TERNARY = 256;
export const TQ1_0_BYTES = 54;
export const TQ2_0_BYTES = 66;
const POW3 = [1, 3, 9, 27, 81, 243];

/** max |x| of a 256-element block, and its f32 reciprocal (0 for an all-zero block). */
function scaleOf(src: Float32Array, x: number): [number, number] {
  let amax = 0;
  for (let j = 0; j < QK_TERNARY; j++) amax = Math.max(amax, Math.abs(src[x + j]!));
  return [amax, amax ? fr(1 / amax) : 0];
}

/** 0, 1, 2 for −1, 0, +1 (lroundf of the scaled value, plus one). */
const trit = (v: number, id: number) => roundHalfAway(fr(v * id)) + 1;

/** ⌈q · 256 / 243⌉ in 8 bits: the byte whose multiples by 3^k expose each trit. */
const packTrits = (q: number) => Math.floor((q * 256 + 242) / 243) & 0xff;

export function quantizeRowTQ1_0(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; o += TQ1_0_BYTES) {
    const [d, id] = scaleOf(src, x);
    for (let m = 0; m < 32; m++) {
      let q = 0;
      for (let k = 0; k < 5; k++) q = q * 3 + trit(src[x + m + 32 * k]!, id);
      dst[o + m] = packTrits(q);
    }
    x += 160;
    for (let m = 0; m < 16; m++) {
      let q = 0;
      for (let k = 0; k < 5; k++) q = q * 3 + trit(src[x + m + 16 * k]!, id);
      dst[o + 32 + m] = packTrits(q);
    }
    x += 80;
    for (let j = 0; j < 4; j++) {
      let q = 0;
      for (let k = 0; k < 4; k++) q = q * 3 + trit(src[x + j + 4 * k]!, id);
      dst[o + 48 + j] = packTrits(q * 3); // the first value in the most significant trit
    }
    x += 16;
    writeF16(dst, o + 52, d);
  }
}

/** Trit k (0 = most significant) of a packed byte, as −1, 0, +1. */
const tritAt = (byte: number, k: number) => ((((byte * POW3[k]!) & 0xff) * 3) >> 8) - 1;

export function dequantizeRowTQ1_0(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  for (let o = srcOff, y = dstOff, end = dstOff + n; y < end; o += TQ1_0_BYTES) {
    const d = readF16(src, o + 52);
    for (let k = 0; k < 5; k++) for (let m = 0; m < 32; m++) dst[y++] = fr(tritAt(src[o + m]!, k) * d);
    for (let k = 0; k < 5; k++) for (let m = 0; m < 16; m++) dst[y++] = fr(tritAt(src[o + 32 + m]!, k) * d);
    for (let k = 0; k < 4; k++) for (let j = 0; j < 4; j++) dst[y++] = fr(tritAt(src[o + 48 + j]!, k) * d);
  }
}

export function quantizeRowTQ2_0(src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number): void {
  for (let x = srcOff, o = dstOff, end = srcOff + n; x < end; x += QK_TERNARY, o += TQ2_0_BYTES) {
    const [d, id] = scaleOf(src, x);
    for (let j = 0; j < 64; j += 32) {
      for (let m = 0; m < 32; m++) {
        let q = 0;
        for (let k = 0; k < 4; k++) q |= (trit(src[x + 4 * j + m + 32 * k]!, id) & 3) << (2 * k);
        dst[o + j + m] = q;
      }
    }
    writeF16(dst, o + 64, d);
  }
}

export function dequantizeRowTQ2_0(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  for (let o = srcOff, y = dstOff, end = dstOff + n; y < end; o += TQ2_0_BYTES) {
    const d = readF16(src, o + 64);
    for (let j = 0; j < 64; j += 32) {
      for (let k = 0; k < 4; k++) for (let m = 0; m < 32; m++) dst[y++] = fr((((src[o + j + m]! >> (2 * k)) & 3) - 1) * d);
    }
  }
}
