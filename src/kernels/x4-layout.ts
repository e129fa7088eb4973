// The four-row interleaved layouts of Q4_0 and Q5_0 (Q4_0_X4, Q5_0_X4) that the relaxed-SIMD kernels repack those
// matrices into at load (src/kernels/wasm/assembly/matmul-x4.ts has the layout and the kernel in full), read back in
// plain TypeScript: the conformance tests check the repack against ggml's layout with these, and the kernel against
// the reference.
import { f16ToF32 } from "../tensor/f16.js";
import { GgmlType } from "../tensor/ggml-type.js";

/** Kernel type ids of the repacked layouts (not ggml types; never written to a file). */
export const Q4_0_X4 = 49;
export const Q5_0_X4 = 50;
/** Rows per interleaved group. */
export const X4_ROWS = 4;

/** The four-row layout a ggml type is repacked into, or undefined. */
export function x4LayoutOf(type: number): number | undefined {
  return type === GgmlType.Q4_0 ? Q4_0_X4 : type === GgmlType.Q5_0 ? Q5_0_X4 : undefined;
}

/** True for the kernel type of a four-row layout. */
export function isX4Layout(kernelType: number | undefined): boolean {
  return kernelType === Q4_0_X4 || kernelType === Q5_0_X4;
}

/**
 * Extra activation scratch a four-row matMul of `cols` columns needs after the int8 copy: broadcast copies of up to
 * three single input rows (n mod 4), 4 bytes per activation (assembly/matmul-x4.ts broadcastRows).
 */
export function x4BroadcastBytes(cols: number): number {
  return (X4_ROWS - 1) * 4 * cols;
}

/** The geometry of one of the two layouts: ggml block bytes, where the nibbles start in a group block, the offset. */
function geometry(type: number): { block: number; codes: number; offset: number; high: boolean } {
  return type === Q5_0_X4 || type === GgmlType.Q5_0
    ? { block: 22, codes: 24, offset: 16, high: true }
    : { block: 18, codes: 8, offset: 8, high: false };
}

/** Byte offset of row r's group block b in the repacked matrix at ptr. */
function groupBlock(ptr: number, cols: number, block: number, r: number, b: number): number {
  return ptr + (r & ~3) * (cols / 32) * block + b * 4 * block;
}

/**
 * Code (Q4_0: 0–15, Q5_0: 0–31) of row r, element e, of a matrix of `type` (Q4_0_X4 or Q5_0_X4) repacked at ptr,
 * whose first `grouped` rows are in groups of four (the rest in ggml's layout).
 */
export function x4Code(type: number, u8: Uint8Array, ptr: number, cols: number, grouped: number, r: number, e: number): number {
  const { block, codes, high } = geometry(type);
  const b = e >> 5, k = e & 31;
  if (r >= grouped) {
    const at = ptr + r * (cols / 32) * block + b * block;
    const byte = u8[at + (high ? 6 : 2) + (k & 15)]!;
    const nibble = k < 16 ? byte & 15 : byte >> 4;
    if (!high) return nibble;
    const qh = (u8[at + 2]! | (u8[at + 3]! << 8) | (u8[at + 4]! << 16) | (u8[at + 5]! << 24)) >>> 0;
    return nibble | (((qh >>> k) & 1) << 4);
  }
  const gb = groupBlock(ptr, cols, block, r, b);
  const j = (k & 15) >> 2, i = k & 3;
  const byte = u8[gb + codes + 16 * j + 4 * (r & 3) + i]!;
  const nibble = k < 16 ? byte & 15 : byte >> 4;
  if (!high) return nibble;
  const v = k >> 2; // code vector: element 4v + i
  return nibble | (((u8[gb + 8 + 4 * (r & 3) + i]! >> v) & 1) << 4);
}

/** f16 scale of row r, block b, of a repacked matrix (as x4Code). */
export function x4Scale(type: number, u8: Uint8Array, ptr: number, cols: number, grouped: number, r: number, b: number): number {
  const { block } = geometry(type);
  const at = r >= grouped
    ? ptr + r * (cols / 32) * block + b * block
    : groupBlock(ptr, cols, block, r, b) + 2 * (r & 3);
  return f16ToF32(u8[at]! | (u8[at + 1]! << 8));
}

/**
 * The WASM kernel's result for the grouped rows (r < rows & ~3), in plain TypeScript: per block the integer
 * Σ (code − offset)·q, then acc += Σ · (dw · dx) in f32, block by block. Other rows are left 0.
 */
export function x4MatMulTwin(
  type: number, u8: Uint8Array, ptr: number, rows: number, cols: number, q: Int8Array, d: Float32Array, n: number,
): Float32Array {
  const nb = cols / 32, grouped = rows & ~3;
  const { offset } = geometry(type);
  const out = new Float32Array(n * rows);
  for (let t = 0; t < n; t++) {
    for (let r = 0; r < grouped; r++) {
      let acc = 0;
      for (let b = 0; b < nb; b++) {
        let sum = 0;
        for (let k = 0; k < 32; k++) sum += (x4Code(type, u8, ptr, cols, grouped, r, 32 * b + k) - offset) * q[t * cols + 32 * b + k]!;
        const scale = Math.fround(x4Scale(type, u8, ptr, cols, grouped, r, b) * d[t * nb + b]!);
        acc = Math.fround(acc + Math.fround(sum * scale));
      }
      out[t * rows + r] = acc;
    }
  }
  return out;
}
