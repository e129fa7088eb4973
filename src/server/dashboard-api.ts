// The dashboard's JSON endpoints, under the server's usual API-key rule and error envelope:
//   GET  /dashboard/api/status        slots, queue, process memory, requests served (polled once a second)
//   GET  /dashboard/api/model?id=ID   what `edgellm info` says of the file and the memory plan `edgellm plan` makes
//   POST /dashboard/api/bench         a short prefill + decode through the model's own scheduler (it waits in the
//                                     same queue as real requests; one bench at a time)
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Counter } from "prom-client";
import { readDevice } from "../apps/plan/device.js";
import { planMemory } from "../apps/plan/memory-plan.js";
import { planJson } from "../apps/plan/report.js";
import { benchPromptIds } from "../bench/model-facts.js";
import { latencySummary } from "../bench/stats.js";
import { readGgufHeader } from "../engine.js";
import { bigintAsNumber, ggufInfo } from "../tools/gguf-info.js";
import { ApiError, badRequest } from "./api-error.js";
import type { ContextSlot } from "./app.js";
import type { ServerContext } from "./context.js";
import type { ServedModel } from "./served-models.js";
import { onClientGone } from "./sse.js";

/** The page's bench is a quick look, not a benchmark (`edgellm bench` is): small enough to never hog a slot. */
export const BENCH_LIMITS = { promptTokens: 256, genTokens: 128 } as const;
const BENCH_DEFAULTS = { promptTokens: 64, genTokens: 32 } as const;

/** Route prefixes of the APIs clients use: what "requests served" counts (not the dashboard's own polling). */
const API_ROUTES = ["/v1/", "/api/"];

export interface DashboardApiOptions {
  threads?: number;
}

export interface BenchBody {
  model?: unknown;
  prompt_tokens?: unknown;
  gen_tokens?: unknown;
}

export function registerDashboardApi(app: FastifyInstance, slot: ContextSlot, o: DashboardApiOptions): void {
  const modelReports = new WeakMap<ServedModel, unknown>();
  let benchRunning = false;

  app.get("/dashboard/api/status", async (request) => {
    const ctx = slot.current!;
    ctx.track(request, { quiet: true });
    return status(ctx, benchRunning);
  });

  app.get<{ Querystring: { id?: string } }>("/dashboard/api/model", async (request) => {
    const m = slot.current!.models.get(request.query.id);
    let report = modelReports.get(m);
    if (!report) {
      report = modelReport(m, o.threads);
      modelReports.set(m, report);
    }
    return report;
  });

  app.post<{ Body: BenchBody | undefined }>("/dashboard/api/bench", async (request, reply) => {
    const ctx = slot.current!;
    const b = request.body ?? {};
    if (typeof b !== "object" || Array.isArray(b)) throw badRequest("the body must be a JSON object like {\"prompt_tokens\": 64, \"gen_tokens\": 32}");
    if (b.model !== undefined && typeof b.model !== "string") throw badRequest("model must be a string (a served model's id)", "model");
    const promptTokens = count(b.prompt_tokens, "prompt_tokens", BENCH_LIMITS.promptTokens, BENCH_DEFAULTS.promptTokens);
    const genTokens = count(b.gen_tokens, "gen_tokens", BENCH_LIMITS.genTokens, BENCH_DEFAULTS.genTokens);
    const model = ctx.models.get(b.model);
    // the prompt, the first token (from the prefill) and the timed decode steps all take a place in the slot's cache
    const needed = promptTokens + genTokens + 1;
    if (needed > model.ctx) {
      throw badRequest(`prompt_tokens + gen_tokens + 1 = ${needed} is more than the ${model.ctx}-token context of a slot of ${model.id}`, "prompt_tokens", "context_exceeded");
    }
    if (benchRunning) throw new ApiError(409, "a bench is already running on this server: wait for it to end", "invalid_request_error", "bench_running", null, 1);
    benchRunning = true;
    try {
      const gone = new AbortController();
      onClientGone(reply, () => gone.abort());
      return await runShortBench(ctx, request, model, promptTokens, genTokens, gone.signal);
    } finally {
      benchRunning = false;
    }
  });
}

function count(v: unknown, name: string, max: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) {
    throw badRequest(`${name} must be an integer from 1 to ${max}, got ${JSON.stringify(v)}`, name);
  }
  return v;
}

async function counterTotal(ctx: ServerContext, name: string, include: (labels: Record<string, string | number>) => boolean = () => true): Promise<number> {
  const metric = ctx.registry.getSingleMetric(name) as Counter | undefined;
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.reduce((a, v) => a + (include(v.labels as Record<string, string | number>) ? v.value : 0), 0);
}

