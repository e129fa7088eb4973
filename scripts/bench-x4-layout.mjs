// A/B of the two kernels of Q4_0 or Q5_0 on the same weights in one process (not a test): ggml's layout with the
// one-row kernel (repackFourRows: false) against the four-row groups (src/kernels/x4-layout.ts), calls alternating so
// that the shared machine's drift hits both alike. Decode (n = 1) rotates copies beyond the L3; prompts reuse one
// matrix. Usage: npm run build && node scripts/bench-x4-layout.mjs [ROWSxCOLS] [n] [threads] [Q4_0|Q5_0]
//   e.g. 2048x8192 1 1 (decode, one thread), 4864x896 128 2 Q5_0 (Qwen2.5-0.5B's ffn_gate, a 128-token prompt)
import { alternate, median } from "./ab-timing.mjs";
import { kernelModules } from "./from-dist.mjs";
const { Arena, WasmKernels, ThreadedKernels, spawnNodeWorker, loadKernelModule } = await kernelModules("bench-x4-layout");

const [rows, cols] = (process.argv[2] ?? "2048x8192").split("x").map(Number);
const n = Number(process.argv[3] ?? 1);
const threads = Number(process.argv[4] ?? 1);
const typeName = process.argv[5] ?? "Q4_0";
const [type, blockBytes] = { Q4_0: [2, 18], Q5_0: [6, 22] }[typeName] ?? [];
if (!(rows >= 4 && cols % 32 === 0 && n >= 1 && threads >= 1 && type !== undefined)) {
  console.error("usage: node scripts/bench-x4-layout.mjs [ROWSxCOLS (cols a multiple of 32)] [n] [threads] [Q4_0|Q5_0]");
  process.exit(2);
}
const arena = new Arena(1 << 30);
const module = loadKernelModule("relaxed");
const make = (repackFourRows) => threads > 1
  ? new ThreadedKernels(arena, module, threads, { spawn: spawnNodeWorker, repackFourRows })
  : new WasmKernels(arena, module, { repackFourRows });
const sets = [make(false), make(true)];
if (!sets[1].fourRows) {
  console.error("bench-x4-layout: this engine runs the base SIMD build, which keeps ggml's layout");
  process.exit(1);
}
const rowBytes = (cols / 32) * blockBytes, bytes = rows * rowBytes;
const copies = n === 1 ? Math.max(2, Math.ceil((160 << 20) / bytes)) : 1;
let seed = 12345;
const mats = sets.map((k) => Array.from({ length: copies }, () => {
  const ptr = arena.alloc(bytes, 64);
  for (let j = 0; j < bytes; j++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    arena.u8[ptr + j] = seed >>> 24;
  }
  // f16 scales in a normal range (0x20xx: ~0.008)
  for (let j = 0; j < bytes; j += blockBytes) arena.u8[ptr + j + 1] = 0x20;
  const w = { name: "w", type, dims: [cols, rows], cols, rows, rowBytes, ptr, bytes };
  k.prepareWeight(w);
  return w;
}));
const x = arena.alloc(n * cols * 4), out = arena.alloc(n * rows * 4);
for (let i = 0; i < n * cols; i++) arena.f32[(x >> 2) + i] = Math.sin(i * 0.37);
for (const k of sets) k.reserveScratch(n, cols);
const times = alternate(sets, mats, (k, w) => k.matMul(w, x, n, out));
const [ggml, x4] = times.map(median);
const show = n === 1 ? (t) => `${(bytes / t / 1e6).toFixed(2)} GB/s` : (t) => `${((t * 1000) / n).toFixed(1)} µs/row`;
console.log(`${typeName} ${rows}x${cols} n=${n} threads=${threads}: ggml layout ${show(ggml)}, four-row groups ${show(x4)}, ratio ${(ggml / x4).toFixed(3)}`);
for (const k of sets) k.dispose?.();
