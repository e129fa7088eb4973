// `edgellm convert hf DIR OUT.gguf`: a Hugging Face model directory (config.json, safetensors shards, tokenizer.json)
// into a GGUF with llama.cpp's tensor names, layouts and metadata keys (as its convert_hf_to_gguf.py writes them):
// Llama-family q/k rows permuted from the rotate-half order to llama.cpp's interleaved one, GPT-2's Conv1D weights
// transposed, norms and biases in F32, matrices in the chosen type. PyTorch pickles are refused, never unpickled.
import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { EdgeError } from "../errors.js";
import { GgufValueType } from "../format/gguf-types.js";
import { GgufWriter } from "../format/gguf-writer.js";
import { parseSafetensors, type SafetensorsTensor } from "../format/safetensors.js";
import { FileSource } from "../io/file-source.js";
import { writeGgufFile } from "../io/gguf-file-writer.js";
import { bf16ToF32, f16ToF32, f32ToBf16, roundToF16 } from "../tensor/f16.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { quantize, traitsOf } from "../tensor/types.js";
import { vocabFromHfTokenizer, type HfTokenizerConfig } from "../tokenizer/from-hf.js";
import { getPreTokenizer } from "../tokenizer/pre-tokenizer.js";
import { QUANTIZATION_VERSION } from "./quantize.js";
import { llama3RopeFreqFactors } from "./synth.js";
import { phi3GgufName, phi3Params } from "./convert-hf-phi3.js";
import { gemmaGgufName, gemmaNormShift, gemmaParams, writeGemmaFimIds, writeSentencePieceVocab, type GemmaArch } from "./convert-hf-gemma.js";
import { bertGgufName, writeBertParams, writeWordPieceVocab } from "./convert-hf-bert.js";
import { bitnetParams, bitnetSubNormName, checkBitnetOutput, isBitnetProjection, ternarize } from "./convert-hf-bitnet.js";
import { num, readJson, type Json } from "./hf-config.js";

export type HfOutType = "f32" | "f16" | "bf16" | "q8_0" | "tq1_0" | "tq2_0";
export const HF_OUT_TYPES: readonly HfOutType[] = ["f32", "f16", "bf16", "q8_0", "tq1_0", "tq2_0"];
const OUT: Record<HfOutType, { type: GgmlType; ftype: number }> = {
  f32: { type: GgmlType.F32, ftype: 0 }, f16: { type: GgmlType.F16, ftype: 1 }, bf16: { type: GgmlType.BF16, ftype: 32 }, q8_0: { type: GgmlType.Q8_0, ftype: 7 },
  tq1_0: { type: GgmlType.TQ1_0, ftype: 36 }, tq2_0: { type: GgmlType.TQ2_0, ftype: 37 },
};
/** Ternary output types: only for checkpoints trained ternary (BitNet); elsewhere they would destroy the model. */
const TERNARY_OUT = new Set<HfOutType>(["tq1_0", "tq2_0"]);
type HfArch = "llama" | "qwen2" | "qwen3" | "smollm3" | "phi2" | "phi3" | "gpt2" | "bert" | "bitnet" | GemmaArch;
const ARCHS: Record<string, HfArch> = {
  LlamaForCausalLM: "llama", Qwen2ForCausalLM: "qwen2", Qwen3ForCausalLM: "qwen3", SmolLM3ForCausalLM: "smollm3", GPT2LMHeadModel: "gpt2",
  PhiForCausalLM: "phi2", Phi3ForCausalLM: "phi3", BertModel: "bert", BertForMaskedLM: "bert",
  GemmaForCausalLM: "gemma", Gemma2ForCausalLM: "gemma2", Gemma3ForCausalLM: "gemma3",
  BitnetForCausalLM: "bitnet", BitNetForCausalLM: "bitnet",
};
const isGemma = (a: HfArch): a is GemmaArch => a === "gemma" || a === "gemma2" || a === "gemma3";
/** Kept in F32 whatever the outtype, as llama.cpp's converter keeps them: learned positions and token types. */
const ALWAYS_F32 = new Set(["position_embd.weight", "token_types.weight"]);
/** Architectures whose RoPE rotates adjacent pairs in llama.cpp: q/k rows are permuted from the rotate-half order. */
const PERMUTED = new Set<HfArch>(["llama", "smollm3"]);

