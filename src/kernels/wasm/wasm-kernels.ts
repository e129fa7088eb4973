// Kernels on one thread in WebAssembly SIMD (AssemblyScript, src/kernels/wasm/assembly): integer matMul against
// int8-quantized activations for the quantized types, f32 dot for F32/F16/BF16 (activations rounded to the weight's
// half type first, as ggml does). Every method is a few numeric calls into the module: no per-call allocation.
import { EdgeError } from "../../errors.js";
import { GgmlType } from "../../tensor/ggml-type.js";
import { ggmlTypeName } from "../../tensor/types.js";
import { isX4Layout, Q5_0_X4, X4_ROWS, x4BroadcastBytes, x4LayoutOf } from "../x4-layout.js";
import { LUT_ROWS, repackTq2Lut, TQ2_0_LUT } from "../ternary-lut.js";
import type { Arena, Ptr } from "../memory.js";
import type { AttentionMask, Kernels, KvType, WeightTensor } from "../types.js";
import { instantiateKernels, type KernelExports } from "./exports.js";
import { Slot, Workspace } from "./workspace.js";

const TYPE_IDS = 64;
/** Weights per matMulShared task at most (q/k/v); the pool task has parameter slots for this many. */
export const SHARED_MAX = 3;

/**
 * ternaryKernel "auto", per SIMD level (index: 1 base, 2 relaxed): true where the table-lookup kernel measured faster
 * than the multiply kernel (scripts/bench-kernels.mjs --types TQ2_0,TQ2_0_LUT; BENCHMARKS.md).
 */
const AUTO_TERNARY_LUT: readonly boolean[] = [false, true, true];
/**
 * Input rows per table-lookup matMul call: a prompt's batch goes through in tiles of this many, so its tables (16
 * bytes per activation) stay at 16 · cols · 16 bytes instead of growing with the batch.
 */
const LUT_TOKEN_TILE = 16;

/** Rows of a prompt's converted K/V tile at most (assembly/attention.ts ATTEND_TILE_ROWS). */
const ATTEND_TILE_ROWS = 1024;

/**
 * One thread's tile for a prompt's attention over an f16 cache: the K and V rows of one KV head converted to f32
 * (assembly/attention.ts attendItem), ATTEND_TILE_ROWS rows at most; a multiple of 64 bytes.
 */
export function attentionTileBytes(headDim: number): number {
  return 8 * ATTEND_TILE_ROWS * headDim;
}

/**
 * Attention scratch of one thread: up to four f16-rounded q rows (4 · headDim floats, padded to 16 bytes), then four
 * score rows of `positions` floats each rounded up to 4 (see attendBatch in assembly/attention.ts).
 */
export function attentionScratchBytes(headDim: number, positions: number): number {
  return Math.ceil((16 * headDim + 15) / 16) * 16 + 4 * Math.ceil(positions / 4) * 16;
}

/** The module's encoding of a non-causal mask: the last row every query sees (−1: causal). */
export function allLastOf(mask: AttentionMask | undefined, pos0: number, n: number): number {
  return mask && !mask.causal ? pos0 + n - 1 : -1;
}

/**
 * Which TQ2_0 kernel to use: "dot" multiplies the 2-bit codes (ggml's layout as is), "lut" repacks the matrix at load
 * time for the table-lookup kernel (rows that are multiples of 16). Both give the same bits. "auto" picks the faster
 * one of this build (measured: BENCHMARKS.md).
 */
export type TernaryKernel = "dot" | "lut" | "auto";

export interface WasmKernelOptions {
  ternaryKernel?: TernaryKernel;
  /**
   * Repack Q4_0 and Q5_0 matrices into four-row groups at load for the relaxed-SIMD build's interleaved kernels
   * (default true; false keeps ggml's layout and the one-row kernels, e.g. to compare the two).
   */
  repackFourRows?: boolean;
}

export class WasmKernels implements Kernels {
  /** "wasm" (base SIMD128 build) or "wasm-relaxed" (relaxed-SIMD build). */
  readonly name: string;
  protected readonly wasm: KernelExports;
  protected readonly workspace: Workspace;
  /** Activation block per ggml type id: 32 / 256 (int8 activations), 0 (none), −1 (unsupported). */
  private readonly blockOfType = new Int16Array(TYPE_IDS);
  /** 1 when the type's kernel reads an f32 copy of the rounded activations. */
  private readonly floatOfType = new Uint8Array(TYPE_IDS);
  // Rounded activations of the last prepareActivations call (fields, so that no object is returned per call):
  // quantized values / scales / sums, and the f32 input the kernel reads (x itself or the rounded copy).
  protected xq: Ptr = 0;
  protected xd: Ptr = 0;
  protected xs: Ptr = 0;
  protected xIn: Ptr = 0;

