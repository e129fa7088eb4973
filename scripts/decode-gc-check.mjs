// Shows that the decode loop allocates nothing: run under `node --trace-gc` and look between the markers.
// Usage: node --trace-gc --expose-gc [--max-semi-space-size=1] scripts/decode-gc-check.mjs MODEL.gguf [THREADS] [TOKENS]
import { loadModel } from "../dist/src/engine.js";
import { argmax } from "../dist/src/runtime/sampler.js";

const [path, threadsArg = "1", tokensArg = "256"] = process.argv.slice(2);
const tokens = Number(tokensArg);
const lm = loadModel(path, { threads: Number(threadsArg) });
const session = lm.createSession({ ctx: tokens + 200, batch: 32 });
const vocab = lm.config.vocabSize;
session.eval(Array.from({ length: 32 }, (_, i) => (i * 7919) % vocab));
let logits = session.lastLogits();
// warm up: until V8 has optimized the loop, unoptimized code boxes floats on the heap (on a busy machine tier-up
// takes longer, hence a generous warm-up)
for (let i = 0; i < 64; i++) logits = session.step(argmax(logits));
// let worker threads finish their own start-up (module compile, first scavenges) before the measured window
await new Promise((r) => setTimeout(r, 500));
for (let i = 0; i < 64; i++) logits = session.step(argmax(logits));
globalThis.gc?.(); // start the window with an empty young generation (run with --expose-gc)
process.stdout.write("DECODE-START\n");
for (let i = 0; i < tokens; i++) logits = session.step(argmax(logits));
process.stdout.write("DECODE-END\n");
lm.dispose();
