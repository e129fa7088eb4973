// A Hugging Face model directory written from a GGUF file (the inverse of edgellm convert hf), for its tests:
// config.json, safetensors (one file, or shards with an index), tokenizer.json and tokenizer_config.json. Matrices
// go back to PyTorch's layouts: llama q/k rows to the rotate-half order, GPT-2's Conv1D weights transposed.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readGgufHeader } from "../../src/engine.js";
import { FileSource } from "../../src/io/file-source.js";
import { dequantize, tensorBytes } from "../../src/tensor/types.js";
import { writeSentencePieceModel, type PieceType } from "../../src/format/sentencepiece.js";

type Meta = ReturnType<typeof readGgufHeader>["metadata"];
const val = (m: Meta, k: string) => m.get(k)?.value as number | string | undefined;

/** Safetensors bytes of F32 tensors (name → [shape, data]). */
export function safetensorsBytes(tensors: [string, number[], Float32Array][]): Uint8Array {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [name, shape, data] of tensors) {
    header[name] = { dtype: "F32", shape, data_offsets: [off, off + data.byteLength] };
    off += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const [, , data] of tensors) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), p);
    p += data.byteLength;
  }
  return out;
}

function hfName(arch: string, name: string): string {
  if (arch === "gpt2") {
    const fixed: Record<string, string> = { "token_embd.weight": "transformer.wte.weight", "position_embd.weight": "transformer.wpe.weight", "output_norm.weight": "transformer.ln_f.weight", "output_norm.bias": "transformer.ln_f.bias" };
    if (fixed[name]) return fixed[name]!;
    const m = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/.exec(name)!;
    const part: Record<string, string> = { attn_norm: "ln_1", attn_qkv: "attn.c_attn", attn_output: "attn.c_proj", ffn_norm: "ln_2", ffn_up: "mlp.c_fc", ffn_down: "mlp.c_proj" };
    return `transformer.h.${m[1]}.${part[m[2]!]}.${m[3]}`;
  }
  const phi = arch === "phi2";
  const fixed: Record<string, string> = {
    "token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": phi ? "model.final_layernorm.weight" : "model.norm.weight",
    "output_norm.bias": "model.final_layernorm.bias", "output.weight": "lm_head.weight", "output.bias": "lm_head.bias",
  };
  if (fixed[name]) return fixed[name]!;
  const m = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/.exec(name)!;
  if (phi && ["attn_output", "ffn_up", "ffn_down"].includes(m[2]!)) {
    return `model.layers.${m[1]}.${{ attn_output: "self_attn.dense", ffn_up: "mlp.fc1", ffn_down: "mlp.fc2" }[m[2]!]}.${m[3]}`;
  }
  const part: Record<string, string> = {
    attn_norm: "input_layernorm", ffn_norm: "post_attention_layernorm", attn_q: "self_attn.q_proj", attn_k: "self_attn.k_proj",
    attn_v: "self_attn.v_proj", attn_output: "self_attn.o_proj", ffn_gate: "mlp.gate_proj", ffn_up: "mlp.up_proj", ffn_down: "mlp.down_proj",
    attn_q_norm: "self_attn.q_norm", attn_k_norm: "self_attn.k_norm",
  };
  return `model.layers.${m[1]}.${part[m[2]!]}.${m[3]}`;
}

/** Every tensor of a GGUF file, dequantized to f32, in file order (the test models are small). */
function tensorsF32(gguf: string, file: ReturnType<typeof readGgufHeader>): { t: ReturnType<typeof readGgufHeader>["tensors"][number]; v: Float32Array }[] {
  const src = new FileSource(gguf);
  try {
    return file.tensors.map((t) => {
      const n = t.dims.reduce((a, b) => a * b, 1);
      const bytes = tensorBytes(t.type, n);
      return { t, v: dequantize(t.type, src.readInto(t.fileOffset, bytes, new Uint8Array(bytes)), n) };
    });
  } finally {
    src.close();
  }
}

