// Microbenchmark of the WASM kernels (not a test): matMul GB/s of weights per type for decode (n = 1) on a
// 2048 × 8192 matrix read from DRAM (several copies are rotated so the 36 MiB L3 cannot hold them), with 1 and 2
// threads; prefill throughput (n = 64); a decode simulation of the SmolLM-135M call sequence; and the thread pool's
// fork-join cost. Shared machines give indicative numbers only: compare within one run.
// Usage: npm run build && nice node scripts/bench-kernels.mjs [--quick] [--types Q8_0,Q4_0] [--simd base|relaxed] [--shape ROWSxCOLS]
import { performance } from "node:perf_hooks";
import { kernelModules } from "./from-dist.mjs";

const { Arena, WasmKernels, ThreadedKernels, spawnNodeWorker, loadKernelModule } = await kernelModules("bench-kernels");

const quick = process.argv.includes("--quick");
const typesArg = process.argv.indexOf("--types");
const T = { F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13, Q6_K: 14, BF16: 30, TQ1_0: 34, TQ2_0: 35 };
// [block elements, block bytes, offsets of f16 scale fields]
const LAYOUT = {
  F32: [1, 4, []], F16: [1, 2, []], BF16: [1, 2, []], Q4_0: [32, 18, [0]], Q4_1: [32, 20, [0, 2]], Q5_0: [32, 22, [0]],
  Q5_1: [32, 24, [0, 2]], Q8_0: [32, 34, [0]], Q2_K: [256, 84, [80, 82]], Q3_K: [256, 110, [108]],
  Q4_K: [256, 144, [0, 2]], Q5_K: [256, 176, [0, 2]], Q6_K: [256, 210, [208]],
  TQ1_0: [256, 54, [52]], TQ2_0: [256, 66, [64]], TQ2_0_LUT: [256, 66, [64]], Q4_0_X4: [32, 18, [0]], Q5_0_X4: [32, 22, [0]],
};
T.Q4_0_X4 = T.Q4_0; // Q4_0 and Q5_0 repacked at load into four-row groups (relaxed build; src/kernels/x4-layout.ts)
T.Q5_0_X4 = T.Q5_0;
T.TQ2_0_LUT = T.TQ2_0; // the same file type, repacked at load for the table-lookup kernel (src/kernels/ternary-lut.ts)
const types = typesArg > 0 ? process.argv[typesArg + 1].split(",")
  : ["Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K", "F16", "F32", "BF16", "Q5_0", "Q3_K"];
// PERFORMANCE-NOTES.md (same machine class): GB/s of weights, 1 thread / 2 threads, and native llama.cpp-style C
const NOTES = {
  Q8_0: "notes: AS 4 rows 5.1 / 2 thr 7.6–10; C AVX2 6.0, AVX-512 VNNI 8.6",
  Q4_0: "notes: AS 4 rows 2.4 / 2 thr 4.1; C AVX2 4.2, AVX-512 VNNI 5.2",
};

const shapeArg = process.argv.indexOf("--shape"); // ROWSxCOLS of the decode matrix, e.g. 128256x2048 (an output matrix)
const [ROWS, COLS] = shapeArg > 0 ? process.argv[shapeArg + 1].split("x").map(Number) : [2048, 8192];
const DRAM_BYTES = 160 << 20; // rotate copies until this much is touched per round: beyond the L3

