// The BERT part of `edgellm convert hf` (BertModel, BertForMaskedLM: BGE, MiniLM and other sentence embedders), as
// llama.cpp's converter writes it: tensor names, non-causal attention, pooling_type from the sentence-transformers
// modules.json, the token-type count, and the WordPiece vocabulary with its "phantom space" spelling — a word-start
// piece "x" becomes "▁x", a continuation "##x" becomes "x", control tokens stay as they are.
import { join } from "node:path";
import { EdgeError } from "../errors.js";
import { GgufValueType } from "../format/gguf-types.js";
import type { GgufWriter } from "../format/gguf-writer.js";
import { tokenContent } from "../tokenizer/from-hf.js";
import { TokenType } from "../tokenizer/vocab-data.js";
import { num, readJson, readJsonValue, type Json } from "./hf-config.js";

const LAYER_PARTS: Record<string, string> = {
  "attention.self.query": "attn_q", "attention.self.key": "attn_k", "attention.self.value": "attn_v",
  "attention.output.dense": "attn_output", "attention.output.LayerNorm": "attn_output_norm",
  "intermediate.dense": "ffn_up", "output.dense": "ffn_down", "output.LayerNorm": "layer_output_norm",
};
const FIXED: Record<string, string> = {
  "embeddings.word_embeddings.weight": "token_embd.weight", "embeddings.position_embeddings.weight": "position_embd.weight",
  "embeddings.token_type_embeddings.weight": "token_types.weight", "embeddings.LayerNorm.weight": "token_embd_norm.weight",
  "embeddings.LayerNorm.bias": "token_embd_norm.bias",
};

/** llama.cpp's name for a BERT checkpoint tensor, null for what it drops (pooler, MLM heads, position ids). */
export function bertGgufName(name: string): string | null | undefined {
  let n = name.startsWith("bert.") ? name.slice(5) : name;
  n = n.replace(/\.gamma$/, ".weight").replace(/\.beta$/, ".bias");
  if (n === "embeddings.position_ids" || n.startsWith("pooler.") || n.startsWith("cls.")) return null;
  if (FIXED[n]) return FIXED[n];
  const m = /^encoder\.layer\.(\d+)\.(.+)\.(weight|bias)$/.exec(n);
  const part = m && LAYER_PARTS[m[2]!];
  return part ? `blk.${m![1]}.${part}.${m![3]}` : undefined;
}

/** pooling_type from a sentence-transformers Pooling module (1 mean, 2 CLS, 3 last), or undefined without one. */
function poolingType(dir: string): number | undefined {
  const modules = readJsonValue(join(dir, "modules.json"), false);
  if (!Array.isArray(modules)) return undefined;
  const mod = modules.find((m) => typeof m === "object" && m !== null && String((m as Json).type).endsWith("Pooling")) as Json | undefined;
  if (!mod || typeof mod.path !== "string" || mod.path.includes("..")) return undefined;
  const p = readJson(join(dir, mod.path, "config.json"), false);
  if (!p) return undefined;
  if (p.pooling_mode_mean_tokens) return 1;
  if (p.pooling_mode_cls_token) return 2;
  if (p.pooling_mode_lasttoken) return 3;
  const named: Record<string, number> = { mean: 1, cls: 2, lasttoken: 3 };
  return typeof p.pooling_mode === "string" ? named[p.pooling_mode] : undefined;
}

export function writeBertParams(w: GgufWriter, cfg: Json, dir: string): void {
  w.setU32("bert.context_length", num(cfg, "max_position_embeddings"));
  w.setU32("bert.embedding_length", num(cfg, "hidden_size"));
  w.setU32("bert.feed_forward_length", num(cfg, "intermediate_size"));
  w.setU32("bert.block_count", num(cfg, "num_hidden_layers"));
  w.setU32("bert.attention.head_count", num(cfg, "num_attention_heads"));
  w.setF32("bert.attention.layer_norm_epsilon", num(cfg, "layer_norm_eps", 1e-12));
  w.setBool("bert.attention.causal", false);
  const pooling = poolingType(dir);
  if (pooling !== undefined) w.setU32("bert.pooling_type", pooling);
  w.setU32("tokenizer.ggml.token_type_count", num(cfg, "type_vocab_size", 1));
}

/** tokenizer.json's WordPiece vocabulary as llama.cpp's tokenizer.ggml.* keys ("bert"). */
export function writeWordPieceVocab(w: GgufWriter, tokJson: Json, tokCfg: Json | undefined): void {
  const model = tokJson.model as Json | undefined;
  if (!model || model.type !== "WordPiece" || typeof model.vocab !== "object" || model.vocab === null) {
    throw new EdgeError("unsupported_tokenizer", `tokenizer.json: a BERT model needs a WordPiece vocabulary, found "${String(model?.type)}"`);
  }
  const vocab = model.vocab as Record<string, unknown>;
  let size = 0;
  for (const id of Object.values(vocab)) size = Math.max(size, Number(id) + 1);
  const added = (Array.isArray(tokJson.added_tokens) ? tokJson.added_tokens : []) as { id: number; content: string; special?: boolean }[];
  for (const a of added) size = Math.max(size, a.id + 1);
  if (!(size > 0) || size > 1 << 22) throw new EdgeError("bad_tokenizer", `tokenizer.json: vocabulary of ${size} tokens`);
  const raw = new Array<string>(size).fill("");
  const types = new Int32Array(size).fill(TokenType.NORMAL);
  for (const [text, idValue] of Object.entries(vocab)) {
    const id = Number(idValue);
    if (!Number.isInteger(id) || id < 0 || id >= size) throw new EdgeError("bad_tokenizer", `tokenizer.json: bad id ${String(idValue)} for ${JSON.stringify(text)}`);
    raw[id] = text;
  }
  for (const a of added) {
    raw[a.id] = a.content;
    if (a.special) types[a.id] = TokenType.CONTROL;
  }
  const tokens = raw.map((t, i) => (types[i] === TokenType.CONTROL ? t : t.startsWith("##") ? t.slice(2) : "\u2581" + t));
  w.setString("tokenizer.ggml.model", "bert");
  w.setString("tokenizer.ggml.pre", "default");
  w.setArray("tokenizer.ggml.tokens", GgufValueType.STRING, tokens);
  w.setArray("tokenizer.ggml.token_type", GgufValueType.INT32, types);
  const idOf = (key: string, dflt: string) => {
    const i = raw.indexOf(tokenContent(tokCfg?.[key]) ?? dflt);
    return i >= 0 ? i : undefined;
  };
  const ids: [string, number | undefined][] = [
    ["unknown_token_id", idOf("unk_token", "[UNK]")], ["seperator_token_id", idOf("sep_token", "[SEP]")],
    ["padding_token_id", idOf("pad_token", "[PAD]")], ["cls_token_id", idOf("cls_token", "[CLS]")], ["mask_token_id", idOf("mask_token", "[MASK]")],
  ];
  for (const [k, id] of ids) if (id !== undefined) w.setU32(`tokenizer.ggml.${k}`, id);
  // llama.cpp lower-cases and strips accents unless told otherwise: say so for cased checkpoints
  const norm = tokJson.normalizer as Json | undefined;
  if (norm && norm.type === "BertNormalizer") {
    const lower = norm.lowercase !== false;
    const strip = norm.strip_accents === null || norm.strip_accents === undefined ? lower : norm.strip_accents === true;
    if (!lower) w.setBool("tokenizer.ggml.normalizer.lowercase", false);
    if (strip !== lower) w.setBool("tokenizer.ggml.normalizer.strip_accents", strip);
  }
}
