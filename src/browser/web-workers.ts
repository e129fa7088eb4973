// Pool workers as Web Workers (the engine worker's WorkerSpawner): each runs kernel-worker.js (written from
// WEB_WORKER_SOURCE in kernels/threads/worker-source.ts), gets the module, shared memory, control block and index by
// postMessage, and reports "ready" just before it enters workerLoop.
import { EdgeError } from "../errors.js";
import type { PoolWorker, PoolWorkerInit, WorkerSpawner } from "../kernels/threads/pool.js";

/** A spawner that starts `script` (a classic worker script) per pool thread. */
export function webWorkerSpawner(script: URL): WorkerSpawner {
  return (init: PoolWorkerInit): PoolWorker => {
    const worker = new Worker(script, { name: `edgellm-kernels-${init.ith}` });
    const ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent) => {
        if (e.data === "ready") resolve();
      };
      worker.onerror = (e: ErrorEvent) => {
        // a trap after start-up is reported through the control block's error flag (ThreadPool.run)
        e.preventDefault();
        reject(new EdgeError("kernel_failed", `kernel worker ${init.ith} failed to start (${e.message || script.href})`));
      };
    });
    worker.postMessage(init);
    return { ready };
  };
}
