// Row dequantization for every supported weight type (getRow: the embedding lookup).
// Products are rounded to f32 in the same order as ggml's dequantize_row_* (and src/tensor's reference), so getRow
// matches the reference bit for bit apart from F16 NaN payloads.
import {
  f16ToF32, f16ToF32Exact, T_BF16, T_F16, T_F32, T_Q2_K, T_Q3_K, T_Q4_0, T_Q4_1, T_Q4_K, T_Q5_0, T_Q5_1, T_Q5_K, T_Q6_K,
  T_Q8_0, T_TQ1_0, T_TQ2_0,
} from "./common";

function rowQ4_0(src: usize, dst: usize, n: i32): void {
  for (let k = 0; k < n; k += 32, src += 18) {
    const d = f16ToF32(load<u16>(src));
    for (let j = 0; j < 16; j++) {
      const q = <i32>load<u8>(src + 2 + j);
      store<f32>(dst + (<usize>(k + j) << 2), <f32>((q & 15) - 8) * d);
      store<f32>(dst + (<usize>(k + j + 16) << 2), <f32>((q >> 4) - 8) * d);
    }
  }
}

function rowQ4_1(src: usize, dst: usize, n: i32): void {
  for (let k = 0; k < n; k += 32, src += 20) {
    const d = f16ToF32(load<u16>(src)), m = f16ToF32(load<u16>(src, 2));
    for (let j = 0; j < 16; j++) {
      const q = <i32>load<u8>(src + 4 + j);
      store<f32>(dst + (<usize>(k + j) << 2), <f32>(q & 15) * d + m);
      store<f32>(dst + (<usize>(k + j + 16) << 2), <f32>(q >> 4) * d + m);
    }
  }
}

function rowQ5(hasMin: bool, src: usize, dst: usize, n: i32): void {
  const bytes: usize = hasMin ? 24 : 22;
  for (let k = 0; k < n; k += 32, src += bytes) {
    const d = f16ToF32(load<u16>(src));
    const m = hasMin ? f16ToF32(load<u16>(src, 2)) : 0;
    const qhp = hasMin ? src + 4 : src + 2;
    const qh = load<u32>(qhp);
    const qs = qhp + 4;
    for (let j = 0; j < 16; j++) {
      const q = <u32>load<u8>(qs + j);
      const lo = <i32>((q & 15) | (((qh >> j) << 4) & 0x10));
      const hi = <i32>((q >> 4) | ((qh >> (j + 12)) & 0x10));
      if (hasMin) {
        store<f32>(dst + (<usize>(k + j) << 2), <f32>lo * d + m);
        store<f32>(dst + (<usize>(k + j + 16) << 2), <f32>hi * d + m);
      } else {
        store<f32>(dst + (<usize>(k + j) << 2), <f32>(lo - 16) * d);
        store<f32>(dst + (<usize>(k + j + 16) << 2), <f32>(hi - 16) * d);
      }
    }
  }
}

function rowQ8_0(src: usize, dst: usize, n: i32): void {
  for (let k = 0; k < n; k += 32, src += 34) {
    const d = f16ToF32(load<u16>(src));
    for (let j = 0; j < 32; j++) store<f32>(dst + (<usize>(k + j) << 2), <f32>load<i8>(src + 2 + j) * d);
  }
}

function rowQ2_K(src: usize, dst: usize, n: i32): void {
  for (let y = dst, end = dst + (<usize>n << 2); y < end; src += 84) {
    const d = f16ToF32(load<u16>(src, 80)), dmin = f16ToF32(load<u16>(src, 82));
    for (let half = 0; half < 2; half++) {
      const q = src + 16 + (<usize>half << 5);
      for (let j = 0; j < 4; j++) {
        const shift = j << 1;
        for (let sub = 0; sub < 2; sub++, y += 64) {
          const sc = <i32>load<u8>(src + (<usize>half << 3) + (<usize>j << 1) + sub);
          const dl = d * <f32>(sc & 15), ml = dmin * <f32>(sc >> 4);
          const qb = q + (<usize>sub << 4);
          for (let l = 0; l < 16; l++) {
            store<f32>(y + (<usize>l << 2), dl * <f32>((<i32>load<u8>(qb + l) >> shift) & 3) - ml);
          }
        }
      }
    }
  }
}

