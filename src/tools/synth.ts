// Random-weight GGUF models with real architectures and shapes, written by our own writer: the test subjects for
// oracle comparisons and the benchmark subjects for `edgellm bench` (no downloads needed).
import { EdgeError } from "../errors.js";
import { GgufWriter, type ChunkSink } from "../format/gguf-writer.js";
import { GgufValueType } from "../format/gguf-types.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { traitsOf } from "../tensor/types.js";
import { BYTE_TO_CHAR } from "../tokenizer/byte-level.js";

export type SynthArch = "llama" | "qwen2" | "qwen3" | "gpt2" | "gemma" | "gemma2" | "gemma3" | "phi2" | "phi3" | "smollm3" | "bitnet" | "bert";

export interface SynthShape {
  arch: SynthArch;
  dim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  ffnDim: number;
  vocabSize: number;
  contextLength: number;
  ropeBase: number;
  normEps: number;
  /** Output matrix shares the token embedding. */
  tied: boolean;
  /** Llama 3 style rope_freqs.weight (long-context frequency factors). */
  llama3RopeFactors?: boolean;
  /** Head size when it is not dim / nHeads (Gemma, Qwen3): written as attention.key_length / value_length. */
  headDim?: number;
  /** Rotated dimensions per head when fewer than the head (Phi-2's partial rotary embedding). */
  ropeDim?: number;
  /** attention.sliding_window (Gemma 2/3) and, optionally, the layer pattern period and the local rope base. */
  slidingWindow?: number;
  swaPattern?: number;
  ropeBaseSwa?: number;
  /** Gemma 2 soft-capping values (llama.cpp's defaults 50 / 30 apply when absent). */
  attnSoftcap?: number;
  finalSoftcap?: number;
  /** Phi-3 LongRoPE: rope_factors_long/short, rope.scaling.original_context_length and attn_factor. */
  longRope?: { originalContext: number; attnFactor: number };
  /** BitNet: also write the optional scalar `*.scale` tensors after each projection. */
  projectionScales?: boolean;
  /** BERT: pooling_type (1 mean, 2 CLS, 3 last); the model gets a WordPiece vocabulary and two token types. */
  pooling?: number;
}

/** Dimensions of real models (from their published configs). */
export const SHAPES: Record<string, SynthShape> = {
  "smollm-135m": { arch: "llama", dim: 576, nLayers: 30, nHeads: 9, nKvHeads: 3, ffnDim: 1536, vocabSize: 49152, contextLength: 2048, ropeBase: 10000, normEps: 1e-5, tied: true },
  "qwen2.5-0.5b": { arch: "qwen2", dim: 896, nLayers: 24, nHeads: 14, nKvHeads: 2, ffnDim: 4864, vocabSize: 151936, contextLength: 32768, ropeBase: 1000000, normEps: 1e-6, tied: true },
  "llama-3.2-1b": { arch: "llama", dim: 2048, nLayers: 16, nHeads: 32, nKvHeads: 8, ffnDim: 8192, vocabSize: 128256, contextLength: 131072, ropeBase: 500000, normEps: 1e-5, tied: true, llama3RopeFactors: true },
  "qwen3-0.6b": { arch: "qwen3", dim: 1024, nLayers: 28, nHeads: 16, nKvHeads: 8, headDim: 128, ffnDim: 3072, vocabSize: 151936, contextLength: 40960, ropeBase: 1000000, normEps: 1e-6, tied: true },
  "gemma-3-270m": { arch: "gemma3", dim: 640, nLayers: 18, nHeads: 4, nKvHeads: 1, headDim: 256, ffnDim: 2048, vocabSize: 262144, contextLength: 32768, ropeBase: 1000000, ropeBaseSwa: 10000, slidingWindow: 512, swaPattern: 6, normEps: 1e-6, tied: true },
  "gemma-3-1b": { arch: "gemma3", dim: 1152, nLayers: 26, nHeads: 4, nKvHeads: 1, headDim: 256, ffnDim: 6912, vocabSize: 262144, contextLength: 32768, ropeBase: 1000000, ropeBaseSwa: 10000, slidingWindow: 512, swaPattern: 6, normEps: 1e-6, tied: true },
  "gemma-2-2b": { arch: "gemma2", dim: 2304, nLayers: 26, nHeads: 8, nKvHeads: 4, headDim: 256, ffnDim: 9216, vocabSize: 256000, contextLength: 8192, ropeBase: 10000, slidingWindow: 4096, attnSoftcap: 50, finalSoftcap: 30, normEps: 1e-6, tied: true },
  "phi-2": { arch: "phi2", dim: 2560, nLayers: 32, nHeads: 32, nKvHeads: 32, ropeDim: 32, ffnDim: 10240, vocabSize: 51200, contextLength: 2048, ropeBase: 10000, normEps: 1e-5, tied: false },
  "phi-3-mini": { arch: "phi3", dim: 3072, nLayers: 32, nHeads: 32, nKvHeads: 32, ffnDim: 8192, vocabSize: 32064, contextLength: 4096, ropeBase: 10000, normEps: 1e-5, tied: false },
  "bge-small": { arch: "bert", dim: 384, nLayers: 12, nHeads: 12, nKvHeads: 12, ffnDim: 1536, vocabSize: 30522, contextLength: 512, ropeBase: 10000, normEps: 1e-12, tied: true, pooling: 2 },
  "bitnet-2b": { arch: "bitnet", dim: 2560, nLayers: 30, nHeads: 20, nKvHeads: 5, ffnDim: 6912, vocabSize: 128256, contextLength: 4096, ropeBase: 500000, normEps: 1e-5, tied: true },
  "smollm3-3b": { arch: "smollm3", dim: 2048, nLayers: 36, nHeads: 16, nKvHeads: 4, ffnDim: 11008, vocabSize: 128256, contextLength: 65536, ropeBase: 5000000, normEps: 1e-6, tied: true },
};

