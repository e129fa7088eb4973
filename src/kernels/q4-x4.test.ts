// Q4_0 in four-row groups (the relaxed build's repacked layout): the repack keeps every code and scale, the kernel
// (one thread and a pool, decode and prompt paths) gives exactly its plain-TS twin's bits on the grouped rows and the
// one-row kernel's on the rest, getRow is unchanged, and row views may not split a group.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { EdgeError } from "../errors.js";
import { sliceRows } from "../model/weights.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { f16ToF32 } from "../tensor/f16.js";
import { putF32, putWeight, randomFloats, readF32, rng, weightBytes } from "./conformance.js";
import { Arena } from "./memory.js";
import { Q4_0_X4, q4x4Code, q4x4MatMulTwin, q4x4Scale } from "./q4-x4.js";
import { quantizeActivationsInt8 } from "./int8-activations.js";
import { ThreadedKernels } from "./threads/threaded-kernels.js";
import { spawnNodeWorker } from "./threads/node-workers.js";
import { loadKernelModule, relaxedSimdSupported } from "./wasm/load-node.js";
import { WasmKernels } from "./wasm/wasm-kernels.js";

/** Code (0–15) of element e of a Q4_0 row at rowOff (ggml's layout). */
function code(u8: Uint8Array, rowOff: number, e: number): number {
  const byte = u8[rowOff + (e >> 5) * 18 + 2 + (e & 15)]!;
  return (e & 31) < 16 ? byte & 15 : byte >> 4;
}

const runRelaxed = relaxedSimdSupported() || process.env.CI !== undefined;

