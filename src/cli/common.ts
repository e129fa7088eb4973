// Options and helpers shared by the commands that load a model.
import { EdgeError } from "../errors.js";
import { loadModel, type LoadedModel } from "../engine.js";
import { optionalNumber, requireString, type OptionSpec, type Parsed } from "./args.js";

export const MODEL_OPTIONS: Record<string, OptionSpec> = {
  model: { type: "string", alias: "m", help: "GGUF model file" },
  threads: { type: "number", alias: "t", help: "threads (default: number of cores)" },
  backend: { type: "string", help: "kernels: wasm | reference" },
  "memory-budget": { type: "number", help: "MiB for weights + KV cache + scratch (default: 3/4 of RAM, max 4032)" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};

export function openModel(p: Parsed): LoadedModel {
  const path = requireString(p, "model", "model file");
  const threads = optionalNumber(p, "threads");
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 64)) {
    throw new EdgeError("bad_argument", `--threads must be an integer from 1 to 64, got ${threads}`);
  }
  const backend = p.backend;
  if (backend !== undefined && backend !== "wasm" && backend !== "reference") {
    throw new EdgeError("bad_argument", `--backend must be "wasm" or "reference", got "${String(backend)}"`);
  }
  const budgetMiB = optionalNumber(p, "memory-budget");
  return loadModel(path, {
    threads,
    backend: backend as "wasm" | "reference" | undefined,
    memoryBudget: budgetMiB !== undefined ? budgetMiB * 2 ** 20 : undefined,
  });
}

export function positiveInt(p: Parsed, name: string): number | undefined {
  const v = optionalNumber(p, name);
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new EdgeError("bad_argument", `--${name} must be a positive integer, got ${v}`);
  return v;
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
