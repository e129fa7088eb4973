// What the load-time prefetch measurement chose on this machine (not a test): the sweep times with and without
// touching memory ahead (src/kernels/prefetch.ts). Usage: npm run build && node scripts/prefetch-choice.mjs FILE.gguf [threads]
import { loadModel } from "../dist/src/engine.js";

const [file, threads = "2"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node scripts/prefetch-choice.mjs FILE.gguf [threads]");
  process.exit(2);
}
const lm = loadModel(file, { threads: Number(threads) });
const c = lm.prefetch;
console.log(c ? `prefetch ${c.bytes ? `${c.bytes >> 10} KiB ahead` : "off"}: sweep ${c.offMs.toFixed(2)} ms without, ${c.onMs.toFixed(2)} ms with` : "this kernel set has no prefetch");
lm.dispose();
