// Messages between the benchmark runner and its per-run child processes (sent over the fork IPC channel).

/** edgellm; native llama.cpp's llama-bench tool; llama.cpp through its Node binding (node-llama-cpp). */
export const BACKENDS = ["edgellm", "llama-bench", "llama.cpp"] as const;
export type BenchBackend = (typeof BACKENDS)[number];

/** What one child process is asked to do: load the model, warm up, then time one prefill + decode run. */
export interface WorkerRequest {
  backend: BenchBackend;
  model: string;
  threads: number;
  /** The prompt, as token ids (identical for both backends). */
  promptIds: number[];
  /** Timed decode steps after the prompt. */
  genTokens: number;
  /** Untimed warm-up passes (prefill + up to 64 decode steps, then the cache is cleared) before the timed pass. */
  warmup: number;
  /** edgellm kernel set ("wasm" or "reference"); ignored by llama.cpp. */
  kernels?: "wasm" | "reference";
  /** edgellm's TQ2_0 kernel (see WasmKernels); default "auto". */
  ternaryKernel?: "dot" | "lut" | "auto";
  /** The llama-bench binary (llama-bench backend). */
  llamaBench?: string;
}

/** Raw timings of one timed run, as measured inside the child. */
export interface RunMeasurement {
  backend: BenchBackend;
  /** Which compute code ran: edgellm's `kernels.name`, or llama.cpp's release and CPU features. */
  kernels: string;
  loadMs: number;
  /** Evaluating the prompt in one batch (llama.cpp: up to its first sampled token, see BENCHMARKS.md). */
  prefillMs: number;
  /** Prompt evaluation plus choosing the first token. */
  ttftMs: number;
  /** Wall time of each decode step (evaluate one token, choose the next), in order. */
  tokenMs: number[];
  /** The greedy tokens: the first from the prefill, then one per decode step. */
  tokens: number[];
  /** process.resourceUsage().maxRSS of the child at the end of the run, KiB. */
  peakRssKiB: number;
  /** Throughput measured by the tool itself (llama-bench: no per-token times), with each flash-attention mode's. */
  rates?: { prefillTokS: number; decodeTokS: number; prefillByMode: Record<string, number>; decodeByMode: Record<string, number> };
  /**
   * The machine's own jitter: step times of fixed work as long as one decode step, in the same process right after
   * the timed decode (edgellm backend).
   */
  floorMs?: number[];
}

export type WorkerMessage =
  | { type: "progress"; phase: "loaded" | "warm" }
  | { type: "result"; result: RunMeasurement }
  | { type: "error"; message: string };
