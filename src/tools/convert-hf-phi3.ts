// The Phi-3 part of `edgellm convert hf` (Phi3ForCausalLM: Phi-3 / Phi-3.5-mini), as llama.cpp's converter writes
// it: fused qkv_proj → attn_qkv and gate_up_proj → ffn_up (already in llama.cpp's layout), rotary dims, the sliding
// window key, and for LongRoPE checkpoints the long/short factor tensors with rope.scaling.attn_factor =
// √(1 + ln(scale) / ln(original context)).
import { EdgeError } from "../errors.js";
import type { GgufWriter } from "../format/gguf-writer.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { quantize } from "../tensor/types.js";
import { num, type Json } from "./hf-config.js";

export function phi3GgufName(name: string): string | null | undefined {
  const fixed: Record<string, string> = { "model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight" };
  if (fixed[name]) return fixed[name];
  const m = /^model\.layers\.(\d+)\.(input_layernorm|post_attention_layernorm|self_attn\.qkv_proj|self_attn\.o_proj|mlp\.gate_up_proj|mlp\.down_proj)\.weight$/.exec(name);
  const part: Record<string, string> = {
    input_layernorm: "attn_norm", post_attention_layernorm: "ffn_norm", "self_attn.qkv_proj": "attn_qkv", "self_attn.o_proj": "attn_output",
    "mlp.gate_up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
  };
  return m ? `blk.${m[1]}.${part[m[2]!]}.weight` : /rotary_emb\.inv_freq$/.test(name) ? null : undefined;
}

export function phi3Params(w: GgufWriter, cfg: Json): void {
  const dim = num(cfg, "hidden_size"), heads = num(cfg, "num_attention_heads");
  const rs = (cfg.rope_scaling ?? {}) as Json;
  const maxPos = num(cfg, "max_position_embeddings");
  const orig = num(cfg, "original_max_position_embeddings", typeof rs.original_max_position_embeddings === "number" ? rs.original_max_position_embeddings : maxPos);
  w.setU32("phi3.context_length", maxPos);
  w.setU32("phi3.rope.scaling.original_context_length", orig);
  w.setU32("phi3.embedding_length", dim);
  w.setU32("phi3.feed_forward_length", num(cfg, "intermediate_size"));
  w.setU32("phi3.block_count", num(cfg, "num_hidden_layers"));
  w.setU32("phi3.attention.head_count", heads);
  w.setU32("phi3.attention.head_count_kv", num(cfg, "num_key_value_heads", heads));
  w.setF32("phi3.attention.layer_norm_rms_epsilon", num(cfg, "rms_norm_eps"));
  w.setU32("phi3.rope.dimension_count", Math.floor(Math.floor(num(cfg, "partial_rotary_factor", 1) * dim) / heads));
  w.setF32("phi3.rope.freq_base", num(cfg, "rope_theta", 10000));
  w.setU32("phi3.attention.sliding_window", typeof cfg.sliding_window === "number" ? cfg.sliding_window : 0);
  const long = rs.long_factor, short = rs.short_factor;
  if (!Array.isArray(long) || long.length === 0) return;
  const kind = String(rs.rope_type ?? rs.type ?? "").toLowerCase();
  const scale = maxPos / orig;
  let attnFactor: number;
  if (kind === "su" || kind === "longrope") attnFactor = scale > 1 ? Math.sqrt(1 + Math.log(scale) / Math.log(orig)) : 1;
  else if (kind === "yarn") attnFactor = scale > 1 ? 0.1 * Math.log(scale) + 1 : 1;
  else throw new EdgeError("hf_unsupported", `config.json: rope_scaling type "${kind}" is not supported for Phi-3 (longrope/su/yarn are)`);
  const rot = Math.floor(Math.floor(num(cfg, "partial_rotary_factor", 1) * dim) / heads);
  for (const [what, f] of [["long", long], ["short", short]] as const) {
    if (!Array.isArray(f) || f.length !== rot / 2 || f.some((x) => typeof x !== "number")) {
      throw new EdgeError("hf_invalid", `config.json: rope_scaling.${what}_factor must hold ${rot / 2} numbers`);
    }
    const v = Float32Array.from(f as number[]);
    w.addTensor({ name: `rope_factors_${what}.weight`, type: GgmlType.F32, dims: [v.length], data: () => quantize(GgmlType.F32, v) });
  }
  w.setF32("phi3.rope.scaling.attn_factor", attnFactor);
}
