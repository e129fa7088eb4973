// The table-lookup TQ2_0 kernel: layout round trip, its plain-TS twin against the plain multiply, and the WASM kernel
// (both SIMD builds, one thread and a pool) bit-identical to the twin and to the WASM multiply kernel.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { GgmlType } from "../tensor/ggml-type.js";
import { f16ToF32 } from "../tensor/f16.js";
import { quantize } from "../tensor/types.js";
import { putF32, putWeight, randomFloats, readF32, rng } from "./test-data.js";
import { quantizeActivationsInt8 } from "./int8-activations.js";
import { Arena } from "./memory.js";
import { lutMatMulTwin, lutScale, lutWeight, repackTq2Lut, TQ2_0_LUT } from "./ternary-lut.js";
import { ThreadedKernels } from "./threads/threaded-kernels.js";
import { spawnNodeWorker } from "./threads/node-workers.js";
import { loadKernelModule, relaxedSimdSupported } from "./wasm/load-node.js";
import { WasmKernels } from "./wasm/wasm-kernels.js";

/** Code (0, 1, 2) of element e of a TQ2_0 row at off (ggml's order). */
function code(u8: Uint8Array, rowOff: number, e: number): number {
  const off = rowOff + (e >> 8) * 66, k = e & 255;
  return (u8[off + 32 * (k >> 7) + (k & 31)]! >> (2 * ((k >> 5) & 3))) & 3;
}

/** TQ2_0 bytes of a random ternary matrix (quantized from gaussian values: realistic scales and code mix). */
function tq2(rows: number, cols: number, seed: number): Uint8Array {
  return quantize(GgmlType.TQ2_0, randomFloats(rows * cols, rng(seed), 0.5));
}

/** The plain multiply on ggml's layout: per block Σ (c − 1)·q, then acc += Σ · (dw · dx) in f32 (ggml's order). */
function dotTwin(bytes: Uint8Array, rows: number, cols: number, q: Int8Array, d: Float32Array, n: number): Float32Array {
  const nb = cols / 256, rowBytes = nb * 66;
  const out = new Float32Array(n * rows);
  for (let t = 0; t < n; t++) {
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let b = 0; b < nb; b++) {
        let sum = 0;
        for (let i = 0; i < 256; i++) sum += (code(bytes, r * rowBytes, 256 * b + i) - 1) * q[t * cols + 256 * b + i]!;
        const off = r * rowBytes + b * 66 + 64;
        acc = Math.fround(acc + Math.fround(sum * Math.fround(f16ToF32(bytes[off]! | (bytes[off + 1]! << 8)) * d[t * nb + b]!)));
      }
      out[t * rows + r] = acc;
    }
  }
  return out;
}

describe("TQ2_0 table-lookup layout and twin", () => {
  test("repacking keeps every weight and scale (property: random shapes and matrices)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (groups, nb, seed) => {
      const rows = 16 * groups, cols = 256 * nb;
      const bytes = tq2(rows, cols, seed);
      const packed = bytes.slice();
      assert.equal(repackTq2Lut(packed, 0, rows, cols, new Uint8Array(16 * nb * 66)), true);
      assert.equal(packed.length, bytes.length);
      for (let r = 0; r < rows; r++) {
        for (let e = 0; e < cols; e++) assert.equal(lutWeight(packed, 0, cols, r, e), code(bytes, r * nb * 66, e) - 1);
        for (let b = 0; b < nb; b++) {
          const off = r * nb * 66 + b * 66 + 64;
          assert.equal(lutScale(packed, 0, cols, r, b), f16ToF32(bytes[off]! | (bytes[off + 1]! << 8)));
        }
      }
    }), { numRuns: 20 });
  });

  test("a code of 3 (never written by a quantizer; ggml reads +2) is refused and nothing changes", () => {
    const bytes = tq2(16, 256, 5);
    bytes[17] |= 0b1100_0000;
    const copy = bytes.slice();
    assert.equal(repackTq2Lut(copy, 0, 16, 256, new Uint8Array(16 * 66)), false);
    assert.deepEqual(copy, bytes);
  });

  test("the twin equals the plain multiply exactly, including full-scale activations of both signs", () => {
    for (const [rows, cols, n, seed] of [[16, 256, 1, 1], [32, 768, 3, 2], [48, 512, 2, 3]] as const) {
      const bytes = tq2(rows, cols, seed);
      const x = randomFloats(n * cols, rng(seed + 100));
      x[7] = 1e3; // this block's amax: q = 127
      x[300 % cols] = -1e3;
      const { q, d } = quantizeActivationsInt8(x, n, cols, 256);
      const packed = bytes.slice();
      repackTq2Lut(packed, 0, rows, cols, new Uint8Array(16 * (cols / 256) * 66));
      assert.deepEqual(lutMatMulTwin(packed, 0, rows, cols, q, d, n), dotTwin(bytes, rows, cols, q, d, n));
    }
  });
});

