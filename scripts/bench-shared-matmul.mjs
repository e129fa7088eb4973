// A/B of Kernels.matMulShared (q/k/v and gate/up of one input as one task) against one matMul per weight, in one
// process on the same model (not a test): passes of a 128-token prompt and 64 greedy decode steps alternate between the
// two so that the shared machine's drift hits both alike. Usage: npm run build && node scripts/bench-shared-matmul.mjs FILE.gguf [threads]
import { fromDist } from "./from-dist.mjs";
const { loadModel } = await fromDist("bench-shared-matmul", "engine.js");
const { argmax } = await fromDist("bench-shared-matmul", "runtime/sampler.js");
const [file, threads = "2"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node scripts/bench-shared-matmul.mjs FILE.gguf [threads]");
  process.exit(2);
}
const PROMPT = 128, STEPS = 64, ROUNDS = 12;
const lm = loadModel(file, { threads: Number(threads) });
const k = lm.kernels;
const shared = k.matMulShared.bind(k);
const perWeight = (ws, x, n, outs) => {
  for (let i = 0; i < ws.length; i++) k.matMul(ws[i], x, n, outs[i]);
};
const s = lm.createSession({ ctx: PROMPT + STEPS + 8, batch: PROMPT });
const prompt = Int32Array.from({ length: PROMPT }, (_, i) => 100 + i);
function pass() {
  const t0 = performance.now();
  s.eval(prompt);
  let tok = argmax(s.lastLogits());
  const t1 = performance.now();
  for (let i = 0; i < STEPS; i++) tok = argmax(s.step(tok));
  const r = [t1 - t0, (performance.now() - t1) / STEPS];
  s.truncate(0);
  return r;
}
const res = { "one matMul per weight": [], matMulShared: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const which of r % 2 ? ["matMulShared", "one matMul per weight"] : ["one matMul per weight", "matMulShared"]) {
    k.matMulShared = which === "matMulShared" ? shared : perWeight;
    const t = pass();
    if (r > 0) res[which].push(t); // round 0 warms both up
  }
}
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
for (const [name, t] of Object.entries(res)) {
  console.log(`${name}: prefill ${median(t.map((v) => v[0])).toFixed(1)} ms per ${PROMPT}-token prompt, decode ${median(t.map((v) => v[1])).toFixed(2)} ms per token`);
}
lm.dispose?.();
process.exit(0);
