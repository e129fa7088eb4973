// Shared helpers for the WASM kernels: half-float conversion (scalar and SIMD), horizontal sums, SIMD exp.
// Nothing here allocates: the module has no heap, every buffer lives in the imported shared memory.

// ggml type ids (src/tensor/ggml-type.ts).
export const T_F32: i32 = 0;
export const T_F16: i32 = 1;
export const T_Q4_0: i32 = 2;
export const T_Q4_1: i32 = 3;
export const T_Q5_0: i32 = 6;
export const T_Q5_1: i32 = 7;
export const T_Q8_0: i32 = 8;
export const T_Q2_K: i32 = 10;
export const T_Q3_K: i32 = 11;
export const T_Q4_K: i32 = 12;
export const T_Q5_K: i32 = 13;
export const T_Q6_K: i32 = 14;
export const T_BF16: i32 = 30;
export const T_TQ1_0: i32 = 34;
export const T_TQ2_0: i32 = 35;
/** Not a ggml type: TQ2_0 repacked at load time for the table-lookup kernel (matmul-ternary-lut.ts). */
export const T_TQ2_0_LUT: i32 = 48;
/** Not a ggml type: Q4_0 repacked at load time into four-row groups (matmul-x4.ts). */
export const T_Q4_0_X4: i32 = 49;
/** Not a ggml type: Q5_0 repacked at load time into four-row groups (matmul-x4.ts). */
export const T_Q5_0_X4: i32 = 50;

/** 2^112: rebias factor from a binary16 exponent placed in a float32 exponent field. */
export const F16_REBIAS: f32 = 5.192296858534828e33;

/**
 * binary16 bits → f32 for scale fields, exact for normals and subnormals (Inf/NaN come out finite: scales never are;
 * use f16ToF32Exact where they matter). Integer-only for normals (the exponent is rebiased by an add); a subnormal is
 * its mantissa times 2^−24. No float operation ever sees a subnormal operand: x86 takes a microcode assist of ~100
 * cycles for one, and K-quant super-block scales of real weights are often f16 subnormals (Q6_K's d ≈ 1e-5) — a
 * multiply by 2^112 on the raw bits (the previous conversion) ran Q6_K matMuls at half speed on such files.
 */
// @ts-ignore: decorator
@inline export function f16ToF32(h: u32): f32 {
  const sign = (h & 0x8000) << 16;
  const normal = reinterpret<f32>(sign | (((h & 0x7fff) << 13) + 0x38000000));
  const sub = reinterpret<f32>(sign | reinterpret<u32>(<f32>(h & 0x3ff) * <f32>5.9604644775390625e-8));
  return select<f32>(normal, sub, (h & 0x7c00) != 0);
}

