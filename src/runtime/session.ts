// A session: one KV cache and its position. Feeds tokens through the model in batches and exposes the logits.
import { EdgeError } from "../errors.js";
import type { KvType } from "../kernels/types.js";
import type { Model, ModelState } from "../model/model.js";

export interface SessionOptions {
  /** KV cache length in tokens (default: the model's context length). */
  ctx?: number;
  /** Most tokens per forward pass while ingesting a prompt. */
  batch?: number;
  kvType?: KvType;
  /** Keep logits of every position of a batch (perplexity, scoring). */
  allLogits?: boolean;
}

export class Session {
  readonly ctx: number;
  readonly batch: number;
  readonly state: ModelState;
  /** Number of tokens in the KV cache. */
  nPast = 0;
  private lastBatchLen = 0;
  // views of the logits buffer, re-made when the arena's memory was replaced (an unshared memory detaches its old
  // buffer when it grows; a shared one never does, so there they are made once)
  private viewBuffer?: ArrayBufferLike;
  private allView: Float32Array = new Float32Array(0);
  private lastView: Float32Array = new Float32Array(0);

  constructor(readonly model: Model, options: SessionOptions = {}) {
    const c = model.config;
    this.ctx = options.ctx ?? c.contextLength;
    this.batch = Math.max(1, Math.min(options.batch ?? 64, this.ctx));
    if (!Number.isInteger(this.ctx) || this.ctx < 1) throw new EdgeError("bad_argument", `invalid context size ${this.ctx}`);
    const allLogits = options.allLogits ?? false;
    this.state = model.createState({ ctx: this.ctx, maxBatch: this.batch, kvType: options.kvType ?? "f16", allLogits });
  }

  /** Next-token logits of the last evaluated token (a view into the arena; overwritten by every eval). */
  get logits(): Float32Array {
    this.views();
    return this.lastView;
  }

  private get allLogitsView(): Float32Array {
    this.views();
    return this.allView;
  }

  private views(): void {
    const arena = this.model.kernels.arena;
    if (arena.u8.buffer === this.viewBuffer) return;
    const vocab = this.model.config.vocabSize;
    this.viewBuffer = arena.u8.buffer;
    this.allView = arena.f32View(this.state.logitsPtr, (this.state.options.allLogits ? this.batch : 1) * vocab);
    this.lastView = this.allView.subarray(0, vocab);
  }

  /** Drop the cached tokens from position `keep` on (0 = start over). */
  truncate(keep = 0): void {
    this.nPast = Math.max(0, Math.min(keep, this.nPast));
  }

  /**
   * Append `tokens` to the context and run them through the model. Afterwards `lastLogits()` holds the next-token
   * distribution after the final token. With allLogits, `onBatch(offset, n)` is called after each batch so the caller
   * can read `batchLogits(i)` for i < n.
   */
  eval(tokens: ArrayLike<number>, onBatch?: (offset: number, n: number) => void): void {
    const total = tokens.length;
    if (total === 0) return;
    if (this.nPast + total > this.ctx) {
      throw new EdgeError("context_exceeded", `${this.nPast + total} tokens do not fit in the context of ${this.ctx} tokens`);
    }
    const vocab = this.model.config.vocabSize;
    for (let i = 0; i < total; i++) {
      const t = tokens[i];
      if (!Number.isInteger(t) || t < 0 || t >= vocab) throw new EdgeError("bad_argument", `token id ${t} is outside the vocabulary (0..${vocab - 1})`);
    }
    for (let off = 0; off < total; off += this.batch) {
      const n = Math.min(this.batch, total - off);
      const slice = off === 0 && n === total ? tokens : sliceOf(tokens, off, n);
      this.model.forward(this.state, slice, n, this.nPast);
      this.nPast += n;
      this.lastBatchLen = n;
      onBatch?.(off, n);
    }
  }

  /** Evaluate one token (the decode step). Allocates nothing. */
  step(token: number): Float32Array {
    if (this.nPast + 1 > this.ctx) throw new EdgeError("context_exceeded", `context of ${this.ctx} tokens is full`);
    this.oneToken[0] = token;
    this.model.forward(this.state, this.oneToken, 1, this.nPast);
    this.nPast += 1;
    this.lastBatchLen = 1;
    return this.lastLogits();
  }
  private readonly oneToken = new Int32Array(1);

  /** Logits after the last evaluated token. */
  lastLogits(): Float32Array {
    if (!this.state.options.allLogits) return this.logits;
    const vocab = this.model.config.vocabSize;
    return this.allLogitsView.subarray((this.lastBatchLen - 1) * vocab, this.lastBatchLen * vocab);
  }

  /** With allLogits: logits after token i of the last batch. */
  batchLogits(i: number): Float32Array {
    const vocab = this.model.config.vocabSize;
    return this.allLogitsView.subarray(i * vocab, (i + 1) * vocab);
  }
}

function sliceOf(tokens: ArrayLike<number>, off: number, n: number): ArrayLike<number> {
  if (tokens instanceof Int32Array) return tokens.subarray(off, off + n);
  return Array.prototype.slice.call(tokens, off, off + n) as number[];
}
