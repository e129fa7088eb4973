// GPT-2: learned absolute positions, pre-LayerNorm blocks with biases, fused QKV projection, GELU MLP.
import type { Ptr } from "../kernels/memory.js";
import type { WeightTensor } from "../kernels/types.js";
import { readConfig, type ModelConfig } from "./config.js";
import { logitRowsOf, ScratchPlan, type Model, type ModelContext, type Segment, type StateOptions } from "./model.js";
import { TransformerModel, type PassOutput, type TransformerState } from "./transformer.js";

interface Layer {
  attnNormW: Ptr;
  attnNormB: Ptr;
  wqkv: WeightTensor; // (3·dim, dim): rows [q | k | v]
  bqkv: Ptr;
  wo: WeightTensor;
  bo: Ptr;
  ffnNormW: Ptr;
  ffnNormB: Ptr;
  up: WeightTensor;
  bUp: Ptr;
  down: WeightTensor;
  bDown: Ptr;
}

interface Gpt2State extends TransformerState {
  s: Record<"x" | "xb" | "qkv" | "q" | "k" | "v" | "att" | "hb" | "scores", Ptr>;
}

export class Gpt2Model extends TransformerModel<Gpt2State> {
  readonly config: ModelConfig;
  private readonly tokEmbd: WeightTensor;
  private readonly posEmbd: WeightTensor;
  private readonly output: WeightTensor;
  private readonly outNormW: Ptr;
  private readonly outNormB: Ptr;
  private readonly layers: Layer[] = [];

  constructor(ctx: ModelContext) {
    super(ctx);
    const c = (this.config = readConfig(ctx.file, "layer_norm_epsilon"));
    const w = ctx.weights;
    const d = c.dim;
    this.tokEmbd = w.tensor("token_embd.weight", [d, c.vocabSize]);
    this.posEmbd = w.tensor("position_embd.weight", [d, c.contextLength]);
    this.output = w.optionalTensor("output.weight", [d, c.vocabSize]) ?? this.tokEmbd;
    this.outNormW = w.vector("output_norm.weight", d);
    this.outNormB = w.vector("output_norm.bias", d);
    for (let i = 0; i < c.nLayers; i++) {
      const p = `blk.${i}.`;
      this.layers.push({
        attnNormW: w.vector(p + "attn_norm.weight", d),
        attnNormB: w.vector(p + "attn_norm.bias", d),
        wqkv: w.tensor(p + "attn_qkv.weight", [d, 3 * d]),
        bqkv: w.vector(p + "attn_qkv.bias", 3 * d),
        wo: w.tensor(p + "attn_output.weight", [d, d]),
        bo: w.vector(p + "attn_output.bias", d),
        ffnNormW: w.vector(p + "ffn_norm.weight", d),
        ffnNormB: w.vector(p + "ffn_norm.bias", d),
        up: w.tensor(p + "ffn_up.weight", [d, c.ffnDim]),
        bUp: w.vector(p + "ffn_up.bias", c.ffnDim),
        down: w.tensor(p + "ffn_down.weight", [c.ffnDim, d]),
        bDown: w.vector(p + "ffn_down.bias", d),
      });
    }
  }

  protected scratchPlan(o: StateOptions): ScratchPlan {
    const c = this.config;
    const b = o.maxBatch;
    return new ScratchPlan()
      .add("x", b * c.dim)
      .add("xb", b * c.dim)
      .add("qkv", b * 3 * c.dim)
      .add("q", b * c.dim)
      .add("k", b * c.dim)
      .add("v", b * c.dim)
      .add("att", b * c.dim)
      .add("hb", b * c.ffnDim)
      .add("scores", c.nHeads * o.ctx)
      .add("logits", logitRowsOf(o) * c.vocabSize)
      .add("embd", o.embeddings ? b * c.dim : 0);
  }

