// The Ollama routes that describe models: GET /api/version, GET /api/tags, GET /api/ps, POST /api/show. Each served
// model is listed as `id:latest`, with Ollama's details (family, parameter size, quantization level) read from its
// GGUF header; `model_info` is the header's metadata.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import type { FastifyRequest } from "fastify";
import { detectToolCallFormat } from "../../chat/tool-formats.js";
import { templateToolCaps } from "../../chat/tool-render.js";
import { MERGES_KEY, readGgufHeader } from "../../engine.js";
import type { GgufKv, GgufValue } from "../../format/gguf-types.js";
import { GgmlType } from "../../tensor/ggml-type.js";
import type { ServerContext } from "../context.js";
import type { ServedModel } from "../served-models.js";
import { resolveModel, rfc3339Nano, tagged } from "./reply.js";
import type { ShowBody } from "./schemas.js";

/**
 * The Ollama API version these routes follow: the first Ollama release with every field they implement (logprobs
 * came last, in 0.12.11). Clients compare it to decide which features to use; edgellm's own version is not Ollama's.
 */
export const OLLAMA_API_VERSION = "0.12.11";

interface ModelFacts {
  params: number;
  quantization: string;
  digest: string;
  modifiedAt: string;
}

const facts = new WeakMap<ServedModel, ModelFacts>();

/** What Ollama lists about a model, computed once: parameter count, quantization, a digest, the file's mtime. */
function factsOf(m: ServedModel): ModelFacts {
  let f = facts.get(m);
  if (f) return f;
  const file = m.lm.file;
  let params = 0;
  const byType = new Map<number, number>();
  for (const t of file.tensors) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    params += n;
    if (t.dims.length >= 2) byType.set(t.type, (byType.get(t.type) ?? 0) + n);
  }
  const ftype = file.metadata.get("general.file_type")?.value;
  const common = [...byType].sort((a, b) => b[1] - a[1])[0]?.[0];
  const quantization = (typeof ftype === "number" ? FILE_TYPES[ftype] : undefined) ?? (common !== undefined ? GgmlType[common] : undefined) ?? "unknown";
  const st = statSync(m.path, { bigint: true });
  // not a hash of the content (gigabytes, on every listing): of what identifies this file
  const digest = createHash("sha256").update(`${m.path}\0${st.size}\0${st.mtimeNs}`).digest("hex");
  f = { params, quantization, digest, modifiedAt: rfc3339Nano(st.mtimeNs) };
  facts.set(m, f);
  return f;
}

/** llama.cpp's general.file_type (llama_ftype) names, as Ollama shows them. */
const FILE_TYPES: Record<number, string> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M",
  13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 21: "Q2_K_S", 32: "BF16",
};

/** Ollama's parameter_size: 5.80M, 135M, 1.2B, 8K. */
function humanCount(n: number): string {
  const at = (unit: number, suffix: string, digits: number) => {
    const x = n / unit;
    return (Number.isInteger(x) ? x.toFixed(0) : x.toFixed(digits)) + suffix;
  };
  if (n >= 1e9) return at(1e9, "B", 1);
  if (n >= 1e6) return at(1e6, "M", 2);
  if (n >= 1e3) return (n / 1e3).toFixed(0) + "K";
  return String(n);
}

function details(m: ServedModel) {
  const arch = m.lm.config.architecture;
  const f = factsOf(m);
  return { parent_model: "", format: "gguf", family: arch, families: [arch], parameter_size: humanCount(f.params), quantization_level: f.quantization };
}

/** Ollama's capabilities: every model completes and embeds; "tools" unless the template's own call format is unknown. */
function capabilities(m: ServedModel): string[] {
  const tools = detectToolCallFormat(m.template.source) !== undefined || !templateToolCaps(m.template).tools;
  return ["completion", ...(tools ? ["tools"] : [])];
}

export function version() {
  return { version: OLLAMA_API_VERSION };
}

export function tags(ctx: ServerContext) {
  return {
    models: ctx.models.list.map((m) => {
      const f = factsOf(m);
      const name = tagged(m.id);
      return { name, model: name, modified_at: f.modifiedAt, size: m.lm.file.fileSize, digest: f.digest, details: details(m), capabilities: capabilities(m) };
    }),
  };
}

/** Loaded models: all of them, always (they never expire); size is what they take in memory, weights and slots. */
export function ps(ctx: ServerContext) {
  // Ollama's "never": the largest Go duration from now
  const never = rfc3339Nano((BigInt(Date.now()) + 292n * 365n * 86_400_000n) * 1_000_000n);
  return {
    models: ctx.models.list.map((m) => {
      const name = tagged(m.id);
      return {
        name, model: name, size: m.bytes.weights + m.bytes.slots, digest: factsOf(m).digest, details: details(m),
        expires_at: never, size_vram: 0, context_length: m.ctx,
      };
    }),
  };
}

export function show(ctx: ServerContext, request: FastifyRequest<{ Body: ShowBody }>) {
  const body = request.body;
  const m = resolveModel(ctx, body.model || body.name || "");
  const verbose = body.verbose === true;
  const file = m.lm.file;
  const info: Record<string, unknown> = {};
  // the loaded header has no merges (the tokenizer keeps them as id pairs): verbose output reads them from the file
  const metadata = verbose ? readGgufHeader(m.path).metadata : file.metadata;
  for (const [key, kv] of metadata) {
    if (key === "tokenizer.chat_template") continue; // it is `template`
    info[key] = jsonValue(kv, verbose);
  }
  if (!verbose && m.lm.tokenizer.kind === "bpe") info[MERGES_KEY] ??= [];
  info["general.parameter_count"] ??= factsOf(m).params;
  return {
    modelfile: `# Modelfile of an edgellm model (edgellm has no Modelfiles)\nFROM ${m.path}\nPARAMETER num_ctx ${m.ctx}\n`,
    parameters: `${"num_ctx".padEnd(30)} ${m.ctx}`,
    template: m.template.source,
    details: details(m),
    model_info: info,
    tensors: file.tensors.map((t) => ({ name: t.name, type: GgmlType[t.type] ?? String(t.type), shape: t.dims })),
    capabilities: capabilities(m),
    modified_at: factsOf(m).modifiedAt,
  };
}

/** A metadata value as JSON; as Ollama, arrays of more than 5 items are empty unless verbose. */
function jsonValue(kv: GgufKv, verbose: boolean): unknown {
  const conv = (v: GgufValue): unknown => {
    if (typeof v === "bigint") return Number(v);
    if (typeof v !== "object") return v;
    if (!verbose && v.items.length > 5) return [];
    if (Array.isArray(v.items)) return (v.items as (string | GgufValue)[]).map((x) => (typeof x === "string" ? x : conv(x)));
    return Array.from(v.items as ArrayLike<number | bigint>, (x) => (typeof x === "bigint" ? Number(x) : x));
  };
  return conv(kv.value);
}
