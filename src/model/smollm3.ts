// SmolLM3: Llama with "NoPE" layers. llama.cpp's release fixes the pattern: every 4th layer ((il + 1) % 4 == 0)
// applies no rotary embedding at all; the rest rotate (2i, 2i+1) pairs as Llama does.
import { LlamaModel, type LayerAttention } from "./llama.js";
import type { Model, ModelContext } from "./model.js";

const NO_ROPE_EVERY = 4;

export const createSmolLm3 = (ctx: ModelContext): Model =>
  new LlamaModel(ctx, (c) => ({
    neoxRope: false,
    layer: (il): LayerAttention => ({
      rope: (il + 1) % NO_ROPE_EVERY !== 0,
      freqBase: c.ropeFreqBase,
      freqScale: c.ropeFreqScale,
      mask: { causal: true, window: 0, softcap: 0 },
    }),
  }));
