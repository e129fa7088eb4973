// The compute interface every kernel set implements (plain-TS reference, WASM SIMD, threaded). Kernels know nothing
// of models: they see byte offsets into one shared memory, shapes and types. All f32 buffers are row-major.
import type { GgmlType } from "../tensor/ggml-type.js";
import type { Arena, Ptr } from "./memory.js";

/** A weight matrix (or vector) living in the arena, in its on-disk ggml encoding. */
export interface WeightTensor {
  name: string;
  type: GgmlType;
  /** ggml order: dims[0] is the row length. */
  dims: number[];
  /** Elements per row (dims[0]). */
  cols: number;
  /** Number of rows (product of dims[1..]). */
  rows: number;
  rowBytes: number;
  ptr: Ptr;
  bytes: number;
  /**
   * Set by a kernel set's prepareWeight when it rewrote the bytes into a layout of its own (e.g. TQ2_0 for the
   * table-lookup kernel): the id its kernels dispatch on. Only that kernel set may read the weight afterwards.
   */
  kernelType?: number;
  /**
   * Rows per interleaved group of that layout (4: Q4_0_X4, 16: TQ2_0's table-lookup layout): a row view must start and
   * end on a group boundary.
   */
  rowGroup?: number;
}

/**
 * Which cache rows a query at position p sees (Kernels.attention). Causal: rows max(0, p − window + 1) .. p (window 0:
 * from row 0, llama.cpp's standard sliding window otherwise). Not causal (encoders): every row 0 .. pos0 + n − 1 of
 * the call. softcap > 0 caps the scores (Gemma 2). Models keep one per layer: no object per call.
 */
export interface AttentionMask {
  causal: boolean;
  window: number;
  softcap: number;
}

/** Element type of the KV cache. F16 halves its size and matches llama.cpp's default cache rounding. */
export type KvType = "f16" | "f32";

export interface Kernels {
  readonly name: string;
  readonly arena: Arena;

  /**
   * Called once per weight after loading; a kernel set may repack the weight in place for its own layout
   * (it must then remain readable by its own getRow/matMul).
   */
  prepareWeight?(w: WeightTensor): void;

  /** out (n, w.rows) = x (n, w.cols) · Wᵀ. n = 1 is the decode path. out must not alias x. */
  matMul(w: WeightTensor, xPtr: Ptr, n: number, outPtr: Ptr): void;

  /**
   * outs[i] (n, ws[i].rows) = x · ws[i]ᵀ for every i (q/k/v, gate/up): the same bits as one matMul per weight, but
   * the input is rounded once and a kernel set may run all the products as one task, so that the weights stream as
   * one long read (short matrices are latency-bound one by one) and a thread pool forks and joins once.
   */
  matMulShared(ws: readonly WeightTensor[], xPtr: Ptr, n: number, outPtrs: readonly Ptr[]): void;

  /** out (w.cols) = row `row` of w, dequantized (embedding lookup). */
  getRow(w: WeightTensor, row: number, outPtr: Ptr): void;

  /** y (n, dim) = x / sqrt(mean(x²) + eps) * weight; y may alias x. */
  rmsNorm(xPtr: Ptr, weightPtr: Ptr, n: number, dim: number, eps: number, yPtr: Ptr): void;

  /** y (n, dim) = (x − mean) / sqrt(var + eps) * weight + bias; y may alias x. */
  layerNorm(xPtr: Ptr, weightPtr: Ptr, biasPtr: Ptr, n: number, dim: number, eps: number, yPtr: Ptr): void;

  /**
   * Rotary embedding in place on x (n, nHeads, headDim) for positions pos0 .. pos0+n−1. Only the first ropeDim
   * elements of each head rotate. neox=false rotates pairs (2i, 2i+1) (ggml "normal", llama); neox=true rotates
   * (i, i + ropeDim/2) (qwen2, gpt-neox). theta_i = pos · freqScale · freqBase^(−2i/ropeDim) / factor_i, where factor_i
   * comes from the f32 vector at freqFactorsPtr (ropeDim/2 values) or is 1 when freqFactorsPtr is 0. cos and sin are
   * multiplied by mscale (ggml's attn_factor: Phi-3's long-context RoPE sets it; 1 otherwise).
   */
  rope(
    xPtr: Ptr, n: number, nHeads: number, headDim: number, ropeDim: number, pos0: number,
    freqBase: number, freqScale: number, neox: boolean, freqFactorsPtr: Ptr, mscale?: number,
  ): void;

  /** Store k and v (n, kvDim) f32 as cache rows pos0 .. pos0+n−1 of caches laid out (ctx, kvDim) of type kvType. */
  storeKv(kPtr: Ptr, vPtr: Ptr, n: number, kvDim: number, pos0: number, kCache: Ptr, vCache: Ptr, kvType: KvType): void;

  /**
   * Grouped-query attention. q (n, nHeads·headDim) for positions pos0 .. pos0+n−1 attends to cache rows
   * 0 .. pos (inclusive, causal) of kCache/vCache (ctx, nKvHeads·headDim), or with `mask` to the rows it allows.
   * Head h uses kv head h / (nHeads / nKvHeads). The score of a row is scale · q·k, or with mask.softcap > 0
   * scale · softcap · tanh(q·k / softcap) (ggml's order). out (n, nHeads·headDim). scratchPtr: at least (pos0 + n) floats of scratch.
   */
  attention(
    qPtr: Ptr, n: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number, scale: number,
    kCache: Ptr, vCache: Ptr, kvType: KvType, outPtr: Ptr, scratchPtr: Ptr, mask?: AttentionMask,
  ): void;

  /** a[i] += b[i] for i < count. */
  add(aPtr: Ptr, bPtr: Ptr, count: number): void;
  /** x[t, :] += bias for t < n. */
  addBias(xPtr: Ptr, biasPtr: Ptr, n: number, dim: number): void;
  /** gate[i] = silu(gate[i]) · up[i] (SwiGLU). */
  swiglu(gatePtr: Ptr, upPtr: Ptr, count: number): void;
  /** x[i] = gelu(x[i]) (tanh approximation, as ggml). */
  gelu(xPtr: Ptr, count: number): void;
  /** gate[i] = gelu(gate[i]) · up[i] (GEGLU, ggml's f16-table GELU as in gelu). */
  geglu(gatePtr: Ptr, upPtr: Ptr, count: number): void;
  /** x[i] *= s for i < count. */
  scale(xPtr: Ptr, count: number, s: number): void;
  /** x[i] = cap · tanh(x[i] / cap) for i < count (logit soft-capping). */
  softcap(xPtr: Ptr, count: number, cap: number): void;

  /**
   * How far ahead of the weights being read the matMul kernels touch memory, in bytes (0 = off): WebAssembly has no
   * prefetch instruction, and whether a far load helps depends on the machine (see prefetch.ts, which measures it).
   */
  setPrefetch?(bytes: number): void;
  readonly prefetch?: number;

  /** Resolves once the set's worker threads run, if it has any that start asynchronously (await before a barrier). */
  readonly ready?: Promise<void>;

  /** Release worker threads, if any. */
  dispose?(): void;
}
