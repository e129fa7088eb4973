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
}

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
  private readonly info = new WeakMap<FastifyRequest, RequestInfo>();
  private readonly requests: Counter<"route" | "status">;
  private readonly promptTokens: Counter<"model">;
  private readonly generatedTokens: Counter<"model">;
  private readonly ttft: Histogram<"model">;
  private readonly tokenLatency: Histogram<"model">;
  private readonly duration: Histogram<"route">;
  private readonly log: (line: string) => void;

  constructor(readonly models: ServedModels, readonly options: ContextOptions = {}) {
    this.log = options.log ?? ((l) => void process.stderr.write(l + "\n"));
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: "edgellm_" });
    this.requests = new Counter({ name: "edgellm_requests_total", help: "HTTP requests by route and status", labelNames: ["route", "status"], registers: [r] });
    this.promptTokens = new Counter({ name: "edgellm_prompt_tokens_total", help: "Prompt tokens of finished requests", labelNames: ["model"], registers: [r] });
    this.generatedTokens = new Counter({ name: "edgellm_generated_tokens_total", help: "Tokens generated", labelNames: ["model"], registers: [r] });
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

  begin(request: FastifyRequest): void {
    this.info.set(request, { start: performance.now() });
  }

  track(request: FastifyRequest, info: Partial<RequestInfo>): void {
    const i = this.info.get(request);
    if (i) Object.assign(i, info);
  }

  /** A generation ended: token counters and latency histograms. */
  finished(request: FastifyRequest, results: CompletionResult[], tokenGapsMs: number[] = []): void {
    const i = this.info.get(request);
    const model = i?.model ?? "";
    let generated = 0;
    for (const r of results) {
      generated += r.tokens.length;
      if (r.tokens.length) this.ttft.observe({ model }, (r.queuedMs + r.prefillMs) / 1000);
      if (r.tokens.length > 1) this.tokenLatency.observe({ model }, r.decodeMs / (r.tokens.length - 1) / 1000);
    }
    for (const g of tokenGapsMs) this.tokenLatency.observe({ model }, g / 1000);
    this.generatedTokens.inc({ model }, generated);
    if (i?.promptTokens) this.promptTokens.inc({ model }, i.promptTokens);
    if (i) i.generatedTokens = generated;
  }

  failed(request: FastifyRequest, e: unknown): void {
    const i = this.info.get(request);
    if (i) i.error = toApiError(e).message;
  }

  /** Count and log a finished request (once). */
  done(request: FastifyRequest, status: number): void {
    const i = this.info.get(request);
    if (!i || i.logged) return;
    i.logged = true;
    const route = request.routeOptions?.url ?? "unknown";
    const ms = performance.now() - i.start;
    this.requests.inc({ route, status: String(status) });
    this.duration.observe({ route }, ms / 1000);
    const path = request.url.split("?")[0];
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