/** Q3_K 6-bit scale j (0..15) from the 12 packed bytes at s, still biased by +32. */
// @ts-ignore: decorator
@inline function q3kScale(s: usize, j: i32): i32 {
  const low = j < 8 ? <i32>load<u8>(s + j) & 15 : <i32>load<u8>(s + j - 8) >> 4;
  const high = (<i32>load<u8>(s + 8 + (j & 3)) >> ((j >> 2) << 1)) & 3;
  return low | (high << 4);
}

function rowQ3_K(src: usize, dst: usize, n: i32): void {
  for (let y = dst, end = dst + (<usize>n << 2); y < end; src += 110) {
    const dAll = f16ToF32(load<u16>(src, 108));
    for (let half = 0; half < 2; half++) {
      const q = src + 32 + (<usize>half << 5);
      for (let j = 0; j < 4; j++) {
        const shift = j << 1, hbit = (half << 2) + j;
        for (let sub = 0; sub < 2; sub++, y += 64) {
          const dl = dAll * <f32>(q3kScale(src + 96, (half << 3) + (j << 1) + sub) - 32);
          const qb = q + (<usize>sub << 4), hb = src + (<usize>sub << 4);
          for (let l = 0; l < 16; l++) {
            const v = ((<i32>load<u8>(qb + l) >> shift) & 3) + (((<i32>load<u8>(hb + l) >> hbit) & 1) << 2) - 4;
            store<f32>(y + (<usize>l << 2), dl * <f32>v);
          }
        }
      }
    }
  }
}

/** Q4_K/Q5_K scale (low byte) and min (high byte) of sub-block j from the 12 packed bytes at s. */
// @ts-ignore: decorator
@inline function scaleMinK4(s: usize, j: i32): i32 {
  if (j < 4) return (<i32>load<u8>(s + j) & 63) | ((<i32>load<u8>(s + j + 4) & 63) << 8);
  const sc = (<i32>load<u8>(s + j + 4) & 15) | ((<i32>load<u8>(s + j - 4) >> 6) << 4);
  const mn = (<i32>load<u8>(s + j + 4) >> 4) | ((<i32>load<u8>(s + j) >> 6) << 4);
  return sc | (mn << 8);
}

function rowQ45_K(hasHigh: bool, src: usize, dst: usize, n: i32): void {
  const bytes: usize = hasHigh ? 176 : 144;
  for (let y = dst, end = dst + (<usize>n << 2); y < end; src += bytes) {
    const d = f16ToF32(load<u16>(src)), dmin = f16ToF32(load<u16>(src, 2));
    for (let c = 0; c < 4; c++, y += 256) {
      const sm1 = scaleMinK4(src + 4, c << 1), sm2 = scaleMinK4(src + 4, (c << 1) + 1);
      const d1 = d * <f32>(sm1 & 0xff), m1 = dmin * <f32>(sm1 >> 8);
      const d2 = d * <f32>(sm2 & 0xff), m2 = dmin * <f32>(sm2 >> 8);
      const q = (hasHigh ? src + 48 : src + 16) + (<usize>c << 5);
      for (let l = 0; l < 32; l++) {
        const b = <i32>load<u8>(q + l);
        let lo = b & 15, hi = b >> 4;
        if (hasHigh) {
          const h = <i32>load<u8>(src + 16 + l) >> (c << 1);
          lo |= (h & 1) << 4;
          hi |= (h & 2) << 3;
        }
        store<f32>(y + (<usize>l << 2), d1 * <f32>lo - m1);
        store<f32>(y + (<usize>(l + 32) << 2), d2 * <f32>hi - m2);
      }
    }
  }
}

