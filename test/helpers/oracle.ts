// llama.cpp reference ("oracle") for integration tests, through node-llama-cpp's prebuilt CPU binary (never builds or downloads).
//
// What node-llama-cpp 3.22 exposes, and how this file maps it to llama.cpp semantics:
// * Tokenize: the addon calls `common_tokenize(vocab, text, add_special=false, parse_special=specialTokens)`. There is no
//   native add_special switch, so `addSpecial` is emulated the way llama.cpp's SPM/BPE tokenizers do it: prepend BOS when
//   `llama_vocab_get_add_bos` (model.tokens.shouldPrependBosToken) and append EOS when `llama_vocab_get_add_eos`
//   (shouldAppendEosToken). WPM/UGM models with CLS/SEP conventions are not covered by that emulation.
// * Detokenize: `llama_detokenize(remove_special=false, unparse_special=…)`.
// * Distributions: `LlamaContextSequence.controlledEvaluate` with `generateNext.logits: true` returns the raw logits of the
//   whole vocabulary for that position (`llama_get_logits_ith`); the sampler chain at temperature 0 is only the greedy
//   sampler, which selects but does not modify logits. Probabilities are a float64 softmax of those float32 logits.
// * Greedy: the same call with `generateNext.token: true` at temperature 0 (greedy sampler, no repeat/DRY penalty, no
//   token bias, no grammar), one token per call.
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { LlamaGrammarEvaluationState } from "node-llama-cpp";
import type { Llama, LlamaContext, LlamaContextSequence, LlamaGrammar, LlamaModel, Token } from "node-llama-cpp";

// node-llama-cpp reads its env at import time, so the explicit getLlama options below are what forbid downloads and
// builds; this only reaches child processes it spawns (the binary self-test). .ci/run exports it for npm ci.
process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";

export interface OracleOptions {
  /** CPU threads for evaluation (default 1: CI has 2 cores and runs 2 test files at once). */
  threads?: number;
  /** Context size in tokens (default: the model's training context, at most 4096). */
  contextSize?: number;
  /** Load only the vocabulary (tokenize/detokenize only; evaluation methods throw). */
  vocabOnly?: boolean;
  /** llama.cpp's flash attention (default off: its f16 accumulation is not what edgellm mirrors). */
  flashAttention?: boolean;
}

export interface OracleTokenizeOptions {
  /** llama.cpp `add_special`: add BOS/EOS as the vocabulary's add_bos/add_eos flags say. Default false. */
  addSpecial?: boolean;
  /** llama.cpp `parse_special`: text such as `<s>` becomes the special token. Default false. */
  parseSpecial?: boolean;
}

export interface Oracle {
  readonly modelPath: string;
  /** Context size of the evaluation context in tokens (0 when vocabOnly). */
  readonly contextSize: number;
  /** Number of tokens in the vocabulary. */
  readonly vocabSize: number;
  readonly bos: number | null;
  readonly eos: number | null;
  /** llama_vocab_get_add_bos / get_add_eos. */
  readonly addBos: boolean;
  readonly addEos: boolean;
  tokenize(text: string, options?: OracleTokenizeOptions): number[];
  /** llama_detokenize with remove_special=false; `unparseSpecial` renders control tokens as their text. */
  detokenize(ids: readonly number[], options?: { unparseSpecial?: boolean }): string;
  isEog(id: number): boolean;
  /** Raw logits (float32, whole vocabulary) for the token after `promptIds`. */
  nextTokenLogits(promptIds: readonly number[]): Promise<Float32Array>;
  /** Softmax of nextTokenLogits, computed in float64; sums to 1. */
  nextTokenDistribution(promptIds: readonly number[]): Promise<Float64Array>;
  /**
   * Greedy (argmax, temperature 0) continuation of `n` tokens after `promptIds`. Generation stops early only when
   * `stopAtEog` is set and an end-of-generation token is produced (that token is included).
   */
  greedy(promptIds: readonly number[], n: number, options?: { stopAtEog?: boolean }): Promise<number[]>;
  /**
   * Teacher-forced log-probabilities: result[i] = ln p(ids[i+1] | ids[0..i]) for i in 0..ids.length-2
   * (natural log, float64 log-softmax of the raw logits). Perplexity = exp(-mean(result)).
   */
  tokenLogProbs(ids: readonly number[]): Promise<Float64Array>;
  /**
   * Greedy continuation under a GBNF grammar (llama.cpp's grammar sampler), at most `n` tokens, ending before the
   * end-of-generation token (not included).
   */
  greedyWithGrammar(promptIds: readonly number[], grammar: string, n: number): Promise<number[]>;
  dispose(): Promise<void>;
}

