// What every architecture provides: immutable weights plus a forward pass over a per-session state.
import type { GgufFile } from "../format/gguf-types.js";
import type { Arena, Ptr } from "../kernels/memory.js";
import type { Kernels, KvType } from "../kernels/types.js";
import type { ModelConfig } from "./config.js";
import type { WeightStore } from "./weights.js";

/** Everything an architecture factory needs. */
export interface ModelContext {
  file: GgufFile;
  weights: WeightStore;
  kernels: Kernels;
  arena: Arena;
}

export interface StateOptions {
  /** KV cache length in tokens. */
  ctx: number;
  /** Most tokens one forward() call may process. */
  maxBatch: number;
  kvType: KvType;
  /** Keep logits for every token of a batch (perplexity) instead of only the last one. */
  allLogits: boolean;
  /** Scratch only, no KV cache of its own: the state of a batch over other states' caches (forwardBatch). */
  scratchOnly?: boolean;
  /** Rows of the logits buffer (default: maxBatch with allLogits, else 1). */
  logitRows?: number;
  /** Also a buffer of maxBatch final hidden states (after the output norm), for embeddings (forwardBatch "hidden"). */
  embeddings?: boolean;
}

/**
 * Rows tokens[start .. start+len) of a batch belong to one sequence: they sit at positions pos0 .. pos0+len−1 and are
 * appended to the KV cache of `state`.
 */
export interface Segment {
  state: ModelState;
  start: number;
  len: number;
  pos0: number;
}

/** Mutable per-session memory: KV cache, scratch, logits. Allocated once, before the first token. */
export interface ModelState {
  readonly options: StateOptions;
  /** f32 logits: (vocab) for the last token, or (maxBatch, vocab) with allLogits. */
  readonly logitsPtr: Ptr;
  /** Bytes this state took from the arena (KV cache + scratch + logits). */
  readonly bytes: number;
  /** Bytes of the KV cache alone. */
  readonly kvBytes: number;
  /** f32 (maxBatch, dim) hidden states after the output norm, when made with `embeddings`. */
  readonly embdPtr?: Ptr;
}

export interface Model {
  readonly config: ModelConfig;
  /**
   * false for encoders (BERT): every token attends to the whole input, so an input is run in one pass from position 0,
   * and there are no next-token logits (only forwardBatch "hidden"). Default true.
   */
  readonly causal?: boolean;
  readonly file: GgufFile;
  readonly kernels: Kernels;
  /** Allocate a state (KV cache and scratch). */
  createState(options: StateOptions): ModelState;
  /** Bytes a state with these options would take (for memory budgeting before allocation). */
  stateBytes(options: StateOptions): number;
  /**
   * Run `n` tokens (tokens[0..n)) at positions pos0 .. pos0+n−1, appending to the KV cache. Afterwards the logits
   * buffer holds the next-token logits of the last token (or of all n tokens with allLogits).
   */
  forward(state: ModelState, tokens: ArrayLike<number>, n: number, pos0: number): void;
  /**
   * One pass over rows of several sequences (continuous batching): every weight is read once for all `n` rows, each
   * segment attends over its own KV cache. `scratch` is a state made with `scratchOnly`, `allLogits` and maxBatch ≥ n
   * (and a ctx ≥ every segment's position); afterwards its logits hold one row per segment, in order: the next-token
   * logits after the segment's last token.
   */
  forwardBatch?(scratch: ModelState, segments: readonly Segment[], tokens: ArrayLike<number>, n: number, out?: BatchOutput): void;
}

/**
 * What forwardBatch leaves in the scratch state: next-token logits after each segment's last row ("logits"), or the
 * final hidden state of every row, after the output norm, in its embd buffer ("hidden": embeddings).
 */
export type BatchOutput = "logits" | "hidden";

/** Rows of logits a state's buffer holds. */
export function logitRowsOf(o: StateOptions): number {
  return o.logitRows ?? (o.allLogits ? o.maxBatch : 1);
}

export type ModelFactory = (ctx: ModelContext) => Model;

/** Bump-allocates named f32 buffers for a state, so an architecture lists its scratch in one place. */
export class ScratchPlan {
  private sizes: [string, number][] = [];
  add(name: string, floats: number): this {
    this.sizes.push([name, floats]);
    return this;
  }
  bytes(): number {
    return this.sizes.reduce((a, [, n]) => a + Math.ceil((n * 4) / 64) * 64 + 64, 0);
  }
  allocate(arena: Arena): Record<string, Ptr> {
    const out: Record<string, Ptr> = {};
    for (const [name, n] of this.sizes) out[name] = arena.alloc(n * 4);
    return out;
  }
}

/** KV cache buffers, one (ctx, kvDim) pair per layer. */
export interface KvBuffers {
  type: KvType;
  ctx: number;
  kvDim: number;
  k: Ptr[];
  v: Ptr[];
  bytes: number;
}

export function kvBytes(nLayers: number, ctx: number, kvDim: number, type: KvType): number {
  const elem = type === "f16" ? 2 : 4;
  return 2 * nLayers * (Math.ceil((ctx * kvDim * elem) / 64) * 64 + 64);
}

export function allocateKv(arena: Arena, nLayers: number, ctx: number, kvDim: number, type: KvType): KvBuffers {
  const elem = type === "f16" ? 2 : 4;
  const k: Ptr[] = [];
  const v: Ptr[] = [];
  for (let l = 0; l < nLayers; l++) {
    k.push(arena.alloc(ctx * kvDim * elem));
    v.push(arena.alloc(ctx * kvDim * elem));
  }
  return { type, ctx, kvDim, k, v, bytes: kvBytes(nLayers, ctx, kvDim, type) };
}
