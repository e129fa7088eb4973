// Export trained weights (float32 blob + manifest from training/train.py) and the tokenizer to llama.cpp GGUF files.
// CLI: npx tsx src/train/export-gguf.ts --weights /tmp/edgellm-train/weights --tokenizer /tmp/edgellm-train/data/tokenizer.json --out models
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GgufWriter } from "../../src/format/gguf-writer.js";
import { GgufValueType } from "../../src/format/gguf-types.js";
import { GgmlType } from "../../src/tensor/ggml-type.js";
import { quantize } from "../../src/tensor/types.js";
import type { TokenizerFile } from "./prepare-data.js";

export interface ModelConfig {
  vocab_size: number;
  dim: number;
  n_layers: number;
  n_heads: number;
  n_kv_heads: number;
  hidden_dim: number;
  context_length: number;
  norm_eps: number;
  rope_theta: number;
  /** "bitnet" for a model trained with `train.py --arch bitnet`; absent for llama. */
  arch?: "llama" | "bitnet";
  /** The block matrices in weights.bin are already ternary ({-g, 0, +g} per matrix), as the QAT forward pass saw them. */
  ternary_weights?: boolean;
}

export interface WeightManifest {
  config: ModelConfig;
  /** GGUF tensor names; shapes in PyTorch order ([out, in] for matrices), offsets into weights.bin in bytes. */
  tensors: { name: string; shape: number[]; offset: number }[];
}

export interface LoadedWeights {
  config: ModelConfig;
  tensors: { name: string; shape: number[]; data: Float32Array }[];
}

export function loadWeights(dir: string): LoadedWeights {
  const manifest = JSON.parse(readFileSync(join(dir, "weights.json"), "utf8")) as WeightManifest;
  const blob = readFileSync(join(dir, "weights.bin"));
  const tensors = manifest.tensors.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const bytes = blob.subarray(t.offset, t.offset + 4 * n);
    if (bytes.length !== 4 * n) throw new Error(`weights.bin too short for ${t.name}`);
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(bytes); // the blob is little-endian float32, as is every supported host
    return { name: t.name, shape: t.shape, data };
  });
  return { config: manifest.config, tensors };
}

/** Order llama.cpp's converter uses: embeddings, then each block's tensors, then the final norm. */
function tensorOrder(name: string): number {
  if (name === "token_embd.weight") return -1;
  if (name === "output_norm.weight") return 1e9;
  const m = /^blk\.(\d+)\.(.+)$/.exec(name);
  if (!m) throw new Error(`unexpected tensor ${name}`);
  const within = ["attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_sub_norm.weight",
    "attn_output.weight", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_sub_norm.weight",
    "ffn_down.weight"].indexOf(m[2]);
  if (within < 0) throw new Error(`unexpected tensor ${name}`);
  return Number(m[1]) * 100 + within;
}

export type ExportType = "F16" | "Q8_0" | "Q6_K" | "TQ2_0" | "TQ1_0";

/** llama_ftype of each export type ("mostly" that type; 1-d tensors stay F32). */
const FILE_TYPE: Record<ExportType, number> = { F16: 1, Q8_0: 7, Q6_K: 18, TQ1_0: 36, TQ2_0: 37 };
const GGML_TYPE: Record<ExportType, GgmlType> = {
  F16: GgmlType.F16, Q8_0: GgmlType.Q8_0, Q6_K: GgmlType.Q6_K, TQ1_0: GgmlType.TQ1_0, TQ2_0: GgmlType.TQ2_0,
};

export interface ExportInfo {
  name: string;
  sizeLabel: string;
  description: string;
}

/**
 * A complete GGUF (in memory) for the model's architecture (llama or bitnet): block matrices in `type`, norm
 * vectors in F32, the tied embedding matrix as token_embd.weight only (llama.cpp then uses it as the output matrix
 * too) in `type`, or in `embeddingType` when given (a ternary type would ruin the output matrix, and BitNet keeps
 * its embedding in full precision). The ternary types need rows that are multiples of 256.
 */
