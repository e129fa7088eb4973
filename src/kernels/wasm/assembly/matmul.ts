// matMul dispatch by weight type: the activation form each type is paired with, and the kernel for a row range.
import { T_BF16, T_F16, T_F32, T_Q2_K, T_Q3_K, T_Q4_0, T_Q4_1, T_Q4_K, T_Q5_0, T_Q5_1, T_Q5_K, T_Q6_K, T_Q8_0, T_TQ1_0, T_TQ2_0, T_TQ2_0_LUT, T_Q4_0_X4, T_Q5_0_X4 } from "./common";
import { buildBroadcastRows, matmulQ4x4, matmulQ5x4 } from "./matmul-x4";
import { buildLutTables, matmulTernaryLut } from "./matmul-ternary-lut";
import { matmulTernary } from "./matmul-ternary";
import { matmulBF16, matmulF16, matmulF32 } from "./matmul-float";
import { matmulK } from "./matmul-k";
import { matmulQ4_0, matmulQ4_1, matmulQ5_0, matmulQ5_1, matmulQ8_0 } from "./matmul-legacy";
import { quantizeRows, roundActivations } from "./quantize";

/**
 * Activation quantization block for `type`: 32 (Q8_0-style: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, and the four-row
 * layouts Q4_0_X4, Q5_0_X4), 256 (Q8_K-style:
 * K-quants), 0 (none: F32, F16, BF16), −1 (type not supported by matMul).
 */
export function activationBlock(type: i32): i32 {
  if (type == T_Q8_0 || type == T_Q4_0 || type == T_Q4_0_X4 || type == T_Q4_1 || type == T_Q5_0 || type == T_Q5_1 || type == T_Q5_0_X4) return 32;
  if (type == T_Q4_K || type == T_Q5_K || type == T_Q6_K || type == T_Q2_K || type == T_Q3_K) return 256;
  if (type == T_TQ1_0 || type == T_TQ2_0 || type == T_TQ2_0_LUT) return 256;
  if (type == T_F32 || type == T_F16 || type == T_BF16) return 0;
  return -1;
}

/**
 * 1 when the kernel for `type` reads an f32 copy of the activations rounded to the weight's half type (xf, n·cols
 * floats: F16, BF16); 0 when it reads x (F32) or the quantized xq/xd/xs.
 */
export function activationFloat(type: i32): i32 {
  return type == T_F16 || type == T_BF16 ? 1 : 0;
}

/** Round x (n, cols) into the form matmulChunk reads for `type` (see activationBlock / activationFloat). */
export function prepareActivations(type: i32, x: usize, n: i32, cols: i32, xq: usize, xd: usize, xs: usize, xf: usize): void {
  prepareRows(type, x, n, cols, xq, xd, xs, xf, 0, n);
}

/** Rows [t0, t1) of prepareActivations (for threads sharing a long prompt's rounding). */
export function prepareRows(
  type: i32, x: usize, n: i32, cols: i32, xq: usize, xd: usize, xs: usize, xf: usize, t0: i32, t1: i32,
): void {
  const block = activationBlock(type);
  if (block > 0) quantizeRows(x, n, cols, block, xq, xd, xs, t0, t1);
  if (type == T_TQ2_0_LUT) buildLutTables(xq, n, cols, t0, t1);
  if (type == T_Q4_0_X4 || type == T_Q5_0_X4) buildBroadcastRows(xq, n, cols, t0, t1);
  if (activationFloat(type) != 0) {
    const o = (<usize>t0 * <usize>cols) << 2;
    roundActivations(type == T_BF16, x + o, (t1 - t0) * cols, xf + o);
  }
}

/**
 * Rows [r0, r1) of out (n, rows) = x (n, cols) · Wᵀ. x is the f32 input, or xf when activationFloat(type);
 * xq/xd/xs the quantized activations. Types outside activationBlock's list must not be passed (nothing is written).
 */
export function matmulChunk(
  type: i32, w: usize, rb: usize, rows: i32, cols: i32, x: usize, n: i32, out: usize, r0: i32, r1: i32,
  xq: usize, xd: usize, xs: usize,
): void {
  if (type == T_Q8_0) matmulQ8_0(w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q4_0) matmulQ4_0(w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q4_0_X4) matmulQ4x4(w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q5_0_X4) matmulQ5x4(w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q4_1) matmulQ4_1(w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q5_0) matmulQ5_0(w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q5_1) matmulQ5_1(w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q2_K) matmulK(2, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q3_K) matmulK(3, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q4_K) matmulK(4, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q5_K) matmulK(5, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q6_K) matmulK(6, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_TQ2_0) matmulTernary(2, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_TQ2_0_LUT) matmulTernaryLut(w, rb, rows, cols, xq, xd, n, out, r0, r1);
  else if (type == T_TQ1_0) matmulTernary(1, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_F32) matmulF32(w, rb, rows, cols, x, n, out, r0, r1);
  else if (type == T_F16) matmulF16(w, rb, rows, cols, x, n, out, r0, r1);
  else if (type == T_BF16) matmulBF16(w, rb, rows, cols, x, n, out, r0, r1);
}
