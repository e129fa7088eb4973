// The n choices of one request as scheduler jobs: submitted together (all or none: a full queue refuses the whole
// request), cancelled together when the client goes away, each consumed into text, tokens and log-probabilities.
import type { CompletionJob, CompletionResult, TokenEvent } from "../runtime/job.js";
import type { CompletionRequest } from "../runtime/scheduler.js";
import type { ServedModel } from "./served-models.js";

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

export interface ChoiceResult {
  index: number;
  result: CompletionResult;
  logprobs: TokenLogprob[];
}

/** Submit `n` jobs; if one is refused (queue full), the others are cancelled and the error is thrown. */
export function submitChoices(model: ServedModel, n: number, request: (i: number) => CompletionRequest, signal?: AbortSignal): CompletionJob[] {
  const jobs: CompletionJob[] = [];
  try {
    for (let i = 0; i < n; i++) jobs.push(model.scheduler.submit(request(i)));
  } catch (e) {
    for (const j of jobs) j.cancel();
    throw e;
  }
  signal?.addEventListener("abort", () => jobs.forEach((j) => j.cancel()), { once: true });
  return jobs;
}

/** Token text and bytes as OpenAI's logprobs report them (control tokens shown as their text). */
export function tokenInfo(model: ServedModel, id: number): { token: string; bytes: number[] } {
  const bytes = model.lm.tokenizer.tokenToPiece(id, true);
  return { token: new TextDecoder().decode(bytes), bytes: Array.from(bytes) };
}

/** Log-probability entry of one generated token (`top` alternatives kept). */
export function logprobEntry(model: ServedModel, e: TokenEvent, top: number): TokenLogprob {
  return {
    ...tokenInfo(model, e.token),
    logprob: e.logprob ?? 0,
    top_logprobs: (e.logprobs ?? []).slice(0, top).map(([id, lp]) => ({ ...tokenInfo(model, id), logprob: lp })),
  };
}

/** Run one job to its end, calling `onEvent` for each token as it comes. */
export async function consume(model: ServedModel, job: CompletionJob, index: number, top: number | undefined, onEvent?: (e: TokenEvent) => void): Promise<ChoiceResult> {
  const logprobs: TokenLogprob[] = [];
  for await (const e of job) {
    if (top !== undefined && e.token >= 0) logprobs.push(logprobEntry(model, e, top));
    onEvent?.(e);
  }
  return { index, result: await job.done, logprobs };
}

/** OpenAI's usage object. */
export function usageOf(promptTokens: number, results: CompletionResult[]) {
  const completion = results.reduce((a, r) => a + r.tokens.length, 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
    prompt_tokens_details: { cached_tokens: results.reduce((a, r) => Math.max(a, r.cachedTokens), 0) },
  };
}

/** OpenAI's finish_reason: a timeout keeps what was generated, like a spent budget. */
export function finishReasonOf(r: CompletionResult): "stop" | "length" {
  return r.finishReason === "stop" ? "stop" : "length";
}
