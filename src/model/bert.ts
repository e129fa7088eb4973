// BERT-family encoders (BERT, MiniLM, BGE, DistilBERT converted as "bert"): token + position (+ token type 0)
// embeddings → LayerNorm, then post-LayerNorm blocks: x = LN(x + attn(x)), x = LN(x + down(gelu(up(x)))), where every
// token attends to every token of the input (no causal mask). The output is the final hidden states (no output norm,
// no logits): the embedding pooled by the caller (pooling_type). As llama.cpp runs encoders without a KV cache, K and V
// stay in f32, so this state keeps an f32 "cache" for the one pass.
import { EdgeError } from "../errors.js";
import { getBool, getNumber } from "../format/gguf-meta.js";
import type { Ptr } from "../kernels/memory.js";
import type { AttentionMask, KvType, WeightTensor } from "../kernels/types.js";
import { readConfig, type ModelConfig } from "./config.js";
import { ScratchPlan, type BatchOutput, type Model, type ModelContext, type ModelState, type Segment, type StateOptions } from "./model.js";
import { TransformerModel, type TransformerState } from "./transformer.js";
import { loadQkv, type QkvWeights } from "./weights.js";

interface Layer extends QkvWeights {
  wo: WeightTensor;
  bo: Ptr;
  attnNormW: Ptr;
  attnNormB: Ptr;
  up: WeightTensor;
  bUp: Ptr;
  down: WeightTensor;
  bDown: Ptr;
  outNormW: Ptr;
  outNormB: Ptr;
}

interface BertState extends TransformerState {
  s: Record<"x" | "xb" | "q" | "k" | "v" | "att" | "hb" | "scores", Ptr>;
}

const NON_CAUSAL: AttentionMask = { causal: false, window: 0, softcap: 0 };

export class BertModel extends TransformerModel<BertState> {
  readonly config: ModelConfig;
  override readonly causal = false;
  private readonly tokEmbd: WeightTensor;
  private readonly posEmbd: WeightTensor;
  private readonly typeRow0: Ptr; // token type 0 ("sentence A"), as llama.cpp hard-codes; 0 if the model has none
  private readonly embNormW: Ptr;
  private readonly embNormB: Ptr;
  private readonly layers: Layer[] = [];

  constructor(ctx: ModelContext) {
    super(ctx);
    const c = (this.config = readConfig(ctx.file, "layer_norm_epsilon"));
    const w = ctx.weights;
    const d = c.dim;
    const nTypes = getNumber(ctx.file, "tokenizer.ggml.token_type_count", 0);
    if (!(nTypes > 0)) throw new EdgeError("missing_metadata", `${c.architecture}: the model needs tokenizer.ggml.token_type_count (token types)`);
    const pooling = getNumber(ctx.file, `${c.architecture}.pooling_type`, 0);
    if (pooling === 4) throw new EdgeError("unsupported_architecture", `${c.architecture}: rank pooling (a reranker's classification head) is not supported`);
    if (getBool(ctx.file, `${c.architecture}.attention.causal`, false)) {
      throw new EdgeError("unsupported_architecture", `${c.architecture}: causal BERT attention is not supported`);
    }
    this.tokEmbd = w.tensor("token_embd.weight", [d, c.vocabSize]);
    this.posEmbd = w.tensor("position_embd.weight", [d, c.contextLength]);
    const types = w.optionalTensor("token_types.weight", [d, nTypes]);
    this.typeRow0 = 0;
    if (types) {
      this.typeRow0 = this.arena.alloc(d * 4);
      this.kernels.getRow(types, 0, this.typeRow0);
    }
    this.embNormW = w.vector("token_embd_norm.weight", d);
    this.embNormB = w.vector("token_embd_norm.bias", d);
    for (let i = 0; i < c.nLayers; i++) {
      const p = `blk.${i}.`;
      this.layers.push({
        ...loadQkv(w, p, d, c.nHeads * c.headDim, c.nKvHeads * c.headDim),
        wo: w.tensor(p + "attn_output.weight", [c.nHeads * c.headDim, d]),
        bo: w.optionalVector(p + "attn_output.bias", d),
        attnNormW: w.vector(p + "attn_output_norm.weight", d),
        attnNormB: w.vector(p + "attn_output_norm.bias", d),
        up: w.tensor(p + "ffn_up.weight", [d, c.ffnDim]),
        bUp: w.optionalVector(p + "ffn_up.bias", c.ffnDim),
        down: w.tensor(p + "ffn_down.weight", [c.ffnDim, d]),
        bDown: w.optionalVector(p + "ffn_down.bias", d),
        outNormW: w.vector(p + "layer_output_norm.weight", d),
        outNormB: w.vector(p + "layer_output_norm.bias", d),
      });
    }
  }

