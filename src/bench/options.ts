// Command-line options of `edgellm bench`, checked into BenchOptions, or ServeBenchOptions for --backend openai
// (every mistake is a one-line error).
import { availableParallelism } from "node:os";
import { EdgeError } from "../errors.js";
import { parseArgs, type OptionSpec, type Parsed } from "../cli/args.js";
import { defaultBandwidthGbs } from "./model-facts.js";
import { apiBase } from "./http-driver.js";
import { BACKENDS, type BenchBackend } from "./protocol.js";
import type { BenchOptions } from "./runner.js";
import type { ServeBenchOptions } from "./serve-bench.js";

export const BENCH_SPEC: Record<string, OptionSpec> = {
  model: { type: "string", alias: "m", help: "GGUF model file (--backend openai: the model name sent to --url)" },
  "prompt-tokens": { type: "number", alias: "p", help: "prompt length in tokens (evaluated in one batch)", default: 128 },
  "gen-tokens": { type: "number", alias: "n", help: "greedy decode steps, each timed", default: 128 },
  runs: { type: "number", alias: "r", help: "measured runs per backend, each in a fresh process", default: 5 },
  warmup: { type: "number", help: "untimed warm-up passes inside each process before the timed one", default: 1 },
  threads: { type: "number", alias: "t", help: "threads for both backends (default: number of cores)" },
  backend: {
    type: "string", alias: "b", default: "edgellm",
    help: "edgellm | llama-bench (native llama.cpp) | llama.cpp (its Node binding), or a list such as edgellm,llama-bench | both (edgellm, llama.cpp) | all | openai (a server over HTTP)",
  },
  "llama-bench": { type: "string", help: "native llama-bench binary (default: EDGELLM_LLAMA_BENCH, or scripts/build-llama-cpp.sh's build)" },
  kernels: { type: "string", help: "edgellm kernel set: wasm | reference (default: wasm)" },
  "ternary-kernel": { type: "string", help: "edgellm's TQ2_0 matMul: lut (table lookup) | dot (multiply) | auto (default: the faster, lut)" },
  "bandwidth-gbs": { type: "number", help: "memory bandwidth for the roofline (default: 10 for 1 thread, 19 for more)" },
  json: { type: "boolean", help: "print one JSON object per backend instead of the table" },
  csv: { type: "string", help: "also write every run and the medians to this CSV file" },
  file: { type: "string", alias: "f", help: "with one or several -m files: also each file's perplexity over this text (edgellm only)" },
  "ppl-ctx": { type: "number", help: "-f: tokens per perplexity chunk", default: 256 },
  "ppl-chunks": { type: "number", help: "-f: perplexity chunks scored", default: 8 },
  // --backend openai
  url: { type: "string", help: "openai: bench the server at this URL (http://HOST:PORT or …/v1)" },
  "serve-model": { type: "string", help: "openai: start `edgellm serve` on this GGUF file (child, free port), bench it, stop it" },
  "llama-server": { type: "string", help: "openai: also start this llama-server binary on the --serve-model file, same threads and slots" },
  "llama-server-args": { type: "string", help: "openai: extra llama-server arguments, space-separated (e.g. \"--no-repack\")" },
  gguf: { type: "string", help: "openai: the GGUF file the --url server runs (token-id prompts of exact length)" },
  concurrency: { type: "string", help: "openai: requests in flight at once, a list (default 1), e.g. 1,2,4,8" },
  parallel: { type: "number", help: "openai: slots of the servers bench starts (default: the highest --concurrency)" },
  prompt: { type: "string", help: "openai: ids | text (default: ids when the GGUF file is known, else text)" },
  "api-key": { type: "string", help: "openai: sent as Authorization: Bearer KEY" },
  "server-pid": { type: "number", help: "openai: PID of the local --url server, for its peak RSS (/proc/PID/status VmHWM)" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};

/** Options only --backend openai takes. */
const OPENAI_ONLY = ["url", "serve-model", "llama-server", "llama-server-args", "gguf", "concurrency", "parallel", "prompt", "api-key", "server-pid"];

export const BENCH_USAGE =
  "edgellm bench -m FILE [--prompt-tokens 128] [--gen-tokens 128] [--runs 5] [--warmup 1] [--threads N] [--backend edgellm|llama.cpp|both] [--json] [--csv FILE]\n" +
  "       edgellm bench --backend openai (--url URL [-m NAME] [--gguf FILE] [--api-key KEY] [--server-pid PID] | --serve-model FILE [--llama-server PATH]) [--concurrency 1,2,4,8] …";

export interface BenchCli {
  options: BenchOptions;
  json: boolean;
  csv?: string;
  help: boolean;
  /** -f: a text for each -m file's perplexity, in chunks of pplCtx tokens, pplChunks of them. */
  text?: { file: string; pplCtx: number; pplChunks: number };
}

function int(p: Parsed, name: string, min: number, max: number): number {
  const v = p[name];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new EdgeError("bad_argument", `--${name} must be an integer from ${min} to ${max}, got ${v === undefined ? "nothing" : String(v)}`);
  }
  return v;
}

