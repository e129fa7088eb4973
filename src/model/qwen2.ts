// Qwen2 / Qwen2.5: the Llama block with biases on q/k/v (loaded when present) and NEOX-style rotary pairs.
import { LlamaModel } from "./llama.js";
import type { Model, ModelContext } from "./model.js";

export const createQwen2 = (ctx: ModelContext): Model => new LlamaModel(ctx, { neoxRope: true });
