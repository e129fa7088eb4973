// A loaded model: its parsed header, weights in one WebAssembly memory behind a kernel set, its tokenizer; sessions,
// generation and embeddings over them. Platform-neutral (open-model.ts makes one from any ByteSource).
import { EdgeError } from "./errors.js";
import type { GgufFile } from "./format/gguf-types.js";
import type { PrefetchChoice } from "./kernels/prefetch.js";
import type { Kernels, KvType } from "./kernels/types.js";
import type { Model } from "./model/model.js";
import { Session, type SessionOptions } from "./runtime/session.js";
import { generateTokens, type GenerateOptions, type GeneratedToken } from "./runtime/generate.js";
import type { Tokenizer } from "./tokenizer/tokenizer.js";
import { Embedder, modelPooling, type EmbedOptions, type Pooling } from "./runtime/embed.js";
import type { Grammar } from "./runtime/grammar/grammar.js";
import { GrammarConstraint } from "./runtime/grammar/constraint.js";

export interface ModelGenerateOptions extends GenerateOptions {
  /** Constrain the output to this grammar (GBNF, or a JSON Schema compiled to one). */
  grammar?: Grammar;
}

/** The metadata key LoadedModel.file leaves out (its tokenizer holds the merges). */
export const MERGES_KEY = "tokenizer.ggml.merges";

export class LoadedModel {
  constructor(
    /** The file path in Node; in a browser the File's name or the URL (the source's name, as errors give it). */
    readonly path: string,
    /** The parsed header, less tokenizer.ggml.merges (MERGES_KEY). */
    readonly file: GgufFile,
    readonly model: Model,
    readonly tokenizer: Tokenizer,
    readonly kernels: Kernels,
    readonly memoryBudget: number,
  ) {}

  /** The matMul kernels' touch distance and, when it was measured at load, the sweeps that chose it. */
  prefetch?: PrefetchChoice;

  get config() {
    return this.model.config;
  }

  /** Largest context (≤ the model's) whose KV cache and scratch still fit in the memory budget. */
  defaultContext(kvType: KvType = "f16", batch = 64): number {
    const free = this.memoryBudget - this.kernels.arena.used;
    let ctx = this.config.contextLength;
    while (ctx > 256 && this.model.stateBytes({ ctx, maxBatch: batch, kvType, allLogits: false }) > free) ctx = Math.floor(ctx / 2);
    return ctx;
  }

  /** A new session (KV cache + scratch allocated now, before the first token). */
  createSession(options: SessionOptions = {}): Session {
    const kvType = options.kvType ?? "f16";
    const batch = options.batch ?? 64;
    const ctx = options.ctx ?? this.defaultContext(kvType, batch);
    const need = this.model.stateBytes({ ctx, maxBatch: Math.min(batch, ctx), kvType, allLogits: options.allLogits ?? false });
    if (this.kernels.arena.used + need > this.memoryBudget) {
      throw new EdgeError(
        "out_of_memory",
        `context of ${ctx} tokens needs ${mib(need)} MiB for KV cache and scratch; only ${mib(this.memoryBudget - this.kernels.arena.used)} MiB left in the ${mib(this.memoryBudget)} MiB budget`,
      );
    }
    return new Session(this.model, { ...options, ctx, kvType, batch });
  }

  /** Tokenize `prompt` (BOS/EOS as the model's metadata says) and stream generated tokens with their text. */
  async *generate(session: Session, prompt: string | number[], options: ModelGenerateOptions = {}): AsyncGenerator<GeneratedToken> {
    const ids = typeof prompt === "string" ? this.tokenizer.encode(prompt) : prompt;
    const { grammar, ...rest } = options;
    if (!grammar) return yield* generateTokens(session, this.tokenizer, ids, rest);
    const constraint = new GrammarConstraint(grammar, this.tokenizer);
    try {
      yield* generateTokens(session, this.tokenizer, ids, { ...rest, constraint });
    } finally {
      grammar.unregister(constraint);
    }
  }

  private embedder?: Embedder;

  /** The pooling llama.cpp applies to this model's embeddings (its pooling_type; mean for decoders without one). */
  get pooling(): Pooling {
    return modelPooling(this.file, this.config.architecture);
  }

  /**
   * Sentence embeddings, one per input (text, tokenized with the model's special tokens, or token ids): final hidden
   * states pooled (options.pooling, default the model's) and L2-normalized unless normalize is false. An encoder takes
   * inputs up to its context; a decoder up to min(context, 2048) tokens. The state is allocated on the first call.
   */
  embed(inputs: string | readonly (string | readonly number[])[], options: EmbedOptions = {}): Float32Array[] {
    const list = typeof inputs === "string" ? [inputs] : inputs;
    const e = (this.embedder ??= this.createEmbedder());
    return list.map((x) => e.embed(typeof x === "string" ? this.tokenizer.encode(x, { addSpecial: true, parseSpecial: false }) : x, { pooling: options.pooling ?? this.pooling, normalize: options.normalize }));
  }

  private createEmbedder(): Embedder {
    const ctx = this.model.causal === false ? this.config.contextLength : Math.min(this.config.contextLength, 2048);
    const need = Embedder.bytes(this.model, ctx);
    if (this.kernels.arena.used + need > this.memoryBudget) {
      throw new EdgeError("out_of_memory", `embeddings over ${ctx} tokens need ${mib(need)} MiB; only ${mib(this.memoryBudget - this.kernels.arena.used)} MiB left in the ${mib(this.memoryBudget)} MiB budget`);
    }
    return new Embedder(this.model, ctx, this.pooling);
  }

  dispose(): void {
    this.kernels.dispose?.();
  }
}

export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}