export interface SynthOptions {
  /** Type of every matrix (norms and biases stay F32). */
  type: GgmlType;
  /** Per-tensor override (e.g. a Q4_K_M-like mix: Q6_K for attn_v / ffn_down, Q4_K elsewhere). */
  typeFor?: (name: string) => GgmlType | undefined;
  seed?: number;
  /** Standard deviation of matrix weights (default 0.02, like common initializations). */
  weightStd?: number;
  /** Standard deviation of the token embedding (default weightStd). Larger values give peakier next-token distributions. */
  embedStd?: number;
  /** Standard deviation of an untied output matrix (default weightStd). */
  outputStd?: number;
  name?: string;
}

/** llama-quantize's fallback when a row length is not a multiple of the K-quant block (256). */
function typeForRow(type: GgmlType, cols: number): GgmlType {
  if (cols % traitsOf(type).blockSize === 0) return type;
  const fallback: Partial<Record<GgmlType, GgmlType>> = {
    [GgmlType.Q2_K]: GgmlType.Q4_0, [GgmlType.Q3_K]: GgmlType.Q4_1, [GgmlType.Q4_K]: GgmlType.Q5_0,
    [GgmlType.Q5_K]: GgmlType.Q5_1, [GgmlType.Q6_K]: GgmlType.Q8_0,
  };
  const t = fallback[type];
  if (t === undefined || cols % traitsOf(t).blockSize !== 0) {
    throw new EdgeError("bad_argument", `row length ${cols} is not a multiple of the ${traitsOf(type).name} block size`);
  }
  return t;
}