/** Random weights with sane scales (uniform random quant codes; float types get moderate finite values). */
function fillWeights(u8, ptr, name, bytes) {
  const [, blockBytes, scales] = LAYOUT[name];
  let s = 0x9e3779b9;
  const view = new Uint32Array(u8.buffer, ptr, bytes >> 2);
  for (let i = 0; i < view.length; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    view[i] = s >>> 0;
  }
  if (name === "F32") {
    const f = new Float32Array(u8.buffer, ptr, bytes >> 2);
    for (let i = 0; i < f.length; i++) f[i] = ((view[i] & 0xffff) - 32768) / 65536;
  } else if (name === "F16" || name === "BF16") {
    const h = new Uint16Array(u8.buffer, ptr, bytes >> 1);
    // exponent kept in a normal range: no Inf/NaN/subnormals
    const fix = name === "F16" ? (v) => (v & 0x83ff) | 0x2c00 : (v) => (v & 0x807f) | 0x3c00;
    for (let i = 0; i < h.length; i++) h[i] = fix(h[i]);
  } else {
    for (let b = ptr; b < ptr + bytes; b += blockBytes) {
      // TQ2_0: codes 0–2 only (3 is never written by a quantizer, and the table-lookup layout refuses it)
      if (name.startsWith("TQ2_0")) for (let i = 0; i < 64; i++) u8[b + i] &= ~(u8[b + i] & (u8[b + i] >> 1) & 0x55);
      for (const f of scales) { u8[b + f] = 0x00; u8[b + f + 1] = 0x20; } // 0.0078125
    }
  }
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1];
}

const arena = new Arena(64 << 20, 4096 * 2 ** 20);
const simdArg = process.argv.indexOf("--simd");
const module = loadKernelModule(simdArg > 0 ? process.argv[simdArg + 1] : undefined);
const single = new WasmKernels(arena, module, { ternaryKernel: "dot", repackFourRows: false });
const threaded = new ThreadedKernels(arena, module, 2, { spawn: spawnNodeWorker, ternaryKernel: "dot", repackFourRows: false });
const lutSingle = new WasmKernels(arena, module, { ternaryKernel: "lut" });
const lutThreaded = new ThreadedKernels(arena, module, 2, { spawn: spawnNodeWorker, ternaryKernel: "lut" });
const x4Single = new WasmKernels(arena, module);
const x4Threaded = new ThreadedKernels(arena, module, 2, { spawn: spawnNodeWorker });
/** The kernel sets a type is measured with (1 thread, 2 threads); repacked weights (LUT, X4) by the first. */
const setsOf = (name) => (name === "TQ2_0_LUT" ? [lutSingle, lutThreaded] : name.endsWith("_X4") ? [x4Single, x4Threaded] : [single, threaded]);
const x = arena.alloc(64 * COLS * 4);
{
  const f = arena.f32;
  for (let i = 0; i < 64 * COLS; i++) f[(x >> 2) + i] = Math.sin(i * 0.37) * 2;
}
const out = arena.alloc(64 * Math.max(ROWS, 8192) * 4);

console.log(`matMul decode (n = 1), ${ROWS} rows × ${COLS} cols, weights from DRAM; GB/s of weight bytes (median of calls)`);
console.log("type   MB/matrix  1 thread   2 threads  2T/1T");
const results = {};
for (const name of types) {
  const [block, blockBytes] = LAYOUT[name];
  const rowBytes = (COLS / block) * blockBytes;
  const bytes = rowBytes * ROWS;
  const copies = Math.max(2, Math.ceil(DRAM_BYTES / bytes));
  const mats = [];
  for (let c = 0; c < copies; c++) {
    const ptr = arena.alloc(bytes, 64);
    fillWeights(arena.u8, ptr, name, bytes);
    mats.push({ name: `${name}#${c}`, type: T[name], dims: [COLS, ROWS], cols: COLS, rows: ROWS, rowBytes, ptr, bytes });
    setsOf(name)[0].prepareWeight(mats[c]);
  }
  const row = [];
  for (const k of setsOf(name)) {
    for (let i = 0; i < copies; i++) k.matMul(mats[i], x, 1, out); // warm-up
    const times = [];
    const budget = quick ? 300 : 1500;
    const t0 = performance.now();
    for (let i = 0; performance.now() - t0 < budget || times.length < 2 * copies; i++) {
      const s = performance.now();
      k.matMul(mats[i % copies], x, 1, out);
      times.push(performance.now() - s);
    }
    row.push(bytes / (median(times) * 1e6));
  }
  results[name] = row;
  console.log(`${name.padEnd(6)} ${(bytes / 2 ** 20).toFixed(1).padStart(8)}  ${row[0].toFixed(2).padStart(8)}  ${row[1].toFixed(2).padStart(9)}  ${(row[1] / row[0]).toFixed(2).padStart(5)}   ${NOTES[name] ?? ""}`);
}

