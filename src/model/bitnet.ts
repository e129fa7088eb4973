// BitNet b1.58 (llama.cpp's `bitnet`, e.g. BitNet-b1.58-2B-4T): the Llama block with NEOX RoPE, an RMSNorm inside
// attention (attn_sub_norm, on the attention output before attn_output) and inside the MLP (ffn_sub_norm, on
// silu(gate)·up before ffn_down), optional scalar `*.scale` tensors after the projections, and logits through the
// token embedding. The weights are ternary in the files people run (TQ1_0 / TQ2_0), which the kernels take as is.
import { LlamaModel } from "./llama.js";
import type { Model, ModelContext } from "./model.js";

export const createBitnet = (ctx: ModelContext): Model => new LlamaModel(ctx, { neoxRope: true, subNorms: true });