/** A GgufWriter holding a complete random model; tensors are generated and quantized one row block at a time. */
export function synthModel(shape: SynthShape, opts: SynthOptions): GgufWriter {
  const s = shape;
  const headDim = s.headDim ?? s.dim / s.nHeads;
  if (!Number.isInteger(headDim) || s.nHeads % s.nKvHeads !== 0) throw new EdgeError("bad_argument", "synth: bad head counts");
  const w = new GgufWriter();
  const a = s.arch;
  const layerNorm = a === "gpt2" || a === "phi2" || a === "bert";
  w.setString("general.architecture", a);
  w.setString("general.name", opts.name ?? `edgellm-synth-${a}`);
  w.setU32("general.quantization_version", 2);
  w.setU32(`${a}.context_length`, s.contextLength);
  w.setU32(`${a}.embedding_length`, s.dim);
  w.setU32(`${a}.block_count`, s.nLayers);
  w.setU32(`${a}.feed_forward_length`, s.ffnDim);
  w.setU32(`${a}.attention.head_count`, s.nHeads);
  w.setU32(`${a}.attention.head_count_kv`, s.nKvHeads);
  if (s.headDim !== undefined) {
    w.setU32(`${a}.attention.key_length`, headDim);
    w.setU32(`${a}.attention.value_length`, headDim);
  }
  if (layerNorm) w.setF32(`${a}.attention.layer_norm_epsilon`, s.normEps);
  else w.setF32(`${a}.attention.layer_norm_rms_epsilon`, s.normEps);
  if (a === "bert") {
    w.setU32(`${a}.pooling_type`, s.pooling ?? 1);
    w.setBool(`${a}.attention.causal`, false);
  } else if (a !== "gpt2") {
    w.setU32(`${a}.rope.dimension_count`, s.ropeDim ?? headDim);
    w.setF32(`${a}.rope.freq_base`, s.ropeBase);
    w.setU32(`${a}.vocab_size`, s.vocabSize);
  }
  if (s.slidingWindow !== undefined) w.setU32(`${a}.attention.sliding_window`, s.slidingWindow);
  if (s.swaPattern !== undefined) w.setU32(`${a}.attention.sliding_window_pattern`, s.swaPattern);
  if (s.ropeBaseSwa !== undefined) w.setF32(`${a}.rope.freq_base_swa`, s.ropeBaseSwa);
  if (s.attnSoftcap !== undefined) w.setF32(`${a}.attn_logit_softcapping`, s.attnSoftcap);
  if (s.finalSoftcap !== undefined) w.setF32(`${a}.final_logit_softcapping`, s.finalSoftcap);
  if (s.longRope) {
    w.setU32(`${a}.rope.scaling.original_context_length`, s.longRope.originalContext);
    w.setF32(`${a}.rope.scaling.attn_factor`, s.longRope.attnFactor);
  }
  // llama.cpp sets attributes of Phi-3's <unk>, <s>, </s> by name when the model is called phi3, so they must exist
  if (a === "bert") addSyntheticWordPieceVocab(w, s.vocabSize, (opts.seed ?? 1) ^ 0x5eed);
  else addSyntheticBpeVocab(w, s.vocabSize, (opts.seed ?? 1) ^ 0x5eed, a === "phi3" ? ["<unk>", "<s>", "</s>"] : []);

  const rng = new FastRng(opts.seed ?? 1);
  const std = opts.weightStd ?? 0.02;
  const matrix = (name: string, cols: number, rows: number, sd = std, force?: GgmlType) => {
    const type = force ?? typeForRow(opts.typeFor?.(name) ?? opts.type, cols);
    w.addTensor({ name, type, dims: [cols, rows], data: randomRows(type, cols, rows, sd, rng.fork()) });
  };
  const vector = (name: string, n: number, mean: number, sd: number) => {
    const v = new Float32Array(n);
    const r = rng.fork();
    for (let i = 0; i < n; i++) v[i] = mean + sd * r.normalish();
    w.addTensor({ name, type: GgmlType.F32, dims: [n], data: new Uint8Array(v.buffer) });
  };
  const f32Tensor = (name: string, f: Float32Array) => w.addTensor({ name, type: GgmlType.F32, dims: [f.length], data: new Uint8Array(f.buffer) });

  const qDim = s.nHeads * headDim;
  const kvDim = s.nKvHeads * headDim;
  const ropeDim = s.ropeDim ?? headDim;
  matrix("token_embd.weight", s.dim, s.vocabSize, opts.embedStd ?? std);
  if (a === "gpt2") matrix("position_embd.weight", s.dim, s.contextLength, std);
  if (a === "bert") {
    // llama.cpp's converter keeps both in F32 (its graph adds the token-type row to f32 activations)
    matrix("position_embd.weight", s.dim, s.contextLength, std, GgmlType.F32);
    matrix("token_types.weight", s.dim, 2, std, GgmlType.F32);
    vector("token_embd_norm.weight", s.dim, 1, 0.1);
    vector("token_embd_norm.bias", s.dim, 0, 0.02);
  }
  if (s.llama3RopeFactors) f32Tensor("rope_freqs.weight", llama3RopeFactors(headDim, s.ropeBase));
  if (s.longRope) {
    f32Tensor("rope_factors_long.weight", Float32Array.from({ length: ropeDim / 2 }, (_, i) => 1 + i * 0.5));
    f32Tensor("rope_factors_short.weight", Float32Array.from({ length: ropeDim / 2 }, (_, i) => 1 + (i % 3) * 0.1));
  }
  for (let l = 0; l < s.nLayers; l++) {
    const p = `blk.${l}.`;
    if (a === "bert") {
      for (const [m, rows] of [["attn_q", qDim], ["attn_k", kvDim], ["attn_v", kvDim]] as const) {
        matrix(p + m + ".weight", s.dim, rows);
        vector(p + m + ".bias", rows, 0, 0.05);
      }
      matrix(p + "attn_output.weight", qDim, s.dim);
      vector(p + "attn_output.bias", s.dim, 0, 0.02);
      vector(p + "attn_output_norm.weight", s.dim, 1, 0.1);
      vector(p + "attn_output_norm.bias", s.dim, 0, 0.02);
      matrix(p + "ffn_up.weight", s.dim, s.ffnDim);
      vector(p + "ffn_up.bias", s.ffnDim, 0, 0.02);
      matrix(p + "ffn_down.weight", s.ffnDim, s.dim);
      vector(p + "ffn_down.bias", s.dim, 0, 0.02);
      vector(p + "layer_output_norm.weight", s.dim, 1, 0.1);
      vector(p + "layer_output_norm.bias", s.dim, 0, 0.02);
      continue;
    }
    vector(p + "attn_norm.weight", s.dim, 1, 0.1);
    if (a === "gpt2") {
      vector(p + "attn_norm.bias", s.dim, 0, 0.02);
      matrix(p + "attn_qkv.weight", s.dim, 3 * s.dim);
      vector(p + "attn_qkv.bias", 3 * s.dim, 0, 0.02);
      matrix(p + "attn_output.weight", s.dim, s.dim);
      vector(p + "attn_output.bias", s.dim, 0, 0.02);
      vector(p + "ffn_norm.weight", s.dim, 1, 0.1);
      vector(p + "ffn_norm.bias", s.dim, 0, 0.02);
      matrix(p + "ffn_up.weight", s.dim, s.ffnDim);
      vector(p + "ffn_up.bias", s.ffnDim, 0, 0.02);
      matrix(p + "ffn_down.weight", s.ffnDim, s.dim);
      vector(p + "ffn_down.bias", s.dim, 0, 0.02);
      continue;
    }
    if (a === "phi2") vector(p + "attn_norm.bias", s.dim, 0, 0.02);
    if (a === "phi3") matrix(p + "attn_qkv.weight", s.dim, qDim + 2 * kvDim);
    else {
      matrix(p + "attn_q.weight", s.dim, qDim);
      matrix(p + "attn_k.weight", s.dim, kvDim);
      matrix(p + "attn_v.weight", s.dim, kvDim);
    }
    if (a === "qwen2" || a === "phi2") {
      vector(p + "attn_q.bias", qDim, 0, 0.1);
      vector(p + "attn_k.bias", kvDim, 0, 0.1);
      vector(p + "attn_v.bias", kvDim, 0, 0.1);
    }
    if (a === "qwen3" || a === "gemma3") {
      vector(p + "attn_q_norm.weight", headDim, 1, 0.1);
      vector(p + "attn_k_norm.weight", headDim, 1, 0.1);
    }
    matrix(p + "attn_output.weight", qDim, s.dim);
    if (a === "bitnet") {
      vector(p + "attn_sub_norm.weight", qDim, 1, 0.1);
      vector(p + "ffn_sub_norm.weight", s.ffnDim, 1, 0.1);
      if (s.projectionScales) {
        for (const m of ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]) vector(p + m + ".scale", 1, 1, 0.3);
      }
    }
    if (a === "phi2") {
      vector(p + "attn_output.bias", s.dim, 0, 0.02);
      matrix(p + "ffn_up.weight", s.dim, s.ffnDim);
      vector(p + "ffn_up.bias", s.ffnDim, 0, 0.02);
      matrix(p + "ffn_down.weight", s.ffnDim, s.dim);
      vector(p + "ffn_down.bias", s.dim, 0, 0.02);
      continue;
    }
    if (a === "gemma2" || a === "gemma3") vector(p + "post_attention_norm.weight", s.dim, 1, 0.1);
    vector(p + "ffn_norm.weight", s.dim, 1, 0.1);
    if (a === "phi3") matrix(p + "ffn_up.weight", s.dim, 2 * s.ffnDim);
    else {
      matrix(p + "ffn_gate.weight", s.dim, s.ffnDim);
      matrix(p + "ffn_up.weight", s.dim, s.ffnDim);
    }
    matrix(p + "ffn_down.weight", s.ffnDim, s.dim);
    if (a === "gemma2" || a === "gemma3") vector(p + "post_ffw_norm.weight", s.dim, 1, 0.1);
  }
  if (a === "bert") return w; // an encoder: the final hidden states are the output
  vector("output_norm.weight", s.dim, 1, 0.1);
  if (layerNorm) vector("output_norm.bias", s.dim, 0, 0.02);
  if (!s.tied) matrix("output.weight", s.dim, s.vocabSize, opts.outputStd ?? std);
  if (a === "phi2") vector("output.bias", s.vocabSize, 0, 0.1);
  return w;
}