function rowQ6_K(src: usize, dst: usize, n: i32): void {
  for (let y = dst, end = dst + (<usize>n << 2); y < end; src += 210, y += 1024) {
    const d = f16ToF32(load<u16>(src, 208));
    for (let half = 0; half < 2; half++) {
      const ql = src + (<usize>half << 6), qh = src + 128 + (<usize>half << 5), sc = src + 192 + (<usize>half << 3);
      const yh = y + (<usize>half << 9);
      for (let is = 0; is < 2; is++) {
        const s1 = d * <f32>load<i8>(sc + is), s2 = d * <f32>load<i8>(sc + is + 2);
        const s3 = d * <f32>load<i8>(sc + is + 4), s4 = d * <f32>load<i8>(sc + is + 6);
        for (let l = is << 4; l < (is << 4) + 16; l++) {
          const a = <i32>load<u8>(ql + l), b = <i32>load<u8>(ql + 32 + l), h = <i32>load<u8>(qh + l);
          const o = yh + (<usize>l << 2);
          store<f32>(o, s1 * <f32>(((a & 15) | ((h & 3) << 4)) - 32));
          store<f32>(o, s2 * <f32>(((b & 15) | ((h & 12) << 2)) - 32), 128);
          store<f32>(o, s3 * <f32>(((a >> 4) | (h & 48)) - 32), 256);
          store<f32>(o, s4 * <f32>(((b >> 4) | ((h & 192) >> 2)) - 32), 384);
        }
      }
    }
  }
}

/** TQ2_0: 2-bit codes c, w = (c − 1)·d (see src/tensor/quant-ternary.ts). */
function rowTQ2_0(src: usize, dst: usize, n: i32): void {
  for (let k = 0; k < n; k += 256, src += 66) {
    const d = f16ToF32(load<u16>(src, 64));
    for (let j = 0; j < 64; j += 32) {
      for (let l = 0; l < 4; l++) {
        for (let m = 0; m < 32; m++) {
          store<f32>(dst, <f32>(<i32>((load<u8>(src + j + m) >> (l << 1)) & 3) - 1) * d);
          dst += 4;
        }
      }
    }
  }
}

/** TQ1_0: five trits a byte (trit l = ((b·3^l) & 0xff)·3 >> 8), then four a byte. */
function rowTQ1_0(src: usize, dst: usize, n: i32): void {
  for (let k = 0; k < n; k += 256, src += 54) {
    const d = f16ToF32(load<u16>(src, 52));
    let pow: u32 = 1;
    for (let l = 0; l < 5; l++, pow *= 3) {
      for (let m = 0; m < 32; m++) {
        store<f32>(dst, <f32>(<i32>((((<u32>load<u8>(src + m) * pow) & 0xff) * 3) >> 8) - 1) * d);
        dst += 4;
      }
    }
    pow = 1;
    for (let l = 0; l < 5; l++, pow *= 3) {
      for (let m = 0; m < 16; m++) {
        store<f32>(dst, <f32>(<i32>((((<u32>load<u8>(src + 32 + m) * pow) & 0xff) * 3) >> 8) - 1) * d);
        dst += 4;
      }
    }
    pow = 1;
    for (let l = 0; l < 4; l++, pow *= 3) {
      for (let j = 0; j < 4; j++) {
        store<f32>(dst, <f32>(<i32>((((<u32>load<u8>(src + 48 + j) * pow) & 0xff) * 3) >> 8) - 1) * d);
        dst += 4;
      }
    }
  }
}

/** dst (n f32) = the n elements stored at src in `type`; returns false for types this module does not know. */
export function dequantizeRow(type: i32, src: usize, dst: usize, n: i32): bool {
  if (type == T_F32) memory.copy(dst, src, <usize>n << 2);
  else if (type == T_F16) {
    for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), f16ToF32Exact(load<u16>(src + (<usize>i << 1))));
  } else if (type == T_BF16) {
    for (let i = 0; i < n; i++) store<u32>(dst + (<usize>i << 2), <u32>load<u16>(src + (<usize>i << 1)) << 16);
  } else if (type == T_Q4_0) rowQ4_0(src, dst, n);
  else if (type == T_Q4_1) rowQ4_1(src, dst, n);
  else if (type == T_Q5_0) rowQ5(false, src, dst, n);
  else if (type == T_Q5_1) rowQ5(true, src, dst, n);
  else if (type == T_Q8_0) rowQ8_0(src, dst, n);
  else if (type == T_Q2_K) rowQ2_K(src, dst, n);
  else if (type == T_Q3_K) rowQ3_K(src, dst, n);
  else if (type == T_Q4_K) rowQ45_K(false, src, dst, n);
  else if (type == T_Q5_K) rowQ45_K(true, src, dst, n);
  else if (type == T_Q6_K) rowQ6_K(src, dst, n);
  else if (type == T_TQ2_0) rowTQ2_0(src, dst, n);
  else if (type == T_TQ1_0) rowTQ1_0(src, dst, n);
  else return false;
  return true;
}
