// The llama.cpp side of a benchmark run (inside a child process), through node-llama-cpp's prebuilt CPU binary.
// node-llama-cpp is a dev dependency: it is imported only here, dynamically, and its absence is a one-line error.
import { readFileSync } from "node:fs";
import { EdgeError } from "../errors.js";
import { WARMUP_DECODE_STEPS } from "./edgellm-driver.js";
import type { RunMeasurement, WorkerRequest } from "./protocol.js";

type NodeLlamaCpp = typeof import("node-llama-cpp");
type Sequence = import("node-llama-cpp").LlamaContextSequence;
type Token = import("node-llama-cpp").Token;

const NOT_INSTALLED = "the llama.cpp backend needs node-llama-cpp, which is not installed (npm install --save-dev node-llama-cpp)";

function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/** Fails with one line, before any run starts, when node-llama-cpp cannot be found (resolves; loads nothing). */
export function assertNodeLlamaCppInstalled(): void {
  try {
    import.meta.resolve("node-llama-cpp");
  } catch (e) {
    if (isNotFound(e)) throw new EdgeError("bench_failed", NOT_INSTALLED);
  }
}

/** node-llama-cpp, or a clear error when it is not installed. */
export async function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  // It reads this at import time; the getLlama options below are what really forbid downloads and builds.
  process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";
  try {
    return await import("node-llama-cpp");
  } catch (e) {
    if (isNotFound(e)) throw new EdgeError("bench_failed", NOT_INSTALLED);
    throw new EdgeError("bench_failed", `cannot load node-llama-cpp: ${String((e as Error).message ?? e).split("\n")[0]}`);
  }
}

export async function runLlamaCpp(req: WorkerRequest, onPhase: (phase: "loaded" | "warm") => void): Promise<RunMeasurement> {
  const nlc = await importNodeLlamaCpp();
  const recentLogs: string[] = [];
  const t0 = performance.now();
  const llama = await nlc.getLlama({
    gpu: false,
    build: "never",
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    // 0 = no cap of its own: the context's `threads` below is then exactly the number of threads used.
    maxThreads: 0,
    logLevel: nlc.LlamaLogLevel.error,
    logger: (_level, message) => {
      recentLogs.push(message.trim());
      if (recentLogs.length > 5) recentLogs.shift();
    },
  });
  const fail = (what: string, e: unknown): never => {
    const log = recentLogs.length ? ` (llama.cpp: ${recentLogs[recentLogs.length - 1]})` : "";
    throw new EdgeError("bench_failed", `${what}: ${String((e as Error)?.message ?? e).split("\n")[0]}${log}`);
  };
  const model = await llama.loadModel({ modelPath: req.model, gpuLayers: 0 }).catch((e) => fail(`cannot load ${req.model}`, e));
  try {
    const context = await model
      .createContext({
        // node-llama-cpp keeps one cell free and shifts the context (erasing its beginning and re-positioning the
        // cache, ~0.5 s here) once a sequence reaches contextSize − 1 tokens: the +1 keeps the run from triggering it
        contextSize: req.promptIds.length + req.genTokens + 1,
        // the whole prompt in one batch, as edgellm's prefill does
        batchSize: Math.max(1, req.promptIds.length),
        sequences: 1,
        threads: req.threads,
        flashAttention: false,
        ignoreMemorySafetyChecks: true,
      })
      .catch((e) => fail("cannot create a llama.cpp context", e));
    const seq = context.getSequence();
    const loadMs = performance.now() - t0;
    onPhase("loaded");

    for (let w = 0; w < req.warmup; w++) {
      await generate(seq, req.promptIds, Math.min(req.genTokens, WARMUP_DECODE_STEPS));
      await seq.clearHistory();
    }
    onPhase("warm");

    const m = await generate(seq, req.promptIds, req.genTokens);
    const peakRssKiB = process.resourceUsage().maxRSS;
    seq.dispose();
    await context.dispose();
    return { backend: "llama.cpp", kernels: llamaCppLabel(llama.systemInfo, req.threads), loadMs, ...m, peakRssKiB };
  } finally {
    await model.dispose();
  }
}

/** "node-llama-cpp 3.22.1 AVX2 x2": binding version, best SIMD level ggml reports, threads. */
function llamaCppLabel(systemInfo: string, threads: number): string {
  const simd = ["AVX512_VNNI", "AVX512", "AVX2", "AVX", "NEON"].find((f) => new RegExp(`\\b${f} = 1`).test(systemInfo));
  return `node-llama-cpp ${nodeLlamaCppVersion()}${simd ? ` ${simd}` : ""} x${threads}`;
}

function nodeLlamaCppVersion(): string {
  try {
    const pkg = new URL("../package.json", import.meta.resolve("node-llama-cpp"));
    return (JSON.parse(readFileSync(pkg, "utf8")) as { version?: string }).version ?? "?";
  } catch {
    return "?";
  }
}

/**
 * One pass from an empty sequence at temperature 0 (greedy, no penalties). The generator's first result comes after
 * the prompt is evaluated in one llama_decode and the first token is sampled; each further result is one decode step.
 * End-of-generation tokens are yielded like any other so every run has the same length.
 */
async function generate(seq: Sequence, promptIds: readonly number[], steps: number) {
  const tokens: number[] = new Array(steps + 1);
  const tokenMs: number[] = new Array(steps);
  const it = seq.evaluate(promptIds as Token[], { temperature: 0, yieldEogToken: true });
  try {
    const start = performance.now();
    const first = await it.next();
    const ttftMs = performance.now() - start;
    if (first.done) throw new EdgeError("bench_failed", "llama.cpp produced no token after the prompt");
    tokens[0] = first.value;
    for (let i = 0; i < steps; i++) {
      const s = performance.now();
      const r = await it.next();
      tokenMs[i] = performance.now() - s;
      if (r.done) throw new EdgeError("bench_failed", `llama.cpp stopped after ${i} decode steps`);
      tokens[i + 1] = r.value;
    }
    // llama.cpp samples inside the same call as the prompt's decode, so prefill and ttft coincide here.
    return { prefillMs: ttftMs, ttftMs, tokenMs, tokens };
  } finally {
    await it.return(undefined);
  }
}
