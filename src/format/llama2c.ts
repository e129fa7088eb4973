// Readers for karpathy/llama2.c files: the legacy (version 0) float32 checkpoint and the `tokenizer.bin` vocabulary.
//
// Checkpoint: 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len), then float32
// arrays in a fixed order, each matrix row-major [out, in]. vocab_size < 0 means a separate classifier (wcls) follows.
// Nothing is loaded here: the reader returns byte spans so converters can stream one tensor at a time.
import { EdgeError } from "../errors.js";
import type { ByteSource } from "../io/byte-source.js";

export const LLAMA2C_HEADER_BYTES = 28;
/** llama2.c's conventions: fixed special ids and RMSNorm epsilon. */
export const LLAMA2C_UNK_ID = 0;
export const LLAMA2C_BOS_ID = 1;
export const LLAMA2C_EOS_ID = 2;
export const LLAMA2C_RMS_EPS = 1e-5;
/** First int32 of the newer "version 1/2" export format ("ak42"), which this reader does not handle. */
const AK42_MAGIC = 0x616b3432;
/** Upper bound for any header dimension: far above real models, low enough that products stay exact in doubles. */
const MAX_DIM = 1 << 20;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface Llama2cConfig {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  /** abs(header vocab_size). */
  vocabSize: number;
  seqLen: number;
  /** true when the header vocab_size is positive: the classifier reuses token_embedding. */
  sharedClassifier: boolean;
  headSize: number;
  kvDim: number;
}

/** Names of the float32 arrays of a checkpoint, in file order. */
export type Llama2cArrayName =
  | "token_embedding" | "rms_att" | "wq" | "wk" | "wv" | "wo" | "rms_ffn" | "w1" | "w2" | "w3" | "rms_final"
  | "freq_cis_real" | "freq_cis_imag" | "wcls";

/** One float32 array in the checkpoint. `shape` is row-major, outermost first (e.g. [n_layers, out, in]). */
export interface Llama2cArray {
  name: Llama2cArrayName;
  shape: number[];
  /** Absolute byte offset in the file. */
  offset: number;
  /** Number of float32 values. */
  count: number;
}

/** A contiguous float32 region of the file: one whole array or one layer of a per-layer array. */
export interface Llama2cSpan {
  /** Absolute byte offset. */
  offset: number;
  /** Number of float32 values. */
  count: number;
  /** Row-major shape of this span, outermost first. */
  shape: number[];
}

export interface Llama2cCheckpoint {
  config: Llama2cConfig;
  arrays: Map<Llama2cArrayName, Llama2cArray>;
  fileSize: number;
}

function bad(source: ByteSource, message: string): never {
  throw new EdgeError("llama2c_bad_file", `${source.name}: ${message}`);
}

function readBytes(source: ByteSource, offset: number, length: number): Uint8Array {
  return source.readInto(offset, length, new Uint8Array(length));
}

/** Parses and validates the header and array layout; reads only the first 28 bytes. */
export function readLlama2cCheckpoint(source: ByteSource): Llama2cCheckpoint {
  if (source.size < LLAMA2C_HEADER_BYTES) {
    bad(source, `header needs ${LLAMA2C_HEADER_BYTES} bytes at offset 0, file has ${source.size}`);
  }
  const header = readBytes(source, 0, LLAMA2C_HEADER_BYTES);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (view.getUint32(0, true) === AK42_MAGIC) {
    bad(source, `magic "ak42" at offset 0: llama2.c version 1/2 exports are not supported, only the legacy version 0 layout`);
  }
  const field = (index: number, name: string, min: number): number => {
    const v = view.getInt32(index * 4, true);
    if (v < min || v > MAX_DIM) bad(source, `header field ${name} at offset ${index * 4} is ${v}, expected ${min}..${MAX_DIM}`);
    return v;
  };
  const dim = field(0, "dim", 1);
  const hiddenDim = field(1, "hidden_dim", 1);
  const nLayers = field(2, "n_layers", 1);
  const nHeads = field(3, "n_heads", 1);
  const nKvHeads = field(4, "n_kv_heads", 1);
  const rawVocab = view.getInt32(20, true);
  if (rawVocab === 0 || Math.abs(rawVocab) > MAX_DIM) {
    bad(source, `header field vocab_size at offset 20 is ${rawVocab}, expected a non-zero value up to ±${MAX_DIM}`);
  }
  const seqLen = field(6, "seq_len", 1);
  if (dim % nHeads !== 0) bad(source, `header field n_heads at offset 12 is ${nHeads}, which does not divide dim ${dim}`);
  const headSize = dim / nHeads;
  if (headSize % 2 !== 0) bad(source, `header field n_heads at offset 12 gives an odd head size ${headSize} (RoPE needs pairs)`);
  if (nKvHeads > nHeads || nHeads % nKvHeads !== 0) {
    bad(source, `header field n_kv_heads at offset 16 is ${nKvHeads}, which must divide n_heads ${nHeads}`);
  }
  const vocabSize = Math.abs(rawVocab);
  if (vocabSize < 3) bad(source, `header field vocab_size at offset 20 is ${rawVocab}: llama2.c needs ids 0..2 (unk, bos, eos)`);
  const config: Llama2cConfig = {
    dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen,
    sharedClassifier: rawVocab > 0, headSize, kvDim: nKvHeads * headSize,
  };

  const layout: Array<[Llama2cArrayName, number[]]> = [
    ["token_embedding", [vocabSize, dim]],
    ["rms_att", [nLayers, dim]],
    ["wq", [nLayers, dim, dim]],
    ["wk", [nLayers, config.kvDim, dim]],
    ["wv", [nLayers, config.kvDim, dim]],
    ["wo", [nLayers, dim, dim]],
    ["rms_ffn", [nLayers, dim]],
    ["w1", [nLayers, hiddenDim, dim]],
    ["w2", [nLayers, dim, hiddenDim]],
    ["w3", [nLayers, hiddenDim, dim]],
    ["rms_final", [dim]],
    ["freq_cis_real", [seqLen, headSize / 2]],
    ["freq_cis_imag", [seqLen, headSize / 2]],
  ];
  if (!config.sharedClassifier) layout.push(["wcls", [vocabSize, dim]]);

  const arrays = new Map<Llama2cArrayName, Llama2cArray>();
  let offset = LLAMA2C_HEADER_BYTES;
  for (const [name, shape] of layout) {
    const count = shape.reduce((a, b) => a * b, 1);
    const bytes = count * 4;
    if (offset + bytes > source.size) {
      bad(source, `array ${name} [${shape.join("x")}] at offset ${offset} needs ${bytes} bytes, file has ${source.size - offset} left ` +
        `(header: dim=${dim} hidden_dim=${hiddenDim} n_layers=${nLayers} vocab_size=${rawVocab} seq_len=${seqLen})`);
    }
    arrays.set(name, { name, shape, offset, count });
    offset += bytes;
  }
  if (offset !== source.size) {
    const hint = config.sharedClassifier && source.size - offset === vocabSize * dim * 4
      ? "; the size fits a separate classifier, but vocab_size is positive (shared)"
      : "";
    bad(source, `${source.size - offset} unexpected trailing bytes at offset ${offset} after the last array${hint}`);
  }
  return { config, arrays, fileSize: source.size };
}

