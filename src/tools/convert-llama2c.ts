// Converts a llama2.c legacy checkpoint plus its tokenizer.bin into an F32 GGUF (architecture "llama") that runs in
// edgellm and in llama.cpp. Tensors are streamed from the checkpoint to the output one at a time.
//
// Layout facts this relies on (checked against llama.cpp, see test/oracle-llama2c.test.ts):
// * llama2.c matrices are row-major [out, in]; ggml dims [in, out] describe the same bytes, so no transpose.
// * llama2.c's RoPE rotates adjacent pairs (2i, 2i+1) inside each head, which is ggml's "normal" rope used by the llama
//   architecture, so wq/wk are copied as they are (HF checkpoints need a permutation; llama2.c ones do not).
// * The tokenizer stores pieces with real spaces; SentencePiece vocabularies in GGUF use U+2581 for spaces (llama.cpp
//   escapes spaces before the lookup), so spaces are stored as U+2581.
import { open, rename, unlink } from "node:fs/promises";
import { basename, extname } from "node:path";
import { EdgeError } from "../errors.js";
import { GgufValueType } from "../format/gguf-types.js";
import { GgufWriter, type ChunkSink } from "../format/gguf-writer.js";
import {
  LLAMA2C_BOS_ID,
  LLAMA2C_EOS_ID,
  LLAMA2C_RMS_EPS,
  LLAMA2C_UNK_ID,
  llama2cSpan,
  readLlama2cCheckpoint,
  readLlama2cTokenizer,
  type Llama2cArrayName,
  type Llama2cCheckpoint,
  type Llama2cConfig,
  type Llama2cVocab,
} from "../format/llama2c.js";
import type { ByteSource } from "../io/byte-source.js";
import { FileSource } from "../io/file-source.js";

/** llama.cpp token types (llama_token_type). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

const GGML_TYPE_F32 = 0;
/** LLAMA_FTYPE_ALL_F32. */
const FILE_TYPE_ALL_F32 = 0;
const ROPE_FREQ_BASE = 10000;
const SPM_SPACE = "\u2581";
/** Largest piece copied from the checkpoint per write, so huge embeddings are not held whole. */
const COPY_CHUNK_BYTES = 16 << 20;

export interface GgufVocab {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
}

/**
 * Maps a llama2.c vocabulary to GGUF SPM entries, as llama.cpp's own llama2.c converter does: ids 0/1/2 become
 * `<unk>` (unknown) / `<s>` / `</s>` (control), `<0xHH>` pieces are byte tokens, empty pieces control, others normal
 * with spaces stored as U+2581.
 */
export function llama2cVocabToGguf(vocab: Llama2cVocab, sourceName = "tokenizer"): GgufVocab {
  const n = vocab.tokens.length;
  const tokens: string[] = new Array(n);
  const types = new Int32Array(n);
  // ignoreBOM keeps a leading U+FEFF: Llama-2 has a token that is exactly the BOM.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  for (let id = 0; id < n; id++) {
    let text: string;
    try {
      text = decoder.decode(vocab.tokens[id]);
    } catch {
      const hex = [...vocab.tokens[id]].map((b) => b.toString(16).padStart(2, "0")).join(" ");
      throw new EdgeError("llama2c_bad_file", `${sourceName}: token ${id} is not valid UTF-8 (bytes ${hex})`);
    }
    if (id === LLAMA2C_UNK_ID) {
      tokens[id] = "<unk>";
      types[id] = TokenType.UNKNOWN;
    } else if (id === LLAMA2C_BOS_ID) {
      tokens[id] = "<s>";
      types[id] = TokenType.CONTROL;
    } else if (id === LLAMA2C_EOS_ID) {
      tokens[id] = "</s>";
      types[id] = TokenType.CONTROL;
    } else if (text.length === 0) {
      tokens[id] = text;
      types[id] = TokenType.CONTROL;
    } else if (/^<0x[0-9A-F]{2}>$/.test(text)) {
      tokens[id] = text;
      types[id] = TokenType.BYTE;
    } else {
      tokens[id] = text.replaceAll(" ", SPM_SPACE);
      types[id] = TokenType.NORMAL;
    }
  }
  return { tokens, scores: Float32Array.from(vocab.scores), types };
}

/** Writes the tokenizer entries llama.cpp's SPM ("llama") tokenizer reads. */
export function setLlama2cTokenizerMetadata(writer: GgufWriter, vocab: GgufVocab): void {
  writer.setString("tokenizer.ggml.model", "llama");
  writer.setArray("tokenizer.ggml.tokens", GgufValueType.STRING, vocab.tokens);
  writer.setArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, vocab.scores);
  writer.setArray("tokenizer.ggml.token_type", GgufValueType.INT32, vocab.types);
  writer.setU32("tokenizer.ggml.bos_token_id", LLAMA2C_BOS_ID);
  writer.setU32("tokenizer.ggml.eos_token_id", LLAMA2C_EOS_ID);
  writer.setU32("tokenizer.ggml.unknown_token_id", LLAMA2C_UNK_ID);
  // llama2.c's encoder always prepends BOS and the dummy-prefix space, never EOS.
  writer.setBool("tokenizer.ggml.add_bos_token", true);
  writer.setBool("tokenizer.ggml.add_eos_token", false);
  writer.setBool("tokenizer.ggml.add_space_prefix", true);
}

