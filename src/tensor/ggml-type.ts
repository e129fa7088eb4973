// ggml tensor types: one traits record per type (block size, bytes per block, dequantize, reference quantize).
// Layouts follow ggml exactly so that files written here load in llama.cpp and vice versa.

export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
}

/**
 * Dequantize `n` consecutive elements (n is a multiple of blockSize) whose first block starts at byte `srcOff`
 * of `src`, writing floats to dst[dstOff .. dstOff+n). Must not allocate (it runs in the decode loop).
 */
export type DequantizeRow = (src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number) => void;

/** Reference quantizer: `n` floats (multiple of blockSize) from src[srcOff..] into dst at byte dstOff. */
export type QuantizeRow = (src: Float32Array, srcOff: number, n: number, dst: Uint8Array, dstOff: number) => void;

export interface TypeTraits {
  type: GgmlType;
  name: string;
  /** Elements per block (1 for plain float types). */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
  dequantizeRow: DequantizeRow;
  quantizeRow?: QuantizeRow;
  /**
   * The type activations are rounded to before a dot product with this type (ggml's vec_dot_type): F16 for F16
   * weights, Q8_0 for the 32-element quants, Q8_K for the K-quants. Absent = plain f32 activations.
   */
  vecDotType?: GgmlType;
}

/** Bytes taken by `n` elements of `traits` (n must be a multiple of the block size). */
export function rowBytes(traits: TypeTraits, n: number): number {
  return (n / traits.blockSize) * traits.typeSize;
}
