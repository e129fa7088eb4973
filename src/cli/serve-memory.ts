// `serve --max-memory` without --ctx: the largest context per slot for which every model's weights, its slots' KV
// caches, the batch scratch and the server's runtime fit the budget, planned from the headers before anything loads.
import { readGgufHeader } from "../engine.js";
import { EdgeError } from "../errors.js";
import { ARENA_LIMIT_BYTES, workspaceBound } from "../apps/plan/arena-layout.js";
import { readDevice } from "../apps/plan/device.js";
import { needsMessage, type Totals } from "../apps/plan/fit.js";
import { largestFitting, MIN_CONTEXT, modelFacts, type ModelFacts } from "../apps/plan/memory-plan.js";
import { hasSmallYoungGeneration, runtimeCost } from "../apps/plan/runtime-cost.js";
import { Scheduler } from "../runtime/scheduler.js";
import { RUNTIME_BYTES } from "../server/served-models.js";

/** The server's context cap when --ctx is not given (as ServedModels.load applies it). */
const SERVER_DEFAULT_CTX = 4096;
/**
 * What the server holds beyond a CLI run's runtime: fastify, ws, prom-client and request buffers under load (its
 * own measurement, RUNTIME_BYTES: 86 MiB idle and up to 125 MiB under a load test with the bundled model, whose run
 * runtime is ~75 MiB). The total is never below RUNTIME_BYTES, which ServedModels.load checks against.
 */
const SERVER_EXTRA_BYTES = 48 * 2 ** 20;
/** Prompt rows per pass when --batch is not given (the scheduler's default chunk). */
const DEFAULT_CHUNK = 256;

export interface ServeFitOptions {
  maxMemory: number;
  parallel: number;
  chunk?: number;
  threads?: number;
}

/** The context for every model's slots (each capped by its own), or does_not_fit with the numbers at the minimum. */
export function serveContext(paths: readonly string[], o: ServeFitOptions): number {
  const threads = o.threads ?? readDevice().cores;
  const facts = paths.map((path) => modelFacts(readGgufHeader(path), { threads, smallYoungGeneration: hasSmallYoungGeneration() }));
  const cap = Math.max(...facts.map((f) => Math.min(f.model.config.contextLength, SERVER_DEFAULT_CTX)));
  const fits = (t: Totals) => t.total <= o.maxMemory && t.arena <= ARENA_LIMIT_BYTES;
  const ctx = largestFitting(cap, (c) => fits(serveTotals(facts, c, o)));
  if (ctx === undefined) {
    const minimum = Math.min(MIN_CONTEXT, cap);
    throw new EdgeError("does_not_fit", needsMessage(serveTotals(facts, minimum, o), minimum, o.maxMemory, facts.length > 1 ? `${facts.length} models need` : "model needs"));
  }
  return ctx;
}

/** Weights, slots and scratch of every model at a slot context of `ctx`, plus the server's runtime. */
export function serveTotals(facts: readonly ModelFacts[], ctx: number, o: ServeFitOptions): Totals {
  const t = { weights: 0, kv: 0, scratch: 0, runtime: 0, arena: 0, total: 0 };
  let tokenizers = 0;
  let workers = 0;
  for (const f of facts) {
    const m = f.model;
    const c = Math.min(ctx, m.config.contextLength);
    const slot = { ctx: c, maxBatch: 1, kvType: "f16" as const, allLogits: false };
    const kv = o.parallel * (m.stateBytes(slot) - m.stateBytes({ ...slot, scratchOnly: true }));
    const slots = Scheduler.bytesNeeded(m, { parallel: o.parallel, ctx: c, queue: 0, chunk: o.chunk });
    const rows = (o.chunk ?? (m.causal === false ? c : DEFAULT_CHUNK)) + o.parallel;
    const workspace = workspaceBound(f.file, { maxRows: rows, positions: c, headDim: m.config.headDim, threads: f.threads });
    const l = f.load;
    const weights = l.tensors + l.modelExtras;
    const scratch = slots - kv + workspace + l.reserved + l.poolControl + l.probe;
    t.weights += weights;
    t.kv += kv;
    t.scratch += scratch;
    t.arena = Math.max(t.arena, weights + kv + scratch);
    tokenizers += runtimeCost({ vocabSize: m.config.vocabSize, workers: 0, smallYoungGeneration: true }).tokenizer;
    workers += f.workers;
  }
  const cli = runtimeCost({ vocabSize: 0, workers, smallYoungGeneration: facts[0]?.smallYoungGeneration ?? true });
  t.runtime = Math.max(RUNTIME_BYTES, cli.total + tokenizers + SERVER_EXTRA_BYTES);
  t.total = t.weights + t.kv + t.scratch + t.runtime;
  return t;
}
