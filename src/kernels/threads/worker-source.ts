// Source of a pool worker, evaluated as CommonJS by `new Worker(src, { eval: true })`. Kept as plain JavaScript in a
// string so that it runs the same from dist/ and under tsx, with no module resolution inside the worker: the worker
// only instantiates the already-compiled kernels module on the shared memory and enters its workerLoop.
import { COMPLETED_OFFSET, ERROR_OFFSET } from "./control.js";

export const WORKER_SOURCE = `"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, ctrl, ith } = workerData;
try {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  instance.exports.workerLoop(ctrl, ith);
} catch (err) {
  // A trap inside a chunk: count that chunk as finished so the main thread is not left waiting, and flag the error
  // (the main thread checks the flag after every task and keeps working alone).
  const i32 = new Int32Array(memory.buffer);
  Atomics.store(i32, (ctrl + ${ERROR_OFFSET}) >> 2, 1);
  Atomics.add(i32, (ctrl + ${COMPLETED_OFFSET}) >> 2, 1);
  Atomics.notify(i32, (ctrl + ${COMPLETED_OFFSET}) >> 2);
  throw err;
}
`;
