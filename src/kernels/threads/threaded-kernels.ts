// WASM kernels split over a thread pool: matMul by chunks of weight rows (and a prompt's activation rounding by
// chunks of input rows), attention by (position, KV head) items, a prompt's rope / KV store / swiglu / gelu by rows
// or elements,
// claimed dynamically: a worker that is asleep or preempted before claiming costs nothing (the others take its
// share); one preempted while holding a chunk delays the call until it runs again (see the stall detection). The
// small ops of a decode step stay on the main thread (they cost less than a fork-join).
import type { Arena, Ptr } from "../memory.js";
import type { AttentionMask, KvType, WeightTensor } from "../types.js";
import { allLastOf, attentionScratchBytes, attentionTileBytes, type TernaryKernel, WasmKernels } from "../wasm/wasm-kernels.js";
import { Slot } from "../wasm/workspace.js";
import {
  OP_ATTENTION, OP_GEGLU, OP_GELU, OP_MATMUL, OP_PREPARE, OP_ROPE, OP_STORE_KV, OP_SWIGLU, P_A, P_CHUNK, P_OP, P_PREFETCH,
} from "./control.js";
import { DEFAULT_SPIN, ThreadPool, type WorkerSpawner } from "./pool.js";

/** Below this many weight bytes × input rows a matMul runs on the main thread alone (fork-join ≈ 1–2 µs). */
const MIN_PARALLEL_BYTES = 32 * 1024;
/**
 * Inputs of a matMul with at least this many rows (a prompt) are rounded/quantized by all threads, and rope / KV
 * stores of at least this many positions are split too.
 */
const MIN_PARALLEL_INPUT_ROWS = 8;
/** swiglu / gelu over at least this many elements (a prompt's FFN activations) are split by this many elements. */
const ELEMENTWISE_CHUNK = 16384;
/** Below this many q·k products (n · nHeads · positions · headDim) attention runs on the main thread alone. */
const MIN_PARALLEL_ATTENTION = 32 * 1024;
/** Chunks per thread at least: more balance the load when a thread is slow, fewer cost fewer claims. */
const CHUNKS_PER_THREAD = 4;
/** Most weight bytes × input rows in one matMul chunk: ≈ 100–200 µs of work (prefill calls get many chunks). */
const CHUNK_WORK = 2 << 20;
/**
 * Stall detection: a task "stalls" when the main thread waits a whole sleep timeout (1 ms, several chunks' worth)
 * for a worker's chunk, i.e. the worker was preempted (an oversubscribed machine). The score decays by STALL_DECAY per pooled call; past STALL_LIMIT
 * (≈ 15% of recent calls stalled) the next SOLO_CALLS calls (≈ 16 tokens of a small model) run on the main thread
 * alone, then the pool is tried again on probation (one more stall goes straight back to solo). Waiting for a
 * preempted worker costs a scheduler slice (milliseconds), far more than the work it holds.
 */
const STALL_DECAY = 0.95;
const STALL_LIMIT = 3;
const SOLO_CALLS = 4096;

export interface ThreadedOptions {
  /** How the platform starts a pool worker (Node: spawnNodeWorker from node-workers.ts). */
  spawn: WorkerSpawner;
  /** Spin iterations before a waiting thread sleeps (default DEFAULT_SPIN). */
  spin?: number;
  /** matMuls smaller than this (weight bytes × input rows) stay on the main thread; 0 sends all to the pool. */
  minParallelBytes?: number;
  /** Attention calls with fewer q·k products than this stay on the main thread; 0 sends all to the pool. */
  minParallelAttention?: number;
  /** Fall back to the main thread alone for a while when workers keep getting preempted (default true). */
  adaptive?: boolean;
  /** TQ2_0 kernel (see WasmKernels). */
  ternaryKernel?: TernaryKernel;
  /** Q4_0 and Q5_0 in four-row groups (see WasmKernels; default true). */
  repackFourRows?: boolean;
}

export class ThreadedKernels extends WasmKernels {
  override readonly name: string;
  readonly pool: ThreadPool;
  private readonly minParallelBytes: number;
  private readonly minParallelAttention: number;
  private readonly adaptive: boolean;
  private stallScore = 0;
  /** Calls left to run without the pool after repeated stalls. */
  private soloCalls = 0;