/** Write `dir` from the GGUF at `gguf`; `shards` > 1 splits the tensors over that many files with an index. */
export function writeHfDir(gguf: string, dir: string, shards = 1): void {
  mkdirSync(dir, { recursive: true });
  const file = readGgufHeader(gguf);
  const m = file.metadata;
  const arch = String(val(m, "general.architecture"));
  const heads = Number(val(m, `${arch}.attention.head_count`));
  const kvHeads = Number(val(m, `${arch}.attention.head_count_kv`) ?? heads);
  const tensors: [string, number[], Float32Array][] = [];
  for (let { t, v } of tensorsF32(gguf, file)) {
    if (t.name === "rope_freqs.weight") continue;
    let shape = [...t.dims].reverse();
    if ((arch === "llama" || arch === "smollm3") && /attn_[qk]\.weight$/.test(t.name)) v = unpermute(v, shape[0]!, shape[1]!, t.name.includes("attn_q") ? heads : kvHeads);
    if (arch === "gpt2" && t.dims.length === 2 && /(attn_qkv|attn_output|ffn_up|ffn_down)\.weight$/.test(t.name)) {
      v = transpose(v, shape[0]!, shape[1]!);
      shape = [shape[1]!, shape[0]!];
    }
    tensors.push([hfName(arch, t.name), shape, v]);
  }
  const per = Math.ceil(tensors.length / shards);
  if (shards === 1) writeFileSync(join(dir, "model.safetensors"), safetensorsBytes(tensors));
  else {
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < shards; s++) {
      const part = tensors.slice(s * per, (s + 1) * per);
      const name = `model-${String(s + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.safetensors`;
      writeFileSync(join(dir, name), safetensorsBytes(part));
      for (const [t] of part) weightMap[t] = name;
    }
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  }
  const tokens = m.get("tokenizer.ggml.tokens")!.value as { items: string[] };
  const types = m.get("tokenizer.ggml.token_type")?.value as { items: Int32Array } | undefined;
  const merges = m.get("tokenizer.ggml.merges")!.value as { items: string[] };
  const vocab: Record<string, number> = {};
  tokens.items.forEach((t, i) => (vocab[t] = i));
  const added = tokens.items.flatMap((t, i) => (types && types.items[i] === 3 ? [{ id: i, content: t, special: true }] : []));
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify({
    added_tokens: added, pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, use_regex: true }, decoder: { type: "ByteLevel" },
    model: { type: "BPE", vocab, merges: merges.items },
  }));
  const eos = tokens.items[Number(val(m, "tokenizer.ggml.eos_token_id"))];
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ bos_token: eos, eos_token: eos, add_bos_token: false }));
  const n = (k: string) => Number(val(m, `${arch}.${k}`));
  const hasOutput = file.tensors.some((t) => t.name === "output.weight");
  const config = arch === "phi2"
    ? {
      architectures: ["PhiForCausalLM"], hidden_size: n("embedding_length"), num_attention_heads: heads, num_hidden_layers: n("block_count"),
      intermediate_size: n("feed_forward_length"), max_position_embeddings: n("context_length"), layer_norm_eps: n("attention.layer_norm_epsilon"),
      partial_rotary_factor: (n("rope.dimension_count") * heads) / n("embedding_length"), rope_theta: n("rope.freq_base"),
      vocab_size: tokens.items.length, tie_word_embeddings: false,
    }
    : arch === "gpt2"
    ? { architectures: ["GPT2LMHeadModel"], n_embd: n("embedding_length"), n_head: heads, n_layer: n("block_count"), n_ctx: n("context_length"), n_positions: n("context_length"), layer_norm_epsilon: n("attention.layer_norm_epsilon"), vocab_size: tokens.items.length }
    : {
      architectures: [{ llama: "LlamaForCausalLM", qwen2: "Qwen2ForCausalLM", qwen3: "Qwen3ForCausalLM", smollm3: "SmolLM3ForCausalLM" }[arch]],
      ...(m.has(`${arch}.attention.key_length`) ? { head_dim: n("attention.key_length") } : {}),
      hidden_size: n("embedding_length"), num_attention_heads: heads,
      num_key_value_heads: kvHeads, num_hidden_layers: n("block_count"), intermediate_size: n("feed_forward_length"),
      max_position_embeddings: n("context_length"), rope_theta: n("rope.freq_base"), rms_norm_eps: n("attention.layer_norm_rms_epsilon"),
      vocab_size: tokens.items.length, tie_word_embeddings: !hasOutput,
    };
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, _name_or_path: `test/${arch}` }));
}

function unpermute(w: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const hd = rows / heads;
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h++) for (let j = 0; j < hd / 2; j++) for (let s = 0; s < 2; s++) {
    const gg = h * hd + 2 * j + s, hf = h * hd + s * (hd / 2) + j;
    out.set(w.subarray(gg * cols, (gg + 1) * cols), hf * cols);
  }
  return out;
}

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}

