// What a GGUF file holds, from its header alone: architecture (and whether edgellm runs it), hyperparameters,
// tokenizer, parameter count and tensors by type. `edgellm info` prints it; the dashboard's model panel shows it.
import { describeValue } from "../format/gguf-meta.js";
import type { GgufFile } from "../format/gguf-types.js";
import { ARCHITECTURES } from "../model/registry.js";
import { GgmlType } from "../tensor/ggml-type.js";

export { formatCount } from "./format-count.js";

/** Hyperparameters shown, as `<architecture>.<key>` metadata keys. */
const HPARAMS = [
  "context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count",
  "attention.head_count_kv", "attention.key_length", "attention.layer_norm_rms_epsilon", "attention.layer_norm_epsilon",
  "attention.value_length", "attention.sliding_window", "attention.sliding_window_pattern", "attn_logit_softcapping",
  "final_logit_softcapping", "rope.dimension_count", "rope.freq_base", "rope.freq_base_swa", "rope.scaling.type",
  "rope.scaling.factor", "rope.scaling.original_context_length", "rope.scaling.attn_factor", "pooling_type", "attention.causal",
  "vocab_size",
];

export interface TensorTypeSummary {
  count: number;
  bytes: number;
  params: number;
}

/** The fields of `edgellm info --json` (without --all). */
export interface GgufInfo {
  file: string;
  gguf_version: number;
  architecture: string;
  supported: boolean;
  name: unknown;
  hyperparameters: Record<string, string>;
  tokenizer: { model: unknown; pre: unknown; tokens: number; bos: unknown; eos: unknown; chat_template: boolean };
  tensors: number;
  parameters: number;
  file_bytes: number;
  /** Tensor type name → its tensors, bytes and parameters, in order of first appearance. */
  by_type: Record<string, TensorTypeSummary>;
}

export function ggufInfo(f: GgufFile, path: string): GgufInfo {
  const meta = (k: string) => f.metadata.get(k);
  const arch = (meta("general.architecture")?.value as string | undefined) ?? "(none)";
  const hparams: Record<string, string> = {};
  for (const h of HPARAMS) {
    const v = meta(`${arch}.${h}`);
    if (v !== undefined) hparams[h] = describeValue(v);
  }
  const byType: Record<string, TensorTypeSummary> = {};
  let params = 0;
  for (const t of f.tensors) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    params += n;
    const name = GgmlType[t.type] ?? `type ${t.type}`;
    const e = (byType[name] ??= { count: 0, bytes: 0, params: 0 });
    e.count++;
    e.bytes += t.byteSize;
    e.params += n;
  }
  const tokens = meta("tokenizer.ggml.tokens")?.value;
  return {
    file: path,
    gguf_version: f.version,
    architecture: arch,
    supported: Object.hasOwn(ARCHITECTURES, arch),
    name: meta("general.name")?.value ?? null,
    hyperparameters: hparams,
    tokenizer: {
      model: meta("tokenizer.ggml.model")?.value ?? null,
      pre: meta("tokenizer.ggml.pre")?.value ?? null,
      tokens: tokens && typeof tokens === "object" && "items" in tokens ? tokens.items.length : 0,
      bos: meta("tokenizer.ggml.bos_token_id")?.value ?? null,
      eos: meta("tokenizer.ggml.eos_token_id")?.value ?? null,
      chat_template: meta("tokenizer.chat_template") !== undefined,
    },
    tensors: f.tensors.length,
    parameters: params,
    file_bytes: f.fileSize,
    by_type: byType,
  };
}

/** JSON.stringify's replacer for metadata values (GGUF u64/i64 are bigints). */
export function bigintAsNumber(_key: string, v: unknown): unknown {
  return typeof v === "bigint" ? Number(v) : v;
}