/** The whole array, or layer `layer` of a per-layer array (shape without the leading n_layers). */
export function llama2cSpan(checkpoint: Llama2cCheckpoint, name: Llama2cArrayName, layer?: number): Llama2cSpan {
  const array = checkpoint.arrays.get(name);
  if (!array) throw new EdgeError("bad_argument", `llama2.c checkpoint has no array ${name}`);
  if (layer === undefined) return { offset: array.offset, count: array.count, shape: array.shape };
  const perLayer = ["rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3"].includes(name);
  if (!perLayer || !Number.isInteger(layer) || layer < 0 || layer >= checkpoint.config.nLayers) {
    throw new EdgeError("bad_argument", `llama2.c array ${name} has no layer ${layer}`);
  }
  const shape = array.shape.slice(1);
  const count = array.count / checkpoint.config.nLayers;
  return { offset: array.offset + layer * count * 4, count, shape };
}

/** Reads a span's float32 values (little-endian on disk; converted if the host is big-endian). */
export function readLlama2cFloats(source: ByteSource, span: Llama2cSpan): Float32Array {
  const bytes = readBytes(source, span.offset, span.count * 4);
  if (LITTLE_ENDIAN_HOST) return new Float32Array(bytes.buffer, 0, span.count);
  const out = new Float32Array(span.count);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < span.count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export interface Llama2cVocab {
  maxTokenLength: number;
  /** Raw token bytes as stored (spaces are real spaces; ids 1/2 are "\n<s>\n" / "\n</s>\n" in llama2.c exports). */
  tokens: Uint8Array[];
  scores: Float32Array;
}

/**
 * Parses a llama2.c `tokenizer.bin`. The file does not store the token count: pass the checkpoint's vocab size
 * (then exactly that many entries must fill the file), or omit it to read entries until the end of the file.
 */
export function readLlama2cTokenizer(source: ByteSource, expectedVocabSize?: number): Llama2cVocab {
  if (source.size < 4) bad(source, `tokenizer header needs 4 bytes at offset 0, file has ${source.size}`);
  // Files are small (tokenizer.bin for 32k tokens is 424 KiB), so one read.
  const bytes = readBytes(source, 0, source.size);
  const view = new DataView(bytes.buffer);
  const maxTokenLength = view.getInt32(0, true);
  if (maxTokenLength < 1 || maxTokenLength > 65536) {
    bad(source, `tokenizer field max_token_length at offset 0 is ${maxTokenLength}, expected 1..65536`);
  }
  const tokens: Uint8Array[] = [];
  const scores: number[] = [];
  let offset = 4;
  while (expectedVocabSize === undefined ? offset < bytes.length : tokens.length < expectedVocabSize) {
    const id = tokens.length;
    if (offset + 8 > bytes.length) {
      bad(source, `token ${id} entry at offset ${offset} needs 8 header bytes, file has ${bytes.length - offset} left` +
        (expectedVocabSize === undefined ? "" : ` (expected ${expectedVocabSize} tokens)`));
    }
    const score = view.getFloat32(offset, true);
    const len = view.getInt32(offset + 4, true);
    if (!Number.isFinite(score)) bad(source, `token ${id} score at offset ${offset} is ${score}`);
    if (len < 0 || len > maxTokenLength) {
      bad(source, `token ${id} length at offset ${offset + 4} is ${len}, expected 0..max_token_length ${maxTokenLength}`);
    }
    if (offset + 8 + len > bytes.length) {
      bad(source, `token ${id} text at offset ${offset + 8} needs ${len} bytes, file has ${bytes.length - offset - 8} left`);
    }
    tokens.push(bytes.slice(offset + 8, offset + 8 + len));
    scores.push(score);
    offset += 8 + len;
  }
  if (offset !== bytes.length) {
    bad(source, `${bytes.length - offset} unexpected trailing bytes at offset ${offset} after ${tokens.length} tokens`);
  }
  if (tokens.length === 0) bad(source, `tokenizer has no tokens`);
  return { maxTokenLength, tokens, scores: Float32Array.from(scores) };
}