const BERT_NAMES: Record<string, string> = {
  "token_embd.weight": "embeddings.word_embeddings.weight", "position_embd.weight": "embeddings.position_embeddings.weight",
  "token_types.weight": "embeddings.token_type_embeddings.weight", "token_embd_norm.weight": "embeddings.LayerNorm.weight",
  "token_embd_norm.bias": "embeddings.LayerNorm.bias",
};
const BERT_PARTS: Record<string, string> = {
  attn_q: "attention.self.query", attn_k: "attention.self.key", attn_v: "attention.self.value", attn_output: "attention.output.dense",
  attn_output_norm: "attention.output.LayerNorm", ffn_up: "intermediate.dense", ffn_down: "output.dense", layer_output_norm: "output.LayerNorm",
};

/**
 * A sentence-transformers BERT directory from a `bert` GGUF: Hugging Face names (with the "bert." prefix of
 * BertForMaskedLM checkpoints), a WordPiece tokenizer.json ("▁x" back to "x", continuations to "##x"), and a
 * Pooling module saying the file's pooling_type.
 */
export function writeBertHfDir(gguf: string, dir: string): void {
  mkdirSync(join(dir, "1_Pooling"), { recursive: true });
  const file = readGgufHeader(gguf);
  const m = file.metadata;
  const tensors = tensorsF32(gguf, file).map(({ t, v }): [string, number[], Float32Array] => {
    const layer = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/.exec(t.name);
    const hf = layer ? `encoder.layer.${layer[1]}.${BERT_PARTS[layer[2]!]}.${layer[3]}` : BERT_NAMES[t.name]!;
    return [`bert.${hf}`, [...t.dims].reverse(), v];
  });
  tensors.push(["bert.pooler.dense.bias", [Number(val(m, "bert.embedding_length"))], new Float32Array(Number(val(m, "bert.embedding_length")))]);
  writeFileSync(join(dir, "model.safetensors"), safetensorsBytes(tensors));
  const tokens = (m.get("tokenizer.ggml.tokens")!.value as { items: string[] }).items;
  const types = (m.get("tokenizer.ggml.token_type")!.value as { items: Int32Array }).items;
  const vocab: Record<string, number> = {};
  const added: { id: number; content: string; special: boolean }[] = [];
  tokens.forEach((t, i) => {
    if (types[i] === 3 || types[i] === 2) {
      vocab[t] = i;
      added.push({ id: i, content: t, special: true });
    } else vocab[t.startsWith("\u2581") ? t.slice(1) : "##" + t] = i;
  });
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify({
    added_tokens: added, normalizer: { type: "BertNormalizer", lowercase: true, strip_accents: null, clean_text: true, handle_chinese_chars: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", vocab },
  }));
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ cls_token: "[CLS]", sep_token: "[SEP]", unk_token: "[UNK]", pad_token: "[PAD]", mask_token: "[MASK]" }));
  const n = (k: string) => Number(val(m, `bert.${k}`));
  writeFileSync(join(dir, "config.json"), JSON.stringify({
    architectures: ["BertForMaskedLM"], hidden_size: n("embedding_length"), num_hidden_layers: n("block_count"),
    num_attention_heads: n("attention.head_count"), intermediate_size: n("feed_forward_length"), max_position_embeddings: n("context_length"),
    layer_norm_eps: n("attention.layer_norm_epsilon"), type_vocab_size: 2, vocab_size: tokens.length,
  }));
  const pooling = n("pooling_type");
  writeFileSync(join(dir, "modules.json"), JSON.stringify([{ idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" }, { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" }]));
  writeFileSync(join(dir, "1_Pooling", "config.json"), JSON.stringify({ pooling_mode_cls_token: pooling === 2, pooling_mode_mean_tokens: pooling === 1, pooling_mode_lasttoken: pooling === 3 }));
}

/**
 * A Gemma (1/2/3) directory from a GGUF with a SentencePiece vocabulary: Hugging Face names, norms back to w (the
 * GGUF holds 1 + w), a tokenizer.model protobuf of the pieces, and config.json.
 */