/** --backend openai: the HTTP benchmark of OpenAI-compatible servers. */
export interface ServeBenchCli {
  serve: ServeBenchOptions;
  json: boolean;
  csv?: string;
}

export type BenchCommandLine = { backend: "local"; cli: BenchCli } | { backend: "openai"; cli: ServeBenchCli };

/** The command line of `edgellm bench`: the in-process benchmark (edgellm / llama.cpp), or --backend openai. */
export function parseBenchCommand(argv: string[]): BenchCommandLine {
  const p = parseArgs(argv, BENCH_SPEC);
  if (!p.help && p.backend === "openai") return { backend: "openai", cli: serveBenchFrom(p) };
  return { backend: "local", cli: localBenchFrom(p) };
}

/** The in-process benchmark's options (--backend edgellm, llama.cpp or both). */
export function parseBenchArgs(argv: string[]): BenchCli {
  const c = parseBenchCommand(argv);
  if (c.backend === "openai") throw new EdgeError("bad_argument", "--backend openai takes the options of parseBenchCommand");
  return c.cli;
}

function csvOption(p: Parsed): string | undefined {
  const csv = p.csv;
  if (csv !== undefined && (typeof csv !== "string" || csv === "")) throw new EdgeError("bad_argument", "--csv needs a file name");
  return csv as string | undefined;
}

function localBenchFrom(p: Parsed): BenchCli {
  if (p.help) return { options: undefined as unknown as BenchOptions, json: false, help: true };
  for (const k of OPENAI_ONLY) if (p[k] !== undefined) throw new EdgeError("bad_argument", `--${k} is only for --backend openai`);
  if (p._.length > 0) throw new EdgeError("bad_argument", `unexpected argument "${p._[0]}" (the model is given with -m FILE)`);
  const model = p.model;
  if (typeof model !== "string" || model === "") throw new EdgeError("bad_argument", "missing model file (-m FILE)");
  const backend = String(p.backend);
  let backends: BenchBackend[];
  if (backend === "both") backends = ["edgellm", "llama.cpp"];
  else if (backend === "all") backends = [...BACKENDS];
  else {
    // one backend, or a comma-separated list of them (e.g. edgellm,llama-bench), each once
    const names = backend.split(",");
    for (const name of names) {
      if (!(BACKENDS as readonly string[]).includes(name)) {
        throw new EdgeError("bad_argument", `--backend must be edgellm, llama-bench, llama.cpp (or a list of them), both or all, got "${backend}" (or openai, for a server over HTTP)`);
      }
    }
    if (new Set(names).size !== names.length) throw new EdgeError("bad_argument", `--backend names a backend twice: "${backend}"`);
    backends = names as BenchBackend[];
  }
  const llamaBench = p["llama-bench"];
  if (llamaBench !== undefined && (typeof llamaBench !== "string" || llamaBench === "")) throw new EdgeError("bad_argument", "--llama-bench needs a path");
  if (llamaBench !== undefined && !backends.includes("llama-bench")) throw new EdgeError("bad_argument", "--llama-bench is for --backend llama-bench or all");
  const kernels = p.kernels;
  if (kernels !== undefined && kernels !== "wasm" && kernels !== "reference") {
    throw new EdgeError("bad_argument", `--kernels must be wasm or reference, got "${String(kernels)}"`);
  }
  const ternaryKernel = p["ternary-kernel"];
  if (ternaryKernel !== undefined && ternaryKernel !== "lut" && ternaryKernel !== "dot" && ternaryKernel !== "auto") {
    throw new EdgeError("bad_argument", `--ternary-kernel must be lut, dot or auto, got "${String(ternaryKernel)}"`);
  }
  if (p.threads === undefined) p.threads = Math.max(1, availableParallelism());
  const threads = int(p, "threads", 1, 64);
  const bandwidth = p["bandwidth-gbs"] ?? defaultBandwidthGbs(threads);
  if (typeof bandwidth !== "number" || !(bandwidth > 0)) throw new EdgeError("bad_argument", `--bandwidth-gbs must be a positive number, got ${String(bandwidth)}`);
  const csv = csvOption(p);
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
      ternaryKernel: ternaryKernel as BenchOptions["ternaryKernel"],
      bandwidthGbs: bandwidth,
      llamaBench: llamaBench as string | undefined,
    },
    json: p.json === true,
    csv,
    help: false,
    text: p.file === undefined ? undefined : { file: stringOption(p, "file")!, pplCtx: int(p, "ppl-ctx", 4, 1 << 16), pplChunks: int(p, "ppl-chunks", 1, 1 << 20) },
  };
}

