// Llama family (Llama 2/3, TinyLlama, SmolLM, Mistral-style GQA): pre-norm blocks of RMSNorm → attention with RoPE →
// RMSNorm → SwiGLU MLP. Variants (qwen2) reuse this class with a few switches.
import type { Ptr } from "../kernels/memory.js";
import type { Kernels, WeightTensor } from "../kernels/types.js";
import { readConfig, type ModelConfig } from "./config.js";
import {
  allocateKv, kvBytes, logitRowsOf, ScratchPlan,
  type BatchOutput, type KvBuffers, type Model, type ModelContext, type ModelState, type Segment, type StateOptions,
} from "./model.js";

export interface LlamaVariant {
  /** Rotate (i, i + d/2) pairs instead of (2i, 2i+1): qwen2 and other NEOX-style models. */
  neoxRope: boolean;
}

interface Layer {
  attnNorm: Ptr;
  wq: WeightTensor;
  wk: WeightTensor;
  wv: WeightTensor;
  bq: Ptr; // 0 when the model has no bias
  bk: Ptr;
  bv: Ptr;
  wo: WeightTensor;
  ffnNorm: Ptr;
  gate: WeightTensor;
  up: WeightTensor;
  down: WeightTensor;
}

interface LlamaState extends ModelState {
  kv: KvBuffers;
  s: Record<"x" | "xb" | "q" | "k" | "v" | "att" | "hb" | "hb2" | "scores", Ptr>;
}

export class LlamaModel implements Model {
  readonly config: ModelConfig;
  readonly file;
  readonly kernels: Kernels;
  private readonly arena;
  private readonly tokEmbd: WeightTensor;
  private readonly output: WeightTensor;
  private readonly outputNorm: Ptr;
  private readonly ropeFreqs: Ptr;
  private readonly layers: Layer[] = [];

  constructor(ctx: ModelContext, private readonly variant: LlamaVariant) {
    const c = (this.config = readConfig(ctx.file, "layer_norm_rms_epsilon"));
    this.file = ctx.file;
    this.kernels = ctx.kernels;
    this.arena = ctx.arena;
    const w = ctx.weights;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    this.tokEmbd = w.tensor("token_embd.weight", [c.dim, c.vocabSize]);
    this.output = w.optionalTensor("output.weight", [c.dim, c.vocabSize]) ?? this.tokEmbd; // tied embeddings
    this.outputNorm = w.vector("output_norm.weight", c.dim);
    this.ropeFreqs = w.optionalVector("rope_freqs.weight", c.ropeDim / 2); // Llama 3 long-context factors
    for (let i = 0; i < c.nLayers; i++) {
      const p = `blk.${i}.`;
      this.layers.push({
        attnNorm: w.vector(p + "attn_norm.weight", c.dim),
        wq: w.tensor(p + "attn_q.weight", [c.dim, qDim]),
        wk: w.tensor(p + "attn_k.weight", [c.dim, kvDim]),
        wv: w.tensor(p + "attn_v.weight", [c.dim, kvDim]),
        bq: w.optionalVector(p + "attn_q.bias", qDim),
        bk: w.optionalVector(p + "attn_k.bias", kvDim),
        bv: w.optionalVector(p + "attn_v.bias", kvDim),
        wo: w.tensor(p + "attn_output.weight", [qDim, c.dim]),
        ffnNorm: w.vector(p + "ffn_norm.weight", c.dim),
        gate: w.tensor(p + "ffn_gate.weight", [c.dim, c.ffnDim]),
        up: w.tensor(p + "ffn_up.weight", [c.dim, c.ffnDim]),
        down: w.tensor(p + "ffn_down.weight", [c.ffnDim, c.dim]),
      });
    }
  }

