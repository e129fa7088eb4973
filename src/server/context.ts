// What every route shares: the served models, request ids, the per-request timeout, Prometheus metrics and the
// one log line per request (method, path, status, tokens, ms) on stderr, as text or JSON.
import { randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CompletionResult } from "../runtime/job.js";
import type { SchedulerStats } from "../runtime/scheduler.js";
import { toApiError } from "./api-error.js";
import type { ServedModels } from "./served-models.js";

export interface RequestInfo {
  start: number;
  model?: string;
  promptTokens?: number;
  generatedTokens?: number;
  error?: string;
  logged?: boolean;
  /** The client closed the connection before the response ended (counted and logged as status 499). */
  gone?: boolean;
  /** The reply is being sent (Fastify's onSend ran): nothing more to wait for before counting it. */
  sending?: boolean;
  /** Counted but not logged: the dashboard's once-a-second status poll would bury the lines that matter. */
  quiet?: boolean;
}

/** nginx's status for a request whose client closed the connection before the response ended. */
export const CLIENT_GONE = 499;

/**
 * What the per-request bookkeeping reads of a request: a Fastify request, or a request that is not an HTTP exchange
 * of its own (a WebSocket message), made by `beginOther()`.
 */
export type TrackedRequest = Pick<FastifyRequest, "method" | "url"> & { readonly routeOptions?: { readonly url?: string } };

export interface ContextOptions {
  /** Seconds a request may take, queueing included (0 or undefined: no limit). */
  timeout?: number;
  logFormat?: "text" | "json";
  /** Where log lines go (default stderr). */
  log?: (line: string) => void;
}

export class ServerContext {
  readonly fingerprint = "edgellm-0.1";
  readonly registry = new Registry();
  private readonly info = new WeakMap<TrackedRequest, RequestInfo>();
  private readonly requests: Counter<"route" | "status">;
  private readonly promptTokens: Counter<"model">;
  private readonly generatedTokens: Counter<"model" | "finish_reason">;
  private readonly ttft: Histogram<"model">;
  private readonly tokenLatency: Histogram<"model">;
  private readonly duration: Histogram<"route">;
  private readonly log: (line: string) => void;

