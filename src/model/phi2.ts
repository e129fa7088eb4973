// Phi-2: one LayerNorm (with bias) feeds attention and the MLP in parallel, x += attn(h) + mlp(h). q, k, v with
// biases (separate tensors, or one attn_qkv in older files), partial NEOX rotary embedding (rope.dimension_count of
// each head), q scaled by 1/√headDim before attention as llama.cpp does, GELU MLP with biases, output with a bias.
import type { Ptr } from "../kernels/memory.js";
import type { WeightTensor } from "../kernels/types.js";
import { invSqrtF32, readConfig, type ModelConfig } from "./config.js";
import { logitRowsOf, ScratchPlan, type Model, type ModelContext, type Segment, type StateOptions } from "./model.js";
import { TransformerModel, type PassOutput, type TransformerState } from "./transformer.js";
import { loadQkv, type QkvWeights } from "./weights.js";

interface Layer extends QkvWeights {
  normW: Ptr;
  normB: Ptr;
  wo: WeightTensor;
  bo: Ptr;
  up: WeightTensor;
  bUp: Ptr;
  down: WeightTensor;
  bDown: Ptr;
}

interface Phi2State extends TransformerState {
  s: Record<"x" | "h" | "xb" | "q" | "k" | "v" | "att" | "hb" | "scores", Ptr>;
}

export class Phi2Model extends TransformerModel<Phi2State> {
  readonly config: ModelConfig;
  private readonly tokEmbd: WeightTensor;
  private readonly output: WeightTensor;
  private readonly outBias: Ptr;
  private readonly outNormW: Ptr;
  private readonly outNormB: Ptr;
  private readonly qScale: number;
  private readonly layers: Layer[] = [];

  constructor(ctx: ModelContext) {
    super(ctx);
    const c = (this.config = readConfig(ctx.file, "layer_norm_epsilon"));
    const w = ctx.weights;
    const d = c.dim;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    this.qScale = invSqrtF32(c.headDim);
    this.tokEmbd = w.tensor("token_embd.weight", [d, c.vocabSize]);
    this.output = w.tensor("output.weight", [d, c.vocabSize]);
    this.outBias = w.vector("output.bias", c.vocabSize);
    this.outNormW = w.vector("output_norm.weight", d);
    this.outNormB = w.vector("output_norm.bias", d);
    for (let i = 0; i < c.nLayers; i++) {
      const p = `blk.${i}.`;
      this.layers.push({
        normW: w.vector(p + "attn_norm.weight", d),
        normB: w.vector(p + "attn_norm.bias", d),
        ...loadQkv(w, p, d, qDim, kvDim),
        wo: w.tensor(p + "attn_output.weight", [qDim, d]),
        bo: w.vector(p + "attn_output.bias", d),
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
    const qDim = c.nHeads * c.headDim;
    return new ScratchPlan()
      .add("x", b * c.dim)
      .add("h", b * c.dim) // the block's one normed input
      .add("xb", b * c.dim)
      .add("q", b * qDim)
      .add("k", b * c.nKvHeads * c.headDim)
      .add("v", b * c.nKvHeads * c.headDim)
      .add("att", b * qDim)
      .add("hb", b * c.ffnDim)
      .add("scores", c.nHeads * o.ctx)
      .add("logits", logitRowsOf(o) * c.vocabSize)
      .add("embd", o.embeddings ? b * c.dim : 0);
  }

  protected pass(scr: Phi2State, segs: readonly Segment[], tokens: ArrayLike<number>, n: number, out: PassOutput): void {
    const { s } = scr;
    const c = this.config;
    const k = this.kernels;
    const { dim: d, headDim, nHeads, nKvHeads, normEps: eps } = c;
    const qDim = nHeads * headDim;
    const kvDim = nKvHeads * headDim;

    for (let t = 0; t < n; t++) k.getRow(this.tokEmbd, tokens[t], s.x + t * d * 4);

    for (let l = 0; l < c.nLayers; l++) {
      const L = this.layers[l];
      k.layerNorm(s.x, L.normW, L.normB, n, d, eps, s.h);
      // attention on h
      k.matMul(L.wq, s.h, n, s.q);
      k.matMul(L.wk, s.h, n, s.k);
      k.matMul(L.wv, s.h, n, s.v);
      if (L.bq) k.addBias(s.q, L.bq, n, qDim);
      if (L.bk) k.addBias(s.k, L.bk, n, kvDim);
      if (L.bv) k.addBias(s.v, L.bv, n, kvDim);
      for (const g of segs) {
        const kv = (g.state as Phi2State).kv;
        const q = s.q + g.start * qDim * 4;
        const kk = s.k + g.start * kvDim * 4;
        k.rope(q, g.len, nHeads, headDim, c.ropeDim, g.pos0, c.ropeFreqBase, c.ropeFreqScale, true, 0);
        k.rope(kk, g.len, nKvHeads, headDim, c.ropeDim, g.pos0, c.ropeFreqBase, c.ropeFreqScale, true, 0);
        k.scale(q, g.len * qDim, this.qScale);
        k.storeKv(kk, s.v + g.start * kvDim * 4, g.len, kvDim, g.pos0, kv.k[l], kv.v[l], kv.type);
        k.attention(q, g.len, g.pos0, nHeads, nKvHeads, headDim, 1, kv.k[l], kv.v[l], kv.type, s.att + g.start * qDim * 4, s.scores);
      }
      k.matMul(L.wo, s.att, n, s.xb);
      k.addBias(s.xb, L.bo, n, d);
      k.add(s.x, s.xb, n * d);
      // MLP on the same h, in parallel with attention
      k.matMul(L.up, s.h, n, s.hb);
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
    let rows: number;
    if (out === "segments") {
      rows = segs.length;
      for (let i = 0; i < rows; i++) {
        const row = segs[i].start + segs[i].len - 1;
        k.layerNorm(s.x + row * d * 4, this.outNormW, this.outNormB, 1, d, eps, s.h + i * d * 4);
      }
    } else {
      const first = out === "all" ? 0 : n - 1;
      rows = n - first;
      k.layerNorm(s.x + first * d * 4, this.outNormW, this.outNormB, rows, d, eps, s.h);
    }
    k.matMul(this.output, s.h, rows, scr.logitsPtr);
    k.addBias(scr.logitsPtr, this.outBias, rows, c.vocabSize);
  }
}

export const createPhi2 = (ctx: ModelContext): Model => new Phi2Model(ctx);