  private scratchPlan(o: StateOptions): ScratchPlan {
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

  stateBytes(o: StateOptions): number {
    const c = this.config;
    return (o.scratchOnly ? 0 : kvBytes(c.nLayers, o.ctx, c.nKvHeads * c.headDim, o.kvType)) + this.scratchPlan(o).bytes();
  }

  createState(o: StateOptions): LlamaState {
    const c = this.config;
    const before = this.arena.used;
    const kv = allocateKv(this.arena, o.scratchOnly ? 0 : c.nLayers, o.ctx, c.nKvHeads * c.headDim, o.kvType);
    const s = this.scratchPlan(o).allocate(this.arena) as LlamaState["s"] & { logits: Ptr; embd: Ptr };
    return { options: o, kv, s, logitsPtr: s.logits, embdPtr: o.embeddings ? s.embd : undefined, bytes: this.arena.used - before, kvBytes: kv.bytes };
  }

  forward(state: ModelState, tokens: ArrayLike<number>, n: number, pos0: number): void {
    this.pass(state as LlamaState, [{ state, start: 0, len: n, pos0 }], tokens, n, state.options.allLogits ? "all" : "last");
  }

  forwardBatch(scratch: ModelState, segments: readonly Segment[], tokens: ArrayLike<number>, n: number, out: BatchOutput = "logits"): void {
    this.pass(scratch as LlamaState, segments, tokens, n, out === "hidden" ? "hidden" : "segments");
  }

  /** The forward pass over n rows (one or several sequences); `out` says which rows get logits. */
  private pass(scr: LlamaState, segs: readonly Segment[], tokens: ArrayLike<number>, n: number, out: "all" | "last" | "segments" | "hidden"): void {
    const { s } = scr;
    const c = this.config;
    const k = this.kernels;
    const { dim, headDim, nHeads, nKvHeads } = c;
    const qDim = nHeads * headDim;
    const kvDim = nKvHeads * headDim;
    const neox = this.variant.neoxRope;

    // x (n, dim) = token embeddings
    for (let t = 0; t < n; t++) k.getRow(this.tokEmbd, tokens[t], s.x + t * dim * 4);

    for (let l = 0; l < c.nLayers; l++) {
      const L = this.layers[l];
      // attention block: q,k,v = rmsnorm(x) · Wq,Wk,Wv (+ bias); rope; append k,v to the cache; attend
      k.rmsNorm(s.x, L.attnNorm, n, dim, c.normEps, s.xb);
      k.matMul(L.wq, s.xb, n, s.q);
      k.matMul(L.wk, s.xb, n, s.k);
      k.matMul(L.wv, s.xb, n, s.v);
      if (L.bq) k.addBias(s.q, L.bq, n, qDim);
      if (L.bk) k.addBias(s.k, L.bk, n, kvDim);
      if (L.bv) k.addBias(s.v, L.bv, n, kvDim);
      // each sequence: its positions, its cache
      for (const g of segs) {
        const kv = (g.state as LlamaState).kv;
        const q = s.q + g.start * qDim * 4;
        const kk = s.k + g.start * kvDim * 4;
        const v = s.v + g.start * kvDim * 4;
        k.rope(q, g.len, nHeads, headDim, c.ropeDim, g.pos0, c.ropeFreqBase, c.ropeFreqScale, neox, this.ropeFreqs);
        k.rope(kk, g.len, nKvHeads, headDim, c.ropeDim, g.pos0, c.ropeFreqBase, c.ropeFreqScale, neox, this.ropeFreqs);
        k.storeKv(kk, v, g.len, kvDim, g.pos0, kv.k[l], kv.v[l], kv.type);
        k.attention(q, g.len, g.pos0, nHeads, nKvHeads, headDim, 1 / Math.sqrt(headDim), kv.k[l], kv.v[l], kv.type, s.att + g.start * qDim * 4, s.scores);
      }
      k.matMul(L.wo, s.att, n, s.xb);
      k.add(s.x, s.xb, n * dim);

      // MLP block: x += down(silu(gate(rmsnorm(x))) · up(rmsnorm(x)))
      k.rmsNorm(s.x, L.ffnNorm, n, dim, c.normEps, s.xb);
      k.matMul(L.gate, s.xb, n, s.hb);
      k.matMul(L.up, s.xb, n, s.hb2);
      k.swiglu(s.hb, s.hb2, n * c.ffnDim);
      k.matMul(L.down, s.hb, n, s.xb);
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
      return;
    }
    const first = out === "all" ? 0 : n - 1;
    const rows = n - first;
    k.rmsNorm(s.x + first * dim * 4, this.outputNorm, rows, dim, c.normEps, s.xb);
    k.matMul(this.output, s.xb, rows, scr.logitsPtr);
  }
}

export const createLlama = (ctx: ModelContext): Model => new LlamaModel(ctx, { neoxRope: false });
