// The edgellm side of a benchmark run (inside a child process): load, warm up, then time prefill and greedy decode.
import { loadModel } from "../engine.js";
import { argmax } from "../runtime/sampler.js";
import type { Session } from "../runtime/session.js";
import type { RunMeasurement, WorkerRequest } from "./protocol.js";

/** Decode steps of a warm-up pass: enough for V8 to tier the decode-path functions up, short enough to be cheap. */
export const WARMUP_DECODE_STEPS = 8;

export async function runEdgellm(req: WorkerRequest, onPhase: (phase: "loaded" | "warm") => void): Promise<RunMeasurement> {
  const t0 = performance.now();
  const lm = loadModel(req.model, { threads: req.threads, backend: req.kernels });
  try {
    const prompt = Int32Array.from(req.promptIds);
    // Only the tokens this run needs: a model's full context would inflate the KV cache and peak RSS.
    const session = lm.createSession({ ctx: prompt.length + req.genTokens, batch: prompt.length });
    const loadMs = performance.now() - t0;
    onPhase("loaded");

    for (let w = 0; w < req.warmup; w++) {
      generate(session, prompt, Math.min(req.genTokens, WARMUP_DECODE_STEPS));
      session.truncate(0);
    }
    onPhase("warm");

    const m = generate(session, prompt, req.genTokens);
    return {
      backend: "edgellm",
      kernels: lm.kernels.name,
      loadMs,
      ...m,
      peakRssKiB: process.resourceUsage().maxRSS,
    };
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
