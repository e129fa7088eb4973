// Test helper: a tiny llama-architecture GGUF built from scratch with GgufWriter, whose greedy next token is known.
// With zero attention/FFN weights the residual stream is the token's embedding, so with tied output weights the
// logits are E·rmsnorm(E[last]); embeddings are scaled unit vectors, so the winner is predictable by hand.
import { GgufValueType as T } from "./gguf-types.js";
import { GgufWriter } from "./gguf-writer.js";

export const TINY_EMBD = 32;
const N_FF = 64;

/** SPM vocabulary: specials, the 256 byte tokens, then pieces that merge "▁hello" step by step. */
export const TINY_PIECES = ["▁", "h", "e", "l", "o", "▁h", "▁he", "▁hel", "▁hell", "▁hello", "w", "▁w"];

export function tinyVocab(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [2, 3, 3]; // unknown, control, control
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6); // byte
  }
  for (const p of TINY_PIECES) {
    tokens.push(p);
    types.push(1); // normal
  }
  // Longer pieces score higher, so SPM merging keeps going until "▁hello".
  const scores = tokens.map((t, i) => (types[i] === 1 ? t.length : 0));
  return { tokens, scores, types };
}

/** The token that llama.cpp should predict after `last`, computed from the embedding design below. */
export function expectedNextToken(last: number, nVocab: number): number {
  let best = last;
  for (let j = 0; j < nVocab; j++) if (j % TINY_EMBD === last % TINY_EMBD && j > best) best = j;
  return best;
}

function f16Bits(x: number): number {
  // Exact for the values used here (1 + i/256 with i < 512, and 0).
  if (x === 0) return 0;
  const e = Math.floor(Math.log2(x));
  const m = Math.round((x / 2 ** e - 1) * 1024);
  return ((e + 15) << 10) | m;
}

function f32Bytes(values: number[] | Float32Array): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function tinyLlamaWriter(): { writer: GgufWriter; nVocab: number } {
  const { tokens, scores, types } = tinyVocab();
  const nVocab = tokens.length;
  const w = new GgufWriter({ alignment: 64 });
  w.setString("general.architecture", "llama").setString("general.name", "edgellm tiny test model");
  w.setU32("llama.context_length", 64).setU32("llama.embedding_length", TINY_EMBD).setU32("llama.block_count", 1);
  w.setU32("llama.feed_forward_length", N_FF).setU32("llama.attention.head_count", 2).setU32("llama.attention.head_count_kv", 2);
  w.setF32("llama.attention.layer_norm_rms_epsilon", 1e-5).setU32("llama.rope.dimension_count", TINY_EMBD / 2);
  w.setU32("llama.vocab_size", nVocab);
  w.setString("tokenizer.ggml.model", "llama").setString("tokenizer.ggml.pre", "default");
  w.setArray("tokenizer.ggml.tokens", T.STRING, tokens);
  w.setArray("tokenizer.ggml.scores", T.FLOAT32, scores);
  w.setArray("tokenizer.ggml.token_type", T.INT32, types);
  w.setU32("tokenizer.ggml.bos_token_id", 1).setU32("tokenizer.ggml.eos_token_id", 2).setU32("tokenizer.ggml.unknown_token_id", 0);
  w.setBool("tokenizer.ggml.add_bos_token", false);

  const ones = f32Bytes(new Array(TINY_EMBD).fill(1));
  const zerosF32 = (n: number) => new Uint8Array(n * 4);
  const add = (name: string, type: number, dims: number[], data: Uint8Array | (() => Uint8Array)) =>
    w.addTensor({ name, type, dims, data });
  add("output_norm.weight", 0, [TINY_EMBD], ones);
  add("blk.0.attn_norm.weight", 0, [TINY_EMBD], ones);
  add("blk.0.attn_q.weight", 1, [TINY_EMBD, TINY_EMBD], new Uint8Array(TINY_EMBD * TINY_EMBD * 2)); // F16 zeros
  add("blk.0.attn_k.weight", 0, [TINY_EMBD, TINY_EMBD], zerosF32(TINY_EMBD * TINY_EMBD));
  add("blk.0.attn_v.weight", 0, [TINY_EMBD, TINY_EMBD], zerosF32(TINY_EMBD * TINY_EMBD));
  add("blk.0.attn_output.weight", 0, [TINY_EMBD, TINY_EMBD], zerosF32(TINY_EMBD * TINY_EMBD));
  add("blk.0.ffn_norm.weight", 0, [TINY_EMBD], ones);
  add("blk.0.ffn_gate.weight", 0, [TINY_EMBD, N_FF], zerosF32(TINY_EMBD * N_FF));
  add("blk.0.ffn_up.weight", 8, [TINY_EMBD, N_FF], new Uint8Array(N_FF * 34)); // Q8_0 zeros: one block per row
  add("blk.0.ffn_down.weight", 0, [N_FF, TINY_EMBD], zerosF32(TINY_EMBD * N_FF));
  // Last, so its offset depends on every padded size before it. F16 rows: token i is (1 + i/256) · e_(i mod 32).
  add("token_embd.weight", 1, [TINY_EMBD, nVocab], () => {
    const bits = new Uint16Array(TINY_EMBD * nVocab);
    for (let i = 0; i < nVocab; i++) bits[i * TINY_EMBD + (i % TINY_EMBD)] = f16Bits(1 + i / 256);
    return new Uint8Array(bits.buffer);
  });
  return { writer: w, nVocab };
}
