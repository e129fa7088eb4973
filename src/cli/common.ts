// Options and helpers shared by the commands that load a model.
import { readFileSync } from "node:fs";
import { EdgeError } from "../errors.js";
import { loadModel, readGgufHeader, type LoadedModel } from "../engine.js";
import { readDevice } from "../apps/plan/device.js";
import { fitSession } from "../apps/plan/fit.js";
import { hasSmallYoungGeneration } from "../apps/plan/runtime-cost.js";
import type { GenerateOptions } from "../runtime/generate.js";
import { modelPathOrDefault } from "./default-model.js";
import { optionalNumber, requireString, type OptionSpec, type Parsed } from "./args.js";

export const MODEL_OPTIONS: Record<string, OptionSpec> = {
  model: { type: "string", alias: "m", help: "GGUF model file (run/chat: default is the bundled demo model)" },
  threads: { type: "number", alias: "t", help: "threads (default: number of cores)" },
  backend: { type: "string", help: "kernels: wasm | reference" },
  "memory-budget": { type: "number", help: "MiB for weights + KV cache + scratch (default: 3/4 of RAM, max 4032)" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};

/** --max-memory for the commands that open one session (run, chat): handled by openModel and contextOf. */
export const MEMORY_OPTIONS: Record<string, OptionSpec> = {
  "max-memory": { type: "number", help: "MiB for the whole process: the context is the largest that fits (refused when 256 tokens do not)" },
};

/** The context openModel fitted under --max-memory, per model it opened. */
const fittedContext = new WeakMap<LoadedModel, number>();

/** Load the model named by -m, or the bundled demo model when `allowDefault` and no -m is given. */
export function openModel(p: Parsed, allowDefault = false): LoadedModel {
  const given = typeof p.model === "string" && p.model !== "" ? p.model : undefined;
  const path = allowDefault ? modelPathOrDefault(given) : requireString(p, "model", "model file");
  const threads = optionalNumber(p, "threads");
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 64)) {
    throw new EdgeError("bad_argument", `--threads must be an integer from 1 to 64, got ${threads}`);
  }
  const backend = p.backend;
  if (backend !== undefined && backend !== "wasm" && backend !== "reference") {
    throw new EdgeError("bad_argument", `--backend must be "wasm" or "reference", got "${String(backend)}"`);
  }
  const budgetMiB = optionalNumber(p, "memory-budget");
  let memoryBudget = budgetMiB !== undefined ? budgetMiB * 2 ** 20 : undefined;
  // --max-memory: plan from the header first (no weight read), so that a budget too small is refused with the numbers
  const maxMemory = optionalNumber(p, "max-memory");
  let fitted: number | undefined;
  if (maxMemory !== undefined) {
    if (!(maxMemory > 0)) throw new EdgeError("bad_argument", `--max-memory must be a positive number of MiB, got ${maxMemory}`);
    const fit = fitSession(readGgufHeader(path), maxMemory * 2 ** 20, readDevice(), {
      threads, ctx: positiveInt(p, "ctx"), backend: backend as "wasm" | "reference" | undefined, smallYoungGeneration: hasSmallYoungGeneration(),
    });
    fitted = fit.ctx;
    memoryBudget = Math.min(memoryBudget ?? Infinity, fit.arenaBudget);
  }
  const lm = loadModel(path, { threads, backend: backend as "wasm" | "reference" | undefined, memoryBudget });
  if (fitted !== undefined) fittedContext.set(lm, fitted);
  return lm;
}

/** The context of the command's session: --ctx, else under --max-memory the largest that fits (else the engine's). */
export function contextOf(p: Parsed, lm: LoadedModel): number | undefined {
  return positiveInt(p, "ctx") ?? fittedContext.get(lm);
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

export const SAMPLING_OPTIONS: Record<string, OptionSpec> = {
  "n-predict": { type: "number", alias: "n", help: "tokens to generate (-1 = until the context is full)", default: 128 },
  temp: { type: "number", help: "temperature (0 = greedy)", default: 0.8 },
  "top-k": { type: "number", help: "top-k (0 = off)", default: 40 },
  "top-p": { type: "number", help: "top-p (1 = off)", default: 0.95 },
  "min-p": { type: "number", help: "min-p (0 = off)", default: 0.05 },
  "repeat-penalty": { type: "number", help: "repetition penalty (1 = off)", default: 1 },
  "repeat-last-n": { type: "number", help: "tokens the repetition penalty looks back over", default: 64 },
  seed: { type: "number", help: "random seed (default: random)" },
  ctx: { type: "number", alias: "c", help: "context size in tokens (default: the model's, capped by the memory budget)" },
  stop: { type: "string", help: "stop string (repeat the option for several)" },
};

/** Sampling and length options as GenerateOptions (a random seed when none is given, reported by the caller). */
export function samplingFromArgs(p: Parsed, argv: string[]): GenerateOptions & { seed: number } {
  const nPredict = optionalNumber(p, "n-predict")!;
  if (!Number.isInteger(nPredict) || nPredict < -1) throw new EdgeError("bad_argument", `-n must be -1 or a non-negative integer, got ${nPredict}`);
  return {
    maxTokens: nPredict,
    temperature: optionalNumber(p, "temp"),
    topK: optionalNumber(p, "top-k"),
    topP: optionalNumber(p, "top-p"),
    minP: optionalNumber(p, "min-p"),
    repeatPenalty: optionalNumber(p, "repeat-penalty"),
    repeatLastN: optionalNumber(p, "repeat-last-n"),
    seed: optionalNumber(p, "seed") ?? Math.floor(Math.random() * 2 ** 31),
    stop: collect(argv, "--stop"),
  };
}

/** Resolves a grammar's `<text>` token: the id when the text is exactly one token of the model's vocabulary. */
export function singleTokenId(lm: LoadedModel): (text: string) => number | undefined {
  return (text) => {
    const ids = lm.tokenizer.encode(text, { addSpecial: false, parseSpecial: true });
    return ids.length === 1 ? ids[0] : undefined;
  };
}

/** All values of a repeatable option. */
export function collect(argv: string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag && i + 1 < argv.length) out.push(argv[++i]);
    else if (argv[i].startsWith(flag + "=")) out.push(argv[i].slice(flag.length + 1));
  }
  return out;
}

/** A UTF-8 text file named on the command line (one-line error when it cannot be read). */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new EdgeError("file_not_found", `${path}: cannot read text file`);
  }
}

/**
 * The JSON strings of stdin, one per non-blank line (the --jsonl input of tokenize, embed, …); a line that is not a
 * JSON string (or, with nonEmpty, is "") fails naming its line number.
 */
export async function readJsonStringLines(nonEmpty = false): Promise<string[]> {
  const out: string[] = [];
  (await readStdin()).split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let text: unknown;
    try {
      text = JSON.parse(line);
    } catch {
      throw new EdgeError("bad_argument", `stdin line ${i + 1}: not valid JSON`);
    }
    if (typeof text !== "string" || (nonEmpty && text === "")) {
      throw new EdgeError("bad_argument", `stdin line ${i + 1}: expected a ${nonEmpty ? "non-empty " : ""}JSON string`);
    }
    out.push(text);
  });
  return out;
}
