// Scalar half-precision conversions (IEEE binary16 and bfloat16 ⇄ float32), bit-compatible with ggml's
// GGML_FP16_TO_FP32 / GGML_FP32_TO_FP16 / GGML_BF16_TO_FP32 / GGML_FP32_TO_BF16, plus little-endian byte helpers.

// One 4-byte scratch cell viewed both ways: reinterprets float32 ⇄ uint32 bits without allocating.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** Bits of a float32 (the number is rounded to float32 first). */
export function f32ToBits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0];
}

/** The float32 whose bits are `bits` (uint32). */
export function bitsToF32(bits: number): number {
  scratchU32[0] = bits;
  return scratchF32[0];
}

function buildF16Table(): Float32Array {
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) {
      // zero or subnormal: mant * 2^-24, exact in float32
      table[h] = (sign ? -mant : mant) * 2 ** -24;
      if (mant === 0) bits[h] = sign; // keep -0
    } else if (exp === 31) {
      // inf / NaN: widen the payload like ggml does (quiet bit stays where it was)
      bits[h] = (sign | 0x7f800000 | (mant << 13)) >>> 0;
    } else {
      bits[h] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
    }
  }
  return table;
}

/** float32 value of every binary16 bit pattern, indexed by the 16-bit pattern (built once, 256 KiB). */
export const F16_TO_F32: Float32Array = buildF16Table();

/** binary16 bits → number. */
export function f16ToF32(h: number): number {
  return F16_TO_F32[h & 0xffff];
}

/**
 * number → binary16 bits: the value is first rounded to float32 (as a C float argument would be), then to the
 * nearest binary16 with ties to even; overflow gives ±inf, NaN gives sign|0x7E00 — exactly GGML_FP32_TO_FP16.
 */
export function f32ToF16(x: number): number {
  scratchF32[0] = x;
  const w = scratchU32[0];
  const sign = (w >>> 16) & 0x8000;
  const abs = w & 0x7fffffff;
  if (abs > 0x7f800000) return sign | 0x7e00; // NaN
  if (abs >= 0x47800000) return sign | 0x7c00; // ≥ 2^16 (or inf): beyond the largest rounding-up candidate
  const exp = abs >>> 23;
  if (exp >= 113) {
    // normal binary16 range; a carry out of the mantissa correctly bumps the exponent (up to inf)
    const mant = abs & 0x7fffff;
    let h = ((exp - 112) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) !== 0)) h++;
    return sign | h;
  }
  // binary16 subnormal (or zero): h = round(value * 2^24) = round(m * 2^(exp-126))
  const shift = 126 - exp; // ≥ 14
  if (shift > 24) return sign; // below 2^-25: rounds to zero
  const m = (abs & 0x7fffff) | (exp === 0 ? 0 : 0x800000);
  let h = m >>> shift;
  const rest = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (h & 1) !== 0)) h++;
  return sign | h;
}

/** Round a number to the nearest binary16 value (returned as a number). */
export function roundToF16(x: number): number {
  return F16_TO_F32[f32ToF16(x)];
}

/** bfloat16 bits → number. */
export function bf16ToF32(h: number): number {
  scratchU32[0] = (h & 0xffff) << 16;
  return scratchF32[0];
}

/** number → bfloat16 bits: float32 rounded to nearest even; NaN kept NaN and forced quiet (as ggml does). */
export function f32ToBf16(x: number): number {
  scratchF32[0] = x;
  const w = scratchU32[0];
  if ((w & 0x7fffffff) > 0x7f800000) return ((w >>> 16) | 64) & 0xffff;
  return ((w + 0x7fff + ((w >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Little-endian binary16 at src[off], as a number. */
export function readF16(src: Uint8Array, off: number): number {
  return F16_TO_F32[src[off] | (src[off + 1] << 8)];
}

/** Write `x` as little-endian binary16 at dst[off]. */
export function writeF16(dst: Uint8Array, off: number, x: number): void {
  const h = f32ToF16(x);
  dst[off] = h & 0xff;
  dst[off + 1] = h >>> 8;
}

/** Little-endian float32 at src[off] (any alignment). */
export function readF32(src: Uint8Array, off: number): number {
  scratchU32[0] = src[off] | (src[off + 1] << 8) | (src[off + 2] << 16) | (src[off + 3] << 24);
  return scratchF32[0];
}

/** Write `x` as little-endian float32 at dst[off]. */
export function writeF32(dst: Uint8Array, off: number, x: number): void {
  scratchF32[0] = x;
  const w = scratchU32[0];
  dst[off] = w & 0xff;
  dst[off + 1] = (w >>> 8) & 0xff;
  dst[off + 2] = (w >>> 16) & 0xff;
  dst[off + 3] = w >>> 24;
}