  /** Whether TQ2_0 matrices are repacked for the table-lookup kernel. */
  readonly ternaryLut: boolean;
  /** True when Q4_0 and Q5_0 matrices are repacked into four-row groups (see WasmKernelOptions.repackFourRows). */
  readonly fourRows: boolean;

  /** `module` is the compiled kernels module (Node: loadKernelModule() from ./load-node.js). */
  constructor(readonly arena: Arena, readonly module: WebAssembly.Module, options: WasmKernelOptions = {}) {
    this.wasm = instantiateKernels(module, arena.memory);
    this.name = this.wasm.simdLevel() === 2 ? "wasm-relaxed" : "wasm";
    const choice = options.ternaryKernel ?? "auto";
    this.ternaryLut = choice === "lut" || (choice === "auto" && AUTO_TERNARY_LUT[this.wasm.simdLevel()] === true);
    this.fourRows = options.repackFourRows !== false && this.wasm.simdLevel() === 2;
    this.workspace = new Workspace(arena);
    for (let t = 0; t < TYPE_IDS; t++) {
      this.blockOfType[t] = this.wasm.activationBlock(t);
      this.floatOfType[t] = this.wasm.activationFloat(t);
    }
  }

  /**
   * Validates that the weight's type is computable here. Repacked in place: TQ2_0 matrices for the table-lookup
   * kernel when it is chosen (and the rows allow it), Q4_0 and Q5_0 matrices of four rows or more into four-row groups
   * in the relaxed build; every other weight keeps ggml's layout.
   */
  prepareWeight(w: WeightTensor): void {
    this.activationBlockOf(w);
    if (w.kernelType !== undefined) return;
    if (this.ternaryLut && w.type === GgmlType.TQ2_0 && w.rows % LUT_ROWS === 0 && w.cols % 256 === 0) {
      if (repackTq2Lut(this.arena.u8, w.ptr, w.rows, w.cols, this.repackScratch(LUT_ROWS * w.rowBytes))) {
        w.kernelType = TQ2_0_LUT;
        w.rowGroup = LUT_ROWS;
      }
    } else if (this.fourRows && x4LayoutOf(w.type) !== undefined && w.dims.length === 2 && w.rows >= X4_ROWS) {
      // scratch for one group's rows as they were: the activation slot (no activations are in flight while weights
      // are prepared, and 4 · rowBytes < 3 · cols, one row of its later size: within arena-layout's bound)
      const high = w.type === GgmlType.Q5_0 ? 1 : 0;
      this.wasm.repackX4(high, w.ptr, w.rowBytes, w.rows, w.cols, this.workspace.region(Slot.ActQ, X4_ROWS * w.rowBytes));
      w.kernelType = x4LayoutOf(w.type);
      w.rowGroup = X4_ROWS;
    }
  }

  private scratchBytes = new Uint8Array(0);
  private repackScratch(bytes: number): Uint8Array {
    if (this.scratchBytes.length < bytes) this.scratchBytes = new Uint8Array(bytes);
    return this.scratchBytes;
  }

  /** Pre-size scratch for matMul inputs of up to `maxRows` rows of `maxCols` (avoids growth during generation). */
  reserveScratch(maxRows: number, maxCols: number): void {
    this.workspace.reserve(Slot.ActQ, Math.max(maxRows * maxCols * 3 + (this.fourRows ? x4BroadcastBytes(maxCols) : 0), this.ternaryLut ? Math.min(maxRows, LUT_TOKEN_TILE) * maxCols * 19 : 0));
    this.workspace.reserve(Slot.ActD, maxRows * (maxCols / 32) * 8);
    this.workspace.reserve(Slot.ActS, maxRows * (maxCols / 32) * 6);
    this.workspace.reserve(Slot.ActF, maxRows * maxCols * 4);
  }

  protected activationBlockOf(w: WeightTensor): number {
    const type = w.kernelType ?? w.type;
    const block = type >= 0 && type < TYPE_IDS ? this.blockOfType[type]! : -1;
    if (block < 0) {
      throw new EdgeError("unsupported_tensor_type", `${w.name}: matMul of ${ggmlTypeName(w.type)} weights is not supported`);
    }
    return block;
  }