/** binary16 bits → f32 including Inf/NaN (payload widened as ggml does). */
export function f16ToF32Exact(h: u32): f32 {
  if ((h & 0x7c00) == 0x7c00) return reinterpret<f32>(((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13));
  return f16ToF32(h);
}

/** f32 → binary16 bits, round to nearest even, overflow to ±Inf, NaN → sign|0x7E00 (ggml's GGML_FP32_TO_FP16). */
export function f32ToF16(x: f32): u32 {
  const w = reinterpret<u32>(x);
  const sign = (w >> 16) & 0x8000;
  const abs = w & 0x7fffffff;
  if (abs > 0x7f800000) return sign | 0x7e00;
  if (abs >= 0x47800000) return sign | 0x7c00;
  const exp = abs >> 23;
  if (exp >= 113) {
    const mant = abs & 0x7fffff;
    let h = ((exp - 112) << 10) | (mant >> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) h++;
    return sign | h;
  }
  const shift = 126 - exp;
  if (shift > 24) return sign;
  const m = (abs & 0x7fffff) | (exp == 0 ? 0 : 0x800000);
  let h = m >> shift;
  const rest = m & ((1 << shift) - 1);
  const half: u32 = 1 << (shift - 1);
  if (rest > half || (rest == half && (h & 1) != 0)) h++;
  return sign | h;
}

/**
 * Four binary16 values sitting in the high 16 bits of each i32 lane → f32x4. An arithmetic shift by 3 puts the
 * exponent and mantissa in float32 position while the sign stays in bit 31; the mask drops the copied sign bits and
 * the multiply rebiases. Exact for normals, zeros and subnormals (Inf/NaN come out finite: matMul/attention only).
 */
// @ts-ignore: decorator
@inline export function halfHighToF32x4(w: v128): v128 {
  return f32x4.mul(v128.and(i32x4.shr_s(w, 3), i32x4.splat(0x8fffe000)), f32x4.splat(F16_REBIAS));
}

/** Low four binary16 lanes of an i16x8 → f32x4. */
// @ts-ignore: decorator
@inline export function f16LowToF32x4(h: v128): v128 {
  return halfHighToF32x4(i16x8.shuffle(i16x8.splat(0), h, 0, 8, 1, 9, 2, 10, 3, 11));
}

/** High four binary16 lanes of an i16x8 → f32x4. */
// @ts-ignore: decorator
@inline export function f16HighToF32x4(h: v128): v128 {
  return halfHighToF32x4(i16x8.shuffle(i16x8.splat(0), h, 4, 12, 5, 13, 6, 14, 7, 15));
}

/** Low four bfloat16 lanes of an i16x8 → f32x4 (exact: bf16 is the top half of a float32). */
// @ts-ignore: decorator
@inline export function bf16LowToF32x4(h: v128): v128 {
  return i16x8.shuffle(i16x8.splat(0), h, 0, 8, 1, 9, 2, 10, 3, 11);
}

// @ts-ignore: decorator
@inline export function bf16HighToF32x4(h: v128): v128 {
  return i16x8.shuffle(i16x8.splat(0), h, 4, 12, 5, 13, 6, 14, 7, 15);
}

// @ts-ignore: decorator
@inline export function hsumF32(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

// @ts-ignore: decorator
@inline export function hsumI32(v: v128): i32 {
  const s = i32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1);
}

// @ts-ignore: decorator
@inline export function hmaxF32(v: v128): f32 {
  const s = f32x4.max(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return max(f32x4.extract_lane(s, 0), f32x4.extract_lane(s, 1));
}

/**
 * e^x on four lanes: x = k·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for an exact product), e^r by a degree-6
 * Taylor polynomial (truncation ≤ 1.2e-7 relative), 2^k built in the exponent field. Inputs are clamped to
 * [-87.3, 88.7] so 2^k stays a normal float: tiny results come out near 1e-38 instead of 0, large ones finite.
 * Relative error ≈ 3e-7 over the whole range.
 */
// @ts-ignore: decorator
@inline export function expF32x4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.3)), f32x4.splat(88.7));
  const k = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.4426950408889634)));
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(0.693145751953125)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(1.428606765330187e-6)));
  let p = f32x4.splat(1.0 / 720.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** Scalar e^x with the same algorithm (for loop tails, so every element sees the same approximation). */
export function expF32(x: f32): f32 {
  return f32x4.extract_lane(expF32x4(f32x4.splat(x)), 0);
}

/**
 * Scheduling barrier for V8: TurboFan keeps a function's memory accesses in program order but sinks pure SIMD
 * arithmetic down to its first use, so a loop body that loads several blocks before combining them gets all its
 * loads first, more live vectors than x64 has registers, and spills. Writing a finished partial result to a global
 * (an effect, one store to the instance) forces its arithmetic to be scheduled before the loads that follow.
 */
let PIN: v128 = i32x4.splat(0);
/**
 * How far ahead of the weights being read the matMul kernels touch memory (see touch); 0 = not at all. Chosen per
 * machine at load (src/kernels/prefetch.ts): on a 2-vCPU Xeon VM, 64 KiB took Qwen2.5-0.5B's 152k×896 Q4_0 output
 * matrix from 4.0 to 6.1 GB/s on one thread and 7.8 to 17.6 GB/s on two; on a 2-vCPU EPYC VM it cost 30% of decode.
 */
let PREFETCH: usize = 0;
/** End of the weight matrix being read (touch() stays below it). */
let TOUCH_END: usize = 0;
let TOUCH_SINK: u32 = 0;
export function setPrefetch(bytes: usize): void {
  PREFETCH = bytes;
}
export function setTouchEnd(end: usize): void {
  TOUCH_END = end;
}
export function touched(): u32 {
  return TOUCH_SINK;
}
/**
 * One load PREFETCH bytes ahead of p, whose value only feeds a sink: WebAssembly has no prefetch instruction. The
 * gain comes at page distance, so what it starts early is the address translation and fill of pages the hardware
 * prefetcher does not enter on its own; once per weight row (or per four blocks of a long row) suffices.
 */
// @ts-ignore: decorator
@inline export function touch(p: usize): void {
  if (PREFETCH != 0) {
    const q = p + PREFETCH;
    TOUCH_SINK ^= load<u8>(q < TOUCH_END ? q : TOUCH_END - 1);
  }
}

/**
 * a·b + c. The relaxed-SIMD build uses f32x4.relaxed_madd, a fused multiply-add where the CPU has one (x86 FMA3,
 * ARM): one instruction and one rounding instead of two, as ggml's own f16/f32 dot products on such CPUs.
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Reads PIN, so that the optimizer keeps the writes (never called for its value). */
export function pinned(): i32 {
  return i32x4.extract_lane(PIN, 0);
}
// @ts-ignore: decorator
@inline export function pin(v: v128): void {
  PIN = v;
}
