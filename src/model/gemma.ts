// Gemma (1): the Llama block with the embedding scaled by √dim, a GELU-gated MLP (GEGLU), NEOX rotary pairs and q
// scaled by 1/√headDim before attention (llama.cpp's order). The RMSNorm weights are used as stored: llama.cpp's
// converter has already added Gemma's "1 +" to them. Output tied to the embedding.
import { invSqrtF32 } from "./config.js";
import { LlamaModel } from "./llama.js";
import type { Model, ModelContext } from "./model.js";

export const createGemma = (ctx: ModelContext): Model =>
  new LlamaModel(ctx, (c) => ({ neoxRope: true, embedScale: true, geglu: true, qScale: invSqrtF32(c.headDim) }));
