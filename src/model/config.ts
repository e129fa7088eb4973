// Hyperparameters of a decoder-only transformer, read from GGUF metadata (`<arch>.*` keys, as llama.cpp names them).
import { EdgeError } from "../errors.js";
import type { GgufFile } from "../format/gguf-types.js";
import { getNumber, getString, hasKey } from "../format/gguf-meta.js";
import { GgufValueType, type GgufArray } from "../format/gguf-types.js";

export interface ModelConfig {
  architecture: string;
  name: string;
  contextLength: number;
  dim: number;
  nLayers: number;
  ffnDim: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  vocabSize: number;
  normEps: number;
  ropeDim: number;
  ropeFreqBase: number;
  /** 1 / linear scaling factor (ggml's freq_scale). */
  ropeFreqScale: number;
}

/** Reads the common hyperparameters; `normEpsKey` differs between RMSNorm and LayerNorm architectures. */
export function readConfig(file: GgufFile, normEpsKey: "layer_norm_rms_epsilon" | "layer_norm_epsilon"): ModelConfig {
  const arch = getString(file, "general.architecture");
  const key = (k: string) => `${arch}.${k}`;
  const dim = getNumber(file, key("embedding_length"));
  const nHeads = getNumber(file, key("attention.head_count"));
  const nKvHeads = getNumber(file, key("attention.head_count_kv"), nHeads);
  const headDim = getNumber(file, key("attention.key_length"), Math.floor(dim / Math.max(nHeads, 1)));
  const valueDim = getNumber(file, key("attention.value_length"), headDim);
  const tokens = file.metadata.get("tokenizer.ggml.tokens");
  const vocabFromTokens = tokens && typeof tokens.value === "object" ? tokens.value.items.length : 0;
  const cfg: ModelConfig = {
    architecture: arch,
    name: getString(file, "general.name", arch),
    contextLength: getNumber(file, key("context_length"), 2048),
    dim,
    nLayers: getNumber(file, key("block_count")),
    ffnDim: getNumber(file, key("feed_forward_length")),
    nHeads,
    nKvHeads,
    headDim,
    vocabSize: getNumber(file, key("vocab_size"), vocabFromTokens),
    normEps: getNumber(file, key(`attention.${normEpsKey}`), 1e-5),
    ropeDim: getNumber(file, key("rope.dimension_count"), headDim),
    ropeFreqBase: getNumber(file, key("rope.freq_base"), 10000),
    ropeFreqScale: 1,
  };
  const scalingType = getString(file, key("rope.scaling.type"), "none");
  const factor = getNumber(file, key("rope.scaling.factor"), 0);
  if (scalingType === "linear" && factor > 0) cfg.ropeFreqScale = 1 / factor;
  else if (scalingType === "yarn") {
    throw new EdgeError("unsupported_architecture", `${arch}: rope scaling "yarn" is not supported yet`);
  }
  const bad = (what: string) => new EdgeError("missing_metadata", `${arch}: invalid hyperparameter ${what}`);
  if (!(dim > 0) || !(cfg.nLayers > 0) || !(cfg.ffnDim > 0)) throw bad("(embedding_length/block_count/feed_forward_length)");
  if (!(nHeads > 0) || !(nKvHeads > 0) || nHeads % nKvHeads !== 0) throw bad(`head counts ${nHeads}/${nKvHeads}`);
  if (valueDim !== headDim) throw bad(`value_length ${valueDim} != key_length ${headDim}`);
  if (!(cfg.ropeDim > 0) || cfg.ropeDim > headDim || cfg.ropeDim % 2) throw bad(`rope.dimension_count ${cfg.ropeDim}`);
  if (!(cfg.vocabSize > 0)) throw bad("vocab size");
  if (!(cfg.contextLength > 0)) throw bad("context_length");
  return cfg;
}

/**
 * Which layers use the sliding window (llama.cpp's `<arch>.attention.sliding_window_pattern`): a bool per layer, or
 * a period n where every layer but each n-th (il % n < n − 1) slides; `defaultPattern` when the key is absent.
 */
export function readSlidingLayers(file: GgufFile, c: ModelConfig, defaultPattern: number): boolean[] {
  const key = `${c.architecture}.attention.sliding_window_pattern`;
  const kv = file.metadata.get(key);
  if (kv && kv.type === GgufValueType.ARRAY) {
    const a = kv.value as GgufArray;
    if (a.itemType !== GgufValueType.BOOL || a.items.length < c.nLayers) {
      throw new EdgeError("bad_metadata", `${c.architecture}: ${key} must hold a bool for each of the ${c.nLayers} layers`);
    }
    return Array.from(a.items as unknown as ArrayLike<number | boolean>, Boolean).slice(0, c.nLayers);
  }
  const n = hasKey(file, key) ? getNumber(file, key) : defaultPattern;
  if (!Number.isInteger(n) || n < 0) throw new EdgeError("bad_metadata", `${c.architecture}: invalid ${key} ${n}`);
  return Array.from({ length: c.nLayers }, (_, il) => n === 0 || il % n < n - 1);
}

/** A sliding-window size from metadata (`<arch>.attention.sliding_window`), which must be a positive integer. */
export function readSlidingWindow(file: GgufFile, c: ModelConfig, def: number): number {
  const key = `${c.architecture}.attention.sliding_window`;
  const n = getNumber(file, key, def);
  if (!Number.isInteger(n) || n <= 0) throw new EdgeError("bad_metadata", `${c.architecture}: ${key} must be a positive integer, found ${n}`);
  return n;
}

/** 1/√x rounded as llama.cpp computes it in float (1.0f / sqrtf(x)). */
export function invSqrtF32(x: number): number {
  return Math.fround(1 / Math.fround(Math.sqrt(x)));
}