  /**
   * Round x (n, cols) into the form w's kernel reads (int8 blocks and/or an f32 copy, see assembly/quantize.ts);
   * sets xq/xd/xs and xIn.
   */
  protected prepareActivations(w: WeightTensor, block: number, x: Ptr, n: number): void {
    const cols = w.cols;
    const ws = this.workspace;
    if (block > 0) {
      // i16 activations, then (relaxed build) their int8 copy, then 16 bytes of tables each (table-lookup kernel) or
      // broadcast copies of the last n mod 4 rows (four-row layouts)
      this.xq = ws.region(Slot.ActQ, n * cols * (w.kernelType === TQ2_0_LUT ? 19 : 3) + (isX4Layout(w.kernelType) ? x4BroadcastBytes(cols) : 0));
      // block 32 also keeps the Q8_1 sum correction (n · cols/32 floats) right after the scales
      this.xd = ws.region(Slot.ActD, n * (cols / block) * 4 * (block === 32 ? 2 : 1));
      // block 256 also keeps the sums of 16 (n · cols/16 i16) right after the sums of 32
      this.xs = ws.region(Slot.ActS, n * (cols / 32) * (block === 32 ? 2 : 6));
    }
    this.xIn = this.floatOfType[w.type] === 1 ? ws.region(Slot.ActF, n * cols * 4) : x;
    if (block > 0 || this.xIn !== x) this.roundInputs(w.kernelType ?? w.type, x, n, cols);
  }

  /** Write the rounded activations into the regions set by prepareActivations (the threaded set splits this). */
  protected roundInputs(type: number, x: Ptr, n: number, cols: number): void {
    this.wasm.prepareActivations(type, x, n, cols, this.xq, this.xd, this.xs, this.xIn);
  }

  /** Touch distance of the matMul kernels (see Kernels.setPrefetch). */
  prefetch = 0;

  setPrefetch(bytes: number): void {
    this.prefetch = bytes;
    this.wasm.setPrefetch(bytes);
  }

  /** A table-lookup matMul of more than LUT_TOKEN_TILE rows, done as tiles (true); false for any other call. */
  protected matMulInTiles(w: WeightTensor, xPtr: Ptr, n: number, outPtr: Ptr): boolean {
    if (w.kernelType !== TQ2_0_LUT || n <= LUT_TOKEN_TILE) return false;
    for (let t = 0; t < n; t += LUT_TOKEN_TILE) {
      this.matMul(w, xPtr + t * w.cols * 4, Math.min(LUT_TOKEN_TILE, n - t), outPtr + t * w.rows * 4);
    }
    return true;
  }

  matMul(w: WeightTensor, xPtr: Ptr, n: number, outPtr: Ptr): void {
    if (this.matMulInTiles(w, xPtr, n, outPtr)) return;
    const block = this.activationBlockOf(w);
    this.prepareActivations(w, block, xPtr, n);
    this.wasm.matmulChunk(w.kernelType ?? w.type, w.ptr, w.rowBytes, w.rows, w.cols, this.xIn, n, outPtr, 0, w.rows, this.xq, this.xd, this.xs);
  }