/** Streams `rows` random rows of `cols` values (std `sd`), quantized to `type`, 64 rows per piece. */
function randomRows(type: GgmlType, cols: number, rows: number, sd: number, rng: FastRng) {
  return {
    write: async (sink: ChunkSink) => {
      const traits = traitsOf(type);
      const rowBytes = (cols / traits.blockSize) * traits.typeSize;
      const block = Math.max(1, Math.min(rows, Math.floor((4 << 20) / (cols * 4))));
      const f = new Float32Array(block * cols);
      for (let r0 = 0; r0 < rows; r0 += block) {
        const n = Math.min(block, rows - r0);
        for (let i = 0; i < n * cols; i++) f[i] = sd * rng.normalish();
        const out = new Uint8Array(n * rowBytes);
        for (let r = 0; r < n; r++) traits.quantizeRow!(f, r * cols, cols, out, r * rowBytes);
        await sink(out);
      }
    },
  };
}

/**
 * A valid byte-level BPE vocabulary of exactly `size` tokens: the 256 byte tokens, an end-of-text control token, and
 * merges of existing tokens chosen by a seeded generator (favouring letters, so text tokenizes into longer pieces).
 */
export function addSyntheticBpeVocab(w: GgufWriter, size: number, seed: number, extraControl: readonly string[] = []): void {
  if (size < 258) throw new EdgeError("bad_argument", `synth: vocabulary of ${size} tokens is too small (need ≥ 258)`);
  const tokens: string[] = [...BYTE_TO_CHAR];
  const types: number[] = tokens.map(() => 1);
  const eos = tokens.length;
  tokens.push("<|endoftext|>");
  types.push(3);
  for (const t of extraControl) {
    tokens.push(t);
    types.push(3);
  }
  const merges: string[] = [];
  const seen = new Set(tokens);
  const letters = BYTE_TO_CHAR.filter((c) => /[a-z ]/.test(c) || c === "Ġ");
  const rng = new FastRng(seed);
  const pool: string[] = [...letters];
  while (tokens.length < size) {
    const left = pool[Math.floor(rng.uniform() * pool.length)];
    const right = pool[Math.floor(rng.uniform() * Math.min(pool.length, 300))];
    const merged = left + right;
    if (seen.has(merged) || merged.length > 16) continue;
    seen.add(merged);
    tokens.push(merged);
    types.push(1);
    merges.push(`${left} ${right}`);
    pool.push(merged);
  }
  w.setString("tokenizer.ggml.model", "gpt2");
  w.setString("tokenizer.ggml.pre", "default");
  w.setArray("tokenizer.ggml.tokens", GgufValueType.STRING, tokens);
  w.setArray("tokenizer.ggml.token_type", GgufValueType.INT32, Int32Array.from(types));
  w.setArray("tokenizer.ggml.merges", GgufValueType.STRING, merges);
  w.setU32("tokenizer.ggml.bos_token_id", eos);
  w.setU32("tokenizer.ggml.eos_token_id", eos);
  w.setBool("tokenizer.ggml.add_bos_token", false);
}

