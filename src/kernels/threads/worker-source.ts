// Source of a pool worker, as plain JavaScript in strings so that it runs the same from dist/ and under tsx, with no
// module resolution inside the worker: the worker only instantiates the already-compiled kernels module on the
// shared memory and enters its workerLoop. One body, two preambles: worker_threads (`new Worker(src, { eval: true })`,
// CommonJS, the start values in workerData) and a Web Worker (dist/browser/kernel-worker.js, written from
// WEB_WORKER_SOURCE by scripts/build-browser.mjs; the start values arrive in its first message).
import { COMPLETED_OFFSET, ERROR_OFFSET } from "./control.js";

/** Runs with `module`, `memory`, `ctrl`, `ith` and `ready()` (called once instantiated, before the loop) in scope. */
const WORKER_BODY = `try {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  ready();
  instance.exports.workerLoop(ctrl, ith);
} catch (err) {
  // A trap inside a chunk: count that chunk as finished so the main thread is not left waiting, and flag the error
  // (the main thread checks the flag after every task and keeps working alone).
  const i32 = new Int32Array(memory.buffer);
  Atomics.store(i32, (ctrl + ${ERROR_OFFSET}) >> 2, 1);
  Atomics.add(i32, (ctrl + ${COMPLETED_OFFSET}) >> 2, 1);
  Atomics.notify(i32, (ctrl + ${COMPLETED_OFFSET}) >> 2);
  throw err;
}`;

/** A worker_threads pool worker (see node-workers.ts). */
export const WORKER_SOURCE = `"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, ctrl, ith } = workerData;
const ready = () => {};
${WORKER_BODY}
`;

/**
 * A Web Worker pool worker (classic script): its first message is { module, memory, ctrl, ith }; it posts "ready" once
 * instantiated and closes itself when workerLoop returns (the pool was closed).
 */
export const WEB_WORKER_SOURCE = `"use strict";
self.onmessage = (event) => {
  self.onmessage = null;
  const { module, memory, ctrl, ith } = event.data;
  const ready = () => self.postMessage("ready");
  ${WORKER_BODY.replace(/\n/g, "\n  ")}
  self.close();
};
`;