  matMulShared(ws: readonly WeightTensor[], xPtr: Ptr, n: number, outPtrs: readonly Ptr[]): void {
    if (!this.sharesActivations(ws, n)) {
      for (let i = 0; i < ws.length; i++) this.matMul(ws[i]!, xPtr, n, outPtrs[i]!);
      return;
    }
    const w0 = ws[0]!;
    this.prepareActivations(w0, this.activationBlockOf(w0), xPtr, n);
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      this.wasm.matmulChunk(w.kernelType ?? w.type, w.ptr, w.rowBytes, w.rows, w.cols, this.xIn, n, outPtrs[i]!, 0, w.rows, this.xq, this.xd, this.xs);
    }
  }

  /**
   * True when the weights can share one rounded input and one task: the same kernel type, columns and row bytes, at
   * most SHARED_MAX of them, none computed in tiles (a table-lookup matMul of a long prompt).
   */
  protected sharesActivations(ws: readonly WeightTensor[], n: number): boolean {
    if (ws.length < 2 || ws.length > SHARED_MAX) return false;
    const w0 = ws[0]!;
    const type = w0.kernelType ?? w0.type;
    if (type === TQ2_0_LUT && n > LUT_TOKEN_TILE) return false;
    for (const w of ws) {
      if ((w.kernelType ?? w.type) !== type || w.cols !== w0.cols || w.rowBytes !== w0.rowBytes) return false;
    }
    return true;
  }

  getRow(w: WeightTensor, row: number, outPtr: Ptr): void {
    if (w.kernelType === TQ2_0_LUT) {
      this.wasm.getRowTernaryLut(w.ptr + (row >> 4) * LUT_ROWS * w.rowBytes, row & 15, outPtr, w.cols);
      return;
    }
    if (isX4Layout(w.kernelType) && row < (w.rows & ~3)) {
      this.wasm.getRowX4(w.kernelType === Q5_0_X4 ? 1 : 0, w.ptr + (row & ~3) * w.rowBytes, row & 3, outPtr, w.cols);
      return;
    }
    if (this.wasm.getRow(w.type, w.ptr + row * w.rowBytes, outPtr, w.cols) === 0) {
      throw new EdgeError("unsupported_tensor_type", `${w.name}: cannot read rows of ${ggmlTypeName(w.type)} weights`);
    }
  }

  rmsNorm(xPtr: Ptr, weightPtr: Ptr, n: number, dim: number, eps: number, yPtr: Ptr): void {
    this.wasm.rmsNorm(xPtr, weightPtr, n, dim, eps, yPtr);
  }

  layerNorm(xPtr: Ptr, weightPtr: Ptr, biasPtr: Ptr, n: number, dim: number, eps: number, yPtr: Ptr): void {
    this.wasm.layerNorm(xPtr, weightPtr, biasPtr, n, dim, eps, yPtr);
  }

  rope(
    xPtr: Ptr, n: number, nHeads: number, headDim: number, ropeDim: number, pos0: number,
    freqBase: number, freqScale: number, neox: boolean, freqFactorsPtr: Ptr, mscale = 1,
  ): void {
    this.wasm.rope(xPtr, n, nHeads, headDim, ropeDim, pos0, freqBase, freqScale, neox ? 1 : 0, freqFactorsPtr, mscale);
  }

  storeKv(kPtr: Ptr, vPtr: Ptr, n: number, kvDim: number, pos0: number, kCache: Ptr, vCache: Ptr, kvType: KvType): void {
    this.wasm.storeKv(kPtr, vPtr, n, kvDim, pos0, kCache, vCache, kvType === "f16" ? 1 : 0);
  }

  attention(
    qPtr: Ptr, n: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number, scale: number,
    kCache: Ptr, vCache: Ptr, kvType: KvType, outPtr: Ptr, _scratchPtr: Ptr, mask?: AttentionMask,
  ): void {
    // own scratch: the rounded q row needs headDim floats beyond the caller's (pos0 + n)
    const scratch = this.workspace.region(Slot.Att, attentionScratchBytes(headDim, pos0 + n));
    const tile = n > 1 && kvType === "f16" ? this.workspace.region(Slot.AttTile, attentionTileBytes(headDim)) : 0;
    this.wasm.attention(
      qPtr, n, pos0, nHeads, nKvHeads, headDim, scale, kCache, vCache, kvType === "f16" ? 1 : 0, outPtr, scratch,
      mask?.window ?? 0, allLastOf(mask, pos0, n), mask?.softcap ?? 0, tile,
    );
  }

  add(aPtr: Ptr, bPtr: Ptr, count: number): void {
    this.wasm.add(aPtr, bPtr, count);
  }

  addBias(xPtr: Ptr, biasPtr: Ptr, n: number, dim: number): void {
    this.wasm.addBias(xPtr, biasPtr, n, dim);
  }

  swiglu(gatePtr: Ptr, upPtr: Ptr, count: number): void {
    this.wasm.swiglu(gatePtr, upPtr, count);
  }

  gelu(xPtr: Ptr, count: number): void {
    this.wasm.gelu(xPtr, count);
  }

  geglu(gatePtr: Ptr, upPtr: Ptr, count: number): void {
    this.wasm.geglu(gatePtr, upPtr, count);
  }

  scale(xPtr: Ptr, count: number, s: number): void {
    this.wasm.scale(xPtr, count, s);
  }

  softcap(xPtr: Ptr, count: number, cap: number): void {
    this.wasm.softcap(xPtr, count, cap);
  }

  /** Nothing to release on one thread (the threaded subclass stops its workers). */
  dispose(): void {}
}
