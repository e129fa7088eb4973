// Shared pieces of the K-quant super-blocks (layouts in matmul-k.ts): sizes, and the 6-bit scales and minimums of
// Q4_K/Q5_K.
import { hsumI32 } from "./common";

export const Q4_K_BYTES: usize = 144;
export const Q5_K_BYTES: usize = 176;
export const Q6_K_BYTES: usize = 210;

/** The 8 six-bit sub-block scales of the Q4_K/Q5_K scale bytes at s, as bytes 0..7 of the result. */
// @ts-ignore: decorator
@inline export function kScales(s: usize): v128 {
  const s0 = load<u32>(s), s1 = load<u32>(s, 4), s2 = load<u32>(s, 8);
  const scLo = s0 & 0x3f3f3f3f;
  const scHi = (s2 & 0x0f0f0f0f) | (((s0 >> 6) & 0x03030303) << 4);
  return i32x4.replace_lane(i32x4.splat(scLo), 1, scHi);
}

/** The 8 six-bit sub-block minimums, as bytes 0..7 of the result. */
// @ts-ignore: decorator
@inline export function kMins(s: usize): v128 {
  const s0 = load<u32>(s), s1 = load<u32>(s, 4), s2 = load<u32>(s, 8);
  const mLo = s1 & 0x3f3f3f3f;
  const mHi = ((s2 >> 4) & 0x0f0f0f0f) | (((s1 >> 6) & 0x03030303) << 4);
  return i32x4.replace_lane(i32x4.splat(mLo), 1, mHi);
}

/** Σ_j m_j · Σx_j over the 8 sub-blocks (mins as bytes in `mins`, sums as i16 at xs). */
// @ts-ignore: decorator
@inline export function minSum(mins: v128, xs: usize): i32 {
  return hsumI32(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(mins), v128.load(xs)));
}
