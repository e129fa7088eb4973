// Records what llama-perplexity --kl-divergence prints for a fixed base/quantized pair into test/kld-oracle.json
// (not a test; rerun after changing the pair or the llama.cpp release):
//   npm run build && scripts/build-llama-cpp.sh && node scripts/kld-oracle.mjs
// The base is a random-weight llama (kldBaseModel in test/helpers/kld-pair.ts), the quantized files are made by
// edgellm quantize (byte-identical to llama-quantize's), the text is the bundled held-out file.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { KLD_PAIR, writeKldBase } from "../dist/test/helpers/kld-pair.js";
import { quantizeModel } from "../dist/src/tools/quantize.js";
import { fileTypeByName } from "../dist/src/tools/quant-plan.js";

const cache = process.env.EDGELLM_LLAMA_CPP_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "edgellm", "llama.cpp");
const bin = process.argv[2] ?? join(cache, "build", "bin", "llama-perplexity");
const dir = mkdtempSync(join(tmpdir(), "edgellm-kld-"));
const num = (out, label) => Number(new RegExp(`${label.replace(/[()%.]/g, "\\$&")}\\s*:\\s*(-?[\\d.]+)`).exec(out)[1]);
try {
  const base = join(dir, "base.gguf");
  await writeKldBase(base);
  const common = ["-f", KLD_PAIR.text, "-c", String(KLD_PAIR.ctx), "--chunks", String(KLD_PAIR.chunks), "-t", "2", "-b", String(KLD_PAIR.ctx)];
  execFileSync(bin, ["-m", base, ...common, "--kl-divergence-base", join(dir, "base.kld")], { stdio: "ignore" });
  const results = {};
  for (const type of KLD_PAIR.types) {
    const q = join(dir, `${type}.gguf`);
    await quantizeModel(base, q, { fileType: fileTypeByName(type), threads: 2 });
    const out = execFileSync(bin, ["-m", q, ...common, "--kl-divergence-base", join(dir, "base.kld"), "--kl-divergence"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const all = out;
    results[type] = {
      ppl: num(all, "Mean PPL(Q)"), pplBase: num(all, "Mean PPL(base)"), kldMean: num(all, "Mean    KLD"),
      kldP99: num(all, "99.0%   KLD"), kldMedian: num(all, "Median  KLD"), sameTop: num(all, "Same top p") / 100,
    };
  }
  const commit = execFileSync("git", ["-C", join(cache, "src"), "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  writeFileSync("test/kld-oracle.json", JSON.stringify({ llamaCpp: commit, tool: "llama-perplexity --kl-divergence", results }, null, 1) + "\n");
  console.error(`kld-oracle: ${KLD_PAIR.types.join(", ")} from llama.cpp ${commit} → test/kld-oracle.json`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
