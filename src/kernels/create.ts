// Choose a kernel set — plain-TS reference, WASM SIMD on one thread, or WASM SIMD over a thread pool — on any
// platform: what differs between Node and a browser (the default thread count, where the compiled module comes
// from, how a worker starts) is a KernelPlatform. select.ts is Node's; src/browser/engine-worker.ts a browser's.
import { EdgeError } from "../errors.js";
import type { Arena } from "./memory.js";
import { ReferenceKernels } from "./reference.js";
import type { WorkerSpawner } from "./threads/pool.js";
import { ThreadedKernels } from "./threads/threaded-kernels.js";
import type { Kernels } from "./types.js";
import { type TernaryKernel, WasmKernels } from "./wasm/wasm-kernels.js";

export interface KernelOptions {
  /** "wasm" (default): SIMD kernels from dist/wasm/kernels.wasm; "reference": the plain-TypeScript definitions. */
  backend?: "reference" | "wasm";
  /** Threads including the caller's (wasm only). Default: the number of cores. 1 = no worker threads. */
  threads?: number;
  /** Precompiled kernels module (e.g. from a browser fetch); default: the platform's (read from dist/wasm in Node). */
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

/** What a platform supplies to make kernel sets. */
export interface KernelPlatform {
  /** Threads when none are asked for. */
  defaultThreads(): number;
  /** The compiled kernels module when none is given (it must import a memory shared as `arena.shared` says). */
  module(arena: Arena): WebAssembly.Module;
  /** Starts one pool worker (threads > 1). */
  spawn: WorkerSpawner;
}

/** The kernel set for `arena`. Call `dispose()` on it when done to stop worker threads. */
export function createKernelSet(arena: Arena, options: KernelOptions, platform: KernelPlatform): Kernels {
  const backend = options.backend ?? "wasm";
  if (backend === "reference") return new ReferenceKernels(arena);
  if (backend !== "wasm") throw new EdgeError("bad_argument", `unknown kernel backend "${String(backend)}"`);
  const threads = options.threads ?? platform.defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new EdgeError("bad_argument", `threads must be an integer from 1 to 256, got ${threads}`);
  }
  const module = options.module ?? platform.module(arena);
  const ternaryKernel = options.ternaryKernel;
  return threads === 1
    ? new WasmKernels(arena, module, { ternaryKernel })
    : new ThreadedKernels(arena, module, threads, { spawn: platform.spawn, spin: options.spin, ternaryKernel });
}
