// What the Ollama routes share: model names (`name:tag`), Ollama's timestamps (RFC 3339, nanoseconds) and the
// statistics of a final message (nanosecond durations), NDJSON streams, and the answer to a request that only
// loads or unloads a model.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { CompletionResult } from "../../runtime/job.js";
import { ApiError, toApiError } from "../api-error.js";
import type { TokenLogprob } from "../choices.js";
import type { ServerContext } from "../context.js";
import type { ServedModel } from "../served-models.js";
import { SseStream } from "../sse.js";

/**
 * The served model a client's name means: the id itself, `id:latest` (Ollama's default tag), or either in another
 * case (Ollama's names are case-insensitive). Anything else is Ollama's 404.
 */
export function resolveModel(ctx: ServerContext, name: string): ServedModel {
  const list = ctx.models.list;
  const base = name.endsWith(":latest") ? name.slice(0, -":latest".length) : name;
  const m =
    list.find((x) => x.id === name) ?? list.find((x) => x.id === base) ??
    list.find((x) => x.id.toLowerCase() === name.toLowerCase() || x.id.toLowerCase() === base.toLowerCase());
  if (!m) throw new ApiError(404, `model '${name}' not found`, "not_found_error", "model_not_found", "model");
  return m;
}

/** The name a served model is listed under: its id with Ollama's default tag. */
export function tagged(id: string): string {
  return id.includes(":") ? id : `${id}:latest`;
}

// wall-clock nanoseconds: Date's milliseconds at start, advanced by the monotonic clock
const EPOCH_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Now, as Ollama writes `created_at` (Go's RFC 3339 with nanoseconds, trailing zeros dropped, UTC). */
export function createdAt(): string {
  return rfc3339Nano(EPOCH_NS + process.hrtime.bigint());
}

export function rfc3339Nano(ns: bigint): string {
  const seconds = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${seconds}${frac ? "." + frac : ""}Z`;
}

const ns = (ms: number) => Math.max(0, Math.round(ms * 1e6));

/**
 * The statistics of a final message. `load_duration` is the time before the model started on the request (edgellm
 * loads every model at start; this is rendering, tokenizing and waiting for a free slot); `prompt_eval_count` is the
 * whole prompt, cached tokens included, `prompt_eval_duration` the time until the first generated token.
 */
export function metrics(r: CompletionResult, t0: number, tSubmit: number) {
  return {
    total_duration: ns(performance.now() - t0),
    load_duration: ns(tSubmit - t0 + r.queuedMs),
    prompt_eval_count: r.promptTokens,
    prompt_eval_duration: ns(r.prefillMs),
    eval_count: r.tokens.length,
    eval_duration: ns(r.decodeMs),
  };
}

/** Ollama's done_reason: a spent budget or a timeout is "length". */
export function doneReason(r: CompletionResult): "stop" | "length" {
  return r.finishReason === "stop" ? "stop" : "length";
}

/** Ollama's per-token log-probabilities (the same fields as OpenAI's; no top_logprobs when none were asked for). */
export function ollamaLogprobs(entries: TokenLogprob[]): object[] {
  return entries.map((e) => (e.top_logprobs.length ? e : { token: e.token, logprob: e.logprob, bytes: e.bytes }));
}

/** true unless the request says `"stream": false` (Ollama streams by default). */
export function wantsStream(body: { stream?: boolean | null }): boolean {
  return body.stream !== false;
}

/** keep_alive 0 (a number, or a duration string such as "0", "0s", "0m") asks Ollama to unload the model. */
export function unloads(keepAlive: string | number | null | undefined): boolean {
  if (typeof keepAlive === "number") return keepAlive === 0;
  return typeof keepAlive === "string" && /^0+(\.0*)?(ns|us|µs|ms|s|m|h)?$/.test(keepAlive.trim());
}

/**
 * A request with nothing to generate loads the model (or, with keep_alive 0, unloads it) in Ollama. edgellm's models
 * stay loaded for the server's life: the answer says what Ollama's would and nothing is unloaded.
 */
export function loadReply(name: string, keepAlive: string | number | null | undefined, chat: boolean) {
  const done_reason = unloads(keepAlive) ? "unload" : "load";
  return chat
    ? { model: name, created_at: createdAt(), message: { role: "assistant", content: "" }, done: true, done_reason }
    : { model: name, created_at: createdAt(), response: "", done: true, done_reason };
}

/** Ollama's streaming answer: one JSON object per line (application/x-ndjson); an error is a last `{"error"}` line. */
export class NdjsonStream {
  private readonly out: SseStream;
  readonly gone: AbortSignal;

  constructor(request: FastifyRequest, reply: FastifyReply) {
    this.out = new SseStream(request, reply, "application/x-ndjson");
    this.gone = this.out.gone.signal;
  }

  line(payload: object): void {
    this.out.line(payload);
  }

  error(e: unknown): void {
    this.out.line({ error: toApiError(e).message });
  }

  end(): void {
    this.out.end(false);
  }
}
