// Gemma 2: Gemma plus an RMSNorm after attention and after the MLP (post_attention_norm, post_ffw_norm), attention
// scores soft-capped (cap · tanh(s / cap), default 50) and final logits soft-capped (default 30), and layers that
// alternate between a sliding window (default 4096; even layers) and global attention. As in llama.cpp, q is scaled
// by 1/√headDim (1/√(dim / heads) for the 27B model) and the sliding layers may have their own rope base.
import { EdgeError } from "../errors.js";
import { getNumber } from "../format/gguf-meta.js";
import type { GgufFile } from "../format/gguf-types.js";
import { invSqrtF32, readSlidingLayers, readSlidingWindow, type ModelConfig } from "./config.js";
import { LlamaModel, type LayerAttention } from "./llama.js";
import type { Model, ModelContext } from "./model.js";

/** Per-layer attention of a model whose sliding layers use `swaBase`/`swaScale` and global layers the file's rope. */
export function slidingLayerPlan(
  c: ModelConfig, sliding: boolean[], window: number, swaBase: number, swaScale: number, softcap: number,
): (il: number) => LayerAttention {
  const local: LayerAttention = { rope: true, freqBase: swaBase, freqScale: swaScale, mask: { causal: true, window, softcap } };
  const global: LayerAttention = { rope: true, freqBase: c.ropeFreqBase, freqScale: c.ropeFreqScale, mask: { causal: true, window: 0, softcap } };
  return (il) => (sliding[il] ? local : global);
}

function gemma2Variant(file: GgufFile, c: ModelConfig) {
  const a = c.architecture;
  const softcap = getNumber(file, `${a}.attn_logit_softcapping`, 50);
  const finalSoftcap = getNumber(file, `${a}.final_logit_softcapping`, 30);
  if (!(softcap > 0) || !(finalSoftcap > 0)) {
    throw new EdgeError("bad_metadata", `${a}: soft-capping values must be positive (attention ${softcap}, final ${finalSoftcap})`);
  }
  const plan = slidingLayerPlan(
    c, readSlidingLayers(file, c, 2), readSlidingWindow(file, c, 4096),
    getNumber(file, `${a}.rope.freq_base_swa`, c.ropeFreqBase), c.ropeFreqScale, softcap,
  );
  return {
    neoxRope: true, embedScale: true, geglu: true, postNorms: true, finalSoftcap,
    qScale: c.nLayers === 46 ? invSqrtF32(c.dim / c.nHeads) : invSqrtF32(c.headDim),
    layer: plan,
  };
}

export const createGemma2 = (ctx: ModelContext): Model => new LlamaModel(ctx, (c) => gemma2Variant(ctx.file, c));
