// Gemma 3 (text): Gemma 2 without attention soft-capping, with per-head q/k RMSNorms; when the file names a sliding
// window, every layer but each 6th (or the file's pattern) slides, with its own rope base (default 10000, scale 1)
// while global layers use the file's base and linear scaling. Final-logit capping only if the file sets it.
import { getNumber } from "../format/gguf-meta.js";
import type { GgufFile } from "../format/gguf-types.js";
import { invSqrtF32, readSlidingLayers, readSlidingWindow, type ModelConfig } from "./config.js";
import { slidingLayerPlan } from "./gemma2.js";
import { LlamaModel, type LlamaVariant } from "./llama.js";
import type { Model, ModelContext } from "./model.js";

function gemma3Variant(file: GgufFile, c: ModelConfig): LlamaVariant {
  const a = c.architecture;
  const hasWindow = getNumber(file, `${a}.attention.sliding_window`, 0) > 0;
  const sliding = hasWindow ? readSlidingLayers(file, c, 6) : new Array<boolean>(c.nLayers).fill(false);
  const window = hasWindow ? readSlidingWindow(file, c, 0) : 0;
  return {
    neoxRope: true, embedScale: true, geglu: true, postNorms: true, qkNorm: true,
    finalSoftcap: getNumber(file, `${a}.final_logit_softcapping`, 0),
    qScale: c.nLayers === 62 ? invSqrtF32(c.dim / c.nHeads) : invSqrtF32(c.headDim),
    layer: slidingLayerPlan(c, sliding, window, getNumber(file, `${a}.rope.freq_base_swa`, 10000), 1, 0),
  };
}

export const createGemma3 = (ctx: ModelContext): Model => new LlamaModel(ctx, (c) => gemma3Variant(ctx.file, c));
