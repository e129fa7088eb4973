// Entry of the kernels module: every export takes and returns numbers only (byte offsets, sizes, scalars).
// Built by scripts/build-wasm.mjs into dist/wasm/kernels.wasm; instantiated on the arena's shared memory by the
// main thread and by every worker thread.
import { dequantizeRow } from "./dequant";
import { attendItem, attendItems } from "./attention";
export { attendItems } from "./attention";

export { activationBlock, activationFloat, matmulChunk, prepareActivations } from "./matmul";
export { pinned, setPrefetch } from "./common";
export { getRowTernaryLut } from "./matmul-ternary-lut";
export { getRowX4, repackX4 } from "./matmul-x4";
export { add, addBias, geglu, gelu, layerNorm, rmsNorm, rope, scale, softcap, storeKv, swiglu } from "./ops";
export { dispatch, signalExit, workerLoop } from "./parallel";

/** 2 when this build uses relaxed SIMD (int8 dot products, see quantize.ts), 1 for the base SIMD128 build. */
export function simdLevel(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 2 : 1;
}

/** dst (cols f32) = row of a weight; returns 0 when the type is unknown to this module. */
export function getRow(type: i32, src: usize, dst: usize, cols: i32): i32 {
  return dequantizeRow(type, src, dst, cols) ? 1 : 0;
}

/** All attention items (see attendItems) on this thread; scratch: see attendItem. */
export function attention(
  q: usize, n: i32, pos0: i32, nHeads: i32, nKvHeads: i32, headDim: i32, scale: f32, kCache: usize, vCache: usize,
  isF16: bool, out: usize, scratch: usize, window: i32, allLast: i32, cap: f32, tile: usize,
): void {
  const items = attendItems(n, nKvHeads, isF16);
  for (let item = 0; item < items; item++) {
    attendItem(item, q, n, pos0, nHeads, nKvHeads, headDim, scale, kCache, vCache, isF16, out, scratch, window, allLast, cap, tile);
  }
}
