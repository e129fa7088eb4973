// `edgellm info`: what a GGUF file holds — architecture, hyperparameters, tokenizer, tensors by type.
import { readGgufHeader } from "../../engine.js";
import { describeValue } from "../../format/gguf-meta.js";
import { GgmlType } from "../../tensor/ggml-type.js";
import { helpText, parseArgs, type OptionSpec } from "../args.js";
import { EdgeError } from "../../errors.js";
import { ARCHITECTURES } from "../../model/registry.js";

const SPEC: Record<string, OptionSpec> = {
  json: { type: "boolean", help: "print JSON" },
  all: { type: "boolean", help: "list every metadata key and tensor" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};

const HPARAMS = [
  "context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count",
  "attention.head_count_kv", "attention.key_length", "attention.layer_norm_rms_epsilon", "attention.layer_norm_epsilon",
  "attention.value_length", "attention.sliding_window", "attention.sliding_window_pattern", "attn_logit_softcapping",
  "final_logit_softcapping", "rope.dimension_count", "rope.freq_base", "rope.freq_base_swa", "rope.scaling.type",
  "rope.scaling.factor", "rope.scaling.original_context_length", "rope.scaling.attn_factor", "pooling_type", "attention.causal",
  "vocab_size",
];

export const command = {
  summary: "describe a GGUF file",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText("edgellm info FILE [--json] [--all]", SPEC) + "\n");
    const path = p._[0];
    if (!path) throw new EdgeError("bad_argument", "missing GGUF file (edgellm info FILE)");
    const f = readGgufHeader(path);
    const meta = (k: string) => f.metadata.get(k);
    const str = (k: string) => {
      const v = meta(k);
      return v === undefined ? undefined : describeValue(v);
    };
    const arch = (meta("general.architecture")?.value as string | undefined) ?? "(none)";
    const hparams: Record<string, string> = {};
    for (const h of HPARAMS) {
      const v = str(`${arch}.${h}`);
      if (v !== undefined) hparams[h] = v;
    }
    const byType = new Map<string, { count: number; bytes: number; params: number }>();
    let params = 0;
    for (const t of f.tensors) {
      const n = t.dims.reduce((a, b) => a * b, 1);
      params += n;
      const name = GgmlType[t.type] ?? `type ${t.type}`;
      const e = byType.get(name) ?? { count: 0, bytes: 0, params: 0 };
      e.count++;
      e.bytes += t.byteSize;
      e.params += n;
      byType.set(name, e);
    }
    const tokens = meta("tokenizer.ggml.tokens")?.value;
    const info = {
      file: path,
      gguf_version: f.version,
      architecture: arch,
      supported: Object.hasOwn(ARCHITECTURES, arch),
      name: meta("general.name")?.value ?? null,
      hyperparameters: hparams,
      tokenizer: {
        model: meta("tokenizer.ggml.model")?.value ?? null,
        pre: meta("tokenizer.ggml.pre")?.value ?? null,
        tokens: tokens && typeof tokens === "object" ? tokens.items.length : 0,
        bos: meta("tokenizer.ggml.bos_token_id")?.value ?? null,
        eos: meta("tokenizer.ggml.eos_token_id")?.value ?? null,
        chat_template: meta("tokenizer.chat_template") !== undefined,
      },
      tensors: f.tensors.length,
      parameters: params,
      file_bytes: f.fileSize,
      by_type: Object.fromEntries([...byType].map(([k, v]) => [k, v])),
    };
    if (p.json) {
      const extra = p.all ? { metadata: Object.fromEntries([...f.metadata].map(([k, v]) => [k, describeValue(v)])), tensor_list: f.tensors.map((t) => ({ name: t.name, type: GgmlType[t.type], dims: t.dims, offset: t.fileOffset, bytes: t.byteSize })) } : {};
      process.stdout.write(JSON.stringify({ ...info, ...extra }, (_, v) => (typeof v === "bigint" ? Number(v) : v), 2) + "\n");
      return;
    }
    const lines = [
      `file:          ${path} (${(f.fileSize / 2 ** 20).toFixed(1)} MiB, GGUF v${f.version})`,
      `architecture:  ${arch}${info.name ? ` ("${String(info.name)}")` : ""}${info.supported ? "" : " — not supported by edgellm"}`,
      ...Object.entries(hparams).map(([k, v]) => `  ${k.padEnd(36)} ${v}`),
      `tokenizer:     ${info.tokenizer.model ?? "(none)"}${info.tokenizer.pre ? `, pre "${String(info.tokenizer.pre)}"` : ""}, ${info.tokenizer.tokens} tokens, bos ${String(info.tokenizer.bos)}, eos ${String(info.tokenizer.eos)}${info.tokenizer.chat_template ? ", chat template" : ""}`,
      `tensors:       ${f.tensors.length}, ${formatCount(params)} parameters`,
      ...[...byType].map(([k, v]) => `  ${k.padEnd(8)} ${String(v.count).padStart(5)} tensors ${formatCount(v.params).padStart(8)} params ${(v.bytes / 2 ** 20).toFixed(2).padStart(10)} MiB`),
    ];
    if (p.all) {
      lines.push("metadata:");
      for (const [k, v] of f.metadata) lines.push(`  ${k} = ${describeValue(v)}`);
      lines.push("tensor list:");
      for (const t of f.tensors) lines.push(`  ${t.name.padEnd(32)} ${(GgmlType[t.type] ?? t.type).toString().padEnd(6)} [${t.dims.join(", ")}] @${t.fileOffset}`);
    }
    process.stdout.write(lines.join("\n") + "\n");
  },
};

function formatCount(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + "B";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + "K";
  return String(n);
}
