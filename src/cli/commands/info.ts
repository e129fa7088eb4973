// `edgellm info`: what a GGUF file holds — architecture, hyperparameters, tokenizer, tensors by type.
import { readGgufHeader } from "../../engine.js";
import { describeValue } from "../../format/gguf-meta.js";
import { GgmlType } from "../../tensor/ggml-type.js";
import { bigintAsNumber, formatCount, ggufInfo } from "../../tools/gguf-info.js";
import { helpText, parseArgs, type OptionSpec } from "../args.js";
import { EdgeError } from "../../errors.js";

const SPEC: Record<string, OptionSpec> = {
  json: { type: "boolean", help: "print JSON" },
  all: { type: "boolean", help: "list every metadata key and tensor" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};

export const command = {
  summary: "describe a GGUF file",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText("edgellm info FILE [--json] [--all]", SPEC) + "\n");
    const path = p._[0];
    if (!path) throw new EdgeError("bad_argument", "missing GGUF file (edgellm info FILE)");
    const f = readGgufHeader(path);
    const info = ggufInfo(f, path);
    if (p.json) {
      const extra = p.all ? { metadata: Object.fromEntries([...f.metadata].map(([k, v]) => [k, describeValue(v)])), tensor_list: f.tensors.map((t) => ({ name: t.name, type: GgmlType[t.type], dims: t.dims, offset: t.fileOffset, bytes: t.byteSize })) } : {};
      process.stdout.write(JSON.stringify({ ...info, ...extra }, bigintAsNumber, 2) + "\n");
      return;
    }
    const t = info.tokenizer;
    const lines = [
      `file:          ${path} (${(f.fileSize / 2 ** 20).toFixed(1)} MiB, GGUF v${f.version})`,
      `architecture:  ${info.architecture}${info.name ? ` ("${String(info.name)}")` : ""}${info.supported ? "" : " — not supported by edgellm"}`,
      ...Object.entries(info.hyperparameters).map(([k, v]) => `  ${k.padEnd(36)} ${v}`),
      `tokenizer:     ${t.model ?? "(none)"}${t.pre ? `, pre "${String(t.pre)}"` : ""}, ${t.tokens} tokens, bos ${String(t.bos)}, eos ${String(t.eos)}${t.chat_template ? ", chat template" : ""}`,
      `tensors:       ${f.tensors.length}, ${formatCount(info.parameters)} parameters`,
      ...Object.entries(info.by_type).map(([k, v]) => `  ${k.padEnd(8)} ${String(v.count).padStart(5)} tensors ${formatCount(v.params).padStart(8)} params ${(v.bytes / 2 ** 20).toFixed(2).padStart(10)} MiB`),
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