function stringOption(p: Parsed, name: string): string | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") throw new EdgeError("bad_argument", `--${name} needs a value`);
  return v;
}

/** "1,2,4,8" → [1, 2, 4, 8] (order kept, repeats dropped). */
export function concurrencyList(raw: string): number[] {
  const parts = raw.split(",").map((x) => x.trim());
  const ok = parts.every((x) => /^\d+$/.test(x) && Number(x) >= 1 && Number(x) <= 256);
  if (!ok) throw new EdgeError("bad_argument", `--concurrency must be a comma-separated list of integers from 1 to 256, got "${raw}"`);
  return [...new Set(parts.map(Number))];
}

function serveBenchFrom(p: Parsed): ServeBenchCli {
  const fail = (message: string): never => {
    throw new EdgeError("bad_argument", message);
  };
  if (p._.length > 0) fail(`unexpected argument "${p._[0]}"`);
  for (const k of ["kernels", "ternary-kernel", "bandwidth-gbs"]) if (p[k] !== undefined) fail(`--${k} is not used with --backend openai`);
  const url = stringOption(p, "url");
  if (p.file !== undefined) fail("-f (perplexity of -m files) is not for --backend openai");
  const serveModel = stringOption(p, "serve-model");
  const llamaServer = stringOption(p, "llama-server");
  if (llamaServer && !serveModel) fail("--llama-server needs --serve-model FILE (the file both servers run)");
  if (!url && !serveModel) fail("--backend openai needs a server: --url URL (one that runs) or --serve-model FILE (started by bench)");
  if (url) apiBase(url);
  else {
    for (const k of ["gguf", "server-pid", "api-key"]) if (p[k] !== undefined) fail(`--${k} is for --url (a server bench does not start)`);
    if (p.model !== undefined) fail("-m names the model asked of --url; the servers bench starts serve --serve-model FILE");
  }
  if (!serveModel) for (const k of ["threads", "parallel"]) if (p[k] !== undefined) fail(`--${k} is for the servers bench starts (--serve-model)`);
  if (!llamaServer && p["llama-server-args"] !== undefined) fail("--llama-server-args needs --llama-server PATH");
  const concurrency = concurrencyList(stringOption(p, "concurrency") ?? "1");
  const gguf = stringOption(p, "gguf") ?? serveModel;
  const prompt = stringOption(p, "prompt") ?? (gguf ? "ids" : "text");
  if (prompt !== "ids" && prompt !== "text") fail(`--prompt must be ids or text, got "${prompt}"`);
  if (prompt === "ids" && !gguf) fail("--prompt ids needs the GGUF file the server runs (--gguf FILE)");
  if (p.threads === undefined) p.threads = Math.max(1, availableParallelism());
  if (p.parallel === undefined) p.parallel = Math.max(...concurrency);
  const modelName = p.model;
  if (modelName !== undefined && (typeof modelName !== "string" || modelName === "")) fail("-m needs a model name");
  return {
    serve: {
      url,
      serverPid: p["server-pid"] !== undefined ? int(p, "server-pid", 1, 2 ** 31 - 1) : undefined,
      serveModel,
      llamaServer,
      llamaServerArgs: (stringOption(p, "llama-server-args") ?? "").split(/\s+/).filter((a) => a.length > 0),
      gguf,
      prompt: prompt as "ids" | "text",
      modelName: modelName as string | undefined,
      apiKey: stringOption(p, "api-key"),
      concurrency,
      promptTokens: int(p, "prompt-tokens", 1, 1 << 16),
      genTokens: int(p, "gen-tokens", 2, 1 << 16),
      runs: int(p, "runs", 1, 1000),
      warmup: int(p, "warmup", 0, 100),
      threads: int(p, "threads", 1, 64),
      parallel: int(p, "parallel", 1, 256),
    },
    json: p.json === true,
    csv: csvOption(p),
  };
}