/** llama.cpp's grammar parser on `gbnf`: the grammar object, or the error it raised. */
export async function oracleGrammar(gbnf: string): Promise<LlamaGrammar | Error> {
  const llama = await oracleLlama();
  try {
    return await llama.createGrammar({ grammar: gbnf });
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** Whether llama.cpp's grammar engine accepts `text` as a complete sentence of the grammar. */
export function oracleAccepts(grammar: LlamaGrammar, text: string): boolean {
  return (grammar as unknown as { _testText(t: string): boolean })._testText(text);
}

let llamaPromise: Promise<Llama> | undefined;
/** Recent llama.cpp log lines, attached to errors (llama.cpp is otherwise silent in tests). */
const recentLogs: string[] = [];

/** The one Llama instance of this process (binary load and self-test take ~2 s, so it is shared). */
export function oracleLlama(): Promise<Llama> {
  llamaPromise ??= getLlama({
    gpu: false,
    build: "never",
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    maxThreads: 0,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      recentLogs.push(`[${level}] ${message.trimEnd()}`);
      if (recentLogs.length > 50) recentLogs.shift();
    },
  });
  return llamaPromise;
}

function withLogs(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  if (recentLogs.length) err.message += `\nrecent llama.cpp log:\n${recentLogs.slice(-10).join("\n")}`;
  return err;
}

export async function openOracle(modelPath: string, options: OracleOptions = {}): Promise<Oracle> {
  const llama = await oracleLlama();
  let model: LlamaModel;
  try {
    model = await llama.loadModel({
      modelPath,
      vocabOnly: options.vocabOnly ?? false,
      gpuLayers: 0,
      useMmap: true,
      ignoreMemorySafetyChecks: true,
    });
  } catch (e) {
    throw withLogs(e);
  }
  let context: LlamaContext | undefined;
  let sequence: LlamaContextSequence | undefined;
  if (!options.vocabOnly) {
    const contextSize = options.contextSize ?? Math.min(Math.max(model.trainContextSize, 16), 4096);
    try {
      context = await model.createContext({
        contextSize,
        batchSize: contextSize,
        sequences: 1,
        threads: options.threads ?? 1,
        flashAttention: options.flashAttention ?? false,
        ignoreMemorySafetyChecks: true,
        performanceTracking: false,
      });
    } catch (e) {
      await model.dispose();
      throw withLogs(e);
    }
    sequence = context.getSequence();
  }
  return new NodeLlamaOracle(modelPath, model, context, sequence);
}

class NodeLlamaOracle implements Oracle {
  readonly vocabSize: number;
  readonly contextSize: number;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly addBos: boolean;
  readonly addEos: boolean;

  constructor(
    readonly modelPath: string,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext | undefined,
    private readonly sequence: LlamaContextSequence | undefined,
  ) {
    const tokens = (model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: unknown[] } } }).tokenizer?.ggml?.tokens;
    this.vocabSize = tokens?.length ?? 0;
    this.bos = model.tokens.bos;
    this.eos = model.tokens.eos;
    this.addBos = model.tokens.shouldPrependBosToken;
    this.addEos = model.tokens.shouldAppendEosToken;
    this.contextSize = context?.contextSize ?? 0;
  }

  tokenize(text: string, options: OracleTokenizeOptions = {}): number[] {
    const ids: number[] = this.model.tokenize(text, options.parseSpecial ?? false).map(Number);
    if (options.addSpecial) {
      if (this.addBos && this.bos !== null) ids.unshift(this.bos);
      if (this.addEos && this.eos !== null) ids.push(this.eos);
    }
    return ids;
  }

  detokenize(ids: readonly number[], options: { unparseSpecial?: boolean } = {}): string {
    return this.model.detokenize(ids as Token[], options.unparseSpecial ?? false);
  }

  isEog(id: number): boolean {
    return this.model.isEogToken(id as Token);
  }

  private seq(): LlamaContextSequence {
    if (!this.sequence) throw new Error(`oracle for ${this.modelPath} was opened vocabOnly: no evaluation`);
    return this.sequence;
  }

  private checkIds(ids: readonly number[], what: string): void {
    if (ids.length === 0) throw new Error(`${what}: needs at least one token`);
    const limit = this.context?.contextSize ?? Infinity;
    if (ids.length > limit) throw new Error(`${what}: ${ids.length} tokens exceed the oracle context size ${limit}`);
  }

  private toDense(logits: Map<Token, number> | undefined, what: string): Float32Array {
    if (!logits) throw withLogs(new Error(`${what}: llama.cpp returned no logits`));
    const n = this.vocabSize || logits.size;
    const out = new Float32Array(n);
    if (logits.size !== n) throw new Error(`${what}: got ${logits.size} logits for a vocabulary of ${n}`);
    for (const [id, v] of logits) out[id] = v;
    return out;
  }

  async nextTokenLogits(promptIds: readonly number[]): Promise<Float32Array> {
    this.checkIds(promptIds, "nextTokenLogits");
    const seq = this.seq();
    await seq.clearHistory();
    const input = promptIds.map((id, i) =>
      i === promptIds.length - 1 ? ([id as Token, { generateNext: { logits: true } }] as const) : (id as Token),
    );
    const out = await seq.controlledEvaluate(input as Parameters<LlamaContextSequence["controlledEvaluate"]>[0]);
    return this.toDense(out[promptIds.length - 1]?.next.logits, "nextTokenLogits");
  }

  async nextTokenDistribution(promptIds: readonly number[]): Promise<Float64Array> {
    return softmax64(await this.nextTokenLogits(promptIds));
  }

  async greedy(promptIds: readonly number[], n: number, options: { stopAtEog?: boolean } = {}): Promise<number[]> {
    this.checkIds(promptIds, "greedy");
    // Past the context node-llama-cpp would silently shift (drop) early tokens, which changes the answer: refuse.
    const limit = this.context?.contextSize ?? Infinity;
    if (promptIds.length + n > limit) throw new Error(`greedy: ${promptIds.length} + ${n} tokens exceed the oracle context size ${limit}`);
    const seq = this.seq();
    await seq.clearHistory();
    const generated: number[] = [];
    let pending: number[] = [...promptIds];
    while (generated.length < n) {
      const last = pending.length - 1;
      const input = pending.map((id, i) =>
        i === last ? ([id as Token, { generateNext: { token: true, options: { temperature: 0 } } }] as const) : (id as Token),
      );
      const out = await seq.controlledEvaluate(input as Parameters<LlamaContextSequence["controlledEvaluate"]>[0]);
      const tok = out[last]?.next.token;
      if (tok === undefined || tok === null) throw withLogs(new Error(`greedy: no token after ${generated.length} steps`));
      generated.push(tok);
      if (options.stopAtEog && this.isEog(tok)) break;
      pending = [tok];
    }
    return generated;
  }

  async tokenLogProbs(ids: readonly number[]): Promise<Float64Array> {
    this.checkIds(ids, "tokenLogProbs");
    const seq = this.seq();
    await seq.clearHistory();
    const input = ids.map((id, i) =>
      i < ids.length - 1 ? ([id as Token, { generateNext: { logits: true } }] as const) : (id as Token),
    );
    const out = await seq.controlledEvaluate(input as Parameters<LlamaContextSequence["controlledEvaluate"]>[0]);
    const result = new Float64Array(ids.length - 1);
    for (let i = 0; i < ids.length - 1; i++) {
      const logits = this.toDense(out[i]?.next.logits, `tokenLogProbs[${i}]`);
      result[i] = logSoftmaxAt(logits, ids[i + 1]);
    }
    return result;
  }

  async greedyWithGrammar(promptIds: readonly number[], gbnf: string, n: number): Promise<number[]> {
    this.checkIds(promptIds, "greedyWithGrammar");
    const limit = this.context?.contextSize ?? Infinity;
    if (promptIds.length + n > limit) throw new Error(`greedyWithGrammar: ${promptIds.length} + ${n} tokens exceed the oracle context size ${limit}`);
    const grammar = await oracleGrammar(gbnf);
    if (grammar instanceof Error) throw grammar;
    const seq = this.seq();
    await seq.clearHistory();
    const state = new LlamaGrammarEvaluationState({ model: this.model, grammar });
    const out: number[] = [];
    for await (const tok of seq.evaluate(promptIds as Token[], { temperature: 0, grammarEvaluationState: state })) {
      out.push(tok);
      if (out.length >= n) break;
    }
    return out;
  }

  async dispose(): Promise<void> {
    this.sequence?.dispose();
    await this.context?.dispose();
    await this.model.dispose();
  }
}

