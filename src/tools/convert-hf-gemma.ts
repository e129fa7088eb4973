// The Gemma part of `edgellm convert hf` (GemmaForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM), as llama.cpp's
// converter writes it: the SentencePiece vocabulary from tokenizer.model (pieces, scores, types; added tokens from
// tokenizer_config.json; no space prefix), the hyperparameters each version needs (head size, soft caps, sliding
// window), tensor names (Gemma 2/3's four norms per block), norm weights shifted by +1 (Gemma's RMSNorm multiplies by
// 1 + w: the GGUF stores the sum), and the language-model head dropped (the output is the embedding).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EdgeError } from "../errors.js";
import { GgufValueType } from "../format/gguf-types.js";
import type { GgufWriter } from "../format/gguf-writer.js";
import { parseSentencePieceModel, PieceType } from "../format/sentencepiece.js";
import { looksSpecial, tokenContent } from "../tokenizer/from-hf.js";
import { TokenType } from "../tokenizer/vocab-data.js";
import { num, readJson, type Json } from "./hf-config.js";
export type GemmaArch = "gemma" | "gemma2" | "gemma3";

export function gemmaParams(w: GgufWriter, a: GemmaArch, cfg: Json): void {
  const heads = num(cfg, "num_attention_heads", 8);
  w.setU32(`${a}.context_length`, num(cfg, "max_position_embeddings", a === "gemma3" ? 131072 : undefined));
  w.setU32(`${a}.embedding_length`, num(cfg, "hidden_size"));
  w.setU32(`${a}.block_count`, num(cfg, "num_hidden_layers"));
  w.setU32(`${a}.feed_forward_length`, num(cfg, "intermediate_size"));
  w.setU32(`${a}.attention.head_count`, heads);
  w.setU32(`${a}.attention.head_count_kv`, num(cfg, "num_key_value_heads", a === "gemma3" ? 4 : heads));
  w.setF32(`${a}.attention.layer_norm_rms_epsilon`, num(cfg, "rms_norm_eps", 1e-6));
  const headDim = num(cfg, "head_dim", 256);
  w.setU32(`${a}.attention.key_length`, headDim);
  w.setU32(`${a}.attention.value_length`, headDim);
  if (cfg.rope_theta !== undefined || a === "gemma3") w.setF32(`${a}.rope.freq_base`, num(cfg, "rope_theta", 1000000));
  if (a === "gemma2") {
    w.setF32("gemma2.attn_logit_softcapping", num(cfg, "attn_logit_softcapping"));
    w.setF32("gemma2.final_logit_softcapping", num(cfg, "final_logit_softcapping"));
    w.setU32("gemma2.attention.sliding_window", num(cfg, "sliding_window"));
  }
  if (a === "gemma3") {
    if (cfg.attn_logit_softcapping !== undefined && cfg.attn_logit_softcapping !== null) {
      throw new EdgeError("hf_unsupported", "config.json: Gemma 3 has no attention soft-capping (attn_logit_softcapping is set)");
    }
    if (typeof cfg.final_logit_softcapping === "number" && cfg.final_logit_softcapping) w.setF32("gemma3.final_logit_softcapping", cfg.final_logit_softcapping);
    if (cfg.sliding_window_pattern !== 1) w.setU32("gemma3.attention.sliding_window", num(cfg, "sliding_window"));
    const rs = cfg.rope_scaling as Json | null | undefined;
    if (rs && typeof rs === "object") {
      if (String(rs.rope_type ?? rs.type) !== "linear") throw new EdgeError("hf_unsupported", `config.json: rope_scaling "${String(rs.rope_type ?? rs.type)}" is not supported for gemma3 (linear is)`);
      w.setString("gemma3.rope.scaling.type", "linear");
      w.setF32("gemma3.rope.scaling.factor", num(rs, "factor"));
    }
  }
}

/** llama.cpp's name for a Gemma checkpoint tensor; null for the dropped head; undefined for unknown names. */
export function gemmaGgufName(a: GemmaArch, name: string): string | null | undefined {
  if (name === "lm_head.weight") return null;
  if (name === "model.embed_tokens.weight") return "token_embd.weight";
  if (name === "model.norm.weight") return "output_norm.weight";
  const m = /^model\.layers\.(\d+)\.(.+)\.weight$/.exec(name);
  if (!m) return undefined;
  const v1 = a === "gemma";
  const part: Record<string, string> = {
    input_layernorm: "attn_norm", post_attention_layernorm: v1 ? "ffn_norm" : "post_attention_norm",
    pre_feedforward_layernorm: "ffn_norm", post_feedforward_layernorm: "post_ffw_norm",
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
    "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm",
    "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
  };
  const p = part[m[2]!];
  if (!p || (v1 && (m[2] === "pre_feedforward_layernorm" || m[2] === "post_feedforward_layernorm"))) return undefined;
  return `blk.${m[1]}.${p}.weight`;
}

