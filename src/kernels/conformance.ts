// The conformance suite every kernel set runs (reference, WASM, threaded): each op on random data against the plain
// reference kernels, plus invariants that hold for any correct implementation (so the reference itself is tested).
//
// Tolerances, and why:
// - matMul: the reference rounds activations exactly as the fast kernels must (ggml's vec_dot_type: int8 blocks with
//   the same scale and rounding, or f16/bf16), so both compute the same products and differ only in summation order
//   and f32 vs f64 accumulation: |got − ref| ≤ 2e-5 · Σ_j |w_rj · x_tj| (f32 has 6e-8 relative precision; a sum of
//   ≤ cols/8 f32 partials loses at most cols/8 · 6e-8 ≤ 1e-5 of Σ|terms| for cols ≤ 1600). One wrong element would
//   err by ≈ Σ|terms| / cols, far above the bound.
// - getRow, storeKv, add, addBias: exact (same f32 operations in the same order).
// - rmsNorm, layerNorm, rope, swiglu: 2e-6 relative (f32 vs f64 rounding of a few operations; exp ≤ 1e-6).
// - gelu: output is rounded to f16 (ggml's table), so 1 f16 unit (2^-10 relative) when the two land on either side
//   of a rounding boundary.
// - attention: f32 cache 2e-6 · max|V| (f32 vs f64 exp/softmax); f16 cache 5e-4 · max|V|: the softmax weights are
//   rounded to f16 (as ggml does), and an exp that differs in the 7th digit may flip one rounding by 2^-11 relative.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { GgmlType } from "../tensor/ggml-type.js";
import { traitsOf } from "../tensor/types.js";
import { f16ToF32, f32ToF16 } from "../tensor/f16.js";
import { Arena, type Ptr } from "./memory.js";
import { ReferenceKernels } from "./reference.js";
import { MATMUL_TYPES, putF32, putWeight, randomFloats, readF32, rng, weightBytes } from "./test-data.js";
import type { AttentionMask, Kernels, KvType, WeightTensor } from "./types.js";

export type KernelFactory = (arena: Arena) => Kernels;

function assertClose(got: Float32Array, want: Float32Array, tol: (i: number) => number, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= tol(i))) {
      assert.fail(`${what}: element ${i}: got ${got[i]}, want ${want[i]} (|err| ${err.toExponential(2)} > ${tol(i).toExponential(2)})`);
    }
  }
}

/**
 * Register the suite for the kernel set made by `factory` (one arena and kernel set for the whole suite); `shared`
 * false puts it on an unshared memory (the -single builds).
 */