/**
 * A WordPiece vocabulary of `size` entries as llama.cpp's converter writes one: [PAD] [UNK] [CLS] [SEP] [MASK] (ids
 * 0–4, named in metadata), the printable ASCII characters as word starts ("▁c") and continuations ("c"), then random
 * lowercase pieces of both kinds.
 */
export function addSyntheticWordPieceVocab(w: GgufWriter, size: number, seed: number): void {
  const tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  const types = [3, 2, 3, 3, 3];
  const seen = new Set(tokens);
  const add = (t: string) => {
    if (tokens.length >= size || seen.has(t)) return;
    seen.add(t);
    tokens.push(t);
    types.push(1);
  };
  for (let c = 0x21; c < 0x7f; c++) {
    const ch = String.fromCharCode(c);
    if (ch >= "A" && ch <= "Z") continue; // the normalizer lower-cases
    add("▁" + ch);
    add(ch);
  }
  if (tokens.length >= size) throw new EdgeError("bad_argument", `synth: WordPiece vocabulary of ${size} tokens is too small`);
  const rng = new FastRng(seed);
  const letters = "etaoinshrdlucmfwypvbgkqjxz";
  while (tokens.length < size) {
    const len = 2 + Math.floor(rng.uniform() * 6);
    let piece = "";
    for (let i = 0; i < len; i++) piece += letters[Math.floor(rng.uniform() ** 2 * letters.length)];
    add(rng.uniform() < 0.6 ? "▁" + piece : piece);
  }
  w.setString("tokenizer.ggml.model", "bert");
  w.setString("tokenizer.ggml.pre", "default");
  w.setArray("tokenizer.ggml.tokens", GgufValueType.STRING, tokens);
  w.setArray("tokenizer.ggml.token_type", GgufValueType.INT32, Int32Array.from(types));
  w.setU32("tokenizer.ggml.token_type_count", 2);
  w.setU32("tokenizer.ggml.padding_token_id", 0);
  w.setU32("tokenizer.ggml.unknown_token_id", 1);
  w.setU32("tokenizer.ggml.bos_token_id", 2);
  w.setU32("tokenizer.ggml.seperator_token_id", 3);
  w.setU32("tokenizer.ggml.mask_token_id", 4);
}