describe("Q4_0 four-row layout, wasm relaxed", { skip: runRelaxed ? false : "relaxed SIMD not supported here" }, () => {
  let arena: Arena;
  let rowKernel: WasmKernels;
  let sets: [string, WasmKernels][];
  before(() => {
    arena = new Arena(96 << 20);
    const module = loadKernelModule("relaxed");
    rowKernel = new WasmKernels(arena, module, { repackQ4_0: false });
    sets = [
      ["1 thread", new WasmKernels(arena, module)],
      ["2 threads", new ThreadedKernels(arena, module, 2, { spawn: spawnNodeWorker, minParallelBytes: 0, adaptive: false })],
    ];
  });
  after(() => {
    for (const [, k] of sets) k.dispose?.();
  });

  test("repacking keeps every code and scale, the rows after the last group in place (property)", () => {
    const k = sets[0]![1];
    fc.assert(fc.property(fc.integer({ min: 4, max: 14 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.integer(), (rows, nb, raw, seed) => {
      const cols = 32 * nb;
      const bytes = weightBytes(GgmlType.Q4_0, rows, cols, rng(seed), raw);
      const w = putWeight(arena, "p", GgmlType.Q4_0, rows, cols, bytes);
      k.prepareWeight(w);
      assert.equal(w.kernelType, Q4_0_X4);
      assert.equal(w.rowGroup, 4);
      const grouped = rows & ~3;
      for (let r = 0; r < rows; r++) {
        for (let e = 0; e < cols; e++) assert.equal(q4x4Code(arena.u8, w.ptr, cols, grouped, r, e), code(bytes, r * nb * 18, e));
        for (let b = 0; b < nb; b++) {
          const at = r * nb * 18 + b * 18;
          assert.equal(q4x4Scale(arena.u8, w.ptr, cols, grouped, r, b), f16ToF32(bytes[at]! | (bytes[at + 1]! << 8)));
        }
      }
      // the tail rows' bytes are untouched
      assert.deepEqual(arena.u8.slice(w.ptr + grouped * nb * 18, w.ptr + rows * nb * 18), bytes.slice(grouped * nb * 18));
    }), { numRuns: 40 });
  });

  test("matMul: the twin's bits on grouped rows, the one-row kernel's on the rest; getRow bit-exact", () => {
    let seed = 40;
    // n = 1 decode; 3 single rows only; 5 and 9: groups of four inputs plus singles; 20 splits the pool's rounding
    for (const [rows, cols] of [[4, 32], [7, 96], [36, 256], [130, 1024], [64, 896]] as const) {
      for (const n of [1, 3, 5, 9, 20]) {
        const bytes = weightBytes(GgmlType.Q4_0, rows, cols, rng(seed), seed % 2 === 0);
        const x = randomFloats(n * cols, rng(seed++ + 900));
        if (n > 1) x.fill(0, cols, 2 * cols); // an all-zero row (zero scales)
        x[3 % cols] = 1e3; // this block's amax: q = 127
        x[(5 % cols)] = -1e3;
        const xp = putF32(arena, x);
        const wr = putWeight(arena, "row", GgmlType.Q4_0, rows, cols, bytes);
        rowKernel.prepareWeight(wr);
        assert.equal(wr.kernelType, undefined);
        const outRow = arena.alloc(n * rows * 4);
        rowKernel.matMul(wr, xp, n, outRow);
        const byRow = readF32(arena, outRow, n * rows);
        const { q, d } = quantizeActivationsInt8(x, n, cols, 32);
        const grouped = rows & ~3;
        for (const [label, k] of sets) {
          const w = putWeight(arena, "x4", GgmlType.Q4_0, rows, cols, bytes);
          k.prepareWeight(w);
          const out = arena.alloc(n * rows * 4);
          k.matMul(w, xp, n, out);
          const got = readF32(arena, out, n * rows);
          const twin = q4x4MatMulTwin(arena.u8, w.ptr, rows, cols, q, d, n);
          const what = `${label} rows=${rows} cols=${cols} n=${n}`;
          for (let t = 0; t < n; t++) {
            for (let r = 0; r < rows; r++) {
              const i = t * rows + r;
              if (r < grouped) assert.equal(got[i], twin[i], `${what}: output (${t}, ${r}) vs the twin`);
              else assert.equal(got[i], byRow[i], `${what}: tail row (${t}, ${r}) vs the one-row kernel`);
            }
          }
          const a = arena.alloc(cols * 4), b = arena.alloc(cols * 4);
          for (const r of [0, 3, rows - 1]) {
            k.getRow(w, r, a);
            rowKernel.getRow(wr, r, b);
            assert.deepEqual(readF32(arena, a, cols), readF32(arena, b, cols), `${what}: getRow ${r}`);
          }
        }
      }
    }
  });

  test("fewer than four rows keep ggml's layout; a row view may not split a group", () => {
    const k = sets[0]![1];
    const small = putWeight(arena, "small", GgmlType.Q4_0, 3, 64, weightBytes(GgmlType.Q4_0, 3, 64, rng(1), false));
    k.prepareWeight(small);
    assert.equal(small.kernelType, undefined);
    const w = putWeight(arena, "blk.0.attn_qkv.weight", GgmlType.Q4_0, 14, 64, weightBytes(GgmlType.Q4_0, 14, 64, rng(2), false));
    k.prepareWeight(w);
    assert.equal(sliceRows(w, 4, 8, "k").rows, 8);
    assert.equal(sliceRows(w, 12, 2, "v").rows, 2, "the tail rows after the last group");
    assert.throws(() => sliceRows(w, 2, 8, "k"), (e: unknown) => e instanceof EdgeError && e.code === "bad_tensor_shape" && /split a 4-row group/.test(e.message));
    assert.throws(() => sliceRows(w, 4, 6, "k"), (e: unknown) => e instanceof EdgeError && /split a 4-row group/.test(e.message));
  });

  test("the base build keeps ggml's layout", () => {
    const base = new WasmKernels(arena, loadKernelModule("base"));
    const w = putWeight(arena, "b", GgmlType.Q4_0, 8, 64, weightBytes(GgmlType.Q4_0, 8, 64, rng(3), false));
    base.prepareWeight(w);
    assert.equal(w.kernelType, undefined);
  });
});
