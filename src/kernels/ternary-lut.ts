// The table-lookup (T-MAC) layout for TQ2_0 weights and the plain-TypeScript twin of its kernel
// (src/kernels/wasm/assembly/matmul-ternary-lut.ts has the layout and the algorithm in full).
//
// repackTq2Lut rewrites a TQ2_0 matrix in place, 16 rows at a time, into the same number of bytes: per group of 16
// rows and per 256-weight block, 1024 bytes of 4-bit pair indices (lane = row) and the 16 rows' f16 scales. Byte m of
// a TQ2_0 block holds the codes of elements e, e+32, e+64, e+96 (e = 128·(m >> 5) + (m & 31)); the pairs are (e, e+32)
// and (e+64, e+96), so each byte maps to one byte of two indices through a 256-entry table.
// lutMatMulTwin computes, from that layout and int8 activations with one f32 scale per 256, exactly the bits the
// WASM kernel computes: it builds the same tables and sums them in the same order, so the conformance test can demand
// identity rather than a tolerance.
import { f16ToF32 } from "../tensor/f16.js";

/** Kernel type id of the repacked layout (not a ggml type; never written to a file). */
export const TQ2_0_LUT = 48;
/** Rows per interleaved group. */
export const LUT_ROWS = 16;
const TQ2_0_BLOCK_BYTES = 66;
const GROUP_BLOCK_BYTES = 1056;

/** TQ2_0 byte (four 2-bit codes) → index byte (3·c0 + c1) | (3·c2 + c3) << 4; 0xff when a code is 3. */
const INDEX_OF_BYTE = (() => {
  const t = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const c = [v & 3, (v >> 2) & 3, (v >> 4) & 3, v >> 6];
    t[v] = c.includes(3) ? 0xff : (3 * c[0]! + c[1]!) | ((3 * c[2]! + c[3]!) << 4);
  }
  return t;
})();

/** First element of the pairs stored in byte m of a block: e (low pair e, e+32; high pair e+64, e+96). */
const pairBase = (m: number): number => 128 * (m >> 5) + (m & 31);

/**
 * Repack a TQ2_0 matrix of `rows` (a multiple of 16) × `cols` at u8[ptr] into the LUT layout, in place. `scratch`
 * must hold 16 rows (16 · rowBytes); it is the only extra memory. Returns false, changing nothing, when a code is 3:
 * quantizers never write it, but ggml reads it as +2, which a 9-pattern table cannot hold (such a file keeps the
 * multiply kernel, with ggml's result).
 */
export function repackTq2Lut(u8: Uint8Array, ptr: number, rows: number, cols: number, scratch: Uint8Array): boolean {
  const nb = cols / 256;
  const rowBytes = nb * TQ2_0_BLOCK_BYTES;
  const groupBytes = LUT_ROWS * rowBytes;
  if (rows % LUT_ROWS !== 0 || cols % 256 !== 0) throw new RangeError(`TQ2_0 LUT layout needs rows % 16 = 0 and cols % 256 = 0, got ${rows} × ${cols}`);
  if (scratch.length < groupBytes) throw new RangeError("repackTq2Lut: scratch smaller than 16 rows");
  for (let o = ptr, end = ptr + rows * rowBytes; o < end; o += TQ2_0_BLOCK_BYTES) {
    for (let i = 0; i < 64; i++) if (INDEX_OF_BYTE[u8[o + i]!] === 0xff) return false;
  }
  for (let base = ptr, end = ptr + rows * rowBytes; base < end; base += groupBytes) {
    scratch.set(u8.subarray(base, base + groupBytes));
    for (let b = 0; b < nb; b++) {
      const dst = base + b * GROUP_BLOCK_BYTES;
      for (let r = 0; r < LUT_ROWS; r++) {
        const src = r * rowBytes + b * TQ2_0_BLOCK_BYTES;
        for (let m = 0; m < 64; m++) u8[dst + 16 * m + r] = INDEX_OF_BYTE[scratch[src + m]!]!;
        u8[dst + 1024 + 2 * r] = scratch[src + 64]!;
        u8[dst + 1025 + 2 * r] = scratch[src + 65]!;
      }
    }
  }
  return true;
}