interface SourceTensor extends SafetensorsTensor {
  file: string;
}

/** Every tensor of the checkpoint, from model.safetensors or the shards its index names. */
function listTensors(dir: string): SourceTensor[] {
  const files = readdirSync(dir);
  if (!files.some((f) => f.endsWith(".safetensors"))) {
    const pickle = files.find((f) => /^pytorch_model.*\.bin$|\.pt$|\.pth$/.test(f));
    if (pickle) throw new EdgeError("hf_unsupported", `${join(dir, pickle)}: PyTorch pickle checkpoints are not read (unpickling runs code); convert them to safetensors first`);
    throw new EdgeError("hf_invalid", `${dir}: no model.safetensors or safetensors shards`);
  }
  const index = readJson(join(dir, "model.safetensors.index.json"), false);
  let shards: string[];
  if (index) {
    const map = index.weight_map;
    if (typeof map !== "object" || map === null) throw new EdgeError("hf_invalid", `${join(dir, "model.safetensors.index.json")}: no weight_map`);
    shards = [...new Set(Object.values(map as Record<string, unknown>).map(String))];
    for (const s of shards) if (s.includes("/") || s.includes("\\")) throw new EdgeError("hf_invalid", `weight_map names a file outside ${dir}: ${s}`);
  } else shards = files.filter((f) => f.endsWith(".safetensors")).sort();
  const out: SourceTensor[] = [];
  const seen = new Set<string>();
  for (const shard of shards) {
    const path = join(dir, shard);
    const src = new FileSource(path);
    try {
      for (const t of parseSafetensors(src).tensors) {
        if (seen.has(t.name)) throw new EdgeError("hf_invalid", `${path}: tensor "${t.name}" is in more than one shard`);
        seen.add(t.name);
        out.push({ ...t, file: path });
      }
    } finally {
      src.close();
    }
  }
  return out;
}

