// How far llama.cpp's flash-attention mode is from the plain path edgellm mirrors (not a test): for each decoder
// architecture's oracle model (test/helpers/models.ts) in F16 and Q8_0, the largest difference of the next-token logits
// (each set shifted to its own maximum, as softmax sees them) between edgellm (WASM, 1 thread) and llama.cpp with flash
// attention off, and with it on. Logits, not probabilities: these test models are peaked enough that p is 1.0 to
// machine precision for many of them.
// Usage: npm run build && node scripts/flash-attention-report.mjs
import { loadModel } from "../dist/src/engine.js";
import { GgmlType } from "../dist/src/tensor/ggml-type.js";
import { DECODERS, writeTinyModel } from "../dist/test/helpers/models.js";
import { openOracle } from "../dist/test/helpers/oracle.js";

/** Logits minus their maximum (what softmax depends on). */
function shifted(l) {
  let m = -Infinity;
  for (const v of l) m = Math.max(m, v);
  return Float64Array.from(l, (v) => v - m);
}

const PROMPT = [17, 200, 3, 99, 45, 310, 7, 256, 128, 64, 500, 11];
const SEED = { phi3: 3, bitnet: 5 };
console.log("| architecture | type | max \\|Δ logit\\| flash off | max \\|Δ logit\\| flash on | top-1 same (off / on) |");
console.log("|---|---|---|---|---|");
for (const arch of DECODERS) {
  for (const type of [GgmlType.F16, GgmlType.Q8_0]) {
    const path = await writeTinyModel(arch, type, SEED[arch] ?? 7);
    const lm = loadModel(path, { backend: "wasm", threads: 1 });
    const s = lm.createSession({ ctx: 128 });
    s.eval(PROMPT);
    const ours = shifted(s.lastLogits());
    const row = [];
    const tops = [];
    for (const flashAttention of [false, true]) {
      const o = await openOracle(path, { threads: 1, contextSize: 128, flashAttention });
      const ref = shifted(await o.nextTokenLogits(PROMPT));
      let md = 0, a = 0, b = 0;
      for (let i = 0; i < ref.length; i++) {
        md = Math.max(md, Math.abs(ref[i] - ours[i]));
        if (ref[i] > ref[a]) a = i;
        if (ours[i] > ours[b]) b = i;
      }
      row.push(md.toFixed(4));
      tops.push(a === b ? "yes" : "no");
      await o.dispose();
    }
    lm.dispose();
    console.log(`| ${arch} | ${GgmlType[type]} | ${row[0]} | ${row[1]} | ${tops.join(" / ")} |`);
  }
}