/** Ternary weight (−1, 0, +1) of row r, element e, read back from the LUT layout (for tests). */
export function lutWeight(u8: Uint8Array, ptr: number, cols: number, r: number, e: number): number {
  const nb = cols / 256;
  const k = e & 255, l = (k >> 5) & 3, m = 32 * (k >> 7) + (k & 31);
  const at = ptr + (r >> 4) * LUT_ROWS * nb * TQ2_0_BLOCK_BYTES + (e >> 8) * GROUP_BLOCK_BYTES + 16 * m + (r & 15);
  const idx = l >= 2 ? u8[at]! >> 4 : u8[at]! & 15;
  return (l & 1 ? idx % 3 : Math.floor(idx / 3)) - 1;
}

/** f16 scale of row r, block b, in the LUT layout. */
export function lutScale(u8: Uint8Array, ptr: number, cols: number, r: number, b: number): number {
  const nb = cols / 256;
  const at = ptr + (r >> 4) * LUT_ROWS * nb * TQ2_0_BLOCK_BYTES + b * GROUP_BLOCK_BYTES + 1024 + 2 * (r & 15);
  return f16ToF32(u8[at]! | (u8[at + 1]! << 8));
}

/**
 * The WASM kernel's result, in plain TypeScript: out (n, rows) from the LUT layout and activations q (n, cols, int8
 * values) with scales d (n, cols/256). Per block: tables of the low and high activation nibbles, four lookups summed
 * in a byte, widened; Σ = 16·high + low; acc += Σ · (dw · dx) in f32.
 */
export function lutMatMulTwin(
  u8: Uint8Array, ptr: number, rows: number, cols: number, q: Int8Array | Int16Array, d: Float32Array, n: number,
): Float32Array {
  const nb = cols / 256;
  const out = new Float32Array(n * rows);
  const tabLo = new Int8Array(cols * 8), tabHi = new Int8Array(cols * 8);
  for (let t = 0; t < n; t++) {
    // table j = 2m + s of each block: pair (e, e+32) for s = 0, (e+64, e+96) for s = 1, e = pairBase(m)
    for (let b = 0; b < nb; b++) {
      for (let j = 0; j < 128; j++) {
        const first = t * cols + 256 * b + pairBase(j >> 1) + 64 * (j & 1);
        const xa = q[first]!, xb = q[first + 32]!;
        const at = 16 * (128 * b + j);
        for (let i = 0; i < 9; i++) {
          const ta = Math.floor(i / 3) - 1, tb = (i % 3) - 1;
          tabLo[at + i] = ta * (xa & 15) + tb * (xb & 15);
          tabHi[at + i] = ta * (xa >> 4) + tb * (xb >> 4);
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let b = 0; b < nb; b++) {
        let sumLo = 0, sumHi = 0;
        for (let quad = 0; quad < 32; quad++) {
          let byteLo = 0, byteHi = 0; // four lookups summed in an int8 lane, as the kernel does (never wraps)
          for (let k = 0; k < 4; k++) {
            const j = 4 * quad + k;
            const e = 256 * b + pairBase(j >> 1) + 64 * (j & 1);
            const idx = 3 * (lutWeight(u8, ptr, cols, r, e) + 1) + (lutWeight(u8, ptr, cols, r, e + 32) + 1);
            byteLo += tabLo[16 * (128 * b + j) + idx]!;
            byteHi += tabHi[16 * (128 * b + j) + idx]!;
          }
          sumLo += byteLo;
          sumHi += byteHi;
        }
        const sum = 16 * sumHi + sumLo;
        const scale = Math.fround(lutScale(u8, ptr, cols, r, b) * d[t * nb + b]!);
        acc = Math.fround(acc + Math.fround(sum * scale));
      }
      out[t * rows + r] = acc;
    }
  }
  return out;
}