/** llama.cpp's name for a checkpoint tensor, or null for buffers it drops; throws for names it would not know. */
function ggufName(arch: HfArch, name: string): string | null {
  if (arch === "bert" || arch === "phi3" || isGemma(arch)) {
    const n = arch === "bert" ? bertGgufName(name) : arch === "phi3" ? phi3GgufName(name) : gemmaGgufName(arch, name);
    if (n !== undefined) return n;
  } else if (arch === "gpt2") {
    const n = name.replace(/^transformer\./, "");
    if (/\.attn\.(masked_)?bias$/.test(n) || n === "lm_head.weight") return null; // causal-mask buffers; tied output
    const fixed: Record<string, string> = { "wte.weight": "token_embd.weight", "wpe.weight": "position_embd.weight", "ln_f.weight": "output_norm.weight", "ln_f.bias": "output_norm.bias" };
    if (fixed[n]) return fixed[n]!;
    const m = /^h\.(\d+)\.(ln_1|attn\.c_attn|attn\.c_proj|ln_2|mlp\.c_fc|mlp\.c_proj)\.(weight|bias)$/.exec(n);
    const part: Record<string, string> = { ln_1: "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", ln_2: "ffn_norm", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down" };
    if (m) return `blk.${m[1]}.${part[m[2]!]}.${m[3]}`;
  } else {
    if (/rotary_emb\.inv_freq$/.test(name)) return null;
    const sub = arch === "bitnet" ? bitnetSubNormName(name) : undefined;
    if (sub) return sub;
    const fixed: Record<string, string> = {
      "model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight",
      // Phi-2
      "model.final_layernorm.weight": "output_norm.weight", "model.final_layernorm.bias": "output_norm.bias", "lm_head.bias": "output.bias",
    };
    if (fixed[name]) return fixed[name]!;
    const phi = arch === "phi2" ? /^model\.layers\.(\d+)\.(input_layernorm|self_attn\.dense|mlp\.fc1|mlp\.fc2)\.(weight|bias)$/.exec(name) : null;
    if (phi) return `blk.${phi[1]}.${{ input_layernorm: "attn_norm", "self_attn.dense": "attn_output", "mlp.fc1": "ffn_up", "mlp.fc2": "ffn_down" }[phi[2]!]}.${phi[3]}`;
    const m = /^model\.layers\.(\d+)\.(input_layernorm|post_attention_layernorm|self_attn\.[qkvo]_proj|self_attn\.[qk]_norm|mlp\.(?:gate|up|down)_proj)\.(weight|bias)$/.exec(name);
    const part: Record<string, string> = {
      input_layernorm: "attn_norm", post_attention_layernorm: "ffn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
      "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm",
      "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
    };
    if (m) return `blk.${m[1]}.${part[m[2]!]}.${m[3]}`;
  }
  throw new EdgeError("hf_unsupported", `tensor "${name}" has no GGUF name for ${arch} (an architecture variant this converter does not know)`);
}

const ELEMENT_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
/** Elements converted per slab when a tensor streams (rows of it, ~16 MB of float32). */
const SLAB_ELEMENTS = 4 << 20;

/** `n` elements of a checkpoint tensor from element `first`, as float32 (F32, F16, BF16 sources). */
function readF32(t: SourceTensor, first = 0, n = t.shape.reduce((a, b) => a * b, 1)): Float32Array {
  const size = ELEMENT_BYTES[t.dtype];
  if (!size) throw new EdgeError("hf_unsupported", `${t.file}: tensor "${t.name}" is ${t.dtype}; weights must be F32, F16 or BF16`);
  const src = new FileSource(t.file);
  try {
    const bytes = src.readInto(t.offset + first * size, n * size, new Uint8Array(n * size));
    const out = new Float32Array(n);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bits = new Uint32Array(1), asF32 = new Float32Array(bits.buffer);
    if (t.dtype === "F32") for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
    else if (t.dtype === "F16") for (let i = 0; i < n; i++) out[i] = f16ToF32(dv.getUint16(2 * i, true));
    else for (let i = 0; i < n; i++) {
      bits[0] = dv.getUint16(2 * i, true) << 16;
      out[i] = asF32[0]!;
    }
    return out;
  } finally {
    src.close();
  }
}

/** Rows of each head from the rotate-half order (halves) to llama.cpp's interleaved pairs (llama q/k projections). */
function permuteHeads(w: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const hd = rows / heads;
  if (!Number.isInteger(hd) || hd % 2 !== 0) throw new EdgeError("hf_invalid", `${rows} rows do not split into ${heads} heads of even size`);
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < hd / 2; j++) {
      for (let s = 0; s < 2; s++) {
        const from = h * hd + s * (hd / 2) + j, to = h * hd + 2 * j + s;
        out.set(w.subarray(from * cols, (from + 1) * cols), to * cols);
      }
    }
  }
  return out;
}

const roundToBf16 = (x: number) => bf16ToF32(f32ToBf16(x));

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}

export interface ConvertHfSummary {
  arch: string;
  tensors: number;
  bytes: number;
}

export interface ConvertHfOptions {
  outtype?: HfOutType;
  /** tokenizer.ggml.pre to write instead of the one inferred from tokenizer.json. */
  pre?: string;
}

