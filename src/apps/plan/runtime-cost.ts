// What an edgellm process holds outside the WebAssembly arena: Node itself, the engine's modules, the tokenizer, the
// worker threads of the kernel pool. Measured, not derived; the planner adds it to the arena to get a process total.
//
// How these were measured (Node 20.20, Linux x86-64, 2 cores; `edgellm run -p <12-word prompt> -n 16 --ctx 256`
// with the bin's --max-semi-space-size=2, peak RSS from /usr/bin/time -f %M, minus the arena's committed size; and
// in-process, the largest VmRSS minus the arena's own Rss line of /proc/self/smaps, sampled through loading and every
// token): random-weight llama files of dim 64 with vocabularies of 2k, 16k, 65k, 131k and 262k tokens (BPE, about
// one merge per token, as real byte-level vocabularies) gave 58–60, 60–61, 70–73, 85–91 and 103–124 MiB outside the
// arena on one thread: ~58 MiB at no vocabulary (Node's own pages, ~39 MiB of them its binary, plus the engine's
// code and the compiled kernels) and ~250 bytes per token (the token strings, the header's merges, the tokenizer's
// maps, the sampler's per-token arrays). A second thread (one worker: its own V8 isolate and kernel instance) added
// 8–10 MiB. `chat` (Jinja templates) added 1.5–4 MiB over `run`; without the small young generation a 262k
// vocabulary costs ~27 MiB more. The constants round these up, so the total is a ceiling, not an average.
// test/plan-cli.test.ts checks, on a real child process, that peak RSS stays under a --max-memory planned with them.

/** Node, the engine's modules and compiled kernels, with no vocabulary. */
export const RUNTIME_BASE_BYTES = 64 * 2 ** 20;
/** Per vocabulary token: strings, merges, tokenizer maps and the sampler's arrays. */
export const RUNTIME_BYTES_PER_TOKEN = 256;
/** Per worker thread of the kernel pool (threads − 1). */
export const RUNTIME_BYTES_PER_WORKER = 10 * 2 ** 20;
/** V8's default young generation (16 MiB semi-spaces) instead of the bin's 2 MiB ones, at its measured worst. */
export const DEFAULT_YOUNG_GENERATION_BYTES = 32 * 2 ** 20;

export interface RuntimeInput {
  vocabSize: number;
  /** Worker threads besides the main one (0 for one thread or the reference kernels). */
  workers: number;
  /** Whether Node runs with --max-semi-space-size (the edgellm bin does). */
  smallYoungGeneration: boolean;
}

export interface RuntimeCost {
  base: number;
  tokenizer: number;
  workers: number;
  youngGeneration: number;
  total: number;
}

export function runtimeCost(r: RuntimeInput): RuntimeCost {
  const base = RUNTIME_BASE_BYTES;
  const tokenizer = r.vocabSize * RUNTIME_BYTES_PER_TOKEN;
  const workers = r.workers * RUNTIME_BYTES_PER_WORKER;
  const youngGeneration = r.smallYoungGeneration ? 0 : DEFAULT_YOUNG_GENERATION_BYTES;
  return { base, tokenizer, workers, youngGeneration, total: base + tokenizer + workers + youngGeneration };
}

/** Whether this process runs with a capped young generation (the flag on the command line or in NODE_OPTIONS). */
export function hasSmallYoungGeneration(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ""): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => a.startsWith("--max-semi-space-size"));
}
