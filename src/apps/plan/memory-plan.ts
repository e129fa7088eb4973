// The resource plan of one model on one device: from the GGUF header (no weights read) and the device's cores and
// memory, the memory at a context and batch — weights as the arena holds them, KV cache, scratch, runtime outside the
// arena — the largest context and batch that fit a budget, and a bandwidth estimate of decode speed.
import type { GgufFile } from "../../format/gguf-types.js";
import type { KvType } from "../../kernels/types.js";
import type { Model } from "../../model/model.js";
import { ARENA_LIMIT_BYTES, loadLayout, workspaceBound, type LoadLayout } from "./arena-layout.js";
import type { Device } from "./device.js";
import { headerModel } from "./header-model.js";
import { runtimeCost, type RuntimeCost } from "./runtime-cost.js";

/** The smallest context the planner offers (a shorter model context is its own minimum). */
export const MIN_CONTEXT = 256;
/** Contexts below the model's own are tried in steps of this many tokens. */
export const CONTEXT_STEP = 256;
/** The session's prompt batch when none is given (LoadedModel.createSession's default). */
export const DEFAULT_BATCH = 64;
/**
 * Decode bandwidth per thread when nothing was measured: the WASM kernels stream weights from DRAM at 3–7 GB/s on
 * one thread (src/kernels/README.md, by type), and SmolLM-135M Q8_0's 121 tok/s at two threads (BENCHMARKS.md) is
 * 17 GB/s; capped at what a small device's memory delivers. A rough guide; the calibration measures.
 */
export const TYPICAL_BANDWIDTH_PER_THREAD = 6e9;
export const TYPICAL_BANDWIDTH_MAX = 16e9;

export interface PlanOptions {
  /** Process budget in bytes (default: the device's available memory). */
  maxMemory?: number;
  /** Kernel threads (default: the device's cores). */
  threads?: number;
  /** Plan this context instead of the largest that fits. */
  ctx?: number;
  /** Prompt tokens per forward pass (default 64). */
  batch?: number;
  kvType?: KvType;
  backend?: "wasm" | "reference";
  /** Whether loading measures the prefetch distance (loadModel's default "auto"); default true. */
  prefetchProbe?: boolean;
  /** Node runs with the bin's --max-semi-space-size (default true: the edgellm command does). */
  smallYoungGeneration?: boolean;
}

/** Bytes at one context and batch. weights + kv + scratch = arena; arena + runtime = total. */
export interface MemoryBreakdown {
  ctx: number;
  batch: number;
  /** Tensors as placed in the arena (64-byte aligned) plus what the model computes at load. */
  weights: number;
  kv: number;
  /** The state's activations and logits, the kernels' workspace, the prefetch probe, the arena's reserved bottom. */
  scratch: number;
  runtime: number;
  arena: number;
  total: number;
  parts: {
    load: LoadLayout;
    stateScratch: number;
    workspace: number;
    runtime: RuntimeCost;
  };
}

export interface SpeedEstimate {
  /** Bytes of weights one decode step streams (every matrix but the row-lookup embeddings). */
  weightBytesPerToken: number;
  /** K and V bytes read per cached position. */
  kvBytesPerPosition: number;
  /** Bytes per second assumed. */
  bandwidth: number;
  bandwidthSource: "typical" | "measured";
  /** Decode tokens/s with an empty cache, and with a full one of `ctx` positions. */
  tokSAtStart: number;
  tokSAtFull: number;
  ctx: number;
}

export interface MemoryPlan {
  model: {
    name: string;
    architecture: string;
    contextLength: number;
    vocabSize: number;
    nLayers: number;
    /** false for encoders (no decode step to time). */
    causal: boolean;
    fileBytes: number;
    tensorCount: number;
  };
  device: Device;
  budget: number;
  budgetSource: "--max-memory" | "available memory";
  threads: number;
  batch: number;
  kvType: KvType;
  minimumContext: number;
  minimum: MemoryBreakdown;
  /** The largest context that fits the budget (undefined: not even the minimum). */
  largestContext?: number;
  /** The planned context: the one asked for, else the largest that fits, else the minimum. */
  ctx: number;
  /** Whether the planned context fits. */
  fits: boolean;
  breakdown: MemoryBreakdown;
  /** The largest prompt batch (a power of two up to the context) that fits at the planned context. */
  largestBatch?: number;
  speed: SpeedEstimate;
}

