// The BitNet b1.58 part of `edgellm convert hf` (BitnetForCausalLM, BitNetForCausalLM), as llama.cpp's converter
// writes it: the Llama tensor names plus the two sub-norms, no q/k permutation (llama.cpp's `bitnet` uses NEOX RoPE),
// logits through the token embedding, and every attention and MLP projection ternarized with its absmean scale —
// the latent full-precision weights of a quantization-aware checkpoint become the {−s, 0, +s} the model was trained
// to run with. TQ1_0 / TQ2_0 output then stores those projections exactly (one f16 scale per 256 weights).
import { EdgeError } from "../errors.js";
import type { GgufWriter } from "../format/gguf-writer.js";

/** HF names of the sub-norms: 1bitLLM's checkpoints (as llama.cpp maps them) and Microsoft's BitNet-b1.58-2B-4T. */
const SUB_NORMS: Record<string, string> = {
  "self_attn.inner_attn_ln": "attn_sub_norm", "self_attn.attn_sub_norm": "attn_sub_norm",
  "mlp.ffn_layernorm": "ffn_sub_norm", "mlp.ffn_sub_norm": "ffn_sub_norm",
};

/** The sub-norm's GGUF name, or undefined when `name` is not one (the Llama mapping covers the rest). */
export function bitnetSubNormName(name: string): string | undefined {
  const m = /^model\.layers\.(\d+)\.(self_attn\.inner_attn_ln|self_attn\.attn_sub_norm|mlp\.ffn_layernorm|mlp\.ffn_sub_norm)\.weight$/.exec(name);
  return m ? `blk.${m[1]}.${SUB_NORMS[m[2]!]}.weight` : undefined;
}

/** Projections llama.cpp's converter ternarizes (attention q/k/v/output, MLP gate/up/down). */
export function isBitnetProjection(ggufName: string): boolean {
  return /^blk\.\d+\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight$/.test(ggufName);
}

/** Keys llama.cpp's BitnetModel adds to the Llama-style hyperparameters: linear RoPE scaling with factor 1. */
export function bitnetParams(w: GgufWriter): void {
  w.setString("bitnet.rope.scaling.type", "linear");
  w.setF32("bitnet.rope.scaling.factor", 1);
}

/** llama.cpp's `bitnet` has no output matrix: a checkpoint with its own lm_head cannot be represented. */
export function checkBitnetOutput(names: readonly string[], tied: boolean, file: string): void {
  if (!tied && names.includes("lm_head.weight")) {
    throw new EdgeError("hf_unsupported", `${file}: lm_head.weight is not tied to the token embedding, and llama.cpp's bitnet architecture computes logits through the embedding only`);
  }
}

/**
 * BitNet b1.58's weight quantization in place: s = max(mean |w|, 1e-5), w ← clamp(round(w / s), −1, 1) · s, with
 * round-half-to-even as PyTorch rounds. `rounded` maps each result into the checkpoint's precision (the converter
 * casts back to the source dtype before the output type, as llama.cpp's does).
 */
export function ternarize(w: Float32Array, rounded: (x: number) => number = (x) => x): Float32Array {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += Math.abs(w[i]!);
  const scale = Math.max(Math.fround(sum / w.length), 1e-5);
  const inv = Math.fround(1 / scale);
  const plus = rounded(Math.fround(1 / inv)), minus = -plus;
  for (let i = 0; i < w.length; i++) {
    const x = Math.fround(w[i]! * inv), q = roundHalfEven(x);
    w[i] = q >= 1 ? plus : q <= -1 ? minus : x < 0 ? -0 : 0; // PyTorch keeps the sign of a zero: −0.3 rounds to −0
  }
  return w;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
