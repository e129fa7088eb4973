// Opening a model from any ByteSource on any platform: parse and check the header, size the memory, make the
// kernels, stream the weights into the arena, build the model and its tokenizer. engine.ts (Node: files) and
// src/browser/engine-worker.ts (a File, a Blob, a URL) are thin wrappers over openModel / openModelAsync.
import { EdgeError } from "./errors.js";
import { parseGguf } from "./format/gguf-reader.js";
import type { GgufFile } from "./format/gguf-types.js";
import { getString } from "./format/gguf-meta.js";
import type { ByteSource } from "./io/byte-source.js";
import { createKernelSet, type KernelOptions, type KernelPlatform } from "./kernels/create.js";
import { Arena } from "./kernels/memory.js";
import { choosePrefetch, type PrefetchChoice } from "./kernels/prefetch.js";
import type { Kernels } from "./kernels/types.js";
import { LoadedModel, MERGES_KEY, mib } from "./loaded-model.js";
import { architectureFactory, createModel } from "./model/registry.js";
import { WeightStore } from "./model/weights.js";
import { Tokenizer } from "./tokenizer/tokenizer.js";

/** wasm32 addresses 4 GiB; 64 MiB of it stay free for the runtime. */
const WASM32_LIMIT = 4096 * 2 ** 20;
export const MAX_MEMORY_BUDGET = WASM32_LIMIT - (64 << 20);

export interface LoadOptions extends KernelOptions {
  /** Upper bound for weights + KV cache + scratch in bytes (Node's default: ¾ of RAM; at most the wasm32 limit). */
  memoryBudget?: number;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface OpenOptions extends LoadOptions {
  /** Where the kernels come from on this platform (Node: NODE_PLATFORM in kernels/select.ts). */
  platform: KernelPlatform;
  /**
   * Whether the arena's memory is shared (default true): an unshared memory takes one thread and the kernels'
   * `-single` build (a browser page without cross-origin isolation has no SharedArrayBuffer).
   */
  shared?: boolean;
  /** The source's parsed header, when the caller parsed it already (a Blob's header is read asynchronously first). */
  header?: GgufFile;
  /**
   * Called once the header is parsed and the tokenizer built, before the weights' memory is made: Node runs a full
   * garbage collection there, so that parsing's garbage is not still held when the weights arrive (the peak).
   */
  afterHeader?: () => void;
}

/** Open a model whose bytes `src` reads synchronously (weights through src.readInto). */
export function openModel(src: ByteSource, options: OpenOptions): LoadedModel {
  const open = openWeights(src, options);
  try {
    open.weights.read();
  } catch (e) {
    open.dispose();
    throw e;
  }
  return open.finish();
}

/**
 * Open a model reading its weights asynchronously (src.readIntoAsync when it has one, else yielding to the event
 * loop between chunks); the kernels' worker threads are running before the model is built.
 */
export async function openModelAsync(src: ByteSource, options: OpenOptions): Promise<LoadedModel> {
  const open = openWeights(src, options);
  try {
    await open.weights.readAsync();
    await open.kernels.ready;
  } catch (e) {
    open.dispose();
    throw e;
  }
  return open.finish();
}

/** The steps of loading around reading the weights: header, checks, memory, kernels; then the model. */
function openWeights(src: ByteSource, options: OpenOptions) {
  const name = src.name;
  const prefetch = options.prefetch ?? "auto";
  if (prefetch !== "auto" && (!Number.isSafeInteger(prefetch) || prefetch < 0 || prefetch > 1 << 24)) {
    throw new EdgeError("bad_argument", `prefetch must be "auto" or a byte distance from 0 to ${1 << 24}, got ${prefetch}`);
  }
  const file = options.header ?? parseGguf(src);
  const arch = getString(file, "general.architecture");
  architectureFactory(arch, name); // fail before reading anything else
  const tokenizer = Tokenizer.fromGguf(file);
  // The merges as strings (151k of them for Qwen's vocabulary, ~5 MB of heap) only build the tokenizer, which keeps
  // them as token-id pairs; LoadedModel.file goes without them (readGgufHeader has the whole header).
  file.metadata.delete(MERGES_KEY);
  options.afterHeader?.();
  const budget = Math.min(options.memoryBudget ?? Infinity, MAX_MEMORY_BUDGET);
  const weightBytes = file.tensors.reduce((a, t) => a + t.byteSize + 64, 0);
  if (weightBytes > budget) {
    throw new EdgeError("out_of_memory", `${name}: weights need ${mib(weightBytes)} MiB, more than the ${mib(budget)} MiB budget`);
  }
  const arena = new Arena(weightBytes, undefined, options.shared ?? true);
  const kernels = createKernelSet(arena, options, options.platform);
  let weights: WeightStore;
  try {
    weights = new WeightStore(arena, src, file, options.onProgress);
  } catch (e) {
    kernels.dispose?.();
    throw e;
  }
  return {
    weights,
    kernels,
    dispose: () => kernels.dispose?.(),
    finish(): LoadedModel {
      try {
        // before the model is built: its row views of fused matrices copy the prepared (possibly repacked) tensors
        weights.prepare(kernels);
        const model = createModel(arch, { file, weights, kernels, arena }, name);
        const lm = new LoadedModel(name, file, model, tokenizer, kernels, budget);
        lm.prefetch = setUpPrefetch(kernels, weights, arena, prefetch);
        return lm;
      } catch (e) {
        kernels.dispose?.();
        throw e;
      }
    },
  };
}

/** The kernels' touch distance: as given, or measured on the largest matrices (scratch from the arena, 4 B a row). */
function setUpPrefetch(kernels: Kernels, weights: WeightStore, arena: Arena, prefetch: number | "auto"): PrefetchChoice | undefined {
  if (!kernels.setPrefetch) return undefined;
  if (prefetch !== "auto") {
    kernels.setPrefetch(prefetch); // checked before the weights were read
    return { bytes: prefetch, offMs: NaN, onMs: NaN };
  }
  const matrices = [...weights.all()].filter((t) => t.dims.length >= 2);
  if (matrices.length === 0) return undefined;
  const x = arena.alloc(4 * Math.max(...matrices.map((t) => t.cols)));
  const out = arena.alloc(4 * Math.max(...matrices.map((t) => t.rows)));
  return choosePrefetch(kernels, matrices, x, out);
}