export function buildGguf(
  weights: LoadedWeights,
  tok: TokenizerFile,
  type: ExportType,
  info: ExportInfo,
  embeddingType: ExportType = type,
): Uint8Array {
  const c = weights.config;
  if (tok.tokens.length !== c.vocab_size) throw new Error(`tokenizer has ${tok.tokens.length} tokens, model ${c.vocab_size}`);
  const arch = c.arch ?? "llama";
  const w = new GgufWriter();
  w.setString("general.architecture", arch);
  w.setString("general.type", "model");
  w.setString("general.name", info.name);
  w.setString("general.size_label", info.sizeLabel);
  w.setString("general.description", info.description);
  w.setString("general.license", "MIT");
  w.setU32("general.file_type", FILE_TYPE[type]);
  w.setU32("general.quantization_version", 2);
  w.setU32(`${arch}.vocab_size`, c.vocab_size);
  w.setU32(`${arch}.context_length`, c.context_length);
  w.setU32(`${arch}.embedding_length`, c.dim);
  w.setU32(`${arch}.block_count`, c.n_layers);
  w.setU32(`${arch}.feed_forward_length`, c.hidden_dim);
  w.setU32(`${arch}.attention.head_count`, c.n_heads);
  w.setU32(`${arch}.attention.head_count_kv`, c.n_kv_heads);
  w.setU32(`${arch}.rope.dimension_count`, c.dim / c.n_heads);
  w.setF32(`${arch}.rope.freq_base`, c.rope_theta);
  w.setF32(`${arch}.attention.layer_norm_rms_epsilon`, c.norm_eps);
  w.setString("tokenizer.ggml.model", "gpt2");
  w.setString("tokenizer.ggml.pre", tok.pre);
  w.setArray("tokenizer.ggml.tokens", GgufValueType.STRING, tok.tokens);
  w.setArray("tokenizer.ggml.token_type", GgufValueType.INT32, Int32Array.from(tok.tokenTypes));
  w.setArray("tokenizer.ggml.merges", GgufValueType.STRING, tok.merges);
  w.setU32("tokenizer.ggml.bos_token_id", tok.bosId);
  w.setU32("tokenizer.ggml.eos_token_id", tok.eosId);
  w.setU32("tokenizer.ggml.eot_token_id", tok.eotId);
  w.setU32("tokenizer.ggml.padding_token_id", tok.padId);
  w.setBool("tokenizer.ggml.add_bos_token", false);
  w.setBool("tokenizer.ggml.add_eos_token", false);
  w.setString("tokenizer.chat_template", tok.chatTemplate);

  const sorted = [...weights.tensors].sort((a, b) => tensorOrder(a.name) - tensorOrder(b.name));
  for (const t of sorted) {
    // PyTorch [out, in] is row-major with `in` contiguous: exactly ggml's [in, out] (dims[0] = row length).
    const dims = [...t.shape].reverse();
    const isMatrix = dims.length === 2;
    const ggmlType = !isMatrix ? GgmlType.F32 : GGML_TYPE[t.name === "token_embd.weight" ? embeddingType : type];
    const data = t.data;
    w.addTensor({ name: t.name, type: ggmlType, dims, data: () => quantize(ggmlType, data) });
  }
  return w.toBytes();
}

function main(): void {
  const args = {
    weights: "/tmp/edgellm-train/weights",
    tokenizer: "/tmp/edgellm-train/data/tokenizer.json",
    out: "models",
    basename: "edgellm-assistant",
    /** Comma-separated export types. */
    types: "F16,Q8_0",
    /** Type of the (tied) token embedding in ternary files: Q6_K, as llama-quantize picks for a tied output matrix. */
    embedding: "Q6_K",
    name: "EdgeLLM Assistant",
  };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, "") as keyof typeof args;
    if (!(k in args)) throw new Error(`unknown argument ${argv[i]}`);
    args[k] = argv[i + 1];
  }
  const weights = loadWeights(args.weights);
  const tok = JSON.parse(readFileSync(args.tokenizer, "utf8")) as TokenizerFile;
  const params = weights.tensors.reduce((s, t) => s + t.data.length, 0);
  const info: ExportInfo = {
    name: args.name,
    sizeLabel: `${(params / 1e6).toFixed(1)}M`,
    description:
      "Tiny English + Bangla edge assistant (smart home, sensor alerts, kiosk, calendar) trained on a synthetic corpus." +
      (weights.config.arch === "bitnet" ? " BitNet b1.58: ternary weights learned by quantization-aware training." : ""),
  };
  const types = args.types.split(",") as ExportType[];
  for (const type of [...types, args.embedding as ExportType]) {
    if (!(type in FILE_TYPE)) throw new Error(`--types/--embedding: unknown type ${type} (F16, Q8_0, Q6_K, TQ2_0, TQ1_0)`);
  }
  for (const type of types) {
    const ternary = type === "TQ1_0" || type === "TQ2_0";
    const bytes = buildGguf(weights, tok, type, info, ternary ? (args.embedding as ExportType) : type);
    const path = join(args.out, `${args.basename}-${type.toLowerCase()}.gguf`);
    writeFileSync(path, bytes);
    console.log(`${path}: ${bytes.length} bytes, ${params} parameters, ${weights.tensors.length} tensors`);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();
