// Shows that the decode loop allocates nothing: run under `node --trace-gc` and look between the markers.
// Usage: node --trace-gc [--max-semi-space-size=1] scripts/decode-gc-check.mjs MODEL.gguf [THREADS] [TOKENS]
import { loadModel } from "../dist/src/engine.js";
import { argmax } from "../dist/src/runtime/sampler.js";

const [path, threadsArg = "1", tokensArg = "256"] = process.argv.slice(2);
const tokens = Number(tokensArg);
const lm = loadModel(path, { threads: Number(threadsArg) });
const session = lm.createSession({ ctx: tokens + 64, batch: 32 });
const vocab = lm.config.vocabSize;
session.eval(Array.from({ length: 32 }, (_, i) => (i * 7919) % vocab));
let logits = session.lastLogits();
for (let i = 0; i < 16; i++) logits = session.step(argmax(logits)); // warm up: let V8 optimize the loop first
// let worker threads finish their own start-up (module compile, first scavenges) before the measured window
await new Promise((r) => setTimeout(r, 500));
for (let i = 0; i < 16; i++) logits = session.step(argmax(logits));
process.stdout.write("DECODE-START\n");
for (let i = 0; i < tokens; i++) logits = session.step(argmax(logits));
process.stdout.write("DECODE-END\n");
lm.dispose();