const variants = (["base", "relaxed"] as const).filter((v) => v === "base" || relaxedSimdSupported() || process.env.CI);
for (const variant of variants) {
  describe(`TQ2_0 table-lookup kernel, wasm ${variant}`, () => {
    let arena: Arena;
    let sets: [string, WasmKernels][];
    let dot: WasmKernels;
    before(() => {
      arena = new Arena(64 << 20);
      const module = loadKernelModule(variant);
      dot = new WasmKernels(arena, module, { ternaryKernel: "dot" });
      sets = [
        ["1 thread", new WasmKernels(arena, module, { ternaryKernel: "lut" })],
        ["2 threads", new ThreadedKernels(arena, module, 2, { spawn: spawnNodeWorker, ternaryKernel: "lut", minParallelBytes: 0, adaptive: false })],
      ];
    });
    after(() => {
      for (const [, k] of sets) k.dispose();
    });

    test("bit-identical to its twin and to the multiply kernel; getRow unchanged", () => {
      let seed = 10;
      // n = 9 and 20 take the threaded set's split activation rounding (≥ 8 rows), n = 1 the decode path
      for (const [rows, cols] of [[16, 256], [48, 768], [160, 512], [64, 2048]] as const) {
        for (const n of [1, 3, 9, 20]) {
          const bytes = tq2(rows, cols, seed);
          const x = randomFloats(n * cols, rng(seed++ + 500));
          if (n > 1) x.fill(0, cols, 2 * cols); // an all-zero row (zero scales)
          const xp = putF32(arena, x);
          const wd = putWeight(arena, "dot", GgmlType.TQ2_0, rows, cols, bytes);
          dot.prepareWeight(wd);
          assert.equal(wd.kernelType, undefined);
          const outDot = arena.alloc(n * rows * 4);
          dot.matMul(wd, xp, n, outDot);
          const want = readF32(arena, outDot, n * rows);
          const { q, d } = quantizeActivationsInt8(x, n, cols, 256);
          for (const [label, k] of sets) {
            const w = putWeight(arena, "lut", GgmlType.TQ2_0, rows, cols, bytes);
            k.prepareWeight(w);
            assert.equal(w.kernelType, TQ2_0_LUT, "repacked");
            const out = arena.alloc(n * rows * 4);
            k.matMul(w, xp, n, out);
            const got = readF32(arena, out, n * rows);
            const what = `${label} rows=${rows} cols=${cols} n=${n}`;
            assert.deepEqual(got, want, `${what}: LUT kernel vs multiply kernel`);
            assert.deepEqual(got, lutMatMulTwin(arena.u8, w.ptr, rows, cols, q, d, n), `${what}: LUT kernel vs its twin`);
            const a = arena.alloc(cols * 4), b = arena.alloc(cols * 4);
            for (const r of [0, 5, rows - 1]) {
              k.getRow(w, r, a);
              dot.getRow(wd, r, b);
              assert.deepEqual(readF32(arena, a, cols), readF32(arena, b, cols), `${what}: getRow ${r}`);
            }
          }
        }
      }
    });

    test("rows that are not a multiple of 16 keep the multiply kernel", () => {
      const [, k] = sets[0]!;
      const w = putWeight(arena, "odd", GgmlType.TQ2_0, 20, 256, tq2(20, 256, 99));
      k.prepareWeight(w);
      assert.equal(w.kernelType, undefined);
    });
  });
}
