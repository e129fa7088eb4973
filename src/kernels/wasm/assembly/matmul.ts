// matMul dispatch by weight type: the activation form each type is paired with, and the kernel for a row range.
import { T_BF16, T_F16, T_F32, T_Q2_K, T_Q3_K, T_Q4_0, T_Q4_1, T_Q4_K, T_Q5_0, T_Q5_1, T_Q5_K, T_Q6_K, T_Q8_0 } from "./common";
import { matmulBF16, matmulDequant, matmulF16, matmulF32 } from "./matmul-float";
import { matmulK } from "./matmul-k";
import { matmulLegacy32 } from "./matmul-q8";
import { expandActivations, quantizeActivations, roundActivations } from "./quantize";

/**
 * Activation quantization block for `type`: 32 (Q8_0-style: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1), 256 (Q8_K-style:
 * K-quants), 0 (none: F32, F16, BF16), −1 (type not supported).
 */
export function activationBlock(type: i32): i32 {
  if (type == T_Q8_0 || type == T_Q4_0 || type == T_Q4_1 || type == T_Q5_0 || type == T_Q5_1) return 32;
  if (type == T_Q4_K || type == T_Q5_K || type == T_Q6_K || type == T_Q2_K || type == T_Q3_K) return 256;
  if (type == T_F32 || type == T_F16 || type == T_BF16) return 0;
  return -1;
}

/**
 * 1 when the kernel for `type` reads an f32 copy of the rounded activations (xf, n·cols floats): F16/BF16 (x rounded
 * to the weight's half type) and the dequantize-then-dot types (xf = d·q); 0 when it reads x or xq/xd/xs.
 */
export function activationFloat(type: i32): i32 {
  return type == T_F16 || type == T_BF16 || needsRowScratch(type) ? 1 : 0;
}

/** True for the types computed by expanding each weight row into `rowScratch` (cols f32 per thread). */
export function needsRowScratch(type: i32): bool {
  return type == T_Q4_1 || type == T_Q5_0 || type == T_Q5_1 || type == T_Q2_K || type == T_Q3_K;
}

/** Round x (n, cols) into the form matmulChunk reads for `type` (see activationBlock / activationFloat). */
export function prepareActivations(type: i32, x: usize, n: i32, cols: i32, xq: usize, xd: usize, xs: usize, xf: usize): void {
  const block = activationBlock(type);
  if (block > 0) quantizeActivations(x, n, cols, block, xq, xd, xs);
  if (activationFloat(type) == 0) return;
  if (block > 0) expandActivations(n * cols, block, xq, xd, xf);
  else roundActivations(type == T_BF16, x, n * cols, xf);
}

/**
 * Rows [r0, r1) of out (n, rows) = x (n, cols) · Wᵀ. x is the f32 input, or xf when activationFloat(type);
 * xq/xd/xs the quantized activations; rowScratch this thread's cols floats for the dequantize-then-dot types.
 */
export function matmulChunk(
  type: i32, w: usize, rb: usize, rows: i32, cols: i32, x: usize, n: i32, out: usize, r0: i32, r1: i32,
  xq: usize, xd: usize, xs: usize, rowScratch: usize,
): void {
  if (type == T_Q8_0) matmulLegacy32(false, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q4_0) matmulLegacy32(true, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q4_K) matmulK(4, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q5_K) matmulK(5, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_Q6_K) matmulK(6, w, rb, rows, cols, xq, xd, xs, n, out, r0, r1);
  else if (type == T_F32) matmulF32(w, rb, rows, cols, x, n, out, r0, r1);
  else if (type == T_F16) matmulF16(w, rb, rows, cols, x, n, out, r0, r1);
  else if (type == T_BF16) matmulBF16(w, rb, rows, cols, x, n, out, r0, r1);
  else matmulDequant(type, w, rb, rows, cols, x, n, out, r0, r1, rowScratch, xd + ((<usize>n * <usize>(cols >> 5)) << 2));
}
