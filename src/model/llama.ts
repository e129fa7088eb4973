// Llama family (Llama 2/3, TinyLlama, SmolLM, Mistral-style GQA): pre-norm blocks of RMSNorm → attention with RoPE →
// RMSNorm → SwiGLU MLP. The variants that share this math (qwen2, qwen3, gemma 1/2/3, phi3, smollm3: one file each)
// construct this class with the switches below.
import type { Ptr } from "../kernels/memory.js";
import type { AttentionMask, WeightTensor } from "../kernels/types.js";
import { readConfig, type ModelConfig } from "./config.js";
import { logitRowsOf, ScratchPlan, type Model, type ModelContext, type Segment, type StateOptions } from "./model.js";
import { TransformerModel, type PassOutput, type TransformerState } from "./transformer.js";
import { loadQkv, sliceRows, type QkvWeights, type WeightStore } from "./weights.js";

/** How one layer attends (differs per layer in models with sliding-window layers or layers without RoPE). */
export interface LayerAttention {
  rope: boolean;
  freqBase: number;
  freqScale: number;
  mask: AttentionMask;
}

export interface LlamaVariant {
  /** Rotate (i, i + d/2) pairs instead of (2i, 2i+1): qwen2 and other NEOX-style models. */
  neoxRope: boolean;
  /** Per-head RMSNorm of q and k before RoPE (attn_q_norm / attn_k_norm): qwen3, gemma3. */
  qkNorm?: boolean;
  /** The token embedding is multiplied by √dim (Gemma). */
  embedScale?: boolean;
  /** GELU-gated MLP (GEGLU) instead of SwiGLU (Gemma). */
  geglu?: boolean;
  /** gate and up in one ffn_up tensor of 2·ffnDim rows, gate first (Phi-3). */
  fusedGateUp?: boolean;
  /** RMSNorm of the attention and MLP outputs before each residual add (attn_post_norm, ffn_post_norm): Gemma 2/3. */
  postNorms?: boolean;
  /**
   * q is multiplied by this after RoPE and the softmax scale is 1 (llama.cpp's order for Gemma and Phi-3); without it
   * the softmax scales by 1/√headDim.
   */
  qScale?: number;
  /** Final logits → cap · tanh(logits / cap) (Gemma 2); 0 or absent: none. */
  finalSoftcap?: number;
  /** Per-layer attention (default: RoPE with the file's base and scale, causal, no window). */
  layer?: (l: number, c: ModelConfig) => LayerAttention;
  /** RoPE frequency factors for a state of `ctx` tokens (Phi-3 long/short); default rope_freqs.weight if present. */
  ropeFactors?: (w: WeightStore, c: ModelConfig) => (ctx: number) => Ptr;
  /** cos/sin multiplier of RoPE (Phi-3 LongRoPE's attn_factor); default 1. */
  ropeMscale?: number;
  /**
   * BitNet b1.58: an RMSNorm of the attention output before attn_output (attn_sub_norm) and of the gated MLP
   * activation before ffn_down (ffn_sub_norm), optional scalar scales after each projection (`*.scale`), and the
   * output always the token embedding.
   */
  subNorms?: boolean;
}

/** Scalar multipliers of q, k, v, o, gate, up, down (BitNet's optional `*.scale` tensors; 1 when absent). */
type ProjectionScales = [number, number, number, number, number, number, number];

interface Layer extends QkvWeights {
  /** [wq, wk, wv] and [gate, up]: the products of one input, for Kernels.matMulShared. */
  qkv: readonly WeightTensor[];
  gateUp: readonly WeightTensor[];
  attnNorm: Ptr;
  qNorm: Ptr; // 0 without per-head q/k norms
  kNorm: Ptr;
  wo: WeightTensor;
  attnPostNorm: Ptr;
  ffnNorm: Ptr;
  gate: WeightTensor;
  up: WeightTensor;
  down: WeightTensor;
  ffnPostNorm: Ptr;
  attnSubNorm: Ptr;
  ffnSubNorm: Ptr;
  scales?: ProjectionScales;
  attn: LayerAttention;
}

