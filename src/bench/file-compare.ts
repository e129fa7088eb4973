// `edgellm bench -m a.gguf -m b.gguf … [-f TEXT]`: several files of one model (F16, Q8_0, Q4_K_M, …) side by side on
// edgellm — size, bits per weight, speed, tail latency, peak RSS and (with a text) perplexity — so that one command
// answers "what does quantizing buy me on this device".
import { statSync } from "node:fs";
import { loadModel, readGgufHeader } from "../engine.js";
import { chunkBos, perplexity } from "../eval/perplexity.js";
import { bitsPerWeight } from "../eval/quality.js";
import type { GgufFile } from "../format/gguf-types.js";
import { ggmlTypeName } from "../tensor/types.js";
import { FILE_TYPES } from "../tools/quant-plan.js";
import type { BackendSummary, BenchSetup } from "./report.js";

export interface FileRow {
  model: string;
  fileType: string;
  mb: number;
  bitsPerWeight: number;
  summary: BackendSummary;
  setup: BenchSetup;
  perplexity?: number;
}

/** llama_ftype's name for general.file_type; without one, "mostly T" for the type holding most matrix bytes. */
export function fileTypeName(file: GgufFile): string {
  const v = file.metadata.get("general.file_type")?.value;
  const named = FILE_TYPES.find((f) => f.ftype === v)?.name;
  if (named) return named;
  const bytes = new Map<number, number>();
  for (const t of file.tensors) if (t.dims.length >= 2) bytes.set(t.type, (bytes.get(t.type) ?? 0) + t.byteSize);
  const top = [...bytes].sort((a, b) => b[1] - a[1])[0];
  return top ? `mostly ${ggmlTypeName(top[0])}` : v === undefined ? "?" : `ftype ${String(v)}`;
}

export function filePerplexity(path: string, text: string, ctx: number, chunks: number, threads: number | undefined): number {
  const lm = loadModel(path, { threads });
  try {
    const tokens = lm.tokenizer.encode(text).slice(0, ctx * chunks);
    const bos = chunkBos(lm.tokenizer);
    return perplexity(lm.createSession({ ctx, batch: Math.min(64, ctx), allLogits: true }), tokens, ctx, bos).perplexity;
  } finally {
    lm.dispose();
  }
}

export function fileFacts(path: string): { fileType: string; mb: number; bitsPerWeight: number } {
  const file = readGgufHeader(path);
  return { fileType: fileTypeName(file), mb: statSync(path).size / 2 ** 20, bitsPerWeight: bitsPerWeight(file) };
}

const fmt = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : "—");

export function filesTable(rows: FileRow[], pplNote?: string): string {
  const head = ["file", "type", "MB", "bits/weight", "prefill tok/s", "decode tok/s", "token p99/p50", "peak RSS MB", ...(pplNote ? ["perplexity"] : [])];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const r of rows) {
    const s = r.summary.stats;
    lines.push(`| ${[r.model, r.fileType, fmt(r.mb, 1), fmt(r.bitsPerWeight, 2), fmt(s.prefill_tok_s.median, 1), fmt(s.decode_tok_s.median, 1),
      fmt(s.token_p99_p50.median, 2), fmt(s.peak_rss_mb.median, 0), ...(pplNote ? [fmt(r.perplexity ?? NaN, 4)] : [])].join(" | ")} |`);
  }
  const setup = rows[0]!.setup;
  const foot = `${setup.promptTokens}-token prompt, ${setup.genTokens} greedy steps, ${setup.threads} threads, ${rows[0]!.summary.runs.length} runs each (medians)` + (pplNote ? `; ${pplNote}` : "");
  return lines.join("\n") + "\n\n" + foot + "\n";
}
