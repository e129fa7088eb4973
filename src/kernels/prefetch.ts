// Whether the matMul kernels should touch memory ahead of the weights they read, measured on this machine.
// WebAssembly has no prefetch instruction; a byte load 64 KiB ahead (assembly/common.ts touch) took decode on a
// 2-vCPU Xeon VM from 24 to 37 tok/s (Qwen2.5-0.5B Q4_0) and cost 30% on a 2-vCPU EPYC VM. So it is measured at load:
// a few sweeps over the model's largest matrices, with and without, alternating, fastest sweep of each kept.
import type { Kernels, WeightTensor } from "./types.js";

/** The distance tried against none. */
export const PREFETCH_DISTANCE = 65536;
/** Weight bytes one sweep reads: well past the last-level caches (32–36 MiB here), so the sweep streams DRAM. */
const SWEEP_BYTES = 96 << 20;
const ROUNDS = 3;
/** Prefetch is kept only when its fastest sweep is at least this much faster (noise on shared VMs is a few %). */
const MIN_GAIN = 0.05;

export interface PrefetchChoice {
  /** The distance chosen (0 = off). */
  bytes: number;
  /** Fastest sweep without and with, in ms (NaN when nothing was measured). */
  offMs: number;
  onMs: number;
}

/**
 * Measure decode-shaped matMuls (one input row) over `matrices` with and without touching ahead, set the better on
 * `kernels` and return what was measured. x and out are scratch of at least max(cols) and max(rows) floats. `now` is
 * the clock (tests pass one their fake kernels advance).
 */
export function choosePrefetch(
  kernels: Kernels, matrices: readonly WeightTensor[], x: number, out: number, now: () => number = () => performance.now(),
): PrefetchChoice {
  if (!kernels.setPrefetch) return { bytes: 0, offMs: NaN, onMs: NaN };
  const sweep: WeightTensor[] = [];
  let bytes = 0;
  for (const w of [...matrices].sort((a, b) => b.bytes - a.bytes)) {
    if (bytes >= SWEEP_BYTES) break;
    sweep.push(w);
    bytes += w.bytes;
  }
  const time = (distance: number) => {
    kernels.setPrefetch!(distance);
    const t0 = now();
    for (const w of sweep) kernels.matMul(w, x, 1, out);
    return now() - t0;
  };
  time(0); // first touch of the scratch and of the kernels' code paths
  let offMs = Infinity;
  let onMs = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    offMs = Math.min(offMs, time(0));
    onMs = Math.min(onMs, time(PREFETCH_DISTANCE));
  }
  const chosen = onMs < offMs * (1 - MIN_GAIN) ? PREFETCH_DISTANCE : 0;
  kernels.setPrefetch(chosen);
  return { bytes: chosen, offMs, onMs };
}
