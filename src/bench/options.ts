// Command-line options of `edgellm bench`, checked into BenchOptions (every mistake is a one-line error).
import { availableParallelism } from "node:os";
import { EdgeError } from "../errors.js";
import { parseArgs, type OptionSpec, type Parsed } from "../cli/args.js";
import { defaultBandwidthGbs } from "./model-facts.js";
import { BACKENDS, type BenchBackend } from "./protocol.js";
import type { BenchOptions } from "./runner.js";

export const BENCH_SPEC: Record<string, OptionSpec> = {
  model: { type: "string", alias: "m", help: "GGUF model file" },
  "prompt-tokens": { type: "number", alias: "p", help: "prompt length in tokens (evaluated in one batch)", default: 128 },
  "gen-tokens": { type: "number", alias: "n", help: "greedy decode steps, each timed", default: 128 },
  runs: { type: "number", alias: "r", help: "measured runs per backend, each in a fresh process", default: 5 },
  warmup: { type: "number", help: "untimed warm-up passes inside each process before the timed one", default: 1 },
  threads: { type: "number", alias: "t", help: "threads for both backends (default: number of cores)" },
  backend: { type: "string", alias: "b", help: "edgellm | llama.cpp | both", default: "edgellm" },
  kernels: { type: "string", help: "edgellm kernel set: wasm | reference (default: wasm)" },
  "bandwidth-gbs": { type: "number", help: "memory bandwidth for the roofline (default: 10 for 1 thread, 19 for more)" },
  json: { type: "boolean", help: "print one JSON object per backend instead of the table" },
  csv: { type: "string", help: "also write every run and the medians to this CSV file" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};

export const BENCH_USAGE = "edgellm bench -m FILE [--prompt-tokens 128] [--gen-tokens 128] [--runs 5] [--warmup 1] [--threads N] [--backend edgellm|llama.cpp|both] [--json] [--csv FILE]";

export interface BenchCli {
  options: BenchOptions;
  json: boolean;
  csv?: string;
  help: boolean;
}

function int(p: Parsed, name: string, min: number, max: number): number {
  const v = p[name];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new EdgeError("bad_argument", `--${name} must be an integer from ${min} to ${max}, got ${v === undefined ? "nothing" : String(v)}`);
  }
  return v;
}

export function parseBenchArgs(argv: string[]): BenchCli {
  const p = parseArgs(argv, BENCH_SPEC);
  if (p.help) return { options: undefined as unknown as BenchOptions, json: false, help: true };
  if (p._.length > 0) throw new EdgeError("bad_argument", `unexpected argument "${p._[0]}" (the model is given with -m FILE)`);
  const model = p.model;
  if (typeof model !== "string" || model === "") throw new EdgeError("bad_argument", "missing model file (-m FILE)");
  const backend = String(p.backend);
  let backends: BenchBackend[];
  if (backend === "both") backends = [...BACKENDS];
  else if ((BACKENDS as readonly string[]).includes(backend)) backends = [backend as BenchBackend];
  else throw new EdgeError("bad_argument", `--backend must be edgellm, llama.cpp or both, got "${backend}"`);
  const kernels = p.kernels;
  if (kernels !== undefined && kernels !== "wasm" && kernels !== "reference") {
    throw new EdgeError("bad_argument", `--kernels must be wasm or reference, got "${String(kernels)}"`);
  }
  if (p.threads === undefined) p.threads = Math.max(1, availableParallelism());
  const threads = int(p, "threads", 1, 64);
  const bandwidth = p["bandwidth-gbs"] ?? defaultBandwidthGbs(threads);
  if (typeof bandwidth !== "number" || !(bandwidth > 0)) throw new EdgeError("bad_argument", `--bandwidth-gbs must be a positive number, got ${String(bandwidth)}`);
  const csv = p.csv;
  if (csv !== undefined && (typeof csv !== "string" || csv === "")) throw new EdgeError("bad_argument", "--csv needs a file name");
  return {
    options: {
      model,
      promptTokens: int(p, "prompt-tokens", 1, 1 << 16),
      genTokens: int(p, "gen-tokens", 1, 1 << 16),
      runs: int(p, "runs", 1, 1000),
      warmup: int(p, "warmup", 0, 100),
      threads,
      backends,
      kernels: kernels as BenchOptions["kernels"],
      bandwidthGbs: bandwidth,
    },
    json: p.json === true,
    csv: csv as string | undefined,
    help: false,
  };
}
