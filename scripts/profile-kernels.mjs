// Where the time of a token goes (not a test): times every kernel call of a model's decode steps (or of one prompt)
// in one process, per kernel and per weight matrix, after one untimed warm-up pass. The timer itself adds ~0.1 µs
// per call. Usage: npm run build && node scripts/profile-kernels.mjs FILE.gguf [threads] [decode|prefill]
import { loadModel } from "../dist/src/engine.js";
import { argmax } from "../dist/src/runtime/sampler.js";

const [file, threadsArg = "2", mode = "decode"] = process.argv.slice(2);
if (!file || !["decode", "prefill"].includes(mode)) {
  console.error("usage: node scripts/profile-kernels.mjs FILE.gguf [threads] [decode|prefill]");
  process.exit(2);
}
const PROMPT = 128, STEPS = 64;
const lm = loadModel(file, { threads: Number(threadsArg) });
const k = lm.kernels;
const byKernel = new Map(), byMatrix = new Map();
let on = false;
const add = (map, key, ms) => {
  const e = map.get(key) ?? { ms: 0, calls: 0 };
  e.ms += ms;
  e.calls++;
  map.set(key, e);
};
for (const name of ["matMul", "matMulShared", "getRow", "rmsNorm", "layerNorm", "rope", "storeKv", "attention", "add", "addBias", "swiglu", "gelu"]) {
  const f = k[name].bind(k);
  k[name] = (...args) => {
    if (!on) return f(...args);
    const t = performance.now();
    const r = f(...args);
    const ms = performance.now() - t;
    add(byKernel, name, ms);
    const matrix = (w) => w.name.replace(/^blk\.\d+\./, "");
    if (name === "matMul") add(byMatrix, matrix(args[0]), ms);
    if (name === "matMulShared") add(byMatrix, args[0].map(matrix).join(" + "), ms);
    return r;
  };
}
const s = lm.createSession({ ctx: PROMPT + STEPS + 8, batch: PROMPT });
const prompt = Int32Array.from({ length: PROMPT }, (_, i) => 100 + i);
function pass(steps, measure) {
  on = measure && mode === "prefill";
  const t0 = performance.now();
  s.eval(prompt);
  const prefillMs = performance.now() - t0;
  on = measure && mode === "decode";
  let tok = argmax(s.lastLogits());
  const t1 = performance.now();
  for (let i = 0; i < steps; i++) tok = argmax(s.step(tok));
  const decodeMs = performance.now() - t1;
  on = false;
  s.truncate(0);
  return mode === "decode" ? decodeMs / steps : prefillMs;
}
pass(16, false);
const total = pass(STEPS, true);
const per = mode === "decode" ? STEPS : 1;
console.log(`${lm.kernels.name}, ${mode}: ${total.toFixed(2)} ms ${mode === "decode" ? "per token" : `per ${PROMPT}-token prompt`}`);
let inKernels = 0;
for (const [name, e] of byKernel) {
  inKernels += e.ms / per;
  console.log(`  ${name.padEnd(10)} ${(e.ms / per).toFixed(3).padStart(9)} ms  ${(e.calls / per).toFixed(0)} calls`);
}
console.log(`  ${"JS (rest)".padEnd(10)} ${(total - inKernels).toFixed(3).padStart(9)} ms`);
for (const [name, e] of byMatrix) console.log(`    ${name.padEnd(22)} ${(e.ms / per).toFixed(3).padStart(9)} ms`);
lm.dispose();
