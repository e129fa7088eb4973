// A/B of two builds of the kernel module on the same weights in one process (not a test): e.g. the relaxed build of
// the last commit against the working tree's, calls alternating so that the shared machine's drift hits both alike.
// Decode (n = 1) rotates copies beyond the L3; prompts (n > 1) reuse one matrix. Prints the median time per call and
// the weights' GB/s. Usage:
//   npm run build && cp dist/wasm/kernels-relaxed.wasm /tmp/new.wasm   (and the old build's file as /tmp/old.wasm)
//   node scripts/ab-kernel-builds.mjs /tmp/old.wasm /tmp/new.wasm Q6_K 128256x2048 [n] [threads] [lut|dot]
// (the last: TQ2_0's kernel, default auto)
import { readFileSync } from "node:fs";
import { alternate, median } from "./ab-timing.mjs";
import { kernelModules } from "./from-dist.mjs";

const { Arena, WasmKernels, ThreadedKernels, spawnNodeWorker, relaxedSimdSupported } = await kernelModules("ab-kernel-builds");
relaxedSimdSupported(); // switches on Node 20's relaxed-SIMD flag where it is needed

// ggml type id, block elements, block bytes, offsets of the f16 scales (set to ~0.008: no Inf/NaN/subnormals)
const TYPES = {
  Q8_0: [8, 32, 34, [0]], Q4_0: [2, 32, 18, [0]], Q5_0: [6, 32, 22, [0]], Q4_K: [12, 256, 144, [0, 2]],
  Q5_K: [13, 256, 176, [0, 2]], Q6_K: [14, 256, 210, [208]], TQ2_0: [35, 256, 66, [64]],
};
const [fileA, fileB, typeName = "Q6_K", shape = "2048x8192", nArg = "1", threadsArg = "1", ternaryKernel = "auto"] = process.argv.slice(2);
const [rows, cols] = shape.split("x").map(Number);
const n = Number(nArg), threads = Number(threadsArg);
const spec = TYPES[typeName];
if (!fileA || !fileB || !spec || !(rows >= 16 && cols % spec[1] === 0 && n >= 1 && threads >= 1)) {
  console.error(`usage: node scripts/ab-kernel-builds.mjs A.wasm B.wasm [${Object.keys(TYPES).join("|")}] [ROWSxCOLS] [n] [threads] [lut|dot|auto]`);
  process.exit(2);
}
const [type, blockElems, blockBytes, scales] = spec;
const arena = new Arena(1 << 30, 4096 * 2 ** 20);
const make = (file) => {
  const module = new WebAssembly.Module(readFileSync(file));
  return threads > 1 ? new ThreadedKernels(arena, module, threads, { spawn: spawnNodeWorker, ternaryKernel }) : new WasmKernels(arena, module, { ternaryKernel });
};
const sets = [make(fileA), make(fileB)];
const rowBytes = (cols / blockElems) * blockBytes, bytes = rows * rowBytes;
const copies = n === 1 ? Math.max(2, Math.ceil((160 << 20) / bytes)) : 1;
let seed = 12345;
const mats = sets.map((k) => Array.from({ length: copies }, (_, c) => {
  if (c === 0) seed = 12345; // both builds get the same weights
  const ptr = arena.alloc(bytes, 64);
  for (let j = 0; j < bytes; j++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    arena.u8[ptr + j] = seed >>> 24;
  }
  for (let b = ptr; b < ptr + bytes; b += blockBytes) {
    // TQ2_0: codes 0–2 only (a quantizer never writes 3, and the table-lookup layout refuses it)
    if (typeName === "TQ2_0") for (let i = 0; i < 64; i++) arena.u8[b + i] &= ~(arena.u8[b + i] & (arena.u8[b + i] >> 1) & 0x55);
    for (const f of scales) {
      arena.u8[b + f] = 0x00;
      arena.u8[b + f + 1] = 0x20;
    }
  }
  const w = { name: "w", type, dims: [cols, rows], cols, rows, rowBytes, ptr, bytes };
  k.prepareWeight(w);
  return w;
}));
const x = arena.alloc(n * cols * 4), outs = sets.map(() => arena.alloc(n * rows * 4));
for (let i = 0; i < n * cols; i++) arena.f32[(x >> 2) + i] = Math.sin(i * 0.37);
for (const k of sets) k.reserveScratch(n, cols);
const times = alternate(sets, mats, (k, w, i) => k.matMul(w, x, n, outs[i]));
// the two builds must agree (same arithmetic): a changed result is a bug, not a speed-up
const a = arena.f32.subarray(outs[0] >> 2, (outs[0] >> 2) + n * rows), b = arena.f32.subarray(outs[1] >> 2, (outs[1] >> 2) + n * rows);
const same = a.every((v, i) => Object.is(v, b[i]));
for (const [i, file] of [fileA, fileB].entries()) {
  const ms = median(times[i]);
  console.log(`${file}: ${typeName} ${rows}x${cols} n=${n} threads=${threads}: ${ms.toFixed(3)} ms per call, ${(bytes / ms / 1e6).toFixed(2)} GB/s of weights`);
}
console.log(`B/A time: ${(median(times[1]) / median(times[0])).toFixed(3)}; outputs ${same ? "bit-identical" : "DIFFER"}`);
for (const k of sets) k.dispose();
