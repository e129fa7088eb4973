// Threaded WASM kernels: the conformance suite with every call forced through a 2-thread pool, bit-identical
// results to the single-thread WASM kernels (a row's arithmetic does not depend on how rows are split), and a
// stress run of back-to-back tasks of every kind.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { GgmlType } from "../../tensor/ggml-type.js";
import { runKernelConformance } from "../conformance.js";
import { MATMUL_TYPES, putF32, putWeight, randomFloats, readF32, rng, weightBytes } from "../test-data.js";
import { Arena } from "../memory.js";
import { loadKernelModule, relaxedSimdSupported } from "../wasm/load-node.js";
import { WasmKernels } from "../wasm/wasm-kernels.js";
import { ThreadedKernels } from "./threaded-kernels.js";
import { spawnNodeWorker } from "./node-workers.js";

for (const variant of ["base", "relaxed"] as const) {
  if (variant === "relaxed" && !relaxedSimdSupported() && !process.env.CI) continue;
  runKernelConformance(`wasm ${variant} threaded (2 threads)`, (arena) =>
    new ThreadedKernels(arena, loadKernelModule(variant), 2, { spawn: spawnNodeWorker, minParallelBytes: 0, minParallelAttention: 0, adaptive: false }));
}

describe("threaded kernels against single-thread WASM", () => {
  let arena: Arena;
  let threaded: ThreadedKernels;
  let single: WasmKernels;
  before(() => {
    arena = new Arena(32 << 20);
    threaded = new ThreadedKernels(arena, loadKernelModule(), 3, { spawn: spawnNodeWorker, minParallelBytes: 0, minParallelAttention: 0 });
    single = new WasmKernels(arena, loadKernelModule());
  });
  after(() => threaded.dispose());

  test("matMul and attention are bit-identical, over 400 back-to-back tasks", () => {
    const rand = rng(42);
    const weights = MATMUL_TYPES.map((type, i) => {
      const cols = type === GgmlType.F32 || type === GgmlType.F16 || type === GgmlType.BF16 ? 200 : 512;
      const rows = 37 + 4 * i;
      return putWeight(arena, `w${i}`, type, rows, cols, weightBytes(type, rows, cols, rand, i % 2 === 1));
    });
    const xs = putF32(arena, randomFloats(9 * 512, rand));
    const outA = arena.alloc(9 * 100 * 4), outB = arena.alloc(9 * 100 * 4);
    const nKv = 2, nHeads = 6, headDim = 32, ctx = 40, kvDim = nKv * headDim;
    const caches = [0, 1, 2, 3].map(() => arena.alloc(ctx * kvDim * 4));
    single.storeKv(putF32(arena, randomFloats(ctx * kvDim, rand)), putF32(arena, randomFloats(ctx * kvDim, rand)), ctx, kvDim, 0, caches[0]!, caches[1]!, "f32");
    single.storeKv(putF32(arena, randomFloats(ctx * kvDim, rand)), putF32(arena, randomFloats(ctx * kvDim, rand)), ctx, kvDim, 0, caches[2]!, caches[3]!, "f16");
    const q = putF32(arena, randomFloats(5 * nHeads * headDim, rand));
    const masks = [undefined, { causal: true, window: 5, softcap: 0 }, { causal: false, window: 0, softcap: 0 }, { causal: true, window: 0, softcap: 3 }];
    for (let call = 0; call < 400; call++) {
      if (call % 5 === 4) {
        const n = 1 + (call % 4), pos0 = ctx - n - (call % 7);
        const f16 = call % 2 === 0;
        const [kc, vc] = f16 ? [caches[2]!, caches[3]!] : [caches[0]!, caches[1]!];
        const mask = masks[call % masks.length];
        threaded.attention(q, n, pos0, nHeads, nKv, headDim, 0.17, kc, vc, f16 ? "f16" : "f32", outA, 0, mask);
        single.attention(q, n, pos0, nHeads, nKv, headDim, 0.17, kc, vc, f16 ? "f16" : "f32", outB, 0, mask);
        const count = n * nHeads * headDim;
        assert.deepEqual(readF32(arena, outA, count), readF32(arena, outB, count), `attention call ${call}`);
        continue;
      }
      const w = weights[call % weights.length]!;
      const n = [1, 1, 2, 5, 9][call % 5]!;
      threaded.matMul(w, xs, n, outA);
      single.matMul(w, xs, n, outB);
      assert.deepEqual(readF32(arena, outA, n * w.rows), readF32(arena, outB, n * w.rows), `matMul call ${call} type ${w.type} n=${n}`);
    }
  });

  test("a prompt's rope, KV store, swiglu, gelu and geglu (split over the pool) are bit-identical", () => {
    const rand = rng(7);
    const n = 21, nHeads = 5, headDim = 48, kvDim = 2 * headDim;
    for (const neox of [false, true]) {
      const x = randomFloats(n * nHeads * headDim, rand, 3);
      const a = putF32(arena, x), b = putF32(arena, x);
      threaded.rope(a, n, nHeads, headDim, 32, 37, 500000, 0.25, neox, 0, neox ? 1.19 : 1);
      single.rope(b, n, nHeads, headDim, 32, 37, 500000, 0.25, neox, 0, neox ? 1.19 : 1);
      assert.deepEqual(readF32(arena, a, x.length), readF32(arena, b, x.length), `rope neox=${neox}`);
    }
    for (const kvType of ["f16", "f32"] as const) {
      const k = putF32(arena, randomFloats(n * kvDim, rand)), v = putF32(arena, randomFloats(n * kvDim, rand));
      const bytes = 40 * kvDim * 4;
      const [ka, va, kb, vb] = [0, 1, 2, 3].map(() => arena.alloc(bytes));
      threaded.storeKv(k, v, n, kvDim, 9, ka!, va!, kvType);
      single.storeKv(k, v, n, kvDim, 9, kb!, vb!, kvType);
      assert.deepEqual(arena.u8.slice(ka!, ka! + bytes), arena.u8.slice(kb!, kb! + bytes), `K ${kvType}`);
      assert.deepEqual(arena.u8.slice(va!, va! + bytes), arena.u8.slice(vb!, vb! + bytes), `V ${kvType}`);
    }
    const count = 3 * 16384 + 77; // several chunks and a ragged end
    const g = randomFloats(count, rand, 6), u = randomFloats(count, rand);
    const [ga, gb, ub] = [putF32(arena, g), putF32(arena, g), putF32(arena, u)];
    threaded.swiglu(ga, ub, count);
    single.swiglu(gb, ub, count);
    assert.deepEqual(readF32(arena, ga, count), readF32(arena, gb, count), "swiglu");
    const [xa, xb] = [putF32(arena, g), putF32(arena, g)];
    threaded.gelu(xa, count);
    single.gelu(xb, count);
    assert.deepEqual(readF32(arena, xa, count), readF32(arena, xb, count), "gelu");
    const [ea, eb] = [putF32(arena, g), putF32(arena, g)];
    threaded.geglu(ea, ub, count);
    single.geglu(eb, ub, count);
    assert.deepEqual(readF32(arena, ea, count), readF32(arena, eb, count), "geglu");
  });

  test("a full fork-join round trip (every thread takes part) completes, awake and after sleeping", async () => {
    for (let i = 0; i < 1000; i++) threaded.pool.barrier();
    await new Promise((r) => setTimeout(r, 50)); // past the spin window: workers are asleep in atomic.wait
    threaded.pool.barrier();
  });
});