export function writeGemmaHfDir(gguf: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const file = readGgufHeader(gguf);
  const m = file.metadata;
  const arch = String(val(m, "general.architecture"));
  const v1 = arch === "gemma";
  const part: Record<string, string> = {
    attn_norm: "input_layernorm", post_attention_norm: "post_attention_layernorm", ffn_norm: v1 ? "post_attention_layernorm" : "pre_feedforward_layernorm",
    post_ffw_norm: "post_feedforward_layernorm", attn_q: "self_attn.q_proj", attn_k: "self_attn.k_proj", attn_v: "self_attn.v_proj",
    attn_output: "self_attn.o_proj", attn_q_norm: "self_attn.q_norm", attn_k_norm: "self_attn.k_norm", ffn_gate: "mlp.gate_proj",
    ffn_up: "mlp.up_proj", ffn_down: "mlp.down_proj",
  };
  const tensors = tensorsF32(gguf, file).map(({ t, v }): [string, number[], Float32Array] => {
    const layer = /^blk\.(\d+)\.(\w+)\.weight$/.exec(t.name);
    const hf = layer ? `model.layers.${layer[1]}.${part[layer[2]!]}.weight` : t.name === "token_embd.weight" ? "model.embed_tokens.weight" : "model.norm.weight";
    return [hf, [...t.dims].reverse(), t.name.endsWith("norm.weight") ? v.map((x) => x - 1) : v];
  });
  writeFileSync(join(dir, "model.safetensors"), safetensorsBytes(tensors));
  const tokens = writeSentencePieceFiles(m, dir, false, { add_bos_token: true });
  const n = (k: string) => Number(val(m, `${arch}.${k}`));
  const opt = (k: string) => (m.has(`${arch}.${k}`) ? n(k) : undefined);
  writeFileSync(join(dir, "config.json"), JSON.stringify({
    architectures: [{ gemma: "GemmaForCausalLM", gemma2: "Gemma2ForCausalLM", gemma3: "Gemma3ForCausalLM" }[arch]],
    hidden_size: n("embedding_length"), num_hidden_layers: n("block_count"), num_attention_heads: n("attention.head_count"),
    num_key_value_heads: n("attention.head_count_kv"), head_dim: n("attention.key_length"), intermediate_size: n("feed_forward_length"),
    max_position_embeddings: n("context_length"), rms_norm_eps: n("attention.layer_norm_rms_epsilon"), rope_theta: n("rope.freq_base"),
    attn_logit_softcapping: opt("attn_logit_softcapping"), final_logit_softcapping: opt("final_logit_softcapping"),
    sliding_window: opt("attention.sliding_window"), vocab_size: tokens.length,
  }));
}

/** A Phi-3 directory (SentencePiece vocabulary, fused qkv/gate_up, LongRoPE factors when the GGUF has them). */
export function writePhi3HfDir(gguf: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const file = readGgufHeader(gguf);
  const m = file.metadata;
  const part: Record<string, string> = {
    attn_norm: "input_layernorm", ffn_norm: "post_attention_layernorm", attn_qkv: "self_attn.qkv_proj", attn_output: "self_attn.o_proj",
    ffn_up: "mlp.gate_up_proj", ffn_down: "mlp.down_proj",
  };
  const tensors: [string, number[], Float32Array][] = [];
  const factors: Record<string, number[]> = {};
  const fixed: Record<string, string> = { "token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight", "output.weight": "lm_head.weight" };
  for (const { t, v } of tensorsF32(gguf, file)) {
    const f = /^rope_factors_(long|short)\.weight$/.exec(t.name);
    if (f) {
      factors[f[1]!] = Array.from(v);
      continue;
    }
    const layer = /^blk\.(\d+)\.(\w+)\.weight$/.exec(t.name);
    tensors.push([layer ? `model.layers.${layer[1]}.${part[layer[2]!]}.weight` : fixed[t.name]!, [...t.dims].reverse(), v]);
  }
  writeFileSync(join(dir, "model.safetensors"), safetensorsBytes(tensors));
  const tokens = writeSentencePieceFiles(m, dir, true, {});
  const n = (k: string) => Number(val(m, `phi3.${k}`));
  const orig = m.has("phi3.rope.scaling.original_context_length") ? n("rope.scaling.original_context_length") : n("context_length");
  writeFileSync(join(dir, "config.json"), JSON.stringify({
    architectures: ["Phi3ForCausalLM"], hidden_size: n("embedding_length"), num_hidden_layers: n("block_count"), num_attention_heads: n("attention.head_count"),
    num_key_value_heads: n("attention.head_count_kv"), intermediate_size: n("feed_forward_length"), max_position_embeddings: n("context_length"),
    original_max_position_embeddings: orig, rms_norm_eps: n("attention.layer_norm_rms_epsilon"), rope_theta: n("rope.freq_base"),
    rope_scaling: factors.long ? { type: "longrope", long_factor: factors.long, short_factor: factors.short } : null,
    sliding_window: null, tie_word_embeddings: false, vocab_size: tokens.length,
  }));
}

