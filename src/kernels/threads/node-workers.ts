// Node-only: pool workers on worker_threads (the WorkerSpawner createKernels uses in Node).
import { Worker } from "node:worker_threads";
import type { PoolWorker, PoolWorkerInit } from "./pool.js";
import { WORKER_SOURCE } from "./worker-source.js";

/** Start one pool worker as a worker_threads Worker; it never keeps the process alive. */
export function spawnNodeWorker(init: PoolWorkerInit): PoolWorker {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: init });
  worker.unref(); // an idle pool must not keep the process alive
  worker.on("error", () => {}); // reported through the control block's error flag instead
  return {};
}