  constructor(arena: Arena, module: WebAssembly.Module, readonly threads: number, options: ThreadedOptions) {
    super(arena, module, { ternaryKernel: options.ternaryKernel, repackFourRows: options.repackFourRows });
    this.name = `${this.wasm.simdLevel() === 2 ? "wasm-relaxed" : "wasm"}-threads-${threads}`;
    this.pool = new ThreadPool(arena, module, this.wasm, threads, options.spawn, options.spin ?? DEFAULT_SPIN);
    this.minParallelBytes = options.minParallelBytes ?? MIN_PARALLEL_BYTES;
    this.minParallelAttention = options.minParallelAttention ?? MIN_PARALLEL_ATTENTION;
    this.adaptive = options.adaptive ?? true;
  }

  /** Resolves once the pool's workers are running (a browser starts Web Workers asynchronously). */
  get ready(): Promise<void> {
    return this.pool.ready;
  }

  /** False while in a solo period (counting it down). */
  private poolAllowed(): boolean {
    if (this.soloCalls === 0) return true;
    if (--this.soloCalls === 0) this.stallScore = STALL_LIMIT; // probation
    return false;
  }

  private runPool(chunks: number): void {
    const stalled = this.pool.run(chunks);
    if (!this.adaptive) return;
    this.stallScore = this.stallScore * STALL_DECAY + (stalled ? 1 : 0);
    if (this.stallScore > STALL_LIMIT) {
      // repeated stalls: workers keep getting preempted
      this.stallScore = 0;
      this.soloCalls = SOLO_CALLS;
    }
  }

  override matMul(w: WeightTensor, xPtr: Ptr, n: number, outPtr: Ptr): void {
    if (this.matMulInTiles(w, xPtr, n, outPtr)) return;
    if (w.rowBytes * w.rows * n < this.minParallelBytes || !this.poolAllowed()) {
      super.matMul(w, xPtr, n, outPtr);
      return;
    }
    // one-element lists kept as fields: no allocation per call
    this.oneWeight[0] = w;
    this.oneOut[0] = outPtr;
    this.runMatMuls(this.oneWeight, xPtr, n, this.oneOut, w.rows);
  }
  private readonly oneWeight: WeightTensor[] = [];
  private readonly oneOut: Ptr[] = [];

  override matMulShared(ws: readonly WeightTensor[], xPtr: Ptr, n: number, outPtrs: readonly Ptr[]): void {
    const w0 = ws[0]!;
    let rows = 0;
    for (const w of ws) rows += w.rows;
    if (!this.sharesActivations(ws, n) || w0.rowBytes * rows * n < this.minParallelBytes || !this.poolAllowed()) {
      super.matMulShared(ws, xPtr, n, outPtrs);
      return;
    }
    this.runMatMuls(ws, xPtr, n, outPtrs, rows);
  }

  /** The pool task of matMul and matMulShared: ws share a type and columns, `rows` rows in all. */
  private runMatMuls(ws: readonly WeightTensor[], xPtr: Ptr, n: number, outPtrs: readonly Ptr[], rows: number): void {
    const w0 = ws[0]!;
    this.prepareActivations(w0, this.activationBlockOf(w0), xPtr, n);
    const chunk = this.rowChunk(w0, rows, n);
    const i32 = this.arena.i32;
    const a = this.task(OP_MATMUL, chunk);
    i32[a] = w0.kernelType ?? w0.type;
    i32[a + 1] = w0.rowBytes;
    i32[a + 2] = w0.cols;
    i32[a + 3] = this.xIn;
    i32[a + 4] = n;
    i32[a + 5] = this.xq;
    i32[a + 6] = this.xd;
    i32[a + 7] = this.xs;
    i32[a + 8] = ws.length;
    // per weight: its chunks follow the previous weight's (numbered through all of them)
    let end = 0;
    for (let m = 0; m < ws.length; m++) {
      const w = ws[m]!;
      end += Math.ceil(w.rows / chunk);
      i32[a + 9 + 4 * m] = w.ptr;
      i32[a + 10 + 4 * m] = w.rows;
      i32[a + 11 + 4 * m] = outPtrs[m]!;
      i32[a + 12 + 4 * m] = end;
    }
    this.runPool(end);
  }

