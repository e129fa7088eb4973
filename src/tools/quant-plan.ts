// Which type each tensor of a model gets when it is quantized to a llama-quantize "file type" (Q4_K_M, Q3_K_S, …):
// the same choices llama.cpp makes without an importance matrix, so that edgellm's files equal llama-quantize's.
// The rules, in short: only 2-D weights outside a few families are quantized; the output matrix (and a tied token
// embedding) gets Q6_K unless the file type is Q8_0; attn_v and ffn_down get more bits in the *_M / *_L mixes, in a
// pattern over their position (use_more_bits); rows that do not divide into a type's blocks fall back to a smaller
// block type. Counters advance in llama.cpp's tensor order: by layer number, then by name.
import { EdgeError } from "../errors.js";
import type { GgufFile, GgufTensorInfo } from "../format/gguf-types.js";
import { getNumber, getString } from "../format/gguf-meta.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { traitsOf } from "../tensor/types.js";

/** A llama-quantize file type: its name, `general.file_type` value (llama_ftype) and default tensor type. */
export interface FileType {
  name: string;
  ftype: number;
  type: GgmlType;
}

export const FILE_TYPES: readonly FileType[] = [
  { name: "F32", ftype: 0, type: GgmlType.F32 },
  { name: "F16", ftype: 1, type: GgmlType.F16 },
  { name: "BF16", ftype: 32, type: GgmlType.BF16 },
  { name: "Q8_0", ftype: 7, type: GgmlType.Q8_0 },
  { name: "Q4_0", ftype: 2, type: GgmlType.Q4_0 },
  { name: "Q4_1", ftype: 3, type: GgmlType.Q4_1 },
  { name: "Q5_0", ftype: 8, type: GgmlType.Q5_0 },
  { name: "Q5_1", ftype: 9, type: GgmlType.Q5_1 },
  { name: "Q2_K", ftype: 10, type: GgmlType.Q2_K },
  { name: "Q3_K_S", ftype: 11, type: GgmlType.Q3_K },
  { name: "Q3_K_M", ftype: 12, type: GgmlType.Q3_K },
  { name: "Q3_K_L", ftype: 13, type: GgmlType.Q3_K },
  { name: "Q4_K_S", ftype: 14, type: GgmlType.Q4_K },
  { name: "Q4_K_M", ftype: 15, type: GgmlType.Q4_K },
  { name: "Q5_K_S", ftype: 16, type: GgmlType.Q5_K },
  { name: "Q5_K_M", ftype: 17, type: GgmlType.Q5_K },
  { name: "Q6_K", ftype: 18, type: GgmlType.Q6_K },
  { name: "TQ1_0", ftype: 36, type: GgmlType.TQ1_0 },
  { name: "TQ2_0", ftype: 37, type: GgmlType.TQ2_0 },
];

/** llama-quantize's short aliases. */
const ALIASES: Record<string, string> = { Q3_K: "Q3_K_M", Q4_K: "Q4_K_M", Q5_K: "Q5_K_M" };

export function fileTypeByName(name: string): FileType {
  const upper = name.toUpperCase();
  const ft = FILE_TYPES.find((f) => f.name === (ALIASES[upper] ?? upper));
  if (!ft) throw new EdgeError("bad_argument", `unknown quantization type "${name}" (one of ${FILE_TYPES.map((f) => f.name).join(", ")})`);
  return ft;
}

export interface PlanOptions {
  /** Every quantizable tensor gets the file type's default type (no mix rules; fallbacks still apply). */
  pure?: boolean;
  /** Leave output.weight as it is. */
  leaveOutput?: boolean;
  /** Type of output.weight (and of a tied token embedding). */
  outputType?: GgmlType;
  /** Type of token_embd.weight. */
  tokenEmbeddingType?: GgmlType;
}

export interface PlannedTensor {
  info: GgufTensorInfo;
  /** The type it is written as (its own type when it is not quantized). */
  target: GgmlType;
}

type Category = "output" | "token_embd" | "attn_qkv" | "attn_kv_b" | "attn_v" | "attn_k" | "attn_q" | "attn_output" | "ffn_up" | "ffn_gate" | "ffn_down" | "other";

