// The n choices of one request as scheduler jobs: submitted together (all or none: a full queue refuses the whole
// request), cancelled together when the client goes away, each consumed into text, tokens and log-probabilities.
import type { CompletionJob, CompletionResult, TokenEvent } from "../runtime/job.js";
import type { CompletionRequest } from "../runtime/scheduler.js";
import { badRequest } from "./api-error.js";
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

/**
 * A request of more jobs than the slots and the queue hold together can never be admitted: a 400 (a 429 would tell
 * the client to retry forever).
 */
export function checkCapacity(model: ServedModel, jobs: number, param: string, what = "choices"): void {
  const { parallel, queue } = model.scheduler.options;
  if (jobs > parallel + queue) {
    throw badRequest(`${jobs} ${what} are more than this server runs and queues at once (${parallel} slots + ${queue} queue places)`, param, "capacity_exceeded");
  }
}

/**
 * Submit `n` jobs; if one is refused (queue full), the others are cancelled and the error is thrown. When one of them
 * fails later, the others are cancelled too (the request has failed: they would only hold slots).
 */
export function submitChoices(model: ServedModel, n: number, request: (i: number) => CompletionRequest, signal?: AbortSignal): CompletionJob[] {
  checkCapacity(model, n, "n");
  const jobs: CompletionJob[] = [];
  const cancelAll = () => jobs.forEach((j) => j.cancel());
  try {
    for (let i = 0; i < n; i++) jobs.push(model.scheduler.submit(request(i)));
  } catch (e) {
    cancelAll();
    throw e;
  }
  signal?.addEventListener("abort", cancelAll, { once: true });
  for (const j of jobs) j.done.catch(cancelAll);
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