export async function convertHf(dir: string, output: string, opts: ConvertHfOptions = {}): Promise<ConvertHfSummary> {
  const outtype = opts.outtype ?? "f16";
  if (!existsSync(dir)) throw new EdgeError("file_not_found", `${dir}: no such directory`);
  const out = OUT[outtype];
  if (!out) throw new EdgeError("bad_argument", `--outtype must be one of ${HF_OUT_TYPES.join(", ")}, got "${outtype}"`);
  const cfg = readJson(join(dir, "config.json"), true)!;
  const archName = Array.isArray(cfg.architectures) ? String(cfg.architectures[0]) : String(cfg.architectures);
  const arch = ARCHS[archName];
  if (!arch) throw new EdgeError("hf_unsupported", `config.json: architecture "${archName}" is not supported (supported: ${Object.keys(ARCHS).join(", ")})`);
  if (TERNARY_OUT.has(outtype) && arch !== "bitnet") {
    throw new EdgeError("bad_argument", `--outtype ${outtype} is for ternary-trained checkpoints (BitNet); ternarizing a ${archName} after training destroys it (use edgellm quantize for the K-quants)`);
  }
  const sources = listTensors(dir); // refuses pickles and bad safetensors before the rest of config.json is read
  const w = new GgufWriter();
  w.setString("general.architecture", arch);
  w.setString("general.type", "model");
  w.setString("general.name", typeof cfg._name_or_path === "string" && cfg._name_or_path !== "" ? basename(cfg._name_or_path) : basename(dir));
  w.setU32("general.file_type", out.ftype);
  w.setU32("general.quantization_version", QUANTIZATION_VERSION);
  let heads = 0, kvHeads = 0;
  if (arch === "bert") writeBertParams(w, cfg, dir);
  else if (isGemma(arch)) gemmaParams(w, arch, cfg);
  else if (arch === "phi3") phi3Params(w, cfg);
  else if (arch === "phi2") {
    // as llama.cpp's Phi2Model: ffn 4·dim, rotary dims = partial_rotary_factor of the model width per head, no BOS
    const dim = num(cfg, "hidden_size");
    heads = kvHeads = num(cfg, "num_attention_heads");
    w.setU32("phi2.context_length", num(cfg, "max_position_embeddings"));
    w.setU32("phi2.embedding_length", dim);
    w.setU32("phi2.feed_forward_length", 4 * dim);
    w.setU32("phi2.block_count", num(cfg, "num_hidden_layers"));
    w.setU32("phi2.attention.head_count", heads);
    w.setU32("phi2.attention.head_count_kv", heads);
    w.setF32("phi2.attention.layer_norm_epsilon", num(cfg, "layer_norm_eps", 1e-5));
    w.setU32("phi2.rope.dimension_count", Math.floor(Math.floor(num(cfg, "partial_rotary_factor", 0.4) * dim) / heads));
    if (cfg.rope_theta !== undefined) w.setF32("phi2.rope.freq_base", num(cfg, "rope_theta"));
  } else if (arch === "gpt2") {
    const dim = num(cfg, "n_embd");
    heads = kvHeads = num(cfg, "n_head");
    w.setU32("gpt2.block_count", num(cfg, "n_layer"));
    w.setU32("gpt2.context_length", num(cfg, "n_ctx", num(cfg, "n_positions", 1024)));
    w.setU32("gpt2.embedding_length", dim);
    w.setU32("gpt2.feed_forward_length", num(cfg, "n_inner", 4 * dim) || 4 * dim);
    w.setU32("gpt2.attention.head_count", heads);
    w.setF32("gpt2.attention.layer_norm_epsilon", num(cfg, "layer_norm_epsilon", 1e-5));
  } else {
    const dim = num(cfg, "hidden_size");
    heads = num(cfg, "num_attention_heads");
    kvHeads = num(cfg, "num_key_value_heads", heads);
    const headDim = cfg.head_dim !== undefined ? num(cfg, "head_dim") : dim / heads;
    if (PERMUTED.has(arch)) w.setU32(`${arch}.vocab_size`, num(cfg, "vocab_size"));
    w.setU32(`${arch}.context_length`, num(cfg, "max_position_embeddings"));
    w.setU32(`${arch}.embedding_length`, dim);
    w.setU32(`${arch}.feed_forward_length`, num(cfg, "intermediate_size"));
    w.setU32(`${arch}.block_count`, num(cfg, "num_hidden_layers"));
    w.setU32(`${arch}.attention.head_count`, heads);
    w.setU32(`${arch}.attention.head_count_kv`, kvHeads);
    if (cfg.rope_theta !== undefined) w.setF32(`${arch}.rope.freq_base`, num(cfg, "rope_theta"));
    w.setF32(`${arch}.attention.layer_norm_rms_epsilon`, num(cfg, "rms_norm_eps"));
    if (cfg.head_dim !== undefined) {
      w.setU32(`${arch}.attention.key_length`, headDim);
      w.setU32(`${arch}.attention.value_length`, headDim);
    }
    if (PERMUTED.has(arch)) w.setU32(`${arch}.rope.dimension_count`, headDim);
    const rs = cfg.rope_scaling as Json | null | undefined;
    if (arch === "bitnet") bitnetParams(w);
    else if (rs && typeof rs === "object") {
      const kind = String(rs.rope_type ?? rs.type);
      if (kind !== "llama3") throw new EdgeError("hf_unsupported", `config.json: rope_scaling type "${kind}" is not supported (llama3 is)`);
      const factors = llama3RopeFreqFactors(headDim, num(cfg, "rope_theta", 10000), {
        factor: num(rs, "factor"), lowFreqFactor: num(rs, "low_freq_factor"), highFreqFactor: num(rs, "high_freq_factor"),
        originalContext: num(rs, "original_max_position_embeddings"),
      });
      w.addTensor({ name: "rope_freqs.weight", type: GgmlType.F32, dims: [factors.length], data: () => quantize(GgmlType.F32, factors) });
    }
  }
  let vocabRows = Infinity; // Gemma: embedding rows beyond the vocabulary are dropped, as llama.cpp's converter does
  if (arch === "bert") writeWordPieceVocab(w, readJson(join(dir, "tokenizer.json"), true)!, readJson(join(dir, "tokenizer_config.json"), false));
  else if (arch === "phi3") writeSentencePieceVocab(w, dir, cfg, "phi3");
  else if (isGemma(arch)) {
    vocabRows = writeSentencePieceVocab(w, dir, cfg);
    if (arch === "gemma") writeGemmaFimIds(w, vocabRows);
  } else if (arch === "bitnet" && existsSync(join(dir, "tokenizer.model"))) {
    writeSentencePieceVocab(w, dir, cfg, "llama"); // 1bitLLM's Llama-2 vocabulary; BitNet-2B-4T's Llama-3 one is tokenizer.json
  } else writeVocab(w, dir, cfg, opts.pre);
  if (arch === "phi2") w.setBool("tokenizer.ggml.add_bos_token", false);

  const tied = cfg.tie_word_embeddings !== false;
  if (arch === "bitnet") checkBitnetOutput(sources.map((t) => t.name), tied, join(dir, "config.json"));
  let count = 0;
  for (const t of sources) {
    const name = ggufName(arch, t.name);
    if (name === null || (name === "output.weight" && tied && arch !== "gpt2" && arch !== "phi2")) continue;
    const dims = [...t.shape].reverse(); // PyTorch [out, in] row-major = ggml [in, out]
    if (name === "token_embd.weight" && dims[1]! > vocabRows) dims[1] = vocabRows;
    const shift = isGemma(arch) && gemmaNormShift(t.name);
    const isMatrix = dims.length === 2;
    const conv1d = arch === "gpt2" && isMatrix && /\.(c_attn|c_proj|c_fc)\.weight$/.test(t.name);
    if (conv1d) dims.reverse(); // Conv1D stores [in, out]: transposed below
    const ternary = arch === "bitnet" && isBitnetProjection(name);
    let type = isMatrix && !ALWAYS_F32.has(name) ? out.type : GgmlType.F32;
    // as llama.cpp's converter: only the ternary projections take a TQ type; the embedding stays F16
    if (TERNARY_OUT.has(outtype) && isMatrix && !ternary) type = GgmlType.F16;
    if (type !== GgmlType.F32 && dims[0]! % traitsOf(type).blockSize !== 0) type = GgmlType.F16;
    const permute = PERMUTED.has(arch) && /\.self_attn\.[qk]_proj\.weight$/.test(t.name) ? (t.name.includes("q_proj") ? heads : kvHeads) : 0;
    const rowLen = dims[0]!, rows = dims.slice(1).reduce((a, b) => a * b, 1);
    w.addTensor({
      name, type, dims,
      data: ternary
        // one absmean scale per matrix: the whole tensor at once, back in the checkpoint's precision
        ? () => quantize(type, ternarize(readF32(t), t.dtype === "F16" ? roundToF16 : t.dtype === "BF16" ? roundToBf16 : (x) => x))
        : shift
        // Gemma's 1 + w, added in the checkpoint's precision as llama.cpp's converter does (f16 stays f16; bf16 is f32 by then)
        ? () => quantize(type, readF32(t).map((x) => (t.dtype === "F16" ? roundToF16(x + 1) : x + 1)))
        : conv1d || permute
        // reordered rows: the whole tensor at once (attention projections, GPT-2 matrices: small)
        ? () => {
          let v = readF32(t);
          if (conv1d) v = transpose(v, t.shape[0]!, t.shape[1]!);
          if (permute) v = permuteHeads(v, t.shape[0]!, t.shape[1]!, permute);
          return quantize(type, v);
        }
        // the rest streams in slabs of whole rows (a 152k-token embedding never sits in memory as float32)
        : {
          write: async (sink) => {
            const step = Math.max(1, Math.floor(SLAB_ELEMENTS / rowLen));
            for (let r = 0; r < rows; r += step) {
              const n = Math.min(step, rows - r);
              await sink(quantize(type, readF32(t, r * rowLen, n * rowLen)));
            }
          },
        },
    });
    count++;
  }
  const bytes = await writeGgufFile(output, w);
  return { arch, tensors: count, bytes };
}

