// The four-row interleaved Q4_0 layout (Q4_0_X4) that the relaxed-SIMD kernels repack Q4_0 matrices into at load
// (src/kernels/wasm/assembly/matmul-q4x4.ts has the layout and the kernel in full), read back in plain TypeScript:
// the conformance tests check the repack against ggml's layout with these, and the kernel against the reference.
import { f16ToF32 } from "../tensor/f16.js";

/** Kernel type id of the repacked layout (not a ggml type; never written to a file). */
export const Q4_0_X4 = 49;
/** Rows per interleaved group. */
export const Q4_X4_ROWS = 4;

/**
 * Extra activation scratch a Q4_0_X4 matMul of `cols` columns needs after the int8 copy: broadcast copies of up to
 * three single input rows (n mod 4), 4 bytes per activation (assembly/matmul-q4x4.ts broadcastRows).
 */
export function q4x4BroadcastBytes(cols: number): number {
  return (Q4_X4_ROWS - 1) * 4 * cols;
}
const Q4_0_BLOCK_BYTES = 18;
const GROUP_BLOCK_BYTES = 72;

/** Byte offset of row r's block b in the repacked matrix at ptr (rows past the last full group: ggml's place). */
function groupBlock(ptr: number, cols: number, r: number, b: number): number {
  const rowBytes = (cols / 32) * Q4_0_BLOCK_BYTES;
  return ptr + (r & ~3) * rowBytes + b * GROUP_BLOCK_BYTES;
}

/** Code (0–15) of row r, element e, of a repacked matrix whose first `grouped` rows are in groups of four. */
export function q4x4Code(u8: Uint8Array, ptr: number, cols: number, grouped: number, r: number, e: number): number {
  const b = e >> 5, k = e & 31;
  if (r >= grouped) {
    const byte = u8[ptr + r * (cols / 32) * Q4_0_BLOCK_BYTES + b * Q4_0_BLOCK_BYTES + 2 + (k & 15)]!;
    return k < 16 ? byte & 15 : byte >> 4;
  }
  const j = (k & 15) >> 2, i = k & 3;
  const byte = u8[groupBlock(ptr, cols, r, b) + 8 + 16 * j + 4 * (r & 3) + i]!;
  return k < 16 ? byte & 15 : byte >> 4;
}

/** f16 scale of row r, block b, of a repacked matrix (as q4x4Code). */
export function q4x4Scale(u8: Uint8Array, ptr: number, cols: number, grouped: number, r: number, b: number): number {
  const at = r >= grouped
    ? ptr + r * (cols / 32) * Q4_0_BLOCK_BYTES + b * Q4_0_BLOCK_BYTES
    : groupBlock(ptr, cols, r, b) + 2 * (r & 3);
  return f16ToF32(u8[at]! | (u8[at + 1]! << 8));
}

/**
 * The WASM kernel's result for the grouped rows (r < rows & ~3), in plain TypeScript: per block the integer
 * Σ (code − 8)·q, then acc += Σ · (dw · dx) in f32, block by block. Other rows are left 0.
 */
export function q4x4MatMulTwin(
  u8: Uint8Array, ptr: number, rows: number, cols: number, q: Int8Array, d: Float32Array, n: number,
): Float32Array {
  const nb = cols / 32, grouped = rows & ~3;
  const out = new Float32Array(n * rows);
  for (let t = 0; t < n; t++) {
    for (let r = 0; r < grouped; r++) {
      let acc = 0;
      for (let b = 0; b < nb; b++) {
        let sum = 0;
        for (let k = 0; k < 32; k++) sum += (q4x4Code(u8, ptr, cols, grouped, r, 32 * b + k) - 8) * q[t * cols + 32 * b + k]!;
        const scale = Math.fround(q4x4Scale(u8, ptr, cols, grouped, r, b) * d[t * nb + b]!);
        acc = Math.fround(acc + Math.fround(sum * scale));
      }
      out[t * rows + r] = acc;
    }
  }
  return out;
}