/** A tensor whose bytes are a contiguous float32 region of the checkpoint, copied in chunks when written. */
function spanData(source: ByteSource, offset: number, byteLength: number): { write(sink: ChunkSink): Promise<void> } {
  return {
    async write(sink: ChunkSink): Promise<void> {
      for (let done = 0; done < byteLength; done += COPY_CHUNK_BYTES) {
        const n = Math.min(COPY_CHUNK_BYTES, byteLength - done);
        await sink(source.readInto(offset + done, n, new Uint8Array(n)));
      }
    },
  };
}

/**
 * Builds the GGUF writer for a parsed checkpoint (metadata set, tensors queued with lazy data from `source`).
 * `name` goes to general.name.
 */
export function llama2cGgufWriter(checkpoint: Llama2cCheckpoint, source: ByteSource, vocab: GgufVocab, name: string): GgufWriter {
  const c: Llama2cConfig = checkpoint.config;
  if (vocab.tokens.length !== c.vocabSize) {
    throw new EdgeError("llama2c_bad_file", `tokenizer has ${vocab.tokens.length} tokens, checkpoint vocab_size is ${c.vocabSize}`);
  }
  const w = new GgufWriter();
  w.setString("general.architecture", "llama");
  w.setString("general.name", name);
  w.setU32("general.file_type", FILE_TYPE_ALL_F32);
  w.setU32("llama.vocab_size", c.vocabSize);
  w.setU32("llama.context_length", c.seqLen);
  w.setU32("llama.embedding_length", c.dim);
  w.setU32("llama.block_count", c.nLayers);
  w.setU32("llama.feed_forward_length", c.hiddenDim);
  w.setU32("llama.attention.head_count", c.nHeads);
  w.setU32("llama.attention.head_count_kv", c.nKvHeads);
  w.setU32("llama.rope.dimension_count", c.headSize);
  w.setF32("llama.attention.layer_norm_rms_epsilon", LLAMA2C_RMS_EPS);
  w.setF32("llama.rope.freq_base", ROPE_FREQ_BASE);
  setLlama2cTokenizerMetadata(w, vocab);

  const add = (tensorName: string, array: Llama2cArrayName, layer?: number): void => {
    const span = llama2cSpan(checkpoint, array, layer);
    // Row-major [out, in] (or [n]) is ggml [in, out] (or [n]): reverse the shape, keep the bytes.
    const dims = [...span.shape].reverse();
    w.addTensor({ name: tensorName, type: GGML_TYPE_F32, dims, data: spanData(source, span.offset, span.count * 4) });
  };
  add("token_embd.weight", "token_embedding");
  for (let l = 0; l < c.nLayers; l++) {
    add(`blk.${l}.attn_norm.weight`, "rms_att", l);
    add(`blk.${l}.attn_q.weight`, "wq", l);
    add(`blk.${l}.attn_k.weight`, "wk", l);
    add(`blk.${l}.attn_v.weight`, "wv", l);
    add(`blk.${l}.attn_output.weight`, "wo", l);
    add(`blk.${l}.ffn_norm.weight`, "rms_ffn", l);
    add(`blk.${l}.ffn_gate.weight`, "w1", l);
    add(`blk.${l}.ffn_down.weight`, "w2", l);
    add(`blk.${l}.ffn_up.weight`, "w3", l);
  }
  add("output_norm.weight", "rms_final");
  // With a shared classifier llama.cpp (and edgellm) reuse token_embd.weight when output.weight is absent.
  if (!c.sharedClassifier) add("output.weight", "wcls");
  return w;
}

export interface ConvertLlama2cOptions {
  /** general.name; default: the checkpoint's file name without extension. */
  name?: string;
}

export interface ConvertLlama2cResult {
  config: Llama2cConfig;
  tensorCount: number;
  bytesWritten: number;
}

/**
 * Converts `modelPath` (legacy llama2.c checkpoint) + `tokenizerPath` (tokenizer.bin) to a GGUF at `outPath`.
 * Writes to a temporary file beside the output and renames it at the end, so a failure leaves no partial file.
 */
export async function convertLlama2c(
  modelPath: string,
  tokenizerPath: string,
  outPath: string,
  options: ConvertLlama2cOptions = {},
): Promise<ConvertLlama2cResult> {
  const model = new FileSource(modelPath);
  try {
    const checkpoint = readLlama2cCheckpoint(model);
    const tokenizerSource = new FileSource(tokenizerPath);
    let vocab: GgufVocab;
    try {
      vocab = llama2cVocabToGguf(readLlama2cTokenizer(tokenizerSource, checkpoint.config.vocabSize), tokenizerPath);
    } finally {
      tokenizerSource.close();
    }
    const name = options.name ?? basename(modelPath, extname(modelPath));
    const writer = llama2cGgufWriter(checkpoint, model, vocab, name);
    const tmpPath = `${outPath}.tmp-${process.pid}`;
    let bytesWritten: number;
    const out = await openForWrite(tmpPath);
    try {
      bytesWritten = await writer.write(async (chunk) => {
        let done = 0;
        while (done < chunk.length) {
          const { bytesWritten: n } = await out.write(chunk, done, chunk.length - done);
          done += n;
        }
      });
      await out.close();
      await rename(tmpPath, outPath);
    } catch (e) {
      await out.close().catch(() => undefined);
      await unlink(tmpPath).catch(() => undefined);
      if (e instanceof EdgeError) throw e;
      throw new EdgeError("io_error", `${outPath}: write failed (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const c = checkpoint.config;
    return { config: c, tensorCount: 2 + 9 * c.nLayers + (c.sharedClassifier ? 0 : 1), bytesWritten };
  } finally {
    model.close();
  }
}

async function openForWrite(path: string): ReturnType<typeof open> {
  try {
    return await open(path, "w");
  } catch (e) {
    throw new EdgeError("io_error", `${path}: cannot create (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
