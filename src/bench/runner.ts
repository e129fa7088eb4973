// The benchmark runner: one fresh child process per (run, backend), backends interleaved run by run, results
// summarized per backend.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EdgeError } from "../errors.js";
import { readGgufHeader } from "../engine.js";
import { assertNodeLlamaCppInstalled } from "./llamacpp-driver.js";
import { findLlamaBench } from "./llama-bench-driver.js";
import { benchPromptIds, modelFacts } from "./model-facts.js";
import type { BenchBackend, RunMeasurement, WorkerMessage, WorkerRequest } from "./protocol.js";
import { summarize, type BackendSummary, type BenchSetup } from "./report.js";

export interface BenchOptions {
  model: string;
  promptTokens: number;
  genTokens: number;
  runs: number;
  warmup: number;
  threads: number;
  backends: BenchBackend[];
  /** edgellm kernel set (default: the engine's default, "wasm"). */
  kernels?: "wasm" | "reference";
  ternaryKernel?: "dot" | "lut" | "auto";
  bandwidthGbs: number;
  /** The llama-bench binary (default: found as findLlamaBench finds it). */
  llamaBench?: string;
}

export interface BenchEvents {
  /** A child moved on: label for the progress bar, units done (3 per child: loaded, warmed up, measured). */
  onProgress?(label: string, steps: number): void;
}

export const UNITS_PER_CHILD = 3;

export interface BenchResult {
  setup: BenchSetup;
  summaries: BackendSummary[];
}

export async function runBench(o: BenchOptions, events: BenchEvents = {}): Promise<BenchResult> {
  const file = readGgufHeader(o.model);
  const facts = modelFacts(file);
  if (o.promptTokens + o.genTokens > facts.contextLength) {
    throw new EdgeError(
      "bad_argument",
      `${o.promptTokens} prompt + ${o.genTokens} generated tokens exceed the model's context of ${facts.contextLength}`,
    );
  }
  if (o.backends.includes("llama.cpp")) assertNodeLlamaCppInstalled();
  const llamaBench = o.backends.includes("llama-bench") ? findLlamaBench(o.llamaBench) : undefined;
  const promptIds = benchPromptIds(file, o.promptTokens);
  const measured = new Map<BenchBackend, RunMeasurement[]>(o.backends.map((b) => [b, []]));
  for (let run = 1; run <= o.runs; run++) {
    // interleaved, so slow drifts of a shared machine hit every backend alike
    for (const backend of o.backends) {
      const label = `${backend} run ${run}/${o.runs}`;
      const req: WorkerRequest = {
        backend, model: o.model, threads: o.threads, promptIds, genTokens: o.genTokens, warmup: o.warmup, kernels: o.kernels, ternaryKernel: o.ternaryKernel, llamaBench,
      };
      events.onProgress?.(`${label}: loading`, 0);
      const m = await runChild(req, label, (phase) =>
        events.onProgress?.(`${label}: ${phase === "loaded" ? (o.warmup > 0 ? "warming up" : "measuring") : "measuring"}`, 1));
      events.onProgress?.(`${label}: done`, 1);
      measured.get(backend)!.push(m);
    }
  }
  const setup: BenchSetup = {
    model: o.model, facts, threads: o.threads, promptTokens: o.promptTokens, genTokens: o.genTokens, runs: o.runs,
    warmup: o.warmup, bandwidthGbs: o.bandwidthGbs,
  };
  return { setup, summaries: o.backends.map((b) => summarize(b, measured.get(b)!, o.promptTokens)) };
}

/** The worker module beside this one: worker.js when compiled, worker.ts when run from source through tsx. */
export function workerPath(): string {
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  return fileURLToPath(new URL(`./worker.${ext}`, import.meta.url));
}

/**
 * Node flags for the child: the parent's (loaders such as tsx, V8/WASM feature flags) minus those that would turn
 * the child into something else (the test runner's --test*, --watch) or clash with the parent (--inspect*).
 */
export function childExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const kept = parent.filter((a) => !/^--(experimental-)?(test|watch|inspect)/.test(a));
  return kept.some((a) => a.startsWith("--max-semi-space-size")) ? kept : [...kept, ...ENGINE_NODE_FLAGS];
}

/**
 * The Node flags the edgellm command runs with (bin/edgellm.js's first line), so that a benchmark child measures
 * what the command delivers: V8's young generation capped at 2 MiB semi-spaces instead of 16, which keeps ~24 MB of
 * heap reservation out of the peak RSS at no measured cost (the decode loop does not allocate).
 */
export const ENGINE_NODE_FLAGS = ["--max-semi-space-size=2"];

function runChild(req: WorkerRequest, label: string, onPhase: (phase: "loaded" | "warm") => void): Promise<RunMeasurement> {
  return new Promise((resolve, reject) => {
    const child = fork(workerPath(), [], {
      execArgv: childExecArgv(),
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: "true" },
    });
    let stderr = "";
    let result: RunMeasurement | undefined;
    let error: string | undefined;
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (s: string) => {
      stderr = (stderr + s).slice(-8192);
    });
    child.on("message", (msg: WorkerMessage) => {
      if (msg.type === "progress") onPhase(msg.phase);
      else if (msg.type === "result") result = msg.result;
      else if (msg.type === "error") error = msg.message;
    });
    child.on("error", (e) => reject(new EdgeError("bench_failed", `${label}: cannot start the worker (${e.message})`)));
    child.on("exit", (code, signal) => {
      if (result && code === 0) return resolve(result);
      const last = lastLine(stderr);
      const why = error ?? (last || (signal ? `killed by ${signal}` : `exited with code ${code}`));
      reject(new EdgeError("bench_failed", `${label} failed: ${why}`));
    });
    child.send(req);
  });
}

/** The last non-empty line of a child's stderr, without our own "edgellm: " prefix. */
export function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return (lines[lines.length - 1] ?? "").replace(/^edgellm: /, "");
}