async function status(ctx: ServerContext, benchRunning: boolean) {
  const models = ctx.models.list.map((m) => {
    const s = m.scheduler.stats;
    return {
      id: m.id, architecture: m.lm.config.architecture, ctx: m.ctx, kernels: m.lm.kernels.name,
      parallel: s.parallel, busy_slots: s.busySlots, queued: s.queued, queue_limit: s.queueLimit, memory_bytes: m.lm.kernels.arena.used,
    };
  });
  const mem = process.memoryUsage();
  const sum = (f: (m: (typeof models)[number]) => number) => models.reduce((a, m) => a + f(m), 0);
  return {
    models,
    queue_depth: sum((m) => m.queued),
    busy_slots: sum((m) => m.busy_slots),
    total_slots: sum((m) => m.parallel),
    process: { rss_bytes: mem.rss, heap_used_bytes: mem.heapUsed, heap_total_bytes: mem.heapTotal, external_bytes: mem.external, uptime_s: process.uptime() },
    requests_served: await counterTotal(ctx, "edgellm_requests_total", (l) => API_ROUTES.some((p) => String(l.route).startsWith(p))),
    tokens_generated: await counterTotal(ctx, "edgellm_generated_tokens_total"),
    bench_running: benchRunning,
  };
}

/** `edgellm info --json` of the file, and `edgellm plan --json` at the server's context and threads (no calibration). */
function modelReport(m: ServedModel, threads: number | undefined) {
  const file = readGgufHeader(m.path);
  const plan = planMemory(file, readDevice(), { threads, ctx: m.ctx });
  const report = {
    id: m.id,
    served: {
      ctx: m.ctx, parallel: m.scheduler.options.parallel, queue: m.scheduler.options.queue, kernels: m.lm.kernels.name,
      weights_bytes: m.bytes.weights, slots_bytes: m.bytes.slots, chat_template: m.templateIsDefault ? "ChatML (the file has none)" : "the file's",
    },
    info: ggufInfo(file, m.path),
    plan: planJson({ plan, calibrationSkipped: "the server does not calibrate (edgellm plan does)" }),
  };
  // GGUF integers may be bigints, which Fastify's serializer refuses
  return JSON.parse(JSON.stringify(report, bigintAsNumber)) as unknown;
}

/**
 * One greedy run of `promptTokens` random ordinary tokens (a fresh draw each time, so no slot's cache holds them),
 * then `genTokens` timed decode steps, ignoring end-of-generation. Each step is timed as its token reaches this
 * handler, so it includes whatever else the scheduler batched into that pass: what a client would see.
 */
async function runShortBench(ctx: ServerContext, request: FastifyRequest, model: ServedModel, promptTokens: number, genTokens: number, signal: AbortSignal) {
  const promptIds = benchPromptIds(model.lm.file, promptTokens, (Math.random() * 2 ** 31) >>> 0);
  const busyAtStart = model.scheduler.stats.busySlots;
  const queuedAtStart = model.scheduler.stats.queued;
  const job = model.scheduler.submit({ promptIds, maxTokens: genTokens + 1, temperature: 0, ignoreEos: true, deadline: ctx.deadline() });
  signal.addEventListener("abort", () => job.cancel(), { once: true });
  ctx.track(request, { model: model.id, promptTokens });
  const arrivals: number[] = [];
  for await (const e of job) if (e.token >= 0) arrivals.push(performance.now());
  const r = await job.done;
  ctx.finished(request, [r]);
  if (r.finishReason === "timeout" && r.tokens.length === 0) throw new ApiError(503, "timed out waiting for a free slot", "server_error", "timeout", null, 1);
  if (r.finishReason === "cancelled") throw new ApiError(503, "the bench was cancelled", "server_error", "cancelled");
  const tokenMs = arrivals.slice(1).map((t, i) => round(t - arrivals[i]));
  const decodeMs = tokenMs.reduce((a, b) => a + b, 0);
  const lat = tokenMs.length ? latencySummary(tokenMs) : undefined;
  const evaluated = promptTokens - r.cachedTokens;
  return {
    model: model.id,
    prompt_tokens: promptTokens,
    gen_tokens: tokenMs.length,
    cached_tokens: r.cachedTokens,
    queued_ms: round(r.queuedMs),
    prefill_ms: round(r.prefillMs),
    ttft_ms: round(r.queuedMs + r.prefillMs),
    prefill_tok_s: r.prefillMs > 0 ? round((evaluated * 1000) / r.prefillMs) : null,
    decode_tok_s: decodeMs > 0 ? round((tokenMs.length * 1000) / decodeMs) : null,
    token_ms_p50: lat ? round(lat.p50) : null,
    token_ms_p99: lat ? round(lat.p99) : null,
    token_ms_max: lat ? round(lat.max) : null,
    token_ms: tokenMs,
    /** What the scheduler held when the bench was submitted: its timings are shared with those requests. */
    busy_slots_at_start: busyAtStart,
    queued_at_start: queuedAtStart,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
