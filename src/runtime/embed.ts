// Sentence embeddings: a model's final hidden states pooled over the input (mean, the first token's = CLS, or the
// last token's) and L2-normalized, as llama.cpp's embedding example computes them. The pooling comes from the file's
// `<arch>.pooling_type` (1 mean, 2 CLS, 3 last); decoder files without one are mean-pooled.
import { EdgeError } from "../errors.js";
import { getNumber } from "../format/gguf-meta.js";
import type { GgufFile } from "../format/gguf-types.js";
import type { Model, ModelState, StateOptions } from "../model/model.js";

export type Pooling = "mean" | "cls" | "last";

export const POOLINGS: readonly Pooling[] = ["mean", "cls", "last"];

/** The pooling llama.cpp applies for this file: its pooling_type, or mean when it names none (or rank). */
export function modelPooling(file: GgufFile, architecture: string): Pooling {
  const t = getNumber(file, `${architecture}.pooling_type`, 1);
  return t === 2 ? "cls" : t === 3 ? "last" : "mean";
}

/** Sums the hidden-state rows a pooling keeps, chunk by chunk, then averages and normalizes. */
export class PooledSum {
  readonly sum: Float32Array;
  constructor(private readonly dim: number, private readonly pooling: Pooling, private readonly total: number) {
    this.sum = new Float32Array(dim);
  }

  /** Rows of `hidden` (rows × dim) for input positions first .. first+rows−1. */
  add(hidden: Float32Array, rows: number, first: number): void {
    const d = this.dim;
    for (let t = 0; t < rows; t++) {
      const pos = first + t;
      const keep = this.pooling === "mean" || (this.pooling === "cls" && pos === 0) || (this.pooling === "last" && pos === this.total - 1);
      if (keep) for (let j = 0; j < d; j++) this.sum[j] += hidden[t * d + j];
    }
  }

  finish(normalize: boolean): Float32Array {
    const v = this.sum;
    if (this.pooling === "mean") for (let j = 0; j < this.dim; j++) v[j] /= this.total;
    if (normalize) {
      let s = 0;
      for (let j = 0; j < this.dim; j++) s += v[j] * v[j];
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let j = 0; j < this.dim; j++) v[j] *= inv;
    }
    return v;
  }
}

export interface EmbedOptions {
  pooling?: Pooling;
  /** L2-normalize (default true, as llama.cpp's embedding example). */
  normalize?: boolean;
}

/**
 * One state (KV cache + hidden-state buffer) reused for every input. Decoders run long inputs in chunks through the
 * cache; an encoder sees the whole input at once, so its state holds the model's full context in one batch.
 */
export class Embedder {
  private readonly state: ModelState;
  private readonly batch: number;
  private readonly tokens: Int32Array;

  constructor(private readonly model: Model, readonly ctx: number, private readonly defaultPooling: Pooling, batch = 256) {
    const options = Embedder.stateOptions(model, ctx, batch);
    this.batch = options.maxBatch;
    this.state = model.createState(options);
    this.tokens = new Int32Array(this.batch);
  }

  static bytes(model: Model, ctx: number, batch = 256): number {
    return model.stateBytes(Embedder.stateOptions(model, ctx, batch));
  }

  /** Rows per pass: a decoder's chunk, or an encoder's whole context. */
  private static stateOptions(model: Model, ctx: number, batch: number): StateOptions {
    return { ctx, maxBatch: model.causal === false ? ctx : Math.min(batch, ctx), kvType: "f16", allLogits: false, embeddings: true };
  }

  embed(ids: readonly number[], opts: EmbedOptions = {}): Float32Array {
    if (ids.length === 0) throw new EdgeError("bad_argument", "cannot embed an empty input (no tokens)");
    if (ids.length > this.ctx) throw new EdgeError("context_exceeded", `input of ${ids.length} tokens is longer than the embedding context of ${this.ctx}`);
    const dim = this.model.config.dim;
    const pool = new PooledSum(dim, opts.pooling ?? this.defaultPooling, ids.length);
    const hidden = this.model.kernels.arena.f32View(this.state.embdPtr!, this.batch * dim);
    for (let at = 0; at < ids.length; at += this.batch) {
      const len = Math.min(this.batch, ids.length - at);
      for (let i = 0; i < len; i++) this.tokens[i] = ids[at + i];
      this.model.forwardBatch!(this.state, [{ state: this.state, start: 0, len, pos0: at }], this.tokens, len, "hidden");
      pool.add(hidden, len, at);
    }
    return pool.finish(opts.normalize ?? true);
  }
}
