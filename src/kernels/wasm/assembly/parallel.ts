// Fork-join over threads sharing this module's memory: a control block in the shared memory carries a generation
// counter, a claim word for dynamic chunk scheduling and the task parameters. The main thread publishes a task and
// works on it too; workers spin briefly on the generation, then sleep in memory.atomic.wait.
//
// Control block (byte offsets; hot words on separate cache lines):
//   0    GEN        i32  task generation, bumped once per task by the main thread
//   64   SLEEPERS   i32  workers currently inside atomic.wait on GEN (main notifies only if > 0)
//   128  CLAIM      i64  (generation << 32) | next chunk index; claimed with cmpxchg so a worker that wakes late can
//                        never take a chunk of a newer task
//   192  COMPLETED  i32  chunks finished in the current task
//   196  MAIN_WAIT  i32  1 while the main thread sleeps on COMPLETED
//   200  TOTAL      i32  chunks in the current task
//   204  ERROR      i32  set by a worker whose call trapped (written by the worker's JS, read by the pool)
//   256  params     i32[32] (P_* below; f32 values stored by bits)
// A task completes when all its chunks are done, not when every worker has checked in: a worker that is asleep or
// preempted simply claims nothing, and the main thread never waits for it unless it holds a chunk.
import { setPrefetch } from "./common";
import { matmulChunk, prepareRows } from "./matmul";
import { attendItem, attendItems } from "./attention";
import { geglu, gelu, rope, storeKv, swiglu } from "./ops";

export const GEN: usize = 0;
export const SLEEPERS: usize = 64;
export const CLAIM: usize = 128;
export const COMPLETED: usize = 192;
export const MAIN_WAIT: usize = 196;
export const TOTAL: usize = 200;
export const PARAMS: usize = 256;

// parameter slots (i32 index from PARAMS)
export const P_OP = 0;
export const P_CHUNK = 1; // rows (matMul) or items (attention) per chunk
export const P_SPIN = 2; // worker: spin iterations waiting for the next task before sleeping
export const P_MAIN_SPIN = 3; // main thread: spin iterations waiting for the last chunks before sleeping
export const P_PREFETCH = 4; // matMul: touch distance in bytes (common.ts setPrefetch), the same on every thread
export const P_A = 8; // op-specific parameters start here

export const OP_NOP = 0;
/** One or more matMuls of one input (q/k/v, gate/up) as one task: chunks numbered through the matrices in turn. */
export const OP_MATMUL = 1;
export const OP_ATTENTION = 2;
export const OP_EXIT = 3;
/** Every thread claims exactly one (empty) chunk: a full fork-join round trip, for measuring the barrier. */
export const OP_SYNC = 4;
export const OP_PREPARE = 5;
/** A prompt's element-wise work by chunks (rows for rope/storeKv, elements for swiglu/gelu). */
export const OP_ROPE = 6;
export const OP_STORE_KV = 7;
export const OP_SWIGLU = 8;
export const OP_GELU = 9;
export const OP_GEGLU = 10;

/** Sleep timeouts are finite: V8 11.x never wakes a wasm wait with an infinite (−1) timeout. */
const WORKER_SLEEP_NS: i64 = 100_000_000;
const MAIN_SLEEP_NS: i64 = 1_000_000;

// @ts-ignore: decorator
@inline function param(ctrl: usize, i: i32): i32 {
  return load<i32>(ctrl + PARAMS + (<usize>i << 2));
}