function categoryOf(name: string): Category {
  if (name === "output.weight") return "output";
  if (name === "token_embd.weight" || name === "per_layer_token_embd.weight") return "token_embd";
  // substring tests in this order (attn_qkv before attn_v, …), as llama.cpp does
  for (const c of ["attn_qkv", "attn_kv_b", "attn_v", "attn_k", "attn_q", "attn_output"] as const) if (name.includes(`${c}.weight`)) return c;
  for (const c of ["ffn_up", "ffn_gate", "ffn_down"] as const) if (name.includes(c)) return c;
  return "other";
}

const isAttnV = (c: Category) => c === "attn_v" || c === "attn_qkv" || c === "attn_kv_b";

/** Name fragments of 2-D weights llama.cpp never quantizes (norms, routing tables, tiny or positional tensors). */
const NEVER_QUANTIZED = [
  "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
  "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight", "attn_rel_b.weight",
  ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos", ".patch_embd", ".patch_merger",
  "a.rvq.codebook", "mm.a.code_embd",
];
const RWKV_SMALL = ["first", "w0", "w1", "w2", "v0", "v1", "v2", "a0", "a1", "a2", "g1", "g2", "decay_w1", "decay_w2", "lerp_fused"].map((s) => `time_mix_${s}.weight`);

function allowsQuantization(t: GgufTensorInfo, opts: PlanOptions): boolean {
  if (t.dims.length < 2) return false;
  const name = t.name;
  if (!name.endsWith("weight")) return false;
  if (opts.leaveOutput && name === "output.weight") return false;
  if (name === "position_embd.weight" || name === "token_types.weight") return false;
  return !NEVER_QUANTIZED.some((s) => name.includes(s)) && !RWKV_SMALL.some((s) => name.includes(s));
}

/** Layer number of "blk.N.…" names, −1 for the others (llama.cpp sorts those first). */
function layerOf(name: string): number {
  const m = /^blk\.(-?\d+)\./.exec(name);
  return m ? Number(m[1]) : -1;
}