/** tokenizer.model (the GGUF's pieces, scores and types) and a tokenizer_config.json naming its special tokens. */
function writeSentencePieceFiles(m: Meta, dir: string, addDummyPrefix: boolean, extra: Record<string, unknown>): string[] {
  const tokens = (m.get("tokenizer.ggml.tokens")!.value as { items: string[] }).items;
  const scores = (m.get("tokenizer.ggml.scores")!.value as { items: Float32Array }).items;
  const types = (m.get("tokenizer.ggml.token_type")!.value as { items: Int32Array }).items;
  writeFileSync(join(dir, "tokenizer.model"), writeSentencePieceModel({ pieces: tokens.map((piece, i) => ({ piece, score: scores[i]!, type: types[i]! as PieceType })), addDummyPrefix }));
  const name = (k: string) => tokens[Number(val(m, `tokenizer.ggml.${k}`))];
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ bos_token: name("bos_token_id"), eos_token: name("eos_token_id"), unk_token: name("unknown_token_id"), ...extra }));
  return tokens;
}

/**
 * A BitNet b1.58 directory (SentencePiece vocabulary, Llama names, no q/k permutation, tied embedding) from a `bitnet`
 * GGUF: its matrices stand in for the latent full-precision weights of a ternary-trained checkpoint. `subNorms`
 * chooses the sub-norm names: 1bitLLM's (inner_attn_ln, ffn_layernorm) or Microsoft's BitNet-2B-4T (attn_sub_norm,
 * ffn_sub_norm). `lmHead` also writes an untied lm_head.weight (which llama.cpp's bitnet cannot hold).
 */
export function writeBitnetHfDir(gguf: string, dir: string, subNorms: "1bitllm" | "microsoft", lmHead = false): void {
  mkdirSync(dir, { recursive: true });
  const file = readGgufHeader(gguf);
  const m = file.metadata;
  const part: Record<string, string> = {
    attn_norm: "input_layernorm", ffn_norm: "post_attention_layernorm", attn_q: "self_attn.q_proj", attn_k: "self_attn.k_proj",
    attn_v: "self_attn.v_proj", attn_output: "self_attn.o_proj", ffn_gate: "mlp.gate_proj", ffn_up: "mlp.up_proj", ffn_down: "mlp.down_proj",
    attn_sub_norm: subNorms === "1bitllm" ? "self_attn.inner_attn_ln" : "self_attn.attn_sub_norm",
    ffn_sub_norm: subNorms === "1bitllm" ? "mlp.ffn_layernorm" : "mlp.ffn_sub_norm",
  };
  const fixed: Record<string, string> = { "token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight" };
  const tensors = tensorsF32(gguf, file).map(({ t, v }): [string, number[], Float32Array] => {
    const layer = /^blk\.(\d+)\.(\w+)\.weight$/.exec(t.name);
    return [layer ? `model.layers.${layer[1]}.${part[layer[2]!]}.weight` : fixed[t.name]!, [...t.dims].reverse(), v];
  });
  if (lmHead) tensors.push(["lm_head.weight", tensors[0]![1], tensors[0]![2]]);
  writeFileSync(join(dir, "model.safetensors"), safetensorsBytes(tensors));
  const tokens = writeSentencePieceFiles(m, dir, true, { add_bos_token: true });
  const n = (k: string) => Number(val(m, `bitnet.${k}`));
  writeFileSync(join(dir, "config.json"), JSON.stringify({
    architectures: [subNorms === "1bitllm" ? "BitnetForCausalLM" : "BitNetForCausalLM"], hidden_size: n("embedding_length"),
    num_hidden_layers: n("block_count"), num_attention_heads: n("attention.head_count"), num_key_value_heads: n("attention.head_count_kv"),
    intermediate_size: n("feed_forward_length"), max_position_embeddings: n("context_length"), rms_norm_eps: n("attention.layer_norm_rms_epsilon"),
    rope_theta: n("rope.freq_base"), tie_word_embeddings: !lmHead, vocab_size: tokens.length, weight_bits: 1, input_bits: 8,
  }));
}