function runChunk(ctrl: usize, idx: i32, ith: i32): void {
  const op = param(ctrl, P_OP);
  const chunk = param(ctrl, P_CHUNK);
  const p = ctrl + PARAMS + (<usize>P_A << 2);
  if (op == OP_MATMUL) {
    // type, rb, cols, x, n, xq, xd, xs, count, then per matrix (16 bytes from byte 36): w, rows, out, end chunk
    setPrefetch(<usize>param(ctrl, P_PREFETCH));
    const count = load<i32>(p, 32);
    let first = 0;
    for (let m = 0; m < count; m++) {
      const q = p + 36 + (<usize>m << 4);
      const end = load<i32>(q, 12);
      if (idx < end) {
        const rows = load<i32>(q, 4);
        const r0 = (idx - first) * chunk;
        matmulChunk(load<i32>(p), load<u32>(q), load<u32>(p, 4), rows, load<i32>(p, 8), load<u32>(p, 12), load<i32>(p, 16),
          load<u32>(q, 8), r0, min(rows, r0 + chunk), load<u32>(p, 20), load<u32>(p, 24), load<u32>(p, 28));
        return;
      }
      first = end;
    }
  } else if (op == OP_PREPARE) {
    // type, x, n, cols, xq, xd, xs, xf: rows of the activations by chunks of input rows
    const n = load<i32>(p, 8);
    const t0 = idx * chunk, t1 = min(n, t0 + chunk);
    prepareRows(load<i32>(p), load<usize>(p, 4), n, load<i32>(p, 12), load<usize>(p, 16), load<usize>(p, 20), load<usize>(p, 24),
      load<usize>(p, 28), t0, t1);
  } else if (op == OP_ROPE) {
    // x, n, nHeads, headDim, ropeDim, pos0, neox, freqFactors, freqBase (f64 at slot 8), freqScale (f64 at slot 10),
    // mscale (f32 at slot 12)
    const n = load<i32>(p, 4), nHeads = load<i32>(p, 8), headDim = load<i32>(p, 12);
    const t0 = idx * chunk, t1 = min(n, t0 + chunk);
    rope(load<usize>(p) + ((<usize>t0 * <usize>nHeads * <usize>headDim) << 2), t1 - t0, nHeads, headDim, load<i32>(p, 16),
      load<i32>(p, 20) + t0, load<f64>(p, 32), load<f64>(p, 40), load<i32>(p, 24) != 0, load<usize>(p, 28), load<f32>(p, 48));
  } else if (op == OP_STORE_KV) {
    // k, v, n, kvDim, pos0, kCache, vCache, isF16
    const n = load<i32>(p, 8), kvDim = load<i32>(p, 12);
    const t0 = idx * chunk, t1 = min(n, t0 + chunk);
    const o = (<usize>t0 * <usize>kvDim) << 2;
    storeKv(load<usize>(p) + o, load<usize>(p, 4) + o, t1 - t0, kvDim, load<i32>(p, 16) + t0, load<usize>(p, 20),
      load<usize>(p, 24), load<i32>(p, 28) != 0);
  } else if (op == OP_SWIGLU || op == OP_GELU || op == OP_GEGLU) {
    // a, b (the up half of swiglu/geglu), count
    const count = load<i32>(p, 8);
    const i0 = idx * chunk, i1 = min(count, i0 + chunk);
    const o = <usize>i0 << 2;
    if (op == OP_SWIGLU) swiglu(load<usize>(p) + o, load<usize>(p, 4) + o, i1 - i0);
    else if (op == OP_GEGLU) geglu(load<usize>(p) + o, load<usize>(p, 4) + o, i1 - i0);
    else gelu(load<usize>(p) + o, i1 - i0);
  } else if (op == OP_ATTENTION) {
    // q, n, pos0, nHeads, nKvHeads, headDim, scale, kCache, vCache, isF16, out, scratch, scratchStride, window, allLast,
    // softcap, tiles, tile stride
    // items are (position or block of positions, KV head) pairs (attendItems)
    const n = load<i32>(p, 4), nKvHeads = load<i32>(p, 16);
    const i0 = idx * chunk, i1 = min(attendItems(n, nKvHeads, load<i32>(p, 36) != 0), i0 + chunk);
    const att = load<usize>(p, 44) + <usize>ith * load<usize>(p, 48);
    for (let item = i0; item < i1; item++) {
      attendItem(item, load<u32>(p), n, load<i32>(p, 8), load<i32>(p, 12), nKvHeads, load<i32>(p, 20), load<f32>(p, 24),
        load<u32>(p, 28), load<u32>(p, 32), load<i32>(p, 36) != 0, load<u32>(p, 40), att, load<i32>(p, 52), load<i32>(p, 56),
        load<f32>(p, 60), load<usize>(p, 64) + <usize>ith * load<usize>(p, 68));
    }
  }
}

