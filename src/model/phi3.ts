// Phi-3 / Phi-3.5 (dense): the Llama block with q, k, v in one attn_qkv, gate and up in one ffn_up (gate first), NEOX
// rotary pairs and q scaled by 1/√headDim before attention. Long-context files carry two sets of RoPE factors:
// rope_factors_long when the context is longer than the training context (rope.scaling.original_context_length),
// rope_factors_short otherwise, as llama.cpp picks them per context; rope.scaling.attn_factor scales cos and sin.
// llama.cpp's release disables Phi-3's sliding window (all layers global), and so does this.
import { getNumber } from "../format/gguf-meta.js";
import { invSqrtF32 } from "./config.js";
import { LlamaModel } from "./llama.js";
import type { Model, ModelContext } from "./model.js";

export const createPhi3 = (ctx: ModelContext): Model =>
  new LlamaModel(ctx, (c) => {
    const a = c.architecture;
    const origCtx = getNumber(ctx.file, `${a}.rope.scaling.original_context_length`, c.contextLength);
    return {
      neoxRope: true,
      fusedGateUp: true,
      qScale: invSqrtF32(c.headDim),
      ropeMscale: getNumber(ctx.file, `${a}.rope.scaling.attn_factor`, 1),
      ropeFactors: (w) => {
        const freqs = w.optionalVector("rope_freqs.weight", c.ropeDim / 2);
        const long = w.optionalVector("rope_factors_long.weight", c.ropeDim / 2);
        const short = w.optionalVector("rope_factors_short.weight", c.ropeDim / 2);
        return (n) => freqs || (n > origCtx ? long : short);
      },
    };
  });
