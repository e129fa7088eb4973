// A persistent pool of worker threads sharing the arena's WebAssembly.Memory. Each worker instantiates the kernels
// module on that memory and sits in its workerLoop (spin, then atomic.wait); the main thread writes a task's
// parameters into the control block and calls dispatch, which publishes the task, works on it too and returns when
// every chunk is done. No message passing and no allocation per task. How a worker is started is the platform's
// (a WorkerSpawner: worker_threads in Node, node-workers.ts; Web Workers in a browser, src/browser/web-workers.ts).
import { EdgeError } from "../../errors.js";
import type { Arena, Ptr } from "../memory.js";
import type { KernelExports } from "../wasm/exports.js";
import { CONTROL_BYTES, ERROR_OFFSET, OP_EXIT, OP_SYNC, P_MAIN_SPIN, P_OP, P_SPIN, PARAMS_OFFSET } from "./control.js";

/** What a pool worker is given: the compiled kernels module, the shared memory, the control block, its index ≥ 1. */
export interface PoolWorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrl: Ptr;
  ith: number;
}

/** A started pool worker. */
export interface PoolWorker {
  /**
   * Resolves once the worker is inside workerLoop, rejects when it could not start (where the platform tells:
   * a Web Worker whose script failed). Tasks never need it (chunks are claimed dynamically), barrier() does.
   */
  ready?: Promise<void>;
}

/** Starts one pool worker that instantiates `init.module` on `init.memory` and runs workerLoop(ctrl, ith). */
export type WorkerSpawner = (init: PoolWorkerInit) => PoolWorker;

/**
 * Worker spin (iterations of one atomic load; 40 000 ≈ 100 µs here) before sleeping in atomic.wait. It covers the
 * gaps between the calls of a token (norms, rope, adds take microseconds) and between tokens (arg-max or sampling
 * over a 128k–152k vocabulary takes 100–250 µs in JavaScript), so workers are awake for the next matMul; a sleeping
 * worker costs the next call a wake-up of 150–230 µs. Longer spins cost CPU, and on an oversubscribed machine a
 * spinning worker that shares a core with the main thread slows it down (the stall detection then takes over).
 */
export const DEFAULT_SPIN = 120_000;
/**
 * Main-thread spin (≈ 300 µs) waiting for the chunks other threads still run. A decode chunk of a large matrix takes
 * up to a few hundred µs, and a main thread that went to sleep before the last one finished wakes 50–150 µs late
 * (≈ 50 µs of spin measured ~7% slower on Llama-3.2-1B decode than this). A worker still busy after this was most
 * likely preempted; sleeping then frees this core for it.
 */
export const DEFAULT_MAIN_SPIN = 120_000;

export class ThreadPool {
  /** Byte offset of the control block. */
  readonly ctrl: Ptr;
  /** Index into arena.i32 / arena.f32 of parameter slot 0. */
  readonly params: number;
  /** Resolves once every worker that reports readiness is in its workerLoop (see PoolWorker.ready). */
  readonly ready: Promise<void>;
  private closed = false;

  /** `threads` counts the main thread: threads − 1 workers are started with `spawn`. */
  constructor(
    private readonly arena: Arena, module: WebAssembly.Module, private readonly wasm: KernelExports,
    readonly threads: number, spawn: WorkerSpawner, spin = DEFAULT_SPIN, mainSpin = DEFAULT_MAIN_SPIN,
  ) {
    if (!arena.shared) {
      throw new EdgeError("unsupported_platform", `${threads} threads need a shared WebAssembly.Memory (in a browser: a cross-origin isolated page); use 1 thread`);
    }
    this.ctrl = arena.alloc(CONTROL_BYTES, 64);
    this.params = (this.ctrl + PARAMS_OFFSET) >> 2;
    arena.i32[this.params + P_SPIN] = spin;
    arena.i32[this.params + P_MAIN_SPIN] = mainSpin;
    const started: Promise<void>[] = [];
    for (let ith = 1; ith < threads; ith++) {
      const worker = spawn({ module, memory: arena.memory, ctrl: this.ctrl, ith });
      if (worker.ready) started.push(worker.ready);
    }
    this.ready = Promise.all(started).then(() => undefined);
    this.ready.catch(() => {}); // a caller that never awaits it must not see an unhandled rejection
  }

  /**
   * Run the task whose parameters are already written (slots from `params`), split in `chunks` chunks. Returns true
   * when the main thread waited a whole sleep timeout for a worker's chunk (the worker was most likely preempted).
   */
  run(chunks: number): boolean {
    const i32 = this.arena.i32;
    const error = (this.ctrl + ERROR_OFFSET) >> 2;
    i32[error] = 0;
    const stalled = this.wasm.dispatch(this.ctrl, chunks) !== 0;
    if (i32[error] !== 0) {
      // the failed worker is gone; later tasks run on the remaining threads (chunks are claimed dynamically)
      throw new EdgeError("kernel_failed", "a kernel worker thread failed (WebAssembly trap); results are invalid");
    }
    return stalled;
  }

  /**
   * A full fork-join round trip: every thread (main and each worker) must take part once. Measures the
   * synchronization cost of one task; an empty task that the main thread may finish alone is `run` with OP_NOP.
   */
  barrier(): boolean {
    this.arena.i32[this.params + P_OP] = OP_SYNC;
    return this.run(this.threads);
  }

  /** Stop the workers (they return from workerLoop and exit). The pool cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.arena.i32[this.params + P_OP] = OP_EXIT;
    this.wasm.signalExit(this.ctrl);
  }
}
