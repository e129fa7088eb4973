// Qwen3 (dense): the Llama block with NEOX rotary pairs and an RMSNorm over each head of q and k before RoPE
// (attn_q_norm / attn_k_norm, one weight of headDim shared by the heads); no q/k/v biases.
import { LlamaModel } from "./llama.js";
import type { Model, ModelContext } from "./model.js";

export const createQwen3 = (ctx: ModelContext): Model => new LlamaModel(ctx, { neoxRope: true, qkNorm: true });