/** Gemma norms are stored as 1 + w (the checkpoint keeps w). */
export const gemmaNormShift = (hfName: string) => hfName.endsWith("norm.weight");

/**
 * tokenizer.model as llama.cpp's SPM vocabulary (tokenizer.ggml.model "llama"); returns the token count. Flavours of
 * llama.cpp's converters: "gemma" the generic one with the space prefix switched off; "llama" the generic one as is
 * (the loader's default prefix: BitNet's Llama-2 vocabulary); "phi3" Phi-3's (added tokens scored −1000, also from
 * tokenizer.json, texts kept).
 */
export function writeSentencePieceVocab(w: GgufWriter, dir: string, cfg: Json, flavour: "gemma" | "llama" | "phi3" = "gemma"): number {
  const phi3 = flavour === "phi3";
  const path = join(dir, "tokenizer.model");
  if (!existsSync(path)) throw new EdgeError("hf_invalid", `${path}: missing (this model needs its SentencePiece model)`);
  const sp = parseSentencePieceModel(new Uint8Array(readFileSync(path)), path);
  const size = typeof cfg.vocab_size === "number" && cfg.vocab_size > 0 ? cfg.vocab_size : sp.pieces.length;
  const tokens = Array.from({ length: size }, (_, i) => `[PAD${i}]`);
  const scores = new Float32Array(size).fill(-10000);
  const types = new Int32Array(size).fill(TokenType.UNUSED);
  sp.pieces.slice(0, size).forEach((p, i) => {
    tokens[i] = p.piece;
    scores[i] = p.score;
    // SentencePiece's own user-defined pieces count as normal (only its unknown/control/unused/byte flags carry over)
    types[i] = p.type === PieceType.UserDefined ? TokenType.NORMAL : p.type;
  });
  const tc = readJson(join(dir, "tokenizer_config.json"), false);
  const decoder = (tc?.added_tokens_decoder ?? {}) as Record<string, { content?: string; special?: boolean }>;
  const added = Object.entries(decoder).map(([k, t]) => ({ id: Number(k), ...t }));
  if (phi3) {
    const tj = readJson(join(dir, "tokenizer.json"), false);
    if (Array.isArray(tj?.added_tokens)) added.push(...(tj!.added_tokens as { id: number; content?: string; special?: boolean }[]));
  }
  for (const t of added) {
    const id = t.id;
    if (!Number.isInteger(id) || id < 0 || id >= size || typeof t.content !== "string") continue;
    if (phi3) {
      tokens[id] = t.content;
      scores[id] = -1000;
      types[id] = t.special ? TokenType.CONTROL : TokenType.USER_DEFINED;
    } else if (t.special || looksSpecial(t.content)) {
      tokens[id] = t.content;
      types[id] = TokenType.CONTROL;
    } else {
      tokens[id] = t.content.replaceAll("\u2581", " ");
      types[id] = TokenType.USER_DEFINED;
    }
  }
  w.setString("tokenizer.ggml.model", "llama");
  w.setString("tokenizer.ggml.pre", "default");
  w.setArray("tokenizer.ggml.tokens", GgufValueType.STRING, tokens);
  w.setArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, scores);
  w.setArray("tokenizer.ggml.token_type", GgufValueType.INT32, types);
  const idOf = (key: string) => {
    const text = tokenContent(tc?.[key]);
    const i = typeof text === "string" ? tokens.indexOf(text) : -1;
    return i >= 0 ? i : undefined;
  };
  for (const [k, key] of [["bos_token_id", "bos_token"], ["eos_token_id", "eos_token"], ["unknown_token_id", "unk_token"], ["padding_token_id", "pad_token"]] as const) {
    const id = idOf(key);
    if (id !== undefined) w.setU32(`tokenizer.ggml.${k}`, id);
  }
  if (typeof tc?.add_bos_token === "boolean") w.setBool("tokenizer.ggml.add_bos_token", tc.add_bos_token);
  if (typeof tc?.add_eos_token === "boolean") w.setBool("tokenizer.ggml.add_eos_token", tc.add_eos_token);
  if (typeof tc?.chat_template === "string") w.setString("tokenizer.chat_template", tc.chat_template);
  if (flavour === "gemma") w.setBool("tokenizer.ggml.add_space_prefix", false);
  return size;
}

/** Gemma (1) also names CodeGemma's fill-in-the-middle and end-of-turn tokens by fixed id, as llama.cpp's converter. */
export function writeGemmaFimIds(w: GgufWriter, size: number): void {
  for (const [k, id] of [["prefix_token_id", 67], ["suffix_token_id", 69], ["middle_token_id", 68], ["fsep_token_id", 70], ["eot_token_id", 107]] as const) {
    if (id < size) w.setU32(`tokenizer.ggml.${k}`, id);
  }
}