interface LlamaState extends TransformerState {
  /** RoPE frequency factors chosen for this state's context size (0: none). */
  ropeFactors: Ptr;
  s: Record<"x" | "xb" | "q" | "k" | "v" | "att" | "hb" | "hb2" | "scores", Ptr>;
  /** [s.q, s.k, s.v] and [s.hb, s.hb2]: the outputs of Layer.qkv and Layer.gateUp (made once, not per pass). */
  qkvOut: readonly Ptr[];
  gateUpOut: readonly Ptr[];
}

const CAUSAL: AttentionMask = { causal: true, window: 0, softcap: 0 };

function projectionScales(w: WeightStore, p: string, f32: Float32Array): ProjectionScales {
  const one = (m: string) => {
    const ptr = w.optionalVector(`${p}${m}.scale`, 1);
    return ptr ? f32[ptr >> 2]! : 1;
  };
  return [one("attn_q"), one("attn_k"), one("attn_v"), one("attn_output"), one("ffn_gate"), one("ffn_up"), one("ffn_down")];
}

export class LlamaModel extends TransformerModel<LlamaState> {
  readonly config: ModelConfig;
  private readonly tokEmbd: WeightTensor;
  private readonly output: WeightTensor;
  private readonly outputNorm: Ptr;
  private readonly ropeFactorsFor: (ctx: number) => Ptr;
  private readonly layers: Layer[] = [];

  private readonly variant: LlamaVariant;

  /** `variant` may depend on the hyperparameters (read from the file first). */
  constructor(ctx: ModelContext, variant: LlamaVariant | ((c: ModelConfig) => LlamaVariant)) {
    super(ctx);
    const c = (this.config = readConfig(ctx.file, "layer_norm_rms_epsilon"));
    this.variant = typeof variant === "function" ? variant(c) : variant;
    const w = ctx.weights;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    this.tokEmbd = w.tensor("token_embd.weight", [c.dim, c.vocabSize]);
    // tied embeddings; BitNet always reads the token embedding (llama.cpp ignores an output.weight there)
    this.output = this.variant.subNorms ? this.tokEmbd : (w.optionalTensor("output.weight", [c.dim, c.vocabSize]) ?? this.tokEmbd);
    this.outputNorm = w.vector("output_norm.weight", c.dim);
    if (this.variant.ropeFactors) this.ropeFactorsFor = this.variant.ropeFactors(w, c);
    else {
      const freqs = w.optionalVector("rope_freqs.weight", c.ropeDim / 2); // Llama 3 long-context factors
      this.ropeFactorsFor = () => freqs;
    }
    const v = this.variant;
    const plain: LayerAttention = { rope: true, freqBase: c.ropeFreqBase, freqScale: c.ropeFreqScale, mask: CAUSAL };
    for (let i = 0; i < c.nLayers; i++) {
      const p = `blk.${i}.`;
      let gate: WeightTensor, up: WeightTensor;
      if (v.fusedGateUp) {
        const both = w.tensor(p + "ffn_up.weight", [c.dim, 2 * c.ffnDim]);
        gate = sliceRows(both, 0, c.ffnDim, "gate");
        up = sliceRows(both, c.ffnDim, c.ffnDim, "up");
      } else {
        gate = w.tensor(p + "ffn_gate.weight", [c.dim, c.ffnDim]);
        up = w.tensor(p + "ffn_up.weight", [c.dim, c.ffnDim]);
      }
      const qkv = loadQkv(w, p, c.dim, qDim, kvDim);
      this.layers.push({
        attnNorm: w.vector(p + "attn_norm.weight", c.dim),
        ...qkv,
        qkv: [qkv.wq, qkv.wk, qkv.wv],
        gateUp: [gate, up],
        qNorm: v.qkNorm ? w.vector(p + "attn_q_norm.weight", c.headDim) : 0,
        kNorm: v.qkNorm ? w.vector(p + "attn_k_norm.weight", c.headDim) : 0,
        wo: w.tensor(p + "attn_output.weight", [qDim, c.dim]),
        attnPostNorm: v.postNorms ? w.vector(p + "post_attention_norm.weight", c.dim) : 0,
        ffnNorm: w.vector(p + "ffn_norm.weight", c.dim),
        gate,
        up,
        down: w.tensor(p + "ffn_down.weight", [c.ffnDim, c.dim]),
        ffnPostNorm: v.postNorms ? w.vector(p + "post_ffw_norm.weight", c.dim) : 0,
        attnSubNorm: v.subNorms ? w.vector(p + "attn_sub_norm.weight", qDim) : 0,
        ffnSubNorm: v.subNorms ? w.vector(p + "ffn_sub_norm.weight", c.ffnDim) : 0,
        scales: v.subNorms ? projectionScales(w, p, this.arena.f32) : undefined,
        attn: v.layer ? v.layer(i, c) : plain,
      });
    }
  }