  /** The forward pass over n rows (one or several sequences); `out` says which rows get logits. */
  protected pass(scr: Gpt2State, segs: readonly Segment[], tokens: ArrayLike<number>, n: number, out: PassOutput): void {
    const { s } = scr;
    const c = this.config;
    const k = this.kernels;
    const d = c.dim;
    const eps = c.normEps;

    // x (n, d) = token embedding + position embedding (each sequence at its own positions)
    for (const g of segs) {
      for (let t = g.start; t < g.start + g.len; t++) {
        k.getRow(this.tokEmbd, tokens[t], s.x + t * d * 4);
        k.getRow(this.posEmbd, g.pos0 + t - g.start, s.xb + t * d * 4);
      }
    }
    k.add(s.x, s.xb, n * d);

    for (let l = 0; l < c.nLayers; l++) {
      const L = this.layers[l];
      // attention: [q|k|v] = layernorm(x) · Wqkv + b, split into separate (n, d) buffers
      k.layerNorm(s.x, L.attnNormW, L.attnNormB, n, d, eps, s.xb);
      k.matMul(L.wqkv, s.xb, n, s.qkv);
      k.addBias(s.qkv, L.bqkv, n, 3 * d);
      this.splitQkv(s.qkv, n, s.q, s.k, s.v);
      for (const g of segs) {
        const kv = (g.state as Gpt2State).kv;
        const off = g.start * d * 4;
        k.storeKv(s.k + off, s.v + off, g.len, d, g.pos0, kv.k[l], kv.v[l], kv.type);
        k.attention(s.q + off, g.len, g.pos0, c.nHeads, c.nKvHeads, c.headDim, 1 / Math.sqrt(c.headDim), kv.k[l], kv.v[l], kv.type, s.att + off, s.scores);
      }
      k.matMul(L.wo, s.att, n, s.xb);
      k.addBias(s.xb, L.bo, n, d);
      k.add(s.x, s.xb, n * d);

      // MLP: x += down(gelu(up(layernorm(x)) + b_up)) + b_down
      k.layerNorm(s.x, L.ffnNormW, L.ffnNormB, n, d, eps, s.xb);
      k.matMul(L.up, s.xb, n, s.hb);
      k.addBias(s.hb, L.bUp, n, c.ffnDim);
      k.gelu(s.hb, n * c.ffnDim);
      k.matMul(L.down, s.hb, n, s.xb);
      k.addBias(s.xb, L.bDown, n, d);
      k.add(s.x, s.xb, n * d);
    }

    if (out === "hidden") {
      if (!scr.embdPtr) throw new Error("forwardBatch hidden: the scratch state has no embeddings buffer");
      k.layerNorm(s.x, this.outNormW, this.outNormB, n, d, eps, scr.embdPtr);
      return;
    }
    if (out === "segments") {
      for (let i = 0; i < segs.length; i++) {
        const row = segs[i].start + segs[i].len - 1;
        k.layerNorm(s.x + row * d * 4, this.outNormW, this.outNormB, 1, d, eps, s.xb + i * d * 4);
      }
      k.matMul(this.output, s.xb, segs.length, scr.logitsPtr);
      return;
    }
    const first = out === "all" ? 0 : n - 1;
    const rows = n - first;
    k.layerNorm(s.x + first * d * 4, this.outNormW, this.outNormB, rows, d, eps, s.xb);
    k.matMul(this.output, s.xb, rows, scr.logitsPtr);
  }

  /** qkv (n, 3d) → q, k, v (n, d) each; a plain memory move within the arena. */
  private splitQkv(qkv: Ptr, n: number, q: Ptr, kk: Ptr, v: Ptr): void {
    const f32 = this.arena.f32;
    const d = this.config.dim;
    for (let t = 0; t < n; t++) {
      const src = (qkv >> 2) + t * 3 * d;
      f32.copyWithin((q >> 2) + t * d, src, src + d);
      f32.copyWithin((kk >> 2) + t * d, src + d, src + 2 * d);
      f32.copyWithin((v >> 2) + t * d, src + 2 * d, src + 3 * d);
    }
  }
}

export const createGpt2 = (ctx: ModelContext): Model => new Gpt2Model(ctx);
