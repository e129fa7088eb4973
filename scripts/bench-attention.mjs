// Attention kernel alone (not a test): µs per decode-step call of Kernels.attention for a head layout and cache length,
// the numbers behind BENCHMARKS.md "Long context". Usage: npm run build && node scripts/bench-attention.mjs HEADS KV_HEADS HEAD_DIM POSITIONS THREADS
//   e.g. 9 3 64 192 2 (SmolLM-135M at 192 positions), 14 2 64 4096 1 (Qwen2.5-0.5B at 4k)
const { Arena } = await import("../dist/src/kernels/memory.js");
const { createKernels } = await import("../dist/src/kernels/select.js");
const [nH, nKv, hd, pos, thr] = process.argv.slice(2).map(Number);
const arena = new Arena(64 << 20);
const k = createKernels(arena, { threads: thr });
const ctx = pos + 1, kvDim = nKv * hd;
const q = arena.alloc(nH * hd * 4), out = arena.alloc(nH * hd * 4), kc = arena.alloc(ctx * kvDim * 2), vc = arena.alloc(ctx * kvDim * 2), scr = arena.alloc(1 << 20);
for (let i = 0; i < nH * hd; i++) arena.f32[q / 4 + i] = Math.sin(i);
for (let i = 0; i < ctx * kvDim; i++) { arena.u16[kc / 2 + i] = 0x3000 + (i % 255); arena.u16[vc / 2 + i] = 0x3000 + (i % 127); }
const run = (N) => { const t = performance.now(); for (let i = 0; i < N; i++) k.attention(q, 1, pos, nH, nKv, hd, 0.125, kc, vc, "f16", out, scr); return (performance.now() - t) / N * 1000; };
run(2000);
console.log(`heads ${nH}/${nKv} hd ${hd} pos ${pos} threads ${thr}: ${run(5000).toFixed(1)} µs per call`);
k.dispose?.();
