// What the benchmark needs to know about a model file before running it: size, weight bytes read per token, the
// deterministic prompt (token ids valid for every backend), and the memory-bandwidth roofline.
import { EdgeError } from "../errors.js";
import { getI32Array, getNumber, getString } from "../format/gguf-meta.js";
import type { GgufFile } from "../format/gguf-types.js";
import { FastRng } from "../tools/synth.js";

const MIB = 2 ** 20;

export interface ModelFacts {
  architecture: string;
  fileBytes: number;
  /** Bytes of weights a decode step reads (see weightBytesPerToken). */
  bytesPerToken: number;
  vocabSize: number;
  contextLength: number;
  /** Tied embeddings: the token embedding doubles as the output matrix. */
  tied: boolean;
}

/** Tensors from which a token reads only its own row(s): lookup tables, not matrices multiplied in full. */
const LOOKUP_TABLES = new Set(["token_embd.weight", "position_embd.weight"]);

/**
 * Weight bytes one decode step reads: every tensor in full except the lookup tables (token and position embeddings,
 * of which one row per token is read), plus the token embedding again when there is no separate `output.weight`,
 * because tied models multiply by the whole embedding table as the LM head. KV-cache reads and activations are not
 * counted (small next to the weights at the short contexts benchmarked).
 */
export function weightBytesPerToken(file: GgufFile): number {
  let bytes = 0;
  let embd = 0;
  let hasOutput = false;
  for (const t of file.tensors) {
    if (t.name === "output.weight") hasOutput = true;
    if (t.name === "token_embd.weight") embd = t.byteSize;
    if (!LOOKUP_TABLES.has(t.name)) bytes += t.byteSize;
  }
  return hasOutput ? bytes : bytes + embd;
}

export function modelFacts(file: GgufFile): ModelFacts {
  const arch = getString(file, "general.architecture");
  const tokens = file.metadata.get("tokenizer.ggml.tokens");
  const fromTokens = tokens && typeof tokens.value === "object" ? tokens.value.items.length : 0;
  const vocabSize = getNumber(file, `${arch}.vocab_size`, fromTokens);
  return {
    architecture: arch,
    fileBytes: file.fileSize,
    bytesPerToken: weightBytesPerToken(file),
    vocabSize,
    contextLength: getNumber(file, `${arch}.context_length`, 2048),
    tied: !file.tensors.some((t) => t.name === "output.weight"),
  };
}

export function toMiB(bytes: number): number {
  return bytes / MIB;
}

/** GGUF token type of ordinary text pieces (1); control, unknown, user-defined, unused and byte tokens are others. */
const NORMAL_TOKEN = 1;

/**
 * `n` token ids drawn with a fixed seed from the ordinary tokens of the vocabulary (no BOS/EOS/control tokens, so no
 * backend treats them specially). The same file and seed always give the same ids, and every backend gets them.
 */
export function benchPromptIds(file: GgufFile, n: number, seed = 0x5eed): number[] {
  const facts = modelFacts(file);
  const types = getI32Array(file, "tokenizer.ggml.token_type", null);
  const limit = Math.min(facts.vocabSize, types?.length ?? facts.vocabSize);
  const candidates: number[] = [];
  for (let id = 0; id < limit; id++) if (!types || types[id] === NORMAL_TOKEN) candidates.push(id);
  if (candidates.length === 0) throw new EdgeError("bad_argument", `${file.name ?? "model"}: the vocabulary has no ordinary tokens to build a prompt from`);
  const rng = new FastRng(seed);
  const ids = new Array<number>(n);
  for (let i = 0; i < n; i++) ids[i] = candidates[Math.floor(rng.uniform() * candidates.length)];
  return ids;
}

/** Default memory bandwidth of the reference machine (PERFORMANCE-NOTES.md): ~10 GB/s one thread, ~19 GB/s two. */
export function defaultBandwidthGbs(threads: number): number {
  return threads >= 2 ? 19 : 10;
}

/** Decode tok/s as a fraction of bandwidth ÷ bytes per token (GB = 10⁹ bytes). */
export function rooflineFraction(decodeTokS: number, bytesPerToken: number, bandwidthGbs: number): number {
  return (decodeTokS * bytesPerToken) / (bandwidthGbs * 1e9);
}
