// The kernels module's exports as TypeScript sees them, and instantiation on an arena's shared memory.
// Environment-neutral: the bytes or compiled module come from load-node.ts (Node) or from the embedder (browser).
import type { Ptr } from "../memory.js";

/** "base": SIMD128 only; "relaxed": also relaxed SIMD (int8 dot products), used by default where supported. */
export type SimdVariant = "base" | "relaxed";

/**
 * File name of a kernels build (scripts/build-wasm.mjs): base or relaxed SIMD, importing a shared memory (threads)
 * or an unshared one (the `-single` builds: one thread where there is no SharedArrayBuffer, e.g. a browser page
 * without cross-origin isolation).
 */
export function kernelWasmFile(variant: SimdVariant, shared = true): string {
  return `kernels${variant === "relaxed" ? "-relaxed" : ""}${shared ? "" : "-single"}.wasm`;
}

/** Every export takes numbers only (byte offsets, sizes, scalars; booleans as 0/1). See src/kernels/wasm/assembly. */
export interface KernelExports {
  /** 2 for the relaxed-SIMD build, 1 for the base SIMD128 build. */
  simdLevel(): number;
  activationBlock(type: number): number;
  activationFloat(type: number): number;
  prepareActivations(type: number, x: Ptr, n: number, cols: number, xq: Ptr, xd: Ptr, xs: Ptr, xf: Ptr): void;
  matmulChunk(
    type: number, w: Ptr, rowBytes: number, rows: number, cols: number, x: Ptr, n: number, out: Ptr, r0: number,
    r1: number, xq: Ptr, xd: Ptr, xs: Ptr,
  ): void;
  getRow(type: number, src: Ptr, dst: Ptr, cols: number): number;
  /** Row `lane` (0–15) of a 16-row group of a TQ2_0_LUT weight (see assembly/matmul-ternary-lut.ts). */
  getRowTernaryLut(group: Ptr, lane: number, dst: Ptr, cols: number): void;
  /**
   * Q4_0 (high 0) or Q5_0 (high 1) rows → four-row groups in place (relaxed build; see assembly/matmul-x4.ts);
   * scratch: 4 · rowBytes.
   */
  repackX4(high: number, w: Ptr, rowBytes: number, rows: number, cols: number, scratch: Ptr): void;
  /** Row `lane` (0–3) of a four-row group of a Q4_0_X4 (high 0) or Q5_0_X4 (high 1) weight. */
  getRowX4(high: number, group: Ptr, lane: number, dst: Ptr, cols: number): void;
  /** Touch distance of this instance's matMul kernels in bytes (0 = off); see assembly/common.ts. */
  setPrefetch(bytes: number): void;
  rmsNorm(x: Ptr, w: Ptr, n: number, dim: number, eps: number, y: Ptr): void;
  layerNorm(x: Ptr, w: Ptr, b: Ptr, n: number, dim: number, eps: number, y: Ptr): void;
  rope(
    x: Ptr, n: number, nHeads: number, headDim: number, ropeDim: number, pos0: number, freqBase: number,
    freqScale: number, neox: number, freqFactors: Ptr, mscale: number,
  ): void;
  storeKv(k: Ptr, v: Ptr, n: number, kvDim: number, pos0: number, kCache: Ptr, vCache: Ptr, isF16: number): void;
  attention(
    q: Ptr, n: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number, scale: number, kCache: Ptr,
    vCache: Ptr, isF16: number, out: Ptr, scratch: Ptr, window: number, allLast: number, softcap: number, tile: Ptr,
  ): void;
  /** Work items of an attention call: (position, KV head), or (block of 16 positions, KV head) for a prompt over an f16 cache. */
  attendItems(n: number, nKvHeads: number, isF16: number): number;
  add(a: Ptr, b: Ptr, count: number): void;
  addBias(x: Ptr, bias: Ptr, n: number, dim: number): void;
  swiglu(gate: Ptr, up: Ptr, count: number): void;
  gelu(x: Ptr, count: number): void;
  geglu(gate: Ptr, up: Ptr, count: number): void;
  scale(x: Ptr, count: number, s: number): void;
  softcap(x: Ptr, count: number, cap: number): void;
  /** Runs a pool task; 1 when the main thread had to sleep waiting for another thread. */
  dispatch(ctrl: Ptr, total: number): number;
  signalExit(ctrl: Ptr): void;
  workerLoop(ctrl: Ptr, ith: number): void;
}

/** Instantiate the kernels module on `memory` (synchronous: the module is small and already compiled). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