export function runKernelConformance(label: string, factory: KernelFactory, shared = true): void {
  describe(`kernel conformance: ${label}`, () => {
    let arena: Arena;
    let k: Kernels;
    let ref: ReferenceKernels;
    before(() => {
      arena = new Arena(32 << 20, undefined, shared);
      k = factory(arena);
      ref = new ReferenceKernels(arena);
    });
    after(() => k.dispose?.());

    /** Run matMul on both sides for one case and compare with the summation-order bound. */
    function checkMatMul(type: GgmlType, rows: number, cols: number, n: number, seed: number, raw: boolean, scale = 0.5): void {
      const rand = rng(seed);
      const bytes = weightBytes(type, rows, cols, rand, raw, scale);
      const wk = putWeight(arena, `w${seed}`, type, rows, cols, bytes);
      const wr = putWeight(arena, `w${seed}`, type, rows, cols, bytes);
      k.prepareWeight?.(wk);
      const x = randomFloats(n * cols, rand);
      if (n > 1) x.fill(0, cols, 2 * cols); // an all-zero row (zero block scales)
      if (cols >= 32) x[3] = -x[5]!; // equal magnitudes of both signs in one block
      const xp = putF32(arena, x);
      const outK = arena.alloc(n * rows * 4);
      const outR = arena.alloc(n * rows * 4);
      k.matMul(wk, xp, n, outK);
      ref.matMul(wr, xp, n, outR);
      // Σ|w·x| per output, from the reference's dequantized rows
      const rowPtr = arena.alloc(cols * 4);
      const mag = new Float64Array(n * rows);
      for (let r = 0; r < rows; r++) {
        ref.getRow(wr, r, rowPtr);
        const wrow = readF32(arena, rowPtr, cols);
        for (let t = 0; t < n; t++) {
          let s = 0;
          for (let c = 0; c < cols; c++) s += Math.abs(wrow[c]! * x[t * cols + c]!);
          mag[t * rows + r] = s;
        }
      }
      const what = `matMul ${traitsOf(type).name} ${raw ? "raw" : "quantized"} rows=${rows} cols=${cols} n=${n}`;
      assertClose(readF32(arena, outK, n * rows), readF32(arena, outR, n * rows), (i) => 2e-5 * mag[i]! + 1e-30, what);
    }

    test("matMul: every weight type, odd row counts, n = 1, 3, 7, 17", () => {
      let seed = 1;
      for (const type of MATMUL_TYPES) {
        const block = traitsOf(type).blockSize;
        const colsSet = block === 256 ? [256, 768] : block === 32 ? [32, 96, 768] : [7, 64, 771];
        for (const cols of colsSet) {
          for (const rows of [1, 6, 33]) {
            for (const n of [1, 3, 7, 17]) checkMatMul(type, rows, cols, n, seed++, false);
          }
        }
        checkMatMul(type, 13, block === 256 ? 512 : 128, 5, seed++, true);
      }
    });

    test("matMulShared: the bits of one matMul per weight (one input, q/k/v- and gate/up-like shapes, mixed types)", () => {
      let seed = 1500;
      for (const type of MATMUL_TYPES) {
        const block = traitsOf(type).blockSize;
        const cols = block === 256 ? 512 : block === 32 ? 96 : 70;
        // 7 rows: a repacked layout's tail rows; the last case mixes in a Q8_0 weight (no sharing: falls back)
        const shapes: [GgmlType, number][][] = [[[type, 36], [type, 12], [type, 7]], [[type, 20], [type, 20]], [[type, 8], [GgmlType.Q8_0, 8]]];
        for (const shape of shapes) {
          if (shape.some(([t]) => t === GgmlType.Q8_0) && cols % 32 !== 0) continue;
          const ws = shape.map(([t, rows]) => {
            const w = putWeight(arena, `s${seed}`, t, rows, cols, weightBytes(t, rows, cols, rng(seed++), false));
            k.prepareWeight?.(w);
            return w;
          });
          for (const n of [1, 5, 20]) {
            const xp = putF32(arena, randomFloats(n * cols, rng(seed++)));
            const shared = ws.map((w) => arena.alloc(n * w.rows * 4));
            const single = ws.map((w) => arena.alloc(n * w.rows * 4));
            k.matMulShared(ws, xp, n, shared);
            ws.forEach((w, i) => k.matMul(w, xp, n, single[i]!));
            ws.forEach((w, i) => assert.deepEqual(readF32(arena, shared[i]!, n * w.rows), readF32(arena, single[i]!, n * w.rows),
              `matMulShared ${shape.map(([t, r]) => `${traitsOf(t).name}x${r}`).join("+")} n=${n}: weight ${i}`));
          }
        }
      }
    });

    test("matMul: touching ahead (setPrefetch) changes no bit, and never reads past a matrix at the end of memory", (t) => {
      if (!k.setPrefetch) return t.skip("this kernel set has no prefetch");
      let seed = 2000;
      for (const type of MATMUL_TYPES) {
        const block = traitsOf(type).blockSize;
        const rows = 37;
        const cols = block === 256 ? 512 : block === 32 ? 256 : 133;
        const rand = rng(seed++);
        const bytes = weightBytes(type, rows, cols, rand, false);
        const xp = putF32(arena, randomFloats(5 * cols, rand));
        const outs = [arena.alloc(5 * rows * 4), arena.alloc(5 * rows * 4)];
        // the matrix ends within a cache line of the memory's end: an unclamped touch 64 KiB ahead would trap
        arena.alloc(Math.max(0, arena.capacity - arena.used - bytes.length - 128));
        const w = putWeight(arena, `p${seed}`, type, rows, cols, bytes);
        assert.ok(arena.capacity - (w.ptr + w.bytes) < 4096, "matrix at the end of memory");
        k.prepareWeight?.(w);
        for (const n of [1, 5]) {
          const got = [0, 65536].map((d, i) => {
            k.setPrefetch!(d);
            k.matMul(w, xp, n, outs[i]!);
            return arena.u8.slice(outs[i]!, outs[i]! + n * rows * 4);
          });
          assert.deepEqual(got[1], got[0], `matMul ${traitsOf(type).name} n=${n}: same bits with and without prefetch`);
        }
        k.setPrefetch(0);
      }
    });

    test("matMul: tiny weights, whose block scales are f16 subnormals (K-quant d of real models often is)", () => {
      let seed = 3000;
      for (const type of MATMUL_TYPES) {
        const cols = traitsOf(type).blockSize === 256 ? 512 : 128;
        for (const n of [1, 5]) checkMatMul(type, 32, cols, n, seed++, false, 2e-4);
      }
    });

    test("matMul: larger matrices (many row chunks)", () => {
      let seed = 1000;
      for (const type of [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.F16, GgmlType.Q5_1]) {
        // 1024 and 1536 columns: the decode kernels pick rows per pass by row length (matmul-legacy.ts decodeRows)
        for (const cols of [1024, 1536]) {
          for (const n of [1, 5]) checkMatMul(type, 130, cols, n, seed++, false);
        }
      }
    });

    test("matMul: one-hot input selects a weight column (invariant)", () => {
      for (const type of [GgmlType.F32, GgmlType.Q8_0, GgmlType.Q4_K]) {
        const rows = 9, cols = 256, j = 77;
        const rand = rng(500 + type);
        const w = putWeight(arena, "onehot", type, rows, cols, weightBytes(type, rows, cols, rand, false));
        k.prepareWeight?.(w);
        const x = new Float32Array(cols);
        x[j] = 1;
        const out = arena.alloc(rows * 4);
        k.matMul(w, putF32(arena, x), 1, out);
        const got = readF32(arena, out, rows);
        const rowPtr = arena.alloc(cols * 4);
        for (let r = 0; r < rows; r++) {
          k.getRow(w, r, rowPtr);
          const want = arena.f32[(rowPtr >> 2) + j]!;
          // an int8 activation of 1 is 127·f16(1/127) = 0.99994
          assert.ok(Math.abs(got[r]! - want) <= 1e-4 * Math.abs(want) + 1e-12, `${traitsOf(type).name} row ${r}: ${got[r]} vs ${want}`);
        }
      }
    });

    test("matMul: unsupported weight type throws unsupported_tensor_type", () => {
      const w: WeightTensor = { name: "iq", type: 16 as GgmlType, dims: [256, 1], cols: 256, rows: 1, rowBytes: 66, ptr: arena.alloc(66), bytes: 66 };
      assert.throws(() => k.matMul(w, arena.alloc(1024), 1, arena.alloc(4)), { code: "unsupported_tensor_type" });
    });

    test("getRow: every type, bit-exact", () => {
      let seed = 2000;
      for (const type of MATMUL_TYPES) {
        for (const raw of [false, true]) {
          const cols = traitsOf(type).blockSize === 1 ? 67 : 512;
          const bytes = weightBytes(type, 3, cols, rng(seed++), raw);
          const w = putWeight(arena, "rows", type, 3, cols, bytes);
          const wr = putWeight(arena, "rows", type, 3, cols, bytes);
          k.prepareWeight?.(w);
          const a = arena.alloc(cols * 4), b = arena.alloc(cols * 4);
          for (const row of [0, 2]) {
            k.getRow(w, row, a);
            ref.getRow(wr, row, b);
            assert.deepEqual(readF32(arena, a, cols), readF32(arena, b, cols), `getRow ${traitsOf(type).name} row ${row}`);
          }
        }
      }
    });

    test("rmsNorm and layerNorm, in place and not", () => {
      const rand = rng(3000);
      for (const dim of [1, 7, 64, 577]) {
        for (const n of [1, 3]) {
          const x = randomFloats(n * dim, rand, 3);
          const w = putF32(arena, randomFloats(dim, rand));
          const b = putF32(arena, randomFloats(dim, rand));
          for (const inPlace of [false, true]) {
            const xk = putF32(arena, x), xr = putF32(arena, x);
            const yk = inPlace ? xk : arena.alloc(n * dim * 4), yr = inPlace ? xr : arena.alloc(n * dim * 4);
            k.rmsNorm(xk, w, n, dim, 1e-5, yk);
            ref.rmsNorm(xr, w, n, dim, 1e-5, yr);
            const want = readF32(arena, yr, n * dim);
            assertClose(readF32(arena, yk, n * dim), want, (i) => 2e-6 * Math.abs(want[i]!) + 1e-7, `rmsNorm dim=${dim}`);
            const xk2 = putF32(arena, x), xr2 = putF32(arena, x);
            const zk = inPlace ? xk2 : arena.alloc(n * dim * 4), zr = inPlace ? xr2 : arena.alloc(n * dim * 4);
            k.layerNorm(xk2, w, b, n, dim, 1e-5, zk);
            ref.layerNorm(xr2, w, b, n, dim, 1e-5, zr);
            const want2 = readF32(arena, zr, n * dim);
            assertClose(readF32(arena, zk, n * dim), want2, (i) => 2e-6 * Math.abs(want2[i]!) + 1e-6, `layerNorm dim=${dim}`);
          }
        }
      }
    });

    test("rmsNorm with unit weight gives mean square ≈ 1 (invariant)", () => {
      const dim = 300;
      const x = putF32(arena, randomFloats(dim, rng(3100), 7));
      const ones = putF32(arena, new Float32Array(dim).fill(1));
      const y = arena.alloc(dim * 4);
      k.rmsNorm(x, ones, 1, dim, 1e-6, y);
      const v = readF32(arena, y, dim);
      const ms = v.reduce((s, e) => s + e * e, 0) / dim;
      assert.ok(Math.abs(ms - 1) < 1e-5, `mean square ${ms}`);
    });

    test("rope: normal/neox, frequency factors, partial rotary dim, far positions", () => {
      const rand = rng(4000);
      const cases = [
        { nHeads: 3, headDim: 64, ropeDim: 64, neox: false, ff: false, pos0: 0, n: 3 },
        { nHeads: 2, headDim: 64, ropeDim: 64, neox: true, ff: false, pos0: 17, n: 4 },
        { nHeads: 4, headDim: 32, ropeDim: 16, neox: false, ff: false, pos0: 1000, n: 2 },
        { nHeads: 2, headDim: 80, ropeDim: 32, neox: true, ff: false, pos0: 5, n: 1 },
        { nHeads: 2, headDim: 64, ropeDim: 64, neox: false, ff: true, pos0: 31000, n: 2 },
        { nHeads: 1, headDim: 128, ropeDim: 128, neox: true, ff: true, pos0: 4095, n: 7 },
        { nHeads: 2, headDim: 96, ropeDim: 96, neox: true, ff: true, pos0: 200, n: 5, mscale: 1.1902 }, // Phi-3 LongRoPE
      ];
      for (const c of cases) {
        const count = c.n * c.nHeads * c.headDim;
        const x = randomFloats(count, rand);
        const ff = c.ff ? putF32(arena, Float32Array.from({ length: c.ropeDim / 2 }, (_, i) => 1 + (i % 5) * 0.75)) : 0;
        const xk = putF32(arena, x), xr = putF32(arena, x);
        const mscale = "mscale" in c ? c.mscale : 1;
        k.rope(xk, c.n, c.nHeads, c.headDim, c.ropeDim, c.pos0, 10000, 0.5, c.neox, ff, mscale);
        ref.rope(xr, c.n, c.nHeads, c.headDim, c.ropeDim, c.pos0, 10000, 0.5, c.neox, ff, mscale);
        const got = readF32(arena, xk, count);
        assertClose(got, readF32(arena, xr, count), (i) => 2e-6 * (Math.abs(x[i]!) + 1), `rope ${JSON.stringify(c)}`);
        // invariants: dimensions past ropeDim untouched; position 0 of the first call rotates by 0
        for (let h = 0; h < c.n * c.nHeads; h++) {
          for (let i = c.ropeDim; i < c.headDim; i++) assert.equal(got[h * c.headDim + i], x[h * c.headDim + i]);
        }
        if (c.pos0 === 0 && mscale === 1) {
          for (let i = 0; i < c.nHeads * c.headDim; i++) assert.equal(got[i], x[i]);
        }
      }
    });

    test("storeKv: f16 and f32 caches, bit-exact", () => {
      const rand = rng(5000);
      for (const kvType of ["f16", "f32"] as KvType[]) {
        const kvDim = 40, ctx = 9, n = 3, pos0 = 4;
        const elem = kvType === "f16" ? 2 : 4;
        const kv = putF32(arena, randomFloats(n * kvDim, rand, 10)), vv = putF32(arena, randomFloats(n * kvDim, rand));
        const caches = [0, 1, 2, 3].map(() => arena.alloc(ctx * kvDim * elem));
        k.storeKv(kv, vv, n, kvDim, pos0, caches[0]!, caches[1]!, kvType);
        ref.storeKv(kv, vv, n, kvDim, pos0, caches[2]!, caches[3]!, kvType);
        const bytes = (p: Ptr) => arena.u8.slice(p, p + ctx * kvDim * elem);
        assert.deepEqual(bytes(caches[0]!), bytes(caches[2]!), `K cache ${kvType}`);
        assert.deepEqual(bytes(caches[1]!), bytes(caches[3]!), `V cache ${kvType}`);
      }
      // every exponent with the mantissas around each rounding boundary (ties, carries into the exponent, the
      // subnormal range, overflow to Inf, NaN), both signs: the f16 rounding of the cache, bit for bit
      const mantissas = [0, 1, 0xfff, 0x1000, 0x1001, 0x2000, 0x3000, 0x3fff, 0x7fe000, 0x7ff000, 0x7fffff, 0x155555];
      const bits = new Uint32Array(256 * mantissas.length * 2);
      let i = 0;
      for (let e = 0; e < 256; e++) for (const m of mantissas) for (const sign of [0, 0x80000000]) bits[i++] = (sign | (e << 23) | m) >>> 0;
      const vals = new Float32Array(bits.buffer);
      const kvDim = vals.length;
      const kv = putF32(arena, vals);
      const caches = [0, 1, 2, 3].map(() => arena.alloc(kvDim * 2));
      k.storeKv(kv, kv, 1, kvDim, 0, caches[0]!, caches[1]!, "f16");
      ref.storeKv(kv, kv, 1, kvDim, 0, caches[2]!, caches[3]!, "f16");
      const u16 = (p: Ptr) => Array.from(arena.u16.subarray(p >> 1, (p >> 1) + kvDim));
      const got = u16(caches[0]!), want = u16(caches[2]!);
      for (let j = 0; j < kvDim; j++) assert.equal(got[j], want[j], `f16 of bits 0x${bits[j]!.toString(16)}`);
      assert.deepEqual(u16(caches[1]!), want);
    });

    test("attention: a prompt's rows give the bits of one call per row (f16 cache: blocks share converted K/V rows)", () => {
      const rand = rng(6500);
      const cases = [
        { nKv: 3, group: 3, headDim: 64, n: 40, pos0: 0, window: 0, softcap: 0 }, // SmolLM-135M: blocks of 16 + a partial one
        { nKv: 2, group: 7, headDim: 64, n: 17, pos0: 9, window: 0, softcap: 0 },
        { nKv: 1, group: 2, headDim: 20, n: 33, pos0: 3, window: 5, softcap: 0 }, // sliding window, head-size tails
        { nKv: 2, group: 1, headDim: 36, n: 18, pos0: 30, window: 0, softcap: 30 },
      ];
      for (const kvType of ["f16", "f32"] as KvType[]) {
        for (const c of cases) {
          const nHeads = c.nKv * c.group, kvDim = c.nKv * c.headDim, ctx = c.pos0 + c.n, rowFloats = nHeads * c.headDim;
          const elem = kvType === "f16" ? 2 : 4;
          const kc = arena.alloc(ctx * kvDim * elem), vc = arena.alloc(ctx * kvDim * elem);
          ref.storeKv(putF32(arena, randomFloats(ctx * kvDim, rand)), putF32(arena, randomFloats(ctx * kvDim, rand)), ctx, kvDim, 0, kc, vc, kvType);
          const q = putF32(arena, randomFloats(c.n * rowFloats, rand, 0.5));
          const mask = { causal: true, window: c.window, softcap: c.softcap };
          const all = arena.alloc(c.n * rowFloats * 4), rows = arena.alloc(c.n * rowFloats * 4);
          const scale = 1 / Math.sqrt(c.headDim);
          k.attention(q, c.n, c.pos0, nHeads, c.nKv, c.headDim, scale, kc, vc, kvType, all, arena.alloc(ctx * 4 * nHeads), mask);
          for (let t = 0; t < c.n; t++) {
            k.attention(q + t * rowFloats * 4, 1, c.pos0 + t, nHeads, c.nKv, c.headDim, scale, kc, vc, kvType, rows + t * rowFloats * 4, arena.alloc(ctx * 4 * nHeads), mask);
          }
          assert.deepEqual(readF32(arena, all, c.n * rowFloats), readF32(arena, rows, c.n * rowFloats), `attention ${kvType} ${JSON.stringify(c)}`);
        }
      }
    });

    test("attention: f16/f32 cache, GQA groups 1–8 and 12, prefill and decode, odd head sizes", () => {
      const rand = rng(6000);
      const cases = [
        { nKv: 2, group: 1, headDim: 64, n: 1, pos0: 0 },
        { nKv: 2, group: 2, headDim: 64, n: 3, pos0: 5 },
        { nKv: 1, group: 3, headDim: 40, n: 7, pos0: 0 },
        { nKv: 2, group: 4, headDim: 20, n: 1, pos0: 37 },
        { nKv: 3, group: 3, headDim: 128, n: 2, pos0: 100 },
        { nKv: 2, group: 7, headDim: 64, n: 2, pos0: 9 }, // Qwen2.5-0.5B grouping: batches of 4 + 3 heads
        { nKv: 1, group: 5, headDim: 22, n: 3, pos0: 4 }, // tails in both passes
        { nKv: 2, group: 6, headDim: 36, n: 1, pos0: 50 },
        { nKv: 1, group: 8, headDim: 128, n: 2, pos0: 3 },
        { nKv: 1, group: 12, headDim: 16, n: 2, pos0: 6 },
      ];
      for (const kvType of ["f16", "f32"] as KvType[]) {
        for (const c of cases) {
          const nHeads = c.nKv * c.group, kvDim = c.nKv * c.headDim, ctx = c.pos0 + c.n;
          const elem = kvType === "f16" ? 2 : 4;
          const kc = arena.alloc(ctx * kvDim * elem), vc = arena.alloc(ctx * kvDim * elem);
          const vals = randomFloats(ctx * kvDim, rand);
          ref.storeKv(putF32(arena, randomFloats(ctx * kvDim, rand)), putF32(arena, vals), ctx, kvDim, 0, kc, vc, kvType);
          const q = putF32(arena, randomFloats(c.n * nHeads * c.headDim, rand, 0.5));
          const outK = arena.alloc(c.n * nHeads * c.headDim * 4), outR = arena.alloc(c.n * nHeads * c.headDim * 4);
          const scale = 1 / Math.sqrt(c.headDim);
          k.attention(q, c.n, c.pos0, nHeads, c.nKv, c.headDim, scale, kc, vc, kvType, outK, arena.alloc(ctx * 4));
          ref.attention(q, c.n, c.pos0, nHeads, c.nKv, c.headDim, scale, kc, vc, kvType, outR, arena.alloc(ctx * 4));
          const vmax = vals.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          const tol = (kvType === "f16" ? 5e-4 : 2e-6) * vmax;
          assertClose(readF32(arena, outK, c.n * nHeads * c.headDim), readF32(arena, outR, c.n * nHeads * c.headDim),
            () => tol, `attention ${kvType} ${JSON.stringify(c)}`);
        }
      }
    });

    test("attention masks: sliding window, non-causal, soft-capping (f16/f32 cache)", () => {
      const rand = rng(6500);
      const cases: { nKv: number; group: number; headDim: number; n: number; pos0: number; mask: AttentionMask }[] = [
        { nKv: 1, group: 2, headDim: 32, n: 1, pos0: 40, mask: { causal: true, window: 8, softcap: 0 } },
        { nKv: 2, group: 4, headDim: 64, n: 6, pos0: 3, mask: { causal: true, window: 4, softcap: 0 } }, // prefill across the edge
        { nKv: 1, group: 1, headDim: 16, n: 2, pos0: 1, mask: { causal: true, window: 100, softcap: 0 } }, // window > context
        { nKv: 2, group: 3, headDim: 40, n: 5, pos0: 0, mask: { causal: false, window: 0, softcap: 0 } },
        { nKv: 1, group: 4, headDim: 24, n: 3, pos0: 4, mask: { causal: false, window: 0, softcap: 0 } },
        { nKv: 1, group: 2, headDim: 64, n: 3, pos0: 9, mask: { causal: true, window: 0, softcap: 50 } },
        { nKv: 2, group: 2, headDim: 32, n: 4, pos0: 20, mask: { causal: true, window: 6, softcap: 5 } },
      ];
      for (const kvType of ["f16", "f32"] as KvType[]) {
        for (const c of cases) {
          const nHeads = c.nKv * c.group, kvDim = c.nKv * c.headDim, ctx = c.pos0 + c.n;
          const elem = kvType === "f16" ? 2 : 4;
          const kc = arena.alloc(ctx * kvDim * elem), vc = arena.alloc(ctx * kvDim * elem);
          const vals = randomFloats(ctx * kvDim, rand);
          ref.storeKv(putF32(arena, randomFloats(ctx * kvDim, rand, 3)), putF32(arena, vals), ctx, kvDim, 0, kc, vc, kvType);
          const rows = c.n * nHeads * c.headDim;
          const qv = randomFloats(rows, rand, c.mask.softcap ? 8 : 0.5); // large scores so that the cap bites
          const q = putF32(arena, qv);
          const outK = arena.alloc(rows * 4), outR = arena.alloc(rows * 4);
          const scale = 1 / Math.sqrt(c.headDim);
          k.attention(q, c.n, c.pos0, nHeads, c.nKv, c.headDim, scale, kc, vc, kvType, outK, arena.alloc(ctx * 4), c.mask);
          ref.attention(q, c.n, c.pos0, nHeads, c.nKv, c.headDim, scale, kc, vc, kvType, outR, arena.alloc(ctx * 4), c.mask);
          const vmax = vals.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          const tol = (kvType === "f16" ? 5e-4 : 2e-6) * vmax;
          const want = readF32(arena, outR, rows);
          assertClose(readF32(arena, outK, rows), want, () => tol, `attention ${kvType} ${JSON.stringify(c)}`);
          // invariants of the reference: a windowed query equals causal attention over a cache that starts at the
          // window's first row; a non-causal query equals a causal query at the call's last position
          for (let t = 0; t < c.n; t++) {
            const pos = c.pos0 + t;
            const first = c.mask.causal ? Math.max(0, pos - (c.mask.window || Infinity) + 1) : 0;
            const at = c.mask.causal ? pos - first : ctx - 1;
            const qt = putF32(arena, qv.subarray(t * nHeads * c.headDim, (t + 1) * nHeads * c.headDim));
            const one = arena.alloc(nHeads * c.headDim * 4);
            const plain = { causal: true, window: 0, softcap: c.mask.softcap };
            ref.attention(qt, 1, at, nHeads, c.nKv, c.headDim, scale, kc + first * kvDim * elem, vc + first * kvDim * elem,
              kvType, one, arena.alloc(ctx * 4), plain);
            assertClose(readF32(arena, one, nHeads * c.headDim), want.subarray(t * nHeads * c.headDim, (t + 1) * nHeads * c.headDim),
              () => 1e-6 * vmax, `mask invariant ${kvType} ${JSON.stringify(c)} t=${t}`);
          }
        }
      }
    });

    test("attention over a single position returns that V row (invariant)", () => {
      for (const kvType of ["f16", "f32"] as KvType[]) {
        const headDim = 24, nHeads = 2;
        const elem = kvType === "f16" ? 2 : 4;
        const kc = arena.alloc(headDim * elem), vc = arena.alloc(headDim * elem);
        const v = randomFloats(headDim, rng(6100));
        k.storeKv(putF32(arena, randomFloats(headDim, rng(6101))), putF32(arena, v), 1, headDim, 0, kc, vc, kvType);
        const out = arena.alloc(nHeads * headDim * 4);
        k.attention(putF32(arena, randomFloats(nHeads * headDim, rng(6102))), 1, 0, nHeads, 1, headDim, 0.2, kc, vc, kvType, out, arena.alloc(16));
        const got = readF32(arena, out, nHeads * headDim);
        for (let h = 0; h < nHeads; h++) {
          for (let i = 0; i < headDim; i++) {
            const want = kvType === "f16" ? f16ToF32(f32ToF16(v[i]!)) : v[i]!;
            assert.ok(Math.abs(got[h * headDim + i]! - want) <= 1e-6 * Math.abs(want), `head ${h} element ${i}`);
          }
        }
      }
    });

    test("add, addBias (exact), swiglu and gelu", () => {
      const rand = rng(7000);
      for (const count of [1, 5, 64, 1027]) {
        const a = randomFloats(count, rand), b = randomFloats(count, rand);
        const ak = putF32(arena, a), ar = putF32(arena, a), bp = putF32(arena, b);
        k.add(ak, bp, count);
        ref.add(ar, bp, count);
        assert.deepEqual(readF32(arena, ak, count), readF32(arena, ar, count), `add ${count}`);

        const g = randomFloats(count, rand, 4);
        g[0] = 0;
        if (count > 3) { g[1] = 100; g[2] = -100; }
        const gk = putF32(arena, g), gr = putF32(arena, g);
        k.swiglu(gk, bp, count);
        ref.swiglu(gr, bp, count);
        const want = readF32(arena, gr, count);
        assertClose(readF32(arena, gk, count), want, (i) => 2e-6 * Math.abs(want[i]!) + 1e-30, `swiglu ${count}`);

        const xg = randomFloats(count, rand, 4);
        if (count > 5) { xg[0] = 0; xg[1] = -10; xg[2] = 10; xg[3] = -12; xg[4] = 9.99; xg[5] = 1e-6; }
        const xk = putF32(arena, xg), xr = putF32(arena, xg);
        k.gelu(xk, count);
        ref.gelu(xr, count);
        const want2 = readF32(arena, xr, count);
        assertClose(readF32(arena, xk, count), want2, (i) => 2 ** -10 * Math.abs(want2[i]!) + 2 ** -24, `gelu ${count}`);
      }
      for (const count of [1, 7, 1031]) {
        const g = randomFloats(count, rand, 6), u = randomFloats(count, rand);
        if (count > 3) { g[0] = -10; g[1] = 10; g[2] = 12; }
        const gk = putF32(arena, g), gr = putF32(arena, g), up = putF32(arena, u);
        k.geglu(gk, up, count);
        ref.geglu(gr, up, count);
        const want = readF32(arena, gr, count);
        assertClose(readF32(arena, gk, count), want, (i) => 2 ** -10 * Math.abs(want[i]!) + 2 ** -24, `geglu ${count}`);

        const sk = putF32(arena, g), sr = putF32(arena, g);
        k.scale(sk, count, 0.0625);
        ref.scale(sr, count, 0.0625);
        assert.deepEqual(readF32(arena, sk, count), readF32(arena, sr, count), `scale ${count}`);

        const big = g.map((v) => v * 10);
        const ck = putF32(arena, big), cr = putF32(arena, big);
        k.softcap(ck, count, 30);
        ref.softcap(cr, count, 30);
        const capped = readF32(arena, cr, count);
        assertClose(readF32(arena, ck, count), capped, (i) => 2e-7 * Math.abs(capped[i]!) + 1e-30, `softcap ${count}`);
        for (const v of capped) assert.ok(Math.abs(v) <= 30, "soft-capped logits stay within ±cap");
      }
      const dim = 37, n = 3;
      const x = randomFloats(n * dim, rand);
      const xk = putF32(arena, x), xr = putF32(arena, x), bias = putF32(arena, randomFloats(dim, rand));
      k.addBias(xk, bias, n, dim);
      ref.addBias(xr, bias, n, dim);
      assert.deepEqual(readF32(arena, xk, n * dim), readF32(arena, xr, n * dim), "addBias");
    });
  });
}