  protected scratchPlan(o: StateOptions): ScratchPlan {
    const c = this.config;
    const b = o.maxBatch;
    return new ScratchPlan()
      .add("x", b * c.dim) // residual stream (b, dim)
      .add("xb", b * Math.max(c.dim, c.nHeads * c.headDim)) // normed input / projection output
      .add("q", b * c.nHeads * c.headDim)
      .add("k", b * c.nKvHeads * c.headDim)
      .add("v", b * c.nKvHeads * c.headDim)
      .add("att", b * c.nHeads * c.headDim) // attention output
      .add("hb", b * c.ffnDim)
      .add("hb2", b * c.ffnDim)
      .add("scores", c.nHeads * o.ctx) // softmax scratch, one row per head for threaded kernels
      .add("logits", logitRowsOf(o) * c.vocabSize)
      .add("embd", o.embeddings ? b * c.dim : 0);
  }

  override createState(o: StateOptions): LlamaState {
    const st = super.createState(o);
    st.ropeFactors = this.ropeFactorsFor(o.ctx);
    st.qkvOut = [st.s.q, st.s.k, st.s.v];
    st.gateUpOut = [st.s.hb, st.s.hb2];
    return st;
  }

  /** The forward pass over n rows (one or several sequences); `out` says which rows get logits. */
  protected pass(scr: LlamaState, segs: readonly Segment[], tokens: ArrayLike<number>, n: number, out: PassOutput): void {
    const { s } = scr;
    const c = this.config;
    const k = this.kernels;
    const { dim, headDim, nHeads, nKvHeads } = c;
    const qDim = nHeads * headDim;
    const kvDim = nKvHeads * headDim;
    const v = this.variant;
    const neox = v.neoxRope;
    const mscale = v.ropeMscale ?? 1;
    const attnScale = v.qScale !== undefined ? 1 : 1 / Math.sqrt(headDim);

    // x (n, dim) = token embeddings (· √dim for Gemma, in f32 as ggml_scale)
    for (let t = 0; t < n; t++) k.getRow(this.tokEmbd, tokens[t], s.x + t * dim * 4);
    if (v.embedScale) k.scale(s.x, n * dim, Math.fround(Math.sqrt(dim)));

    for (let l = 0; l < c.nLayers; l++) {
      const L = this.layers[l];
      const A = L.attn;
      // attention block: q,k,v = rmsnorm(x) · Wq,Wk,Wv (+ bias); per-head norms; rope; append k,v; attend
      k.rmsNorm(s.x, L.attnNorm, n, dim, c.normEps, s.xb);
      k.matMulShared(L.qkv, s.xb, n, scr.qkvOut);
      const sc = L.scales;
      if (sc) {
        if (sc[0] !== 1) k.scale(s.q, n * qDim, sc[0]);
        if (sc[1] !== 1) k.scale(s.k, n * kvDim, sc[1]);
        if (sc[2] !== 1) k.scale(s.v, n * kvDim, sc[2]);
      }
      if (L.bq) k.addBias(s.q, L.bq, n, qDim);
      if (L.bk) k.addBias(s.k, L.bk, n, kvDim);
      if (L.bv) k.addBias(s.v, L.bv, n, kvDim);
      if (L.qNorm) {
        k.rmsNorm(s.q, L.qNorm, n * nHeads, headDim, c.normEps, s.q);
        k.rmsNorm(s.k, L.kNorm, n * nKvHeads, headDim, c.normEps, s.k);
      }
      // each sequence: its positions, its cache
      for (const g of segs) {
        const st = g.state as LlamaState;
        const kv = st.kv;
        const q = s.q + g.start * qDim * 4;
        const kk = s.k + g.start * kvDim * 4;
        const vv = s.v + g.start * kvDim * 4;
        if (A.rope) {
          k.rope(q, g.len, nHeads, headDim, c.ropeDim, g.pos0, A.freqBase, A.freqScale, neox, st.ropeFactors, mscale);
          k.rope(kk, g.len, nKvHeads, headDim, c.ropeDim, g.pos0, A.freqBase, A.freqScale, neox, st.ropeFactors, mscale);
        }
        if (v.qScale !== undefined) k.scale(q, g.len * qDim, v.qScale);
        k.storeKv(kk, vv, g.len, kvDim, g.pos0, kv.k[l], kv.v[l], kv.type);
        k.attention(q, g.len, g.pos0, nHeads, nKvHeads, headDim, attnScale, kv.k[l], kv.v[l], kv.type, s.att + g.start * qDim * 4, s.scores, A.mask);
      }
      if (L.attnSubNorm) k.rmsNorm(s.att, L.attnSubNorm, n, qDim, c.normEps, s.att);
      k.matMul(L.wo, s.att, n, s.xb);
      if (sc && sc[3] !== 1) k.scale(s.xb, n * dim, sc[3]);
      if (L.attnPostNorm) k.rmsNorm(s.xb, L.attnPostNorm, n, dim, c.normEps, s.xb);
      k.add(s.x, s.xb, n * dim);

      // MLP block: x += down(act(gate(rmsnorm(x))) · up(rmsnorm(x))), act = SiLU (SwiGLU) or GELU (GEGLU)
      k.rmsNorm(s.x, L.ffnNorm, n, dim, c.normEps, s.xb);
      k.matMulShared(L.gateUp, s.xb, n, scr.gateUpOut);
      if (sc && sc[4] !== 1) k.scale(s.hb, n * c.ffnDim, sc[4]);
      if (sc && sc[5] !== 1) k.scale(s.hb2, n * c.ffnDim, sc[5]);
      if (v.geglu) k.geglu(s.hb, s.hb2, n * c.ffnDim);
      else k.swiglu(s.hb, s.hb2, n * c.ffnDim);
      if (L.ffnSubNorm) k.rmsNorm(s.hb, L.ffnSubNorm, n, c.ffnDim, c.normEps, s.hb);
      k.matMul(L.down, s.hb, n, s.xb);
      if (sc && sc[6] !== 1) k.scale(s.xb, n * dim, sc[6]);
      if (L.ffnPostNorm) k.rmsNorm(s.xb, L.ffnPostNorm, n, dim, c.normEps, s.xb);
      k.add(s.x, s.xb, n * dim);
    }

    // embeddings: rmsnorm(x) of every row, no logits
    if (out === "hidden") {
      if (!scr.embdPtr) throw new Error("forwardBatch hidden: the scratch state has no embeddings buffer");
      k.rmsNorm(s.x, this.outputNorm, n, dim, c.normEps, scr.embdPtr);
      return;
    }
    // logits = rmsnorm(x) · Woutᵀ: every row, the last row, or each segment's last row
    if (out === "segments") {
      for (let i = 0; i < segs.length; i++) {
        const row = segs[i].start + segs[i].len - 1;
        k.rmsNorm(s.x + row * dim * 4, this.outputNorm, 1, dim, c.normEps, s.xb + i * dim * 4);
      }
      k.matMul(this.output, s.xb, segs.length, scr.logitsPtr);
      if (v.finalSoftcap) k.softcap(scr.logitsPtr, segs.length * c.vocabSize, v.finalSoftcap);
      return;
    }
    const first = out === "all" ? 0 : n - 1;
    const rows = n - first;
    k.rmsNorm(s.x + first * dim * 4, this.outputNorm, rows, dim, c.normEps, s.xb);
    k.matMul(this.output, s.xb, rows, scr.logitsPtr);
    if (v.finalSoftcap) k.softcap(scr.logitsPtr, rows * c.vocabSize, v.finalSoftcap);
  }
}

export const createLlama = (ctx: ModelContext): Model => new LlamaModel(ctx, { neoxRope: false });