// prefill: n input rows against a model-sized matrix that stays in cache (the model's matrices are small)
console.log(`\nmatMul prefill (n = 64), 1536 rows × 576 cols (SmolLM-135M FFN-up shape; ternary: 2048 × 2048, Llama-3.2-1B attention): µs per input row, GMAC/s`);
for (const name of ["Q8_0", "Q4_0", "Q4_0_X4", "Q5_0", "Q5_0_X4", "Q4_K", "Q6_K", "F16", "TQ2_0", "TQ2_0_LUT"].filter((t) => types.includes(t))) {
  const [block, blockBytes] = LAYOUT[name];
  const [rows, cols] = name.startsWith("TQ") ? [2048, 2048] : [1536, 576];
  const rowBytes = (cols / block) * blockBytes;
  const ptr = arena.alloc(rowBytes * rows, 64);
  fillWeights(arena.u8, ptr, name, rowBytes * rows);
  const w = { name, type: T[name], dims: [cols, rows], cols, rows, rowBytes, ptr, bytes: rowBytes * rows };
  setsOf(name)[0].prepareWeight(w);
  const line = [];
  for (const k of setsOf(name)) {
    k.matMul(w, x, 64, out);
    const times = [];
    for (let i = 0; i < (quick ? 5 : 20); i++) {
      const s = performance.now();
      k.matMul(w, x, 64, out);
      times.push(performance.now() - s);
    }
    const ms = median(times);
    line.push(`${((ms * 1000) / 64).toFixed(1)} µs/row ${((rows * cols * 64) / (ms * 1e6)).toFixed(1)} GMAC/s`);
  }
  console.log(`${name.padEnd(6)} 1 thread: ${line[0]}   2 threads: ${line[1]}`);
}

// decode simulation: the kernel calls of one SmolLM-135M token (the model shape of PERFORMANCE-NOTES' table), random
// weights, positions 128..255 (as llama.cpp's 128-token prompt + 128 generated), f16 KV cache
async function decodeSim(k, name, tokens) {
  const [block, blockBytes] = LAYOUT[name];
  const dim = 576, kvDim = 192, ffn = 1536, layers = 30, vocab = 49152, nHeads = 9, nKv = 3, headDim = 64, ctx = 256;
  const mk = (rows, cols) => {
    const rowBytes = (cols / block) * blockBytes;
    const ptr = arena.alloc(rowBytes * rows, 64);
    fillWeights(arena.u8, ptr, name, rowBytes * rows);
    return { name, type: T[name], dims: [cols, rows], cols, rows, rowBytes, ptr, bytes: rowBytes * rows };
  };
  if (!decodeSim.weights?.[name]) {
    decodeSim.weights ??= {};
    decodeSim.weights[name] = {
      layers: Array.from({ length: layers }, () => ({
        q: mk(dim, dim), k: mk(kvDim, dim), v: mk(kvDim, dim), o: mk(dim, dim),
        gate: mk(ffn, dim), up: mk(ffn, dim), down: mk(dim, ffn),
        kc: arena.alloc(ctx * kvDim * 2), vc: arena.alloc(ctx * kvDim * 2),
      })),
      head: mk(vocab, dim),
      norm: arena.alloc(dim * 4),
    };
    const f = arena.f32;
    for (let i = 0; i < dim; i++) f[(decodeSim.weights[name].norm >> 2) + i] = 1;
  }
  const W = decodeSim.weights[name];
  const xb = arena.alloc(dim * 4), hb = arena.alloc(dim * 4), qb = arena.alloc(dim * 4), kb = arena.alloc(kvDim * 4),
    vb = arena.alloc(kvDim * 4), ab = arena.alloc(dim * 4), gb = arena.alloc(ffn * 4), ub = arena.alloc(ffn * 4),
    logits = arena.alloc(vocab * 4), scratch = arena.alloc(ctx * 4);
  for (let i = 0; i < dim; i++) arena.f32[(xb >> 2) + i] = Math.sin(i);
  const times = [];
  for (let t = 0; t < tokens; t++) {
    const pos = 128 + (t % 128);
    const s = performance.now();
    for (const L of W.layers) {
      k.rmsNorm(xb, W.norm, 1, dim, 1e-5, hb);
      k.matMul(L.q, hb, 1, qb);
      k.matMul(L.k, hb, 1, kb);
      k.matMul(L.v, hb, 1, vb);
      k.rope(qb, 1, nHeads, headDim, headDim, pos, 10000, 1, false, 0);
      k.rope(kb, 1, nKv, headDim, headDim, pos, 10000, 1, false, 0);
      k.storeKv(kb, vb, 1, kvDim, pos, L.kc, L.vc, "f16");
      k.attention(qb, 1, pos, nHeads, nKv, headDim, 0.125, L.kc, L.vc, "f16", ab, scratch);
      k.matMul(L.o, ab, 1, hb);
      k.add(xb, hb, dim);
      k.rmsNorm(xb, W.norm, 1, dim, 1e-5, hb);
      k.matMul(L.gate, hb, 1, gb);
      k.matMul(L.up, hb, 1, ub);
      k.swiglu(gb, ub, ffn);
      k.matMul(L.down, gb, 1, hb);
      k.add(xb, hb, dim);
      k.rmsNorm(xb, W.norm, 1, dim, 1e-5, xb); // keep the residual bounded with random weights
    }
    k.rmsNorm(xb, W.norm, 1, dim, 1e-5, hb);
    k.matMul(W.head, hb, 1, logits);
    times.push(performance.now() - s);
  }
  const steady = times.slice(Math.min(8, tokens >> 2));
  const sorted = [...steady].sort((a, b) => a - b);
  const p50 = sorted[sorted.length >> 1], p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
  return { tokS: 1000 / p50, p99p50: p99 / p50 };
}