  constructor(readonly models: ServedModels, readonly options: ContextOptions = {}) {
    this.log = options.log ?? ((l) => void process.stderr.write(l + "\n"));
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: "edgellm_" });
    this.requests = new Counter({ name: "edgellm_requests_total", help: "Requests by route and status (HTTP requests, and WebSocket messages under /v1/ws)", labelNames: ["route", "status"], registers: [r] });
    this.promptTokens = new Counter({ name: "edgellm_prompt_tokens_total", help: "Prompt tokens of finished requests", labelNames: ["model"], registers: [r] });
    this.generatedTokens = new Counter({
      name: "edgellm_generated_tokens_total",
      help: "Tokens generated, by how the generation ended: stop, length or timeout (it ran to its end: for the requests answered, the sum of usage.completion_tokens) or cancelled (the client went away first)",
      labelNames: ["model", "finish_reason"], registers: [r],
    });
    this.ttft = new Histogram({
      name: "edgellm_time_to_first_token_seconds", help: "From the request to its first generated token (queue and prompt included)",
      labelNames: ["model"], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [r],
    });
    this.tokenLatency = new Histogram({
      name: "edgellm_token_latency_seconds", help: "Time per generated token after the first",
      labelNames: ["model"], buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1], registers: [r],
    });
    this.duration = new Histogram({ name: "edgellm_request_duration_seconds", help: "Request duration", labelNames: ["route"], buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [r] });
    const gauge = (name: string, help: string, read: (s: SchedulerStats) => number) =>
      new Gauge({
        name, help, labelNames: ["model"], registers: [r],
        collect() {
          for (const m of models.list) this.set({ model: m.id }, read(m.scheduler.stats));
        },
      });
    gauge("edgellm_queue_depth", "Requests waiting for a slot", (s) => s.queued);
    gauge("edgellm_busy_slots", "Slots generating", (s) => s.busySlots);
    gauge("edgellm_slots", "Slots (--parallel)", (s) => s.parallel);
    new Gauge({
      name: "edgellm_model_memory_bytes", help: "Memory of a model's weights, KV caches and scratch", labelNames: ["model"], registers: [r],
      collect() {
        for (const m of models.list) this.set({ model: m.id }, m.lm.kernels.arena.used);
      },
    });
  }

  newId(): string {
    return randomBytes(12).toString("base64url");
  }

  /** performance.now() deadline of a request starting now, or undefined without --timeout. */
  deadline(): number | undefined {
    const t = this.options.timeout;
    return t && t > 0 ? performance.now() + t * 1000 : undefined;
  }

  begin(request: TrackedRequest): void {
    this.info.set(request, { start: performance.now() });
  }

  /**
   * Begin a request that is not an HTTP exchange of its own (a WebSocket message, a refused WebSocket upgrade): it is
   * tracked, counted under `route` and logged by `done()` as `METHOD URL STATUS …`, like an HTTP request.
   */
  beginOther(method: string, url: string, route?: string): TrackedRequest {
    const request: TrackedRequest = { method, url, routeOptions: { url: route } };
    this.begin(request);
    return request;
  }

  track(request: TrackedRequest, info: Partial<RequestInfo>): void {
    const i = this.info.get(request);
    if (i) Object.assign(i, info);
  }

  /** A generation ended: token counters and latency histograms. */
  finished(request: TrackedRequest, results: CompletionResult[], tokenGapsMs: number[] = []): void {
    const i = this.info.get(request);
    const model = i?.model ?? "";
    let generated = 0;
    for (const r of results) {
      generated += r.tokens.length;
      this.generatedTokens.inc({ model, finish_reason: r.finishReason }, r.tokens.length);
      if (r.tokens.length) this.ttft.observe({ model }, (r.queuedMs + r.prefillMs) / 1000);
      if (r.tokens.length > 1) this.tokenLatency.observe({ model }, r.decodeMs / (r.tokens.length - 1) / 1000);
    }
    for (const g of tokenGapsMs) this.tokenLatency.observe({ model }, g / 1000);
    if (i?.promptTokens) this.promptTokens.inc({ model }, i.promptTokens);
    if (i) i.generatedTokens = generated;
  }

  failed(request: TrackedRequest, e: unknown): void {
    const i = this.info.get(request);
    if (i) i.error = toApiError(e).message;
  }

  /**
   * The client closed the connection before the response ended. Fastify's onResponse never runs for such a request,
   * so it is counted here (status 499) if its reply is already on its way; otherwise when the handler sends it
   * (`sending`) or ends its stream (`done`), after the generation's tokens are known.
   */
  clientGone(request: TrackedRequest): void {
    const i = this.info.get(request);
    if (!i || i.logged) return;
    i.gone = true;
    i.error ??= "the client closed the connection";
    if (i.sending) this.done(request, CLIENT_GONE);
  }

  /** Fastify's onSend: the reply is being written (if the client is gone already, it never ends: count it now). */
  sending(request: TrackedRequest): void {
    const i = this.info.get(request);
    if (!i) return;
    i.sending = true;
    if (i.gone) this.done(request, CLIENT_GONE);
  }

  /** Count and log a finished request (once); 499 whatever `status` says if the client went away first. */
  done(request: TrackedRequest, status: number): void {
    const i = this.info.get(request);
    if (!i || i.logged) return;
    i.logged = true;
    if (i.gone) status = CLIENT_GONE;
    const route = request.routeOptions?.url ?? "unknown";
    const ms = performance.now() - i.start;
    this.requests.inc({ route, status: String(status) });
    this.duration.observe({ route }, ms / 1000);
    const path = request.url.split("?")[0];
    if (i.quiet) return;
    if (this.options.logFormat === "json") {
      this.log(JSON.stringify({
        time: new Date().toISOString(), method: request.method, path, status, ms: Math.round(ms), model: i.model,
        prompt_tokens: i.promptTokens, generated_tokens: i.generatedTokens, ...(i.error ? { error: i.error } : {}),
      }));
    } else {
      const tokens = i.promptTokens !== undefined ? ` ${i.promptTokens}+${i.generatedTokens ?? 0} tokens` : "";
      this.log(`${request.method} ${path} ${status}${tokens} ${ms.toFixed(0)} ms${i.error ? ` (${i.error})` : ""}`);
    }
  }
}