/** Llama 3.1+ rope frequency factors (factor 32, low 1, high 4, original context 8192), one per rotated pair. */
export function llama3RopeFactors(headDim: number, base: number): Float32Array {
  return llama3RopeFreqFactors(headDim, base, { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 });
}

/** Llama 3's rope_scaling ("rope_type": "llama3") as the per-pair divisors llama.cpp reads from rope_freqs.weight. */
export function llama3RopeFreqFactors(
  headDim: number, base: number, p: { factor: number; lowFreqFactor: number; highFreqFactor: number; originalContext: number },
): Float32Array {
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < out.length; i++) {
    const freq = Math.pow(base, (-2 * i) / headDim);
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < p.originalContext / p.highFreqFactor) out[i] = 1;
    else if (wavelen > p.originalContext / p.lowFreqFactor) out[i] = p.factor;
    else {
      const smooth = (p.originalContext / wavelen - p.lowFreqFactor) / (p.highFreqFactor - p.lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / p.factor + smooth);
    }
  }
  return out;
}

/** xorshift32 with a cheap approximately-normal draw (sum of 4 uniforms, rescaled): speed over statistical purity. */
export class FastRng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  uniform(): number {
    return this.next() / 4294967296;
  }
  /** Mean 0, std 1, bounded by ±3.46. */
  normalish(): number {
    return (this.uniform() + this.uniform() + this.uniform() + this.uniform() - 2) * 1.7320508;
  }
  fork(): FastRng {
    return new FastRng(this.next() ^ 0xa5a5a5a5);
  }
}
