import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GgmlType } from "../tensor/ggml-type.js";
import { choosePrefetch, PREFETCH_DISTANCE } from "./prefetch.js";
import type { Kernels, WeightTensor } from "./types.js";

/** A fake clock the fake kernels advance: the choice is tested on exact "times", not on a busy machine's. */
const clock = { t: 0, now: () => clock.t };

/** A kernel set whose matMul takes `msOff` or `msOn` per MiB of weights (on the fake clock), recording what it read. */
function fakeKernels(msOff: number, msOn: number, calls: string[]): Kernels {
  let distance = -1;
  return {
    name: "fake",
    setPrefetch(bytes: number) {
      distance = bytes;
    },
    get prefetch() {
      return distance;
    },
    matMul(w: WeightTensor) {
      calls.push(w.name);
      clock.t += ((distance ? msOn : msOff) * w.bytes) / (1 << 20);
    },
  } as unknown as Kernels;
}

const matrix = (name: string, mib: number): WeightTensor => ({
  name, type: GgmlType.Q8_0, dims: [32, 1], cols: 32, rows: 1, rowBytes: 34, ptr: 0, bytes: mib << 20,
});

describe("choosePrefetch", () => {
  it("keeps touching ahead only where it is clearly faster", () => {
    const mats = [matrix("small", 1), matrix("big", 40), matrix("mid", 30), matrix("other", 30)];
    const faster = choosePrefetch(fakeKernels(0.02, 0.01, []), mats, 0, 0, clock.now);
    assert.equal(faster.bytes, PREFETCH_DISTANCE);
    assert.ok(faster.onMs < faster.offMs);
    const slower = fakeKernels(0.01, 0.02, []);
    assert.equal(choosePrefetch(slower, mats, 0, 0, clock.now).bytes, 0);
    assert.equal(slower.prefetch, 0, "the choice is left set on the kernels");
    // equal within noise: off (no extra loads)
    assert.equal(choosePrefetch(fakeKernels(0.01, 0.0099, []), mats, 0, 0, clock.now).bytes, 0);
  });

  it("sweeps the largest matrices until ~96 MiB, not the whole model", () => {
    const calls: string[] = [];
    const mats = [matrix("a", 10), matrix("b", 60), matrix("c", 50), matrix("d", 20)];
    choosePrefetch(fakeKernels(0.0001, 0.0001, calls), mats, 0, 0, clock.now);
    assert.deepEqual([...new Set(calls)].sort(), ["b", "c"]);
  });

  it("a kernel set without prefetch reports off and measures nothing", () => {
    const calls: string[] = [];
    const k = { name: "ref", matMul: () => calls.push("x") } as unknown as Kernels;
    const c = choosePrefetch(k, [matrix("a", 1)], 0, 0);
    assert.equal(c.bytes, 0);
    assert.ok(Number.isNaN(c.offMs));
    assert.equal(calls.length, 0);
  });
});
