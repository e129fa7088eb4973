// A short calibration run: load the model, time a handful of decode steps at the start of a small context, and read
// the kernels' streaming bandwidth off the prefetch measurement loading already makes (decode-shaped matMuls over the
// largest matrices). Also the process's peak RSS afterwards, to compare with the plan.
import { readFileSync } from "node:fs";
import { loadModel } from "../../engine.js";
import type { GgufFile } from "../../format/gguf-types.js";

export interface CalibrateOptions {
  threads: number;
  /** Context of the calibration session (small: only a few positions are used). */
  ctx: number;
  /** Decode steps timed (after two untimed ones). */
  steps?: number;
  /** The engine's arena budget in bytes. */
  memoryBudget?: number;
}

export interface Calibration {
  loadMs: number;
  /** Median time of one decode step (forward pass + arg-max), and its inverse. */
  msPerToken: number;
  decodeTokS: number;
  steps: number;
  /** Bytes/s of the prefetch sweep (one input row over the largest matrices), when loading measured it. */
  bandwidth?: number;
  /** VmHWM of this process after the run (includes the planner's own header parse). */
  peakRssBytes?: number;
  kernels: string;
}

const PROMPT = "The quick brown fox jumps over the lazy dog";

export function calibrate(path: string, o: CalibrateOptions): Calibration {
  const t0 = performance.now();
  const lm = loadModel(path, { threads: o.threads, memoryBudget: o.memoryBudget });
  const loadMs = performance.now() - t0;
  try {
    const session = lm.createSession({ ctx: o.ctx, batch: 16 });
    const prompt = lm.tokenizer.encode(PROMPT).slice(0, Math.max(1, o.ctx - 32));
    session.eval(prompt.length > 0 ? prompt : [0]);
    const steps = Math.max(1, Math.min(o.steps ?? 8, o.ctx - session.nPast - 2));
    let logits = session.lastLogits();
    const times: number[] = [];
    for (let i = 0; i < steps + 2; i++) {
      const token = argMax(logits);
      const s = performance.now();
      logits = session.step(token);
      if (i >= 2) times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    const msPerToken = times[Math.floor(times.length / 2)]!;
    return {
      loadMs, msPerToken, decodeTokS: 1000 / msPerToken, steps: times.length,
      bandwidth: sweepBandwidth(lm.file, lm.prefetch), peakRssBytes: peakRss(), kernels: lm.kernels.name,
    };
  } finally {
    lm.dispose();
  }
}

function argMax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

/** The bytes prefetch.ts sweeps (largest matrices first, up to 96 MiB) over its fastest sweep time. */
function sweepBandwidth(file: GgufFile, p: { bytes: number; offMs: number; onMs: number } | undefined): number | undefined {
  if (!p) return undefined;
  const ms = p.bytes > 0 ? p.onMs : p.offMs;
  if (!(ms > 0)) return undefined;
  let bytes = 0;
  for (const t of file.tensors.filter((x) => x.dims.length >= 2).sort((a, b) => b.byteSize - a.byteSize)) {
    if (bytes >= 96 << 20) break;
    bytes += t.byteSize;
  }
  return bytes / (ms / 1000);
}

function peakRss(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