const LLAMA_CPP = { Q8_0: "33.7 / 43.5 tok/s, p99/p50 1.17 / 3.6", Q4_0: "51.2 / 60.6 tok/s, p99/p50 1.58 / 3.7" };
console.log(`\ndecode simulation, SmolLM-135M shape (30 layers, 49152×576 tied head), positions 128..255, f16 KV`);
for (const name of ["Q8_0", "Q4_0"].filter((t) => types.includes(t))) {
  const line = [];
  for (const k of [single, threaded]) {
    await decodeSim(k, name, 16); // warm-up (compiles, fills caches)
    const r = await decodeSim(k, name, quick ? 48 : 160);
    line.push(`${r.tokS.toFixed(1)} tok/s, p99/p50 ${r.p99p50.toFixed(2)}`);
  }
  console.log(`${name.padEnd(6)} 1 thread: ${line[0]}   2 threads: ${line[1]}   (llama.cpp 1 / 2 threads: ${LLAMA_CPP[name]})`);
}

// fork-join cost
const pool = threaded.pool;
for (let i = 0; i < 1000; i++) pool.barrier();
const N = quick ? 5000 : 50000;
let t0 = performance.now();
for (let i = 0; i < N; i++) pool.barrier();
const hot = ((performance.now() - t0) * 1000) / N;
// after a pause longer than the spin window the worker sleeps: the next call pays the wake-up
const cold = [];
for (let i = 0; i < (quick ? 10 : 40); i++) {
  await new Promise((r) => setTimeout(r, 20));
  const s = performance.now();
  pool.barrier();
  cold.push((performance.now() - s) * 1000);
}
const perToken = 30 * 7 + 30; // 30 layers × 7 matMuls + 30 attention calls (SmolLM-135M)
console.log(`\nfork-join (2 threads, every thread takes part): ${hot.toFixed(2)} µs per call back to back; ` +
  `${median(cold).toFixed(1)} µs when the worker was asleep (median)`);
console.log(`per token-equivalent (30 layers × 7 matMuls + 30 attentions = ${perToken} calls): ` +
  `${((hot * perToken) / 1000).toFixed(3)} ms`);
threaded.dispose();
lutThreaded.dispose();