  protected scratchPlan(o: StateOptions): ScratchPlan {
    const c = this.config;
    const b = o.maxBatch;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    return new ScratchPlan()
      .add("x", b * c.dim)
      .add("xb", b * c.dim)
      .add("q", b * qDim)
      .add("k", b * kvDim)
      .add("v", b * kvDim)
      .add("att", b * qDim)
      .add("hb", b * c.ffnDim)
      .add("scores", c.nHeads * o.ctx)
      .add("logits", c.vocabSize) // unused: an encoder has no next-token logits
      .add("embd", b * c.dim); // the final hidden states, always (that is the output)
  }

  /** K and V stay f32: llama.cpp runs an encoder without a cache, on f32 projections. */
  protected override cacheType(): KvType {
    return "f32";
  }

  override forward(): void {
    throw new EdgeError("bad_argument", `${this.config.architecture} is an encoder (embeddings only): it does not generate text`);
  }

  /**
   * "hidden" only: each segment is one whole input (pos0 = 0; every token attends to all of them), its final hidden
   * states written to the scratch state's embd buffer.
   */
  override forwardBatch(scratch: ModelState, segs: readonly Segment[], tokens: ArrayLike<number>, n: number, out: BatchOutput = "logits"): void {
    if (out !== "hidden") this.forward();
    this.pass(scratch as BertState, segs, tokens, n);
  }

  protected pass(scr: BertState, segs: readonly Segment[], tokens: ArrayLike<number>, n: number): void {
    const { s } = scr;
    const c = this.config;
    const k = this.kernels;
    const { dim: d, headDim, nHeads, nKvHeads, normEps: eps } = c;
    const qDim = nHeads * headDim;
    const kvDim = nKvHeads * headDim;
    for (const g of segs) {
      if (g.pos0 !== 0) throw new EdgeError("bad_argument", `${c.architecture}: an encoder input must be run in one pass (from position 0)`);
      if (g.len > c.contextLength) throw new EdgeError("context_exceeded", `input of ${g.len} tokens is longer than the model's ${c.contextLength} positions`);
      for (let t = g.start; t < g.start + g.len; t++) {
        k.getRow(this.tokEmbd, tokens[t], s.x + t * d * 4);
        k.getRow(this.posEmbd, t - g.start, s.xb + t * d * 4);
        if (this.typeRow0) k.add(s.x + t * d * 4, this.typeRow0, d);
      }
    }
    k.add(s.x, s.xb, n * d);
    k.layerNorm(s.x, this.embNormW, this.embNormB, n, d, eps, s.x);

    for (let l = 0; l < c.nLayers; l++) {
      const L = this.layers[l];
      k.matMul(L.wq, s.x, n, s.q);
      k.matMul(L.wk, s.x, n, s.k);
      k.matMul(L.wv, s.x, n, s.v);
      if (L.bq) k.addBias(s.q, L.bq, n, qDim);
      if (L.bk) k.addBias(s.k, L.bk, n, kvDim);
      if (L.bv) k.addBias(s.v, L.bv, n, kvDim);
      for (const g of segs) {
        const kv = (g.state as BertState).kv;
        k.storeKv(s.k + g.start * kvDim * 4, s.v + g.start * kvDim * 4, g.len, kvDim, 0, kv.k[l], kv.v[l], "f32");
        k.attention(s.q + g.start * qDim * 4, g.len, 0, nHeads, nKvHeads, headDim, 1 / Math.sqrt(headDim), kv.k[l], kv.v[l], "f32",
          s.att + g.start * qDim * 4, s.scores, NON_CAUSAL);
      }
      k.matMul(L.wo, s.att, n, s.xb);
      if (L.bo) k.addBias(s.xb, L.bo, n, d);
      k.add(s.x, s.xb, n * d);
      k.layerNorm(s.x, L.attnNormW, L.attnNormB, n, d, eps, s.x);

      k.matMul(L.up, s.x, n, s.hb);
      if (L.bUp) k.addBias(s.hb, L.bUp, n, c.ffnDim);
      k.gelu(s.hb, n * c.ffnDim);
      k.matMul(L.down, s.hb, n, s.xb);
      if (L.bDown) k.addBias(s.xb, L.bDown, n, d);
      k.add(s.x, s.xb, n * d);
      k.layerNorm(s.x, L.outNormW, L.outNormB, n, d, eps, s.x);
    }
    this.arena.f32.copyWithin(scr.embdPtr! >> 2, s.x >> 2, (s.x >> 2) + n * d);
  }
}

export const createBert = (ctx: ModelContext): Model => new BertModel(ctx);
