// float32 arithmetic helpers so reference quantizers reproduce ggml's C `float` results bit for bit.
// JS computes in double; rounding each +,-,*,/ result with Math.fround gives exactly the IEEE float32 result
// (double has more than 2·24+2 bits, so the double rounding is harmless), hence `fr(a * b)` ≡ C's `a * b`.

export const fr = Math.fround;

const scratchF32 = new Float32Array(1);
const scratchI32 = new Int32Array(scratchF32.buffer);

/**
 * ggml's `nearest_int`: adds 1.5·2^23 in float32 and reads the low mantissa bits, i.e. rounds half to even for
 * |x| ≤ 4194303 (and wraps like the C code outside that range, so results stay identical).
 */
export function nearestInt(x: number): number {
  scratchF32[0] = x + 12582912;
  return (scratchI32[0]! & 0x007fffff) - 0x00400000;
}

/** C `roundf`: round half away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** C conversion of an integer-valued result to `int8_t` (two's-complement wrap). */
export function toInt8(x: number): number {
  return (x << 24) >> 24;
}

/** ggml's GROUP_MAX_EPS (1e-15f): groups whose largest magnitude is below this are treated as all zero. */
export const GROUP_MAX_EPS = Math.fround(1e-15);
