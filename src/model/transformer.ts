// The plumbing every architecture shares: a state is one KV cache (layers × ctx × kvDim) plus the architecture's
// named scratch buffers, and forward / forwardBatch are one pass over rows of one or several sequences. An
// architecture supplies its weights, its scratch plan and its pass.
import type { GgufFile } from "../format/gguf-types.js";
import type { Arena, Ptr } from "../kernels/memory.js";
import type { Kernels, KvType } from "../kernels/types.js";
import type { ModelConfig } from "./config.js";
import {
  allocateKv, kvBytes,
  type BatchOutput, type KvBuffers, type Model, type ModelContext, type ModelState, type ScratchPlan, type Segment, type StateOptions,
} from "./model.js";

/** Which rows of a pass get output: logits of every row, of the last, of each segment's last; or hidden states. */
export type PassOutput = "all" | "last" | "segments" | "hidden";

export interface TransformerState extends ModelState {
  kv: KvBuffers;
  s: Record<string, Ptr>;
}

export abstract class TransformerModel<S extends TransformerState = TransformerState> implements Model {
  abstract readonly config: ModelConfig;
  readonly causal?: boolean;
  readonly file: GgufFile;
  readonly kernels: Kernels;
  protected readonly arena: Arena;

  constructor(ctx: ModelContext) {
    this.file = ctx.file;
    this.kernels = ctx.kernels;
    this.arena = ctx.arena;
  }

  /** The named f32 buffers of a state; must include "logits", and "embd" (0 floats when not wanted). */
  protected abstract scratchPlan(o: StateOptions): ScratchPlan;

  /** The forward pass over n rows (one or several sequences); `out` says which rows get logits. */
  protected abstract pass(scr: S, segs: readonly Segment[], tokens: ArrayLike<number>, n: number, out: PassOutput): void;

  /** Element type of the KV cache (an encoder keeps f32, as llama.cpp does without a cache). */
  protected cacheType(o: StateOptions): KvType {
    return o.kvType;
  }

  protected get kvDim(): number {
    return this.config.nKvHeads * this.config.headDim;
  }

  stateBytes(o: StateOptions): number {
    return (o.scratchOnly ? 0 : kvBytes(this.config.nLayers, o.ctx, this.kvDim, this.cacheType(o))) + this.scratchPlan(o).bytes();
  }

  createState(o: StateOptions): S {
    const before = this.arena.used;
    const kv = allocateKv(this.arena, o.scratchOnly ? 0 : this.config.nLayers, o.ctx, this.kvDim, this.cacheType(o));
    const s = this.scratchPlan(o).allocate(this.arena);
    const embd = o.embeddings || this.causal === false ? s.embd : undefined;
    return { options: o, kv, s, logitsPtr: s.logits, embdPtr: embd, bytes: this.arena.used - before, kvBytes: kv.bytes } as unknown as S;
  }

  forward(state: ModelState, tokens: ArrayLike<number>, n: number, pos0: number): void {
    this.pass(state as S, [{ state, start: 0, len: n, pos0 }], tokens, n, state.options.allLogits ? "all" : "last");
  }

  forwardBatch(scratch: ModelState, segments: readonly Segment[], tokens: ArrayLike<number>, n: number, out: BatchOutput = "logits"): void {
    this.pass(scratch as S, segments, tokens, n, out === "hidden" ? "hidden" : "segments");
  }
}
