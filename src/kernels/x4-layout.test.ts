// Q4_0 and Q5_0 in four-row groups (the relaxed build's repacked layouts): the repack keeps every code and scale, the
// kernel (one thread and a pool, decode and prompt paths) gives exactly its plain-TS twin's bits on the grouped rows
// and the one-row kernel's on the rest, getRow is unchanged, and row views may not split a group.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { EdgeError } from "../errors.js";
import { sliceRows } from "../model/weights.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { f16ToF32 } from "../tensor/f16.js";
import { putF32, putWeight, randomFloats, readF32, rng, weightBytes } from "./test-data.js";
import { Arena } from "./memory.js";
import { x4Code, x4LayoutOf, x4MatMulTwin, x4Scale } from "./x4-layout.js";
import { quantizeActivationsInt8 } from "./int8-activations.js";
import { ThreadedKernels } from "./threads/threaded-kernels.js";
import { spawnNodeWorker } from "./threads/node-workers.js";
import { loadKernelModule, relaxedSimdSupported } from "./wasm/load-node.js";
import { WasmKernels } from "./wasm/wasm-kernels.js";

/** Code (Q4_0: 0–15, Q5_0: 0–31) of element e of a row at rowOff (ggml's layout). */
function code(type: GgmlType, u8: Uint8Array, rowOff: number, e: number): number {
  const q5 = type === GgmlType.Q5_0;
  const at = rowOff + (e >> 5) * (q5 ? 22 : 18);
  const byte = u8[at + (q5 ? 6 : 2) + (e & 15)]!;
  const nibble = (e & 31) < 16 ? byte & 15 : byte >> 4;
  if (!q5) return nibble;
  const qh = (u8[at + 2]! | (u8[at + 3]! << 8) | (u8[at + 4]! << 16) | (u8[at + 5]! << 24)) >>> 0;
  return nibble | (((qh >>> (e & 31)) & 1) << 4);
}

const runRelaxed = relaxedSimdSupported() || process.env.CI !== undefined;

for (const type of [GgmlType.Q4_0, GgmlType.Q5_0]) describe(`${GgmlType[type]} four-row layout, wasm relaxed`, { skip: runRelaxed ? false : "relaxed SIMD not supported here" }, () => {
  const blockBytes = type === GgmlType.Q5_0 ? 22 : 18;
  const layout = x4LayoutOf(type)!;
  let arena: Arena;
  let rowKernel: WasmKernels;
  let sets: [string, WasmKernels][];
  before(() => {
    arena = new Arena(96 << 20);
    const module = loadKernelModule("relaxed");
    rowKernel = new WasmKernels(arena, module, { repackFourRows: false });
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
      const bytes = weightBytes(type, rows, cols, rng(seed), raw);
      const w = putWeight(arena, "p", type, rows, cols, bytes);
      k.prepareWeight(w);
      assert.equal(w.kernelType, layout);
      assert.equal(w.rowGroup, 4);
      const grouped = rows & ~3;
      for (let r = 0; r < rows; r++) {
        for (let e = 0; e < cols; e++) assert.equal(x4Code(layout, arena.u8, w.ptr, cols, grouped, r, e), code(type, bytes, r * nb * blockBytes, e));
        for (let b = 0; b < nb; b++) {
          const at = r * nb * blockBytes + b * blockBytes;
          assert.equal(x4Scale(layout, arena.u8, w.ptr, cols, grouped, r, b), f16ToF32(bytes[at]! | (bytes[at + 1]! << 8)));
        }
      }
      // the tail rows' bytes are untouched
      assert.deepEqual(arena.u8.slice(w.ptr + grouped * nb * blockBytes, w.ptr + rows * nb * blockBytes), bytes.slice(grouped * nb * blockBytes));
    }), { numRuns: 40 });
  });

  test("matMul: the twin's bits on grouped rows, the one-row kernel's on the rest; getRow bit-exact", () => {
    let seed = 40;
    // n = 1 decode; 3 single rows only; 5 and 9: groups of four inputs plus singles; 20 splits the pool's rounding
    for (const [rows, cols] of [[4, 32], [7, 96], [36, 256], [130, 1024], [64, 896]] as const) {
      for (const n of [1, 3, 5, 9, 20]) {
        const bytes = weightBytes(type, rows, cols, rng(seed), seed % 2 === 0);
        const x = randomFloats(n * cols, rng(seed++ + 900));
        if (n > 1) x.fill(0, cols, 2 * cols); // an all-zero row (zero scales)
        x[3 % cols] = 1e3; // this block's amax: q = 127
        x[(5 % cols)] = -1e3;
        const xp = putF32(arena, x);
        const wr = putWeight(arena, "row", type, rows, cols, bytes);
        rowKernel.prepareWeight(wr);
        assert.equal(wr.kernelType, undefined);
        const outRow = arena.alloc(n * rows * 4);
        rowKernel.matMul(wr, xp, n, outRow);
        const byRow = readF32(arena, outRow, n * rows);
        const { q, d } = quantizeActivationsInt8(x, n, cols, 32);
        const grouped = rows & ~3;
        for (const [label, k] of sets) {
          const w = putWeight(arena, "x4", type, rows, cols, bytes);
          k.prepareWeight(w);
          const out = arena.alloc(n * rows * 4);
          k.matMul(w, xp, n, out);
          const got = readF32(arena, out, n * rows);
          const twin = x4MatMulTwin(layout, arena.u8, w.ptr, rows, cols, q, d, n);
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
    const small = putWeight(arena, "small", type, 3, 64, weightBytes(type, 3, 64, rng(1), false));
    k.prepareWeight(small);
    assert.equal(small.kernelType, undefined);
    const w = putWeight(arena, "blk.0.attn_qkv.weight", type, 14, 64, weightBytes(type, 14, 64, rng(2), false));
    k.prepareWeight(w);
    assert.equal(sliceRows(w, 4, 8, "k").rows, 8);
    assert.equal(sliceRows(w, 12, 2, "v").rows, 2, "the tail rows after the last group");
    assert.throws(() => sliceRows(w, 2, 8, "k"), (e: unknown) => e instanceof EdgeError && e.code === "bad_tensor_shape" && /split a 4-row group/.test(e.message));
    assert.throws(() => sliceRows(w, 4, 6, "k"), (e: unknown) => e instanceof EdgeError && /split a 4-row group/.test(e.message));
  });

  test("the base build keeps ggml's layout", () => {
    const base = new WasmKernels(arena, loadKernelModule("base"));
    const w = putWeight(arena, "b", type, 8, 64, weightBytes(type, 8, 64, rng(3), false));
    base.prepareWeight(w);
    assert.equal(w.kernelType, undefined);
  });
});
