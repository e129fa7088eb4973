// Why the benchmark's warm-up pass decodes 64 steps (not a test): one untimed pass of a 128-token prompt and W decode
// steps, then a timed pass of 128 steps, printing p50, p99 and the steps slower than 1.5× the median. With W = 8 the
// slow steps fall at the same places in every run (V8 optimizing the decode path's JavaScript in the background, on a
// core the compute threads need); with W = 64 they are gone. Usage: npm run build && node scripts/warmup-jitter.mjs FILE.gguf W [threads]
import { fromDist } from "./from-dist.mjs";
const { loadModel } = await fromDist("warmup-jitter", "engine.js");
const { argmax } = await fromDist("warmup-jitter", "runtime/sampler.js");
const [file, warmArg, threads = "2"] = process.argv.slice(2);
const warm = Number(warmArg);
if (!file || !(warm >= 0)) {
  console.error("usage: node scripts/warmup-jitter.mjs FILE.gguf WARMUP_STEPS [threads]");
  process.exit(2);
}
const STEPS = 128;
const lm = loadModel(file, { threads: Number(threads) });
const s = lm.createSession({ ctx: 128 + STEPS + 8, batch: 128 });
const prompt = Int32Array.from({ length: 128 }, (_, i) => 100 + i);
function pass(steps) {
  s.eval(prompt);
  let tok = argmax(s.lastLogits());
  const t = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    tok = argmax(s.step(tok));
    t.push(performance.now() - t0);
  }
  s.truncate(0);
  return t;
}
pass(warm);
const t = pass(STEPS);
const sorted = t.slice().sort((a, b) => a - b);
const p50 = sorted[STEPS >> 1], p99 = sorted[Math.floor(0.99 * STEPS)];
const slow = t.map((v, i) => (v > 1.5 * p50 ? i : -1)).filter((i) => i >= 0);
console.log(`warm-up ${warm} steps: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, p99/p50 ${(p99 / p50).toFixed(2)}; steps over 1.5x the median: ${slow.join(",") || "none"}`);
lm.dispose?.();
process.exit(0);
