// Choose a kernel set: plain-TS reference, WASM SIMD on one thread, or WASM SIMD over a worker-thread pool.
import { availableParallelism } from "node:os";
import { EdgeError } from "../errors.js";
import type { Arena } from "./memory.js";
import { ReferenceKernels } from "./reference.js";
import { ThreadedKernels } from "./threads/threaded-kernels.js";
import type { Kernels } from "./types.js";
import { loadKernelModule } from "./wasm/load-node.js";
import { type TernaryKernel, WasmKernels } from "./wasm/wasm-kernels.js";

export interface KernelOptions {
  /** "wasm" (default): SIMD kernels from dist/wasm/kernels.wasm; "reference": the plain-TypeScript definitions. */
  backend?: "reference" | "wasm";
  /** Threads including the caller's (wasm only). Default: the number of cores. 1 = no worker threads. */
  threads?: number;
  /** Precompiled kernels module (e.g. from a browser fetch); default: read from dist/wasm in Node. */
  module?: WebAssembly.Module;
  /** Spin iterations before an idle pool thread sleeps (threads > 1). */
  spin?: number;
  /**
   * Touch distance of the matMul kernels in bytes, 0 = off (wasm only; see prefetch.ts). Default "auto": measured
   * on the model's largest matrices at load (~0.1 s).
   */
  prefetch?: number | "auto";
  /** TQ2_0 matMul: "dot" (multiply the codes), "lut" (table lookup, repacked at load), "auto" (the faster here). */
  ternaryKernel?: TernaryKernel;
}

/** Number of threads used when none is given: the cores available to this process. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** The kernel set for `arena`. Call `dispose()` on it when done to stop worker threads (they never block exit). */
export function createKernels(arena: Arena, options: KernelOptions = {}): Kernels {
  const backend = options.backend ?? "wasm";
  if (backend === "reference") return new ReferenceKernels(arena);
  if (backend !== "wasm") throw new EdgeError("bad_argument", `unknown kernel backend "${String(backend)}"`);
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new EdgeError("bad_argument", `threads must be an integer from 1 to 256, got ${threads}`);
  }
  const module = options.module ?? loadKernelModule();
  const ternaryKernel = options.ternaryKernel;
  return threads === 1
    ? new WasmKernels(arena, module, { ternaryKernel })
    : new ThreadedKernels(arena, module, threads, { spin: options.spin, ternaryKernel });
}