  /**
   * Weight rows per matMul chunk for `rows` rows of w's type in all: a multiple of 4 (the kernels walk 4 rows or 4
   * inputs per pass) and of a repacked layout's row group (4 for Q4_0_X4/Q5_0_X4, 16 for TQ2_0's lookup), at least
   * CHUNKS_PER_THREAD chunks per thread, and no more than CHUNK_WORK weight bytes × inputs, so that a chunk takes a
   * fraction of the main thread's sleep timeout (a longer wait then means a preempted thread, see parallel.ts).
   */
  private rowChunk(w: WeightTensor, rows: number, n: number): number {
    const balanced = Math.ceil(rows / (this.threads * CHUNKS_PER_THREAD));
    const bounded = Math.floor(CHUNK_WORK / (w.rowBytes * n));
    const align = Math.max(w.rowGroup ?? 1, 4);
    return Math.max(align, Math.ceil(Math.min(balanced, bounded) / align) * align);
  }

  override rope(
    xPtr: Ptr, n: number, nHeads: number, headDim: number, ropeDim: number, pos0: number,
    freqBase: number, freqScale: number, neox: boolean, freqFactorsPtr: Ptr, mscale = 1,
  ): void {
    if (n < MIN_PARALLEL_INPUT_ROWS || !this.poolAllowed()) {
      super.rope(xPtr, n, nHeads, headDim, ropeDim, pos0, freqBase, freqScale, neox, freqFactorsPtr, mscale);
      return;
    }
    const i32 = this.arena.i32;
    const a = this.task(OP_ROPE, 4);
    i32[a] = xPtr;
    i32[a + 1] = n;
    i32[a + 2] = nHeads;
    i32[a + 3] = headDim;
    i32[a + 4] = ropeDim;
    i32[a + 5] = pos0;
    i32[a + 6] = neox ? 1 : 0;
    i32[a + 7] = freqFactorsPtr;
    // the two f64 parameters as their 32-bit halves (slots 8–11, 8-byte aligned)
    this.f64Scratch[0] = freqBase;
    this.f64Scratch[1] = freqScale;
    for (let j = 0; j < 4; j++) i32[a + 8 + j] = this.f64Words[j]!;
    this.arena.f32[a + 12] = mscale;
    this.runPool(Math.ceil(n / 4));
  }
  private readonly f64Scratch = new Float64Array(2);
  private readonly f64Words = new Int32Array(this.f64Scratch.buffer);

  override storeKv(kPtr: Ptr, vPtr: Ptr, n: number, kvDim: number, pos0: number, kCache: Ptr, vCache: Ptr, kvType: KvType): void {
    if (n < MIN_PARALLEL_INPUT_ROWS || !this.poolAllowed()) {
      super.storeKv(kPtr, vPtr, n, kvDim, pos0, kCache, vCache, kvType);
      return;
    }
    const i32 = this.arena.i32;
    const a = this.task(OP_STORE_KV, 4);
    i32[a] = kPtr;
    i32[a + 1] = vPtr;
    i32[a + 2] = n;
    i32[a + 3] = kvDim;
    i32[a + 4] = pos0;
    i32[a + 5] = kCache;
    i32[a + 6] = vCache;
    i32[a + 7] = kvType === "f16" ? 1 : 0;
    this.runPool(Math.ceil(n / 4));
  }

  override swiglu(gatePtr: Ptr, upPtr: Ptr, count: number): void {
    if (count < 2 * ELEMENTWISE_CHUNK || !this.poolAllowed()) {
      super.swiglu(gatePtr, upPtr, count);
      return;
    }
    this.elementwise(OP_SWIGLU, gatePtr, upPtr, count);
  }

  override geglu(gatePtr: Ptr, upPtr: Ptr, count: number): void {
    if (count < 2 * ELEMENTWISE_CHUNK || !this.poolAllowed()) {
      super.geglu(gatePtr, upPtr, count);
      return;
    }
    this.elementwise(OP_GEGLU, gatePtr, upPtr, count);
  }

  override gelu(xPtr: Ptr, count: number): void {
    if (count < 2 * ELEMENTWISE_CHUNK || !this.poolAllowed()) {
      super.gelu(xPtr, count);
      return;
    }
    this.elementwise(OP_GELU, xPtr, 0, count);
  }

