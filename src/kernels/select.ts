// Node's kernel sets: createKernelSet (create.ts) with the cores of this machine, the modules in dist/wasm and
// worker_threads for the pool.
import { availableParallelism } from "node:os";
import { createKernelSet, type KernelOptions, type KernelPlatform } from "./create.js";
import type { Arena } from "./memory.js";
import { spawnNodeWorker } from "./threads/node-workers.js";
import type { Kernels } from "./types.js";
import { loadKernelModule } from "./wasm/load-node.js";

export type { KernelOptions } from "./create.js";

/** Number of threads used when none is given: the cores available to this process. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** Node as a KernelPlatform: the cores, dist/wasm's build for the arena's memory, worker_threads. */
export const NODE_PLATFORM: KernelPlatform = {
  defaultThreads,
  module: (arena) => loadKernelModule(undefined, arena.shared),
  spawn: spawnNodeWorker,
};

/** The kernel set for `arena`. Call `dispose()` on it when done to stop worker threads (they never block exit). */
export function createKernels(arena: Arena, options: KernelOptions = {}): Kernels {
  return createKernelSet(arena, options, NODE_PLATFORM);
}