/** The header-derived facts the plan is computed from, reusable for several budgets (and by the server's fit). */
export interface ModelFacts {
  file: GgufFile;
  model: Model;
  load: LoadLayout;
  threads: number;
  workers: number;
  smallYoungGeneration: boolean;
}

export function modelFacts(file: GgufFile, o: { threads: number; backend?: "wasm" | "reference"; prefetchProbe?: boolean; smallYoungGeneration?: boolean }): ModelFacts {
  const backend = o.backend ?? "wasm";
  const { model, constructorAllocations } = headerModel(file);
  const load = loadLayout(file, constructorAllocations, { threads: o.threads, backend, prefetchProbe: o.prefetchProbe ?? true });
  const workers = backend === "wasm" ? o.threads - 1 : 0;
  return { file, model, load, threads: o.threads, workers, smallYoungGeneration: o.smallYoungGeneration ?? true };
}

/** Memory of one session of `ctx` tokens (prompt batches of `batch`), as LoadedModel.createSession allocates it. */
export function breakdownAt(f: ModelFacts, ctx: number, batch: number, kvType: KvType): MemoryBreakdown {
  const c = f.model.config;
  const maxBatch = Math.max(1, Math.min(batch, ctx));
  const state = { ctx, maxBatch, kvType, allLogits: false };
  const stateBytes = f.model.stateBytes(state);
  const stateScratch = f.model.stateBytes({ ...state, scratchOnly: true });
  const workspace = workspaceBound(f.file, { maxRows: maxBatch, positions: ctx, headDim: c.headDim, threads: f.threads });
  const runtime = runtimeCost({ vocabSize: c.vocabSize, workers: f.workers, smallYoungGeneration: f.smallYoungGeneration });
  return sumUp(f.load, ctx, maxBatch, stateBytes - stateScratch, stateScratch, workspace, runtime);
}

/** Adds the parts (also used for the server's slots, whose state is several caches and a batch scratch). */
export function sumUp(load: LoadLayout, ctx: number, batch: number, kv: number, stateScratch: number, workspace: number, runtime: RuntimeCost): MemoryBreakdown {
  const weights = load.tensors + load.modelExtras;
  const scratch = load.reserved + load.poolControl + load.probe + stateScratch + workspace;
  const arena = weights + kv + scratch;
  return {
    ctx, batch, weights, kv, scratch, runtime: runtime.total, arena, total: arena + runtime.total,
    parts: { load, stateScratch, workspace, runtime },
  };
}

/** Whether a breakdown fits `budget` (and the wasm32 arena limit). */
export function fitsIn(b: MemoryBreakdown, budget: number): boolean {
  return b.total <= budget && b.arena <= ARENA_LIMIT_BYTES;
}

/**
 * The largest context up to contextLength for which `fits` holds: the model's own context, else the largest
 * multiple of CONTEXT_STEP below it; undefined when not even the minimum fits. `fits` must be monotone (a larger
 * context never takes less memory).
 */
export function largestFitting(contextLength: number, fits: (ctx: number) => boolean): number | undefined {
  if (fits(contextLength)) return contextLength;
  let lo = 1; // multiples k · STEP with k in [lo, hi] are below contextLength
  let hi = Math.floor((contextLength - 1) / CONTEXT_STEP);
  if (hi < lo || !fits(lo * CONTEXT_STEP)) return undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid * CONTEXT_STEP)) lo = mid;
    else hi = mid - 1;
  }
  return lo * CONTEXT_STEP;
}