  private elementwise(op: number, aPtr: Ptr, bPtr: Ptr, count: number): void {
    const i32 = this.arena.i32;
    const a = this.task(op, ELEMENTWISE_CHUNK);
    i32[a] = aPtr;
    i32[a + 1] = bPtr;
    i32[a + 2] = count;
    this.runPool(Math.ceil(count / ELEMENTWISE_CHUNK));
  }

  /** A prompt's activation rounding by chunks of 4 input rows (one interleaved group) on every thread. */
  protected override roundInputs(type: number, x: Ptr, n: number, cols: number): void {
    if (n < MIN_PARALLEL_INPUT_ROWS || !this.poolAllowed()) {
      super.roundInputs(type, x, n, cols);
      return;
    }
    const i32 = this.arena.i32;
    const a = this.task(OP_PREPARE, 4);
    i32[a] = type;
    i32[a + 1] = x;
    i32[a + 2] = n;
    i32[a + 3] = cols;
    i32[a + 4] = this.xq;
    i32[a + 5] = this.xd;
    i32[a + 6] = this.xs;
    i32[a + 7] = this.xIn;
    this.runPool(Math.ceil(n / 4));
  }

  override attention(
    qPtr: Ptr, n: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number, scale: number,
    kCache: Ptr, vCache: Ptr, kvType: KvType, outPtr: Ptr, scratchPtr: Ptr, mask?: AttentionMask,
  ): void {
    // (position, KV head) pairs, or (block of positions, KV head) for a prompt: the heads of a group share the K/V
    // conversion, and a prompt's block converts them once for all its positions
    const items = this.wasm.attendItems(n, nKvHeads, kvType === "f16" ? 1 : 0);
    if (items < 2 || n * nHeads * (pos0 + n) * headDim < this.minParallelAttention || !this.poolAllowed()) {
      super.attention(qPtr, n, pos0, nHeads, nKvHeads, headDim, scale, kCache, vCache, kvType, outPtr, scratchPtr, mask);
      return;
    }
    // every thread needs its own scratch (rounded q row and scores), a whole number of cache lines
    const stride = Math.ceil(attentionScratchBytes(headDim, pos0 + n) / 64) * 64;
    const att = this.workspace.region(Slot.Att, stride * this.threads);
    const tileStride = attentionTileBytes(headDim);
    const tile = n > 1 && kvType === "f16" ? this.workspace.region(Slot.AttTile, tileStride * this.threads) : 0;
    const chunk = Math.max(1, Math.floor(items / (this.threads * CHUNKS_PER_THREAD)));
    const i32 = this.arena.i32;
    const a = this.task(OP_ATTENTION, chunk);
    i32[a] = qPtr;
    i32[a + 1] = n;
    i32[a + 2] = pos0;
    i32[a + 3] = nHeads;
    i32[a + 4] = nKvHeads;
    i32[a + 5] = headDim;
    this.arena.f32[a + 6] = scale;
    i32[a + 7] = kCache;
    i32[a + 8] = vCache;
    i32[a + 9] = kvType === "f16" ? 1 : 0;
    i32[a + 10] = outPtr;
    i32[a + 11] = att;
    i32[a + 12] = stride;
    i32[a + 13] = mask?.window ?? 0;
    i32[a + 14] = allLastOf(mask, pos0, n);
    this.arena.f32[a + 15] = mask?.softcap ?? 0;
    i32[a + 16] = tile;
    i32[a + 17] = tileStride;
    this.runPool(Math.ceil(items / chunk));
  }

  /** Writes the op and chunk size of the next pool task; returns the index (in arena.i32) of its first parameter. */
  private task(op: number, chunk: number): number {
    const p = this.pool.params;
    this.arena.i32[p + P_OP] = op;
    this.arena.i32[p + P_CHUNK] = chunk;
    return p + P_A;
  }

  /** The main thread's instance directly, every pool thread through the task parameters of each matMul. */
  override setPrefetch(bytes: number): void {
    super.setPrefetch(bytes);
    this.arena.i32[this.pool.params + P_PREFETCH] = bytes;
  }

  /** Stop the worker threads. */
  override dispose(): void {
    this.pool.close();
  }
}