/** Claim and run chunks of task `gen` until none are left (OP_SYNC: exactly one). */
function work(ctrl: usize, gen: u32, ith: i32): void {
  const once = atomic.load<i32>(ctrl + PARAMS + (<usize>P_OP << 2)) == OP_SYNC;
  while (true) {
    const v = atomic.load<u64>(ctrl + CLAIM);
    if (<u32>(v >> 32) != gen) return;
    const idx = <i32>(<u32>v);
    if (idx >= atomic.load<i32>(ctrl + TOTAL)) return;
    if (atomic.cmpxchg<u64>(ctrl + CLAIM, v, v + 1) != v) continue;
    runChunk(ctrl, idx, ith);
    const done = atomic.add<i32>(ctrl + COMPLETED, 1) + 1;
    if (done == atomic.load<i32>(ctrl + TOTAL) && atomic.load<i32>(ctrl + MAIN_WAIT) != 0) {
      atomic.notify(ctrl + COMPLETED, 1);
    }
    if (once) return;
  }
}

/** Body of a worker thread: runs tasks until OP_EXIT. ith ≥ 1 selects this thread's scratch slice. */
export function workerLoop(ctrl: usize, ith: i32): void {
  let seen: u32 = 0;
  while (true) {
    let g = atomic.load<u32>(ctrl + GEN);
    if (g == seen) {
      let spins = param(ctrl, P_SPIN);
      while (g == seen && spins-- > 0) g = atomic.load<u32>(ctrl + GEN);
      if (g == seen) {
        atomic.add<i32>(ctrl + SLEEPERS, 1);
        while ((g = atomic.load<u32>(ctrl + GEN)) == seen) atomic.wait<i32>(ctrl + GEN, <i32>seen, WORKER_SLEEP_NS);
        atomic.sub<i32>(ctrl + SLEEPERS, 1);
      }
    }
    seen = g;
    if (atomic.load<i32>(ctrl + PARAMS + (<usize>P_OP << 2)) == OP_EXIT) return;
    work(ctrl, g, ith);
  }
}

/**
 * Main thread: publish the task whose parameters are already in the control block (`total` chunks), work on it,
 * and return once every chunk is done. Returns 1 when it waited a whole sleep timeout (1 ms) for another thread's
 * chunk (that thread was most likely preempted), else 0.
 */
export function dispatch(ctrl: usize, total: i32): i32 {
  let stalled = 0;
  const g = atomic.load<u32>(ctrl + GEN) + 1;
  atomic.store<i32>(ctrl + COMPLETED, 0);
  atomic.store<i32>(ctrl + TOTAL, total);
  atomic.store<u64>(ctrl + CLAIM, <u64>g << 32);
  atomic.store<u32>(ctrl + GEN, g);
  if (atomic.load<i32>(ctrl + SLEEPERS) > 0) atomic.notify(ctrl + GEN, 0x7fffffff);
  work(ctrl, g, 0);
  let done = atomic.load<i32>(ctrl + COMPLETED);
  if (done < total) {
    // short: a worker still busy after this was most likely preempted, and sleeping frees this core for it
    let spins = param(ctrl, P_MAIN_SPIN);
    while (done < total && spins-- > 0) done = atomic.load<i32>(ctrl + COMPLETED);
    if (done < total) {
      atomic.store<i32>(ctrl + MAIN_WAIT, 1);
      while ((done = atomic.load<i32>(ctrl + COMPLETED)) < total) {
        // a whole sleep timeout without the last chunk finishing: its thread was off the CPU (chunks are sized to
        // take well under MAIN_SLEEP_NS), so count a stall; a short wait is ordinary imbalance
        if (atomic.wait<i32>(ctrl + COMPLETED, done, MAIN_SLEEP_NS) == 2) stalled = 1;
      }
      atomic.store<i32>(ctrl + MAIN_WAIT, 0);
    }
  }
  // no chunk of this generation may be claimed any more, whatever a late worker read before
  atomic.store<u64>(ctrl + CLAIM, (<u64>g << 32) | 0x7fffffff);
  return stalled;
}

/** Wake every worker and let it return from workerLoop (P_OP must already be OP_EXIT). */
export function signalExit(ctrl: usize): void {
  atomic.store<u32>(ctrl + GEN, atomic.load<u32>(ctrl + GEN) + 1);
  atomic.notify(ctrl + GEN, 0x7fffffff);
}