/** tokenizer.json (+ tokenizer_config.json, generation_config.json) as llama.cpp's tokenizer.ggml.* keys. */
function writeVocab(w: GgufWriter, dir: string, cfg: Json, pre: string | undefined): void {
  const tokJson = readJson(join(dir, "tokenizer.json"), true)!;
  const tokCfg = readJson(join(dir, "tokenizer_config.json"), false) as (HfTokenizerConfig & { chat_template?: unknown; clean_up_tokenization_spaces?: unknown }) | undefined;
  const v = vocabFromHfTokenizer(tokJson, { config: tokCfg, pre, vocabSize: typeof cfg.vocab_size === "number" ? cfg.vocab_size : undefined });
  // llama.cpp's "smollm" is the StarCoder split without the clean-up of spaces on decoding (SmolLM's tokenizer says so)
  if (pre === undefined && v.pre === "starcoder" && tokCfg?.clean_up_tokenization_spaces === false) v.pre = "smollm";
  getPreTokenizer(v.pre); // a name neither edgellm nor llama.cpp would know fails here, not at load time
  const gen = readJson(join(dir, "generation_config.json"), false);
  w.setString("tokenizer.ggml.model", v.model);
  if (v.pre) w.setString("tokenizer.ggml.pre", v.pre);
  w.setArray("tokenizer.ggml.tokens", GgufValueType.STRING, v.tokens);
  if (v.tokenTypes) w.setArray("tokenizer.ggml.token_type", GgufValueType.INT32, Int32Array.from(v.tokenTypes));
  if (v.merges) w.setArray("tokenizer.ggml.merges", GgufValueType.STRING, v.merges);
  const id = (x: unknown) => (typeof x === "number" && Number.isInteger(x) && x >= 0 ? x : undefined);
  const bos = v.bosId ?? id(gen?.bos_token_id) ?? id(cfg.bos_token_id);
  const eos = v.eosId ?? id(Array.isArray(gen?.eos_token_id) ? (gen!.eos_token_id as unknown[])[0] : gen?.eos_token_id) ?? id(cfg.eos_token_id);
  if (bos !== undefined && bos !== null) w.setU32("tokenizer.ggml.bos_token_id", bos);
  if (eos !== undefined && eos !== null) w.setU32("tokenizer.ggml.eos_token_id", eos);
  if (v.unkId !== undefined && v.unkId !== null) w.setU32("tokenizer.ggml.unknown_token_id", v.unkId);
  if (v.padId !== undefined && v.padId !== null) w.setU32("tokenizer.ggml.padding_token_id", v.padId);
  if (v.addBos !== undefined) w.setBool("tokenizer.ggml.add_bos_token", v.addBos);
  if (v.addEos !== undefined) w.setBool("tokenizer.ggml.add_eos_token", v.addEos);
  if (typeof tokCfg?.chat_template === "string") w.setString("tokenizer.chat_template", tokCfg.chat_template);
}