/** The plan of `file` on `device` (pure: the header and the device's figures in, numbers out). */
export function planMemory(file: GgufFile, device: Device, o: PlanOptions = {}): MemoryPlan {
  const threads = o.threads ?? device.cores;
  const f = modelFacts(file, { threads, backend: o.backend, prefetchProbe: o.prefetchProbe, smallYoungGeneration: o.smallYoungGeneration });
  const c = f.model.config;
  const batch = o.batch ?? DEFAULT_BATCH;
  const kvType = o.kvType ?? "f16";
  const budget = o.maxMemory ?? device.availableBytes;
  const at = (ctx: number, b = batch) => breakdownAt(f, ctx, b, kvType);
  const minimumContext = Math.min(MIN_CONTEXT, c.contextLength);
  const minimum = at(minimumContext);
  const largestContext = largestFitting(c.contextLength, (ctx) => fitsIn(at(ctx), budget));
  const ctx = o.ctx ?? largestContext ?? minimumContext;
  const breakdown = at(ctx);
  const fits = fitsIn(breakdown, budget);
  let largestBatch: number | undefined;
  for (let b = 1; fits && b <= ctx; b *= 2) if (fitsIn(at(ctx, b), budget)) largestBatch = b;
  return {
    model: {
      name: c.name, architecture: c.architecture, contextLength: c.contextLength, vocabSize: c.vocabSize, nLayers: c.nLayers,
      causal: f.model.causal !== false, fileBytes: file.fileSize, tensorCount: file.tensors.length,
    },
    device, budget, budgetSource: o.maxMemory !== undefined ? "--max-memory" : "available memory",
    threads, batch, kvType, minimumContext, minimum, largestContext, ctx, fits, breakdown, largestBatch,
    speed: speedEstimate(f, ctx, kvType, typicalBandwidth(threads), "typical"),
  };
}

export function typicalBandwidth(threads: number): number {
  return Math.min(TYPICAL_BANDWIDTH_MAX, TYPICAL_BANDWIDTH_PER_THREAD * threads);
}

/** Tensors a decode step reads whole: all but the embeddings looked up by row (unless the embedding is the output). */
export function decodeWeightBytes(file: GgufFile, architecture: string): number {
  const has = (n: string) => file.tensors.some((t) => t.name === n);
  const embeddingIsOutput = architecture === "bitnet" || !has("output.weight");
  const rowLookups = new Set(["position_embd.weight", "token_types.weight", ...(embeddingIsOutput ? [] : ["token_embd.weight"])]);
  return file.tensors.reduce((a, t) => a + (rowLookups.has(t.name) ? 0 : t.byteSize), 0);
}

/** Decode speed as bytes read per token ÷ bandwidth, at an empty and at a full cache of `ctx` positions. */
export function speedEstimate(f: ModelFacts, ctx: number, kvType: KvType, bandwidth: number, source: SpeedEstimate["bandwidthSource"]): SpeedEstimate {
  const c = f.model.config;
  const weightBytesPerToken = decodeWeightBytes(f.file, c.architecture);
  const kvBytesPerPosition = 2 * c.nLayers * c.nKvHeads * c.headDim * (kvType === "f16" ? 2 : 4);
  return {
    weightBytesPerToken, kvBytesPerPosition, bandwidth, bandwidthSource: source, ctx,
    tokSAtStart: bandwidth / weightBytesPerToken,
    tokSAtFull: bandwidth / (weightBytesPerToken + kvBytesPerPosition * ctx),
  };
}

/** The same estimate at another bandwidth (a measured one). */
export function atBandwidth(s: SpeedEstimate, bandwidth: number, source: SpeedEstimate["bandwidthSource"]): SpeedEstimate {
  return {
    ...s, bandwidth, bandwidthSource: source,
    tokSAtStart: bandwidth / s.weightBytesPerToken,
    tokSAtFull: bandwidth / (s.weightBytesPerToken + s.kvBytesPerPosition * s.ctx),
  };
}