/** llama.cpp's tensor order: by layer, then by name (byte order). */
export function quantizationOrder(tensors: readonly GgufTensorInfo[]): GgufTensorInfo[] {
  return [...tensors].sort((a, b) => layerOf(a.name) - layerOf(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** More bits for the first and last eighth of the layers and every third one between. */
function useMoreBits(i: number, n: number): boolean {
  const e = Math.trunc(n / 8);
  return i < e || i >= Math.trunc((7 * n) / 8) || (i - e) % 3 === 2;
}

/** A type that the tensor's rows divide into: K-quants fall back to a 32-block type, and that to F16. */
function fallback(t: GgufTensorInfo, type: GgmlType): GgmlType {
  const cols = t.dims[0]!;
  const block = traitsOf(type).blockSize;
  if (cols % block === 0) return type;
  const smaller: Partial<Record<GgmlType, GgmlType>> = {
    [GgmlType.Q2_K]: GgmlType.Q4_0, [GgmlType.Q3_K]: GgmlType.Q4_0, [GgmlType.Q4_K]: GgmlType.Q5_0,
    [GgmlType.Q5_K]: GgmlType.Q5_1, [GgmlType.Q6_K]: GgmlType.Q8_0, [GgmlType.TQ1_0]: GgmlType.Q4_0, [GgmlType.TQ2_0]: GgmlType.Q4_0,
  };
  const to = smaller[type] ?? type;
  return cols % traitsOf(to).blockSize === 0 ? to : GgmlType.F16;
}

const isQuantized = (t: GgmlType) => t !== GgmlType.F32 && t !== GgmlType.F16 && t !== GgmlType.BF16;

/** The target type of every tensor, in llama.cpp's order. */
export function planQuantization(file: GgufFile, ft: FileType, opts: PlanOptions = {}): PlannedTensor[] {
  const arch = getString(file, "general.architecture");
  const nLayers = getNumber(file, `${arch}.block_count`);
  const nHead = firstNumber(file, `${arch}.attention.head_count`, 1);
  const nHeadKv = firstNumber(file, `${arch}.attention.head_count_kv`, nHead);
  const gqa = nHeadKv > 0 ? Math.trunc(nHead / nHeadKv) : 1;
  const nExpert = firstNumber(file, `${arch}.expert_count`, 0);
  const ordered = quantizationOrder(file.tensors);
  const tied = !ordered.some((t) => t.name === "output.weight");
  const nAttnV = ordered.filter((t) => isAttnV(categoryOf(t.name))).length;
  const counters = { attnV: 0, ffnDown: 0 };
  const name = ft.name;
  const mix = (t: GgufTensorInfo, cat: Category, type: GgmlType): GgmlType => {
    if (cat === "output" || (tied && cat === "token_embd")) {
      if (opts.outputType !== undefined) return opts.outputType;
      if (arch === "falcon" || t.dims[0]! % traitsOf(type).blockSize !== 0) return GgmlType.Q8_0;
      return type === GgmlType.Q8_0 ? type : GgmlType.Q6_K;
    }
    // an untied embedding of a ternary file is Q4_K (ternary embeddings lose too much)
    if (cat === "token_embd") return name === "TQ1_0" || name === "TQ2_0" ? GgmlType.Q4_K : type;
    if (isAttnV(cat)) {
      let v = type;
      if (name === "Q2_K") v = gqa >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
      else if (name === "Q3_K_M") v = counters.attnV < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
      else if (name === "Q3_K_L") v = GgmlType.Q5_K;
      else if ((name === "Q4_K_M" || name === "Q5_K_M") && useMoreBits(counters.attnV, nAttnV)) v = GgmlType.Q6_K;
      else if (name === "Q4_K_S" && counters.attnV < 4) v = GgmlType.Q5_K;
      // attn_qkv takes this branch too (llama.cpp tests it first); (70B-class models bump Q3_K/Q4_K attn_v to Q5_K: none of the small models this tool is for)
      if (nExpert === 8) v = GgmlType.Q8_0;
      counters.attnV++;
      return v;
    }
    if (cat === "attn_k") return nExpert === 8 ? GgmlType.Q8_0 : type;
    if (cat === "ffn_down") {
      const i = counters.ffnDown++;
      const n = nLayers;
      if (name === "Q2_K") return GgmlType.Q3_K;
      if (name === "Q3_K_M") return i < Math.trunc(n / 16) ? GgmlType.Q5_K : arch !== "falcon" || useMoreBits(i, n) ? GgmlType.Q4_K : GgmlType.Q3_K;
      if (name === "Q3_K_L") return arch === "falcon" ? GgmlType.Q4_K : GgmlType.Q5_K;
      if (name === "Q4_K_M") {
        if (arch === "falcon") return i < Math.trunc(n / 16) ? GgmlType.Q6_K : useMoreBits(i, n) ? GgmlType.Q5_K : GgmlType.Q4_K;
        return useMoreBits(i, n) ? GgmlType.Q6_K : type;
      }
      if (name === "Q5_K_M") return useMoreBits(i, n) ? GgmlType.Q6_K : type;
      if (name === "Q4_K_S" && arch !== "falcon" && i < Math.trunc(n / 8)) return GgmlType.Q5_K;
      return type;
    }
    if (cat === "attn_output") {
      if (arch === "falcon") return name === "Q3_K_L" ? GgmlType.Q4_K : type;
      if (nExpert === 8) return ["Q2_K", "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M"].includes(name) ? GgmlType.Q5_K : type;
      return name === "Q2_K" ? GgmlType.Q3_K : name === "Q3_K_M" ? GgmlType.Q4_K : name === "Q3_K_L" ? GgmlType.Q5_K : type;
    }
    return type;
  };
  return ordered.map((info) => {
    if (!allowsQuantization(info, opts)) return { info, target: info.type };
    const cat = categoryOf(info.name);
    if (opts.tokenEmbeddingType !== undefined && cat === "token_embd") return { info, target: opts.tokenEmbeddingType };
    if (opts.outputType !== undefined && cat === "output") return { info, target: opts.outputType };
    let target = ft.type;
    if (isQuantized(target)) {
      if (!opts.pure) target = mix(info, cat, target);
      target = fallback(info, target);
    }
    return { info, target };
  });
}

/** A hyperparameter that may be a per-layer array (the first layer's value is used, as llama.cpp's n_gqa(0)). */
function firstNumber(file: GgufFile, key: string, dflt: number): number {
  const kv = file.metadata.get(key);
  if (!kv) return dflt;
  const v = kv.value;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "object" && v.items.length > 0 && typeof v.items[0] === "number") return v.items[0] as number;
  throw new EdgeError("bad_metadata", `${key} is not a number`);
}
