// A persistent pool of worker_threads sharing the arena's WebAssembly.Memory. Each worker instantiates the kernels
// module on that memory and sits in its workerLoop (spin, then atomic.wait); the main thread writes a task's
// parameters into the control block and calls dispatch, which publishes the task, works on it too and returns when
// every chunk is done. No message passing and no allocation per task.
import { Worker } from "node:worker_threads";
import { EdgeError } from "../../errors.js";
import type { Arena, Ptr } from "../memory.js";
import type { KernelExports } from "../wasm/exports.js";
import { CONTROL_BYTES, ERROR_OFFSET, OP_EXIT, OP_NOP, P_OP, P_SPIN, PARAMS_OFFSET } from "./control.js";
import { WORKER_SOURCE } from "./worker-source.js";

/**
 * Spin iterations (one atomic load each, ~1 ns) before a waiting thread sleeps. Covers the gaps between the
 * matMuls of a token (norms, rope, small ops on the main thread) so workers are awake for the next call; a sleeping
 * worker costs a 12–18 µs wake-up.
 */
export const DEFAULT_SPIN = 200_000;

export class ThreadPool {
  /** Byte offset of the control block. */
  readonly ctrl: Ptr;
  /** Index into arena.i32 / arena.f32 of parameter slot 0. */
  readonly params: number;
  private readonly workers: Worker[] = [];
  private closed = false;

  /** `threads` counts the main thread: threads − 1 workers are started. */
  constructor(
    private readonly arena: Arena, module: WebAssembly.Module, private readonly wasm: KernelExports,
    readonly threads: number, spin = DEFAULT_SPIN,
  ) {
    this.ctrl = arena.alloc(CONTROL_BYTES, 64);
    this.params = (this.ctrl + PARAMS_OFFSET) >> 2;
    arena.i32[this.params + P_SPIN] = spin;
    for (let ith = 1; ith < threads; ith++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory: arena.memory, ctrl: this.ctrl, ith },
      });
      worker.unref(); // an idle pool must not keep the process alive
      worker.on("error", () => {}); // reported through the control block's error flag instead
      this.workers.push(worker);
    }
  }

  /** Run the task whose parameters are already written (slots from `params`), split in `chunks` chunks. */
  run(chunks: number): void {
    const i32 = this.arena.i32;
    const error = (this.ctrl + ERROR_OFFSET) >> 2;
    i32[error] = 0;
    this.wasm.dispatch(this.ctrl, chunks);
    if (i32[error] !== 0) {
      // the failed worker is gone; later tasks run on the remaining threads (chunks are claimed dynamically)
      throw new EdgeError("kernel_failed", "a kernel worker thread failed (WebAssembly trap); results are invalid");
    }
  }

  /** An empty task of `chunks` chunks: measures the fork-join cost. */
  barrier(chunks = this.threads): void {
    this.arena.i32[this.params + P_OP] = OP_NOP;
    this.run(chunks);
  }

  /** Stop the workers (they return from workerLoop and exit). The pool cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.arena.i32[this.params + P_OP] = OP_EXIT;
    this.wasm.signalExit(this.ctrl);
  }
}
