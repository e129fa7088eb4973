// The edgellm side of a benchmark run (inside a child process): load, warm up, then time prefill and greedy decode.
import { loadModel } from "../engine.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { argmax } from "../runtime/sampler.js";
import type { Session } from "../runtime/session.js";
import type { RunMeasurement, WorkerRequest } from "./protocol.js";
import { median } from "./stats.js";

/**
 * Decode steps of a warm-up pass: enough for V8 to optimize the decode path's JavaScript. Its optimizing compiles run
 * on a background thread over the first ~50 steps, and on a 2-core machine each one takes a core from the two compute
 * threads: with 8 warm-up steps, SmolLM-135M's timed pass had 2–6 tokens at 1.5–2× the median (p99/p50 1.6–1.9), with
 * 64 none (p99/p50 1.15–1.3; scripts/warmup-jitter.mjs).
 */
export const WARMUP_DECODE_STEPS = 64;
/** Most prompt tokens per forward pass (llama.cpp's default n_ubatch). */
export const PREFILL_BATCH = 512;

export async function runEdgellm(req: WorkerRequest, onPhase: (phase: "loaded" | "warm") => void): Promise<RunMeasurement> {
  const t0 = performance.now();
  const lm = loadModel(req.model, { threads: req.threads, backend: req.kernels, ternaryKernel: req.ternaryKernel });
  try {
    const prompt = Int32Array.from(req.promptIds);
    // Only the tokens this run needs: a model's full context would inflate the KV cache and peak RSS. Prompts are
    // read in batches of at most 512 tokens, llama.cpp's default micro-batch (n_ubatch), which bounds the scratch.
    const session = lm.createSession({ ctx: prompt.length + req.genTokens, batch: Math.min(prompt.length, PREFILL_BATCH) });
    const loadMs = performance.now() - t0;
    onPhase("loaded");

    for (let w = 0; w < req.warmup; w++) {
      generate(session, prompt, Math.min(req.genTokens, WARMUP_DECODE_STEPS));
      session.truncate(0);
    }
    onPhase("warm");

    const m = generate(session, prompt, req.genTokens);
    const peakRssKiB = process.resourceUsage().maxRSS;
    const floorMs = machineFloor(median(m.tokenMs), Math.max(32, m.tokenMs.length));
    let kernels = lm.kernels.prefetch ? `${lm.kernels.name}, prefetch ${lm.kernels.prefetch >> 10} KiB` : lm.kernels.name;
    if (lm.file.tensors.some((t) => t.type === GgmlType.TQ2_0)) kernels += (lm.kernels as { ternaryLut?: boolean }).ternaryLut ? ", TQ2_0 table lookup" : ", TQ2_0 dot";
    return { backend: "edgellm", kernels, loadMs, ...m, peakRssKiB, floorMs };
  } finally {
    lm.dispose();
  }
}

/** One pass from an empty cache: prompt in one eval, then `steps` greedy decode steps, each timed on its own. */
function generate(session: Session, prompt: Int32Array, steps: number) {
  const tokens: number[] = new Array(steps + 1);
  const tokenMs: number[] = new Array(steps);
  const start = performance.now();
  session.eval(prompt);
  const prefillEnd = performance.now();
  let tok = argmax(session.lastLogits());
  const ttftMs = performance.now() - start;
  tokens[0] = tok;
  for (let i = 0; i < steps; i++) {
    const s = performance.now();
    tok = argmax(session.step(tok));
    tokenMs[i] = performance.now() - s;
    tokens[i + 1] = tok;
  }
  return { prefillMs: prefillEnd - start, ttftMs, tokenMs, tokens };
}

/**
 * The machine's own jitter floor: `steps` repetitions of fixed work lasting about `stepMs` each (summing a 32 MiB
 * buffer in slices, so it streams memory as decoding does), timed one by one. No engine can show a per-token
 * p99/p50 below what this shows on the same machine at the same moment.
 */
export function machineFloor(stepMs: number, steps: number): number[] {
  const buf = new Float32Array(8 << 20);
  for (let i = 0; i < buf.length; i += 1024) buf[i] = i & 255;
  let sink = 0;
  // size the slice: time a pass over 1 MiB, scale to the step's length
  let slice = 1 << 18;
  let perElementMs = 0;
  for (let pass = 0; pass < 3; pass++) {
    // the last of three passes, once the loop is optimized
    const t0 = performance.now();
    for (let r = 0; r < 8; r++) for (let i = 0; i < slice; i++) sink += buf[i];
    perElementMs = (performance.now() - t0) / (8 * slice);
  }
  slice = Math.max(1024, Math.round(stepMs / Math.max(perElementMs, 1e-9)));
  const out: number[] = new Array(steps);
  let at = 0;
  for (let s = 0; s < steps; s++) {
    const t = performance.now();
    for (let i = 0; i < slice; i++) {
      sink += buf[at];
      at = at + 1 === buf.length ? 0 : at + 1;
    }
    out[s] = performance.now() - t;
  }
  if (sink === -1) out.push(0); // keep the sums alive
  return out;
}
