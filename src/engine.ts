// The library entry point: open a GGUF model (weights into one WebAssembly memory), its tokenizer, and generate.
import { totalmem } from "node:os";
import { EdgeError } from "./errors.js";
import { parseGguf } from "./format/gguf-reader.js";
import type { GgufFile } from "./format/gguf-types.js";
import { getString } from "./format/gguf-meta.js";
import { FileSource } from "./io/file-source.js";
import { Arena } from "./kernels/memory.js";
import { choosePrefetch, type PrefetchChoice } from "./kernels/prefetch.js";
import { createKernels, type KernelOptions } from "./kernels/select.js";
import type { Kernels, KvType } from "./kernels/types.js";
import type { Model } from "./model/model.js";
import { architectureFactory, createModel } from "./model/registry.js";
import { WeightStore } from "./model/weights.js";
import { Session, type SessionOptions } from "./runtime/session.js";
import { generateTokens, type GenerateOptions, type GeneratedToken } from "./runtime/generate.js";
import { Tokenizer } from "./tokenizer/tokenizer.js";
import { Embedder, modelPooling, type EmbedOptions, type Pooling } from "./runtime/embed.js";
import type { Grammar } from "./runtime/grammar/grammar.js";
import { GrammarConstraint } from "./runtime/grammar/constraint.js";

export interface ModelGenerateOptions extends GenerateOptions {
  /** Constrain the output to this grammar (GBNF, or a JSON Schema compiled to one). */
  grammar?: Grammar;
}

const WASM32_LIMIT = 4096 * 2 ** 20;

export interface LoadOptions extends KernelOptions {
  /** Upper bound for weights + KV cache + scratch in bytes (default: ¾ of RAM, at most the wasm32 limit). */
  memoryBudget?: number;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** The metadata key LoadedModel.file leaves out (its tokenizer holds the merges). */
export const MERGES_KEY = "tokenizer.ggml.merges";

export class LoadedModel {
  constructor(
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

/** Open a GGUF file: parse, check, stream weights into WebAssembly memory, build the tokenizer. */
export function loadModel(path: string, options: LoadOptions = {}): LoadedModel {
  const src = new FileSource(path);
  try {
    const open = openWeights(path, src, options);
    try {
      open.weights.read();
    } catch (e) {
      open.dispose();
      throw e;
    }
    return open.finish();
  } finally {
    src.close();
  }
}

/** loadModel, yielding to the event loop while the weights are read (for a server that answers while it loads). */
export async function loadModelAsync(path: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const src = new FileSource(path);
  try {
    const open = openWeights(path, src, options);
    try {
      await open.weights.readAsync();
    } catch (e) {
      open.dispose();
      throw e;
    }
    return open.finish();
  } finally {
    src.close();
  }
}

/** The steps of loading around reading the weights: header, checks, memory, kernels; then the model. */
function openWeights(path: string, src: FileSource, options: LoadOptions) {
  const prefetch = options.prefetch ?? "auto";
  if (prefetch !== "auto" && (!Number.isSafeInteger(prefetch) || prefetch < 0 || prefetch > 1 << 24)) {
    throw new EdgeError("bad_argument", `prefetch must be "auto" or a byte distance from 0 to ${1 << 24}, got ${prefetch}`);
  }
  const file = parseGguf(src);
  const arch = getString(file, "general.architecture");
  architectureFactory(arch, path); // fail before reading anything else
  const tokenizer = Tokenizer.fromGguf(file);
  // The merges as strings (151k of them for Qwen's vocabulary, ~5 MB of heap) only build the tokenizer, which keeps
  // them as token-id pairs; LoadedModel.file goes without them (readGgufHeader has the whole header).
  file.metadata.delete(MERGES_KEY);
  const budget = Math.min(options.memoryBudget ?? totalmem() * 0.75, WASM32_LIMIT - (64 << 20));
  const weightBytes = file.tensors.reduce((a, t) => a + t.byteSize + 64, 0);
  if (weightBytes > budget) {
    throw new EdgeError("out_of_memory", `${path}: weights need ${mib(weightBytes)} MiB, more than the ${mib(budget)} MiB budget`);
  }
  const arena = new Arena(weightBytes);
  const kernels = createKernels(arena, options);
  let weights: WeightStore;
  try {
    weights = new WeightStore(arena, src, file, options.onProgress);
  } catch (e) {
    kernels.dispose?.();
    throw e;
  }
  return {
    weights,
    dispose: () => kernels.dispose?.(),
    finish(): LoadedModel {
      try {
        // before the model is built: its row views of fused matrices copy the prepared (possibly repacked) tensors
        weights.prepare(kernels);
        const model = createModel(arch, { file, weights, kernels, arena }, path);
        const lm = new LoadedModel(path, file, model, tokenizer, kernels, budget);
        lm.prefetch = setUpPrefetch(kernels, weights, arena, prefetch);
        return lm;
      } catch (e) {
        kernels.dispose?.();
        throw e;
      }
    },
  };
}

/** The kernels' touch distance: as given, or measured on the largest matrices (scratch from the arena, 4 B a row). */
function setUpPrefetch(kernels: Kernels, weights: WeightStore, arena: Arena, prefetch: number | "auto"): PrefetchChoice | undefined {
  if (!kernels.setPrefetch) return undefined;
  if (prefetch !== "auto") {
    kernels.setPrefetch(prefetch); // checked before the weights were read
    return { bytes: prefetch, offMs: NaN, onMs: NaN };
  }
  const matrices = [...weights.all()].filter((t) => t.dims.length >= 2);
  if (matrices.length === 0) return undefined;
  const x = arena.alloc(4 * Math.max(...matrices.map((t) => t.cols)));
  const out = arena.alloc(4 * Math.max(...matrices.map((t) => t.rows)));
  return choosePrefetch(kernels, matrices, x, out);
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

/** Only the tokenizer of a GGUF file (no weights are read; vocabulary-only files work). */
export function loadTokenizer(path: string): { file: GgufFile; tokenizer: Tokenizer } {
  const src = new FileSource(path);
  try {
    const file = parseGguf(src);
    return { file, tokenizer: Tokenizer.fromGguf(file) };
  } finally {
    src.close();
  }
}

/** Parse a GGUF header (metadata and tensor table) without reading weights. */
export function readGgufHeader(path: string): GgufFile {
  const src = new FileSource(path);
  try {
    return parseGguf(src);
  } finally {
    src.close();
  }
}
