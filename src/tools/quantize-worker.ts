// A worker thread of `edgellm quantize`: receives row slabs, answers with their requantized bytes (transferred).
import { parentPort } from "node:worker_threads";
import { requantizeRows } from "./requantize-rows.js";

export interface SlabJob {
  id: number;
  from: number;
  to: number;
  cols: number;
  rows: number;
  src: Uint8Array;
}

let f32 = new Float32Array(0);
parentPort!.on("message", (job: SlabJob) => {
  try {
    if (f32.length < job.cols) f32 = new Float32Array(job.cols);
    const out = requantizeRows(job.from, job.to, job.cols, job.rows, job.src, f32);
    parentPort!.postMessage({ id: job.id, out }, [out.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) });
  }
});
