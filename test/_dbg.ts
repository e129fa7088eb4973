import { writeTinyModel } from "./helpers/models.js";
import { loadModel } from "../src/engine.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { openOracle } from "./helpers/oracle.js";
const arch = (process.argv[2] ?? "llama") as "llama";
const type = GgmlType[(process.argv[3] ?? "Q8_0") as keyof typeof GgmlType] as GgmlType;
const path = await writeTinyModel(arch, type, 7, process.argv[4] ? { tied: true } : {});
const lm = loadModel(path, { backend: "reference" });
const o = await openOracle(path, { threads: 1, contextSize: 128 });
const prompt = [17, 200, 3, 99, 45, 310, 7, 256, 128, 64, 500, 11];
const g = await o.greedy(prompt, 32);
const am = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i; return b; };
const ids = [...prompt];
for (let k = 0; k < 32; k++) {
  const s = lm.createSession({ ctx: 128 });
  s.eval(ids);
  const ours = s.lastLogits();
  const ref = await o.nextTokenLogits(ids);
  let md = 0; for (let i = 0; i < ref.length; i++) md = Math.max(md, Math.abs(ref[i] - ours[i]));
  const sorted = [...ref].sort((a, b) => b - a);
  console.log(k, "len", ids.length, "maxdiff", md.toFixed(5), "ours", am(ours), "ref", am(ref), "greedy", g[k], "gap", (sorted[0] - sorted[1]).toFixed(4));
  ids.push(g[k]);
}
await o.dispose();