/** Float64 softmax of float32 logits. */
export function softmax64(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const p = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += p[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}

/** ln softmax(logits)[index], in float64. */
export function logSoftmaxAt(logits: Float32Array, index: number): number {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return logits[index] - max - Math.log(sum);
}

/** llama.cpp's pooled embeddings (node-llama-cpp's embedding context, the model's own pooling_type). */
export interface EmbeddingOracle {
  embed(ids: readonly number[]): Promise<Float64Array>;
  dispose(): Promise<void>;
}

export async function openEmbeddingOracle(modelPath: string, options: { contextSize?: number; threads?: number } = {}): Promise<EmbeddingOracle> {
  const llama = await oracleLlama();
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true, ignoreMemorySafetyChecks: true });
  } catch (e) {
    throw withLogs(e);
  }
  const contextSize = options.contextSize ?? Math.min(model.trainContextSize, 512);
  const context = await model
    .createEmbeddingContext({ contextSize, batchSize: contextSize, threads: options.threads ?? 1, ignoreMemorySafetyChecks: true })
    .catch(async (e) => {
      await model.dispose();
      throw withLogs(e);
    });
  return {
    embed: async (ids) => Float64Array.from((await context.getEmbeddingFor([...ids] as Token[])).vector),
    dispose: async () => {
      await context.dispose();
      await model.dispose();
    },
  };
}
